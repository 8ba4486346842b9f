"""Text to integer ids: characters (`CharVocab`, next-character windows on tf.data) and words
(the slides' n-gram sequences for next-word prediction, `ngram_sequences`)."""

from typing import NamedTuple

import numpy as np

from . import args
from .args import is_whole as _whole


class CharVocab:
    """The characters of a text, each with an integer id (sorted, so ids are reproducible)."""

    def __init__(self, chars):
        wanted = "chars must be a string or a list of single characters, e.g. CharVocab('abc')"
        if isinstance(chars, str):
            chars = list(chars)
        else:
            try:
                chars = list(chars)
            except TypeError:
                raise TypeError(f"{wanted}, got {type(chars).__name__}.") from None
            if not all(isinstance(c, str) for c in chars):
                raise TypeError(f"{wanted}, got a list with {type(chars[0]).__name__} in it.")
            longer = [c for c in chars if len(c) != 1]
            if longer:
                raise ValueError(f"{wanted}, one character each: {longer[0]!r} is not one.")
        self.chars = sorted(set(chars))
        if not self.chars:
            raise ValueError("the vocabulary is empty: build it from a non-empty text.")
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text):
        return cls(args.string("text", text, "First Citizen:"))

    def __len__(self):
        return len(self.chars)

    def __contains__(self, char):
        return char in self._ids

    def encode(self, text):
        """The ids of the characters of `text`; a ValueError names any unknown character."""
        if not isinstance(text, str):
            raise TypeError(
                f"text must be a string, got {type(text).__name__}: encode one text at a time."
            )
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
    ids = args.ids("ids", ids)
    shift = length if shift is None else shift
    _check_window(len(ids), length, shift)
    n_windows = (len(ids) - length + shift - 1) // shift
    args.fits_in_memory(
        f"{n_windows:,} windows of {length + 1} ids",
        3 * n_windows * (length + 1) * 8,  # the index, the windows, the two halves
        "use utils.window_dataset, which cuts the windows on the fly, or a larger shift.",
    )
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

    ids = args.ids("ids", ids)
    if ids.size and not 0 <= ids.min() <= ids.max() < 2**31:  # they go to TensorFlow as int32
        raise ValueError(
            f"ids must be token ids from 0 to {2**31 - 1:,}, got {ids.min()} to {ids.max()}: "
            "encode the text with its vocabulary, e.g. vocab.encode(text)."
        )
    _check_window(len(ids), length, shift)
    args.whole("batch_size", batch_size, minimum=1)
    args.whole("shuffle_buffer", shuffle_buffer, minimum=0)
    args.whole("seed", seed, minimum=0, allow_none=True)
    args.fits_in_memory(
        f"a shuffle buffer of {shuffle_buffer:,} windows of {length + 1} ids",
        shuffle_buffer * (length + 1) * 4,
        "use a smaller shuffle_buffer (10,000 windows mix Shakespeare well).",
    )
    dataset = tf.data.Dataset.from_tensor_slices(ids.astype(np.int32))
    dataset = dataset.window(length + 1, shift=shift, drop_remainder=True)
    # drop_remainder: every window has exactly length + 1 ids, so the shapes are known when the
    # model is built: (batch, length). A TimeDistributed head needs the time steps known.
    dataset = dataset.flat_map(lambda window: window.batch(length + 1, drop_remainder=True))
    # flat_map hides how many windows there are; saying it lets Keras count an epoch's steps (no
    # "ran out of data" warning at the end of each pass) and checks the count as it runs.
    windows = (len(ids) - length - 1) // shift + 1
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(windows))
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(lambda windows: (windows[:, :-1], windows[:, 1:]))
    return dataset.prefetch(tf.data.AUTOTUNE)


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

    if isinstance(lines, (str, bytes)) or not isinstance(lines, (list, tuple)):
        raise TypeError(
            f"lines must be a list of strings, got {type(lines).__name__}: split the text, "
            "text.split('\\n')."
        )
    if not all(isinstance(line, str) for line in lines):
        raise TypeError("lines must be a list of strings, but not every line is a string.")
    max_sequence_len = args.whole("max_sequence_len", max_sequence_len, 2, allow_none=True)
    if tokenizer is None:
        tokenizer = Tokenizer()
        tokenizer.fit_on_texts(lines)
    elif not (hasattr(tokenizer, "word_index") and hasattr(tokenizer, "texts_to_sequences")):
        raise TypeError(
            f"tokenizer must be a Keras Tokenizer (fitted on the training text), got "
            f"{type(tokenizer).__name__}."
        )
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
    args.fits_in_memory(
        f"{len(sequences):,} sequences of {max_sequence_len:,} ids",
        2 * len(sequences) * max_sequence_len * 4,
        "use a smaller max_sequence_len (the longest line's length is enough).",
    )
    padded = pad_sequences(sequences, maxlen=max_sequence_len, padding="pre", truncating="pre")
    return WordSequences(
        tokenizer,
        padded[:, :-1],
        padded[:, -1],
        max_sequence_len,
        min(len(tokenizer.word_index) + 1, tokenizer.num_words or np.inf),
    )
