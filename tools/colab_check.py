"""The whole course's tests on any runtime, as `tests/run_on_colab.ipynb` runs them on a Colab GPU
runtime before term: set the repository up without replacing the runtime's TensorFlow,
run the README's test command on the notebooks (fast or full mode) and on the unit tests of
`utils`, and sum up each notebook's time and result in a table.

    python -m tools.colab_check --mode fast     # here: the same run, on this machine

The deck, JupyterLab and grading-sandbox tests are left out: they need Chromium, a browser driver
and bubblewrap, which a Colab runtime does not have, and they do not depend on the accelerator.
"""

import argparse
import collections
import os
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from tools import ROOT

# What runs on the runtime: every notebook (nbval), and the unit tests of `utils` (CI runs the same
# list on its oldest stack, `.ci/run` reads it from here).
NOTEBOOK_FOLDERS = ("lectures", "labs", "homework")
UNIT_TESTS = (
    "tests/test_bad_inputs.py",
    "tests/test_checks.py",
    "tests/test_config.py",
    "tests/test_data.py",
    "tests/test_exercises.py",
    "tests/test_generate.py",
    "tests/test_numpy_rnn.py",
    "tests/test_plots.py",
    "tests/test_text.py",
    "tests/test_train.py",
)
# requirements.txt lines a Colab runtime keeps as it has them (its own TensorFlow stack) or does
# not need for these tests (decks, linting, JupyterLab): everything else is installed.
KEEP_RUNTIMES_OWN = {"tensorflow", "keras", "numpy", "matplotlib", "scikit-learn", "jupyterlab"}
NOT_NEEDED = {"ruff", "nbstripout", "jupyterlab-rise", "playwright", "latex2mathml"}


def requirements_for_tests(requirements=ROOT / "requirements.txt"):
    """The requirements.txt lines the tests need that a Colab runtime lacks (pinned as there)."""
    wanted = []
    for line in pathlib.Path(requirements).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue  # the course's own package is installed apart, with --no-deps
        name = re.split(r"[<>=~!\[ ;]", line, maxsplit=1)[0].lower()
        if name not in KEEP_RUNTIMES_OWN | NOT_NEEDED:
            wanted.append(line)
    return wanted


def setup_commands(root=ROOT, python=sys.executable):
    """The pip commands that make `root` testable on a runtime that has TensorFlow already: the
    test tools, and the course's `utils` in place, with --no-deps so nothing replaces the
    runtime's TensorFlow, Keras or NumPy."""
    return [
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            *requirements_for_tests(pathlib.Path(root) / "requirements.txt"),
        ],
        [python, "-m", "pip", "install", "-q", "--no-deps", "-e", str(root)],
    ]


def pytest_command(mode, junit_xml, targets=None, python=sys.executable):
    """The README's test command for `mode` ("fast" or "full") over `targets` (default: every
    notebook and the unit tests), writing a JUnit report; and the environment it needs."""
    if mode not in ("fast", "full"):
        raise ValueError(f"mode must be 'fast' or 'full', got {mode!r}.")
    targets = list(targets or (*NOTEBOOK_FOLDERS, *UNIT_TESTS))
    env = dict(os.environ, COURSE_FAST="1" if mode == "fast" else "0")
    command = [python, "-m", "pytest", *targets, f"--junitxml={junit_xml}", "-q", "-rfE"]
    return command, env


def summary(junit_xml):
    """One row per notebook (and one for the unit tests) from pytest's JUnit report: how many
    cells or tests passed, failed and were skipped, their seconds, and the first failure."""
    rows = collections.OrderedDict()
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        classname = case.get("classname", "")
        if ".ipynb" in classname:  # nbval: "labs.solutions.11-2_char_rnn.ipynb", name "Cell 7"
            name = classname.replace(".", "/").replace("/ipynb", ".ipynb")
        else:
            name = "unit tests of utils"
        row = rows.setdefault(
            name, {"passed": 0, "failed": 0, "skipped": 0, "seconds": 0.0, "first failure": ""}
        )
        row["seconds"] += float(case.get("time", 0) or 0)
        outcome = {child.tag for child in case}
        bad = [child for child in case if child.tag in ("failure", "error")]
        if bad:
            row["failed"] += 1
            if not row["first failure"]:
                message = next(iter((bad[0].get("message") or "").splitlines()), "")
                row["first failure"] = f"{case.get('name')}: {message}"[:120]
        elif "skipped" in outcome:
            row["skipped"] += 1
        else:
            row["passed"] += 1
    return rows


def markdown(rows, heading=""):
    """The summary as a Markdown table, with a total row."""
    lines = [heading] if heading else []
    lines += [
        "| notebook | passed | failed | skipped | seconds | first failure |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['passed']} | {row['failed']} | {row['skipped']} "
            f"| {row['seconds']:.0f} | {row['first failure']} |"
        )
    total = {key: sum(row[key] for row in rows.values()) for key in ("passed", "failed", "skipped")}
    seconds = sum(row["seconds"] for row in rows.values())
    lines.append(
        f"| **all** | {total['passed']} | {total['failed']} | {total['skipped']} "
        f"| {seconds:.0f} | |"
    )
    return "\n".join(lines)


def run(mode, root=ROOT, targets=None, junit_xml=None):
    """Run the tests of the repository at `root` in `mode`; return (exit code, summary rows)."""
    root = pathlib.Path(root)
    junit_xml = pathlib.Path(junit_xml or root / "build" / f"colab_check_{mode}.xml")
    junit_xml.parent.mkdir(parents=True, exist_ok=True)
    command, env = pytest_command(mode, junit_xml, targets)
    print("$", " ".join(command[1:]), flush=True)
    returncode = subprocess.run(command, cwd=root, env=env).returncode
    if not junit_xml.is_file():
        raise RuntimeError(f"pytest wrote no report ({junit_xml}): look at its output above.")
    return returncode, summary(junit_xml)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["fast", "full"], default="fast")
    parser.add_argument("targets", nargs="*", help="paths to test (default: all the course's)")
    parser.add_argument("--unit-tests", action="store_true", help="print the unit tests; exit")
    args = parser.parse_args(argv)
    if args.unit_tests:
        print(" ".join(UNIT_TESTS))
        return 0
    returncode, rows = run(args.mode, targets=args.targets or None)
    print(markdown(rows, f"\n{args.mode} mode:\n"))
    return returncode


if __name__ == "__main__":
    sys.exit(main())
