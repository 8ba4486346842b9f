"""Reveal.js decks for instructors, built from the course notebooks, that work offline.

    python -m utils.slides                  # execute the lecture and lab notebooks, build the decks
    python -m utils.slides --fast           # the same in fast mode (small data, few epochs)
    python -m utils.slides labs/11-1_text_tokenizer.ipynb --out /media/usb/lecture11
    python -m utils.slides tag [--check]    # give new cells their default slide type

A deck is `OUT/<notebook>.slides.html` plus `OUT/lib/`, the pinned reveal.js, MathJax, require.js
and jQuery from `slides/vendor/package.json` (installed with `npm ci` on first use), and
`OUT/index.html` lists the decks in the lecture's order. Copy the OUT folder to a USB stick and open
`index.html` in a browser: nothing is loaded from the internet.

Which cell goes on which slide is the notebook's own `slideshow` metadata, the same that
JupyterLab's property inspector edits and that jupyterlab-rise presents live. `tag` fills it in
for cells that have none, by the rules of `default_slide_types`, and never changes a cell that
has it.
"""

import argparse
import html
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat

from . import notebooks

ROOT = pathlib.Path(__file__).resolve().parent.parent
SLIDES = ROOT / "slides"
VENDOR = SLIDES / "vendor"
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")

# What the decks load, relative to the deck folder (copied from VENDOR/node_modules to OUT/lib).
REVEAL = "lib/reveal.js"
MATHJAX = "lib/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
REQUIRE_JS = "lib/requirejs/require.js"
JQUERY = "lib/jquery/dist/jquery.min.js"
_LIB_FILES = {  # package -> the parts of it that a deck uses
    "reveal.js": ["dist", "plugin/notes", "LICENSE"],
    "mathjax": [
        "MathJax.js",
        "config/TeX-AMS_CHTML-full.js",
        "config/Safe.js",
        "extensions",
        "jax/input/TeX",
        "jax/output/CommonHTML",
        "jax/output/PreviewHTML",
        "jax/element",
        "fonts/HTML-CSS/TeX/woff",
        "fonts/HTML-CSS/TeX/otf",
        "LICENSE",
    ],
    "requirejs": ["require.js"],
    "jquery": ["dist/jquery.min.js", "LICENSE.txt"],
}


def deck_notebooks(root=None):
    """The notebooks that have decks, in the lecture's order: lectures, labs, then the homework
    (the student version: its tasks, not its solutions)."""
    return [p for p in notebooks.find_notebooks(root) if p.parent.name != "solutions"]


def slide_type(cell):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def _is_plumbing(cell):
    """A cell that is not lecture content: it only asserts what CI checks or calls a homework
    check, or it is a homework solution or answer (the homework deck shows the tasks)."""
    if cell.cell_type == "markdown":
        return bool(cell.metadata.get("nbgrader", {}).get("solution"))
    if "### BEGIN SOLUTION" in cell.source:
        return True
    lines = [ln.strip() for ln in cell.source.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    checks = (
        "assert ",
        "np.testing.",
        "if not utils.is_fast()",
        "if utils.is_fast()",
        "checks.check_",
    )
    return bool(lines) and all(ln.startswith(checks) for ln in lines)


def default_slide_types(nb):
    """The slide type of each cell by the course's rules.

    The title starts the deck; the Setup section (its heading, the Colab cell, the imports) is
    skipped; a `##` heading starts a new slide and a `###` heading a vertical one below it. Each
    piece of explanation with its code and output is one vertical slide: a code cell that follows a
    code cell, or a markdown cell that follows code and introduces more code, starts a new one. A
    remark after an output, with no code after it, appears on the next click (a fragment). Cells
    that only check (CI's asserts, homework checks) and homework solutions are skipped.
    """
    types, in_setup, previous = [], False, None
    for i, cell in enumerate(nb.cells):
        text = cell.source.lstrip()
        following = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        if cell.cell_type == "markdown" and text.startswith("#"):
            in_setup = text.startswith("## Setup")
        if i == 0:
            kind = "slide"
        elif in_setup or _is_plumbing(cell):
            kind = "skip"
        elif cell.cell_type == "markdown":
            if re.match(r"#{1,2} ", text):
                kind = "slide"
            elif text.startswith("#"):
                kind = "subslide"
            elif previous == "code":
                kind = (
                    "subslide"
                    if following is not None and following.cell_type == "code"
                    else "fragment"
                )
            else:
                kind = "-"
        else:
            kind = "subslide" if previous == "code" else "-"
        types.append(kind)
        if kind != "skip":
            previous = cell.cell_type
    return types


def tag(path, write=True):
    """Give each cell of the notebook at `path` that has no slide type its default one; cells that
    have one (set by hand in JupyterLab, say) keep it. Returns True if a cell needed one."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell, kind in zip(nb.cells, default_slide_types(nb)):
        if slide_type(cell) is None:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
            changed = True
    if changed and write:
        nbformat.write(nb, path)
    return changed


def count_slides(nb):
    """How many slides (horizontal and vertical) reveal.js shows for this notebook."""
    kinds = [slide_type(c) or "-" for c in nb.cells]
    shown = [k for k in kinds if k != "skip"]
    if not shown:
        return 0
    starts = sum(k in ("slide", "subslide") for k in shown)
    return starts + (shown[0] not in ("slide", "subslide"))


def install_lib(out):
    """Copy the pinned JavaScript into `out/lib`, running `npm ci` in slides/vendor first if its
    packages are not installed."""
    modules = VENDOR / "node_modules"
    if not all((modules / package / "package.json").exists() for package in _LIB_FILES):
        if shutil.which("npm") is None:
            raise FileNotFoundError(
                "npm is needed once, to install the pinned reveal.js, MathJax, require.js and "
                f"jQuery listed in {VENDOR / 'package.json'}: install Node.js (apt-get install "
                "npm) and rerun."
            )
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(VENDOR)], check=True
        )
    lib = pathlib.Path(out) / "lib"
    for package, parts in _LIB_FILES.items():
        for part in parts:
            source, target = modules / package / part, lib / package / part
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    return lib


_REMOTE_BADGE = re.compile(r"\[!\[([^\]]*)\]\(https?://[^)]*\)\]\(([^)]*)\)")


def offline_markdown(nb):
    """A badge image such as Open-in-Colab comes from the internet: on a slide it becomes a plain
    link, which loads nothing until it is clicked."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _REMOTE_BADGE.sub(r"[\1](\2)", cell.source)
    return nb


def exporter():
    """nbconvert's reveal.js exporter, pointed at the local copies of every script a deck loads."""
    from nbconvert import SlidesExporter

    return SlidesExporter(
        extra_template_basedirs=[str(SLIDES / "template")],
        template_name="reveal_offline",
        reveal_url_prefix=REVEAL,
        reveal_theme="white",
        reveal_scroll=True,
        reveal_number="c/t",
        mathjax_url=MATHJAX,
        require_js_url=REQUIRE_JS,
        jquery_url=JQUERY,
    )


def build(path, out=None, fast=False, run=None):
    """Build `out/<notebook>.slides.html` from one notebook. It is executed first (`run=None`: every
    notebook but the student homework, whose stubs raise by design). Returns the deck's path."""
    path, out = pathlib.Path(path), pathlib.Path(out or SLIDES)
    nb = nbformat.read(path, as_version=4)
    missing = [i for i, c in enumerate(nb.cells) if slide_type(c) is None]
    if missing:
        raise ValueError(
            f"{path}: cells {missing} have no slide type. Run `python -m utils.slides tag` to give "
            "them their default one, or set it in JupyterLab's property inspector."
        )
    if run is None:
        run = path.parent.name != "homework"
    if run:
        notebooks.execute(nb, path, fast=fast)
    offline_markdown(nb)
    for cell in nb.cells:  # a plot fills its slide; the code that draws it is in the notebook
        if cell.cell_type == "code" and "plt.show()" in cell.source:
            cell.metadata["transient"] = {"remove_source": True}
    heading = nb.cells[0].source.lstrip("# ").splitlines()[0] if nb.cells else path.stem
    nb.metadata["title"] = heading  # the browser tab and the index show it
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    out.mkdir(parents=True, exist_ok=True)
    deck = out / f"{path.stem}.slides.html"
    deck.write_text(body, encoding="utf-8")
    return deck


def write_index(decks, out):
    """`out/index.html`: the decks in the lecture's order, each with its title."""
    items = []
    for deck in decks:
        title = re.search(r"<title>(.*?) slides</title>", deck.read_text(encoding="utf-8"))
        name = html.escape(title.group(1) if title else deck.stem)
        items.append(f'<li><a href="{deck.name}">{name}</a></li>')
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Lecture 11 slides</title></head>\n<body>\n<h1>Lecture 11: Generating Text Using a "
        "Character RNN and LSTM</h1>\n<ol>\n" + "\n".join(items) + "\n</ol>\n"
        "<p>Press <kbd>S</kbd> in a deck for the speaker view with notes, <kbd>F</kbd> for full "
        "screen, <kbd>Esc</kbd> for an overview.</p>\n</body></html>\n"
    )
    index = pathlib.Path(out) / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="'tag', or notebooks (default: every deck)")
    parser.add_argument("--out", default=str(SLIDES), help="the deck folder (default: slides/)")
    parser.add_argument("--fast", action="store_true", help="execute in fast mode")
    parser.add_argument("--check", action="store_true", help="with tag: report only, exit 1")
    args = parser.parse_intermixed_args(argv)
    if args.paths[:1] == ["tag"]:
        paths = args.paths[1:] or deck_notebooks()
        untagged = [p for p in paths if tag(p, write=not args.check)]
        for p in untagged:
            print(("untagged: " if args.check else "tagged: ") + str(p))
        return 1 if args.check and untagged else 0
    paths = [pathlib.Path(p) for p in args.paths] or deck_notebooks()
    install_lib(args.out)
    for path in paths:
        print("built:", build(path, args.out, fast=args.fast))
    print("index:", write_index(sorted(pathlib.Path(args.out).glob("11-*.slides.html")), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
