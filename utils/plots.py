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
    """Scatter 2-D word vectors (one row per word) and write each word beside its point.

    Lab 11-1, "Word embedding": the vectors of a few words before and after training."""
    vectors = args.word_vectors(vectors, words)  # the arguments, checked once
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

    Lab 11-1, "padding and truncation you can see"; 11-2, "The same windows, lazily" (labels).
    """
    matrix = args.id_grid(sequences, labels, MAX_CELLS)  # the arguments, checked once
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

    Lab 11-2a, "Looking inside": what one unit of the LSTM's cells tracks along a passage.
    """
    import html

    values = args.coloured_text(text, values)  # the arguments, checked once
    spans = []
    # At most 60% of full colour, so black text keeps a contrast of at least 4.5:1 (WCAG AA).
    for char, value in zip(text, 0.6 * np.clip(values, -1, 1), strict=True):
        red, blue = (255, int(255 * (1 - value))) if value > 0 else (int(255 * (1 + value)), 255)
        color = f"rgb({red},{min(red, blue)},{blue})"
        shown = "&#8629;<br>" if char == "\n" else html.escape(char).replace(" ", "&nbsp;")
        spans.append(f'<span style="background:{color}" title="{value:+.2f}">{shown}</span>')
    return (
        f"<div><b>{html.escape(str(title))}</b> (blue: negative, red: positive)</div>"
        f'<div style="font-family:monospace;line-height:1.6">{"".join(spans)}</div>'
    )


def plot_history(histories, title, metrics=("loss", "accuracy")):
    """Training curves: one panel per metric, one colour per model, validation dashed.

    `histories` maps a model's name to the History that `fit` returned (or its `.history` dict).

    Lab 11-2b, "Training accuracy and loss"; Homework, "LSTM vs GRU under identical settings".
    """
    all_logs = args.history_logs(histories, metrics)  # {name: {metric: [one per epoch]}}, checked
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for i, (name, logs) in enumerate(all_logs.items()):
            color = plt.cm.tab10.colors[i % 10]  # ten colours, then again from the first
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

    Lab 11-2b, "Bidirectional LSTM model": the picture of the word model's layers.
    """
    import importlib.util
    import shutil

    import keras

    args.drawable_model(model, to_file)  # the arguments, checked once
    if shutil.which("dot") and importlib.util.find_spec("pydot"):
        return keras.utils.plot_model(model, to_file=str(to_file), show_shapes=show_shapes)
    print("Graphviz is not installed, so here is the model as text (install graphviz to draw it):")
    for layer in model.layers:
        shape = tuple(layer.output.shape) if show_shapes else ""
        print(f"  {layer.name} ({type(layer).__name__}) -> {shape}")
    return None
