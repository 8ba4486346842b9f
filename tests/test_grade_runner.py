"""What the grader saves from a student's kernel, how it reads it back as data only, and how it
takes the hidden tests' results: each refusal shown on a planted bad file or line."""

import io
import json
import os
import tarfile
import types

import keras
import numpy as np
import pytest

import utils
from tools import grade, grade_runner


class Doubler(keras.Model):  # a subclass: the grader would have to run its code to rebuild it
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x) * 2


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / grade_runner.ANSWERS
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dropout(0.1), keras.layers.Dense(2, activation="softmax")]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.005),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
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
    assert rebuilt.clock.cpu_seconds == history.clock.cpu_seconds > 0
    for a, b in zip(rebuilt.clock.start_weights, history.clock.start_weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(rebuilt.model.get_weights(), history.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # compiled again with its own optimizer and loss, so the checks read what the notebook had
    assert rebuilt.model.optimizer.get_config()["learning_rate"] == pytest.approx(0.005)
    assert rebuilt.model.loss == "sparse_categorical_crossentropy"
    assert [type(layer).__name__ for layer in rebuilt.model.layers] == ["Dropout", "Dense"]


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
    assert "subclassed could not be rebuilt: subclassed is a subclassed model (Doubler)" in problems
    assert "accepts keras.Sequential and Functional models" in problems
    assert "generator could not be saved: generator" in problems
    index = json.loads((folder / "index.json").read_text())
    assert index["never_defined"] == {"missing": True}


def sequential(*layers):
    return {"module": "keras", "class_name": "Sequential", "config": {"layers": list(layers)}}


def layer(name, module="keras.layers", **config):
    return {"module": module, "class_name": name, "config": config, "registered_name": None}


@pytest.mark.parametrize(
    "config, reason",
    [
        (sequential(layer("Lambda", function="...")), "holds a Lambda layer, which the grader"),
        (
            sequential(layer("TextVectorization", vocabulary="/hidden/tests.py")),
            "TextVectorization",
        ),
        (
            sequential(
                layer(
                    "Embedding",
                    embeddings_initializer=layer(
                        "Constant", "keras.initializers", value=[[1.0] * 8] * 8
                    ),
                )
            ),
            "holds a Constant initializer that is not one number",
        ),
        (sequential(layer("Dense", units=2, kernel_size=list(range(65)))), "a list of 65 numbers"),
        (sequential(layer("system", "os", command="touch x")), "holds 'system' from 'os'"),
        (sequential(layer("Dense", "keras.src.layers")), "holds 'Dense' from 'keras.src.layers'"),
        (
            sequential({**layer("Dense", units=2), "registered_name": "Custom>Dense"}),
            "names a registered object 'Custom>Dense'",
        ),
        (sequential(layer("Dense", units=10**9)), "holds the number 1000000000"),
        (sequential(layer("Dropout", rate=float("nan"))), "the number nan: not finite"),
        ({"class_name": "MyModel", "config": {}}, "is a subclassed model (MyModel)"),
        ([1, 2], "is a subclassed model (None)"),
    ],
)
def test_configurations_that_are_not_keras_own_layers_are_refused(config, reason):
    with pytest.raises(grade_runner.Refused, match=None) as refused:
        grade_runner.check_config(config, "gru_model")
    assert reason in str(refused.value), refused.value


def test_keras_own_configurations_pass(saved):
    _, history, _ = saved
    grade_runner.check_config(keras.saving.serialize_keras_object(history.model), "a model")
    inputs = keras.Input((3,))
    functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    grade_runner.check_config(keras.saving.serialize_keras_object(functional), "a model")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("[" * 500 + "]" * 500, "is nested more than 40 deep"),
        ("[" * 200_000 + "]" * 200_000, "is not valid JSON (RecursionError)"),
        ('{"a": NaN}', "is not valid JSON (ValueError)"),
        ("x" * 2000, "is not a file of at most 1,000 bytes"),
        ("{", "is not valid JSON"),
    ],
    ids=["deep", "deeper-than-python", "nan", "too-large", "cut"],
)
def test_json_the_grader_will_not_read(tmp_path, text, reason):
    path = tmp_path / "index.json"
    path.write_text(text)
    with pytest.raises(grade_runner.Refused) as refused:
        grade_runner.read_json(path, limit=1000 if len(text) == 2000 else 2**20)
    assert reason in str(refused.value)


def test_a_linked_json_file_is_not_followed(tmp_path):
    (tmp_path / "real.json").write_text("{}")
    os.symlink(tmp_path / "real.json", tmp_path / "index.json")
    with pytest.raises(grade_runner.Refused, match="is not a file"):
        grade_runner.read_json(tmp_path / "index.json")


def tar(*members):
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w") as archive:
        for name, content, link in members:
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
            else:
                info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return stream.getvalue()


def test_only_the_expected_regular_files_are_unpacked(tmp_path):
    data = tar(
        ("executed.ipynb", b"{}", None),
        ("answers/index.json", b"{}", None),
        ("answers/files/o1.npz", b"x", None),
        ("answers/files/o2.json", b"", "/etc/shadow"),
        ("../escaped", b"x", None),
        ("/tmp/absolute", b"x", None),
        ("answers/files/evil.py", b"x", None),
    )
    executed, problems = grade_runner.unpack(data, tmp_path)
    assert executed == b"{}"
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert found == ["answers/files/o1.npz", "answers/index.json"]
    for name in ("answers/files/o2.json", "../escaped", "/tmp/absolute", "answers/files/evil.py"):
        assert f"suspicious: the run sent back {name!r} (ignored)" in problems
    assert grade_runner.unpack(b"not a tar", tmp_path) == (
        None,
        ["the run sent back no readable answers"],
    )
    many = tar(*[(f"answers/files/o{i}.npz", b"", None) for i in range(5)])
    _, problems = grade_runner.unpack(many, tmp_path / "many", most_files=3)
    assert "the run sent back over 3 files: the rest ignored" in problems


TESTS = types.SimpleNamespace(TASKS=[("task1", "", 2, None), ("task2", "", 3, None)])


def line(**record):
    return json.dumps({"nonce": "n1", **record})


@pytest.mark.parametrize(
    "lines, got, refused",
    [
        ([line(task="task1", points=2, message="ok")], {"task1": (2, "ok")}, 0),
        ([line(task="task1", points=3, message="too many")], {}, 1),
        ([line(task="task1", points=-1, message="negative")], {}, 1),
        ([line(task="task1", points=True, message="a bool")], {}, 1),
        ([line(task="task1", points=1.5, message="a fraction")], {}, 1),
        ([line(task="task9", points=1, message="unknown")], {}, 1),
        ([line(task="task1", points=2, message="x", submission="bob.ipynb")], {}, 1),
        ([json.dumps({"nonce": "n2", "task": "task1", "points": 2, "message": "x"})], {}, 1),
        (
            [line(task="task1", points=1, message="a"), line(task="task1", points=2, message="b")],
            {"task1": (1, "a")},
            1,
        ),
        (["HIDDEN-RESULTS {}", "not json"], {}, 2),
    ],
)
def test_results_lines_are_checked_against_the_schema(lines, got, refused):
    data = "\n".join([*lines, line(done=True, problems=[])]).encode()
    taken, finished, problems = grade.results(data, "n1", TESTS)
    assert taken == got and finished
    assert ("the grader refused" in "; ".join(problems)) == bool(refused)


def test_long_messages_are_cut_and_a_missing_end_is_noticed():
    data = line(task="task2", points=3, message="x" * 10_000).encode()
    taken, finished, _ = grade.results(data, "n1", TESTS)
    assert len(taken["task2"][1]) == grade.MESSAGE_MOST and not finished
