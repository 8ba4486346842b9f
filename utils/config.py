"""Course-wide settings: where the course lives, fast/full mode, seeding, environment report."""

import os
import platform
import sys

# The course's home on GitHub, defined here once. Badges and Colab setup cells are stamped from it:
# after changing it, run `python -m tools.notebooks` to re-stamp every notebook.
REPO = "hongsukyi/rnn-nlp-lectures"
BRANCH = "main"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def is_fast():
    """True in fast mode: `COURSE_FAST=1` (tests set it), False in full mode (the default)."""
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
    """The value for the current mode, e.g. `EPOCHS = pick(full=100, fast=2)`."""
    return fast if is_fast() else full


def set_seed(seed=42):
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's ops deterministic.

    Call it once at the top of a notebook: a rerun on the same machine then gives the same numbers.
    """
    from .args import whole

    seed = whole("seed", seed, minimum=0, maximum=2**32 - 1)  # NumPy's seeds are 32-bit
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(int(seed))  # seeds random, numpy and the backend (TensorFlow)
    tf.config.experimental.enable_op_determinism()
    return int(seed)


def on_colab():
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def environment_report():
    """One line saying what this notebook runs on, e.g. for the top of every notebook."""
    import keras
    import tensorflow as tf

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
