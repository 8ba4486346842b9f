import numpy as np
import pytest

from utils.text import CharVocab, split_windows, window_dataset


def test_vocab_round_trip_and_sorted_ids():
    vocab = CharVocab.from_text("hello world")
    assert vocab.chars == [" ", "d", "e", "h", "l", "o", "r", "w"] and len(vocab) == 8
    ids = vocab.encode("hold")
    assert ids.dtype == np.int32 and ids.tolist() == [3, 5, 4, 1]
    assert vocab.decode(ids) == "hold" and "h" in vocab and "z" not in vocab


def test_unknown_characters_are_named():
    vocab = CharVocab.from_text("abc")
    with pytest.raises(ValueError, match=r"2 character\(s\) not in the vocabulary: 'X', 'z'"):
        vocab.encode("abzX")


@pytest.mark.parametrize("text", ["", None])
def test_empty_text_is_refused(text):
    with pytest.raises(ValueError, match="non-empty string"):
        CharVocab.from_text(text)


def test_split_windows_targets_are_inputs_shifted_by_one():
    ids = np.arange(10)
    x, y = split_windows(ids, length=3)
    assert x.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert y.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    x, _ = split_windows(ids, length=3, shift=2)
    assert x[:, 0].tolist() == [0, 2, 4, 6]


@pytest.mark.parametrize("length", [10, 11, 0])
def test_window_too_long_or_empty_is_refused(length):
    with pytest.raises(ValueError, match="window"):
        split_windows(np.arange(10), length=length)
    with pytest.raises(ValueError, match="window"):
        window_dataset(np.arange(10), length=length, batch_size=2)


def test_window_dataset_batches_shuffled_windows():
    ids = np.arange(100)
    batches = list(window_dataset(ids, length=5, batch_size=8, shift=1, seed=0))
    x, y = batches[0]
    assert x.shape == (8, 5) and y.shape == (8, 5)
    np.testing.assert_array_equal(y.numpy()[:, :-1], x.numpy()[:, 1:])  # shifted by one
    np.testing.assert_array_equal(np.diff(x.numpy(), axis=1), 1)  # consecutive ids
    starts = np.concatenate([b[0].numpy()[:, 0] for b in batches])
    assert sorted(starts.tolist()) == list(range(95))  # every window once
    assert starts.tolist() != sorted(starts.tolist())  # shuffled


def test_window_dataset_without_shuffle_keeps_order():
    x, _ = next(
        iter(window_dataset(np.arange(50), length=4, batch_size=3, shift=4, shuffle_buffer=0))
    )
    assert x.numpy()[:, 0].tolist() == [0, 4, 8]


def test_shift_below_one_is_refused():
    with pytest.raises(ValueError, match="shift must be at least 1, got 0"):
        split_windows(np.arange(10), length=3, shift=0)
    with pytest.raises(ValueError, match="shift must be at least 1, got 0"):
        window_dataset(np.arange(10), length=3, batch_size=2, shift=0)
