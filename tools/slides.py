"""Reveal.js decks for instructors, built from the course notebooks, that work offline.

    python -m tools.slides                  # execute the lecture and lab notebooks, build the decks
    python -m tools.slides --fast           # the same in fast mode (small data, few epochs)
    python -m tools.slides labs/11-1_text_tokenizer.ipynb --out /media/usb/lecture11
    python -m tools.slides --contact-sheet --pdf   # also a PNG grid and a PDF of every deck
    python -m tools.slides tag [--check]    # give new cells their default slide type

A deck is `OUT/<notebook>.slides.html` plus `OUT/lib/`, the pinned reveal.js, MathJax, require.js
and jQuery from `slides/vendor/package.json` (installed with `npm ci` on first use), and
`OUT/index.html` lists the decks in the lecture's order with their length and build. Copy the OUT
folder to a USB stick and open `index.html` in a browser: nothing is loaded from the internet.

Which cell goes on which slide is the notebook's own `slideshow` metadata, the same that
JupyterLab's property inspector edits and that jupyterlab-rise presents live. `tag` fills it in
for cells that have none, by the rules of `default_slide_types`, and never changes a cell that
has it. On its way to the deck a notebook is dressed for a lecture hall (`present`): no stderr or
warnings, long logs cut to their last lines, plots drawn as SVG in a large-type style, maths in the
speaker notes as MathML, and a title, agenda, section dividers and a closing slide around it.
"""

import argparse
import base64
import copy
import datetime
import hashlib
import html
import importlib.metadata
import json
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat

from utils.files import write_text

from . import ROOT, homework, notebooks, report

SLIDES = ROOT / "slides"
VENDOR = SLIDES / "vendor"
STYLE = SLIDES / "deck.mplstyle"
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
MAX_OUTPUT_LINES = 12  # a longer printed output (a training log) keeps its last lines on the slide
HEIGHT_BUDGET = 680  # pixels of a 720-pixel slide that one slide's cells may fill
# A code cell that is not the lesson starts with this comment, as handson-ml3 marks them: its
# code stays in the notebook (a student may skip it on first reading); the slide shows its output.
EXTRA_CODE = "# extra code"

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


class JavaScriptMissing(RuntimeError):
    """The decks' pinned JavaScript is not installed and cannot be installed here (no npm, or no
    network for `npm ci`)."""


def deck_notebooks(root=None):
    """The notebooks that have decks, in the lecture's order: lectures, labs, then the homework.
    A deck is built from the solution of a notebook that has one (the homework's alone holds the
    speaker notes). The decks show the tasks: a lecture's or lab's exercise shows its stub (see
    `present`), the homework's answers are skipped (see `_is_plumbing`), and checks are skipped.
    The homework's deck is not executed."""
    return notebooks.source_notebooks(root)


def title_of(nb, default):
    """The notebook's title: the first line of its first cell, without the `#` marks."""
    return nb.cells[0].source.lstrip("# ").splitlines()[0] if nb.cells else default


def slide_type(cell):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def _is_plumbing(cell):
    """A cell that is not lecture content: it only asserts what CI checks or calls a homework
    check, or it is a homework solution or answer (the homework deck shows the tasks)."""
    if cell.cell_type == "markdown":
        return bool(cell.metadata.get("nbgrader", {}).get("solution"))
    if homework.BEGIN in cell.source:
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


_CHECK_CALLS = re.compile(r"(np\.testing\.|checks\.check_)")


def slide_code(source):
    """A code cell's source as it goes on a slide: without what only the notebook needs, the
    asserts CI checks, `np.testing` and homework checks, fast-mode guards (`if utils.is_fast()`),
    and a block (a loop) left with nothing else in it; nothing at all if only assignments would be
    left, which prepared the checks. The notebook keeps all of it. Source that is not plain
    Python (an IPython magic) is shown as it is."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    drop = []

    def is_check(node):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.If) and "utils.is_fast()" in ast.unparse(node.test):
            return True  # a fast-mode guard
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return bool(_CHECK_CALLS.match(ast.unparse(node.value.func)))
        return False

    def keeps(body):
        """Mark the checks in `body` (and in blocks that hold only checks); True if any is left."""
        left = False
        for node in body:
            inner = [b for b in ("body", "orelse", "finalbody") if getattr(node, b, None)]
            if is_check(node) or (inner and not any([keeps(getattr(node, b)) for b in inner])):
                drop.append(node)
            else:
                left = True
        return left

    keeps(tree.body)
    if drop and all(
        isinstance(n, (ast.Assign, ast.Import, ast.ImportFrom)) for n in tree.body if n not in drop
    ):
        return ""  # what is left only prepared the checks
    lines = source.splitlines()
    gone = set()
    for node in drop:
        gone.update(range(node.lineno - 1, node.end_lineno))
    kept = [line for i, line in enumerate(lines) if i not in gone]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith("#")):
        kept.pop()  # nothing after the last statement, nor a comment that introduced a check
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept))


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
    packages are not installed. Raises JavaScriptMissing if they are not and cannot be."""
    modules = VENDOR / "node_modules"
    if not all((modules / package / "package.json").exists() for package in _LIB_FILES):
        if shutil.which("npm") is None:
            raise JavaScriptMissing(
                "npm is needed once, to install the pinned reveal.js, MathJax, require.js and "
                f"jQuery listed in {VENDOR / 'package.json'}: install Node.js (apt-get install "
                "npm) and rerun."
            )
        command = ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(VENDOR)]
        command += ["--fetch-retries=1", "--fetch-retry-mintimeout=2000"]  # offline: fail fast
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise JavaScriptMissing(
                f"`npm ci` in {VENDOR} did not finish in 10 minutes: is the npm registry "
                "reachable? Run it once with the network on."
            ) from None
        if done.returncode != 0:
            raise JavaScriptMissing(
                f"`npm ci` in {VENDOR} failed, so the decks' JavaScript is not installed (is the "
                f"npm registry reachable?). Run it once with the network on. npm said: "
                f"{done.stderr.strip()[-400:]}"
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


# ---- dressing a notebook for the lecture hall --------------------------------------------------

# Run first in the kernel of a deck build: plots as SVG (text stays text, so the browser test can
# measure it) in the deck style's large type, and TensorFlow's C++ log off.
_KERNEL_SETUP = """\
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import matplotlib.pyplot
%config InlineBackend.figure_formats = ['svg']
matplotlib.pyplot.style.use({style!r})"""


def _terminal_text(text):
    """What a terminal would show: a carriage return rewrites its line, a backspace erases."""
    lines = []
    for line in text.split("\n"):
        line = line.rsplit("\r", 1)[-1] if "\r" in line.rstrip("\r") else line.rstrip("\r")
        while "\b" in line:
            line = re.sub(r"[^\b]\b", "", line, count=1).lstrip("\b")
        lines.append(line)
    return "\n".join(lines)


_EPOCH = re.compile(r"^Epoch \d+/\d+\s*$")


def clean_outputs(cell, max_lines=MAX_OUTPUT_LINES, first=False):
    """The outputs a slide shows for a code cell: no stderr (TensorFlow's log, warnings), printed
    text joined into one block as a terminal would show it, and a block longer than `max_lines`
    cut to its last lines (a log's; a Keras training log to its last three epochs), or with
    `first` to its first lines (a text read from its start), with a note saying so."""
    shown = []
    for output in cell.outputs:
        if output.output_type == "stream" and output.name == "stderr":
            continue
        if output.output_type == "error":
            continue  # a deck never shows a traceback; the build fails on errors anyway
        if output.output_type == "stream" and shown and shown[-1].output_type == "stream":
            shown[-1].text += output.text
            continue
        shown.append(copy.deepcopy(output))
    for output in shown:
        svg = output.get("data", {}).get("image/svg+xml")
        if svg:  # inline, so the text of a plot is text in the page (and measured by the tests)
            svg = "".join(svg) if isinstance(svg, list) else svg
            svg = svg[svg.index("<svg") :]
            output.data = {"text/html": f'<div class="deck-plot">{svg}</div>'}
        if output.output_type != "stream":
            continue
        lines = _terminal_text(output.text).rstrip("\n").split("\n")
        keep = max_lines
        epochs = [i for i, line in enumerate(lines) if _EPOCH.match(line)]
        if len(epochs) > 3:  # a Keras training log: its last three epochs
            keep = min(max_lines, len(lines) - epochs[-3] + 1)
        if len(lines) > keep:
            kept = keep - 1
            hidden = len(lines) - kept
            if first:
                lines = lines[:kept] + [f"[… {hidden} more lines: see the notebook]"]
            else:
                lines = [f"[… {hidden} lines above: see the notebook]"] + lines[-kept:]
        output.text = "\n".join(lines) + "\n"
    cell.outputs = shown
    return cell


_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$")


def notes_mathml(source):
    """Speaker notes with their TeX maths as MathML. The speaker view shows the notes' HTML as it
    is, in another window that has no MathJax; browsers draw MathML themselves. The label that
    tells a notebook's reader what the cell is ("**Speaker notes.**") is left out: in the speaker
    view it says nothing."""
    from latex2mathml.converter import convert

    source = re.sub(r"^\s*\*\*Speaker notes\.\*\*\s*", "", source)
    source = re.sub(r"</?details>|<summary>.*?</summary>", "", source, flags=re.S)  # shown whole

    def display(match):
        return convert(match.group(1).strip(), display="block")

    def inline(match):
        return convert(match.group(1).strip())

    return _INLINE_MATH.sub(inline, _DISPLAY_MATH.sub(display, source))


def vector_diagrams(cell):
    """A diagram that the notebook shows as a PNG attachment goes on the slide as its SVG, which
    stays sharp on any projector. A diagram drawn in steps (`Drawing.stage`: the LSTM and GRU
    cells) is built up on the slide, one step a click: its steps are stacked (reveal.js'
    `r-stack`), each later one a fragment drawn over the one before."""
    from . import diagrams

    for name in notebooks.ATTACHED_FIGURE.findall(cell.source):
        draw = diagrams.DIAGRAMS.get(name.removesuffix(".png"))
        drawing = draw() if draw else None
        if drawing is not None and drawing.stages > 1:
            steps = "".join(
                f'<img class="{"fragment" if k else ""}" alt="step {k + 1} of {drawing.stages}" '
                'src="data:image/svg+xml;base64,'
                f'{base64.b64encode(drawing.svg(upto=k).encode()).decode()}"/>'
                for k in range(drawing.stages)
            )
            cell.source = re.sub(
                rf"!\[[^\]]*\]\(attachment:{re.escape(name)}\)",
                lambda _, steps=steps: f'<div class="r-stack deck-build">{steps}</div>',
                cell.source,
            )
            cell.get("attachments", {}).pop(name, None)
            continue
        svg = notebooks.FIGURES / name.replace(".png", ".svg")
        if svg.is_file():
            cell.source = cell.source.replace(f"attachment:{name}", f"attachment:{svg.name}")
            cell.attachments.pop(name, None)
            cell.attachments[svg.name] = {
                "image/svg+xml": base64.b64encode(svg.read_bytes()).decode()
            }
    return cell


def _inline_markdown(text):
    """A heading's text as HTML: escaped, with `code` kept as code ($maths$ is left to MathJax)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


QUESTIONS = "## Questions for you"  # a notebook's last cell: its questions go on the closing slide
_NOT_SECTIONS = ("Learning goals", "Summary", "Setup", QUESTIONS[3:])


def sections(nb):
    """The deck's content sections: (cell index, title, [### sub-headings]) of each `##` heading
    that starts a slide, but the learning goals and the summary."""
    found = []
    for i, cell in enumerate(nb.cells):
        kind, text = slide_type(cell), cell.source.lstrip()
        if cell.cell_type != "markdown" or kind == "skip":
            continue
        if kind == "slide" and text.startswith("## "):
            title = text[3:].splitlines()[0].strip()
            if not title.startswith(_NOT_SECTIONS):
                found.append((i, title, []))
        elif text.startswith("### ") and found and kind != "notes":
            sub = text[4:].splitlines()[0].strip()
            if not sub.endswith("(continued)"):
                found[-1][2].append(sub)
    return found


def _slide(source):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["slideshow"] = {"slide_type": "slide"}
    cell.metadata["deck"] = "generated"
    return cell


# Rough heights on a 1280 x 720 slide (28 px text, about 80 characters a line; 20 px code, 98),
# to start a new slide where one would overflow the screen. The browser test measures the truth.
_CHARS_PER_LINE, _CODE_CHARS = 80, 98
_TEXT_LINE, _CODE_LINE, _PICTURE = 38, 26, 500


def estimated_height(cell):
    """About how many pixels the cell takes on a slide (its source, or its plot, and outputs)."""
    if cell.cell_type == "markdown":
        height = 0
        for block in re.split(r"\n\s*\n", cell.source.strip()):
            lines = block.splitlines()
            if not lines:
                continue
            if lines[0].startswith("#"):
                height += 70
                lines = lines[1:]
            if "attachment:" in block or "<img" in block:
                height += _PICTURE
            elif block.lstrip().startswith("$$"):
                height += 40 * max(1, block.count("\\\\") + 1) + 30
            elif block.lstrip().startswith("|"):
                height += 46 * len(lines)
            else:
                items = re.split(r"\n(?=\s*(?:[-*]|\d+\.)\s)", "\n".join(lines))
                height += sum(_TEXT_LINE * -(-len(item) // _CHARS_PER_LINE) for item in items)
                height += 12
        return height
    if cell.cell_type != "code":
        return 0
    code = cell.source.splitlines()
    hidden = cell.metadata.get("transient", {}).get("remove_source")
    height = (
        0 if hidden else 20 + _CODE_LINE * sum(-(-max(len(ln), 1) // _CODE_CHARS) for ln in code)
    )
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if output.output_type == "stream":
            height += 16 + _CODE_LINE * output.text.count("\n")
        elif "deck-plot" in data.get("text/html", ""):
            size = re.search(r'<svg[^>]*?width="([\d.]+)pt" height="([\d.]+)pt"', data["text/html"])
            height += (
                min(_PICTURE, int(1180 * float(size[2]) / float(size[1]))) if size else _PICTURE
            )
        elif "image/png" in data:
            height += _PICTURE
        elif "text/html" in data or "text/plain" in data:
            text = data.get("text/plain", "")
            height += 16 + 22 * (text.count("\n") + 1)
    return height


def paginate(nb, budget=HEIGHT_BUDGET):
    """Start a new (vertical) slide at a cell where the current one would run past `budget`
    pixels, by the estimate above. Cells are never split; a cell taller than the budget gets a
    slide of its own, except a Markdown cell, which is split between its paragraphs."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and slide_type(cell) not in ("skip", "notes"):
            cells += _split_markdown(cell, budget)
        else:
            cells.append(cell)
    nb.cells = cells
    used = 0
    for cell in nb.cells:
        kind = slide_type(cell)
        if kind in ("skip", "notes"):
            continue
        height = estimated_height(cell)
        if kind in ("slide", "subslide"):
            used = height
        elif used and used + height > budget:
            cell.metadata["slideshow"]["slide_type"] = "subslide"
            used = height
        else:
            used += height
    return nb


def continued_headings(nb):
    """Give every slide a heading: one that starts without one (a long section's next page, a
    code cell on a slide of its own) repeats the heading it continues, marked as continued."""
    cells, heading = [], None
    for cell in nb.cells:
        kind = slide_type(cell)
        text = cell.source.lstrip()
        if cell.cell_type == "markdown" and kind not in ("skip", "notes"):
            found = re.match(r"#{1,3} (.+)", text)
            if found:
                heading = re.sub(r"\s*\(continued\)$", "", found.group(1).strip())
        titled = cell.cell_type == "markdown" and re.match(r"#{1,6} ", text)
        if kind in ("slide", "subslide") and heading and not titled:
            if cell.metadata.get("deck") == "generated":
                cells.append(cell)
                continue
            mark = f"### {heading} (continued)"
            if cell.cell_type == "markdown":
                cell.source = f"{mark}\n\n{cell.source}"
            else:
                title = nbformat.v4.new_markdown_cell(mark)
                title.metadata["slideshow"] = {"slide_type": kind}
                title.id = f"{cell.get('id', 'cell')}-heading"
                cell.metadata["slideshow"]["slide_type"] = "-"
                cells.append(title)
        cells.append(cell)
    nb.cells = cells
    return nb


def _split_markdown(cell, budget):
    """The Markdown cell as one cell, or as several (split between paragraphs, never inside a
    table, list or equation) if it is taller than `budget`; the later parts start new slides."""
    if estimated_height(cell) <= budget:
        return [cell]
    parts, current = [], []
    for block in re.split(r"\n\s*\n", cell.source.strip()):
        trial = nbformat.v4.new_markdown_cell("\n\n".join(current + [block]))
        if current and estimated_height(trial) > budget:
            heading = [current.pop()] if current[-1].lstrip().startswith("#") else []
            if current:  # a heading goes with what follows it, never alone at a slide's end
                parts.append(current)
            current = heading
        current.append(block)
    parts.append(current)
    cells = []
    for i, blocks in enumerate(parts):
        part = copy.deepcopy(cell)
        part.source = "\n\n".join(blocks)
        if i:
            part.metadata["slideshow"] = {"slide_type": "subslide"}
            part.id = f"{cell.get('id', 'cell')}-{i}"
        cells.append(part)
    return cells


MAX_WORDS = 80  # of prose on a slide; the rest of a Markdown cell's prose is the speaker's


def _is_prose(block):
    """A paragraph or list of a Markdown cell, as opposed to a heading, picture, equation, table
    or HTML."""
    text = block.lstrip()
    return not (
        text.startswith(("#", "$$", "|", "<", "![")) or "attachment:" in text or "\\begin{" in text
    )


def _words(block):
    return len(re.sub(r"\$[^$]*\$|`[^`]*`", "x", block).split())


def prose_to_notes(nb, limit=MAX_WORDS):
    """Keep at most `limit` words of prose on each slide: where a Markdown cell's paragraphs run
    past it, those after go to the speaker notes of the same slide (the notebook keeps them where
    they are). A lead-in that ends with a colon stays with what it introduces, and a list that
    follows one is never cut; a list of four points or more on its own (a summary's, the goals)
    keeps its first points.
    A cell's first paragraph (after a short lead-in such as "By the end of this lab you can")
    always stays on the slide."""
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type != "markdown" or slide_type(cell) in ("skip", "notes"):
            continue
        if cell.metadata.get("deck") == "generated":
            continue
        units = []
        for block in re.split(r"\n\s*\n", cell.source.strip()):
            if units and units[-1][-1].rstrip().endswith(":"):
                units[-1].append(block)
            else:
                units.append([block])
        kept, moved, words = [], [], 0
        for unit in units:
            size = sum(_words(b) for b in unit if _is_prose(b))
            substantial = any(_is_prose(b) and _words(b) > 15 for b in kept)
            items = re.split(r"\n(?=(?:[-*]|\d+\.)\s)", unit[0])
            points = len(unit) == 1 and _is_prose(unit[0]) and len(items) >= 4  # goals, a summary
            if not size or words + size <= limit or not (substantial or points):
                kept += unit
                words += size
            elif not moved and points:  # the first points stay, the rest are the speaker's
                shown, rest = [], []
                for item in items:
                    if shown and (rest or words + _words(item) > limit):
                        rest.append(item)
                    else:
                        shown.append(item)
                        words += _words(item)
                kept.append("\n".join(shown))
                moved += ["\n".join(rest)] if rest else []
            else:
                moved += unit
        if moved:
            cell.source = "\n\n".join(kept)
            notes = nbformat.v4.new_markdown_cell(notes_mathml("\n\n".join(moved)))
            notes.metadata["slideshow"] = {"slide_type": "notes"}
            notes.id = f"{cell.get('id', 'cell')}-notes"
            cells.append(notes)
    nb.cells = cells
    return nb


def close_dangling_lead_ins(nb):
    """A sentence that ends with a colon introduces what follows it on the slide; where that is
    not on the slide (code left to the notebook), it ends with a full stop instead."""
    shown = [c for c in nb.cells if slide_type(c) not in ("skip", "notes")]
    for cell, following in zip(shown, shown[1:] + [None]):
        if cell.cell_type != "markdown" or not cell.source.rstrip().endswith(":"):
            continue
        introduced = following is not None and slide_type(following) not in ("slide", "subslide")
        if introduced and following.cell_type == "markdown":  # a list, table, equation, picture
            introduced = following.source.lstrip().startswith(("$$", "|", "-", "1.", "<", "!"))
        if not introduced:
            cell.source = cell.source.rstrip()[:-1] + "."
    return nb


def summary_points(nb, limit=3):
    """The first `limit` points of the notebook's `## Summary` (its bullets, before any `##` that
    follows), for the next deck's "last time" slide."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Summary"):
            body = re.split(r"\n## ", cell.source.lstrip()[len("## Summary") :])[0]
            points = re.split(r"\n(?=- )", body.strip())
            return [" ".join(p[2:].split()) for p in points if p.startswith("- ")][:limit]
    return []


def present(nb, relpath, fast, following=None, preceding=None):
    """The notebook `nb` (stored at `relpath`) as it goes on slides. Returns a new notebook:

    - code cells show no stderr and at most MAX_OUTPUT_LINES lines of printed text, and none of
      the checks that only the notebook needs (`slide_code`); a cell marked `# extra code` shows
      only its output;
    - a code cell that draws a plot shows only the plot (its code stays in the notebook);
    - where a slide would overflow the screen, the next cell starts a new one (`paginate`), and a
      slide that starts without a heading repeats the one it continues (`continued_headings`);
    - speaker notes carry their maths as MathML, and diagrams are the vector SVGs;
    - after the title, "last time" (`preceding`: the previous deck's (title, summary points)) and
      "today", the agenda; a section's first slide says "Part k of n"; at the end, a closing
      slide with the notebook's `## Questions for you` (their answers in its notes) that names
      the next deck (`following`: its (file name, title)); a fast-mode build says so on its
      title slide. A `relpath` that is no notebook's ("": the Lecture 11 deck) closes the
      lecture instead;
    - an exercise of a lecture or lab shows its stub, as the student's notebook does: the hall
      sees the task, not the answer (a homework's answers are skipped altogether).
    """
    nb = copy.deepcopy(nb)
    offline_markdown(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            clean_outputs(cell, first=LECTURE_OPENING in _tags(cell))
            if homework.BEGIN in cell.source:
                cell.source = homework.student_source(cell.source)
                cell.outputs = []
            cell.source = slide_code(cell.source)
            if cell.source.startswith(EXTRA_CODE):  # the slide shows what it printed or drew
                cell.metadata["transient"] = {"remove_source": True}
                cell.source = "" if not cell.outputs else cell.source
            if not cell.source.strip() and not cell.outputs:
                cell.metadata.setdefault("slideshow", {})["slide_type"] = "skip"
            if "plt.show()" in cell.source:
                cell.metadata["transient"] = {"remove_source": True}
        elif slide_type(cell) == "notes":
            cell.source = notes_mathml(cell.source)
        else:
            vector_diagrams(cell)
    close_dangling_lead_ins(nb)
    prose_to_notes(nb)
    paginate(nb)
    continued_headings(nb)

    found = sections(nb)
    minutes = nb.metadata.get("deck", {}).get("minutes")
    title = title_of(nb, relpath)
    meta = ["Lecture 11: Generating Text Using a Character RNN and LSTM"]
    if minutes:
        meta.append(f"about {minutes} minutes")
    banner = (
        f'\n\n<p class="deck-meta deck-frame" data-minutes="{minutes or ""}">{" · ".join(meta)}</p>'
    )
    if fast:
        banner += (
            '\n\n<p class="deck-fast"><b>Fast-mode build</b> (COURSE_FAST=1): small data and few '
            "epochs, so trained numbers and generated text are not the lecture's. Build with "
            "<code>python -m tools.slides</code> for the real deck.</p>"
        )
    nb.cells[0].source += banner

    new_cells = []
    agenda_items = "".join(f"<li>{_inline_markdown(t)}</li>" for _, t, _ in found)
    agenda = _slide(
        '<p class="deck-kicker deck-frame">Today</p>\n\n'
        f"<h2>{_inline_markdown(title)}</h2>\n\n<ol>{agenda_items}</ol>"
    )  # the minutes are on the title slide
    starts = {i: (k, t, subs) for k, (i, t, subs) in enumerate(found, 1)}
    first_content = next(
        (i for i, c in enumerate(nb.cells) if i > 0 and slide_type(c) == "slide"), len(nb.cells)
    )
    last_time = None
    if preceding and preceding[1]:
        points = "".join(f"<li>{_inline_markdown(p)}</li>" for p in preceding[1])
        last_time = _slide(
            '<p class="deck-kicker deck-frame">Last time</p>\n\n'
            f"<h2>{_inline_markdown(preceding[0])}</h2>\n\n<ul>{points}</ul>"
        )
    for i, cell in enumerate(nb.cells):
        if i == first_content and found:
            if last_time is not None:
                new_cells.append(last_time)
            new_cells.append(agenda)
        if i in starts:  # a section's first slide says where the lecture is
            cell.source = f'<p class="deck-kicker">Part {starts[i][0]} of {len(found)}</p>\n\n' + (
                cell.source
            )
        new_cells.append(cell)

    questions, answers = _closing_questions(new_cells)
    lecture = not relpath.endswith(".ipynb")  # the Lecture 11 deck: many notebooks
    if not lecture:
        closing = [
            "<li>Run it yourself: "
            f'<a href="{notebooks.colab_url(relpath)}">open this notebook in Colab</a> '
            f"({html.escape(relpath)})</li>"
        ]
    else:
        closing = ["<li>Run it yourself: every part is a notebook, in the course's README</li>"]
    if following:
        closing.append(
            f'<li>Next: <a href="{following[0]}">{_inline_markdown(following[1])}</a></li>'
        )
    asked = "".join(f"<li>{_inline_markdown(q)}</li>" for q in questions)
    new_cells.append(
        _slide(
            f'<p class="deck-kicker deck-frame">End of {"the lecture" if lecture else "this part"}'
            + "</p>\n\n"
            + (
                f'<h2>Questions for you</h2>\n\n<ol class="deck-questions">{asked}</ol>\n\n'
                if asked
                else "<h2>Questions?</h2>\n\n"
            )
            + f'<ul class="deck-links">{"".join(closing)}</ul>'
        )
    )
    if answers is not None:
        new_cells.append(answers)
    nb.cells = new_cells
    return nb


def _numbered(source):
    """The items of the numbered list in `source` (a heading or lead-in before it is left out)."""
    items = re.split(r"\n(?=\d+\.\s)", "\n" + source.strip())[1:]
    return [re.sub(r"^\d+\.\s*", "", item).strip() for item in items]


def _closing_questions(cells):
    """Take the notebook's `## Questions for you` cell (a numbered list) and the answers that
    follow it out of `cells`: the questions go on the closing slide, the answers in its notes."""
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.startswith(QUESTIONS):
            questions = _numbered(cell.source[len(QUESTIONS) :])
            answers = None
            if i + 1 < len(cells) and slide_type(cells[i + 1]) == "notes":
                answers = cells.pop(i + 1)
            cells.pop(i)
            return questions, answers
    return [], None


def exporter():
    """nbconvert's reveal.js exporter, pointed at the local copies of every script a deck loads."""
    from nbconvert import SlidesExporter

    return SlidesExporter(
        extra_template_basedirs=[str(SLIDES / "template")],
        template_name="reveal_offline",
        reveal_url_prefix=REVEAL,
        reveal_theme="white",
        reveal_number="c/t",
        mathjax_url=MATHJAX,
        require_js_url=REQUIRE_JS,
        jquery_url=JQUERY,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def execute(nb, path, fast):
    """Run the notebook as a student would, with the deck's plot style and TensorFlow's C++ log
    off (a hidden first cell, removed again). Returns the executed notebook."""
    run = copy.deepcopy(nb)
    run.cells.insert(0, nbformat.v4.new_code_cell(_KERNEL_SETUP.format(style=str(STYLE))))
    notebooks.execute(run, path, fast=fast)
    run.cells.pop(0)
    return run


def executed_copy(path, folder, fast):
    """The run of the notebook at `path` saved in `folder` (by the test run, conftest.py), if it
    was made from the notebook as it is now, in the same mode, with the deck's plot style; else
    None. It saves executing every notebook twice in CI."""
    saved = pathlib.Path(folder) / f"{pathlib.Path(path).stem}.ipynb"
    if not saved.is_file():
        return None
    nb = nbformat.read(saved, as_version=4)
    made = nb.metadata.get("executed", {})
    wanted = {"source_sha256": source_sha256(path), "fast": fast, "style": str(STYLE)}
    return nb if made == wanted else None


def source_sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def relative(path):
    path = pathlib.Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if ROOT in path.parents else path.name


def build(
    path, out=None, fast=False, run=None, following=None, executed=None, preceding=None, runs=None
):
    """Build `out/<notebook>.slides.html` from one notebook. It is executed first (`run=None`: every
    notebook but the homework, whose deck shows its tasks), unless `executed` is a folder that holds
    a run of this very notebook (see `executed_copy`). Returns the deck's path."""
    path, out = pathlib.Path(path), pathlib.Path(out or SLIDES)
    nb = nbformat.read(path, as_version=4)
    missing = [i for i, c in enumerate(nb.cells) if slide_type(c) is None]
    if missing:
        raise ValueError(
            f"{path}: cells {missing} have no slide type. Run `python -m tools.slides tag` to give "
            "them their default one, or set it in JupyterLab's property inspector."
        )
    homework = "homework" in (path.parent.name, path.parent.parent.name)
    if run is None:
        run = not homework
    if run:
        saved = executed_copy(path, executed, fast) if executed else None
        nb = saved if saved is not None else execute(nb, path, fast)
    if runs is not None:  # kept for the Lecture 11 deck
        runs.append((path, nb))
    # a deck made from a solution sends students to their notebook, not to the solution
    relpath = relative(path).replace("/solutions/", "/")
    nb = present(nb, relpath, fast=fast and run, following=following, preceding=preceding)
    mode = ("fast" if fast else "full") if run else "not executed"
    return _write_deck(nb, path.stem, out, relpath, mode)


def build_lecture(runs, out=None, fast=False):
    """`out/lecture11.slides.html`, the Lecture 11 deck (see `lecture_notebook`), from the
    executed notebooks `runs` that `build` kept."""
    out = pathlib.Path(out or SLIDES)
    nb = present(lecture_notebook(runs), "", fast=fast)
    return _write_deck(nb, LECTURE, out, "", "fast" if fast else "full")  # no one notebook


def _write_deck(nb, name, out, relpath, mode):
    heading = title_of(nb, name)
    nb.metadata["title"] = heading  # the browser tab and the index show it
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": name}})
    out.mkdir(parents=True, exist_ok=True)
    deck = out / f"{name}.slides.html"
    write_text(deck, body)  # whole or not at all: a half-written deck never replaces a good one
    write_text(
        out / f"{name}.deck.json",
        json.dumps(
            {
                "notebook": relpath,
                "title": heading,
                "slides": count_slides(nb),
                "minutes": nb.metadata.get("deck", {}).get("minutes"),
                "mode": mode,
                "built": datetime.datetime.now(datetime.timezone.utc).strftime(
                    "%Y-%m-%d %H:%M UTC"
                ),
            },
            indent=1,
        ),
    )
    return deck


LECTURE = "lecture11"  # the tag of the cells that make the Lecture 11 deck
LECTURE_OPENING = "lecture11-opening"  # the tag of the model-written sample it opens with
LECTURE_MINUTES = 75
LECTURE_TITLE = "Lecture 11: Generating Text Using a Character RNN and LSTM"


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def lecture_notebook(runs):
    """The Lecture 11 deck as one notebook, from the executed notebooks `runs` ((path, notebook)
    pairs in the lecture's order): the cells tagged `lecture11`, in order, each notebook one part
    of the lecture, headed by its title; first, the sample tagged `lecture11-opening`. Each cell
    keeps its one source, the notebook: its picture, equation or result is the notebook's own."""
    title = nbformat.v4.new_markdown_cell(
        f"# {LECTURE_TITLE}\n\nThe lecture's deck, built from the course's notebooks."
    )
    title.metadata["slideshow"] = {"slide_type": "slide"}
    opening, parts, asked, answered = [], [], [], []
    for path, nb in runs:
        tagged = [copy.deepcopy(c) for c in nb.cells if LECTURE in _tags(c)]
        questions, answers = _closing_questions(tagged)  # a tagged one: its first question
        asked += questions[:1]
        answered += _numbered(notes_mathml(answers.source))[:1] if answers is not None else []
        opening += [copy.deepcopy(c) for c in nb.cells if LECTURE_OPENING in _tags(c)]
        if not tagged:
            continue
        topic = title_of(nb, path.stem).split(": ", 1)[-1]
        for cell in tagged:
            if cell.cell_type == "markdown":  # each notebook is one part: its `##` become `###`
                cell.source = re.sub(r"^## ", "### ", cell.source, flags=re.M)
                cell.source = re.sub(r"^<p class=\"deck-kicker\">.*?</p>\s*", "", cell.source)
        first = tagged[0]
        if first.cell_type == "markdown":
            first.source = f"## {topic}\n\n{first.source}"
        else:
            tagged.insert(0, nbformat.v4.new_markdown_cell(f"## {topic}"))
        tagged[0].metadata["slideshow"] = {"slide_type": "slide"}
        parts += tagged
    if opening:
        intro = nbformat.v4.new_markdown_cell(
            "## Text written by an LSTM\n\nWritten by this course's character LSTM (Lab 11-2), "
            "character by character; the code shows the settings that wrote it."
        )
        intro.metadata["slideshow"] = {"slide_type": "slide"}
        for cell in opening:
            cell.metadata["slideshow"] = {"slide_type": "-"}
        opening = [intro] + opening
    closing = []
    if asked:
        closing.append(
            nbformat.v4.new_markdown_cell(
                QUESTIONS + "\n\n" + "\n".join(f"{k}. {q}" for k, q in enumerate(asked, 1))
            )
        )
        closing[0].metadata["slideshow"] = {"slide_type": "slide"}
        if answered:
            closing.append(
                nbformat.v4.new_markdown_cell(
                    "\n".join(f"{k}. {a}" for k, a in enumerate(answered, 1))
                )
            )
            closing[1].metadata["slideshow"] = {"slide_type": "notes"}
    lecture = nbformat.v4.new_notebook(cells=[title] + opening + parts + closing)
    lecture.metadata["deck"] = {"minutes": LECTURE_MINUTES}
    return lecture


def versions():
    """The library versions a build ran with, for the index page."""
    found = []
    for name in ("tensorflow", "keras", "numpy", "matplotlib", "nbconvert"):
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def write_index(decks, out):
    """`out/index.html`: the decks in the lecture's order, each with its length, slide count,
    build mode and date, and links to its notebook, Colab, contact sheet and PDF."""
    out = pathlib.Path(out)
    rows, infos = [], []
    for deck in decks:
        info_file = deck.with_name(deck.name.replace(".slides.html", ".deck.json"))
        info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.exists() else {}
        if info:
            infos.append(info)
        title = html.escape(info.get("title", deck.stem))
        relpath = info.get("notebook", "")
        links = [f'<a href="{notebooks.colab_url(relpath)}">Colab</a>'] if relpath else []
        if relpath:
            github = f"https://github.com/{notebooks.config.REPO}/blob/{notebooks.config.BRANCH}"
            links.insert(0, f'<a href="{github}/{relpath}">notebook</a>')
        for suffix, label in ((".pdf", "PDF"), (".contact.png", "contact sheet")):
            extra = deck.with_name(deck.name.replace(".slides.html", suffix))
            if extra.exists():
                links.append(f'<a href="{extra.name}">{label}</a>')
        minutes = info.get("minutes")
        rows.append(
            f'<tr><td><a class="deck" href="{deck.name}">{title}</a></td>'
            f"<td>{f'{minutes} min' if minutes else ''}</td><td>{info.get('slides', '')}</td>"
            f"<td>{html.escape(info.get('mode', ''))}</td><td>{html.escape(info.get('built', ''))}"
            f"</td><td>{' · '.join(links)}</td></tr>"
        )
    fast = sum(info.get("mode") == "fast" for info in infos)
    which = f"{fast} of these {len(infos)} decks are" if fast < len(infos) else "Every deck is"
    warning = (
        f'<p class="fast">{which} a <b>fast-mode build</b>: small data and few epochs, so their '
        "trained numbers and samples are not the lecture's.</p>"
        if fast
        else ""
    )
    parts = [i for i in infos if i.get("notebook")]  # the Lecture 11 deck repeats them
    total = (
        f"<tr><th>All notebook decks</th><th>{sum(i.get('minutes') or 0 for i in parts)} min</th>"
        f"<th>{sum(i.get('slides') or 0 for i in parts)}</th><th></th><th></th><th></th></tr>"
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lecture 11 slides</title>
<style>
body {{ font-family: "Source Sans Pro", "DejaVu Sans", Helvetica, Arial, sans-serif;
       max-width: 1100px; margin: 40px auto; padding: 0 24px; color: #222; font-size: 18px; }}
h1 {{ color: #1d4e89; font-size: 34px; margin-bottom: 4px; }}
table {{ border-collapse: collapse; width: 100%; margin: 24px 0; }}
th, td {{ text-align: left; padding: 10px 12px; border-bottom: 1px solid #ddd; }}
th {{ background: #1d4e89; color: #fff; font-weight: 600; }}
a {{ color: #1d4e89; }} a.deck {{ font-weight: 600; }}
.fast {{ border: 2px solid #8a4b00; background: #fff4e0; color: #5c3200; padding: 8px 14px; }}
.meta {{ color: #444; font-size: 15px; }} kbd {{ border: 1px solid #999; padding: 0 5px; }}
</style></head>
<body>
<h1>Lecture 11: Generating Text Using a Character RNN and LSTM</h1>
<p class="meta">Slides built from the course notebooks; they work offline.</p>
{warning}
<table>
<tr><th>Deck</th><th>Length</th><th>Slides</th><th>Build</th><th>Built</th><th>Links</th></tr>
{chr(10).join(rows)}
{total}
</table>
<p>In a deck: <kbd>S</kbd> speaker view with notes and timer, <kbd>F</kbd> full screen,
<kbd>Esc</kbd> overview, arrow keys to move (right: next section, down: within a section).
Add <code>?print-pdf</code> after <code>.html</code> to print a deck.</p>
<p class="meta">Built with {html.escape(versions())}.</p>
</body></html>
"""
    index = out / "index.html"
    write_text(index, page)
    return index


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="'tag', or notebooks (default: every deck)")
    parser.add_argument("--out", default=str(SLIDES), help="the deck folder (default: slides/)")
    parser.add_argument("--fast", action="store_true", help="execute in fast mode")
    parser.add_argument(
        "--executed", help="a folder of runs of the notebooks to use instead of running them again"
    )
    parser.add_argument("--check", action="store_true", help="with tag: report only, exit 1")
    parser.add_argument(
        "--contact-sheet", action="store_true", help="also OUT/<deck>.contact.png: every slide"
    )
    parser.add_argument("--pdf", action="store_true", help="also OUT/<deck>.pdf, a page a slide")
    args = parser.parse_intermixed_args(argv)
    if args.paths[:1] == ["tag"]:
        paths = args.paths[1:] or deck_notebooks()
        untagged = [p for p in paths if tag(p, write=not args.check)]
        return report(untagged, args.check, "tagged", "python -m tools.slides tag")
    paths = [pathlib.Path(p) for p in args.paths] or deck_notebooks()
    out = pathlib.Path(args.out)
    install_lib(out)
    order = [p.resolve() for p in deck_notebooks()]
    built, runs = [], []
    for path in paths:
        place = order.index(path.resolve()) if path.resolve() in order else len(order)
        later = order[place + 1 :]
        following = (f"{later[0].stem}.slides.html", _title(later[0])) if later else None
        before = order[place - 1] if 0 < place < len(order) else None
        preceding = None
        if before is not None:
            previous = nbformat.read(before, as_version=4)
            preceding = (title_of(previous, before.stem), summary_points(previous))
        deck = build(
            path,
            out,
            fast=args.fast,
            following=following,
            executed=args.executed,
            preceding=preceding,
            runs=runs,
        )
        built.append(deck)
        print("built:", deck)
    if not args.paths:  # every notebook: the Lecture 11 deck too, first in the index
        built.insert(0, build_lecture(runs, out, fast=args.fast))
        print("built:", built[0])
    if args.contact_sheet or args.pdf:
        from . import browser

        for deck in built:
            if args.contact_sheet:
                print("contact sheet:", browser.contact_sheet(deck))
            if args.pdf:
                print("pdf:", browser.pdf(deck))
    decks = sorted(out.glob("11-*.slides.html"))
    lecture = out / f"{LECTURE}.slides.html"
    print("index:", write_index(([lecture] if lecture.exists() else []) + decks, out))
    return 0


def _title(path):
    return title_of(nbformat.read(path, as_version=4), path.stem)


if __name__ == "__main__":
    sys.exit(main())
