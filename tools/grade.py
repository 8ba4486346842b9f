"""Grade a folder of submitted homework notebooks: points per task in grades.csv, and feedback.

    python -m tools.grade SUBMISSIONS                  # every SUBMISSIONS/*.ipynb -> grades/
    python -m tools.grade SUBMISSIONS --out DIR --workers 2 --time-limit 300 --memory-gib 8

Each submission is a program written by someone who wants a better grade, so each one:

1. is read and compared with the released student notebook: a submission whose given cells (the
   check cells, the data cells) were edited is not run, and its row says which cells;
2. runs from the top in fast mode (`COURSE_FAST=1`) in its own fresh folder, inside a bubblewrap
   sandbox: no network, nothing of the machine but the Python installation, `utils`, `tools` and
   the data (no hidden tests, no solutions, no other submission, no grade file), as an
   unprivileged user,
   with limits on memory, processes, file size and time (`tools/grade_runner.py execute`);
3. is graded by the hidden tests (`homework/solutions/NAME.tests.py`) in a second, separate
   sandboxed process, after its kernel has ended: they rebuild the student's models and runs
   from the files the run saved, and recompute every figure from them
   (`tools/grade_runner.py hidden`).
   The outputs stored in the submitted file are never read.

A submission that is not a notebook, crashes, runs out of time or memory, or was tampered with gets
a row that says so, and grading goes on. Several submissions run at once (--workers, one per CPU
core by default). The sandbox needs `bwrap` (Debian/Ubuntu: `apt-get install bubblewrap`). Where it
cannot run (a container, as root), `--sandbox uid` keeps the user of its own and the limits (the
hidden tests must then be root's only); `--sandbox none` is for trusted notebooks only.
"""

import argparse
import concurrent.futures
import csv
import io
import json
import os
import pathlib
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from utils.files import write_text as _write_text  # whole or not at all

from . import ROOT
from .grade_runner import load_tests

STUB = "raise NotImplementedError()"
# Code in a student's own cells that tries to change the checks: reported, and harmless, since the
# hidden tests run in another process with the course's own checks.
SUSPICIOUS = {
    r"\bchecks\s*\.\s*check_\w+\s*=|setattr\(\s*(utils\.)?checks\b": "redefines a check",
    r"\bsocket\b|urllib|requests\.|http\.client": "tries the network",
    r"\bos\.fork\b|multiprocessing|subprocess": "starts processes",
    r"\.\./|/hidden|grades\.csv|solutions/": "reads or writes outside its folder",
}


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


def given_cells(release):
    """The code cells a student must leave as they are: every code cell without a stub."""
    return [
        (index, cell.source.strip())
        for index, cell in enumerate(release.cells)
        if cell.cell_type == "code" and STUB not in cell.source
    ]


def tampering(submission, release):
    """Problems with the given cells of `submission`: each must be there, unchanged, in order."""
    sources = [c.source.strip() for c in submission.cells if c.cell_type == "code"]
    problems, position = [], 0
    for index, source in given_cells(release):
        try:
            position = sources.index(source, position) + 1
        except ValueError:
            first = source.splitlines()[0] if source else ""
            problems.append(f"given cell {index} ({first[:50]}) was edited or removed")
    return problems


def suspicious(submission, release):
    """What the student's own code cells seem to try, by pattern (reported, never trusted)."""
    given = {source for _, source in given_cells(release)}
    own = "\n".join(
        c.source
        for c in submission.cells
        if c.cell_type == "code" and c.source.strip() not in given
    )
    return [what for pattern, what in SUSPICIOUS.items() if re.search(pattern, own)]


def _mounts(paths, writable=()):
    """bwrap arguments that show only `paths` (read-only) and `writable` of the machine."""
    args, made = [], {"/", "/tmp", "/proc", "/dev"}
    for path in ("/lib", "/lib64", "/bin", "/sbin"):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for source, target, mode in [(p, t, "--ro-bind") for p, t in paths] + [
        (p, t, "--bind") for p, t in writable
    ]:
        for parent in reversed(pathlib.PurePosixPath(target).parents):
            if str(parent) not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        args += [mode, str(source), str(target)]
        made.add(str(target))
    return args


def sandboxed(command, folder, mounts, limits, slot, sandbox, writable=True):
    """(argv, env) that run `command` in `folder` (seen as /grading) inside the sandbox.

    `mounts` maps paths inside the sandbox to files or folders shown read-only; `command` names
    them by their inside path. Without a sandbox, the inside paths are replaced by the real ones.
    """
    env = {
        "HOME": "/grading",
        "PATH": f"{pathlib.Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "COURSE_FAST": "1",
        "COURSE_DATA_DIR": "/data",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    rlimits = [
        f"--as={limits['memory']}",
        f"--nproc={limits['processes']}",
        f"--fsize={limits['file_size']}",
    ]
    if sandbox in ("none", "uid"):
        inside = {"/grading": str(folder), **{k: str(v) for k, v in mounts.items()}}
        real = [inside.get(arg, arg) for arg in command]
        env = {**os.environ, **{k: inside.get(v, v) for k, v in env.items()}}
        if sandbox == "uid" and writable:  # the student's run: its own user, no network if allowed
            real = [*_setpriv(_own(folder, slot)), *real]
            if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
                real = ["unshare", "-n", *real]
        return ["prlimit", *rlimits, "--", *real], env
    prefixes = sorted({sys.base_prefix, sys.prefix})
    read_only = [(p, p) for p in ("/usr", "/etc", *prefixes)]
    read_only += [(ROOT / "utils", ROOT / "utils"), (ROOT / "tools", ROOT / "tools")]
    read_only += [(source, target) for target, source in mounts.items()]
    if not writable:
        read_only.append((folder, "/grading"))
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    # /tmp first: a bind below it (a repository under /tmp) must not be hidden by the tmpfs
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    args += _mounts(read_only, writable=[(folder, "/grading")] if writable else [])
    args += ["--chdir", "/grading"]
    if os.geteuid() == 0:  # drop to an unprivileged user of its own, so the process limit holds
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        args += _setpriv(_own(folder, slot))
    else:
        args.insert(1, "--unshare-user")
    return ["prlimit", *rlimits, "--", *args, *command], None


def _own(folder, slot):
    """Give `folder` and all in it to worker `slot`'s own user; its uid."""
    uid = 60_000 + slot
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, uid, uid)
    return uid


def _setpriv(uid):
    """The command prefix that runs as user `uid`, with no capabilities and no way back."""
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]


def _run(command, env, folder, limit):
    """Run `command` with a wall-clock `limit`; (exit code or None if out of time, output)."""
    with subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    ) as process:
        try:
            out, _ = process.communicate(timeout=limit)
            return process.returncode, out.decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return None, ""


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
    return problems


def grade_one(path, release, tests_path, tests, work, out, options, slots):
    """The grade row of the submission at `path`."""
    import nbformat

    row = {"submission": path.name, "status": "graded", "problems": []}
    for key, *_ in tests.TASKS:
        row[key] = 0
    row["total"], row["max"] = 0, sum(points for _, _, points, _ in tests.TASKS)
    feedback = []
    try:
        submission = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 - any unreadable file is a row, not a crash
        row["status"] = "not a notebook"
        row["problems"].append(f"cannot be read as a notebook ({type(error).__name__})")
        return row, feedback
    edited = tampering(submission, release)
    row["problems"] += [f"suspicious: {what}" for what in suspicious(submission, release)]
    if edited:
        row["status"] = "tampered"
        row["problems"] += edited
        return row, feedback
    slot = slots.get()
    folder = pathlib.Path(tempfile.mkdtemp(prefix=f"{path.stem[:40]}-", dir=work))
    try:
        shutil.copy(path, folder / "submission.ipynb")
        shutil.copy(ROOT / "tools" / "grade_runner.py", folder / "grade_runner.py")
        runner = [sys.executable, "grade_runner.py"]
        limits = options["limits"]
        data = {"/data": options["data"]}
        command, env = sandboxed(
            [*runner, "execute", ",".join(tests.EXPORT)],
            folder,
            data,
            limits,
            slot,
            options["sandbox"],
        )
        start = time.perf_counter()
        code, log = _run(command, env, folder, options["time_limit"])
        row["seconds"] = round(time.perf_counter() - start, 1)
        executed_path = folder / "executed.ipynb"
        links = [p.name for p in (executed_path, folder / "answers") if p.is_symlink()]
        for name in links:  # the run made a link where the grader reads: read nothing through it
            row["problems"].append(f"suspicious: the run replaced {name} by a link")
            (folder / name).unlink()
        if code is None:
            row["status"] = "timed out"
            row["problems"].append(f"did not finish in {options['time_limit']} s (the time limit)")
        elif not executed_path.exists() or code != 0:
            row["status"] = "crashed"
            last = [line for line in log.splitlines() if line.strip()][-1:] or ["no output"]
            row["problems"].append(f"the notebook's kernel stopped: {last[0][:150]}")
        if executed_path.exists():
            try:
                executed = nbformat.read(executed_path, as_version=4)
                row["problems"] += cell_errors(executed)
                (out / "executed").mkdir(exist_ok=True)
                if executed_path.stat().st_size < 50 * 2**20:
                    shutil.copy(executed_path, out / "executed" / path.name)
            except Exception:  # noqa: BLE001 - the run wrote something that is not a notebook
                row["problems"].append("the executed notebook could not be read")
        if not (folder / "answers" / "index.json").exists():
            row["problems"].append("no answers were saved (the run ended before its last cell)")
            return row, feedback
        for child in folder.iterdir():  # only the saved answers go on to the hidden tests
            if child.name == "answers":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        shutil.copy(ROOT / "tools" / "grade_runner.py", folder / "grade_runner.py")
        hidden = {"/hidden/tests.py": tests_path, "/hidden/student.ipynb": options["release_path"]}
        command, env = sandboxed(
            [*runner, "hidden", "/hidden/tests.py", "/hidden/student.ipynb"],
            folder,
            {**hidden, **data},
            limits,
            slot,
            options["sandbox"],
            writable=False,
        )
        code, log = _run(command, env, folder, options["time_limit"])
        line = next((x for x in log.splitlines() if x.startswith("HIDDEN-RESULTS ")), None)
        if line is None:
            row["problems"].append(f"the hidden tests could not run: {log.strip()[-200:]}")
            return row, feedback
        result = json.loads(line.removeprefix("HIDDEN-RESULTS "))
        row["problems"] += result["problems"]
        row["tasks"] = result["tasks"]
        for task in result["tasks"]:
            row[task["task"]] = task["points"]
            verdict = "PASS" if task["passed"] else "FAIL"
            feedback.append(
                f"{task['title']}: {task['points']}/{task['max']}\n  {verdict}: {task['message']}"
            )
        row["total"] = sum(row[key] for key, *_ in tests.TASKS)
        return row, feedback
    finally:
        slots.put(slot)
        shutil.rmtree(folder, ignore_errors=True)


def grade(
    submissions,
    out,
    homework=None,
    workers=None,
    time_limit=300,
    memory_gib=8,
    sandbox="bwrap",
    root=None,
):
    """Grade every .ipynb in `submissions` into `out`/grades.csv and `out`/feedback/; the rows."""
    import nbformat

    import utils

    submissions, out = pathlib.Path(submissions), pathlib.Path(out)
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder of submitted notebooks.")
    if sandbox == "bwrap" and shutil.which("bwrap") is None:
        raise FileNotFoundError(
            "the grading sandbox needs bubblewrap (`apt-get install bubblewrap`); for notebooks "
            "you trust, pass --sandbox none."
        )
    if sandbox == "uid" and os.geteuid() != 0:
        raise ValueError("--sandbox uid runs each notebook as its own user, which needs root.")
    release_path, tests_path = homework_files(homework, root)
    private = [p for p in pathlib.Path(sys.prefix).parents if not p.stat().st_mode & 0o001]
    if sandbox == "uid" and private:
        raise ValueError(
            f"with --sandbox uid each notebook runs as a user of its own, who cannot use the "
            f"Python in {sys.prefix} ({private[0]} is private): install the course in a "
            "virtual environment other users can read, e.g. /opt/course-venv."
        )
    if sandbox == "uid" and tests_path.stat().st_mode & 0o044:
        raise ValueError(
            f"with --sandbox uid a notebook can read every file other users may read, so the "
            f"hidden tests must be root's only: chmod -R go-rwx {tests_path.parent}"
        )
    tests = load_tests(tests_path)
    release = nbformat.read(release_path, as_version=4)
    paths = sorted(submissions.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"{submissions} holds no .ipynb file to grade.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    workers = workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="grading-") as work:
        work = pathlib.Path(work)
        os.chmod(work, 0o711)
        data = work / "data"
        data.mkdir()
        (data / "shakespeare.txt").write_text(utils.load_shakespeare(), encoding="utf-8")
        options = {
            "sandbox": sandbox,
            "time_limit": time_limit,
            "data": data,
            "release_path": release_path,
            "limits": {"memory": int(memory_gib * 2**30), "processes": 512, "file_size": 2**31},
        }
        slots = queue.Queue()
        for slot in range(workers):
            slots.put(slot)
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            rows = list(
                pool.map(
                    lambda p: grade_one(p, release, tests_path, tests, work, out, options, slots),
                    paths,
                )
            )
    keys = [key for key, *_ in tests.TASKS]
    fields = ["submission", *keys, "total", "max", "status", "problems"]
    _write_csv(out / "grades.csv", rows, fields)
    for row, feedback in rows:
        lines = [f"{row['submission']}: {row['total']}/{row['max']} points ({row['status']})", ""]
        lines += feedback or ["Not graded: see the problems below."]
        if row["problems"]:
            lines += ["", "Problems:"] + [f"- {p}" for p in row["problems"]]
        name = pathlib.Path(row["submission"]).stem + ".txt"
        (out / "feedback" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [row for row, _ in rows]


def _write_csv(path, rows, fields):
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, fields, extrasaction="ignore")
    writer.writeheader()
    for row, _ in rows:
        writer.writerow({**row, "problems": "; ".join(row["problems"])})
    _write_text(path, table.getvalue())


def gradescope_results(rows, path, tests):
    """Write Gradescope's results.json: one test per task, with its points and PASS/FAIL line."""
    (row,) = rows  # main() refuses an upload of several notebooks before grading
    messages = {task["task"]: task for task in row.get("tasks", [])}
    problems = "\n".join(f"- {p}" for p in row["problems"])
    tests_json = []
    for key, title, points, _ in tests.TASKS:
        task = messages.get(key)
        if task is None:
            why = "its tests did not run" if row["status"] == "graded" else row["status"]
            output = f"Not graded: {why} (see the problems above)."
        else:
            output = f"{'PASS' if task['passed'] else 'FAIL'}: {task['message']}"
        tests_json.append({"name": title, "score": row[key], "max_score": points, "output": output})
    summary = f"{row['submission']}: {row['total']}/{row['max']} points ({row['status']})"
    results = {
        "score": row["total"],
        "output": summary + (f"\n\nProblems:\n{problems}" if problems else ""),
        "tests": tests_json,
    }
    _write_json(path, results)


def _write_json(path, value):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_text(path, json.dumps(value, indent=1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", help="a folder of submitted .ipynb files")
    parser.add_argument("--out", default="grades", help="where grades.csv and feedback/ go")
    parser.add_argument("--homework", help="NAME of homework/solutions/NAME.tests.py")
    parser.add_argument("--workers", type=int, help="submissions at once (default: CPU cores)")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds per notebook")
    parser.add_argument("--memory-gib", type=float, default=8, help="memory per process")
    parser.add_argument(
        "--sandbox",
        choices=["bwrap", "uid", "none"],
        default="bwrap",
        help="bwrap (default); uid: only a user of its own and limits, where bwrap cannot run "
        "(e.g. in Gradescope's container, as root); none: trusted notebooks only",
    )
    parser.add_argument(
        "--gradescope",
        metavar="RESULTS_JSON",
        help="also write Gradescope's results.json for the (one) submission",
    )
    args = parser.parse_args(argv)
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
        )
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        if args.gradescope:  # the student sees why, instead of a failed autograder
            _write_json(args.gradescope, {"score": 0, "output": f"Not graded: {error}"})
        return 2
    if args.gradescope:
        gradescope_results(rows, args.gradescope, load_tests(homework_files(args.homework)[1]))
    graded = sum(row["status"] == "graded" for row in rows)
    print(f"{len(rows)} submissions, {graded} graded: {pathlib.Path(args.out) / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
