"""Make the student release: this repository without the answers and the hidden tests.

    python -m tools.release ../rnn-nlp-lectures-release    # a new (or empty) folder

The release is every file git tracks, less every `solutions/` folder: the homework's (the solution
notebook and the hidden tests of `python -m tools.grade`) and the answers to the lectures' and
labs' exercises (`lectures/solutions/`, `labs/solutions/`). The copy is then searched for the
answers: a solution notebook, a hidden test file, a solution marker in a notebook, or any line of
a solution region or answer cell that the student notebook does not also hold (a lecture's or
lab's answers are looked for in the notebooks only: see `leaks`). If one is found, the command
fails and names the file. Publish the folder as the repository students clone (and keep this one
private).
"""

import argparse
import pathlib
import shutil
import subprocess
import sys

import nbformat

from . import ROOT
from .homework import BEGIN, END, solution_notebooks, student_path
from .notebooks import NOTEBOOK_FOLDERS

# the answers and the hidden tests: instructors only
PRIVATE = tuple(f"{folder}/solutions/" for folder in NOTEBOOK_FOLDERS)


def tracked_files(root=None):
    """Every file git tracks in the repository at `root`, as POSIX paths relative to it."""
    root = pathlib.Path(root or ROOT)
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise ValueError(
            f"{root} is not a git repository (or git is missing): the release is made from the "
            "files git tracks, so run this from a clone."
        ) from error
    return [name for name in listing.decode().split("\0") if name]


def answer_lines(solution, student):
    """Lines of the solution's answers (solution regions, answer cells) that the student notebook
    does not hold: if one of them is in the release, an answer leaked."""
    given = {
        line.strip() for cell in student.cells for line in cell.source.splitlines() if line.strip()
    }
    lines = set()
    for cell in solution.cells:
        inside = cell.metadata.get("nbgrader", {}).get("solution", False)
        for line in cell.source.splitlines():
            marker = line.strip()
            if marker == BEGIN:
                inside = True
            elif marker == END:
                inside = cell.metadata.get("nbgrader", {}).get("solution", False)
            elif inside and len(marker) >= 40 and marker not in given:
                lines.add(marker)  # long enough to be the answer's own, not a common line
    return lines


def leaks(folder, root=None):
    """'path: why' for each file in the release `folder` that gives an answer away."""
    folder, root = pathlib.Path(folder), pathlib.Path(root or ROOT)
    # The homework's answers may be nowhere in the release. A lecture's or lab's exercise has the
    # student rewrite a piece of utils that the lecture teaches (and whose check computes the
    # answer), so its answers are looked for in the notebooks only.
    secrets, notebook_secrets = set(), set()
    for solution in solution_notebooks(root):
        student = student_path(solution)
        lines = answer_lines(
            nbformat.read(solution, as_version=4), nbformat.read(student, as_version=4)
        )
        if solution.parent.parent.name == "homework":
            secrets |= lines
        else:
            notebook_secrets |= lines
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name.startswith(PRIVATE) or name.endswith(".tests.py"):
            found.append(f"{name}: a solution or hidden test file")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # images, fonts: no answers in them
        if name.endswith(".ipynb") and BEGIN in text:
            found.append(f"{name}: holds a solution region ({BEGIN})")
        looked_for = secrets | notebook_secrets if name.endswith(".ipynb") else secrets
        leaked = next((line for line in looked_for if line in text), None)
        if leaked:
            found.append(f"{name}: holds a line of a solution: {leaked[:60]!r}")
    return found


def release(folder, root=None):
    """Copy the release into `folder` (new or empty) and check it; the files it left out."""
    root, folder = pathlib.Path(root or ROOT), pathlib.Path(folder)
    if folder.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"{folder} is inside the repository: make the release beside it.")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(f"{folder} exists and is not an empty folder: give a new one.")
    files = tracked_files(root)
    left_out = [name for name in files if name.startswith(PRIVATE)]
    for name in files:
        if name in left_out or not (root / name).is_file():
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    found = leaks(folder, root)
    if found:
        raise ValueError("the release gives answers away:\n" + "\n".join(found))
    return left_out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="where to write the release (a new or empty folder)")
    args = parser.parse_args(argv)
    try:
        left_out = release(args.folder)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"release written to {args.folder}; left out: {', '.join(left_out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
