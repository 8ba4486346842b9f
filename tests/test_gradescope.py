"""The Gradescope autograder bundle builds, and its run_autograder grades a handed-in notebook
here, in a folder laid out as Gradescope lays out /autograder.

The handed-in notebook is the student notebook with Task 1 done: it runs in seconds and goes
through every step (sandbox, saved answers, hidden tests, results.json). That the grader gives the
reference solution every point is tested in test_grade.py; set COURSE_GRADESCOPE_FULL=1 to run
the reference solution through the bundle as well (about 100 s)."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from tools import ROOT, gradescope

SOLUTION = ROOT / "homework" / "solutions" / "11-hw_gru_architecture.ipynb"

pytestmark = [
    pytest.mark.skipif(not SOLUTION.exists(), reason="a student release: no hidden tests"),
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="the sandbox needs bwrap"),
]


def test_the_bundle_holds_what_grading_needs_and_no_solution(tmp_path):
    names = gradescope.bundle(tmp_path / "autograder.zip")
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert sorted(archive.namelist()) == names
        assert archive.getinfo("run_autograder").external_attr >> 16 == 0o755
    for name in (
        "setup.sh",
        "run_autograder",
        "requirements.txt",
        "data/shakespeare.txt",
        "utils/checks/homework.py",
        "tools/grade.py",
        "tools/grade_runner.py",
        "tools/sandbox.py",
        "homework/11-hw_gru_architecture.ipynb",
        "homework/solutions/11-hw_gru_architecture.tests.py",
    ):
        assert name in names
    assert "homework/solutions/11-hw_gru_architecture.ipynb" not in names
    again = gradescope.bundle(tmp_path / "again.zip")
    assert again == names
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "autograder.zip").read_bytes()


def autograde(tmp_path, notebooks):
    root = tmp_path / "autograder"
    gradescope.bundle(tmp_path / "autograder.zip")
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    for name, nb in notebooks.items():
        nbformat.write(nb, root / "submission" / name)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, timeout=900, check=False
    )
    return json.loads((root / "results" / "results.json").read_text())


def test_task_1_done_gets_its_points_and_the_checks_reasons(tmp_path):
    student = nbformat.read(ROOT / "homework" / SOLUTION.name, as_version=4)
    solution = nbformat.read(SOLUTION, as_version=4)
    task1 = next(c.source for c in solution.cells if "gru_model = keras.Sequential" in c.source)
    stub = next(
        c for c in student.cells if c.cell_type == "code" and "NotImplementedError()" in c.source
    )
    stub.source = task1.replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION\n", "")
    results = autograde(tmp_path, {"hw.ipynb": student})
    assert results["score"] == 2, results
    assert [(t["score"], t["max_score"]) for t in results["tests"]] == [
        (2, 2),
        (0, 3),
        (0, 3),
        (0, 2),
    ]
    outputs = [t["output"] for t in results["tests"]]
    assert outputs[0].startswith("PASS: the slides' GRU model")
    assert outputs[1].startswith("FAIL: not done yet: results is still None")
    assert "NotImplementedError" in results["output"]


@pytest.mark.skipif(
    os.environ.get("COURSE_GRADESCOPE_FULL") != "1", reason="set COURSE_GRADESCOPE_FULL=1"
)
def test_the_reference_solution_gets_every_point(tmp_path):
    solution = nbformat.read(SOLUTION, as_version=4)
    results = autograde(tmp_path, {"hw.ipynb": solution})
    assert results["score"] == 10, results
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("Task 1: the slides' GRU model", 2, 2),
        ("Task 2: LSTM vs GRU under identical settings", 3, 3),
        ("Task 3: a better model, judged on held-out text", 3, 3),
        ("Task 4: the generated text", 2, 2),
    ]
    assert all(t["output"].startswith("PASS: ") for t in results["tests"])


def test_two_notebooks_get_a_clear_zero(tmp_path):
    blank = nbformat.v4.new_notebook()
    results = autograde(tmp_path, {"a.ipynb": blank, "b.ipynb": blank})
    assert results == {"score": 0, "output": "Hand in one notebook, not 2: a.ipynb, b.ipynb."}
