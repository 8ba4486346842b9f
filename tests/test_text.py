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


@pytest.mark.parametrize(("text", "error"), [("", ValueError), (None, TypeError)])
def test_empty_text_is_refused(text, error):
    with pytest.raises(error, match="text (is empty|must be a string)"):
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


@pytest.mark.parametrize("length, shift, batch_size", [(10, 10, 8), (10, 3, 7), (5, 1, 4)])
def test_window_dataset_knows_its_size_so_fit_never_runs_out_of_data(length, shift, batch_size):
    """Keras counts an epoch's steps from the dataset's cardinality; without it every epoch ended
    with "Your input ran out of data; interrupting training"."""
    import warnings

    import keras

    ids = np.arange(1000) % 50
    dataset = window_dataset(ids, length, batch_size, shift=shift, shuffle_buffer=0)
    windows = len(split_windows(ids, length, shift)[0])
    assert int(dataset.cardinality()) == sum(1 for _ in dataset) == -(-windows // batch_size)
    model = keras.Sequential([keras.Input((None,)), keras.layers.Embedding(50, 4)])
    model.add(keras.layers.Dense(50))
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(dataset, validation_data=dataset, epochs=2, verbose=0)
    assert not [w for w in caught if "ran out of data" in str(w.message)]


def test_shift_below_one_is_refused():
    with pytest.raises(ValueError, match="shift must be at least 1, got 0"):
        split_windows(np.arange(10), length=3, shift=0)
    with pytest.raises(ValueError, match="shift must be at least 1, got 0"):
        window_dataset(np.arange(10), length=3, batch_size=2, shift=0)


LINES = ["first citizen:", "before we proceed any further, hear me speak.", "", "all:"]


def test_ngram_sequences_follow_the_slides_loop():
    from tensorflow.keras.preprocessing.sequence import pad_sequences
    from tensorflow.keras.preprocessing.text import Tokenizer

    from utils.text import ngram_sequences

    data = ngram_sequences(LINES)
    reference = Tokenizer()
    reference.fit_on_texts(LINES)
    expected = []
    for line in LINES:  # the slides' loop, verbatim
        token_list = reference.texts_to_sequences([line])[0]
        for i in range(1, len(token_list)):
            expected.append(token_list[: i + 1])
    expected = pad_sequences(expected, maxlen=max(len(x) for x in expected), padding="pre")
    assert data.tokenizer.word_index == reference.word_index
    assert data.total_words == len(reference.word_index) + 1 == 12
    assert data.max_sequence_len == 8 and len(data.labels) == 1 + 7  # 'all:' has one word only
    np.testing.assert_array_equal(data.predictors, expected[:, :-1])
    np.testing.assert_array_equal(data.labels, expected[:, -1])
    assert data.predictors[0].tolist() == [0] * 6 + [data.tokenizer.word_index["first"]]


def test_ngram_sequences_reuse_a_tokenizer_and_truncate_long_lines():
    from utils.text import ngram_sequences

    train = ngram_sequences(LINES)
    held_out = ngram_sequences(["hear me speak, all citizens"], train.tokenizer, max_sequence_len=3)
    index = train.tokenizer.word_index
    # 'citizens' is unknown to the training tokenizer and dropped; windows keep the last 2 words
    assert held_out.predictors.tolist() == [
        [0, index["hear"]],
        [index["hear"], index["me"]],
        [index["me"], index["speak"]],
    ]
    assert held_out.labels.tolist() == [index["me"], index["speak"], index["all"]]
    assert held_out.total_words == train.total_words


@pytest.mark.parametrize(
    "lines, message",
    [
        (["all:", "", "speak"], "no line of the 3 given has two words"),
        ([], "no line of the 0 given"),
    ],
)
def test_ngram_sequences_bad_input(lines, message):
    from utils.text import ngram_sequences

    with pytest.raises(ValueError, match=message):
        ngram_sequences(lines)


def test_ngram_sequences_need_a_fitted_tokenizer():
    from tensorflow.keras.preprocessing.text import Tokenizer

    from utils.text import ngram_sequences

    with pytest.raises(ValueError, match="tokenizer has no words yet"):
        ngram_sequences(LINES, Tokenizer())
    with pytest.raises(ValueError, match="max_sequence_len must be a whole number >= 2"):
        ngram_sequences(LINES, max_sequence_len=1)


def test_ngram_sequences_with_a_limited_vocabulary():
    from tensorflow.keras.preprocessing.text import Tokenizer

    from utils.text import ngram_sequences

    tokenizer = Tokenizer(num_words=5, oov_token="<OOV>")
    tokenizer.fit_on_texts(LINES)
    data = ngram_sequences(LINES, tokenizer)
    assert data.total_words == 5  # ids 0 (padding), 1 (<OOV>) and the 3 most frequent words
    assert data.predictors.max() < 5 and data.labels.max() < 5
    assert (data.labels == 1).any()  # rare words became <OOV> and are still predicted


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda v: v.decode([100]), ValueError, "id 100 is not in this vocabulary of 4 characters"),
        (
            lambda v: v.decode([-1]),
            ValueError,
            r"id -1 is not in this vocabulary of 4 characters \(ids 0 to 3\)",
        ),
        (lambda v: v.decode(np.array([0, 4])), ValueError, "id 4 is not in this vocabulary"),
        (lambda v: v.decode([0.5]), TypeError, "ids must be whole numbers"),
        (lambda v: v.decode(["a"]), TypeError, "ids must be whole numbers"),
        (lambda v: split_windows(np.arange(50), 10.0), TypeError, "window length must be a whole"),
        (lambda v: split_windows(np.arange(50), True), TypeError, "window length must be a whole"),
        (lambda v: split_windows(np.arange(50), "5"), TypeError, "window length must be a whole"),
        (lambda v: split_windows(np.arange(50), 5, 2.5), TypeError, "shift must be a whole"),
        (lambda v: split_windows(np.arange(50), 5, None), None, None),
        (lambda v: window_dataset(np.arange(50), 5, 8.0), TypeError, "batch_size must be a whole"),
        (lambda v: window_dataset(np.arange(50), 5, True), TypeError, "batch_size must be a whole"),
        (
            lambda v: window_dataset(np.arange(50), 5, 0),
            ValueError,
            "batch_size must be a whole number >= 1",
        ),
    ],
)
def test_wrong_types_and_out_of_range_ids_are_clear_errors(call, error, message):
    vocab = CharVocab.from_text("abcd")
    if error is None:
        call(vocab)  # the default shift is fine
        return
    with pytest.raises(error, match=message):
        call(vocab)


def test_decode_of_nothing_is_empty_and_of_its_own_ids_the_text():
    vocab = CharVocab.from_text("abcd")
    assert vocab.decode([]) == ""
    assert vocab.decode(vocab.encode("dcba")) == "dcba"


def test_window_dataset_shapes_are_known_so_a_time_distributed_head_trains():
    """The time steps are static (batch, length), so TimeDistributed(Dense) works with any batch
    size, not only one equal to the window length."""
    import keras

    ids = np.arange(200) % 7
    dataset = window_dataset(ids, 10, batch_size=4, seed=0)
    assert [tuple(spec.shape) for spec in dataset.element_spec] == [(None, 10), (None, 10)]
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Embedding(7, 3),
            keras.layers.LSTM(5, return_sequences=True),
            keras.layers.TimeDistributed(keras.layers.Dense(7)),
        ]
    )
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
