import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import utils  # noqa: E402


def test_plot_word_vectors_labels_every_point():
    vectors = np.array([[0.0, 1.0], [1.0, 0.5], [-0.5, -0.2]])
    ax = utils.plot_word_vectors(vectors, ["you", "are", "best"], title="Word vectors")
    assert ax.get_title() == "Word vectors"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.texts] == ["you", "are", "best"]
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), vectors)
    plt.close(ax.figure)


def test_plot_word_vectors_stacks_labels_of_coinciding_points():
    vectors = np.array([[0.0, 0.0], [2.0, 2.0], [2.0, 2.001]])
    ax = utils.plot_word_vectors(vectors, ["the", "best", "nice"], title="t")
    offsets = [t.xyann for t in ax.texts]
    assert offsets[1] != offsets[2]  # best and nice are not printed on top of each other
    assert offsets[0] == offsets[1]
    plt.close(ax.figure)


def test_plot_word_vectors_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"shape \(n_words, 2\)"):
        utils.plot_word_vectors(np.zeros((3, 5)), ["a", "b", "c"], title="t")
    with pytest.raises(ValueError, match="2 words for 3 vectors"):
        utils.plot_word_vectors(np.zeros((3, 2)), ["a", "b"], title="t")


def test_plot_sequences_writes_every_number_and_greys_padding():
    padded = np.array([[0, 0, 2, 3], [2, 3, 4, 5]])
    ax = utils.plot_sequences(padded, title="padding='pre'")
    assert ax.get_title() == "padding='pre'" and ax.get_xlabel() and ax.get_ylabel()
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}
    assert len(texts) == padded.size
    assert texts[(0, 0)].get_text() == "0" and texts[(1, 3)].get_text() == "5"
    assert texts[(0, 0)].get_color() != texts[(0, 2)].get_color()
    image = ax.images[0].get_array()
    np.testing.assert_array_equal(image, padded != 0)
    plt.close(ax.figure)


def test_plot_sequences_can_show_characters():
    ax = utils.plot_sequences(np.array([[1, 2, 0]]), title="t", labels=["\n", "a", "b"])
    assert [t.get_text() for t in ax.texts] == ["a", "b", "\\n"]
    plt.close(ax.figure)


def test_plot_sequences_rejects_ragged_or_float_input():
    with pytest.raises(ValueError, match="2-D integer array"):
        utils.plot_sequences(np.zeros((2, 3)), title="t")
    with pytest.raises(ValueError, match="pad them first"):
        utils.plot_sequences(np.array([1, 2, 3]), title="t")
    with pytest.raises(ValueError, match="pad them first"):
        utils.plot_sequences([[2, 3, 4, 5], [2, 3]], title="t")


def test_color_text_html_colours_every_character():
    page = utils.color_text_html("a <b\n", [1.0, 0.0, -1.0, 0.5, 2.0], title="unit 7")
    assert page.count("<span") == 5 and "unit 7" in page
    assert "rgb(255,102,102)" in page and "rgb(102,102,255)" in page  # the strongest colours
    assert "rgb(255,255,255)" in page  # zero is white
    assert "&lt;" in page and "<br>" in page  # escaped, and newlines kept


def _contrast(foreground, background):
    def luminance(colour):
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in colour[:3]]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    a, b = (
        luminance(matplotlib.colors.to_rgb(foreground)),
        luminance(matplotlib.colors.to_rgb(background)),
    )
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_plot_sequences_text_is_readable_on_its_cells():
    from utils import plots

    assert _contrast("black", plots.TOKEN_COLOUR) >= 4.5
    assert _contrast(plots.PAD_TEXT, plots.PAD_COLOUR) >= 4.5
    ax = utils.plot_sequences([[0, 5], [3, 4]], title="t")
    image = ax.get_images()[0]
    colours = {matplotlib.colors.to_hex(image.cmap(image.norm(v))) for v in (0, 1)}
    assert colours == {plots.TOKEN_COLOUR, plots.PAD_COLOUR}
    plt.close("all")


def test_color_text_html_keeps_black_text_readable():
    """Every background it uses leaves black text a WCAG AA contrast of at least 4.5:1."""
    import re

    def luminance(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    page = utils.color_text_html("x" * 41, np.linspace(-1, 1, 41), title="t")
    colours = re.findall(r"rgb\((\d+),(\d+),(\d+)\)", page)
    assert len(colours) == 41
    assert min((luminance(tuple(map(int, c))) + 0.05) / 0.05 for c in colours) >= 4.5
    with pytest.raises(ValueError, match="one value per character"):
        utils.color_text_html("abc", [0.1, 0.2], title="t")


def test_plot_history_one_panel_per_metric_validation_dashed():
    lstm = {
        "loss": [3.0, 2.0],
        "accuracy": [0.2, 0.4],
        "val_loss": [3.2, 2.9],
        "val_accuracy": [0.1, 0.2],
    }
    gru = {"loss": [2.5, 1.5], "accuracy": [0.3, 0.5]}
    fig = utils.plot_history({"LSTM": lstm, "GRU": gru}, title="Word models")
    loss_ax, acc_ax = fig.axes
    assert fig._suptitle.get_text() == "Word models" and loss_ax.get_title() == "loss"
    assert acc_ax.get_ylabel() == "accuracy"
    assert loss_ax.get_xlabel() == "epoch"
    labels = [line.get_label() for line in loss_ax.lines]
    assert labels == ["LSTM, training", "LSTM, validation", "GRU, training"]
    assert loss_ax.lines[1].get_linestyle() == "--"
    np.testing.assert_array_equal(acc_ax.lines[2].get_ydata(), [0.3, 0.5])
    plt.close(fig)


def test_plot_history_bad_input():
    with pytest.raises(ValueError, match="histories is empty"):
        utils.plot_history({}, title="t")
    with pytest.raises(ValueError, match="has no 'accuracy'"):
        utils.plot_history({"m": {"loss": [1.0]}}, title="t")
    plt.close("all")


def test_plot_history_draws_every_model_even_past_ten_colours():
    histories = {f"model {i}": {"loss": [1.0, 0.5]} for i in range(12)}
    fig = utils.plot_history(histories, title="t", metrics=["loss"])
    assert len(fig.axes[0].lines) == 12
    plt.close(fig)


def test_plot_history_keeps_a_diverged_loss():
    """NaN is what a diverged training logs: it is drawn (as a gap), not refused."""
    fig = utils.plot_history({"m": {"loss": [2.0, float("nan")]}}, title="t", metrics=["loss"])
    assert len(fig.axes[0].lines) == 1
    plt.close(fig)


def test_plot_sequences_without_labels_shows_negative_ids():
    ax = utils.plot_sequences([[-1, 2]], title="t", pad_value=-1)
    assert [t.get_text() for t in ax.texts] == ["-1", "2"]
    with pytest.raises(ValueError, match="id -1 has no label"):
        utils.plot_sequences([[-1, 2]], title="t", labels="abc")
    plt.close("all")


def tiny_model():
    import keras

    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Embedding(10, 3), keras.layers.GRU(2, name="gru")]
    )


def test_draw_model_without_graphviz_prints_the_layers(monkeypatch, capsys, tmp_path):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert utils.draw_model(tiny_model(), tmp_path / "m.png") is None
    out = capsys.readouterr().out
    assert "Graphviz is not installed" in out and "gru (GRU) -> (None, 2)" in out
    assert not (tmp_path / "m.png").exists()


def test_draw_model_asks_for_a_built_model(tmp_path):
    import keras

    with pytest.raises(ValueError, match="build it first"):
        utils.draw_model(keras.Sequential([keras.layers.Dense(2)]), tmp_path / "m.png")


@pytest.mark.skipif(
    not __import__("shutil").which("dot"), reason="Graphviz's dot is not installed (CI installs it)"
)
def test_draw_model_with_graphviz_writes_the_picture(tmp_path):
    utils.draw_model(tiny_model(), tmp_path / "m.png")
    assert (tmp_path / "m.png").stat().st_size > 1000
