"""Sampling strategies and the stateful generator: agreement with Keras, and clear errors."""

import math

import keras
import numpy as np
import pytest

from benchmarks.reference import slides_word_loop
from utils.generate import CharGenerator, sample, sampling_distribution
from utils.text import CharVocab

LOGITS = np.log(np.array([0.5, 0.2, 0.15, 0.1, 0.05]))


def test_plain_distribution_is_the_softmax():
    np.testing.assert_allclose(sampling_distribution(LOGITS), [0.5, 0.2, 0.15, 0.1, 0.05])


def test_temperature_sharpens_and_flattens():
    cold, hot = sampling_distribution(LOGITS, 0.5), sampling_distribution(LOGITS, 2.0)
    assert cold[0] > 0.5 > hot[0]
    squared = np.exp(LOGITS) ** 2  # temperature 1/2 squares the probabilities
    np.testing.assert_allclose(cold, squared / squared.sum())


def test_top_k_and_top_p_keep_the_most_likely():
    np.testing.assert_allclose(sampling_distribution(LOGITS, top_k=2), [5 / 7, 2 / 7, 0, 0, 0])
    # nucleus: 0.5 + 0.2 = 0.7 < 0.8, so 0.15 is needed too
    np.testing.assert_allclose(
        sampling_distribution(LOGITS, top_p=0.8), [0.5, 0.2, 0.15, 0, 0] / np.float64(0.85)
    )
    np.testing.assert_allclose(sampling_distribution(LOGITS, top_p=0.5), [1, 0, 0, 0, 0])
    np.testing.assert_allclose(sampling_distribution(LOGITS, top_p=1.0), np.exp(LOGITS))


def test_sample_draws_with_the_right_frequencies():
    rng = np.random.default_rng(0)
    draws = sample(np.tile(LOGITS, (20_000, 1)), rng)
    np.testing.assert_allclose(np.bincount(draws, minlength=5) / 20_000, np.exp(LOGITS), atol=0.01)
    assert sample(LOGITS, rng, greedy=True).tolist() == [0]
    assert set(sample(np.tile(LOGITS, (500, 1)), rng, top_k=2).tolist()) == {0, 1}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": 0}, "temperature must be > 0"),
        ({"temperature": -1.0}, "temperature must be > 0"),
        ({"top_k": 0}, "top_k must be a whole number >= 1"),
        ({"top_p": 0.0}, r"top_p must be in \(0, 1\]"),
        ({"top_p": 1.5}, r"top_p must be in \(0, 1\]"),
        ({"temperature": math.nan}, "temperature and top_p must be finite"),
        ({"temperature": math.inf}, "temperature and top_p must be finite"),
        ({"top_p": math.nan}, "must be finite"),
    ],
)
def test_bad_sampling_settings_are_clear_errors(kwargs, message, generator):
    with pytest.raises(ValueError, match=message):
        sampling_distribution(LOGITS, **kwargs)
    with pytest.raises(ValueError, match=message):
        generator.generate("ab", 5, **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"top_k": 2.5}, "top_k must be a whole number >= 1"),
        ({"top_k": True}, "top_k must be a whole number >= 1"),
        ({"top_k": "3"}, "top_k must be a whole number >= 1"),
        ({"top_p": "0.9"}, r"top_p must be in \(0, 1\]"),
        ({"top_p": True}, r"top_p must be in \(0, 1\]"),
        ({"temperature": "1.0"}, "temperature must be a number > 0"),
        ({"temperature": None}, "temperature must be a number > 0"),
        ({"temperature": True}, "temperature must be a number > 0"),
        ({"temperature": [0.5]}, "temperature must be a number > 0"),
    ],
)
def test_sampling_settings_of_the_wrong_type_are_type_errors(kwargs, message, generator):
    with pytest.raises(TypeError, match=message):
        sampling_distribution(LOGITS, **kwargs)
    with pytest.raises(TypeError, match=message):
        generator.generate("ab", 5, **kwargs)


@pytest.mark.parametrize(
    "logits, error, message",
    [
        ([0.0, 1.0, math.inf], ValueError, "logits hold NaN or \\+inf"),
        ([[0.0, math.nan, 1.0]], ValueError, "logits hold NaN or \\+inf"),
        (np.zeros((1, 4, 3)), ValueError, r"got shape \(1, 4, 3\): take the last step"),
        (np.zeros((2, 4, 3)), ValueError, r"must be \(vocab,\) or \(batch, vocab\)"),
        (np.float64(1.0), ValueError, r"got shape \(\)"),
        ([], ValueError, "hold no score to sample from"),
        (np.zeros((0, 3)), ValueError, "hold no score to sample from"),
        ([[-math.inf, -math.inf]], ValueError, "-inf everywhere: every token is excluded"),
        (["a", "b"], TypeError, "logits must be numbers"),
        ([[1.0, 2.0], [3.0]], TypeError, "logits must be numbers"),
        (None, TypeError, "logits must be numbers"),
    ],
)
def test_logits_a_sampler_cannot_use_are_clear_errors(logits, error, message):
    rng = np.random.default_rng(0)
    for greedy in (False, True):
        with pytest.raises(error, match=message):
            sample(logits, rng, greedy=greedy)
    if error is ValueError or logits is None:
        with pytest.raises(error, match=message):
            sampling_distribution(logits)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (
            ("ab", 10**12),
            {},
            ValueError,
            "is more than the 10,000,000 tokens one call may generate",
        ),
        (("ab", 10_000), {"n_samples": 10**4}, ValueError, "length x n_samples = 100,000,000"),
        (("ab", 5), {"seed": -1}, ValueError, "seed must be a whole number >= 0"),
        (("ab", 5), {"seed": 1.5}, TypeError, "seed must be a whole number >= 0"),
        (("ab", 5), {"seed": "1"}, TypeError, "seed must be a whole number >= 0"),
        (("ab", 5), {"seed": True}, TypeError, "seed must be a whole number >= 0"),
        (("ab", True), {}, TypeError, "length must be a whole number >= 0"),
        (("ab", 5), {"n_samples": 10**9}, ValueError, "is more than the 10,000,000 tokens"),
    ],
)
def test_requests_without_limits_or_with_bad_seeds_are_refused(
    generator, args, kwargs, error, message
):
    with pytest.raises(error, match=message):
        generator.generate(*args, **kwargs)


VOCAB = CharVocab.from_text("abcdefgh \n")


def _model(cells, embedding=True):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((None,) if embedding else (None, len(VOCAB)))]
    if embedding:
        layers.append(keras.layers.Embedding(len(VOCAB), 4))
    layers += [cell(6, return_sequences=True) for cell in cells]
    layers.append(keras.layers.Dense(len(VOCAB)))
    return keras.Sequential(layers)


@pytest.fixture(scope="module")
def generator():
    return CharGenerator(_model([keras.layers.LSTM]), VOCAB)


@pytest.mark.parametrize("cells", [[keras.layers.LSTM], [keras.layers.GRU, keras.layers.LSTM]])
def test_generator_steps_agree_with_the_whole_model(cells):
    """Carrying the state step by step gives what the Keras model gives on the whole text."""
    model = _model(cells)
    generator = CharGenerator(model, VOCAB)
    text = generator.generate("abc", 12, greedy=True)
    ids = VOCAB.encode(text)
    expected = model(ids[None, :-1]).numpy().argmax(-1)[0, 2:]  # greedy picks after the seed
    assert ids[3:].tolist() == expected.tolist()


@pytest.mark.parametrize(
    "cells, embedding",
    [
        ([keras.layers.LSTM], True),
        ([keras.layers.GRU], True),
        ([keras.layers.LSTM, keras.layers.GRU, keras.layers.LSTM], True),
        ([keras.layers.LSTM], False),
    ],
)
def test_each_generation_step_gives_the_models_scores(cells, embedding):
    """The generator's per-character step (lookup table, one exp for all gates, states carried in
    place) scores every character as the whole Keras model does on the text so far, for a batch
    of texts that each took their own path."""
    from utils.fastgen import Steps as _Steps

    model = _model(cells, embedding)
    weights = model.get_weights()
    model.set_weights([3 * w for w in weights])  # saturate some gates, as trained models do
    generator = CharGenerator(model, VOCAB)
    generator._read()
    rng = np.random.default_rng(0)
    ids = rng.integers(0, len(VOCAB), size=(3, 12))

    def scores(prefix):  # the whole model's scores after each text of the batch
        x = prefix if embedding else np.eye(len(VOCAB), dtype="float32")[prefix]
        return model(x).numpy()[:, -1]

    _, states = generator._run(ids[:, :2], [None] * len(generator.layers))
    steps = _Steps(generator.layers, generator.inputs, states)
    for t in range(2, ids.shape[1]):
        np.testing.assert_allclose(steps(ids[:, t]), scores(ids[:, : t + 1]), atol=1e-4)


def test_plain_sampling_makes_the_draws_sample_makes(generator):
    """Without top-k or top-p the generator draws its uniform numbers a chunk at a time instead of
    calling `sample` at every step: the texts are the ones `sample` gives for the same seed."""
    generator._read()
    for temperature in (1.0, 0.5):
        rng = np.random.default_rng(7)
        logits, states = generator._run(VOCAB.encode("ab")[None].repeat(2, 0), [None, None, None])
        expected = []
        for _ in range(40):
            ids = sample(logits, rng, temperature=temperature)
            expected.append(ids)
            logits, states = generator._run(ids[:, None], states)
        texts = generator.generate("ab", 40, n_samples=2, temperature=temperature, seed=7)
        assert texts == ["ab" + VOCAB.decode(row) for row in np.array(expected).T]


def test_next_logits_are_the_models_scores():
    model = _model([keras.layers.LSTM])
    expected = model(VOCAB.encode("abc\nd")[None]).numpy()[0, -1]
    np.testing.assert_allclose(
        CharGenerator(model, VOCAB).next_logits("abc\nd"), expected, atol=1e-5
    )


def test_generator_accepts_one_hot_models_with_softmax_heads():
    model = keras.Sequential(
        [
            keras.Input((None, len(VOCAB))),
            keras.layers.LSTM(6, return_sequences=True),
            keras.layers.TimeDistributed(keras.layers.Dense(len(VOCAB), activation="softmax")),
        ]
    )
    text = CharGenerator(model, VOCAB).generate("ab", 5, greedy=True)
    one_hot = np.eye(len(VOCAB), dtype="float32")[VOCAB.encode(text)[None, :-1]]
    assert VOCAB.encode(text)[2:].tolist() == model(one_hot).numpy().argmax(-1)[0, 1:].tolist()


def test_generate_lengths_batches_and_seeds(generator):
    assert generator.generate("abc", 0) == "abc"
    assert generator.generate("abc", 0, n_samples=2) == ["abc", "abc"]
    texts = generator.generate("ab", 30, n_samples=4, seed=1)
    assert len(texts) == 4 and all(len(t) == 32 and t.startswith("ab") for t in texts)
    assert len(set(texts)) > 1  # the samples differ
    assert texts == generator.generate("ab", 30, n_samples=4, seed=1)  # and repeat with a seed


def test_generator_bad_inputs(generator):
    with pytest.raises(ValueError, match=r"not in the vocabulary: 'X', 'z'"):
        generator.generate("abzX", 5)
    with pytest.raises(ValueError, match="seed_text is empty"):
        generator.generate("", 5)
    with pytest.raises(ValueError, match="length must be a whole number >= 0"):
        generator.generate("ab", -1)
    with pytest.raises(ValueError, match="n_samples must be a whole number >= 1"):
        generator.generate("ab", 3, n_samples=0)
    for n_samples in (2.5, "3", True):
        with pytest.raises(TypeError, match="n_samples must be a whole number >= 1"):
            generator.generate("ab", 3, n_samples=n_samples)
    for length in (2.0, "5", None):
        with pytest.raises(TypeError, match="length must be a whole number >= 0"):
            generator.generate("ab", length)


def test_generator_refuses_unsupported_models():
    conv = keras.Sequential(
        [keras.Input((None, 4)), keras.layers.Conv1D(3, 2), keras.layers.Dense(4)]
    )
    with pytest.raises(ValueError, match="cannot run layer .*Conv1D"):
        CharGenerator(conv, CharVocab.from_text("abcd"))
    with pytest.raises(ValueError, match="Embedding has 10 rows but the vocabulary has 4"):
        CharGenerator(_model([keras.layers.LSTM]), CharVocab.from_text("abcd"))


# ---- WordGenerator: the next-word models of the word-level lab ----

WORD_LINES = ["first citizen:", "before we proceed any further, hear me speak.", "all:", "speak."]


@pytest.fixture(scope="module")
def word_setup():
    from tensorflow.keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(WORD_LINES)
    total_words = len(tokenizer.word_index) + 1
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Embedding(total_words, 4),
            keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True)),
            keras.layers.LSTM(3),
            keras.layers.Dense(total_words, activation="softmax"),
        ]
    )
    return model, tokenizer


def test_word_generator_scores_are_the_models_log_probabilities(word_setup):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    generator = WordGenerator(model, tokenizer, max_sequence_len=6)
    windows = [[3, 4], [1, 2, 3, 4, 5, 6, 7]]  # short: pre-padded; long: its last 5 ids
    expected = model.predict(np.array([[0, 0, 0, 3, 4], [3, 4, 5, 6, 7]]), verbose=0)
    np.testing.assert_allclose(np.exp(generator.next_logits(windows)), expected, rtol=1e-5)


def test_greedy_word_generation_equals_theslides_word_loop(word_setup):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel, bias - 50 * (np.arange(len(bias)) == 0)])  # never predicts padding
    text = WordGenerator(model, tokenizer, 6).generate("Hear me, citizen", 8, greedy=True)
    assert text == slides_word_loop(model, tokenizer, "Hear me, citizen", 8, 6)
    dense.set_weights([kernel, bias])


def test_word_generator_never_emits_padding(word_setup):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel, bias + 50 * (np.arange(len(bias)) == 0)])  # padding most likely
    try:
        text = WordGenerator(model, tokenizer, 6).generate("speak", 6, greedy=True)
    finally:
        dense.set_weights([kernel, bias])
    words = text.split(" ")
    assert len(words) == 7 and all(w in tokenizer.word_index for w in words[1:])


def test_no_repeat_ngram_forbids_repeats(word_setup):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    generator = WordGenerator(model, tokenizer, 6)
    looping = generator.generate("speak", 30, greedy=True)
    texts = generator.generate("speak", 30, n_samples=3, greedy=True, no_repeat_ngram=2)
    for text in texts:
        words = text.split(" ")
        bigrams = list(zip(words, words[1:]))
        assert len(set(bigrams)) == len(bigrams), text
    assert len(texts) == 3 and texts[0] != looping  # greedy alone repeats itself in 30 words
    distinct = generator.generate("speak", 8, no_repeat_ngram=1, seed=0).split(" ")
    assert len(set(distinct)) == len(distinct) == 9


def test_sampled_words_are_reproducible(word_setup):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    generator = WordGenerator(model, tokenizer, 6)
    first = generator.generate("all", 10, temperature=2.0, seed=3)
    assert first == generator.generate("all", 10, temperature=2.0, seed=3)
    assert first != generator.generate("all", 10, temperature=2.0, seed=4)
    assert generator.generate("all", 0) == "all"


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("Xyzzy plugh", 3), {}, "none of the words of 'Xyzzy plugh'"),
        (("", 3), {}, "seed_text is empty"),
        (("speak", -1), {}, "n_words must be a whole number >= 0"),
        (("speak", 3), {"temperature": 0}, "temperature must be > 0"),
        (("speak", 3), {"no_repeat_ngram": 0}, "no_repeat_ngram must be a whole number >= 1"),
        (("speak", 3), {"n_samples": 0}, "n_samples must be a whole number >= 1"),
    ],
)
def test_word_generator_bad_input(word_setup, args, kwargs, message):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    with pytest.raises(ValueError, match=message):
        WordGenerator(model, tokenizer, 6).generate(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("speak", 3.0), {}, "n_words must be a whole number >= 0"),
        (("speak", 3), {"seed": "x"}, "seed must be a whole number"),
        (("speak", 3), {"temperature": "hot"}, "temperature must be a number > 0"),
    ],
)
def test_word_generator_wrong_types(word_setup, args, kwargs, message):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    with pytest.raises(TypeError, match=message):
        WordGenerator(model, tokenizer, 6).generate(*args, **kwargs)


def test_distinct_share_of_characters_and_words():
    from utils.generate import distinct_share

    assert distinct_share("abcabc", 3) == 3 / 4  # abc, bca, cab, abc
    assert distinct_share("please ye please ye please ye".split(), 2) == 2 / 5
    assert distinct_share(list("abcd"), 1) == 1.0
    with pytest.raises(ValueError, match="need at least n = 5 tokens, got 3"):
        distinct_share("abc", 5)
    with pytest.raises(ValueError, match="n must be a whole number >= 1"):
        distinct_share("abc", 0)


def test_the_generator_uses_the_weights_the_model_has_now():
    """More training after the generator was built: it generates with the new weights."""
    model = _model([keras.layers.LSTM])
    generator = CharGenerator(model, VOCAB)
    before = generator.next_logits("abc")
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    ids = VOCAB.encode("abcabcabcabc\n" * 4)
    model.fit(ids[None, :-1], ids[None, 1:], epochs=3, verbose=0)
    now = model(VOCAB.encode("abc")[None]).numpy()[0, -1]
    np.testing.assert_allclose(generator.next_logits("abc"), now, atol=1e-5)
    assert np.abs(now - before).max() > 1e-3
    text = generator.generate("ab", 6, greedy=True)
    expected = model(VOCAB.encode(text)[None, :-1]).numpy().argmax(-1)[0, 1:]
    assert VOCAB.encode(text)[2:].tolist() == expected.tolist()


@pytest.mark.parametrize("cell", [keras.layers.LSTM, keras.layers.GRU])
def test_the_generator_runs_layers_without_biases(cell):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None,)),
            keras.layers.Embedding(len(VOCAB), 4),
            cell(6, return_sequences=True, use_bias=False),
            keras.layers.Dense(len(VOCAB), use_bias=False),
        ]
    )
    expected = model(VOCAB.encode("abc\nd")[None]).numpy()[0, -1]
    np.testing.assert_allclose(
        CharGenerator(model, VOCAB).next_logits("abc\nd"), expected, atol=1e-5
    )


def _with(*layers, inputs=None):
    return keras.Sequential([keras.Input(inputs or (None,)), *layers])


def _char_layers(embedding=None, cell=None, rnn=None, head=None):
    """Embedding, one recurrent layer, Dense head: the char model, with settings changed."""
    return [
        keras.layers.Embedding(len(VOCAB), 4, **(embedding or {})),
        (cell or keras.layers.LSTM)(6, return_sequences=True, **(rnn or {})),
        keras.layers.Dense(**{"units": len(VOCAB), **(head or {})}),
    ]


@pytest.mark.parametrize(
    ("layers", "inputs", "phrase"),
    [
        (
            _char_layers(embedding={"mask_zero": True}),
            None,
            "mask_zero=True: CharGenerator does not skip masked steps",
        ),
        (_char_layers(rnn={"go_backwards": True}), None, "go_backwards=True"),
        (
            _char_layers(cell=keras.layers.GRU, rnn={"go_backwards": True}),
            None,
            "go_backwards=True",
        ),
        (
            _char_layers(head={"units": len(VOCAB) - 1}),
            None,
            f"scores {len(VOCAB) - 1} characters but the vocabulary has {len(VOCAB)}",
        ),
        (_char_layers(head={"units": len(VOCAB) + 3}), None, f"scores {len(VOCAB) + 3} characters"),
        (
            _char_layers(head={"activation": "sigmoid"}),
            None,
            "activation='sigmoid': the head must give one score per character",
        ),
        (
            _char_layers(rnn={"activation": "relu"}),
            None,
            "only the default tanh/sigmoid activations",
        ),
        (
            _char_layers(cell=keras.layers.GRU, rnn={"reset_after": False}),
            None,
            "only GRU.reset_after=True.",
        ),
        (
            [keras.layers.LSTM(6, return_sequences=True), keras.layers.Dense(len(VOCAB))],
            (None, len(VOCAB) + 2),
            f"reads {len(VOCAB) + 2} features per step but the vocabulary has {len(VOCAB)}",
        ),
        (
            [keras.layers.Embedding(len(VOCAB), 4), keras.layers.Dense(len(VOCAB))],
            None,
            "no LSTM or GRU layer",
        ),
        (
            [
                keras.layers.Embedding(len(VOCAB), 4),
                keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True)),
                keras.layers.Dense(len(VOCAB)),
            ],
            None,
            "cannot run layer .*Bidirectional",
        ),
    ],
    ids=[
        "mask_zero",
        "lstm_backwards",
        "gru_backwards",
        "narrow_head",
        "wide_head",
        "sigmoid_head",
        "relu_lstm",
        "gru_reset_before",
        "one_hot_width",
        "no_rnn",
        "bidirectional",
    ],
)
def test_the_generator_refuses_what_it_cannot_reproduce(layers, inputs, phrase):
    with pytest.raises(ValueError, match=phrase):
        CharGenerator(_with(*layers, inputs=inputs), VOCAB)


def test_the_generator_needs_a_model_and_a_char_vocab():
    with pytest.raises(TypeError, match="model must be a Keras model"):
        CharGenerator("model.keras", VOCAB)
    with pytest.raises(TypeError, match="vocab must be the utils.CharVocab"):
        CharGenerator(_model([keras.layers.LSTM]), list("abc"))


def _log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    return z - z.max() - np.log(np.exp(z - z.max()).sum())


def _every_continuation(generator, seed, length, stop=None):
    """(text, log-probability) of every continuation up to `length` characters, by brute force."""
    out, frontier = [], [("", 0.0)]
    for _ in range(length):
        grown = []
        for text, logp in frontier:
            log_probs = _log_softmax(generator.next_logits(seed + text))
            for i, char in enumerate(VOCAB.chars):
                item = (text + char, logp + log_probs[i])
                (out if char == stop else grown).append(item)
        frontier = grown
    return out + frontier


def test_char_beam_search_finds_the_likeliest_continuations(generator):
    exact = sorted(_every_continuation(generator, "ab", 3), key=lambda c: -c[1])
    width = len(exact)  # a beam as wide as every continuation: beam search is then exact
    found = generator.beam_search("ab", 3, width=width, alpha=0)
    assert [t for t, _, _ in found] == ["ab" + t for t, _ in exact]
    np.testing.assert_allclose([lp for _, lp, _ in found], [lp for _, lp in exact])
    # width 1 is greedy decoding
    ((greedy, _, _),) = generator.beam_search("ab", 7, width=1)
    assert greedy == generator.generate("ab", 7, greedy=True)
    # a narrow beam keeps `width` candidates, each no less likely than greedy's
    narrow = generator.beam_search("ab", 7, width=4, alpha=0)
    assert len(narrow) == 4 and narrow[0][1] >= generator.beam_search("ab", 7, width=1)[0][1]


def test_char_beam_search_stops_at_the_stop_character_and_normalises_length(generator):
    exact = _every_continuation(generator, "ab", 3, stop="\n")
    for alpha in (0.0, 0.7, 1.0):
        expected = sorted(exact, key=lambda c: -c[1] / len(c[0]) ** alpha)
        found = generator.beam_search("ab", 3, width=len(exact), stop="\n", alpha=alpha)
        assert [t for t, _, _ in found] == ["ab" + t for t, _ in expected]
        assert all("\n" not in t[2:-1] for t, _, _ in found)  # a beam ends at its stop
        np.testing.assert_allclose(
            [s for _, _, s in found], [lp / len(t) ** alpha for t, lp in expected]
        )


def test_word_beam_search_is_exact_when_wide_and_greedy_when_narrow(word_setup):
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    generator = WordGenerator(model, tokenizer, max_sequence_len=6)
    seed = WORD_LINES[0].split()[0]
    ((greedy, _, _),) = generator.beam_search(seed, 4, width=1)
    assert greedy == generator.generate(seed, 4, greedy=True)
    ids = tokenizer.texts_to_sequences([seed])[0]
    words = range(1, len(tokenizer.word_index) + 1)
    # padding (id 0) is never a word: the words' probabilities are renormalised without it
    first = _log_softmax(generator.next_logits([ids])[0][1:])
    exact = []
    for a in words:
        second = _log_softmax(generator.next_logits([ids + [a]])[0][1:])
        exact += [((a, b), first[a - 1] + second[b - 1]) for b in words]
    exact.sort(key=lambda c: -c[1])
    found = generator.beam_search(seed, 2, width=len(exact))
    # the same candidates, in the order of their log-probabilities (the model's float32 scores
    # make near-ties, so compare the values, each at its own text)
    by_text = {" ".join([seed] + [tokenizer.index_word[i] for i in t]): lp for t, lp in exact}
    assert sorted(t for t, _, _ in found) == sorted(by_text)
    np.testing.assert_allclose([lp for _, lp, _ in found], [lp for _, lp in exact], atol=1e-5)
    np.testing.assert_allclose(
        [lp for _, lp, _ in found], [by_text[t] for t, _, _ in found], atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"width": 0}, ValueError, "width"),
        ({"width": 2.5}, TypeError, "width"),
        ({"alpha": -1}, ValueError, "alpha"),
        ({"stop": "ab"}, ValueError, "one character"),
        ({"stop": "Z"}, ValueError, "Z"),
    ],
)
def test_beam_search_bad_settings_are_clear_errors(generator, kwargs, error, message):
    with pytest.raises(error, match=message):
        generator.beam_search("ab", 3, **kwargs)


def test_word_generator_knows_a_tokenizer_limited_by_num_words(word_setup):
    """Tokenizer(num_words=k) gives ids below k: a model trained on it scores min(k, words + 1)."""
    from tensorflow.keras.preprocessing.text import Tokenizer

    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    roomy = Tokenizer(num_words=1000)  # more room than the text has words: every word has its id
    roomy.fit_on_texts(WORD_LINES)
    assert WordGenerator(model, roomy, 6).vocab == len(tokenizer.word_index) + 1
    tight = Tokenizer(num_words=5)  # ids 1 to 4 only: this model scores more than that
    tight.fit_on_texts(WORD_LINES)
    with pytest.raises(ValueError, match="but the tokenizer has 5"):
        WordGenerator(model, tight, 6)


def test_greedy_generation_ignores_the_temperature(word_setup):
    """greedy=True takes the likeliest word: a temperature of 0 given with it is not an error."""
    from utils.generate import WordGenerator

    model, tokenizer = word_setup
    words = WordGenerator(model, tokenizer, 6)
    assert words.generate("speak", 3, greedy=True, temperature=0) == words.generate(
        "speak", 3, greedy=True
    )
