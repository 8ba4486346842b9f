"""Course-wide settings: where the course lives, fast/full mode, seeding, environment report."""

import os
import platform
import re
import sys
import warnings

from . import __version__

# The course's home on GitHub, defined here once. Badges and Colab setup cells are stamped from it:
# after changing it, run `python -m tools.notebooks` to re-stamp every notebook.
REPO = "hongsukyi/rnn-nlp-lectures"
BRANCH = "main"  # what the Open-in-Colab badges open
# What the Colab setup cells install: the release tag of this version of utils, never a branch, so
# a notebook saved to Drive, opened from a fork or reopened a month later gets the helpers it was
# written for.
RELEASE = f"v{__version__}"
# The oldest stack the course is tested on (.ci/run's second stack). Older ones get a warning.
OLDEST_TESTED = {"TensorFlow": "2.19", "Keras": "3.10"}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def is_fast():
    """True in fast mode: `COURSE_FAST=1` (tests set it), False in full mode (the default).

    Lecture 11-0b, "Long-term dependencies: SimpleRNN versus LSTM".
    """
    value = os.environ.get("COURSE_FAST", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"COURSE_FAST={os.environ['COURSE_FAST']!r} is not understood: "
        "set it to 1 for fast mode or 0 (or leave it unset) for full mode."
    )


def pick(full, fast):
    """The value for the current mode, e.g. `EPOCHS = pick(full=100, fast=2)`.

    Lecture 11-0a, "A whole character RNN in NumPy".
    """
    return fast if is_fast() else full


def set_seed(seed=42):
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's ops deterministic.

    Call it once at the top of a notebook: a rerun on the same machine then gives the same numbers.

    Lecture 11-0a, "Setup" ("seeds everything once"); 11-2, "Training, with checkpoints" says why
    a cell seeds again.
    """
    from .args import whole

    seed = whole("seed", seed, minimum=0, maximum=2**32 - 1)  # NumPy's seeds are 32-bit
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(int(seed))  # seeds random, numpy and the backend (TensorFlow)
    tf.config.experimental.enable_op_determinism()
    return int(seed)


def on_colab():
    """True inside Google Colab.

    Not taught: used by `environment_report` and by `utils.train.run_folder` (`use_drive=True`).
    """
    return "google.colab" in sys.modules


def environment_report():
    """One line saying what this notebook runs on, e.g. for the top of every notebook.

    Lecture 11-0a, "Setup" ("says what this notebook runs on").
    """
    import keras
    import tensorflow as tf

    for name, version in (("TensorFlow", tf.__version__), ("Keras", keras.__version__)):
        if _release(version) < _release(OLDEST_TESTED[name]):
            warnings.warn(
                f"{name} {version} is older than {name} {OLDEST_TESTED[name]}, the oldest that "
                "this course is tested on: some cells may fail or print other numbers. On Colab, "
                "pick a newer runtime version (Runtime > Change runtime type); elsewhere, "
                "pip install -r requirements.txt.",
                stacklevel=2,
            )
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        device = f"GPU x{len(gpus)}"
    else:
        device = f"CPU ({os.cpu_count()} cores)"
    where = "Colab" if on_colab() else "local"
    mode = "fast mode (COURSE_FAST=1)" if is_fast() else "full mode"
    return (
        f"Python {platform.python_version()} | TensorFlow {tf.__version__} | "
        f"Keras {keras.__version__} | {device} | {where} | {mode}"
    )


def _release(version):
    """(major, minor) of a version string such as '2.19.1' or '3.10.0rc1'."""
    numbers = [int(n) for n in re.findall(r"\d+", version)[:2]]
    return tuple(numbers + [0] * (2 - len(numbers)))
