"""Grade a folder of submitted homework notebooks: points per task in grades.csv, and feedback.

    python -m tools.grade SUBMISSIONS                  # every SUBMISSIONS/*.ipynb -> grades/
    python -m tools.grade SUBMISSIONS --out DIR --workers 2 --time-limit 300 --memory-gib 8
    python -m tools.grade --calibrate FILE             # train the tasks' own models once, keep it

Each submission is a program written by someone who wants a better grade, and nothing it prints,
saves or says about itself is trusted. For each one:

1. The file is read (a regular file, at most --max-mib MB) and its given cells (setup, data,
   settings, checks) are compared with the released notebook's by their Python syntax, so that
   formatting and comments never matter. An edited given cell runs as released, in its place; the
   difference goes to `edited/NAME.diff` for the instructor and costs no points by itself.
2. It runs from the top in fast mode in a sandbox (`tools/sandbox.py`: bubblewrap, or a user of its
   own), as a fresh user, with limits on all its processes together. It sends back its executed
   notebook and its answers (architectures, weights, Histories, values) as a tar stream on a
   private channel, read up to a cap and unpacked as regular files with the expected names only.
3. A second sandboxed process, which runs no student code, rebuilds the answers as data and
   applies the hidden tests (`homework/solutions/NAME.tests.py`), which recompute what the student
   claims and compare it with the grader's own training of the same architectures (calibrated once
   per run, the first time a submission needs it). Each task's result comes back as one JSON line
   on a pipe only the grader holds, with a nonce of this run, and is checked against a schema:
   the known tasks only, 0 <= points <= the task's, messages of bounded length.
4. The grader alone writes grades.csv and one feedback file per submission, each named from the
   file it graded; no row or file of one submission can change another's.

A submission that is not a notebook, crashes, runs out of time or over a limit gets a row that
says so, and grading goes on. `--sandbox bwrap` needs bubblewrap (`apt-get install bubblewrap`);
`--sandbox uid` (root, where bubblewrap cannot run) and `--sandbox none` (trusted notebooks only)
are described in homework/README.md.
"""

import argparse
import ast
import concurrent.futures
import contextlib
import copy
import csv
import difflib
import functools
import io
import json
import os
import pathlib
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading

from utils.files import write_text as _write_text  # whole or not at all

from . import ROOT, sandbox
from .grade_runner import Refused, load_tests, read_json, unpack

STUB = "raise NotImplementedError()"
MESSAGE_MOST = 4000  # characters of one task's message the grader keeps
PROBLEMS_MOST = 50


def homework_files(name=None, root=None):
    """(release notebook, hidden tests) of the homework `name` (default: the only one)."""
    root = pathlib.Path(root or ROOT)
    tests = sorted((root / "homework" / "solutions").glob("*.tests.py"))
    if name is not None:
        tests = [t for t in tests if t.name == f"{name}.tests.py"]
    if len(tests) != 1:
        known = ", ".join(t.name.removesuffix(".tests.py") for t in tests) or "none"
        raise ValueError(
            f"cannot tell which homework to grade (hidden tests found: {known}): pass --homework "
            "NAME, with homework/solutions/NAME.tests.py beside its solution."
        )
    stem = tests[0].name.removesuffix(".tests.py")
    return root / "homework" / f"{stem}.ipynb", tests[0]


# -- the given cells -------------------------------------------------------------------------------


def given_cells(release):
    """The code cells a student must leave as they are: (index, cell) of every code cell without a
    stub."""
    return [
        (index, cell)
        for index, cell in enumerate(release.cells)
        if cell.cell_type == "code" and STUB not in cell.source
    ]


def _python(source):
    """`source` as Python, each line of IPython's own syntax (`%magic`, `!shell`) blanked: in one
    pass over its lines (IPython's own transformer re-reads a cell once per magic line, so a
    cell of many magics could keep the grader busy for hours)."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )


@functools.lru_cache(maxsize=4096)
def syntax(source):
    """What a code cell does as Python sees it: its syntax tree, without comments, formatting or
    quote style; its text with whitespace normalised if it is not Python (or nested too deep)."""
    try:
        return ast.dump(ast.parse(_python(source)))
    except Exception:  # noqa: BLE001 - whatever a cell holds, it is compared as text then
        return " ".join(source.split())


def prepare(submission, release):
    """The notebook to run: `submission` with every given cell of `release` as released.

    A given cell is found in order by its syntax; one that was edited (the same cell id, else the
    most alike code cell before the next given cell) is replaced by the released one, and one that
    was removed is put back. Returns (notebook, edits): each edit is (index in the release, first
    line, unified diff or None when removed)."""
    cells, edits, position = list(submission.cells), [], 0
    given = given_cells(release)
    wanted = [syntax(cell.source) for _, cell in given]

    def code(k):
        return cells[k].cell_type == "code"

    for number, (index, cell) in enumerate(given):
        found = _find(cells, position, {wanted[number]})
        if found is not None:
            position = found + 1
            continue
        end = _find(cells, position, set(wanted[number + 1 :]))
        candidates = [k for k in range(position, len(cells) if end is None else end) if code(k)]
        same = [k for k in candidates if cell.get("id") and cells[k].get("id") == cell.get("id")]
        alike = {k: _likeness(cells[k].source, cell.source) for k in candidates}
        pick = same[0] if same else max(alike, key=alike.get, default=None)
        released = copy.deepcopy(cell)
        released.outputs, released.execution_count = [], None
        first = (cell.source.strip().splitlines() or [""])[0][:60]
        if pick is not None and (same or alike[pick] >= 0.6):
            before = cell.source.splitlines(keepends=True)
            after = cells[pick].source.splitlines(keepends=True)
            diff = "".join(difflib.unified_diff(before, after, f"given cell {index}", "submitted"))
            cells[pick], position = released, pick + 1
            edits.append((index, first, diff))
        else:
            cells.insert(position, released)
            position += 1
            edits.append((index, first, None))
    prepared = copy.deepcopy(submission)
    prepared.cells = cells
    return prepared, edits


def _find(cells, start, syntaxes):
    """The index of the first code cell from `start` whose syntax is one of `syntaxes`, or None."""
    return next(
        (
            k
            for k in range(start, len(cells))
            if cells[k].cell_type == "code" and syntax(cells[k].source) in syntaxes
        ),
        None,
    )


def _likeness(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio()


# What a student's own cells seem to try: hints for the instructor, never trusted and never costing
# points (the grade is recomputed elsewhere). Found in the syntax tree, so an import alone, a
# comment or a string in a print is not flagged.
CHANGES_CHECKS, NETWORK, PROCESSES, GRADER_FILES = (
    "changes the course's checks",
    "tries the network",
    "starts processes",
    "names the grader's files",
)
_NETWORK = ("socket.", "urllib.request.", "requests.", "http.client.", "urllib3.")
_PROCESSES = ("subprocess.", "multiprocessing.", "os.fork", "os.system", "os.popen", "os.exec")
_GRADER_WORDS = ("HIDDEN-RESULTS", "grades.csv", "/hidden", "/answers", "solutions/", "../")


def _dotted(node):
    """'a.b.c' for the expression a.b.c, '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return ""


def _rooted(node, names=("checks", "utils")):
    """True if `node` is an attribute, item or call result of one of `names`."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return isinstance(node, ast.Name) and node.id in names


def suspicious(submission, release):
    """What the student's own code cells seem to try (reported, never trusted)."""
    given = {syntax(cell.source) for _, cell in given_cells(release)}
    found = set()
    for cell in submission.cells:
        if cell.cell_type != "code" or syntax(cell.source) in given:
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except Exception:  # noqa: BLE001 - not Python: nothing to report
            continue
        for node in ast.walk(tree):
            targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                if any(
                    isinstance(t, (ast.Attribute, ast.Subscript)) and _rooted(t) for t in targets
                ):
                    found.add(CHANGES_CHECKS)
            elif isinstance(node, ast.Attribute) and node.attr == "__dict__" and _rooted(node):
                found.add(CHANGES_CHECKS)
            elif isinstance(node, ast.Call):
                name = _dotted(node.func)
                first = node.args[0] if node.args else None
                if name in ("setattr", "delattr", "vars") and first is not None and _rooted(first):
                    found.add(CHANGES_CHECKS)
                if name.startswith(_NETWORK) or name in ("urlopen", "create_connection"):
                    found.add(NETWORK)
                if name.startswith(_PROCESSES):
                    found.add(PROCESSES)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if any(word in node.value for word in _GRADER_WORDS):
                    found.add(GRADER_FILES)
    return [
        f"suspicious: {what}"
        for what in (CHANGES_CHECKS, NETWORK, PROCESSES, GRADER_FILES)
        if what in found
    ]


# -- reading what a submission gives ---------------------------------------------------------------


def read_notebook(path, most):
    """(notebook, None), or (None, (status, problem)) for a file the grader does not read: a link,
    not a regular file, over `most` bytes, or not a notebook."""
    import nbformat

    try:
        info = os.lstat(path)
    except OSError as error:
        return None, ("not a notebook", f"cannot be read ({type(error).__name__})")
    if not stat.S_ISREG(info.st_mode):
        return None, ("not a notebook", "is a link or not a regular file: not read")
    if info.st_size > most:
        return None, (
            "too large",
            f"is {info.st_size / 2**20:.0f} MB, over the {most / 2**20:.0f} MB the grader reads",
        )
    try:
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW)) as file:
            return nbformat.reads(file.read(most + 1).decode("utf-8"), as_version=4), None
    except Exception as error:  # noqa: BLE001 - any unreadable file is a row, not a crash
        return None, ("not a notebook", f"cannot be read as a notebook ({type(error).__name__})")


def cell_errors(executed):
    """'cell N: NameError: ...' for each cell that raised, in the executed notebook."""
    problems = []
    for index, cell in enumerate(executed.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                value = str(output.get("evalue", "")).splitlines()
                value = value[0][:100] if value else ""
                where = (
                    "the grader's save step"
                    if index == len(executed.cells) - 1
                    else f"cell {index}"
                )
                problems.append(f"{where}: {output.get('ename')}" + (f": {value}" if value else ""))
    return problems[:PROBLEMS_MOST]


def results(data, nonce, tests):
    """The hidden tests' lines on the channel, checked: ({task: (points, message)}, finished,
    problems). A line without this run's nonce, of an unknown task, a task twice, points that are
    not a whole number from 0 to the task's, or anything else, is refused."""
    maximum = {key: points for key, _, points, _ in tests.TASKS}
    got, finished, problems, refused = {}, False, [], 0
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            refused += 1
            continue
        if not isinstance(record, dict) or record.get("nonce") != nonce:
            refused += 1
            continue
        key, points, message = record.get("task"), record.get("points"), record.get("message")
        if record.get("done") is True and set(record) == {"nonce", "done", "problems"}:
            extra = record["problems"]
            if isinstance(extra, list) and all(isinstance(p, str) for p in extra):
                problems = [p[:500] for p in extra[:PROBLEMS_MOST]]
                finished = True
            else:
                refused += 1
        elif (
            set(record) == {"nonce", "task", "points", "message"}
            and key in maximum
            and key not in got
            and type(points) is int
            and 0 <= points <= maximum[key]
            and isinstance(message, str)
        ):
            got[key] = (points, message[:MESSAGE_MOST])
        else:
            refused += 1
    if refused:
        problems.append(f"the grader refused {refused} line(s) of the hidden tests' results")
    return got, finished, problems


# -- the grader ------------------------------------------------------------------------------------


class Grader:
    """Grades submissions of one homework, several at once, each stage sandboxed."""

    def __init__(self, release_path, tests_path, out, work, options):
        import nbformat

        self.release_path, self.tests_path = release_path, tests_path
        self.release = nbformat.read(release_path, as_version=4)
        self.tests = load_tests(tests_path)
        self.out, self.work, self.options = out, work, options
        self.limits = options["limits"]
        self.kind = options["sandbox"]
        self.uids = sandbox.Uids() if os.geteuid() == 0 and self.kind != "none" else None
        self.network_namespace = self.kind == "uid" and sandbox.own_network_namespace()
        self.data = work / "data"
        self._calibration, self._calibration_lock = options.get("calibration"), threading.Lock()
        self._count = iter(range(1, 10**9))
        self._count_lock = threading.Lock()

    def isolation(self):
        """One line that says how this machine kept each submission apart and within its limits."""
        limits = self.limits
        if self.kind == "none":
            return "no sandbox (--sandbox none): for notebooks you trust"
        if self.kind == "bwrap":
            where = "bubblewrap (no network, its own processes"
            where += ", a fresh user per stage)" if self.uids else ", a user namespace)"
            sized = sandbox.bwrap_supports_size()
            where += (
                f"; writable folders: tmpfs of {limits.disk / 2**30:.3g} GiB each"
                if sized
                else (
                    "; writable folders: tmpfs without a size limit (bubblewrap before 0.7), "
                    "counted as memory"
                )
            )
        else:
            where = "a fresh user per stage (--sandbox uid), " + (
                "in a network namespace with the loopback only"
                if self.network_namespace
                else "WITH the network (this machine allows no network namespace)"
            )
        probe = (
            sandbox.Cgroup.create(f"probe-{secrets.token_hex(4)}", limits) if self.uids else None
        )
        if probe is not None:
            probe.remove()
            held = f"cgroup v{probe.version} for memory and processes, its CPU time counted"
        else:
            held = "no cgroup here: a watchdog polls memory and CPU time every 0.25 s"
        return (
            f"{where}; limits of a whole submission: {limits.memory / 2**30:.3g} GiB, "
            f"{limits.processes} processes, {limits.cpu:.0f} s of CPU, {limits.time:.0f} s a stage "
            f"({held})"
        )

    # ---- stages

    @contextlib.contextmanager
    def user(self):
        """A fresh uid (root), released with everything it left running; None otherwise."""
        uid = self.uids.take() if self.uids else None
        try:
            yield uid
        finally:
            if uid is not None:
                self.uids.release(uid)
                if self.kind == "uid":
                    sandbox.leftover_files(uid)

    def folder(self, name, uid):
        """A new working folder under the grader's own; only `uid` may enter it (uid mode)."""
        with self._count_lock:
            path = self.work / f"{name}-{next(self._count)}"
        if uid is not None and self.kind == "uid":
            return sandbox.private_folder(path, uid)
        path.mkdir(mode=0o700)
        return path

    def stage(self, name, uid, files, *, stdin=b"", env=None):
        """Run `python -m tools.grade_runner NAME` in this grader's sandbox, as `uid`, with `files`
        ({inside path: real path}, read-only) and `env`; its sandbox.Outcome."""
        channel = sandbox.Channel()
        python_bin = str(pathlib.Path(sys.executable).parent)
        inside = {
            "HOME": "/grading",
            "PATH": f"{python_bin}:/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "COURSE_FAST": "1",
            "COURSE_DATA_DIR": "/data",
            "MPLBACKEND": "Agg",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONDONTWRITEBYTECODE": "1",
            # one thread for TensorFlow and NumPy: workers on their own cores do not slow each
            # other, and a fit cannot use more CPU time than wall time (the hidden tests rely on
            # it to check a FitClock's times)
            "TF_NUM_INTRAOP_THREADS": "1",
            "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "GRADER_FD": str(channel.fd),
            **(env or {}),
        }
        files = {"/data": self.data, **files}
        command = [sys.executable, "-m", "tools.grade_runner", name]
        cgroup = sandbox.Cgroup.create(f"{uid}", self.limits) if uid is not None else None
        tmpfs, owned = (), ()
        try:
            if self.kind == "bwrap":
                read_only = {
                    **files,
                    str(ROOT / "utils"): ROOT / "utils",
                    str(ROOT / "tools"): ROOT / "tools",
                }
                argv = sandbox.bwrap(
                    command,
                    env=inside,
                    read_only=read_only,
                    tmpfs=["/grading"],
                    chdir="/grading",
                    uid=uid,
                    limits=self.limits,
                )
                tmpfs, real_env, cwd = (
                    ["/grading", "/tmp", "/dev/shm"],
                    {"PATH": "/usr/bin:/bin"},
                    None,
                )
            else:
                folder = self.folder(name, uid)
                real = {"/grading": str(folder), **{k: str(v) for k, v in files.items()}}
                real_env = {k: real.get(v, v) for k, v in inside.items()}
                real_env["TMPDIR"] = str(folder)
                cwd = folder
                if self.kind == "uid":
                    argv = sandbox.as_user(
                        command,
                        uid=uid,
                        limits=self.limits,
                        network_namespace=self.network_namespace,
                    )
                    owned = [folder, "/tmp", "/var/tmp", "/dev/shm"]
                else:
                    argv = ["prlimit", *self.limits.rlimits(), "--", *command]
            return sandbox.run(
                argv,
                real_env,
                self.limits,
                cwd=cwd,
                channel=channel,
                stdin=stdin,
                uid=uid,
                cgroup=cgroup,
                tmpfs=tmpfs,
                owned=owned,
            )
        finally:
            channel.close_write_end()
            if cgroup is not None:
                cgroup.remove()

    def hand(self, path, uid):
        """Make the file or folder at `path` readable by `uid` alone (as root)."""
        if uid is None:
            return
        for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
            os.lchown(item, uid, uid)
            os.chmod(item, 0o700 if item.is_dir() else 0o400)

    def calibration(self):
        """The hidden tests' calibration: given, or computed once (the first caller waits)."""
        with self._calibration_lock:
            if self._calibration is None:
                self._calibration = self.calibrate()
            return self._calibration

    def calibrate(self):
        """Run the hidden tests' `calibrate` in the sandbox: what honest runs give, as JSON."""
        with self.user() as uid:
            files = self.hidden_files(uid)
            env = {"GRADER_TESTS": "/hidden/tests.py", "GRADER_RELEASE": "/hidden/student.ipynb"}
            outcome = self.stage("calibrate", uid, files, env=env)
        try:
            value = json.loads(outcome.data or b"")
        except ValueError:
            value = None
        if outcome.code != 0 or not isinstance(value, dict):
            last = outcome.stopped or (outcome.log.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"the grader could not calibrate: {last[:300]}")
        return value

    def hidden_files(self, uid, calibration=None):
        """The hidden tests and the release (and the calibration), where the hidden stage reads
        them: as root, copies that only its user `uid` may read (the originals may be root's
        only, as the Gradescope bundle makes them); otherwise the files themselves."""
        files = {"/hidden/tests.py": self.tests_path, "/hidden/student.ipynb": self.release_path}
        if calibration is not None:
            files["/hidden/calibration.json"] = calibration
        if uid is None:
            return files
        copies = sandbox.private_folder(self.work / f"hidden-{uid}-{secrets.token_hex(4)}", uid)
        for inner, path in list(files.items()):
            files[inner] = copies / pathlib.PurePosixPath(inner).name
            shutil.copy(path, files[inner])
            sandbox.give(files[inner], uid)
        return files

    # ---- one submission

    def grade_one(self, path):
        """(row, feedback lines) of the submission at `path`."""
        row = {"submission": path.name, "status": "graded", "problems": [], "verdicts": {}}
        for key, *_ in self.tests.TASKS:
            row[key] = 0
        row["total"], row["max"] = 0, sum(points for _, _, points, _ in self.tests.TASKS)
        feedback = []
        submission, refused = read_notebook(path, self.options["max_bytes"])
        if submission is None:
            row["status"], problem = refused
            row["problems"].append(f"{path.name} {problem}")
            return row, feedback
        prepared, edits = prepare(submission, self.release)
        if edits:
            diffs = [
                f"# given cell {i} ({first}): {'removed' if d is None else 'edited'}\n{d or ''}"
                for i, first, d in edits
            ]
            (self.out / "edited").mkdir(exist_ok=True)
            _write_text(self.out / "edited" / f"{path.stem}.diff", "\n".join(diffs))
        for index, first, diff in edits:
            row["problems"].append(
                f"given cell {index} ({first}) was {'removed' if diff is None else 'edited'}: the "
                f"released version ran in its place (see edited/{path.stem}.diff)"
            )
        row["problems"] += suspicious(submission, self.release)
        answers = self.execute(path, prepared, row)
        if answers is None:
            return row, feedback
        got, finished = self.hidden(answers, row)
        shutil.rmtree(answers.parent, ignore_errors=True)
        for key, title, points, _ in self.tests.TASKS:
            if key not in got:
                row["problems"].append(f"{key} was not graded: the hidden tests did not finish it")
                feedback.append(
                    f"{title}: 0/{points}\n  NOT GRADED: the hidden tests did not finish."
                )
                continue
            earned, message = got[key]
            row[key] = earned
            verdict = "PASS" if earned == points else "PARTIAL" if earned else "FAIL"
            row["verdicts"][key] = f"{verdict}: {message}"
            feedback.append(f"{title}: {earned}/{points}\n  {verdict}: {message}")
        if not finished and row["status"] == "graded":
            row["status"] = "not graded"
        row["total"] = sum(row[key] for key, *_ in self.tests.TASKS)
        return row, feedback

    def execute(self, path, prepared, row):
        """Run the prepared notebook in the sandbox; the folder of its answers, or None."""
        import nbformat

        with self.user() as uid:
            notebook = self.work / f"notebook-{secrets.token_hex(8)}.ipynb"
            _write_text(notebook, nbformat.writes(prepared))
            if uid is not None and self.kind == "uid":
                self.hand(notebook, uid)
            else:
                os.chmod(notebook, 0o444)
            env = {
                "GRADER_NOTEBOOK": "/in/submission.ipynb",
                "GRADER_EXPORT": ",".join(self.tests.EXPORT),
            }
            outcome = self.stage("execute", uid, {"/in/submission.ipynb": notebook}, env=env)
            notebook.unlink()
        row["seconds"] = round(outcome.seconds, 1)
        if outcome.stopped:
            row["status"] = "timed out" if "time limit" in outcome.stopped else "over a limit"
            row["problems"].append(f"the run {outcome.stopped}")
        elif outcome.code != 0:
            row["status"] = "crashed"
            last = [line for line in outcome.log.splitlines() if line.strip()][-1:] or ["no output"]
            row["problems"].append(f"the notebook's kernel stopped: {last[0][:150]}")
        folder = self.folder("answers", None)
        executed, problems = unpack(outcome.data or b"", folder)
        row["problems"] += problems
        if executed is not None:
            self.executed(path, executed, row)
        if not (folder / "answers" / "index.json").is_file():
            row["problems"].append("no answers were saved (the run ended before its last cell)")
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return folder / "answers"

    def executed(self, path, executed, row):
        """Keep the executed notebook for the instructor and list its cells' errors."""
        import nbformat

        (self.out / "executed").mkdir(exist_ok=True)
        target = self.out / "executed" / path.name
        with open(target.with_suffix(".tmp"), "wb") as file:
            file.write(executed)
        os.replace(target.with_suffix(".tmp"), target)
        if len(executed) > self.options["parse_bytes"]:
            row["problems"].append(
                f"output too large: the executed notebook is {len(executed) / 2**20:.0f} MB; its "
                "cells' errors were not read"
            )
            return
        try:
            row["problems"] += cell_errors(nbformat.reads(executed.decode("utf-8"), as_version=4))
        except Exception:  # noqa: BLE001 - the run wrote something that is not a notebook
            row["problems"].append("the executed notebook could not be read")

    def needs_calibration(self, answers):
        try:
            index = read_json(answers / "index.json", limit=2**20)
        except (Refused, OSError):
            return False
        wanted = getattr(self.tests, "CALIBRATE_FOR", ())
        return isinstance(index, dict) and any(
            isinstance(index.get(name), dict)
            and not {"missing", "unsupported", "value"} & set(index[name])
            for name in wanted
        )

    def hidden(self, answers, row):
        """Apply the hidden tests to `answers`; ({task: (points, message)}, finished)."""
        calibration = None
        if self.needs_calibration(answers):
            try:
                value = self.calibration()
            except RuntimeError as error:
                row["status"] = "not graded"
                row["problems"].append(f"{error} (grade this submission again)")
                return {}, False
            calibration = self.work / f"calibration-{secrets.token_hex(4)}.json"
            _write_text(calibration, json.dumps(value))
            os.chmod(calibration, 0o444)
        nonce = secrets.token_hex(16)
        with self.user() as uid:
            files = self.hidden_files(uid, calibration)
            self.hand(answers.parent, uid)
            files["/answers"] = answers
            env = {
                "GRADER_TESTS": "/hidden/tests.py",
                "GRADER_RELEASE": "/hidden/student.ipynb",
                "GRADER_ANSWERS": "/answers",
                "GRADER_CALIBRATION": "/hidden/calibration.json" if calibration else "",
            }
            outcome = self.stage("hidden", uid, files, stdin=f"{nonce}\n".encode(), env=env)
        row["hidden_seconds"] = round(outcome.seconds, 1)
        if calibration is not None:
            calibration.unlink()
        got, finished, problems = results(outcome.data or b"", nonce, self.tests)
        row["problems"] += problems
        if not finished:
            why = outcome.stopped or (outcome.log.strip().splitlines() or ["no output"])[-1][:200]
            row["problems"].append(f"the hidden tests did not finish: {why}")
        return got, finished


def _private(path):
    """The first of `path` and its parents that other users may not enter or read, or None."""
    path = pathlib.Path(path).resolve()
    for part in [*reversed(path.parents), path]:
        mode = part.stat().st_mode
        if not mode & stat.S_IXOTH or (part == path and part.is_dir() and not mode & stat.S_IROTH):
            return part
    return None


def _readable_by_others(path):
    path = pathlib.Path(path)
    return path.exists() and bool(path.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH))


def uid_mode_refusals(submissions, out, tests_path, root):
    """Why `--sandbox uid` must not run here: each line says what to change. A notebook run as a
    user of its own can read every file that other users may read."""
    refusals = []
    for prefix in sorted(
        {sys.base_prefix, sys.prefix, str(pathlib.Path(sys.executable).resolve().parent)}
    ):
        private = _private(prefix)
        if private is not None:
            refusals.append(
                f"the sandbox's users cannot use the Python in {prefix} ({private} is private): "
                "install the course in a folder other users can read, e.g. a virtual environment "
                "made with /usr/bin/python3 -m venv /opt/course-venv"
            )
    for folder in (root / "utils", root / "tools"):
        if _private(folder) is not None:
            refusals.append(f"the sandbox's users cannot read {folder}: chmod -R o+rX {folder}")
    secrets_here = [tests_path.parent, root / ".git"]
    for folder in secrets_here:
        if _readable_by_others(folder):
            refusals.append(
                f"{folder} is readable by other users, so by the notebooks: "
                f"chmod -R go-rwx {folder}"
            )
    if len(list(submissions.glob("*.ipynb"))) > 1 and _readable_by_others(submissions):
        refusals.append(
            f"{submissions} lets other users read the submissions: chmod o-rwx {submissions}"
        )
    if _readable_by_others(out):
        refusals.append(f"{out} lets other users read the grades: chmod o-rwx {out}")
    return refusals


def grade(
    submissions,
    out,
    homework=None,
    workers=None,
    time_limit=300,
    memory_gib=8,
    sandbox_kind="bwrap",
    root=None,
    calibration=None,
    max_mib=32,
):
    """Grade every .ipynb in `submissions` into `out`/grades.csv and `out`/feedback/; the rows."""
    submissions, out = pathlib.Path(submissions), pathlib.Path(out)
    root = pathlib.Path(root or ROOT)
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder of submitted notebooks.")
    release_path, tests_path = homework_files(homework, root)
    paths = sorted(submissions.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"{submissions} holds no .ipynb file to grade.")
    options = _options(sandbox_kind, time_limit, memory_gib, max_mib, calibration)
    if sandbox_kind == "uid":
        refusals = uid_mode_refusals(submissions, out, tests_path, root)
        if refusals:
            raise ValueError(
                "--sandbox uid cannot keep the notebooks apart here: " + "; ".join(refusals) + "."
            )
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    (out / "feedback").mkdir(exist_ok=True)
    workers = workers or os.cpu_count() or 1
    with _work_folder() as work:
        grader = Grader(release_path, tests_path, out, work, options)
        _copy_data(work / "data")
        _write_text(out / "sandbox.txt", grader.isolation() + "\n")
        try:
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                rows = list(pool.map(grader.grade_one, paths))
        finally:
            if grader.uids:
                grader.uids.release_all()
    keys = [key for key, *_ in grader.tests.TASKS]
    fields = ["submission", *keys, "total", "max", "status", "problems"]
    _write_csv(out / "grades.csv", rows, fields)
    for path, (row, feedback) in zip(paths, rows):
        lines = [f"{path.name}: {row['total']}/{row['max']} points ({row['status']})", ""]
        lines += feedback or ["Not graded: see the problems below."]
        if row["problems"]:
            lines += ["", "Problems:"] + [f"- {p}" for p in row["problems"]]
        _write_text(out / "feedback" / f"{path.stem}.txt", "\n".join(lines) + "\n")
    return [row for row, _ in rows]


def _options(kind, time_limit, memory_gib, max_mib, calibration):
    if kind == "bwrap" and shutil.which("bwrap") is None:
        raise FileNotFoundError(
            "the grading sandbox needs bubblewrap (`apt-get install bubblewrap`); where it cannot "
            "run, --sandbox uid (as root); for notebooks you trust, --sandbox none."
        )
    if kind == "uid" and os.geteuid() != 0:
        raise ValueError("--sandbox uid runs each notebook as a user of its own, which needs root.")
    if calibration is not None:
        calibration = json.loads(pathlib.Path(calibration).read_text())
    limits = sandbox.Limits(
        time=float(time_limit),
        memory=int(memory_gib * 2**30),
        cpu=4.0 * float(time_limit),
    )
    return {
        "sandbox": kind,
        "limits": limits,
        "calibration": calibration,
        "max_bytes": int(max_mib * 2**20),
        "parse_bytes": 16 * 2**20,
    }


@contextlib.contextmanager
def _work_folder():
    with tempfile.TemporaryDirectory(prefix="grading-") as work:
        work = pathlib.Path(work)
        os.chmod(work, 0o711)  # the sandbox's users may pass through to their own folders only
        yield work


def _copy_data(folder):
    """The data the notebook loads, readable by the sandbox's users."""
    import utils

    folder.mkdir()
    os.chmod(folder, 0o755)
    (folder / "shakespeare.txt").write_text(utils.load_shakespeare(), encoding="utf-8")
    os.chmod(folder / "shakespeare.txt", 0o444)


def probe():
    """The sandbox that works on this machine: 'bwrap' where bubblewrap runs a program as the
    grader runs one, else 'uid' as root, else None."""
    if shutil.which("bwrap"):
        uids = sandbox.Uids() if os.geteuid() == 0 else None
        uid = uids.take() if uids else None
        try:
            limits = sandbox.Limits(time=60)
            env = {"PATH": "/usr/bin:/bin"}
            argv = sandbox.bwrap(
                [sys.executable, "-c", "import keras"],
                env={**env, "HOME": "/grading"},
                read_only={},
                tmpfs=["/grading"],
                chdir="/grading",
                uid=uid,
                limits=limits,
            )
            ran = subprocess.run(argv, env=env, capture_output=True, timeout=120).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ran = False
        finally:
            if uids:
                uids.release_all()
        if ran:
            return "bwrap"
    return "uid" if os.geteuid() == 0 else None


def calibrate(path, homework=None, sandbox_kind="bwrap", time_limit=600, memory_gib=8):
    """Compute the hidden tests' calibration once and write it to `path` (for --calibration)."""
    release_path, tests_path = homework_files(homework)
    options = _options(sandbox_kind, time_limit, memory_gib, 32, None)
    with _work_folder() as work:
        grader = Grader(release_path, tests_path, None, work, options)
        _copy_data(work / "data")
        try:
            value = grader.calibrate()
        finally:
            if grader.uids:
                grader.uids.release_all()
    _write_json(path, value)
    os.chmod(path, 0o600)
    return value


def _cell(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _write_csv(path, rows, fields):
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, fields, extrasaction="ignore")
    writer.writeheader()
    for row, _ in rows:
        writer.writerow(
            {k: _cell(v) for k, v in {**row, "problems": "; ".join(row["problems"])}.items()}
        )
    _write_text(path, table.getvalue())


def gradescope_results(rows, path, tests, isolation=None):
    """Write Gradescope's results.json: one test per task, with its points and verdict line."""
    (row,) = rows  # main() refuses an upload of several notebooks before grading
    problems = "\n".join(f"- {p}" for p in row["problems"])
    tests_json = []
    for key, title, points, _ in tests.TASKS:
        output = row.get("verdicts", {}).get(key)
        if output is None:
            why = "its tests did not run" if row["status"] == "graded" else row["status"]
            output = f"Not graded: {why} (see the problems above)."
        tests_json.append({"name": title, "score": row[key], "max_score": points, "output": output})
    summary = f"{row['submission']}: {row['total']}/{row['max']} points ({row['status']})"
    if isolation:
        summary += f"\nGraded in: {isolation}"
    results_json = {
        "score": row["total"],
        "output": summary + (f"\n\nProblems:\n{problems}" if problems else ""),
        "tests": tests_json,
    }
    _write_json(path, results_json)


def _write_json(path, value):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_text(path, json.dumps(value, indent=1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="?", help="a folder of submitted .ipynb files")
    parser.add_argument("--out", default="grades", help="where grades.csv and feedback/ go")
    parser.add_argument("--homework", help="NAME of homework/solutions/NAME.tests.py")
    parser.add_argument("--workers", type=int, help="submissions at once (default: CPU cores)")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds per stage")
    parser.add_argument("--memory-gib", type=float, default=8, help="memory of a whole submission")
    parser.add_argument("--max-mib", type=float, default=32, help="largest notebook read, in MB")
    parser.add_argument(
        "--sandbox",
        choices=["bwrap", "uid", "none"],
        default="bwrap",
        help="bwrap (default); uid: a user of its own, where bubblewrap cannot run (root only); "
        "none: trusted notebooks only",
    )
    parser.add_argument("--calibration", help="a calibration written by --calibrate, to reuse")
    parser.add_argument("--calibrate", metavar="FILE", help="only calibrate, into FILE")
    parser.add_argument(
        "--probe", action="store_true", help="print the sandbox that works here, and stop"
    )
    parser.add_argument(
        "--gradescope",
        metavar="RESULTS_JSON",
        help="also write Gradescope's results.json for the (one) submission",
    )
    args = parser.parse_args(argv)
    if args.probe:
        kind = probe()
        print(kind or "none: neither bubblewrap nor root is available")
        return 0 if kind else 2
    if args.calibrate:
        try:
            calibrate(args.calibrate, args.homework, args.sandbox, max(args.time_limit, 600))
        except (FileNotFoundError, ValueError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"calibration written to {args.calibrate}")
        return 0
    if not args.submissions:
        parser.error("give a folder of submissions (or --calibrate FILE)")
    handed_in = sorted(pathlib.Path(args.submissions).glob("*.ipynb"))
    if args.gradescope and len(handed_in) > 1:  # one student's upload: one notebook, not several
        names = ", ".join(p.name for p in handed_in)
        message = f"Hand in one notebook, not {len(handed_in)}: {names}."
        _write_json(args.gradescope, {"score": 0, "output": message})
        print(f"error: {message}", file=sys.stderr)
        return 2
    try:
        rows = grade(
            args.submissions,
            args.out,
            args.homework,
            args.workers,
            args.time_limit,
            args.memory_gib,
            args.sandbox,
            calibration=args.calibration,
            max_mib=args.max_mib,
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        if args.gradescope:  # the student sees why, instead of a failed autograder
            _write_json(args.gradescope, {"score": 0, "output": f"Not graded: {error}"})
        return 2
    isolation = (pathlib.Path(args.out) / "sandbox.txt").read_text().strip()
    if args.gradescope:
        tests = load_tests(homework_files(args.homework)[1])
        gradescope_results(rows, args.gradescope, tests, isolation)
    graded = sum(row["status"] == "graded" for row in rows)
    print(f"graded in: {isolation}")
    print(f"{len(rows)} submissions, {graded} graded: {pathlib.Path(args.out) / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
