"""Test settings shared by the unit tests and the notebook runs (nbval).

It lives at the repository root so that it is loaded for any path pytest is given. Fast mode
is switched on here, before any notebook kernel starts, so kernels inherit it. Run the
notebooks in full mode with `COURSE_FAST=0 python -m pytest labs lectures`.
"""

import hashlib
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import nbformat
import pytest
from nbval.plugin import IPyNbCell, coalesce_streams

os.environ.setdefault("COURSE_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter quiet

# Each notebook that nbval runs without a failure is saved, outputs and all, in build/executed/, so
# that the deck tests (tests/test_slides.py, run last) build the decks from these runs instead of
# running every notebook a second time. The kernels get the decks' plot style and SVG figures, as
# `python -m tools.slides` gives its own runs; each saved run names the notebook's sha256, the mode
# and the style, and tools.slides.executed_copy uses it only if all three still hold.
ROOT = pathlib.Path(__file__).resolve().parent
EXECUTED = ROOT / "build" / "executed"
DECK_STYLE = ROOT / "slides" / "deck.mplstyle"
# The test command's own process makes the profile; its pytest-xdist workers (its children)
# inherit it. A pytest that a test starts inside has IPYTHONDIR set, and saves nothing.
_OWNER = os.environ.get("COURSE_TEST_OWNER")
# a pytest-xdist worker of the test command (a pytest started by a test is not one)
_WORKER = "PYTEST_XDIST_WORKER" in os.environ and str(os.getppid()) == _OWNER
_TOP = _OWNER is None or _WORKER  # not a pytest that a test started
if not _WORKER:
    os.environ["COURSE_TEST_OWNER"] = str(os.getpid())
_OURS = os.environ.get("IPYTHONDIR") == os.environ.get("COURSE_DECK_IPYTHONDIR", "")
_SAVE_RUNS = DECK_STYLE.is_file() and ("IPYTHONDIR" not in os.environ or (_WORKER and _OURS))
if _SAVE_RUNS and not _WORKER:
    _profile = pathlib.Path(tempfile.mkdtemp(prefix="course-ipython-")) / "profile_default"
    _profile.mkdir(parents=True)
    _lines = ["import matplotlib.pyplot", f"matplotlib.pyplot.style.use({str(DECK_STYLE)!r})"]
    (_profile / "ipython_kernel_config.py").write_text(
        f"c.InlineBackend.figure_formats = {{'svg'}}\nc.IPKernelApp.exec_lines = {_lines!r}\n"
    )
    os.environ["IPYTHONDIR"] = os.environ["COURSE_DECK_IPYTHONDIR"] = str(_profile.parent)
_passed = {}  # notebook -> how many of its cells ran and passed

# Grading a class (tests/test_grade.py) judges the times each Task 2 submission's FitClock
# measured, which holds on a machine as loaded as the grader's own workers make it, no more (see
# TIME_SLACK and SHARE_SLACK in the hidden tests; beside a third program, pytest-xdist's other
# worker running notebooks, a halved clock once passed). So that module's tests run alone: each
# waits for the current test of every other test run on this machine (the other worker; CI's
# run on the oldest stack), which then wait until it is done. A pytest that a test starts inside
# takes no part.
ALONE = ("test_grade.py",)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if not _TOP or os.name != "posix":
        return (yield)
    import fcntl

    from utils.files import running

    lock_path = pathlib.Path(tempfile.gettempdir(), f"course-tests-{os.getuid()}", "alone.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    alone = item.path.name in ALONE
    wanted = lock_path.with_name(f"alone.wanted-{os.getpid()}")
    if alone:
        wanted.touch()  # from now on, no other test starts
    else:
        while True:  # a test that waits to run alone goes first (a dead process's wish is void)
            others = [p for p in lock_path.parent.glob("alone.wanted-*") if p != wanted]
            live = [p for p in others if running(int(p.name.rsplit("-", 1)[1])) is not False]
            if not live:
                break
            time.sleep(0.5)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        try:
            return (yield)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if alone:
                wanted.unlink(missing_ok=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if isinstance(item, IPyNbCell) and report.when == "call" and report.passed:
        if item.test_outputs is not None:
            item.cell.outputs = coalesce_streams(item.test_outputs)
            _passed[item.parent] = _passed.get(item.parent, 0) + 1
    return report


def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell: save its run if every code cell ran and passed."""
    if not _SAVE_RUNS or not isinstance(item, IPyNbCell):
        return
    if nextitem is not None and nextitem.parent is item.parent:
        return
    notebook = item.parent
    code_cells = sum(cell.cell_type == "code" for cell in notebook.nb.cells)
    if _passed.get(notebook) != code_cells:
        return
    from utils.files import write_text

    path = pathlib.Path(str(notebook.fspath))
    notebook.nb.metadata["executed"] = {
        "source_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "fast": os.environ.get("COURSE_FAST") == "1",
        "style": str(DECK_STYLE),
    }
    write_text(EXECUTED / f"{path.stem}.ipynb", nbformat.writes(notebook.nb))


def kernel_utils_problem(folder):
    """Why a kernel started in `folder` would not run this checkout's `utils`, or None.

    A notebook's kernel imports `utils` from wherever the installed package points, not from the
    tests' checkout: `pip install -e .` points it at one checkout, and a fresh clone's `pip install
    -r requirements.txt` re-points it at the clone. The notebooks would then test the clone's code,
    or fail to import `utils` once the clone is gone. Same files, wherever they are, is fine (a
    plain install of this checkout, or PYTHONPATH)."""
    probe = "import importlib.util as u; s = u.find_spec('utils'); print(s.origin if s else '')"
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True
    ).stdout.strip()
    fix = (
        "Install this checkout's utils for its kernels: python -m pip install --no-deps -e . "
        f"(in {ROOT})."
    )
    if not found:
        return f"a notebook's kernel cannot import utils. {fix}"
    found = pathlib.Path(found).parent
    for ours in sorted((ROOT / "utils").glob("*.py")):
        theirs = found / ours.name
        if not theirs.is_file() or theirs.read_bytes() != ours.read_bytes():
            return (
                f"a notebook's kernel imports utils from {found}, whose {ours.name} is not this "
                f"checkout's ({ROOT / 'utils'}): the notebooks would test that code. {fix}"
            )
    return None


def pytest_itemcollected(item):
    """Each item's pytest-xdist group (see below), marked as it is collected: before any
    `pytest_collection_modifyitems`, whichever order the hooks run in, xdist's included."""
    in_notebooks = isinstance(item, IPyNbCell) or item.path.name == "test_slides.py"
    item.add_marker(
        pytest.mark.xdist_group("notebooks-and-decks" if in_notebooks else item.path.name)
    )


def pytest_collection_modifyitems(items):
    """The deck tests go last, after the notebooks whose runs they use (see above).

    The test command runs on two workers (pytest-xdist, `-n 2 --dist loadgroup` in pyproject.toml):
    each test module is one group, run whole by one worker, so its module-wide fixtures (a class
    of graded submissions, trained models) are made once; the notebooks and the deck tests are one
    group, so the decks come after the runs they are built from, on the same worker.

    Checked cells are compared on what they print and return, not on stderr: TensorFlow writes
    log lines there that vary by machine. nbval skips the output keys named in each notebook's
    `skip_compare`, and a stream's key is its name, so "stderr" is added there.

    Before any notebook runs, its kernel must import this checkout's `utils` (see
    `kernel_utils_problem`); if not, the session stops with the reason and the fix."""
    notebooks = {item.parent for item in items if isinstance(item, IPyNbCell)}
    if notebooks:
        problem = kernel_utils_problem(pathlib.Path(str(next(iter(notebooks)).fspath)).parent)
        if problem:
            pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)
    for notebook in notebooks:
        if "stderr" not in notebook.skip_compare:
            notebook.skip_compare = (*notebook.skip_compare, "stderr")
    decks = [item for item in items if item.path.name == "test_slides.py"]
    items[:] = [item for item in items if item.path.name != "test_slides.py"] + decks
    # The two longest groups start first, one on each worker (the rest fill in behind them):
    # grading a class of submissions (tests/test_grade.py, about 6 minutes) and the notebooks.
    items.sort(key=lambda i: (i.path.name != "test_grade.py", not isinstance(i, IPyNbCell)))


# COURSE_STUDENT_NOTEBOOKS=1 makes nbval run the student versions of the lectures and labs (stubs
# and all: each exercise's check prints FAIL and the notebook goes on) instead of their solutions.
# CI's second stack runs them this way, so both versions run in every CI run.
STUDENT_NOTEBOOKS = os.environ.get("COURSE_STUDENT_NOTEBOOKS") == "1"


def pytest_ignore_collect(collection_path, config):
    """nbval runs each notebook's single source: the solution of a notebook generated from one
    (see tools.homework), else the notebook. Student homework notebooks stop at their stubs by
    design: tests/test_homework.py checks them (generated from the solution, every stub raises)."""
    if collection_path.suffix != ".ipynb":
        return None
    folder = collection_path.parent
    if folder.name == "tests":
        return True  # tests/run_on_colab.ipynb runs the test suite itself: never run it from it
    if folder.name == "solutions":
        return STUDENT_NOTEBOOKS and folder.parent.name != "homework" or None
    if folder.name == "homework":
        return True
    if (folder / "solutions" / collection_path.name).exists() and not STUDENT_NOTEBOOKS:
        return True
    return None
