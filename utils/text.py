"""Characters to integer ids and back, and tf.data datasets of next-character windows."""

import numpy as np


class CharVocab:
    """The characters of a text, each with an integer id (sorted, so ids are reproducible)."""

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        if not self.chars:
            raise ValueError("the vocabulary is empty: build it from a non-empty text.")
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text):
        if not isinstance(text, str) or not text:
            raise ValueError(f"need a non-empty string to build a vocabulary, got {text!r:.40}.")
        return cls(text)

    def __len__(self):
        return len(self.chars)

    def __contains__(self, char):
        return char in self._ids

    def encode(self, text):
        """The ids of the characters of `text`; a ValueError names any unknown character."""
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            raise ValueError(
                f"{len(unknown)} character(s) not in the vocabulary: "
                f"{', '.join(repr(c) for c in unknown[:20])}. Use only characters of the training "
                "text (see vocab.chars), e.g. lower-case the text if the model was trained on it."
            )
        return np.fromiter((self._ids[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids):
        """The text of a sequence of ids."""
        return "".join(self.chars[i] for i in np.asarray(ids).ravel())


def split_windows(ids, length, shift=None):
    """Cut `ids` into windows of `length` inputs and the `length` next ids as targets.

    Windows start every `shift` ids (default: `length`, i.e. side by side). Returns two int arrays
    of shape (windows, length): inputs and targets, the targets shifted one step ahead.
    """
    ids = np.asarray(ids)
    shift = length if shift is None else shift
    _check_window(len(ids), length, shift)
    starts = np.arange(0, len(ids) - length, shift)
    index = starts[:, None] + np.arange(length + 1)
    windows = ids[index]
    return windows[:, :-1], windows[:, 1:]


def window_dataset(ids, length, batch_size, shift=1, shuffle_buffer=10_000, seed=None):
    """A tf.data pipeline of shuffled windows: (inputs, targets) batches for next-char training.

    Windows of `length + 1` ids start every `shift` ids; each is split into inputs (the first
    `length`) and targets (the last `length`, one step ahead). With `shuffle_buffer=0` the windows
    keep their order (for validation).
    """
    import tensorflow as tf

    _check_window(len(ids), length, shift)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(ids, dtype=np.int32))
    dataset = dataset.window(length + 1, shift=shift, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(length + 1))
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(lambda windows: (windows[:, :-1], windows[:, 1:]))
    return dataset.prefetch(tf.data.AUTOTUNE)


def _check_window(n_ids, length, shift):
    if length < 1:
        raise ValueError(f"the window length must be at least 1, got {length}.")
    if shift < 1:
        raise ValueError(f"shift must be at least 1, got {shift}.")
    if length >= n_ids:
        raise ValueError(
            f"a window of {length} + 1 characters does not fit in a text of {n_ids}: "
            "use a shorter window or a longer text."
        )
