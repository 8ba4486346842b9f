"""Sampling strategies and the stateful generator: agreement with Keras, and clear errors."""

import keras
import numpy as np
import pytest

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
        ({"top_k": 2.5}, "top_k must be a whole number >= 1"),
        ({"top_p": 0.0}, r"top_p must be in \(0, 1\]"),
        ({"top_p": 1.5}, r"top_p must be in \(0, 1\]"),
    ],
)
def test_bad_sampling_settings_are_clear_errors(kwargs, message, generator):
    with pytest.raises(ValueError, match=message):
        sampling_distribution(LOGITS, **kwargs)
    with pytest.raises(ValueError, match=message):
        generator.generate("ab", 5, **kwargs)


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
    with pytest.raises(ValueError, match="n_samples must be at least 1"):
        generator.generate("ab", 3, n_samples=0)


def test_generator_refuses_unsupported_models():
    conv = keras.Sequential(
        [keras.Input((None, 4)), keras.layers.Conv1D(3, 2), keras.layers.Dense(4)]
    )
    with pytest.raises(ValueError, match="cannot run layer .*Conv1D"):
        CharGenerator(conv, CharVocab.from_text("abcd"))
    with pytest.raises(ValueError, match="Embedding has 10 rows but the vocabulary has 4"):
        CharGenerator(_model([keras.layers.LSTM]), CharVocab.from_text("abcd"))
