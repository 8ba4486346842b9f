"""Everything measured, in one call, into one Markdown file: every notebook in full mode and every
benchmark, on the machine it runs on. Meant for a GPU machine (the course's CPU numbers come from
the same scripts, run one by one):

    python -m benchmarks.gpu_run                      # about 30 minutes on one recent GPU
    python -m benchmarks.gpu_run --dry-run            # each step at its smallest: a few minutes,
                                                      # no GPU needed (what CI-sized checks use)

Each step runs as its own process with a time limit, so one that fails or hangs is reported in the
table and the others still run. The report (`build/gpu_run.md`, or `--out`) is rewritten whole
after every step: a run cut short keeps what it measured.

The grading throughput benchmark is left out: it runs sandboxed notebooks on the CPU cores, and a
GPU does not change it.
"""

import argparse
import datetime
import os
import pathlib
import platform
import subprocess
import sys
import time

from tools import ROOT
from utils.files import write_text

# (title, the command's arguments after `python -m`, the same at its smallest, time limit in s)
STEPS = [
    (
        "every notebook, full mode",
        ["benchmarks.notebook_times", "--modes", "full", "--out", "build/gpu_notebook_times.json"],
        [
            "benchmarks.notebook_times",
            "lectures/solutions/11-0c_lstm_gru_gates.ipynb",
            "--modes",
            "fast",
            "--out",
            "build/gpu_notebook_times.json",
        ],
        5400,
    ),
    (
        "generation speed",
        ["benchmarks.generation_speed", "--profile"],
        [
            "benchmarks.generation_speed",
            *("--chars", "20", "--long", "40", "--slides-chars", "3", "--profile"),
        ],
        900,
    ),
    (
        "quality in 180 s, and the time to 1.50 nats/char",
        ["benchmarks.char_rnn_quality", "--seconds", "180", "--target", "1.50"],
        [  # the first step traces the model for a few seconds
            "benchmarks.char_rnn_quality",
            "--seconds",
            "10",
            "--target",
            "4.5",
            "--eval-every",
            "2",
        ],
        900,
    ),
    (
        "quality in 600 s (the time to 1.50 on a slower GPU)",
        ["benchmarks.char_rnn_quality", "--seconds", "600", "--target", "1.50", "--cells", "LSTM"],
        ["benchmarks.char_rnn_quality", "--seconds", "2", "--cells", "LSTM"],
        1200,
    ),
    (
        "word-level BiLSTM: training and generation",
        ["benchmarks.word_bilstm_speed"],
        ["benchmarks.word_bilstm_speed", "--epochs-scale", "0.01", "--words", "3"],
        1800,
    ),
]


def machine():
    """The machine in one line: CPU, GPUs (from nvidia-smi where there is one), TensorFlow."""
    gpus = "none"
    try:
        listed = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if listed.returncode == 0 and listed.stdout.strip():
            gpus = "; ".join(line.strip() for line in listed.stdout.splitlines() if line.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    import tensorflow as tf

    seen = len(tf.config.list_physical_devices("GPU"))
    return (
        f"{platform.machine()}, {os.cpu_count()} CPU cores, GPUs: {gpus} "
        f"(TensorFlow sees {seen}), Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}"
    )


def run_step(arguments, limit):
    """Run `python -m arguments...` from the repository root; return (exit code, seconds, output).
    The exit code is "timeout" when it ran past `limit` seconds."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", *arguments],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=limit,
        )
        code, output = done.returncode, done.stdout + (done.stderr if done.returncode else "")
    except subprocess.TimeoutExpired as expired:
        code, output = "timeout", (expired.stdout or b"").decode(errors="replace")
    return code, time.perf_counter() - start, output


def report(machine_line, results, dry_run):
    """The Markdown report: a summary table of the steps, then each step's own output."""
    lines = [
        "# Benchmarks and full-mode notebooks"
        + (" (dry run: every step at its smallest)" if dry_run else ""),
        "",
        f"{datetime.date.today().isoformat()}, {machine_line}",
        "",
        "| step | command | result | seconds |",
        "|---|---|---|---|",
    ]
    for title, arguments, code, seconds, _ in results:
        result = "ok" if code == 0 else f"**failed** ({code})"
        lines.append(f"| {title} | `python -m {' '.join(arguments)}` | {result} | {seconds:.0f} |")
    for title, _, code, _, output in results:
        kept = [line for line in output.splitlines() if line.startswith(("|", "#")) or code != 0]
        lines += ["", f"## {title}", "", *(kept[-80:] or ["(no table printed)"])]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="every step at its smallest")
    parser.add_argument("--out", default=str(ROOT / "build" / "gpu_run.md"))
    parser.add_argument("--only", nargs="+", help="run only the steps whose title has these words")
    args = parser.parse_args(argv)

    out = pathlib.Path(args.out)
    machine_line = machine()
    print(machine_line, flush=True)
    results = []
    for title, full, smallest, limit in STEPS:
        if args.only and not any(word in title for word in args.only):
            continue
        arguments = smallest if args.dry_run else full
        print(f"--- {title}: python -m {' '.join(arguments)}", flush=True)
        code, seconds, output = run_step(arguments, limit)
        print(output[-3000:], flush=True)
        results.append((title, arguments, code, seconds, output))
        write_text(out, report(machine_line, results, args.dry_run))
    print(f"Saved to {out}")
    return 0 if all(code == 0 for _, _, code, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
