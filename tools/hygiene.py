"""Notebook hygiene: what every course notebook must be, checked by `python -m pytest`.

    python -m tools.hygiene              # list the problems of every notebook; exit 1 if any

`problems(path)` returns one line per problem, each saying what to do. A notebook must

- be valid nbformat, with the `python3` kernel;
- open with its Open-in-Colab badge, pointing at its own path, and have the standard setup cell;
- store outputs only in cells that CI checks (tagged `nbval-check-output`, marked `keep_output`
  so that nbstripout keeps them), and no execution counts elsewhere;
- hold no absolute local paths or user names in outputs or metadata, and no widget state;
- call only `utils` functions that exist;
- hold no control characters (a tab, a carriage return, ...) in any cell's source: in a JSON
  string "\t" is a tab, so a TeX `\tanh` written with one backslash shows as "anh".

What nbstripout clears (outputs, counts, widget state) is nbstripout's call: the check strips a
copy with it and reports the cells that change. nb-clean was weighed too: it keeps outputs for a
whole notebook or none, while CI needs them kept in exactly the cells it checks, as nbstripout's
`keep_output` does. The other rules are this course's own (its badge, its setup cell, `utils`
names, paths, TeX escapes): no library knows them.
"""

import argparse
import ast
import copy
import importlib
import json
import pathlib
import re
import sys

import nbformat
from nbstripout import strip_output

from . import ROOT, notebooks

CHECKED = notebooks.CHECKED
WIDGET_TYPES = (
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
)
# Every control character but the newline: C0, DEL and C1.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# A home folder, a temporary or build folder, or a Windows user folder: a machine's own path.
LOCAL_PATH = re.compile(
    r"(?<![\w.])(?:/(?:home|Users|root|tmp|private|var/folders|work|mnt|content/drive)/"
    r"|[A-Za-z]:\\\\(?:Users|Documents and Settings)\\\\)"
)


def problems(path, root=None):
    """The hygiene problems of the notebook at `path` (inside the course folder `root`)."""
    path = pathlib.Path(path).resolve()
    root = pathlib.Path(root or ROOT).resolve()
    relpath = path.relative_to(root).as_posix()
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # a notebook that does not parse has no other checks
        return [f"not a valid notebook ({type(error).__name__}: {str(error)[:200]})"]
    found = []
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        found.append(f"kernelspec is {kernel!r}, not 'python3': set it in the notebook's metadata")
    found += _badge_and_setup(nb, relpath)
    found += _outputs(nb)
    found += _local_paths_and_widgets(nb)
    found += _utils_calls(nb)
    found += _control_characters(nb)
    return found


def _control_characters(nb):
    found = []
    for i, cell in enumerate(nb.cells):
        for match in CONTROL.finditer(cell.source):
            line = cell.source.count("\n", 0, match.start()) + 1
            around = cell.source[max(0, match.start() - 12) : match.end() + 12]
            found.append(
                f"cell {i}, line {line} holds the control character {match.group()!r} "
                f"(in {around!r}): a TeX command such as \\tanh needs its backslash escaped "
                "(\\\\tanh) wherever the notebook was written as a JSON or Python string, and code "
                "is indented with spaces"
            )
    return found


def _badge_and_setup(nb, relpath):
    found = []
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    urls = notebooks.BADGE.findall(first.source if first else "")
    if not urls:
        found.append("the first Markdown cell has no Open-in-Colab badge")
    elif urls[0] != notebooks.colab_url(relpath):
        found.append(
            f"the Colab badge points at {urls[0]}, not at this notebook "
            f"({notebooks.colab_url(relpath)})"
        )
    setup = [c for c in nb.cells if c.cell_type == "code"][:1]
    if not setup or setup[0].source != notebooks.setup_cell_source():
        found.append("the first code cell is not the standard Colab setup cell")
    if found:
        found[-1] += ": run `python -m tools.notebooks` to re-stamp"
    return found


def _outputs(nb):
    # nbstripout decides what is cleared (outputs, counts, widget state), as the pre-commit hook
    # runs it; the execution counts of the cells it keeps are ours (nbval needs them).
    stripped = strip_output(copy.deepcopy(nb), keep_output=False, keep_count=True, keep_id=True)
    found = []
    if "widgets" in nb.metadata:
        found.append("the notebook stores widget state: clear it (nbstripout, or Edit > Clear ...)")
    for i, (cell, clean) in enumerate(zip(nb.cells, stripped.cells)):
        if cell.cell_type != "code":
            continue
        checked = CHECKED in cell.metadata.get("tags", [])
        if cell != clean:
            found.append(
                f"cell {i} stores outputs (or metadata) that nbstripout clears, and CI does not "
                f"check them: clear them (nbstripout), or tag the cell {CHECKED}"
            )
        if checked and cell.outputs and cell.execution_count is None:
            found.append(
                f"cell {i} is checked by CI but has no execution count, which nbval needs: "
                "run `python -m tools.notebooks`"
            )
        if checked != bool(cell.metadata.get("keep_output")):
            found.append(
                f"cell {i}: keep_output must be set exactly on {CHECKED} cells, so that nbstripout "
                "keeps what CI checks: run `python -m tools.notebooks`"
            )
    return found


def _local_paths_and_widgets(nb):
    found = []
    places = [("the notebook's metadata", nb.metadata)]
    for i, cell in enumerate(nb.cells):
        places.append((f"cell {i}'s metadata", cell.metadata))
        for output in cell.get("outputs", []):  # every output, not only a cell's last one
            places.append((f"cell {i}'s output", output))
            if any(kind in output.get("data", {}) for kind in WIDGET_TYPES):
                found.append(f"cell {i} stores a widget: clear its output")
    for place, value in places:
        match = LOCAL_PATH.search(json.dumps(value))
        if match:
            found.append(f"{place} holds a local path ({match.group(0)}...): print relative paths")
    return found


def _utils_calls(nb):
    """Every `utils.name`, `alias.name` (for `from utils import module as alias`) and
    `from utils import name` that a code cell uses must exist."""
    import utils

    found, aliases = [], {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code = "\n".join(
            ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!"))
        )
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            found.append(f"cell {i} is not valid Python ({error.msg}, line {error.lineno})")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for name in node.names:
                    if name.name == "utils" or name.name.startswith("utils."):
                        module = _resolve(utils, name.name.split(".")[1:])
                        if module is None:
                            found.append(f"cell {i} imports {name.name}, which does not exist")
                        elif name.asname:
                            aliases[name.asname] = name.name
                        else:
                            aliases["utils"] = "utils"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "utils":
                base = _resolve(utils, node.module.split(".")[1:])
                for name in node.names:
                    target = f"{node.module}.{name.name}"
                    if base is None or _resolve(base, [name.name]) is None:
                        found.append(f"cell {i} imports {target}, which does not exist")
                    else:
                        aliases[name.asname or name.name] = target
            elif isinstance(node, ast.Attribute):
                chain = _chain(node)
                if chain and chain[0] in aliases and len(chain) > 1:
                    start = aliases[chain[0]].split(".")[1:]
                    if _resolve(utils, start + chain[1:]) is None:
                        dotted = ".".join([aliases[chain[0]]] + chain[1:])
                        found.append(f"cell {i} uses {dotted}, which does not exist in utils")
    return list(dict.fromkeys(found))  # each problem once, in order


def _chain(node):
    """`a.b.c` as ["a", "b", "c"] for the outermost attribute of a chain of names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id] + parts[::-1]


def _resolve(obj, names):
    for name in names:
        if not hasattr(obj, name):
            try:  # a submodule that is not imported yet
                obj = importlib.import_module(f"{obj.__name__}.{name}")
                continue
            except (ImportError, AttributeError, TypeError):
                return None
        obj = getattr(obj, name)
    return obj


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="notebooks (default: every course notebook)")
    paths = [pathlib.Path(p) for p in parser.parse_args(argv).paths]
    bad = 0
    for path in paths or notebooks.find_notebooks():
        for problem in problems(path):
            print(f"{path}: {problem}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
