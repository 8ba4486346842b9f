"""The grade command: a folder of submissions -> grades.csv and feedback, each run sandboxed.

Synthetic submissions, made from the solution and the student notebook: a correct one, a partly
correct one, a hollow one (numbers typed, Histories faked), a crashing one, a tampered one, one that
is not a notebook, a hostile one, and (in a second, short run) one that runs out of time.
"""

import csv
import shutil

import nbformat
import pytest

from tools import ROOT, grade, homework

SOLUTION = ROOT / "homework" / "solutions" / "11-hw_gru_architecture.ipynb"
STUDENT = ROOT / "homework" / "11-hw_gru_architecture.ipynb"
TESTS = ROOT / "homework" / "solutions" / "11-hw_gru_architecture.tests.py"

pytestmark = [
    pytest.mark.skipif(
        not TESTS.exists(), reason="a student release: no hidden tests to grade with"
    ),
    pytest.mark.skipif(
        shutil.which("bwrap") is None, reason="the sandbox needs bwrap (bubblewrap)"
    ),
]


def stubs(nb):
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and grade.STUB in c.source]


def student(*fills):
    """The student notebook with its stubs replaced by `fills` (code), in order; fills beyond the
    stubs become new cells at the end, as a student may add them."""
    nb = nbformat.read(STUDENT, as_version=4)
    places = stubs(nb)
    for index, source in zip(places, fills):
        nb.cells[index].source = source
    nb.cells += [nbformat.v4.new_code_cell(source) for source in fills[len(places) :]]
    return nb


def solution_code(task_cell):
    """The solution's code of the stub cell number `task_cell` (0 = Task 1's)."""
    solution = nbformat.read(SOLUTION, as_version=4)
    regions = [
        c.source.replace(homework.BEGIN + "\n", "").replace("\n" + homework.END, "")
        for c in solution.cells
        if c.cell_type == "code" and homework.BEGIN in c.source
    ]
    return regions[task_cell]


def hollow():
    """Task 1 done; the other answers typed or made up, never trained."""
    return [
        solution_code(0),
        # Task 2: the slides' numbers typed, and "Histories" made up
        "results = {'LSTM': {'epochs': 100, 'time_s': 230.8, 'loss': 0.2, 'accuracy': 0.917},\n"
        "           'GRU': {'epochs': 100, 'time_s': 190.6, 'loss': 0.2, 'accuracy': 0.920}}\n"
        "histories = {name: {'loss': [0.2], 'accuracy': [0.9]} for name in results}",
        "pass",
        # Task 3: the same made-up History twice
        "baseline_history = improved_history = {'loss': [1.0], 'val_loss': [0.5], "
        "'val_accuracy': [0.9]}",
        "pass",
        # Task 4: typed texts
        "samples = {'baseline': SEED_TEXT + ' the king', 'improved': SEED_TEXT + ' the queen'}",
    ]


HOSTILE = [
    # read the hidden tests and the solution, overwrite the grades, redefine the checks
    f"print(open({str(TESTS)!r}).read())",
    f"open({str(SOLUTION)!r}).read()",
    "import pathlib\npathlib.Path('../grades.csv').write_text('hostile.ipynb,2,3,3,2,10')",
    "checks.check_gru_model = lambda model: print('PASS: trust me')\n"
    "gru_model = 'a model'\nchecks.check_gru_model(gru_model)",
    "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=5)",
    "memory = bytearray(256 * 2**30)",
    # a link where the grader will read the saved answers
    "import os\nos.symlink('/etc/hostname', 'answers')",
    "import os, time\nchildren = []\nwhile True:\n    pid = os.fork()\n    if pid == 0:\n"
    "        time.sleep(2)\n        os._exit(0)\n    children.append(pid)",
]


def tampered():
    nb = nbformat.read(SOLUTION, as_version=4)
    check = next(c for c in nb.cells if c.source.startswith("checks.check_comparison"))
    check.source = "print('PASS: the comparison is fair')"
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    solution = nbformat.read(SOLUTION, as_version=4)
    for cell in solution.cells:
        cell.pop("outputs", None) if cell.cell_type != "code" else cell.update(outputs=[])
    notebooks = {
        "correct": solution,
        "partial": student(solution_code(0)),
        "hollow": student(*hollow()),
        "crashing": student("import os\nos._exit(3)"),
        "tampered": tampered(),
        "hostile": student(*HOSTILE),
    }
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / "junk.ipynb").write_text("this is not a notebook\n")
    out = tmp_path_factory.mktemp("grades")
    grade.grade(folder, out, workers=2, time_limit=400, memory_gib=6)
    with open(out / "grades.csv", newline="") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return rows, out


EXPECTED = {  # submission: task1, task2, task3, task4, total, max, status
    "correct.ipynb": ("2", "3", "3", "2", "10", "10", "graded"),
    "crashing.ipynb": ("0", "0", "0", "0", "0", "10", "crashed"),
    "hollow.ipynb": ("2", "0", "0", "0", "2", "10", "graded"),
    "hostile.ipynb": ("0", "0", "0", "0", "0", "10", "graded"),
    "junk.ipynb": ("0", "0", "0", "0", "0", "10", "not a notebook"),
    "partial.ipynb": ("2", "0", "0", "0", "2", "10", "graded"),
    "tampered.ipynb": ("0", "0", "0", "0", "0", "10", "tampered"),
}
COLUMNS = ("task1", "task2", "task3", "task4", "total", "max", "status")


def test_each_submission_gets_its_expected_row(graded):
    rows, _ = graded
    got = {name: tuple(row[c] for c in COLUMNS) for name, row in rows.items()}
    assert got == EXPECTED
    assert rows["correct.ipynb"]["problems"] == ""


def test_each_row_names_its_problems(graded):
    rows, _ = graded
    problems = {name: row["problems"] for name, row in rows.items()}
    assert "cannot be read as a notebook" in problems["junk.ipynb"]
    assert "the notebook's kernel stopped" in problems["crashing.ipynb"]
    assert (
        "given cell" in problems["tampered.ipynb"]
        and "checks.check_comparison" in problems["tampered.ipynb"]
    )
    assert "NotImplementedError" in problems["partial.ipynb"]


def test_hollow_answers_get_the_checks_reasons(graded):
    _, out = graded
    feedback = (out / "feedback" / "hollow.txt").read_text()
    assert "hollow.ipynb: 2/10 points (graded)" in feedback
    assert "histories['LSTM'] is a dict, not the History that model.fit returns" in feedback
    assert "improved_history is a dict, not the History" in feedback
    assert "the baseline History is a dict, not the History" in feedback


def test_a_hostile_submission_harms_nothing_and_is_flagged(graded):
    rows, out = graded
    problems = rows["hostile.ipynb"]["problems"]
    for attempt in (
        "FileNotFoundError",  # the hidden tests and the solution are not in its sandbox
        "OSError",  # no network
        "MemoryError",
        "BlockingIOError",  # the process limit
        "suspicious: redefines a check",
        "suspicious: tries the network",
        "suspicious: starts processes",
        "PermissionError: [Errno 13] Permission denied: '../grades.csv'",
        "suspicious: the run replaced answers by a link",
    ):
        assert attempt in problems, (attempt, problems)
    assert rows["hostile.ipynb"]["total"] == "0"
    assert "hostile.ipynb,2,3,3,2,10" not in (out / "grades.csv").read_text()
    assert TESTS.exists() and SOLUTION.exists()


def test_a_submission_out_of_time_is_stopped_and_the_rest_graded(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(student("import time\ntime.sleep(10_000)"), folder / "slow.ipynb")
    (folder / "z-junk.ipynb").write_text("{")  # graded after the slow one, by the same worker
    rows = grade.grade(folder, tmp_path / "grades", workers=1, time_limit=15)
    assert [(row["submission"], row["status"]) for row in rows] == [
        ("slow.ipynb", "timed out"),
        ("z-junk.ipynb", "not a notebook"),
    ]
    assert "did not finish in 15 s" in "; ".join(rows[0]["problems"])


def test_bad_arguments_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder of submitted notebooks"):
        grade.grade(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="holds no .ipynb file"):
        grade.grade(tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="cannot tell which homework"):
        grade.grade(tmp_path, tmp_path / "out", homework="no-such-homework")
