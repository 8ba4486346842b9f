"""Stamp every notebook's Open-in-Colab badge, Colab setup cell and RISE settings from
`utils.config`.

Stamping also marks the cells whose outputs CI checks (tag `nbval-check-output`) with
`keep_output`, so that nbstripout, the pre-commit hook, keeps their outputs and clears the rest,
and gives them the execution count that nbval needs.

The course's home (`config.REPO`, `config.BRANCH`) is defined once. If the course moves, change it
there and re-stamp every notebook:

    python -m tools.notebooks            # rewrite badges and setup cells where they differ
    python -m tools.notebooks --check    # only report; exit 1 if any notebook is out of date
"""

import argparse
import base64
import os
import pathlib
import re
import sys

import nbformat

import utils
from utils import config

from . import ROOT, report
from .diagrams import FIGURES

NOTEBOOK_FOLDERS = ("lectures", "labs", "homework")
SETUP_FIRST_LINE = "# Colab setup"
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]*)\)")  # group 1: the URL it opens
CHECKED = "nbval-check-output"  # the tag of cells whose stored outputs CI compares
# jupyterlab-rise settings stamped into every notebook: reveal.js' white theme (its fonts ship with
# RISE; the default `simple` theme fetches Google Fonts) and scrolling for long slides. Its type
# sizes come from rise.css beside the notebook (slides/rise.css, linked into each folder).
RISE = {"theme": "white", "transition": "fade", "scroll": True}
ATTACHED_FIGURE = re.compile(r"\(attachment:([\w-]+\.png)\)")


def colab_url(relpath, repo=config.REPO, branch=config.BRANCH):
    """The URL that opens the notebook at `relpath` (relative to the repository root) in Colab."""
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/{relpath}"


def badge(relpath, repo=config.REPO, branch=config.BRANCH):
    """The Markdown Open-in-Colab badge for the notebook at `relpath`."""
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({colab_url(relpath, repo, branch)})"


_SETUP_CELL = """\
# Colab setup: on Colab, install the course's utils (never Colab's own TensorFlow).
import os, subprocess, sys  # noqa: E401, I001
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no TensorFlow start-up log
if "google.colab" in sys.modules and "utils" not in sys.modules:
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall"]
    subprocess.run([*pip, "git+https://github.com/REPO@RELEASE"], check=True)
import utils  # noqa: E402, I001
utils.require("VERSION")  # the release of utils this notebook was written for"""


def setup_cell_source(repo=config.REPO, release=config.RELEASE, version=None):
    """The standard first code cell, eight lines: on Colab it installs this course's `utils` at
    the release tag (`config.RELEASE`); everywhere it turns TensorFlow's C++ start-up log off and
    checks, with `utils.require`, that the installed `utils` is the version the notebook was
    written for.

    It installs with `--no-deps`, so Colab's own TensorFlow is never reinstalled or upgraded, and
    only in a session that has not imported `utils` yet: in one that has (a rerun, or another
    notebook's release), `utils.require` asks for a restart, since a reinstall would not reload it.
    """
    version = utils.__version__ if version is None else version
    source = _SETUP_CELL.replace("REPO@RELEASE", f"{repo}@{release}")
    return source.replace('utils.require("VERSION")', f'utils.require("{version}")')


def find_notebooks(root=None):
    """Every course notebook, in teaching order (folder, then file name)."""
    root = pathlib.Path(root or ROOT)
    return [
        path
        for folder in NOTEBOOK_FOLDERS  # lectures, then labs, then homework
        for path in sorted((root / folder).rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in path.parts
    ]


def generated_from(path):
    """The solution notebook the notebook at `path` is generated from (`X/solutions/NAME.ipynb` for
    `X/NAME.ipynb`, see tools.homework), or None: it is its own source."""
    path = pathlib.Path(path)
    solution = path.parent / "solutions" / path.name
    return solution if path.parent.name != "solutions" and solution.exists() else None


def source_notebooks(root=None):
    """Every notebook that is run, timed and made into a deck: each in teaching order, with its
    solution in place of the student version generated from it (in a student release, which has
    no solutions, the student versions)."""
    return [p for p in find_notebooks(root) if generated_from(p) is None]


def stamp(path, root=None, repo=config.REPO, branch=config.BRANCH, write=True):
    """Give the notebook at `path` the current badge and setup cell; True if anything changed."""
    path, root = pathlib.Path(path).resolve(), pathlib.Path(root or ROOT).resolve()
    if root not in path.parents:
        raise ValueError(f"{path} is not inside the course folder {root}: its badge needs a path.")
    relpath = path.relative_to(root).as_posix()
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    stamp_notebook(nb, relpath, repo, branch)
    changed = nbformat.writes(nb) != before
    if changed and write:
        nbformat.write(nb, path)
    return changed


def stamp_notebook(nb, relpath, repo=config.REPO, branch=config.BRANCH):
    """Give the notebook `nb`, stored at `relpath` in the repository, its badge and setup cell.

    The badge goes in the first Markdown cell (after its title line if it has none yet). The setup
    cell is the first code cell that starts with "# Colab setup"; if there is none, it is inserted
    before the first code cell.
    """
    first_md = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first_md is None:
        raise ValueError(f"{relpath} has no Markdown cell: start it with a title cell.")
    new_badge = badge(relpath, repo, branch)
    if BADGE.search(first_md.source):
        first_md.source = BADGE.sub(lambda _: new_badge, first_md.source, count=1)
    else:
        title, _, rest = first_md.source.partition("\n")
        first_md.source = f"{title}\n\n{new_badge}\n{rest}".rstrip("\n")

    attach_figures(nb, relpath)
    nb.metadata["rise"] = dict(RISE)
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup = next((c for c in code if c.source.startswith(SETUP_FIRST_LINE)), None)
    if setup is None:
        setup = nbformat.v4.new_code_cell(id="colab-setup")  # a fixed id: reruns change nothing
        index = nb.cells.index(code[0]) if code else len(nb.cells)
        nb.cells.insert(index, setup)
    setup.source = setup_cell_source(repo)
    setup.outputs, setup.execution_count = [], None

    # nbstripout (the pre-commit hook) keeps the outputs of cells marked keep_output: exactly the
    # cells whose outputs CI checks. It clears every execution count, but nbval needs one on a
    # checked cell ("Unrun reference cell has outputs"): each gets its place among the code cells.
    for number, cell in enumerate(code, start=1):
        if CHECKED in cell.metadata.get("tags", []):
            cell.metadata["keep_output"] = True
            cell.execution_count = number if cell.outputs else None
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.execution_count = number
        else:
            cell.metadata.pop("keep_output", None)


def attach_figures(nb, relpath=""):
    """Give each Markdown cell that shows `![...](attachment:NAME.png)` the diagram
    `slides/figures/NAME.png` as a cell attachment, so that it shows on Colab and in JupyterLab
    with no file beside the notebook and nothing fetched. (Both show bitmap attachments only; the
    decks show `NAME.svg` instead.)"""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        names = ATTACHED_FIGURE.findall(cell.source)
        if not names:
            cell.pop("attachments", None)
            continue
        attachments = {}
        for name in names:
            path = FIGURES / name
            if not path.is_file():
                raise FileNotFoundError(
                    f"{relpath} shows attachment:{name}, but {path} does not exist: draw it with "
                    "`python -m tools.diagrams` or fix the name."
                )
            attachments[name] = {"image/png": base64.b64encode(path.read_bytes()).decode()}
        cell.attachments = attachments


def execute(nb, path, fast=False, timeout=1800):
    """Run the notebook `nb` (read from `path`) top to bottom in a fresh kernel, from its own
    folder, as a student runs it, in fast or full mode. Raises if a cell fails."""
    from nbclient import NotebookClient

    saved = os.environ.get("COURSE_FAST")
    os.environ["COURSE_FAST"] = "1" if fast else "0"  # the kernel inherits it
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(pathlib.Path(path).parent)}},
        ).execute()
    finally:
        if saved is None:
            os.environ.pop("COURSE_FAST", None)
        else:
            os.environ["COURSE_FAST"] = saved
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="notebooks (default: every course notebook)")
    parser.add_argument("--check", action="store_true", help="report only; exit 1 if outdated")
    args = parser.parse_args(argv)
    paths = args.paths or find_notebooks()
    outdated = [p for p in paths if stamp(p, write=not args.check)]
    return report(outdated, args.check, "stamped", "python -m tools.notebooks")


if __name__ == "__main__":
    sys.exit(main())
