"""Generate the student notebooks from their solutions, the single source.

Each `FOLDER/solutions/NAME.ipynb` gives `FOLDER/NAME.ipynb`, for the homework and for the lectures
and labs whose exercises have answers:

- in code cells, every region between `### BEGIN SOLUTION` and `### END SOLUTION` becomes
  `# YOUR CODE HERE` and `raise NotImplementedError()` (nbgrader's markers and stubs);
- in Markdown cells, such a region, or the whole of a cell whose metadata has
  `"nbgrader": {"solution": true}`, becomes "YOUR ANSWER HERE";
- the badge points at the student notebook;
- speaker notes (cells marked as notes that start with "**Speaker notes.**") and the answers to the
  closing questions (a notes cell that starts with "<details>") are left out: they are the
  instructor's, name each exercise's usual slip, and stay in the solution, whose deck shows them.
  Other notes cells are the notebook's own text that the slides leave out: students keep them.
  The homework keeps no notes cell at all.
- Homework: every output is cleared.
- Lectures and labs: a student runs them top to bottom, stubs and all, so each answer must be the
  body of a function (the stub raises only when the exercise's check calls it, and the check
  prints FAIL). The exercises' checks (cells that call `checks.check_...`) lose their outputs and
  the tag that makes CI compare them; every other output CI checks is kept.

    python -m tools.homework            # write every student notebook
    python -m tools.homework --check    # only compare; exit 1 if any is out of date
"""

import argparse
import copy
import pathlib
import sys

import nbformat

from . import ROOT, report
from .notebooks import CHECKED, NOTEBOOK_FOLDERS, stamp_notebook

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
ANSWER_STUB = "YOUR ANSWER HERE"
SPEAKER_NOTES = ("**Speaker notes.**", "<details>")


def _clear_regions(source, stub, where):
    """`source` with each BEGIN/END SOLUTION region replaced by `stub` lines at its indentation."""
    lines, out, indent = source.split("\n"), [], None
    for number, line in enumerate(lines, 1):
        marker = line.strip()
        if marker == BEGIN:
            if indent is not None:
                raise ValueError(f"{where}, line {number}: {BEGIN} inside another solution region.")
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + s for s in stub)
        elif marker == END:
            if indent is None:
                raise ValueError(f"{where}, line {number}: {END} without {BEGIN} before it.")
            indent = None
        elif indent is None:
            out.append(line)
    if indent is not None:
        raise ValueError(f"{where}: {BEGIN} is never closed by {END}.")
    return "\n".join(out)


def student_source(source, where="a code cell"):
    """The student's version of a code cell's `source`: each solution region a stub."""
    return _clear_regions(source, CODE_STUB, where)


def _notes(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type") == "notes"


def _instructors(cell):
    """Speaker notes, or the answers to the closing questions: not for the student's copy."""
    return _notes(cell) and cell.source.lstrip().startswith(SPEAKER_NOTES)


def _is_check(cell):
    """A cell that runs an exercise's check (`checks.check_...` or `utils.checks.check_...`)."""
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    calls = ("checks.check_", "utils.checks.check_")
    return bool(lines) and all(line.startswith(calls + ("#",)) for line in lines)


def _outside_functions(source, where):
    """Raise if a solution region of a lecture or lab is not indented (the body of a function):
    its stub would raise as the student runs the notebook and stop Run All there."""
    for number, line in enumerate(source.split("\n"), 1):
        if line.strip() == BEGIN and not line.startswith((" ", "\t")):
            raise ValueError(
                f"{where}, line {number}: a lecture's or lab's answer must be the body of a "
                "function, so that the student notebook runs top to bottom (its stub raises only "
                "when the check calls the function)."
            )


def student_version(solution, relpath):
    """The student notebook (stored at `relpath`) made from the solution notebook `solution`,
    without the speaker notes (see the module's text)."""
    nb = copy.deepcopy(solution)
    homework = relpath.startswith("homework/")
    nb.cells = [c for c in nb.cells if not (_instructors(c) or homework and _notes(c))]
    regions = 0
    for index, cell in enumerate(nb.cells):
        where = f"{relpath}, cell {index}"
        if cell.cell_type == "code":
            if not homework:
                _outside_functions(cell.source, where)
            source = _clear_regions(cell.source, CODE_STUB, where)
            if homework:
                cell.outputs, cell.execution_count = [], None
            elif source != cell.source or _is_check(cell):
                cell.outputs, cell.execution_count = [], None
                tags = [t for t in cell.metadata.get("tags", []) if t != CHECKED]
                if tags:
                    cell.metadata["tags"] = tags
                else:
                    cell.metadata.pop("tags", None)
                cell.metadata.pop("keep_output", None)
        elif cell.metadata.get("nbgrader", {}).get("solution"):
            source = ANSWER_STUB
        else:
            source = _clear_regions(cell.source, [ANSWER_STUB], where)
        regions += source != cell.source
        cell.source = source
    if not regions:
        raise ValueError(
            f"{relpath}: no solution region, so the student version would be the answer."
        )
    stamp_notebook(nb, relpath)
    return nb


def student_path(solution_path):
    """Where the student notebook of `FOLDER/solutions/NAME.ipynb` is: `FOLDER/NAME.ipynb`."""
    solution_path = pathlib.Path(solution_path)
    return solution_path.parent.parent / solution_path.name


def generate(solution_path, root=None, write=True):
    """Write the student notebook of the solution at `solution_path`; True if it changed."""
    root = pathlib.Path(root or ROOT)
    solution_path = pathlib.Path(solution_path)
    target = student_path(solution_path)
    relpath = target.resolve().relative_to(root.resolve()).as_posix()
    student = student_version(nbformat.read(solution_path, as_version=4), relpath)
    new = nbformat.writes(student) + "\n"  # as nbformat.write stores it
    old = target.read_text(encoding="utf-8") if target.exists() else None
    changed = old != new
    if changed and write:
        target.write_text(new, encoding="utf-8")
    return changed


def solution_notebooks(root=None):
    """Every solution notebook (lectures, labs, homework), in name order within each folder."""
    root = pathlib.Path(root or ROOT)
    return [p for f in NOTEBOOK_FOLDERS for p in sorted((root / f / "solutions").glob("*.ipynb"))]


def homework_solutions(root=None):
    """The homework's solution notebooks, in name order (they have hidden tests and a grader)."""
    return [p for p in solution_notebooks(root) if p.parent.parent.name == "homework"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if outdated")
    args = parser.parse_args(argv)
    outdated = [p for p in solution_notebooks() if generate(p, write=not args.check)]
    return report(outdated, args.check, "generated from", "python -m tools.homework")


if __name__ == "__main__":
    sys.exit(main())
