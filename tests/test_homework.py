"""Student notebooks are generated from their solutions, and every stub raises."""

import nbformat
import pytest

from tools import ROOT, homework
from tools.notebooks import colab_url


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Homework")] + list(cells)
    return nb


def code(source, **kwargs):
    cell = nbformat.v4.new_code_cell(source, **kwargs)
    cell.outputs = [nbformat.v4.new_output("stream", text="solution output\n")]
    cell.execution_count = 3
    return cell


def test_solution_regions_become_stubs_at_their_indentation():
    solution = notebook(
        code("data = load()\n### BEGIN SOLUTION\nmodel = build(data)\n### END SOLUTION\nshow()"),
        code(
            "def train(model):\n    x = 1\n    ### BEGIN SOLUTION\n    return model.fit(x)\n"
            "    ### END SOLUTION"
        ),
        code("print('kept')"),
    )
    student = homework.student_version(solution, "homework/hw.ipynb")
    sources = [c.source for c in student.cells if c.cell_type == "code"]
    assert sources[1] == ("data = load()\n# YOUR CODE HERE\nraise NotImplementedError()\nshow()")
    assert sources[2] == (
        "def train(model):\n    x = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    )
    assert sources[3] == "print('kept')"
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells[1:])
    assert solution.cells[1].outputs  # the solution itself is left as it was


def test_markdown_answers_become_your_answer_here():
    answer = nbformat.v4.new_markdown_cell("The GRU is faster because...")
    answer.metadata["nbgrader"] = {"solution": True}
    partial = nbformat.v4.new_markdown_cell(
        "**Answer:**\n### BEGIN SOLUTION\nDropout helps.\n### END SOLUTION"
    )
    student = homework.student_version(notebook(code("x = 1"), answer, partial), "homework/h.ipynb")
    assert student.cells[-2].source == "YOUR ANSWER HERE"
    assert student.cells[-1].source == "**Answer:**\nYOUR ANSWER HERE"


def test_speaker_notes_stay_in_the_solution():
    notes = nbformat.v4.new_markdown_cell("**Speaker notes.** Hand it out in the last minutes.")
    notes.metadata["slideshow"] = {"slide_type": "notes"}
    solution = notebook(notes, code("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    student = homework.student_version(solution, "homework/hw.ipynb")
    assert not any("Speaker notes" in c.source for c in student.cells)
    assert "Speaker notes" in solution.cells[1].source


def test_a_labs_speaker_notes_and_answers_leave_its_student_copy_its_own_text_stays():
    def notes(text):
        cell = nbformat.v4.new_markdown_cell(text)
        cell.metadata["slideshow"] = {"slide_type": "notes"}
        return cell

    solution = notebook(
        notes("**Speaker notes.** The usual slip: forgetting tanh'."),
        notes("<details><summary><b>Answers</b></summary>\n\n1. Forty.\n</details>"),
        notes("The backward pass, written out: the slide shows its picture only."),
        code("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
    )
    student = homework.student_version(solution, "labs/lab.ipynb")
    sources = [c.source for c in student.cells]
    assert not any("usual slip" in s or "Forty" in s for s in sources)
    assert "The backward pass, written out: the slide shows its picture only." in sources


def test_the_badge_points_at_the_student_notebook():
    solution = notebook(code("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    student = homework.student_version(solution, "homework/hw_gru.ipynb")
    assert f"({colab_url('homework/hw_gru.ipynb')})" in student.cells[0].source
    assert student.cells[1].source.startswith("# Colab setup")


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "is never closed"),
        ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
        ("x = 1", "no solution region"),
    ],
)
def test_malformed_solutions_are_clear_errors(source, message):
    with pytest.raises(ValueError, match=message):
        homework.student_version(notebook(code(source)), "homework/hw.ipynb")


def test_generate_writes_once_and_then_reports_no_change(tmp_path):
    (tmp_path / "homework" / "solutions").mkdir(parents=True)
    solution = tmp_path / "homework" / "solutions" / "hw.ipynb"
    nbformat.write(notebook(code("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")), solution)
    assert homework.generate(solution, root=tmp_path, write=False)
    assert not (tmp_path / "homework" / "hw.ipynb").exists()
    assert homework.generate(solution, root=tmp_path)
    assert not homework.generate(solution, root=tmp_path)
    student = nbformat.read(tmp_path / "homework" / "hw.ipynb", as_version=4)
    assert "raise NotImplementedError()" in student.cells[-1].source


SOLUTIONS = homework.solution_notebooks()
HOMEWORK = homework.homework_solutions()


def test_there_is_a_homework():
    if not (ROOT / "homework" / "solutions").exists():
        pytest.skip("a student release (python -m tools.release): the solutions are left out")
    assert [p.name for p in HOMEWORK], "homework/solutions/ holds no notebook"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_committed_student_notebook_is_the_generated_one(solution):
    student = solution.parent.parent / solution.name
    assert student.exists(), f"{student} is missing: run `python -m tools.homework`"
    assert not homework.generate(solution, write=False), (
        f"{student.name} differs from its solution's student version: run "
        "`python -m tools.homework` (never edit the student notebook by hand)."
    )


@pytest.mark.parametrize("solution", HOMEWORK, ids=lambda p: p.name)
def test_every_stub_of_the_student_notebook_raises(solution):
    from nbclient import NotebookClient

    student = nbformat.read(ROOT / "homework" / solution.name, as_version=4)
    stubs = [
        i
        for i, c in enumerate(student.cells)
        if c.cell_type == "code" and "raise NotImplementedError()" in c.source
    ]
    assert stubs
    assert "BEGIN SOLUTION" not in nbformat.writes(student)
    NotebookClient(
        student,
        timeout=600,
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "homework")}},
    ).execute()
    for index, cell in enumerate(student.cells):
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if index in stubs:
            assert [e.ename for e in errors] == ["NotImplementedError"], (index, cell.source)
        elif index < stubs[0]:
            assert not errors, f"cell {index} fails before the first task: {errors}"
        if cell.source.startswith("checks.check_"):  # run before its task is done
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert not errors and text.startswith("FAIL: not done yet: "), (index, text, errors)
    assert sum(c.source.startswith("checks.check_") for c in student.cells) == 4


EXERCISES = [p for p in SOLUTIONS if p not in HOMEWORK]


def test_every_lecture_and_lab_has_exercises():
    if not (ROOT / "lectures" / "solutions").exists():
        pytest.skip("a student release (python -m tools.release): the solutions are left out")
    folders = {p.parent.parent.name for p in EXERCISES}
    assert folders == {"lectures", "labs"}
    students = [p for f in ("lectures", "labs") for p in sorted((ROOT / f).glob("*.ipynb"))]
    assert sorted(p.name for p in students) == sorted(p.name for p in EXERCISES)


@pytest.mark.parametrize("solution", EXERCISES, ids=lambda p: p.name)
def test_each_exercise_is_a_stub_the_notebook_runs_past_and_a_check(solution):
    """At least two exercises, each a function whose body is the stub, each followed by its check;
    the student's checks are not compared by CI (they print FAIL until the student is done), the
    solution's are (each stored PASS line must come out again)."""
    solution_nb = nbformat.read(solution, as_version=4)
    student_nb = nbformat.read(solution.parent.parent / solution.name, as_version=4)
    for nb, expected in [(solution_nb, True), (student_nb, False)]:
        checks_ = [c for c in nb.cells if c.cell_type == "code" and homework._is_check(c)]
        assert len(checks_) >= 2, f"{solution.name}: fewer than two exercises"
        for cell in checks_:
            tagged = "nbval-check-output" in cell.metadata.get("tags", [])
            assert tagged == expected, cell.source
            if expected:
                assert [o.get("text", "")[:6] for o in cell.outputs] == ["PASS: "], cell.source
    stubs = [c for c in student_nb.cells if "raise NotImplementedError()" in c.source]
    assert len(stubs) >= 2
    for cell in stubs:
        assert cell.source.startswith(("def ", "class ")) or "\ndef " in cell.source, cell.source
        for line in cell.source.splitlines():
            if "NotImplementedError" in line:
                assert line.startswith("    "), f"a stub outside a function body: {line!r}"


def test_a_lecture_answer_outside_a_function_is_refused():
    nb = notebook(code(f"{homework.BEGIN}\nx = 1\n{homework.END}"))
    with pytest.raises(ValueError, match="must be the body of a function"):
        homework.student_version(nb, "lectures/lecture.ipynb")
    student = homework.student_version(nb, "homework/hw.ipynb")  # the homework may do it
    assert "raise NotImplementedError()" in student.cells[-1].source
