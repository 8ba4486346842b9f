"""The student release: the repository without solutions or hidden tests, and it still works."""

import subprocess
import sys

import nbformat
import pytest

from tools import ROOT, homework, release

pytestmark = pytest.mark.skipif(
    not homework.solution_notebooks(), reason="a student release cannot make another release"
)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    folder = tmp_path_factory.mktemp("release") / "course"
    left_out = release.release(folder)
    return folder, left_out


def test_the_release_leaves_out_every_solution_and_hidden_test(released):
    folder, left_out = released
    assert not list(folder.rglob("solutions"))
    assert any(name.endswith(".tests.py") for name in left_out)
    assert {p.name for p in homework.solution_notebooks()} <= {n.split("/")[-1] for n in left_out}
    for solution in homework.solution_notebooks():
        student = solution.parent.parent.relative_to(ROOT) / solution.name
        assert (folder / student).exists()  # the student notebook
    assert release.leaks(folder) == []
    assert not list(folder.rglob("*.tests.py"))


def test_the_answers_are_not_in_the_release(released):
    folder, _ = released
    text = "\n".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in folder.rglob("*") if p.is_file()
    )
    notebooks = "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.ipynb"))
    for solution in homework.solution_notebooks():
        student = nbformat.read(solution.parent.parent / solution.name, as_version=4)
        secrets = release.answer_lines(nbformat.read(solution, as_version=4), student)
        # the check has something to look for: the homework's answers, each exercise's answer
        assert len(secrets) > (20 if "homework" in solution.parts else 0), solution.name
        # the homework's answers are nowhere; an exercise's are in no notebook (its check in
        # utils computes the answer, and the lecture teaches the utils code it rewrites)
        where = text if "homework" in solution.parts else notebooks
        assert not [line for line in secrets if line in where]


def test_a_leaked_answer_is_found(released, tmp_path):
    folder, _ = released
    solution = homework.homework_solutions()[0]
    student = nbformat.read(solution.parent.parent / solution.name, as_version=4)
    line = sorted(release.answer_lines(nbformat.read(solution, as_version=4), student))[0]
    notes = folder / "labs" / "notes.md"
    notes.write_text(f"Hint:\n{line}\n")
    try:
        assert release.leaks(folder) == [
            f"labs/notes.md: holds a line of a solution: {line[:60]!r}"
        ]
    finally:
        notes.unlink()


def test_the_release_checks_itself(released):
    folder, _ = released
    for command in ("tools.homework --check", "tools.notebooks --check"):
        result = subprocess.run(
            [sys.executable, "-m", *command.split()], cwd=folder, capture_output=True, text=True
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "tests/test_homework.py",
            "tests/test_grade.py",
            "tests/test_release.py",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert collected.returncode == 0, collected.stdout[-2000:]


def test_bad_folders_are_refused(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ValueError, match="is not an empty folder"):
        release.release(tmp_path / "full")
    with pytest.raises(ValueError, match="inside the repository"):
        release.release(ROOT / "build" / "release")
