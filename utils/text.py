"""Text to integer ids: characters (`CharVocab`, next-character windows on tf.data) and words
(the slides' n-gram sequences for next-word prediction, `ngram_sequences`)."""

from typing import NamedTuple

import numpy as np

from . import args


class CharVocab:
    """The characters of a text, each with an integer id (sorted, so ids are reproducible).

    Lab 11-2, "1) Understanding the data and preprocessing: Alice"."""

    def __init__(self, chars):
        self.chars = sorted(set(args.chars(chars)))  # the argument, checked once
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
        text = args.known_text(text, self._ids)  # the argument, checked once
        return np.fromiter((self._ids[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids):
        """The text of a sequence of ids (each an id of this vocabulary, 0 to len(vocab) - 1)."""
        ids = args.vocab_ids(ids, len(self.chars))  # the argument, checked once
        return "".join(self.chars[i] for i in ids)


def split_windows(ids, length, shift=None):
    """Cut `ids` into windows of `length` inputs and the `length` next ids as targets.

    Windows start every `shift` ids (default: `length`, i.e. side by side). Returns two int arrays
    of shape (windows, length): inputs and targets, the targets shifted one step ahead.
    Lab 11-2, "Understanding the data and preprocessing: Alice".
    """
    ids, shift = args.windows(ids, length, shift)  # the arguments, checked once
    starts = np.arange(0, len(ids) - length, shift)
    index = starts[:, None] + np.arange(length + 1)  # one row of length + 1 positions per window
    windows = ids[index]
    return windows[:, :-1], windows[:, 1:]


def window_dataset(ids, length, batch_size, shift=1, shuffle_buffer=10_000, seed=None):
    """A tf.data pipeline of shuffled windows: (inputs, targets) batches for next-char training.

    Windows of `length + 1` ids start every `shift` ids; each is split into inputs (the first
    `length`) and targets (the last `length`, one step ahead). With `shuffle_buffer=0` the windows
    keep their order (for validation). Lab 11-2, "The same windows, lazily: a `tf.data` pipeline".
    """
    import tensorflow as tf

    ids, shift = args.windows(ids, length, shift, batch_size, shuffle_buffer, seed)  # checked once
    dataset = tf.data.Dataset.from_tensor_slices(ids)
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


class WordSequences(NamedTuple):
    """Next-word training data. Not taught by name: what `ngram_sequences` returns."""

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
    Lab 11-2b, "Creating predictors and labels".
    """
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    from tensorflow.keras.preprocessing.text import Tokenizer

    args.lines_and_tokenizer(lines, tokenizer, max_sequence_len)  # the arguments, checked once
    if tokenizer is None:
        tokenizer = Tokenizer()
        tokenizer.fit_on_texts(lines)
    sequences = [
        tokens[: i + 1]
        for tokens in tokenizer.texts_to_sequences(lines)
        for i in range(1, len(tokens))
    ]
    max_sequence_len = int(max_sequence_len or max(map(len, sequences), default=0))
    args.sequences_fit(sequences, len(lines), max_sequence_len)
    padded = pad_sequences(sequences, maxlen=max_sequence_len, padding="pre", truncating="pre")
    return WordSequences(
        tokenizer,
        padded[:, :-1],
        padded[:, -1],
        max_sequence_len,
        min(len(tokenizer.word_index) + 1, tokenizer.num_words or np.inf),
    )
