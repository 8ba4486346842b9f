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
    assert "rgb(255,0,0)" in page and "rgb(0,0,255)" in page and "rgb(255,255,255)" in page
    assert "&lt;" in page and "<br>" in page  # escaped, and newlines kept
    with pytest.raises(ValueError, match="one value per character"):
        utils.color_text_html("abc", [0.1, 0.2], title="t")
