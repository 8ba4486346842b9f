"""Small, tested helpers shared by the Lecture 11 notebooks (one module per concern).

- `config`: fast/full mode (`pick`), `set_seed`, the one-line `environment_report`.
- `data`: the course's data sets, found offline first and verified (`load_shakespeare`,
  `load_alice`, `load_mnist` with its offline stand-in).
- `numpy_rnn`: an RNN with BPTT, an LSTM and a GRU in plain NumPy, for the lectures.
- `text`: the character vocabulary, datasets of next-character windows, and the slides' next-word
  n-gram sequences.
- `ngram`: Lab 11-2's smoothed counting baseline, a character n-gram model with Kneser-Ney or
  Witten-Bell smoothing.
- `generate`: sampling strategies, the stateful one-step `CharGenerator`, the `WordGenerator`;
  `fastgen`: `CharGenerator`'s fast path, the same maths arranged for speed.
- `train`: the distribution strategy and checkpoints that survive a lost session or a kill.
- `files`: files written whole or not at all (`replacing`).
- `args`: the checks of what notebooks pass to the helpers (clear TypeErrors and ValueErrors).
- `plots`: figure helpers (`plot_sequences`, `plot_word_vectors`, `plot_history`, `draw_model`,
  `color_text_html`).
- `checks`: the homework's automatic feedback (`utils.checks.check_gru_model`, ...).

This is all that `pip install .` and the Colab setup cell install. The maintainers' tooling
(stamping, hygiene, the student homework notebooks, the decks) lives apart in `tools/`, run from the
repository root, and nothing here imports it.
"""

import importlib
import sys

# The version of the helpers. Each notebook's setup cell names the version it was written for and
# installs that release on Colab (the tag `v` + version, see `config.RELEASE`). Bump it whenever a
# notebook needs something new from utils, re-stamp the notebooks (`python -m tools.notebooks`),
# and tag the commit `v<version>` when it is released.
__version__ = "0.4.0"

# Each name `utils` offers, and the module it lives in. A module is imported the first time one of
# its names is used, so `import utils` is instant and TensorFlow loads only when a helper needs it
# (`python -m tools.notebooks`, which reads `utils.config` only, never waits for it).
_HOME = {
    "environment_report": "config",
    "is_fast": "config",
    "on_colab": "config",
    "pick": "config",
    "set_seed": "config",
    "load_alice": "data",
    "load_mnist": "data",
    "load_shakespeare": "data",
    "CharGenerator": "generate",
    "WordGenerator": "generate",
    "distinct_share": "generate",
    "sample": "generate",
    "sampling_distribution": "generate",
    "color_text_html": "plots",
    "draw_model": "plots",
    "plot_history": "plots",
    "plot_sequences": "plots",
    "plot_word_vectors": "plots",
    "CharVocab": "text",
    "ngram_sequences": "text",
    "split_windows": "text",
    "window_dataset": "text",
    "FitClock": "train",
    "InterruptAfter": "train",
    "RunCheckpoints": "train",
    "checkpoint_callbacks": "train",
    "distribution_strategy": "train",
    "run_folder": "train",
}
_MODULES = (
    "args",
    "checks",
    "config",
    "data",
    "fastgen",
    "files",
    "generate",
    "ngram",
    "numpy_rnn",
    "plots",
    "text",
    "train",
)
__all__ = sorted(_HOME)


def require(version):
    """The last line of every notebook's setup cell: stop, saying what to do, when the installed
    `utils` is not the release `version` that the notebook was written for.

    Lecture 11-0a, "Setup": the first notebook's setup cell, whose comment says what it checks;
    the README's "On Google Colab" says more.
    """
    if version == __version__:
        return
    if "google.colab" in sys.modules:
        fix = "Runtime > Restart session, then run the notebook from the top: it installs its own."
    else:
        fix = "use the notebook and the utils of one release: git pull, then pip install -e ."
    raise RuntimeError(
        f"This notebook was written for the course's utils {version}, but {__version__} is "
        f"loaded ({__file__}). {fix}"
    )


def __getattr__(name):
    if name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    elif name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'utils' has no attribute {name!r}")
    globals()[name] = value  # found once; later uses are plain attribute lookups
    return value


def __dir__():
    return sorted({*globals(), *_HOME, *_MODULES})
