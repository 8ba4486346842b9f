"""What `python -m tools.grade` runs inside its sandboxes, each stage a process of its own.

    python -m tools.grade_runner execute   # run the student's notebook; send back its answers
    python -m tools.grade_runner hidden    # apply the hidden tests to those answers
    python -m tools.grade_runner calibrate # train the task's own models: what honest runs give

Paths and the channel come in environment variables (`GRADER_*`, set by `tools.grade`), so the
same command runs in bubblewrap (paths inside the sandbox) and as a user of its own (real paths).

`execute` is the only stage that runs the student's code. It runs the notebook from the top
(nbclient, fast mode), then one last cell that saves the answers the hidden tests need: each model
as its architecture (JSON) and its weights (an .npz of arrays), each History as JSON, arrays as .npy
and plain values. It sends `executed.ipynb` and `answers/` back as a tar stream on the channel.
Nothing in it is trusted: the student's code can write anything there.

`hidden` runs in a fresh process that never runs student code: it reads the answers as data only
(JSON checked against what Keras' own built-in layers may be, arrays without pickles, sizes
bounded), rebuilds each model from its configuration, runs the released notebook's given cells
for the grader's own copy of the data and settings, and applies the hidden tests. Each task's
result goes to the grader as one JSON line on the channel, with the run's nonce; what the stage
prints is ignored.
"""

import io
import itertools
import json
import math
import os
import re
import sys
import tarfile

ANSWERS = "answers"
KEY = re.compile(r"o\d{1,6}")
# What `execute` may send back, and what the grader keeps of it: nothing else is unpacked.
SENT = re.compile(r"executed\.ipynb|answers/index\.json|answers/files/o\d{1,6}(\.json|\.npz|\.npy)")
MAX_JSON = 4 * 2**20  # bytes in one JSON file of the answers
MAX_DEPTH = 40  # nesting of a JSON file of the answers
MAX_PARAMETERS = 20_000_000  # the largest model the grader rebuilds


# -- in the student's kernel (untrusted) -----------------------------------------------------------


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

    def write_json(key, value):
        with open(path(key, ".json"), "w") as file:
            json.dump(value, file, default=_number)

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
                write_json(
                    key,
                    {
                        "architecture": keras.saving.serialize_keras_object(value),
                        "compile": value.get_compile_config(),
                        "class": f"{type(value).__module__}.{type(value).__qualname__}",
                    },
                )
                np.savez(path(key, ".npz"), *value.get_weights())
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
                np.savez(path(key, ".npz"), *clock.start_weights)
                record["clock"] = {
                    "seconds": clock.seconds,
                    "cpu_seconds": getattr(clock, "cpu_seconds", None),
                    "model": describe(getattr(clock, "model", None), depth + 1),
                }
            write_json(key, record)
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


def _number(value):
    """json.dump's fallback: NumPy numbers (a dropout rate given as np.float32) as numbers."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


def send(fd, executed, folder, cap_each=32 * 2**20):
    """Write the executed notebook (bytes, from memory) and the regular files below `folder` as a
    tar stream to `fd`: no links, nothing over `cap_each` bytes."""
    files = sorted(os.path.join(base, n) for base, _, names in os.walk(folder) for n in names)
    with os.fdopen(fd, "wb") as channel, tarfile.open(fileobj=channel, mode="w|") as archive:
        info = tarfile.TarInfo("executed.ipynb")
        info.size = len(executed)
        archive.addfile(info, io.BytesIO(executed))
        for path in files:
            if os.path.isfile(path) and not os.path.islink(path):
                if os.path.getsize(path) <= cap_each:
                    archive.add(path, arcname=os.path.relpath(path), recursive=False)


def truncate_outputs(nb, most=1 << 20):
    """Cut each output of `nb` to about `most` bytes, so that a notebook which prints without end
    is still sent back (and its cells' errors read)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for field in ("text", "data"):
                value = output.get(field)
                if isinstance(value, str) and len(value) > most:
                    output[field] = value[:most] + "\n[... cut by the grader: output too long]"
                elif isinstance(value, dict):
                    for kind, body in list(value.items()):
                        if isinstance(body, str) and len(body) > most:
                            value[kind] = "[cut by the grader: output too long]"


def execute():
    import nbformat
    from nbclient import NotebookClient

    fd = int(os.environ.pop("GRADER_FD"))  # neither inherited by the kernel nor named to it
    os.set_inheritable(fd, False)
    nb = nbformat.read(os.environ["GRADER_NOTEBOOK"], as_version=4)
    names = os.environ["GRADER_EXPORT"].split(",")
    export = f"from tools.grade_runner import save_answers\nsave_answers(globals(), {names!r})"
    nb.cells.append(nbformat.v4.new_code_cell(export))
    client = NotebookClient(
        nb,
        timeout=None,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": os.getcwd()}},
    )
    try:
        client.execute()
    finally:  # sent from memory: nothing the kernel left running can change it on its way
        truncate_outputs(nb)
        send(fd, nbformat.writes(nb).encode(), ANSWERS)
    return 0


# -- reading the answers (trusted code, untrusted data) --------------------------------------------


class Refused(ValueError):
    """An answer file that is not what `save_answers` writes: read no further."""


def read_json(path, limit=MAX_JSON):
    """The JSON in the file at `path`: a regular file of at most `limit` bytes, nested at most
    MAX_DEPTH deep, with finite numbers only."""
    info = os.lstat(path)
    if not os.path.isfile(path) or os.path.islink(path) or info.st_size > limit:
        raise Refused(f"{os.path.basename(path)} is not a file of at most {limit:,} bytes")
    with open(path, "rb") as file:
        text = file.read(limit + 1)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise Refused(
            f"{os.path.basename(path)} is not valid JSON ({type(error).__name__})"
        ) from None
    _depth(value, os.path.basename(path))
    return value


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number the grader reads")


def _depth(value, where, depth=0):
    if depth > MAX_DEPTH:
        raise Refused(f"{where} is nested more than {MAX_DEPTH} deep")
    if isinstance(value, dict):
        for item in value.values():
            _depth(item, where, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _depth(item, where, depth + 1)


def check_config(config, where):
    """Refused unless the grader may rebuild the model whose configuration is `config`: a
    Sequential or Functional model (a subclass is code the grader would have to run) of what
    `utils.checks.architecture_problem` allows, the same rule the student's check applies."""
    from utils.checks import architecture_problem

    if not isinstance(config, dict) or config.get("class_name") not in ("Sequential", "Functional"):
        name = config.get("class_name") if isinstance(config, dict) else None
        raise Refused(
            f"{where} is a subclassed model ({name}): the grader rebuilds models from their "
            "configuration, without running your code, so it accepts keras.Sequential and "
            "Functional models (keras.Model(inputs, outputs)) only"
        )
    problem = architecture_problem(config, where)
    if problem:
        raise Refused(problem)


def _arrays(path):
    """The arrays of an .npz file, without pickles, in the order they were saved."""
    import numpy as np

    if os.path.islink(path) or not os.path.isfile(path):
        raise Refused(f"{os.path.basename(path)} is missing")
    with np.load(path, allow_pickle=False) as saved:
        names = sorted(saved.files, key=lambda name: int(name.removeprefix("arr_") or -1))
        if names != [f"arr_{i}" for i in range(len(names))]:
            raise Refused(f"{os.path.basename(path)} is not a list of saved arrays")
        arrays = [saved[name] for name in names]
    if any(a.dtype.kind not in "fiub" for a in arrays):
        raise Refused(f"{os.path.basename(path)} holds arrays that are not numbers")
    return arrays


def rebuild_model(folder, key, where):
    """The model saved under `key`: rebuilt from its checked configuration, with its weights, and
    compiled again with its (checked) optimizer and loss, so the checks read what they read in the
    notebook."""
    import keras

    from utils.checks import architecture_problem

    record = read_json(os.path.join(folder, f"{key}.json"))
    if not isinstance(record, dict):
        raise Refused(f"{where}'s file is not what the grader saves")
    check_config(record.get("architecture"), where)
    model = keras.saving.deserialize_keras_object(record["architecture"], safe_mode=True)
    if model.count_params() > MAX_PARAMETERS:
        raise Refused(f"{where} has {model.count_params():,} parameters: too large to grade")
    weights = _arrays(os.path.join(folder, f"{key}.npz"))
    shapes = [tuple(w.shape) for w in model.weights]
    if [tuple(a.shape) for a in weights] != shapes:
        raise Refused(f"{where}'s saved weights do not fit its architecture")
    model.set_weights(weights)
    compiled = record.get("compile")
    if compiled is not None:
        if not isinstance(compiled, dict):
            raise Refused(f"{where}'s compile settings are not what the grader saves")
        optimizer, loss = compiled.get("optimizer"), compiled.get("loss")
        for part in (optimizer, loss):
            problem = architecture_problem(part, where) if isinstance(part, dict) else None
            if problem:
                raise Refused(problem)
        model.compile(
            optimizer=keras.optimizers.deserialize(optimizer)
            if isinstance(optimizer, dict)
            else optimizer,
            loss=keras.losses.deserialize(loss) if isinstance(loss, dict) else loss,
        )
    return model


class Rebuilt:
    """A History (or its FitClock) rebuilt from the saved files: the attributes the checks read."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def _finite(value):
    """`value` as a float if it is a finite number, else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _history(folder, key, build, where):
    import numpy as np

    record = read_json(os.path.join(folder, f"{key}.json"))
    if not isinstance(record, dict) or not isinstance(record.get("history"), dict):
        raise Refused(f"{where}'s History file is not what the grader saves")
    history = {}
    for name, values in record["history"].items():
        if not isinstance(values, list) or len(values) > 10_000:
            raise Refused(f"{where}'s History holds {name!r} that is not a list of epochs")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise Refused(f"{where}'s History holds {name!r} with values that are not numbers")
        history[str(name)[:100]] = [float(v) for v in values]
    params = record.get("params")
    params = {k: v for k, v in params.items() if _plain(v)} if isinstance(params, dict) else {}
    clock = None
    if isinstance(record.get("clock"), dict):
        seconds, cpu = (record["clock"].get(k) for k in ("seconds", "cpu_seconds"))
        clock = Rebuilt(
            seconds=_finite(seconds),
            cpu_seconds=_finite(cpu),
            start_weights=[np.asarray(a) for a in _arrays(os.path.join(folder, f"{key}.npz"))],
            model=build(record["clock"].get("model"), f"{where}'s clock"),
        )
    model = build(record.get("model"), f"{where}'s model")
    return Rebuilt(history=history, params=params, model=model, clock=clock)


def load_answers(folder=ANSWERS):
    """The answers saved by `save_answers`, rebuilt: {name: object}; a missing one is None.

    `answers["_problems"]` says what could not be rebuilt, and why; `answers["_refused"]` maps
    each name that could not be rebuilt to the reason."""
    import numpy as np

    files = os.path.join(folder, "files")
    index = read_json(os.path.join(folder, "index.json"), limit=2**20)
    if not isinstance(index, dict):
        raise Refused("index.json is not what the grader saves")
    built, problems = {}, []

    def build(desc, where):
        if not isinstance(desc, dict):
            raise Refused(f"{where} is described in a way the grader does not save")
        if "value" in desc:
            value = desc["value"]
            if not _plain(value) or isinstance(value, float) and not math.isfinite(value):
                raise Refused(f"{where} is not a plain value")
            return value
        if "dict" in desc and isinstance(desc["dict"], dict):
            return {str(k): build(v, f"{where}[{k!r}]") for k, v in desc["dict"].items()}
        for kind in ("list", "tuple"):
            if kind in desc and isinstance(desc[kind], list):
                items = [build(v, f"{where}[{i}]") for i, v in enumerate(desc[kind])]
                return tuple(items) if kind == "tuple" else items
        kinds = [kind for kind in ("model", "history", "array") if kind in desc]
        if not kinds:  # missing or unsupported: the checks say what they expected instead
            if isinstance(desc.get("unsupported"), str):
                problems.append(f"{where} could not be saved: {desc['unsupported'][:200]}")
            return None
        key = desc[kinds[0]]
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise Refused(f"{where} names a file the grader does not save")
        if key not in built:
            if kinds[0] == "model":
                built[key] = rebuild_model(files, key, where)
            elif kinds[0] == "array":
                path = os.path.join(files, f"{key}.npy")
                if os.path.islink(path) or not os.path.isfile(path):
                    raise Refused(f"{where}'s array file is missing")
                try:
                    array = np.load(path, allow_pickle=False)
                except ValueError:
                    raise Refused(f"{where} holds Python objects (a pickle): refused") from None
                if array.dtype.kind not in "fiub":
                    raise Refused(f"{where} is not an array of numbers")
                built[key] = array
            else:
                built[key] = _history(files, key, optional(build), where)
        return built[key]

    def optional(build):
        return lambda desc, where: None if desc is None else build(desc, where)

    answers, refused = {}, {}
    for name, desc in index.items():
        try:
            answers[name] = build(desc, name)
        except Exception as error:  # noqa: BLE001 - one bad answer must not stop the others
            answers[name] = None
            reason = str(error) if isinstance(error, Refused) else f"{type(error).__name__}"
            refused[name] = reason[:300]
            problems.append(f"{name} could not be rebuilt: {reason[:300]}")
    answers["_problems"], answers["_refused"] = problems, refused
    return answers


def load_tests(path):
    """The hidden tests module at `path` (its EXPORT names, its TASKS, its calibrate)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hidden_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def given_namespace(student_notebook):
    """Run the release notebook's setup and given cells (tagged "setup" or "given") in a fresh
    namespace: the grader's own copy of the data, the held-out split and the settings, never the
    student's."""
    import nbformat

    nb = nbformat.read(student_notebook, as_version=4)
    namespace = {"__name__": "__given__"}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("setup" in tags or "given" in tags):
            exec(compile(cell.source, "<given cell>", "exec"), namespace)  # noqa: S102
    return namespace


def _line(channel, record):
    channel.write((json.dumps(record) + "\n").encode())
    channel.flush()


def hidden():
    """Apply the hidden tests; one JSON line per task, then one that closes, on the channel."""
    channel = os.fdopen(int(os.environ["GRADER_FD"]), "wb")
    nonce = sys.stdin.readline().strip()
    tests = load_tests(os.environ["GRADER_TESTS"])
    try:
        answers = load_answers(os.environ["GRADER_ANSWERS"])
    except (Refused, OSError) as error:  # the index itself: no answer can be read
        reason = f"the answers could not be read: {error}"
        answers = {"_problems": [reason], "_refused": dict.fromkeys(tests.EXPORT, reason)}
    calibration = None
    if os.environ.get("GRADER_CALIBRATION"):
        calibration = read_json(os.environ["GRADER_CALIBRATION"])
    given = given_namespace(os.environ["GRADER_RELEASE"])
    tasks = {key: (title, points, test) for key, title, points, test in tests.TASKS}
    for key in getattr(tests, "ORDER", list(tasks)):
        title, points, test = tasks[key]
        try:
            got, message = test(answers, given, calibration)
        except Exception as error:  # noqa: BLE001 - a crash is a FAIL with its reason
            got, message = False, f"could not check ({type(error).__name__}: {error})"
        earned = points if got is True else 0 if got is False else int(got)
        _line(channel, {"nonce": nonce, "task": key, "points": earned, "message": message})
    _line(channel, {"nonce": nonce, "done": True, "problems": answers.get("_problems", [])})
    channel.close()
    return 0


def calibrate():
    """Train the task's own models as the given settings say; send what they give."""
    tests = load_tests(os.environ["GRADER_TESTS"])
    given = given_namespace(os.environ["GRADER_RELEASE"])
    with os.fdopen(int(os.environ["GRADER_FD"]), "wb") as channel:
        channel.write(json.dumps(tests.calibrate(given)).encode())
    return 0


def unpack(data, folder, most_files=400):
    """Write what `execute` sent (a tar stream, `data`) into `folder`; (executed notebook bytes
    or None, problems). Only the files `save_answers` writes are kept: regular files, by the names
    it gives them, never a link, a device, an absolute path or `..`."""
    problems, executed, count = [], None, 0
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
    except tarfile.TarError:
        return None, ["the run sent back no readable answers"]
    with archive:
        try:
            for member in archive:
                count += 1
                if count > most_files:
                    problems.append(f"the run sent back over {most_files} files: the rest ignored")
                    break
                if not member.isreg() or not SENT.fullmatch(member.name):
                    problems.append(f"suspicious: the run sent back {member.name[:80]!r} (ignored)")
                    continue
                content = archive.extractfile(member).read()
                if member.name == "executed.ipynb":
                    executed = content
                    continue
                target = os.path.join(folder, *member.name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "xb") as file:
                    file.write(content)
        except (tarfile.TarError, FileExistsError, OSError) as error:
            problems.append(f"the answers the run sent back are damaged ({type(error).__name__})")
    return executed, problems


def main(argv):
    stages = {"execute": execute, "hidden": hidden, "calibrate": calibrate}
    if argv[:1] and argv[0] in stages:
        return stages[argv[0]]()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
