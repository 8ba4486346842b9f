"""Notebook run times: every notebook in fast and in full mode, the wall time of each.

Each notebook runs top to bottom in a fresh kernel from its own folder, as a student runs it
(Kernel > Restart and Run All). Results go to a JSON file, and a Markdown table is printed for
benchmarks/README.md and the README's notebook table (its "CPU time" column is full mode):

    python -m benchmarks.notebook_times                        # both modes, every notebook
    python -m benchmarks.notebook_times --modes fast           # minutes
    python -m benchmarks.notebook_times labs/11-2_char_rnn.ipynb --modes full
    python -m benchmarks.notebook_times --modes full --slowest 3 --executed build/executed

`--slowest N` prints each run's N slowest cells (nbclient records when each cell started and
ended), to show where a notebook spends its time; `--executed DIR` keeps each executed notebook
there, outputs and all, to read the numbers a reference answer quotes.

This machine's speed changes from hour to hour, so the script measures it before the first
notebook and after the last, in the same terms as issue 16's targets: the 2000 x 2000 float32
matmul rate and one training step of Lab 11-2's LSTM on 32 windows of 64 characters (57 ms on the
day those targets were set). Both go into the JSON file and the printed table.

A notebook with exercises is timed from its solution (the homework's student notebook stops at its
stubs by design; a lecture's or lab's only prints FAIL at each one).
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import time

import nbformat

from tools import ROOT, notebooks


def timed_notebooks():
    """Every notebook a student runs, with its solution in place of its stubs."""
    return notebooks.source_notebooks()


def run(path, fast, timeout=7200):
    """Seconds to execute the notebook at `path` in a fresh kernel, and the executed notebook;
    raises if a cell fails."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    notebooks.execute(nb, path, fast=fast, timeout=timeout)
    return time.perf_counter() - start, nb


def cell_seconds(nb):
    """(seconds, index, first line) of each executed code cell, from nbclient's timestamps."""
    rows = []
    for index, cell in enumerate(nb.cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type != "code" or "shell.execute_reply" not in stamps:
            continue
        began = datetime.datetime.fromisoformat(
            stamps["iopub.execute_input"].replace("Z", "+00:00")
        )
        ended = datetime.datetime.fromisoformat(
            stamps["shell.execute_reply"].replace("Z", "+00:00")
        )
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        rows.append(((ended - began).total_seconds(), index, first))
    return rows


def machine_state():
    """The machine's speed now: 2000 x 2000 float32 matmul GFLOP/s, and the milliseconds of one
    training step of Lab 11-2's LSTM on 32 windows of 64 characters."""
    from benchmarks.char_rnn_quality import step_ms
    from benchmarks.reference import matmul_gflops

    return {
        "matmul_gflops": round(matmul_gflops(2000, 2000, 2000)),
        "lstm_step_ms": round(step_ms()),
    }


def describe(state):
    matmul, step = state["matmul_gflops"], state["lstm_step_ms"]
    return f"matmul {matmul} GFLOP/s, LSTM step (32 x 64 chars) {step} ms"


def minutes(seconds):
    return "< 1 min" if seconds < 60 else f"{seconds / 60:.0f} min"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="notebooks (default: all of them)")
    parser.add_argument("--modes", nargs="+", choices=["fast", "full"], default=["fast", "full"])
    parser.add_argument("--out", default=str(ROOT / "build" / "notebook_times.json"))
    parser.add_argument(
        "--slowest", type=int, default=0, metavar="N", help="print the N slowest cells of each run"
    )
    parser.add_argument("--executed", metavar="DIR", help="keep each executed notebook in DIR")
    args = parser.parse_args(argv)

    paths = [pathlib.Path(p).resolve() for p in args.paths] or timed_notebooks()
    import tensorflow as tf

    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPU cores, "
        f"GPUs: {len(tf.config.list_physical_devices('GPU'))}, TensorFlow {tf.__version__}"
    )
    state = {"before": machine_state()}
    print(f"# the machine before: {describe(state['before'])}", flush=True)
    results = []
    for path in paths:
        row = {"notebook": path.relative_to(ROOT).as_posix()}
        for mode in args.modes:
            seconds, nb = run(path, fast=mode == "fast")
            row[mode] = round(seconds, 1)
            print(f"{row['notebook']:55s} {mode:4s} {row[mode]:8.1f} s", flush=True)
            for cell_s, index, first in sorted(cell_seconds(nb), reverse=True)[: args.slowest]:
                print(f"    cell {index:3d} {cell_s:7.1f} s  {first[:60]}", flush=True)
            if args.executed:
                kept = pathlib.Path(args.executed) / f"{path.stem}.{mode}.ipynb"
                kept.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(kept))
        results.append(row)
    state["after"] = machine_state()
    print(f"# the machine after: {describe(state['after'])}", flush=True)

    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"machine": machine, "speed": state, "results": results}, indent=1) + "\n"
    )
    print(f"\n{machine}; before: {describe(state['before'])}; after: {describe(state['after'])}\n")
    print("| notebook | " + " | ".join(f"{m} mode" for m in args.modes) + " |")
    print("|---|" + "---|" * len(args.modes))
    for row in results:
        cells = [f"{row[m]:.0f} s ({minutes(row[m])})" for m in args.modes]
        print(f"| `{row['notebook']}` | " + " | ".join(cells) + " |")
    print(f"\nSaved to {out}")


if __name__ == "__main__":
    main()
