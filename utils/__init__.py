"""Small, tested helpers shared by the Lecture 11 notebooks (one module per concern).

- `config`: fast/full mode (`pick`), `set_seed`, the one-line `environment_report`.
- `data`: the course's data sets, found offline first and verified (`load_shakespeare`,
  `load_alice`, `load_mnist` with its offline stand-in).
- `numpy_rnn`: an RNN with BPTT, an LSTM and a GRU in plain NumPy, for the lectures.
- `text`: the character vocabulary, datasets of next-character windows, and the slides' next-word
  n-gram sequences.
- `generate`: sampling strategies, the stateful one-step `CharGenerator`, the `WordGenerator`.
- `train`: the distribution strategy and checkpoints that survive a lost session.
- `plots`: figure helpers (`plot_sequences`, `plot_word_vectors`, `plot_history`, `draw_model`,
  `color_text_html`).
- `checks`: the homework's automatic feedback (`utils.checks.check_gru_model`, ...).

This is all that `pip install .` and the Colab setup cell install. The maintainers' tooling
(stamping, hygiene, the student homework notebooks, the decks) lives apart in `tools/`, run from the
repository root, and nothing here imports it.
"""

from .config import environment_report, is_fast, on_colab, pick, set_seed
from .data import load_alice, load_mnist, load_shakespeare
from .generate import CharGenerator, WordGenerator, distinct_share, sample, sampling_distribution
from .plots import color_text_html, draw_model, plot_history, plot_sequences, plot_word_vectors
from .text import CharVocab, ngram_sequences, split_windows, window_dataset
from .train import (
    InterruptAfter,
    checkpoint_callbacks,
    distribution_strategy,
    run_folder,
)

__all__ = [
    "CharGenerator",
    "CharVocab",
    "WordGenerator",
    "InterruptAfter",
    "checkpoint_callbacks",
    "color_text_html",
    "distinct_share",
    "draw_model",
    "distribution_strategy",
    "environment_report",
    "is_fast",
    "load_alice",
    "load_mnist",
    "load_shakespeare",
    "ngram_sequences",
    "on_colab",
    "pick",
    "plot_history",
    "plot_sequences",
    "plot_word_vectors",
    "run_folder",
    "sample",
    "sampling_distribution",
    "set_seed",
    "split_windows",
    "window_dataset",
]
