"""Build a homework's Gradescope autograder: `python -m tools.gradescope autograder.zip`.

Upload the zip as the autograder of a Gradescope "Programming Assignment" (Ubuntu base image).
Gradescope unpacks it into /autograder/source and runs `setup.sh` once, as root, when it builds
the image: it installs Python, TensorFlow, bubblewrap and iproute2, makes the hidden tests root's
only, and computes the calibration (the tasks' own models trained as the settings say, about a
minute) so that no student waits for it. For each submission, in a fresh container,
`run_autograder` asks `python -m tools.grade --probe` which sandbox works there (bubblewrap if it
can make its namespaces, else a user of its own: Gradescope runs it as root in Docker, whose
default seccomp profile refuses the namespaces bubblewrap needs unless the container is
privileged) and grades the handed-in notebook with the same command, checks and hidden tests as on
your own machine. It writes /autograder/results/results.json, one test per task with its points.
AUTOGRADER_SANDBOX forces the sandbox (`bwrap` or `uid`).

The zip holds `utils`, the grader, the released student notebook, the hidden tests and the data:
grading needs no network. It is the instructor's: it holds the hidden tests.
"""

import argparse
import io
import pathlib
import sys
import zipfile

from utils.files import replacing

from . import ROOT
from .grade import homework_files

# What the autograder image installs: what the homework notebook and the grader import.
REQUIREMENTS = """\
tensorflow~=2.21.0
keras~=3.12
numpy~=2.0
matplotlib~=3.9
nbformat~=5.10
nbclient~=0.10
ipykernel>=6.29
"""

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
  python3 python3-pip python3-venv bubblewrap util-linux iproute2 >/dev/null
# A virtual environment that the sandbox's users can run (not under root's private home)
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q -r /autograder/source/requirements.txt
chmod -R o+rX /autograder/venv /autograder/source
# The hidden tests: root's only, never readable by a student's notebook.
chmod -R go-rwx /autograder/source/homework/solutions
# What honest runs give, computed once here instead of in every student's grading (no student
# code runs in it).
cd /autograder/source
COURSE_DATA_DIR=/autograder/source/data /autograder/venv/bin/python -m tools.grade \\
  --calibrate /autograder/source/calibration.json --sandbox none
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: grade the notebook in /autograder/submission and write
# /autograder/results/results.json. AUTOGRADER_ROOT and AUTOGRADER_PYTHON let it run elsewhere.
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-$root/venv/bin/python}"
cd "$root/source"
export COURSE_DATA_DIR="$root/source/data"
sandbox="${AUTOGRADER_SANDBOX:-$("$python" -m tools.grade --probe)}"
calibration=()
if [ -f "$root/source/calibration.json" ]; then
  calibration=(--calibration "$root/source/calibration.json")
fi
exec "$python" -m tools.grade "$root/submission" --out "$root/results/grading" --workers 1 \\
  --time-limit 600 --sandbox "$sandbox" "${calibration[@]}" \\
  --gradescope "$root/results/results.json"
"""


def bundle(path, homework=None, root=None):
    """Write the autograder zip of `homework` to `path`; the names it holds."""
    import utils

    root = pathlib.Path(root or ROOT)
    release, tests = homework_files(homework, root)
    files = {
        "setup.sh": SETUP,
        "run_autograder": RUN,
        "requirements.txt": REQUIREMENTS,
        "data/shakespeare.txt": utils.load_shakespeare(),
    }
    sources = [*sorted((root / "utils").rglob("*.py")), release, tests]  # utils.checks too
    tools = ("__init__.py", "grade.py", "grade_runner.py", "sandbox.py")
    sources += [root / "tools" / name for name in tools]
    for source in sources:
        files[source.relative_to(root).as_posix()] = source.read_text(encoding="utf-8")
    path = pathlib.Path(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    with replacing(path) as temporary:  # whole or not at all
        pathlib.Path(temporary).write_bytes(buffer.getvalue())
    return sorted(files)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zip", help="where to write the autograder, e.g. autograder.zip")
    parser.add_argument("--homework", help="NAME of homework/solutions/NAME.tests.py")
    args = parser.parse_args(argv)
    try:
        names = bundle(args.zip, args.homework)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.zip}: {len(names)} files; upload it as the assignment's autograder.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
