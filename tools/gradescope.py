"""Build a homework's Gradescope autograder: `python -m tools.gradescope autograder.zip`.

Upload the zip as the autograder of a Gradescope "Programming Assignment" (Ubuntu base image).
Gradescope unpacks it into /autograder/source and runs `setup.sh` once, as root. For each
submission, `run_autograder` grades the handed-in notebook with `python -m tools.grade`: the same
command, checks and hidden tests as on your own machine, in the bubblewrap sandbox where the
container allows it, else as an unprivileged user of its own (the hidden tests readable by root
only). It writes /autograder/results/results.json, one test per task with its points.

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
  python3 python3-pip python3-venv bubblewrap util-linux >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q -r /autograder/source/requirements.txt
# The hidden tests: root's only, never readable by a student's notebook.
chmod -R go-rwx /autograder/source/homework/solutions
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
sandbox=none
if [ "$(id -u)" = 0 ]; then sandbox=uid; fi
if command -v bwrap >/dev/null && bwrap --unshare-net --ro-bind / / true 2>/dev/null; then
  sandbox=bwrap
fi
exec "$python" -m tools.grade "$root/submission" --out "$root/results/grading" --workers 1 \\
  --time-limit 600 --sandbox "$sandbox" --gradescope "$root/results/results.json"
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
    sources = [*sorted((root / "utils").glob("*.py")), release, tests]
    sources += [root / "tools" / name for name in ("__init__.py", "grade.py", "grade_runner.py")]
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
