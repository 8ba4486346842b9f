"""The benchmarks' shared pieces (benchmarks/reference.py): the wall-time budget and the slides'
character loop. The slides' word loop is checked against `WordGenerator` in test_generate.py."""

import keras
import numpy as np
import pytest

from benchmarks import reference
from utils import CharGenerator, CharVocab


def test_time_budget_stops_training():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = reference.TimeBudget(seconds=0.5)
    x, y = np.zeros((64, 3)), np.zeros((64, 1))
    history = model.fit(x, y, batch_size=1, epochs=1000, verbose=0, callbacks=[budget])
    epochs = len(history.history["loss"])
    assert 1 <= epochs < 1000
    assert 64 * (epochs - 1) < budget.steps <= 64 * epochs  # it stops within the last epoch


@pytest.mark.parametrize("seconds", [0, -1, "180", None, True])
def test_time_budget_refuses_a_budget_that_is_not_a_positive_number(seconds):
    with pytest.raises(ValueError, match="positive number"):
        reference.TimeBudget(seconds)


def test_slides_char_loop_extends_the_seed_with_the_models_likeliest_characters():
    vocab = CharVocab.from_text("abc")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None,)),
            keras.layers.Embedding(len(vocab), 4),
            keras.layers.LSTM(8, return_sequences=True),
            keras.layers.Dense(len(vocab)),
        ]
    )
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    dense.set_weights([0 * kernel, np.array([0.0, 50.0, 0.0])])  # always "b"
    text = reference.slides_char_loop(model, vocab, "ca", 5, np.random.default_rng(0))
    assert text == "ca" + "bbbbb"
    assert CharGenerator(model, vocab).generate("ca", 5, seed=0) == text
