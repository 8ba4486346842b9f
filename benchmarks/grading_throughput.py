"""Grading throughput: submissions a minute that `python -m tools.grade` grades on this machine.

    python -m benchmarks.grading_throughput            # 6 submissions, 1 worker and 1 per core
    python -m benchmarks.grading_throughput --submissions 10 --workers 1 2 4

The folder holds copies of the reference solution: every task done, so every submission runs the
whole fast-mode notebook and all the hidden tests, the grader's retraining of its Task 3 model
included (the slowest honest case; blank, crashing or partial submissions take a fraction of it).
The grader's calibration (the tasks' own models, trained once per grading run) is timed on its
own first and then reused, so each worker count measures the submissions alone. The same folder
is graded once per worker count, in one run, sandboxed as in class, and a Markdown table is printed
for benchmarks/README.md.
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import nbformat

from tools import ROOT, grade


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--sandbox", default="bwrap", choices=["bwrap", "uid", "none"])
    parser.add_argument("--keep", metavar="DIR", help="keep each run's grades/ and feedback here")
    args = parser.parse_args(argv)
    solution = nbformat.read(
        ROOT / "homework" / "solutions" / "11-hw_gru_architecture.ipynb", as_version=4
    )
    rows = []
    with tempfile.TemporaryDirectory() as work:
        calibration = Path(work) / "calibration.json"
        start = time.perf_counter()
        grade.calibrate(calibration, sandbox_kind=args.sandbox)
        calibrating = time.perf_counter() - start
        print(f"calibration: {calibrating:.0f} s")
        folder = Path(work) / "submissions"
        folder.mkdir()
        for i in range(args.submissions):
            nbformat.write(solution, folder / f"student{i:03d}.ipynb")
        for workers in args.workers:
            start = time.perf_counter()
            out = Path(args.keep or work) / f"out{workers}"
            graded = grade.grade(
                folder,
                out,
                workers=workers,
                sandbox_kind=args.sandbox,
                calibration=calibration,
            )
            seconds = time.perf_counter() - start
            full = sum(row["total"] == row["max"] for row in graded)
            runs = sorted(row.get("seconds", 0) for row in graded)
            hidden = sorted(row.get("hidden_seconds", 0) for row in graded)
            rows.append((workers, seconds, full, runs[len(runs) // 2], hidden[len(hidden) // 2]))
            print(f"{workers} workers: {seconds:.0f} s, {full}/{len(graded)} full marks")
    cores = os.cpu_count()
    print(
        f"\n{platform.machine()}, {cores} CPU cores, {args.submissions} submissions of the "
        f"reference solution, sandbox {args.sandbox}; the calibration took {calibrating:.0f} s "
        "once\n"
    )
    print(
        "| workers | wall time | submissions per minute | median run of one notebook "
        "| median hidden tests | full marks |"
    )
    print("|---|---|---|---|---|---|")
    for workers, seconds, full, run, hidden in rows:
        print(
            f"| {workers} | {seconds:.0f} s | {args.submissions / seconds * 60:.2f} | "
            f"{run:.0f} s | {hidden:.0f} s | {full}/{args.submissions} |"
        )


if __name__ == "__main__":
    main()
