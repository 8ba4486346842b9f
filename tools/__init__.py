"""Course tooling that maintainers run from the repository root. Students never need it: the Colab
setup cell installs `utils` alone, and `pip install .` leaves this package out.

- `notebooks`: stamps every notebook's Colab badge, setup cell and RISE settings
  (`python -m tools.notebooks`).
- `hygiene`: what every notebook must be, checked by the tests (`python -m tools.hygiene`).
- `homework`: the student notebooks, generated from their solutions (`python -m tools.homework`).
- `grade`: grades a folder of handed-in homework notebooks, each sandboxed, into grades.csv
  (`python -m tools.grade SUBMISSIONS`); `grade_runner` is what runs inside the sandbox, and
  `sandbox` the isolation and limits (bubblewrap or a user of its own, cgroups, a watchdog).
- `release`: the student release, without solutions or hidden tests (`python -m tools.release`).
- `gradescope`: the homework's Gradescope autograder zip (`python -m tools.gradescope`).
- `slides`: reveal.js decks built from the notebooks, with contact sheets and PDFs
  (`python -m tools.slides`).
- `browser`: the decks in headless Chromium: the presentation rules checked on every slide,
  screenshots, contact sheets and PDFs.
- `diagrams`: the lecture's diagrams, drawn as SVG into `slides/figures/`
  (`python -m tools.diagrams`).
- `colab_check`: the whole course's tests on a Colab runtime (tests/run_on_colab.ipynb) or here,
  with a table of each notebook's time and result (`python -m tools.colab_check --mode full`).
"""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent  # the repository root, defined only here


def report(changed, check, done, command):
    """Print what a command with `--check` changed, or with `--check` would change, and return its
    exit code: 1 when `--check` finds something out of date, else 0.

    `done` says what was done to each path ("stamped"), `command` how to bring them up to date."""
    for path in changed:
        print(("outdated: " if check else f"{done}: ") + str(path))
    if check and changed:
        print(f"Run `{command}` to bring them up to date.")
        return 1
    return 0
