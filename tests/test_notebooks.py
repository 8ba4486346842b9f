"""The badge and Colab setup cell of every notebook come from one place: utils.config."""

import os
import shutil
import subprocess
import sys
import types
from xml.etree import ElementTree

import nbformat
import pytest

import utils
from tools import ROOT, notebooks
from utils import config

NOTEBOOKS = notebooks.find_notebooks()


def test_the_course_has_notebooks():
    assert any(p.parent.name == "labs" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_stamped_with_the_course_home(path):
    assert not notebooks.stamp(path, write=False), "run `python -m tools.notebooks` to re-stamp"
    nb = nbformat.read(path, as_version=4)
    relpath = path.relative_to(ROOT).as_posix()
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    expected = (
        f"https://colab.research.google.com/github/{config.REPO}/blob/{config.BRANCH}/{relpath}"
    )
    assert f"]({expected})" in nb.cells[0].source


@pytest.fixture
def course_copy(tmp_path):
    """A copy of one notebook inside a throwaway course tree."""
    (tmp_path / "labs").mkdir()
    path = tmp_path / "labs" / "11-9_copy.ipynb"
    shutil.copy(NOTEBOOKS[0], path)
    return path


def _setup_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Colab setup")]


def test_stamp_moves_badge_and_setup_cell_to_a_new_home(course_copy):
    root = course_copy.parent.parent
    assert notebooks.stamp(course_copy, root=root, repo="someone/fork", branch="dev")
    nb = nbformat.read(course_copy, as_version=4)
    url = "https://colab.research.google.com/github/someone/fork/blob/dev/labs/11-9_copy.ipynb"
    assert f"]({url})" in nb.cells[0].source and config.REPO not in nb.cells[0].source
    (setup,) = _setup_cells(nb)
    assert f'"git+https://github.com/someone/fork@{config.RELEASE}"' in setup.source
    # idempotent: a second stamp changes nothing
    assert not notebooks.stamp(course_copy, root=root, repo="someone/fork", branch="dev")


def test_stamp_adds_a_missing_badge_and_setup_cell(tmp_path):
    (tmp_path / "lectures").mkdir()
    path = tmp_path / "lectures" / "11-0_new.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A new lecture\nOne line on what it teaches."),
        nbformat.v4.new_code_cell("import utils"),
    ]
    nbformat.write(nb, path)
    assert notebooks.stamp(path, root=tmp_path)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].source.startswith("# A new lecture\n\n[![Open In Colab]")
    assert nb.cells[1].source == notebooks.setup_cell_source()
    assert nb.cells[2].source == "import utils"


def test_check_mode_reports_without_writing(course_copy, capsys, monkeypatch):
    monkeypatch.setattr(notebooks, "ROOT", course_copy.parent.parent)
    nb = nbformat.read(course_copy, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("/blob/main/", "/blob/old-branch/")
    nbformat.write(nb, course_copy)
    before = course_copy.read_text()
    assert notebooks.main(["--check", str(course_copy)]) == 1
    assert "outdated" in capsys.readouterr().out and course_copy.read_text() == before
    assert notebooks.main([str(course_copy)]) == 0
    assert notebooks.main(["--check", str(course_copy)]) == 0


def _run_setup_cell(monkeypatch, returncode=0, source=None):
    """Run the setup cell with pip faked (`returncode`: pip's exit status)."""
    calls = []

    def fake_run(cmd, *args, check=False, **kwargs):
        calls.append(cmd)
        if check and returncode:
            raise subprocess.CalledProcessError(returncode, cmd)
        return subprocess.CompletedProcess(cmd, returncode)

    monkeypatch.setattr(subprocess, "run", fake_run)
    exec(source or notebooks.setup_cell_source(), {})
    return calls


@pytest.fixture
def fresh_session(monkeypatch):
    """A Colab session in which utils has not been imported yet (it is imported again after)."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    for name in [m for m in sys.modules if m == "utils" or m.startswith("utils.")]:
        monkeypatch.delitem(sys.modules, name)


def test_the_setup_cell_is_eight_lines_of_plain_python():
    source = notebooks.setup_cell_source()
    assert len(source.splitlines()) <= 8
    compile(source, "setup", "exec")  # no IPython magic: it runs as it is anywhere


def test_setup_cell_does_nothing_outside_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert _run_setup_cell(monkeypatch) == []


def test_setup_cell_on_colab_installs_the_release_of_utils_only(monkeypatch, fresh_session):
    (cmd,) = _run_setup_cell(monkeypatch)
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and "--no-deps" in cmd
    assert cmd[-1] == f"git+https://github.com/{config.REPO}@v{utils.__version__}"
    assert config.RELEASE == f"v{utils.__version__}"  # a tag, never a branch
    assert not any("tensorflow" in part or "keras" in part for part in cmd)


def test_setup_cell_offline_on_colab_stops_before_the_notebook_runs(monkeypatch, fresh_session):
    with pytest.raises(subprocess.CalledProcessError):  # pip has printed why, just above
        _run_setup_cell(monkeypatch, returncode=1)


def test_setup_cell_rerun_installs_nothing_and_another_release_asks_for_a_restart(monkeypatch):
    """Re-running the cell in a live kernel installs nothing; a notebook of another release
    asks for a restart, since a reinstall would not reload the imported utils."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert "utils" in sys.modules
    assert _run_setup_cell(monkeypatch) == []
    other = notebooks.setup_cell_source(version="9.9.9")
    with pytest.raises(RuntimeError, match="utils 9.9.9.*Runtime > Restart session"):
        _run_setup_cell(monkeypatch, source=other)


def test_setup_cell_names_a_version_skew(monkeypatch):
    """A notebook of another release than the installed utils says so, on Colab or not."""
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    source = notebooks.setup_cell_source(version="9.9.9")
    with pytest.raises(
        RuntimeError, match=f"written for the course's utils 9.9.9, but {utils.__version__}"
    ):
        _run_setup_cell(monkeypatch, source=source)


def test_find_notebooks_lists_them_in_teaching_order(tmp_path):
    for relpath in [
        "homework/11-3_hw.ipynb",
        "labs/11-2_b.ipynb",
        "labs/11-1_a.ipynb",
        "lectures/11-0_review.ipynb",
        "labs/.ipynb_checkpoints/11-1_a-checkpoint.ipynb",
    ]:
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in notebooks.find_notebooks(tmp_path)]
    assert found == [
        "lectures/11-0_review.ipynb",
        "labs/11-1_a.ipynb",
        "labs/11-2_b.ipynb",
        "homework/11-3_hw.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_readme_lists_every_notebook_with_its_badge(path):
    """Every student-facing notebook, that is; the solutions are the instructor's, never linked."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    relpath = path.relative_to(ROOT).as_posix()
    if "/solutions/" in relpath:
        assert relpath not in readme, f"the student-facing README links the solution {relpath}"
        return
    assert f"]({relpath})" in readme, f"add {relpath} to the README's notebook table"
    assert f"]({notebooks.colab_url(relpath)})" in readme, (
        f"README lacks the Colab badge of {relpath}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebooks_own_setup_cell_on_a_simulated_colab(path, monkeypatch):
    """The cell as committed in the notebook (not the template) installs only the course's utils
    from the configured repository and ref, and installs nothing outside Colab."""
    (setup,) = _setup_cells(nbformat.read(path, as_version=4))
    calls = []

    def fake_run(cmd, *args, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(setup.source, {})
    assert calls == []
    assert f'utils.require("{utils.__version__}")' in setup.source  # the version it expects
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    for name in [m for m in sys.modules if m == "utils" or m.startswith("utils.")]:
        monkeypatch.delitem(sys.modules, name)
    exec(setup.source, {})
    (cmd,) = calls
    assert cmd[-1] == f"git+https://github.com/{config.REPO}@{config.RELEASE}"
    assert "--no-deps" in cmd and not any("tensorflow" in part for part in cmd)


def _checked_notebook(path, stdout, stderr):
    """A notebook with one checked cell that prints "4" and writes to stderr, stored with the
    reference outputs `stdout` and `stderr`."""
    cell = nbformat.v4.new_code_cell(
        'import sys\nprint(2 + 2)\nprint("W0000 a log line that varies", file=sys.stderr)',
        execution_count=1,
        metadata={"tags": [notebooks.CHECKED]},
        outputs=[
            nbformat.v4.new_output("stream", name="stdout", text=stdout),
            nbformat.v4.new_output("stream", name="stderr", text=stderr),
        ],
    )
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def test_checked_cells_are_compared_on_stdout_but_not_on_stderr(tmp_path):
    """The course's conftest.py, loaded as a plugin into a pytest run of two small notebooks:
    extra or different stderr passes, a different stdout fails."""
    _checked_notebook(tmp_path / "other_stderr.ipynb", "4\n", "I0000 another machine's line\n")
    _checked_notebook(tmp_path / "other_stdout.ipynb", "5\n", "W0000 a log line that varies\n")
    report = tmp_path / "report.xml"
    options = ["--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider", "-p", "conftest"]
    subprocess.run(
        [sys.executable, "-m", "pytest", *options, f"--junitxml={report}", "-q", "."],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=300,
    )
    cases = ElementTree.parse(report).getroot().iter("testcase")
    outcome = {c.get("classname") or c.get("name"): c.find("failure") is None for c in cases}
    assert outcome == {"other_stderr.ipynb": True, "other_stdout.ipynb": False}, outcome


# Settings of keras.layers.LSTM / GRU under which TensorFlow cannot use the cuDNN kernel on a GPU
# (it falls back to a loop of small kernels, several times slower): a recipe must not set them
# unconditionally. `unroll` is allowed as a name chosen by device (Lab 11-2b: UNROLL).
CUDNN_BREAKERS = (
    "unroll=True",
    "recurrent_dropout=0.",
    "reset_after=False",
    "use_bias=False",
    "activation='relu'",
    'activation="relu"',
)


@pytest.mark.parametrize(
    "path", notebooks.source_notebooks(), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_recipes_keep_the_cudnn_kernels_on_a_gpu(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            if "LSTM(" in line or "GRU(" in line:
                found = [setting for setting in CUDNN_BREAKERS if setting in line.replace(" ", "")]
                assert not found, f"{path.name}: {line.strip()!r} turns off cuDNN on a GPU"


def test_benchmarks_keep_the_cudnn_kernels_on_a_gpu():
    for path in (ROOT / "benchmarks").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            code = line.split("#")[0].split("`")[0].replace(" ", "")  # not comments or prose
            assert "unroll=True" not in code, f"{path.name} unrolls on a GPU too: {line.strip()}"


def test_the_notebooks_kernels_import_this_checkouts_utils():
    import conftest

    assert conftest.kernel_utils_problem(ROOT / "labs") is None


def test_a_kernel_that_would_import_another_checkouts_utils_stops_the_session(tmp_path):
    """A stale clone's utils (one file changed) on a kernel's path: the session stops before any
    notebook runs, saying where that utils is and how to install this checkout's."""
    import conftest

    shutil.copytree(ROOT / "utils", tmp_path / "utils")
    assert conftest.kernel_utils_problem(tmp_path) is None  # the same files elsewhere: fine
    stale = tmp_path / "utils" / "generate.py"
    stale.write_text(stale.read_text() + "\n# an older version\n")
    problem = conftest.kernel_utils_problem(tmp_path)
    assert f"imports utils from {tmp_path / 'utils'}" in problem
    assert (
        "generate.py is not this checkout's" in problem and "pip install --no-deps -e ." in problem
    )

    _checked_notebook(tmp_path / "any.ipynb", "4\n", "")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-p", "conftest"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout[-2000:]
    assert "generate.py is not this checkout's" in run.stdout + run.stderr
