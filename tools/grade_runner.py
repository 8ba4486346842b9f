"""What `python -m tools.grade` runs inside each submission's sandbox, in two separate processes.

    python grade_runner.py execute EXPORT_NAMES   # run submission.ipynb, then save its answers
    python grade_runner.py hidden TESTS RELEASE   # apply the hidden tests to the saved answers

`execute` runs the student's notebook from the top (nbclient, fast mode) and appends one cell that
saves the answers the hidden tests need (models as .keras files, Histories, arrays, plain values)
into `answers/`. Nothing it prints or stores is trusted: `hidden` runs later, in a fresh process
with the answers folder read-only, rebuilds the objects from the files, rebuilds the notebook's
given data itself, and applies the hidden tests (TESTS). It prints one JSON line.

This file only uses the standard library, nbformat/nbclient, NumPy and Keras, so it runs in a
sandbox that sees nothing of the repository but `utils` (and `tools` for `hidden`).
"""

import itertools
import json
import os
import sys

ANSWERS = "answers"


def save_answers(namespace, names, folder=ANSWERS):
    """Save each of `names` from `namespace` under `folder`, with an index.json that says how.

    Runs in the student's kernel as the notebook's last cell. Objects keep their identity: the same
    model or History reached twice is saved once and rebuilt once.
    """
    import keras
    import numpy as np

    os.makedirs(os.path.join(folder, "files"), exist_ok=True)
    seen, index, keys = {}, {}, itertools.count()

    def path(key, suffix):
        return os.path.join(folder, "files", f"{key}{suffix}")

    def describe(value, depth=0):
        if depth > 4:
            return {"unsupported": "nested too deep"}
        if _plain(value):
            return {"value": value}
        if id(value) in seen:
            return seen[id(value)]
        key = f"o{next(keys)}"  # taken now: the objects saved inside this one take the next keys
        if isinstance(value, keras.Model):
            try:
                value.save(path(key, ".keras"))
                out = {"model": key}
            except Exception as error:  # noqa: BLE001 - reported to the student, not raised
                out = {"unsupported": f"the model could not be saved ({type(error).__name__})"}
        elif isinstance(getattr(value, "history", None), dict) and hasattr(value, "params"):
            clock = getattr(value, "clock", None)
            record = {
                "history": {k: [float(v) for v in vs] for k, vs in value.history.items()},
                "params": {k: v for k, v in dict(value.params).items() if _plain(v)},
                "model": describe(getattr(value, "model", None), depth + 1),
                "clock": None,
            }
            if clock is not None and getattr(clock, "start_weights", None) is not None:
                np.savez(path(key, "-start.npz"), *clock.start_weights)
                record["clock"] = {
                    "seconds": clock.seconds,
                    "model": describe(getattr(clock, "model", None), depth + 1),
                }
            with open(path(key, ".json"), "w") as file:
                json.dump(record, file)
            out = {"history": key}
        elif isinstance(value, np.ndarray) and value.dtype != object:
            np.save(path(key, ".npy"), value)
            out = {"array": key}
        elif isinstance(value, dict):
            out = {"dict": {str(k): describe(v, depth + 1) for k, v in value.items()}}
        elif isinstance(value, (list, tuple)):
            kind = "tuple" if isinstance(value, tuple) else "list"
            out = {kind: [describe(v, depth + 1) for v in value]}
        elif hasattr(value, "__float__") and not hasattr(value, "shape"):
            out = {"value": float(value)}
        else:
            out = {"unsupported": type(value).__name__}
        seen[id(value)] = out
        return out

    for name in names:
        index[name] = describe(namespace[name]) if name in namespace else {"missing": True}
    with open(os.path.join(folder, "index.json"), "w") as file:
        json.dump(index, file)


def _plain(value):
    return value is None or isinstance(value, (bool, int, float, str))


def load_tests(path):
    """The hidden tests module at `path` (its EXPORT names and its TASKS)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hidden_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Rebuilt:
    """A History (or its FitClock) rebuilt from the saved files: the attributes the checks read."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def load_answers(folder=ANSWERS):
    """The answers saved by `save_answers`, rebuilt: {name: object}; a missing one is None."""
    import keras
    import numpy as np

    with open(os.path.join(folder, "index.json")) as file:
        index = json.load(file)
    built, problems = {}, []

    def build(desc):
        if "value" in desc:
            return desc["value"]
        if "dict" in desc:
            return {k: build(v) for k, v in desc["dict"].items()}
        if "list" in desc or "tuple" in desc:
            items = [build(v) for v in desc.get("list", desc.get("tuple"))]
            return tuple(items) if "tuple" in desc else items
        key = desc.get("model") or desc.get("history") or desc.get("array")
        if key is None:  # missing or unsupported: the checks say what they expected instead
            if "unsupported" in desc:
                problems.append(f"an answer could not be saved: {desc['unsupported']}")
            return None
        if key not in built:
            file = os.path.join(folder, "files", key)
            if "model" in desc:
                built[key] = keras.models.load_model(file + ".keras", safe_mode=True)
            elif "array" in desc:
                built[key] = np.load(file + ".npy", allow_pickle=False)
            else:
                with open(file + ".json") as handle:
                    record = json.load(handle)
                model = build(record["model"])
                clock = None
                if record["clock"] is not None:
                    with np.load(file + "-start.npz", allow_pickle=False) as weights:
                        start = [weights[f"arr_{i}"] for i in range(len(weights.files))]
                    clock = Rebuilt(
                        seconds=record["clock"]["seconds"],
                        start_weights=start,
                        model=build(record["clock"]["model"]),
                    )
                built[key] = Rebuilt(
                    history=record["history"], params=record["params"], model=model, clock=clock
                )
        return built[key]

    answers = {}
    for name, desc in index.items():
        try:
            answers[name] = build(desc)
        except Exception as error:  # noqa: BLE001 - one bad answer must not stop the others
            answers[name] = None
            problems.append(
                f"{name} could not be rebuilt ({type(error).__name__}: {str(error)[:120]})"
            )
    answers["_problems"] = problems
    return answers


def given_namespace(student_notebook):
    """Run the release notebook's setup and given cells (tagged "given") in a fresh namespace:
    the grader's own copy of the data, the held-out split and the settings, never the student's."""
    import nbformat

    nb = nbformat.read(student_notebook, as_version=4)
    namespace = {"__name__": "__given__"}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("setup" in tags or "given" in tags):
            exec(compile(cell.source, "<given cell>", "exec"), namespace)  # noqa: S102
    return namespace


def main(argv):
    if argv[:1] == ["execute"]:
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read("submission.ipynb", as_version=4)
        names = argv[1].split(",")
        # The grader's last cell: this file sits beside the notebook, in the kernel's folder.
        export = f"import grade_runner\ngrade_runner.save_answers(globals(), {names!r})"
        nb.cells.append(nbformat.v4.new_code_cell(export))
        try:
            NotebookClient(nb, timeout=None, allow_errors=True, kernel_name="python3").execute()
        finally:
            nbformat.write(nb, "executed.ipynb")
        return 0
    if argv[:1] == ["hidden"]:
        tests_path, release_path = argv[1:3]
        tests = load_tests(tests_path)
        answers = load_answers(ANSWERS)
        given = given_namespace(release_path)
        results = []
        for key, title, points, test in tests.TASKS:
            try:
                passed, message = test(answers, given)
            except Exception as error:  # noqa: BLE001 - a crash is a FAIL with its reason
                passed, message = False, f"could not check ({type(error).__name__}: {error})"
            if not passed and answers.get("_problems"):  # e.g. a model that cannot be loaded
                message += f" (The grader could not rebuild: {'; '.join(answers['_problems'])}.)"
            results.append(
                {
                    "task": key,
                    "title": title,
                    "points": points if passed else 0,
                    "max": points,
                    "passed": passed,
                    "message": message,
                }
            )
        print(
            "HIDDEN-RESULTS "
            + json.dumps({"tasks": results, "problems": answers.get("_problems", [])})
        )
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
