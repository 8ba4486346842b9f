"""Plotting helpers shared by the notebooks. Every figure gets a title and labelled axes."""

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np

from . import args

# plot_sequences draws one numbered cell per id: beyond this many cells it is unreadable and slow.
MAX_CELLS = 2_000

# plot_sequences: a token's cell, a padding cell, and the padding's (dimmer) text
TOKEN_COLOUR, PAD_COLOUR, PAD_TEXT = "#cfe0f3", "#f4f4f4", "#555555"


def plot_word_vectors(vectors, words, title, ax=None):
    """Scatter 2-D word vectors (one row per word) and write each word beside its point."""
    args.string("title", title, "Word vectors")
    if isinstance(words, str) or not all(isinstance(w, str) for w in words):
        raise TypeError("words must be a list of strings, one per vector, e.g. ['king', 'queen'].")
    vectors = _numbers("vectors", vectors)
    if vectors.ndim != 2 or vectors.shape[1] != 2:
        raise ValueError(
            f"vectors must have shape (n_words, 2), got {vectors.shape}: "
            "use a 2-dimensional embedding, or project the vectors to 2-D first."
        )
    if len(words) != len(vectors):
        raise ValueError(f"got {len(words)} words for {len(vectors)} vectors; give one per vector.")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    ax.scatter(vectors[:, 0], vectors[:, 1])
    # Words whose points (nearly) coincide get their labels on the other side, then below.
    span = np.ptp(vectors, axis=0).max() or 1.0
    for i, (word, point) in enumerate(zip(words, vectors, strict=True)):
        n = int(np.sum(np.linalg.norm(vectors[:i] - point, axis=1) < 0.1 * span))
        left = n % 2 == 1
        down = -(n // 2) * 1.3 * plt.rcParams["font.size"]  # a line of text, in points
        ax.annotate(
            word,
            point,
            textcoords="offset points",
            xytext=(-4 if left else 4, 4 + down),
            ha="right" if left else "left",
        )
    ax.margins(0.2)  # room for the labels
    ax.set_title(title)
    ax.set_xlabel("embedding dimension 1")
    ax.set_ylabel("embedding dimension 2")
    ax.grid(alpha=0.3)
    return ax


def plot_sequences(sequences, title, ax=None, pad_value=0, labels=None):
    """Draw a padded integer matrix (one row per sequence) as a grid of numbered cells.

    Padding cells (`pad_value`) are grey and the rest pale blue, so 'pre' and 'post' padding and
    truncation can be seen at a glance. With `labels` (e.g. a vocabulary's characters) each cell
    shows `labels[value]` instead of the number.
    """
    args.string("title", title, "Padded sequences")
    try:
        matrix = np.asarray(sequences)
    except ValueError:  # ragged lists of different lengths
        matrix = np.asarray(sequences, dtype=object)
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.integer):
        raise ValueError(
            f"sequences must be a 2-D integer array (pad them first), got shape {matrix.shape} "
            f"and dtype {matrix.dtype}."
        )
    if matrix.size > MAX_CELLS:
        raise ValueError(
            f"sequences has {matrix.size:,} cells; this picture shows at most {MAX_CELLS:,} "
            "cells: plot a few rows and columns, e.g. sequences[:5, -20:]."
        )
    if labels is not None and matrix.size and matrix.max() >= len(labels):
        raise ValueError(
            f"there is no label for {matrix.max()}: labels has {len(labels)} entries. Pass the "
            "vocabulary the ids were made with."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * matrix.shape[1] + 1, 0.6 * matrix.shape[0] + 1))
    # Pale cells, so that the text on them keeps a contrast of at least 4.5:1 (WCAG AA).
    colours = matplotlib.colors.ListedColormap([PAD_COLOUR, TOKEN_COLOUR])
    # square cells for ids and characters; words need wider cells, so the figure's shape decides
    wide = labels is not None and max((len(str(w)) for w in labels), default=0) > 3
    ax.imshow(matrix != pad_value, cmap=colours, vmin=0, vmax=1, aspect="auto" if wide else "equal")
    for (row, col), value in np.ndenumerate(matrix):
        ax.text(
            col,
            row,
            str(value) if labels is None else repr(labels[value])[1:-1],
            ha="center",
            va="center",
            color=PAD_TEXT if value == pad_value else "black",
        )
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_title(title)
    ax.set_xlabel("position in the sequence")
    ax.set_ylabel("sequence")
    return ax


def color_text_html(text, values, title):
    """HTML that shows `text` with each character's background coloured by its value in [-1, 1].

    Blue is negative, red positive, white zero (as in Karpathy's pictures of LSTM cells). Display
    it in a notebook with `IPython.display.HTML(...)`.
    """
    import html

    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}.")
    args.string("title", title, "Cell 42")
    values = _numbers("values", values)
    if values.shape != (len(text),):
        raise ValueError(f"need one value per character: {len(text)} characters, {values.shape}.")
    spans = []
    # At most 60% of full colour, so black text keeps a contrast of at least 4.5:1 (WCAG AA).
    for char, value in zip(text, 0.6 * np.clip(values, -1, 1), strict=True):
        red, blue = (255, int(255 * (1 - value))) if value > 0 else (int(255 * (1 + value)), 255)
        color = f"rgb({red},{min(red, blue)},{blue})"
        shown = "&#8629;<br>" if char == "\n" else html.escape(char).replace(" ", "&nbsp;")
        spans.append(f'<span style="background:{color}" title="{value:+.2f}">{shown}</span>')
    return (
        f"<div><b>{html.escape(title)}</b> (blue: negative, red: positive)</div>"
        f'<div style="font-family:monospace;line-height:1.6">{"".join(spans)}</div>'
    )


def plot_history(histories, title, metrics=("loss", "accuracy")):
    """Training curves: one panel per metric, one colour per model, validation dashed.

    `histories` maps a model's name to the History that `fit` returned (or its `.history` dict).
    """
    if not isinstance(histories, dict):
        raise TypeError(
            f"histories must be a dict {{'model name': history, ...}}, got "
            f"{type(histories).__name__}."
        )
    if not histories:
        raise ValueError("histories is empty: give {'model name': history, ...}.")
    args.string("title", title, "LSTM against GRU")
    if isinstance(metrics, str) or not all(isinstance(m, str) for m in metrics):
        raise TypeError(f"metrics must be a list of names, e.g. ['loss'], got {metrics!r}.")
    for name, history in histories.items():
        if not isinstance(getattr(history, "history", history), dict):
            raise TypeError(
                f"{name}: give the History that fit returned (or its .history dict), got "
                f"{type(history).__name__}."
            )
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for (name, history), color in zip(histories.items(), plt.cm.tab10.colors):
            logs = getattr(history, "history", history)
            if metric not in logs:
                raise ValueError(f"{name}'s history has no {metric!r}: it has {sorted(logs)}.")
            epochs = np.arange(1, len(logs[metric]) + 1)
            ax.plot(epochs, logs[metric], color=color, label=f"{name}, training")
            if f"val_{metric}" in logs:
                val = logs[f"val_{metric}"]
                ax.plot(epochs, val, "--", color=color, label=f"{name}, validation")
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)  # once for the figure: two long panel titles run into each other
    fig.tight_layout()
    return fig


def draw_model(model, to_file, show_shapes=True):
    """Keras' `plot_model` picture of `model`, or a text diagram when Graphviz is missing.

    `plot_model` needs the `pydot` package and Graphviz's `dot` program (on Colab both are there;
    locally: `apt-get install graphviz` or `conda install graphviz`). Without them this prints
    one line per layer instead of failing, and returns None.
    """
    import importlib.util
    import pathlib
    import shutil

    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}.")
    suffixes = (".png", ".svg", ".pdf", ".jpg", ".dot")
    if pathlib.Path(str(to_file)).suffix.lower() not in suffixes:
        raise ValueError(f"to_file must end in one of {', '.join(suffixes)}, got {to_file!r}.")
    if shutil.which("dot") and importlib.util.find_spec("pydot"):
        return keras.utils.plot_model(model, to_file=str(to_file), show_shapes=show_shapes)
    print("Graphviz is not installed, so here is the model as text (install graphviz to draw it):")
    for layer in model.layers:
        shape = tuple(layer.output.shape) if show_shapes else ""
        print(f"  {layer.name} ({type(layer).__name__}) -> {shape}")
    return None


def _numbers(name, values):
    """`values` as a float array of finite numbers, or a clear TypeError or ValueError."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers, got {type(values).__name__}.") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name} hold NaN or infinity: plot finite numbers only.")
    return array
