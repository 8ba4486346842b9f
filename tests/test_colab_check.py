"""The instructor's whole-course run (tests/run_on_colab.ipynb, tools/colab_check.py): its setup on
a simulated Colab, the test command it runs, the table it shows, and its local path end to end."""

import pathlib
import subprocess
import sys
import types

import nbformat
import pytest

from tools import ROOT, colab_check, notebooks

NOTEBOOK = ROOT / "tests" / "run_on_colab.ipynb"


def test_setup_installs_the_test_tools_and_utils_but_never_tensorflow():
    tools, course = colab_check.setup_commands(ROOT, python="python")
    assert tools[:4] == ["python", "-m", "pip", "install"]
    names = " ".join(tools[4:]).lower()
    assert "nbval" in names and "pytest" in names
    for runtimes_own in ("tensorflow", "keras", "numpy", "jupyterlab", "playwright"):
        assert runtimes_own not in names
    assert course[-3:] == ["--no-deps", "-e", str(ROOT)]


def test_the_test_command_per_mode():
    command, env = colab_check.pytest_command("full", "report.xml", python="python")
    assert command[:3] == ["python", "-m", "pytest"] and "--junitxml=report.xml" in command
    assert env["COURSE_FAST"] == "0"
    targets = command[3 : command.index("--junitxml=report.xml")]
    assert targets[:3] == ["lectures", "labs", "homework"]
    assert all((ROOT / target).exists() for target in targets)
    assert "tests/test_slides.py" not in targets  # needs Chromium, which Colab lacks
    assert colab_check.pytest_command("fast", "r.xml")[1]["COURSE_FAST"] == "1"
    with pytest.raises(ValueError, match="mode must be 'fast' or 'full', got 'quick'"):
        colab_check.pytest_command("quick", "r.xml")


def test_ci_runs_the_same_unit_tests_on_its_oldest_stack():
    assert "python -m tools.colab_check --unit-tests" in (ROOT / ".ci" / "run").read_text()
    listed = subprocess.run(
        [sys.executable, "-m", "tools.colab_check", "--unit-tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert listed == list(colab_check.UNIT_TESTS)


def test_the_summary_counts_each_notebooks_cells_and_names_the_first_failure(tmp_path):
    report = tmp_path / "report.xml"
    report.write_text(
        """<?xml version="1.0"?><testsuites><testsuite>
<testcase classname="labs.solutions.11-2_char_rnn.ipynb" name="Cell 0" time="1.5"/>
<testcase classname="labs.solutions.11-2_char_rnn.ipynb" name="Cell 1" time="2.0">
  <failure message="Notebook cell execution failed&#10;details">trace</failure></testcase>
<testcase classname="labs.solutions.11-2_char_rnn.ipynb" name="Cell 2" time="0.5">
  <failure message="second">trace</failure></testcase>
<testcase classname="lectures.11-0c_lstm_gru_gates.ipynb" name="Cell 0" time="3"/>
<testcase classname="tests.test_text" name="test_a" time="0.25"/>
<testcase classname="tests.test_text" name="test_b" time="0.25"><skipped/></testcase>
</testsuite></testsuites>"""
    )
    rows = colab_check.summary(report)
    assert list(rows) == [
        "labs/solutions/11-2_char_rnn.ipynb",
        "lectures/11-0c_lstm_gru_gates.ipynb",
        "unit tests of utils",
    ]
    lab = rows["labs/solutions/11-2_char_rnn.ipynb"]
    assert (lab["passed"], lab["failed"], lab["skipped"], lab["seconds"]) == (1, 2, 0, 4.0)
    assert lab["first failure"] == "Cell 1: Notebook cell execution failed"
    assert rows["unit tests of utils"]["skipped"] == 1
    table = colab_check.markdown(rows)
    assert "| labs/solutions/11-2_char_rnn.ipynb | 1 | 2 | 0 | 4 | Cell 1:" in table
    assert table.splitlines()[-1] == "| **all** | 3 | 2 | 1 | 8 | |"


def _cell(source_start):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and source_start in c.source]
    return cell.source


def test_the_notebook_has_its_badge_and_is_never_run_by_nbval():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert notebooks.colab_url("tests/run_on_colab.ipynb") in nb.cells[0].source
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    import conftest

    assert conftest.pytest_ignore_collect(NOTEBOOK, None) is True  # it would run the suite


def test_the_setup_cell_on_a_simulated_colab_clones_and_keeps_colabs_tensorflow(
    monkeypatch, tmp_path
):
    calls = []
    real_run = subprocess.run

    def fake_run(command, *args, **kwargs):
        if command[0] != "git" and command[1:3] != ["-m", "pip"]:
            return real_run(command, *args, **kwargs)  # e.g. `uname -p` as TensorFlow loads
        calls.append(command)
        if command[:2] == ["git", "clone"]:  # the clone: this repository stands in for it
            pathlib.Path(command[-1]).symlink_to(ROOT)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    namespace = {}
    exec(_cell("MODE = "), namespace)
    namespace["CLONE_TO"] = str(tmp_path / "course")
    exec(_cell("import os"), namespace)
    clone, tools, course = calls
    assert clone[-2:] == ["https://github.com/hongsukyi/rnn-nlp-lectures", str(tmp_path / "course")]
    assert clone[clone.index("--branch") + 1] == "main"
    assert not any("tensorflow" in part for part in tools + course)
    assert "--no-deps" in course
    assert namespace["root"] == tmp_path / "course"


def test_the_notebook_runs_here_end_to_end(monkeypatch):
    """The local path: the notebook from its folder, testing one small notebook and one unit test
    file of this repository, shows the table and passes."""
    monkeypatch.setenv(
        "COURSE_CHECK_TARGETS", "labs/solutions/11-1_text_tokenizer.ipynb tests/test_config.py"
    )
    nb = notebooks.execute(nbformat.read(NOTEBOOK, as_version=4), NOTEBOOK, fast=True, timeout=600)
    shown = "".join(
        str(output.get("data", {}).get("text/markdown", "")) + output.get("text", "")
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )
    assert "| labs/solutions/11-1_text_tokenizer.ipynb |" in shown
    assert "| unit tests of utils |" in shown and "All passed." in shown
