"""What the grader saves from a student's kernel, and how the hidden tests get it back."""

import json

import keras
import numpy as np
import pytest

import utils
from tools import grade_runner


class Doubler(keras.Model):  # a subclass Keras cannot load again without its class
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x) * 2


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / grade_runner.ANSWERS
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.zeros((8, 3)), np.zeros(8, dtype=int)
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[utils.FitClock()])
    subclassed = Doubler()
    subclassed(np.zeros((1, 3)))
    namespace = {  # the History before its model: the model is first saved inside the History
        "histories": {"a": history, "b": history},
        "model": model,
        "held_out": (x, y),
        "results": {"a": {"loss": 0.5, "epochs": 2, "name": "x", "flag": None}},
        "subclassed": subclassed,
        "generator": (i for i in range(3)),
    }
    names = [*namespace, "never_defined"]
    grade_runner.save_answers(namespace, names, folder)
    return folder, history, grade_runner.load_answers(folder)


def test_models_histories_arrays_and_values_come_back(saved):
    _, history, answers = saved
    assert answers["results"] == {"a": {"loss": 0.5, "epochs": 2, "name": "x", "flag": None}}
    x, y = answers["held_out"]
    assert isinstance(answers["held_out"], tuple) and x.shape == (8, 3) and y.dtype.kind == "i"
    rebuilt = answers["histories"]["a"]
    assert rebuilt.history == {k: [float(v) for v in vs] for k, vs in history.history.items()}
    assert rebuilt.params == history.params
    assert rebuilt.clock.seconds == history.clock.seconds
    for a, b in zip(rebuilt.clock.start_weights, history.clock.start_weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(rebuilt.model.get_weights(), history.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert rebuilt.model.optimizer.get_config()["learning_rate"] == pytest.approx(0.001)


def test_the_same_object_comes_back_as_the_same_object(saved):
    _, _, answers = saved
    a, b = answers["histories"]["a"], answers["histories"]["b"]
    assert a is b and a.clock.model is a.model
    assert answers["model"] is a.model  # the model the notebook named is the History's model


def test_what_cannot_come_back_is_none_with_the_reason(saved):
    folder, _, answers = saved
    assert answers["never_defined"] is None and answers["generator"] is None
    assert answers["subclassed"] is None
    problems = "; ".join(answers["_problems"])
    assert "subclassed could not be rebuilt" in problems
    assert "an answer could not be saved: generator" in problems
    index = json.loads((folder / "index.json").read_text())
    assert index["never_defined"] == {"missing": True}
