"""Generate the student homework notebooks from their solutions, the single source.

Each `homework/solutions/NAME.ipynb` gives `homework/NAME.ipynb`:

- in code cells, every region between `### BEGIN SOLUTION` and `### END SOLUTION` becomes
  `# YOUR CODE HERE` and `raise NotImplementedError()` (nbgrader's markers and stubs);
- in Markdown cells, such a region, or the whole of a cell whose metadata has
  `"nbgrader": {"solution": true}`, becomes "YOUR ANSWER HERE";
- every output is cleared, speaker notes are left out, and the badge points at the student
  notebook.

    python -m tools.homework            # write every student notebook
    python -m tools.homework --check    # only compare; exit 1 if any is out of date
"""

import argparse
import copy
import pathlib
import sys

import nbformat

from . import ROOT, report
from .notebooks import stamp_notebook

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
ANSWER_STUB = "YOUR ANSWER HERE"


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


def student_version(solution, relpath):
    """The student notebook (stored at `relpath`) made from the solution notebook `solution`.
    Speaker notes are the instructor's: they stay in the solution, whose deck shows them."""
    nb = copy.deepcopy(solution)
    nb.cells = [c for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") != "notes"]
    regions = 0
    for index, cell in enumerate(nb.cells):
        where = f"{relpath}, cell {index}"
        if cell.cell_type == "code":
            source = _clear_regions(cell.source, CODE_STUB, where)
            cell.outputs, cell.execution_count = [], None
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


def generate(solution_path, root=None, write=True):
    """Write the student notebook of the solution at `solution_path`; True if it changed."""
    root = pathlib.Path(root or ROOT)
    solution_path = pathlib.Path(solution_path)
    target = solution_path.parent.parent / solution_path.name
    relpath = target.resolve().relative_to(root.resolve()).as_posix()
    student = student_version(nbformat.read(solution_path, as_version=4), relpath)
    new = nbformat.writes(student) + "\n"  # as nbformat.write stores it
    old = target.read_text(encoding="utf-8") if target.exists() else None
    changed = old != new
    if changed and write:
        target.write_text(new, encoding="utf-8")
    return changed


def solution_notebooks(root=None):
    """Every solution notebook, in name order."""
    return sorted((pathlib.Path(root or ROOT) / "homework" / "solutions").glob("*.ipynb"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if outdated")
    args = parser.parse_args(argv)
    outdated = [p for p in solution_notebooks() if generate(p, write=not args.check)]
    return report(outdated, args.check, "generated from", "python -m tools.homework")


if __name__ == "__main__":
    sys.exit(main())
