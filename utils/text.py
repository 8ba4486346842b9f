"""Text to integer ids: characters (`CharVocab`, next-character windows on tf.data) and words
(the slides' n-gram sequences for next-word prediction, `ngram_sequences`)."""

from typing import NamedTuple

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
        """The text of a sequence of ids (each an id of this vocabulary, 0 to len(vocab) - 1)."""
        ids = np.asarray(ids).ravel()
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"ids must be whole numbers (character ids), got dtype {ids.dtype}.")
        bad = ids[(ids < 0) | (ids >= len(self.chars))]
        if bad.size:
            raise ValueError(
                f"id {bad[0]} is not in this vocabulary of {len(self.chars)} characters (ids 0 to "
                f"{len(self.chars) - 1}): decode ids made with this vocabulary, or the model's "
                "output size is not the vocabulary's."
            )
        return "".join(self.chars[i] for i in ids)


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
    if not _whole(batch_size):
        raise TypeError(f"batch_size must be a whole number >= 1, got {batch_size!r}.")
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


def _whole(value):
    """True for a whole number (a Python or NumPy integer), never for a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_window(n_ids, length, shift):
    for name, value in (("the window length", length), ("shift", shift)):
        if not _whole(value):
            raise TypeError(f"{name} must be a whole number >= 1, got {value!r}.")
    if length < 1:
        raise ValueError(f"the window length must be at least 1, got {length}.")
    if shift < 1:
        raise ValueError(f"shift must be at least 1, got {shift}.")
    if length >= n_ids:
        raise ValueError(
            f"a window of {length} + 1 characters does not fit in a text of {n_ids}: "
            "use a shorter window or a longer text."
        )


class WordSequences(NamedTuple):
    """Next-word training data: see `ngram_sequences`."""

    tokenizer: object
    predictors: np.ndarray  # (sequences, max_sequence_len - 1) word ids, pre-padded with 0
    labels: np.ndarray  # (sequences,) the id of the word that follows
    max_sequence_len: int
    total_words: int  # ids 1..len(word_index) and 0 for padding (fewer with Tokenizer(num_words))


def ngram_sequences(lines, tokenizer=None, max_sequence_len=None):
    """The slides' next-word data: every line's n-grams, pre-padded, as predictors and labels.

    A line of tokens w1 w2 ... wn gives the sequences [w1 w2], [w1 w2 w3], ..., [w1 ... wn]. They
    are pre-padded with 0 to the longest (or to `max_sequence_len`, keeping the last words of a
    longer one); the last id of each is its label, the ids before it the predictors. Labels are
    integer ids (use `keras.utils.to_categorical` for one-hot). A `Tokenizer` is fitted on `lines`
    unless an already fitted one is given (e.g. `Tokenizer(num_words=1000, oov_token='<OOV>')`
    to keep the most frequent words only, or the training text's tokenizer for held-out text).
    """
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    from tensorflow.keras.preprocessing.text import Tokenizer

    if isinstance(lines, str) or not all(isinstance(line, str) for line in lines):
        raise ValueError("lines must be a list of strings: split the text, text.split('\\n').")
    if tokenizer is None:
        tokenizer = Tokenizer()
        tokenizer.fit_on_texts(lines)
    elif not tokenizer.word_index:
        raise ValueError("the tokenizer has no words yet: call tokenizer.fit_on_texts(lines).")
    sequences = [
        tokens[: i + 1]
        for tokens in tokenizer.texts_to_sequences(lines)
        for i in range(1, len(tokens))
    ]
    if not sequences:
        raise ValueError(
            f"no line of the {len(lines)} given has two words the tokenizer knows, so there is "
            "nothing to predict: give more text."
        )
    if max_sequence_len is None:
        max_sequence_len = max(len(s) for s in sequences)
    elif max_sequence_len < 2:
        raise ValueError(f"max_sequence_len must be at least 2, got {max_sequence_len}.")
    padded = pad_sequences(sequences, maxlen=max_sequence_len, padding="pre", truncating="pre")
    return WordSequences(
        tokenizer,
        padded[:, :-1],
        padded[:, -1],
        max_sequence_len,
        min(len(tokenizer.word_index) + 1, tokenizer.num_words or np.inf),
    )
