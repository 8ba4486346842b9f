"""`--sandbox uid` as root, as the Gradescope bundle runs it where bubblewrap cannot: each stage a
fresh user of its own, a clean environment, the loopback only, the hidden tests unreadable, and
every process of the user killed when its submission ends.

The grader runs from an unpacked autograder bundle (no repository history, the hidden tests made
root's only as setup.sh makes them), on three Task-1 submissions graded one after the other: a
daemon that outlives its notebook and tries to spoil the next ones, a reader that looks for the
hidden tests, the grader's environment and other submissions, and a victim. Where this machine's
Python lies under a private home (/root), the grader runs in a mount namespace in which that home
can be passed through, as in a container with the course in /autograder/venv.
"""

import csv
import os
import pathlib
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile

import nbformat
import pytest

from tools import ROOT, gradescope

SOLUTION = ROOT / "homework" / "solutions" / "11-hw_gru_architecture.ipynb"

pytestmark = [
    pytest.mark.skipif(not SOLUTION.exists(), reason="a student release: no hidden tests"),
    pytest.mark.skipif(os.geteuid() != 0, reason="--sandbox uid needs root"),
    pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)"),
]


def private_home():
    """(the private folder above this Python, its child on the way to Python), or None."""
    path = pathlib.Path(sys.base_prefix).resolve()
    for parent in reversed(path.parents):
        if parent != pathlib.Path("/") and not parent.stat().st_mode & stat.S_IXOTH:
            child = path.relative_to(parent).parts[0]
            return parent, parent / child
    return None


def passable(argv):
    """`argv`, run where this Python can be used by other users."""
    home = private_home()
    if home is None:
        return argv
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip(f"Python lies under {home[0]} (private) and no mount namespace is allowed")
    folder, keep = home
    script = (
        'set -e; hold="$(mktemp -d)"; mount --bind "$2" "$hold"; '
        'mount -t tmpfs -o mode=0755 tmpfs "$1"; mkdir -p "$2"; mount --move "$hold" "$2"; '
        'shift 2; exec "$@"'
    )
    return [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        "sh",
        folder,
        keep,
        *argv,
    ]


def task1():
    solution = nbformat.read(SOLUTION, as_version=4)
    code = next(c.source for c in solution.cells if "gru_model = keras.Sequential" in c.source)
    nb = nbformat.read(ROOT / "homework" / SOLUTION.name, as_version=4)
    stub = next(
        c for c in nb.cells if c.cell_type == "code" and "NotImplementedError()" in c.source
    )
    stub.source = code.replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION\n", "")
    return nb


def with_cell(source):
    nb = task1()
    nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


DAEMON = """\
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:  # outlives the notebook: beats, and spoils every notebook it can reach
        while True:
            try:
                with open({heartbeat!r}, 'w') as file:
                    file.write(str(time.time()))
            except OSError:
                pass
            for base, _, names in os.walk('/tmp'):
                for name in names:
                    if name.endswith('.ipynb') or name == 'index.json':
                        try:
                            with open(os.path.join(base, name), 'w') as file:
                                file.write('{{}}')
                        except OSError:
                            pass
            time.sleep(0.1)
    os._exit(0)
time.sleep(1)
if not os.path.exists({heartbeat!r}):
    raise RuntimeError('the daemon did not start')
"""

WATCHER = """\
import os, time
seen = [os.stat({heartbeat!r}).st_mtime if os.path.exists({heartbeat!r}) else None]
time.sleep(1)
seen.append(os.stat({heartbeat!r}).st_mtime if os.path.exists({heartbeat!r}) else None)
if seen[-1] is not None and seen[-1] != seen[0]:
    raise RuntimeError('DAEMON ALIVE: the last submission's daemon still beats')
print('no daemon:', seen)
"""

READER = """\
import os, socket
leaks, refusals = [], []
for path in ({tests!r}, {submission!r}):
    try:
        leaks.append(open(path).read()[:40])
    except OSError as error:
        refusals.append(f'{{type(error).__name__}} {{path}}')
if 'GRADER_SECRET' in os.environ:
    leaks.append(os.environ['GRADER_SECRET'])
try:
    socket.create_connection(('1.1.1.1', 80), timeout=3)
    leaks.append('the network')
except OSError as error:
    refusals.append(f'network: {{error}}')
if leaks:
    raise RuntimeError(f'LEAKED {{leaks}}')
raise PermissionError('; '.join(refusals))
"""


@pytest.fixture(scope="module")
def graded():
    work = pathlib.Path(tempfile.mkdtemp(prefix="uid-mode-", dir="/tmp"))
    os.chmod(work, 0o755)
    try:
        source = work / "source"
        gradescope.bundle(work / "autograder.zip")
        with zipfile.ZipFile(work / "autograder.zip") as archive:
            archive.extractall(source)
        os.chmod(source, 0o755)
        subprocess.run(["chmod", "-R", "o+rX", str(source)], check=True)
        subprocess.run(
            ["chmod", "-R", "go-rwx", str(source / "homework" / "solutions")], check=True
        )
        submissions = work / "submissions"
        submissions.mkdir(mode=0o700)
        heartbeat = f"/tmp/heartbeat-{secrets.token_hex(6)}"
        tests = source / "homework" / "solutions" / "11-hw_gru_architecture.tests.py"
        notebooks = {
            "a-daemon": with_cell(DAEMON.format(heartbeat=heartbeat)),
            "b-reader": with_cell(
                READER.format(tests=str(tests), submission=str(submissions / "c-victim.ipynb"))
            ),
            "c-victim": with_cell(WATCHER.format(heartbeat=heartbeat)),
        }
        for name, nb in notebooks.items():
            nbformat.write(nb, submissions / f"{name}.ipynb")
        out = work / "grades"
        env = {
            **os.environ,
            "COURSE_DATA_DIR": str(source / "data"),
            "PYTHONPATH": str(source),
            "GRADER_SECRET": "the grader's own secret",
        }
        command = [sys.executable, "-m", "tools.grade", str(submissions), "--out", str(out)]
        command += ["--sandbox", "uid", "--workers", "1", "--time-limit", "300"]
        ran = subprocess.run(
            passable(command), cwd=source, env=env, capture_output=True, text=True, timeout=900
        )
        assert ran.returncode == 0, ran.stderr[-3000:]
        time.sleep(1)  # a daemon that had survived would beat again by now
        with open(out / "grades.csv", newline="") as file:
            rows = {row["submission"]: row for row in csv.DictReader(file)}
        yield rows, heartbeat, out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_each_submission_gets_its_row(graded):
    rows, _, _ = graded
    got = {name: (row["total"], row["status"]) for name, row in rows.items()}
    assert got == {
        "a-daemon.ipynb": ("2", "graded"),
        "b-reader.ipynb": ("2", "graded"),
        "c-victim.ipynb": ("2", "graded"),
    }


def test_a_daemon_dies_with_its_submission_and_spoils_nothing(graded):
    rows, heartbeat, _ = graded
    assert "the daemon did not start" not in rows["a-daemon.ipynb"]["problems"]  # it beat
    assert rows["c-victim.ipynb"]["problems"].count("NotImplementedError") == 5  # only the stubs
    assert "DAEMON ALIVE" not in rows["c-victim.ipynb"]["problems"]
    assert not os.path.exists(heartbeat)  # killed, and what it left in /tmp removed


def test_the_reader_finds_no_secret(graded):
    rows, _, out = graded
    found = rows["b-reader.ipynb"]["problems"]
    assert "LEAKED" not in found, found
    assert "PermissionError: PermissionError " in found and "tests.py" in found
    executed = nbformat.read(out / "executed" / "b-reader.ipynb", as_version=4)
    error = next(o for o in executed.cells[-2].outputs if o.output_type == "error")
    assert "PermissionError" in error.evalue and "c-victim.ipynb" in error.evalue
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        assert "Network is unreachable" in error.evalue


def test_uid_mode_refuses_where_a_notebook_could_read_a_secret(tmp_path):
    """Run as a user of its own, a notebook reads whatever other users may read: uid mode stops
    before grading and says what to change."""
    from tools import grade

    submissions = tmp_path / "submissions"
    submissions.mkdir(mode=0o755)
    for name in ("a", "b"):
        (submissions / f"{name}.ipynb").write_text("{}")
    repository = tmp_path / "repository"
    for folder in ("homework/solutions", ".git", "utils", "tools"):
        (repository / folder).mkdir(parents=True, mode=0o755)
        os.chmod(repository / folder, 0o755)
    tests = repository / "homework" / "solutions" / "hw.tests.py"
    refusals = "; ".join(grade.uid_mode_refusals(submissions, tmp_path / "out", tests, repository))
    assert f"chmod -R go-rwx {repository / 'homework' / 'solutions'}" in refusals
    assert f"chmod -R go-rwx {repository / '.git'}" in refusals
    assert f"chmod o-rwx {submissions}" in refusals
    if private_home() is not None:  # this machine's Python, e.g. under /root
        assert "the sandbox's users cannot use the Python in" in refusals
