"""The reveal.js decks: slide metadata on every notebook, how a notebook is dressed for the
lecture hall, the diagrams, and every deck in a real browser.

The browser tests build every deck in fast mode and open it in headless Chromium with the network
off. Every slide is checked against the presentation rules of `tools.browser`, and screenshots of
every slide, a contact sheet and a PDF of every deck go to $COURSE_ARTIFACTS/slides (default:
build/test-artifacts/slides). Without Chromium, or without the decks' JavaScript and no way to
install it (no npm, or no network for `npm ci`), they skip with the reason, except under CI=true,
where both must be there (.ci/run installs them before it turns the network off).
"""

import os
import pathlib
import re
import shutil
import unicodedata

import nbformat
import pytest

from tools import ROOT, browser, diagrams, homework, notebooks, slides

DECKS = slides.deck_notebooks()
NAMES = [slides.LECTURE] + [path.stem for path in DECKS]  # every deck built, the lecture's first
ARTIFACTS = (
    pathlib.Path(os.environ.get("COURSE_ARTIFACTS", ROOT / "build" / "test-artifacts")) / "slides"
)


def read(path):
    return nbformat.read(path, as_version=4)


def test_every_part_of_the_lecture_has_a_deck_in_order():
    names = [p.name for p in DECKS]
    assert names == sorted(names[:-1]) + names[-1:]  # lectures and labs in order, homework last
    assert [p.parent.parent.name for p in DECKS[:4]] == ["lectures"] * 4
    if not homework.solution_notebooks():  # a student release: no solution, no homework deck
        assert {p.parent.name for p in DECKS} == {"lectures", "labs"}
        return
    # every deck is made from a solution: the lectures' and labs' show their exercises' stubs
    assert {p.parent.parent.name for p in DECKS} == {"lectures", "labs", "homework"}
    assert {p.parent.name for p in DECKS} == {"solutions"}
    # the homework deck comes from the solution, which holds the speaker notes, with every answer
    # left off the slides
    (solution,) = [p for p in DECKS if "hw" in p.name]
    assert solution.parent.name == "solutions"
    for cell in read(solution).cells:
        if homework.BEGIN in cell.source or cell.metadata.get("nbgrader", {}).get("solution"):
            assert slides.slide_type(cell) == "skip", cell.source[:60]


@pytest.mark.parametrize("path", DECKS, ids=lambda p: p.name)
def test_every_cell_has_a_slide_type(path):
    nb = read(path)
    kinds = [slides.slide_type(c) for c in nb.cells]
    assert set(kinds) <= set(slides.SLIDE_TYPES), "run `python -m tools.slides tag`"
    assert kinds[0] == "slide"  # the title opens the deck
    setup = [i for i, c in enumerate(nb.cells) if c.source.startswith("## Setup")]
    assert setup and kinds[setup[0]] == "skip"
    assert all(kinds[i] == "skip" for i, c in enumerate(nb.cells) if c.id == "colab-setup")


@pytest.mark.parametrize("path", DECKS, ids=lambda p: p.name)
def test_equations_stay_in_the_deck_and_each_deck_shows_plots(path):
    """A deck is cut to its minutes, so not every plot or checked value of its notebook is on a
    slide (CI checks the values in the notebook); but an equation is on a slide or in the notes,
    never cut, and a deck whose notebook draws plots shows some of them."""
    plots = []
    for cell in read(path).cells:
        if cell.cell_type == "markdown" and "$$" in cell.source:
            assert slides.slide_type(cell) != "skip", cell.source[:80]
        if cell.cell_type != "code" or homework.BEGIN in cell.source:  # a homework's answer
            continue
        shown = slides.slide_type(cell) not in ("skip", "notes")
        if "plt.show()" in cell.source:
            plots.append(shown)
    assert not plots or any(plots)


@pytest.mark.parametrize("path", DECKS, ids=lambda p: p.name)
def test_every_deck_has_speaker_notes(path):
    notes = [c for c in read(path).cells if slides.slide_type(c) == "notes"]
    assert notes and all(c.cell_type == "markdown" and c.source.strip() for c in notes)


def test_the_default_rules():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(
        cells=[
            md("# Title"),
            md("## Setup"),
            code("import sys"),
            code("import utils"),
            md("## Learning goals"),
            md("## A section\n\nIt explains."),
            code("x = 1"),
            code("plt.plot(x)\nplt.show()"),
            md("What the plot shows, then more code:"),
            code("y = 2"),
            md("A remark on it."),
            md("### A part"),
            code("assert y == 2  # CI's check"),
            code("checks.check_gru_model(model)"),
            md("YOUR ANSWER HERE", metadata={"nbgrader": {"solution": True}}),
            code(f"{homework.BEGIN}\nz = 3\n{homework.END}"),
        ]
    )
    assert slides.default_slide_types(nb) == [
        "slide", "skip", "skip", "skip", "slide", "slide", "-", "subslide",
        "subslide", "-", "fragment", "subslide", "skip", "skip", "skip", "skip",
    ]  # fmt: skip
    for cell, kind in zip(nb.cells, slides.default_slide_types(nb)):
        cell.metadata["slideshow"] = {"slide_type": kind}
    assert slides.count_slides(nb) == 6  # title, goals, section, two vertical slides, the part


def test_an_exercise_is_on_its_slide_as_the_student_sees_it():
    """A lecture's or lab's exercise shows its stub on the slide: the task, not the answer."""
    exercise = nbformat.v4.new_code_cell(
        f"def f(x):\n    {homework.BEGIN}\n    return x + 1\n    {homework.END}",
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="2\n")],
    )
    exercise.metadata["slideshow"] = {"slide_type": "-"}
    title = nbformat.v4.new_markdown_cell("# Title")
    title.metadata["slideshow"] = {"slide_type": "slide"}
    nb = nbformat.v4.new_notebook(cells=[title, exercise])
    (shown,) = [
        c for c in slides.present(nb, "labs/x.ipynb", fast=False).cells if c.cell_type == "code"
    ]
    assert shown.source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert shown.outputs == []


def test_count_slides_when_the_first_shown_cell_does_not_start_a_slide():
    kinds = ["skip", "-", "subslide"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(k) for k in kinds])
    for cell, kind in zip(nb.cells, kinds):
        cell.metadata["slideshow"] = {"slide_type": kind}
    assert slides.count_slides(nb) == 2


def test_tag_fills_in_missing_slide_types_and_keeps_hand_made_ones(tmp_path):
    path = tmp_path / "11-0c.ipynb"
    shutil.copy(ROOT / "lectures" / "11-0c_lstm_gru_gates.ipynb", path)
    nb = read(path)
    del nb.cells[0].metadata["slideshow"]  # a new cell
    nb.cells[5].metadata["slideshow"]["slide_type"] = "fragment"  # an instructor's choice
    nbformat.write(nb, path)

    assert slides.main(["tag", "--check", str(path)]) == 1
    assert slides.slide_type(read(path).cells[0]) is None  # --check writes nothing
    with pytest.raises(ValueError, match="tools.slides tag"):
        slides.build(path, tmp_path / "out", run=False)
    assert slides.main(["tag", str(path)]) == 0
    tagged = read(path)
    assert slides.slide_type(tagged.cells[0]) == "slide"
    assert slides.slide_type(tagged.cells[5]) == "fragment"
    assert slides.main(["tag", "--check", str(path)]) == 0


def test_remote_badges_become_plain_links():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# T\n\n[![Open In Colab](https://x/b.svg)](https://y/nb)"
            )
        ]
    )
    assert slides.offline_markdown(nb).cells[0].source == "# T\n\n[Open In Colab](https://y/nb)"


# ---- dressing a notebook for the lecture hall (no browser needed) ------------------------------


def _code(outputs, source="x = 1"):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    cell.metadata["slideshow"] = {"slide_type": "-"}
    return cell


def test_outputs_on_a_slide_lose_stderr_and_keep_the_last_lines_of_a_log():
    log = "".join(f"Epoch {i}/30\n 3/3 - 1s - loss: {1 / i:.3f}\n" for i in range(1, 31))
    cell = _code(
        [
            {"output_type": "stream", "name": "stderr", "text": "E0000 NodeDef mentions\n"},
            {"output_type": "stream", "name": "stdout", "text": "Epoch 1/30\r 1/3\r 3/3\n"},
            {"output_type": "stream", "name": "stdout", "text": log},
            {"output_type": "stream", "name": "stderr", "text": "UserWarning: /home/me/x.py\n"},
        ]
    )
    slides.clean_outputs(cell)
    (output,) = cell.outputs  # stderr gone, printed text joined into one block
    lines = output.text.splitlines()
    assert len(lines) == 7  # a training log: its last three epochs
    assert lines[0] == "[… 55 lines above: see the notebook]" and lines[1] == "Epoch 28/30"
    assert lines[-1] == " 3/3 - 1s - loss: 0.033"  # the end of training is what matters
    printed = _code([{"output_type": "stream", "name": "stdout", "text": "x\n" * 30}])
    lines = slides.clean_outputs(printed).outputs[0].text.splitlines()
    assert len(lines) == slides.MAX_OUTPUT_LINES and lines[0].startswith("[… 19 lines above")
    short = _code([{"output_type": "stream", "name": "stdout", "text": "a\r b\n"}])
    assert slides.clean_outputs(short).outputs[0].text == " b\n"  # as a terminal shows it


def test_plots_go_on_slides_as_inline_svg_whose_text_is_text():
    svg = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg viewBox="0 0 10 10"><text>7</text></svg>'
    cell = _code([{"output_type": "display_data", "data": {"image/svg+xml": svg}, "metadata": {}}])
    (output,) = slides.clean_outputs(cell).outputs
    assert output.data == {
        "text/html": '<div class="deck-plot"><svg viewBox="0 0 10 10"><text>7</text></svg></div>'
    }


def test_speaker_notes_carry_their_maths_as_mathml():
    notes = slides.notes_mathml(
        r"**Speaker notes.** Count $4\,(nm + m^2 + m)$ and $$f_t$$ costs $5."
    )
    assert notes.count("<math") == 2 and 'display="block"' in notes
    assert "<msup><mi>m</mi><mn>2</mn></msup>" in notes and "$" in notes  # a lone $ stays
    assert "\\," not in notes
    assert notes.startswith("Count ")  # the notebook's label says nothing in the speaker view


def _notebook(cells):
    md = nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(cells=[md(text) for text in cells])
    for cell, kind in zip(nb.cells, slides.default_slide_types(nb)):
        cell.metadata["slideshow"] = {"slide_type": kind}
    return nb


def test_a_deck_gets_an_agenda_and_a_closing_slide_with_its_questions():
    nb = _notebook(
        [
            "# Lecture X: Title\n\nWhat it is.",
            "## Learning goals\n\n1. One.",
            "## First part\n\nText.",
            "### A detail",
            "## Second `part`\n\nMore.",
            "## Summary\n\nDone.",
            "## Questions for you\n\n1. Why $x$?\n2. What `if`?",
        ]
    )
    answers = nbformat.v4.new_markdown_cell(
        "<details><summary>Answers</summary>\n\n1. So.\n</details>"
    )
    answers.metadata["slideshow"] = {"slide_type": "notes"}
    nb.cells.append(answers)
    nb.metadata["deck"] = {"minutes": 12}
    before = _notebook(
        ["# Lecture W", "## Summary\n\n- One\n  idea.\n- Two.\n\n## Try it\n\n- No."]
    )
    assert slides.summary_points(before) == ["One idea.", "Two."]
    shown = slides.present(
        nb,
        "labs/x.ipynb",
        fast=True,
        following=("y.slides.html", "Next one"),
        preceding=("Lecture W", slides.summary_points(before)),
    )
    texts = [c.source for c in shown.cells]
    assert "Fast-mode build" in texts[0] and "about 12 minutes" in texts[0]
    last_time, agenda = texts[1], texts[2]
    assert "Last time" in last_time and "<li>One idea.</li><li>Two.</li>" in last_time
    assert "Today" in agenda and "<li>First part</li><li>Second <code>part</code></li>" in agenda
    assert [slides.slide_type(c) for c in shown.cells] == [
        "slide", "slide", "slide", "slide", "slide", "subslide", "slide", "slide", "slide", "notes",
    ]  # fmt: skip
    assert "Part 1 of 2" in texts[4] and "## First part" in texts[4]  # no divider slides
    assert "Part 2 of 2" in texts[6]
    closing = texts[-2]  # the questions on the closing slide, their answers in its notes
    assert "<li>Why $x$?</li><li>What <code>if</code>?</li>" in closing
    assert 'href="y.slides.html"' in closing and notebooks.colab_url("labs/x.ipynb") in closing
    assert "So." in texts[-1] and "details" not in texts[-1]
    assert "deck-frame" in texts[0] and 'data-minutes="12"' in texts[0]
    assert slides.count_slides(shown) == 9
    assert "Fast-mode" not in slides.present(nb, "labs/x.ipynb", fast=False).cells[0].source


def test_a_slide_that_would_overflow_continues_on_the_next():
    long_text = "\n\n".join(f"Paragraph {i}: " + "word " * 60 for i in range(12))
    nb = _notebook(["# T", "## Part\n\n" + long_text, "A remark."])
    code = _code([{"output_type": "stream", "name": "stdout", "text": "x\n" * 10}], "y = 2\n" * 20)
    nb.cells.insert(2, code)
    slides.paginate(nb)
    kinds = [slides.slide_type(c) for c in nb.cells]
    assert kinds[0] == "slide" and kinds[1] == "slide"
    assert kinds.count("subslide") >= 3  # the long text split, the code on a slide of its own
    assert all(slides.estimated_height(c) <= slides.HEIGHT_BUDGET for c in nb.cells[:-2])
    assert "".join(c.source for c in nb.cells if c.cell_type == "markdown").count("Paragraph") == 12


def test_a_slide_that_continues_a_section_repeats_its_heading():
    nb = _notebook(["# T", "## Part", "More about it.", "### Sub", "Text."])
    code = nbformat.v4.new_code_cell("# a comment is not a heading\nx = 1")
    code.metadata["slideshow"] = {"slide_type": "subslide"}
    nb.cells.insert(3, code)
    nb.cells[2].metadata["slideshow"] = {"slide_type": "subslide"}
    nb.cells[5].metadata["slideshow"] = {"slide_type": "subslide"}
    slides.continued_headings(nb)
    starts = [c for c in nb.cells if slides.slide_type(c) in ("slide", "subslide")]
    assert [c.source.splitlines()[0] for c in starts] == [
        "# T",
        "## Part",
        "### Part (continued)",
        "### Part (continued)",  # a code cell gets a heading cell of its own
        "### Sub",
        "### Sub (continued)",
    ]
    assert slides.sections(nb) == [(1, "Part", ["Sub"])]  # no "(continued)" in the agenda


def test_a_long_markdown_cell_never_leaves_a_heading_alone_at_a_slide_end():
    text = (
        "## Part\n\n"
        + "word " * 500
        + "\n\n### Next\n\n"
        + "\n".join(f"- item {i}" for i in range(12))
    )
    nb = _notebook(["# T", text])
    slides.paginate(nb)
    assert len(nb.cells) >= 3  # the long cell was split
    for cell in nb.cells[1:]:
        last = cell.source.strip().split("\n\n")[-1]
        assert not last.startswith("#"), cell.source[-80:]
    assert any(c.source.startswith("### Next") for c in nb.cells)


def test_a_slide_shows_the_code_without_the_checks_only_the_notebook_needs():
    source = (
        "import numpy as np\n"
        "x = np.arange(3)\n"
        "# the same as the loop\n"
        "assert x.sum() == 3\n"
        "for v in x:\n"
        "    assert v >= 0, (\n"
        "        v)\n"
        "    print(v)\n"
        "for v in x:\n"
        "    np.testing.assert_array_equal(v, v)\n"
        "if not utils.is_fast():\n"
        "    print('full mode')\n"
        "checks.check_tanh_prime(tanh_prime)\n"
        "# checks\n"
    )
    assert slides.slide_code(source) == (
        "import numpy as np\nx = np.arange(3)\n# the same as the loop\nfor v in x:\n    print(v)"
    )
    # a cell that only prepared its checks goes, one with nothing to drop stays as it is
    assert slides.slide_code("a = f(x)\nassert a > 0\n") == ""
    assert slides.slide_code("a = f(x)\nprint(a)") == "a = f(x)\nprint(a)"
    assert slides.slide_code("%timeit f(x)\nassert True") == "%timeit f(x)\nassert True"


def test_the_slides_readme_lists_every_deck_with_its_minutes():
    readme = (ROOT / "slides" / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([\w-]+)` \|.*\| (\d+) min \|$", readme, re.M))
    minutes = {
        path.stem: nbformat.read(path, as_version=4).metadata["deck"]["minutes"] for path in DECKS
    }
    assert int(rows.pop(slides.LECTURE)) == slides.LECTURE_MINUTES  # the lecture's deck, first
    assert {name: int(m) for name, m in rows.items()} == minutes
    assert list(rows) == [path.stem for path in DECKS]  # in the lecture's order
    (total,) = re.findall(r"^\| all \w+ notebook decks \| \| (\d+) min \|$", readme, re.M)
    assert int(total) == sum(minutes.values())


def test_prose_past_80_words_goes_to_the_notes_of_its_slide():
    long = " ".join(["word"] * 50)
    cell = nbformat.v4.new_markdown_cell(
        f"### Topic\n\n{long}.\n\n$$a = b$$\n\n{long} again.\n\n- one {long}\n- two"
    )
    cell.metadata["slideshow"] = {"slide_type": "subslide"}
    nb = slides.prose_to_notes(nbformat.v4.new_notebook(cells=[cell]))
    shown, notes = nb.cells
    assert shown.source == f"### Topic\n\n{long}.\n\n$$a = b$$"  # the equation stays
    assert slides.slide_type(notes) == "notes"
    assert notes.source.startswith(f"{long} again.") and "- two" in notes.source
    goals = nbformat.v4.new_markdown_cell("## Goals\n\nYou can\n\n1. " + long + "\n2. two")
    goals.metadata["slideshow"] = {"slide_type": "slide"}
    (kept,) = slides.prose_to_notes(nbformat.v4.new_notebook(cells=[goals])).cells
    assert kept.source == goals.source  # a short lead-in does not count as the paragraph kept
    told = nbformat.v4.new_markdown_cell(
        f"## Two things\n\n{long}.\n\nTwo changed:\n\n1. {long}\n2. b"
    )
    told.metadata["slideshow"] = {"slide_type": "slide"}
    shown, notes = slides.prose_to_notes(nbformat.v4.new_notebook(cells=[told])).cells
    assert notes.source == f"Two changed:\n\n1. {long}\n2. b"  # a lead-in goes with its list, whole
    points = nbformat.v4.new_markdown_cell(f"## Summary\n\n- {long}\n- {long}\n- c\n- d")
    points.metadata["slideshow"] = {"slide_type": "slide"}
    shown, notes = slides.prose_to_notes(nbformat.v4.new_notebook(cells=[points])).cells
    assert shown.source == f"## Summary\n\n- {long}" and notes.source == f"- {long}\n- c\n- d"


@pytest.mark.parametrize("path", DECKS, ids=lambda p: p.name)
def test_a_goals_slide_shows_every_goal(path):
    """The goals are what a session promises: the slide shows them all, none sent to the notes
    (a goals list past 80 words of prose would lose its last goals)."""
    cells = slides.prose_to_notes(read(path)).cells
    goals = [i for i, c in enumerate(cells) if c.source.startswith("## Learning goals")]
    if not goals:  # the homework has tasks, not goals
        return
    source = read(path).cells
    (written,) = [c.source for c in source if c.source.startswith("## Learning goals")]
    listed = re.findall(r"^\d+\.", written, re.M)
    shown = re.findall(r"^\d+\.", cells[goals[0]].source, re.M)
    assert listed and shown == listed, f"the goals slide shows {len(shown)} of {len(listed)} goals"


def test_a_lead_in_whose_code_is_not_on_the_slide_ends_with_a_full_stop():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md("### A\n\nAs one batch:"), code("x = 1"), md("### B\n\nThe loop:"), code("y")]
    for cell, kind in zip(cells, ["subslide", "skip", "subslide", "-"]):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb = slides.close_dangling_lead_ins(nbformat.v4.new_notebook(cells=cells))
    assert nb.cells[0].source.endswith("As one batch.") and nb.cells[2].source.endswith("loop:")


def test_the_lstm_and_gru_cells_are_built_up_gate_by_gate_on_their_slides():
    for name in ("lstm_cell", "gru_cell"):
        drawing = diagrams.DIAGRAMS[name]()
        assert drawing.stages >= 4
        sizes = [len(drawing.svg(upto=k)) for k in range(drawing.stages)]
        assert sizes == sorted(sizes) and len(set(sizes)) == drawing.stages  # each adds a part
        assert drawing.svg(upto=drawing.stages - 1) == drawing.svg()  # the last step: all of it
        cell = nbformat.v4.new_markdown_cell(f"### X\n\n![Diagram: cell](attachment:{name}.png)")
        slides.vector_diagrams(cell)
        assert '<div class="r-stack deck-build">' in cell.source
        assert cell.source.count("<img") == drawing.stages
        assert cell.source.count('class="fragment"') == drawing.stages - 1


def test_the_lecture_deck_is_the_tagged_cells_in_order_opening_with_the_sample():
    def nb(title, *cells):
        made = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}")])
        for source, tags in cells:
            cell = (
                nbformat.v4.new_code_cell
                if source.startswith("print")
                else nbformat.v4.new_markdown_cell
            )(source)
            cell.metadata = {"slideshow": {"slide_type": "subslide"}, "tags": tags}
            made.cells.append(cell)
        return made

    runs = [
        (
            pathlib.Path("a.ipynb"),
            nb("Lecture 11-0a: Review", ("## Kept\n\nYes.", ["lecture11"]), ("## Left out", [])),
        ),
        (
            pathlib.Path("b.ipynb"),
            nb(
                "Lab 11-2: Chars",
                ("print('sample')", ["lecture11-opening"]),
                ("### Also kept", ["lecture11"]),
                ("## Questions for you\n\n1. Why?\n2. How?", ["lecture11"]),
                ("1. Because.\n2. So.", ["lecture11"]),
            ),
        ),
    ]
    runs[1][1].cells[-1].metadata["slideshow"]["slide_type"] = "notes"
    lecture = slides.lecture_notebook(runs)
    sources = [c.source for c in lecture.cells]
    assert sources[0].startswith(f"# {slides.LECTURE_TITLE}")
    assert sources[1].startswith("## Text written by an LSTM") and sources[2] == "print('sample')"
    assert sources[3] == "## Review\n\n### Kept\n\nYes." and "Left out" not in "".join(sources)
    assert sources[4] == "## Chars\n\n### Also kept"
    assert sources[5:] == [f"{slides.QUESTIONS}\n\n1. Why?", "1. Because."]
    assert lecture.metadata["deck"]["minutes"] == slides.LECTURE_MINUTES


def test_the_diagrams_are_drawn_from_tools_diagrams_and_up_to_date():
    assert diagrams.main(["--check"]) == 0, "run `python -m tools.diagrams`"
    for name in diagrams.DIAGRAMS:
        svg = (diagrams.FIGURES / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "<title>" in svg and "<text" in svg
        assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # loads nothing


def test_the_diagrams_are_in_the_notebooks_where_the_slides_have_them():
    shown = {}
    for path in notebooks.source_notebooks():  # a student version has what its solution has
        for cell in nbformat.read(path, as_version=4).cells:
            for name in notebooks.ATTACHED_FIGURE.findall(cell.source):
                shown.setdefault(name[:-4], []).append(path.stem)
                assert name in cell.get("attachments", {}), "run `python -m tools.notebooks`"
                assert slides.slide_type(cell) not in ("skip", "notes")
    assert set(shown) == set(diagrams.DIAGRAMS)
    assert (
        "11-0a_rnn_review_bptt" in shown["rnn_unrolled"]
        and "11-0a_rnn_review_bptt" in shown["bptt"]
    )
    assert shown["lstm_cell"] == ["11-0c_lstm_gru_gates"] and shown["bilstm"] == [
        "11-2b_word_bilstm"
    ]


# ---- every deck, built in fast mode, in a real browser -----------------------------------------


def _needs_browser():
    if browser.chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI must run the browser tests: install Chromium (apt-get install chromium)"
            )
        pytest.skip("no Chromium here (apt-get install chromium, or set CHROMIUM to its path)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every deck, built in fast mode into a temporary folder."""
    _needs_browser()
    out = tmp_path_factory.mktemp("decks")
    try:
        slides.install_lib(out)
    except slides.JavaScriptMissing as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must build the decks: {error}")
        pytest.skip(f"the decks' JavaScript is not installed and cannot be installed here: {error}")
    # the notebooks' runs of this test session, where they are fresh (conftest.py saves them)
    executed = ["--executed", str(ROOT / "build" / "executed")]
    assert slides.main(["--fast", "--out", str(out), *executed]) == 0
    return out


@pytest.fixture(scope="module")
def measured(built):
    """Every slide of every deck measured in Chromium with the network off; screenshots and a
    contact sheet of each deck saved as test artifacts."""
    remote, errors, reports = [], [], {}
    with browser.browser_page(remote) as page:
        page.on("pageerror", lambda e: errors.append(str(e)))
        for name in NAMES:
            deck = built / f"{name}.slides.html"
            browser.open_deck(page, deck)
            shots = ARTIFACTS / name
            shutil.rmtree(shots, ignore_errors=True)
            reports[name] = browser.measure(page, screenshots=shots)
            browser.sheet(reports[name], shots, ARTIFACTS / f"{name}.contact.png")
    return reports, remote, errors


def test_every_slide_of_every_deck_follows_the_presentation_rules(measured, built):
    reports, remote, errors = measured
    assert remote == [], "a deck asked the internet for these"
    assert errors == []
    found = {name: browser.problems(report) for name, report in reports.items()}
    broken = [f"{name}: {problem}" for name, problems in found.items() for problem in problems]
    assert not broken, "\n".join(broken)
    for name in NAMES:  # the deck shows the slides its notebook's metadata asks for
        info = (built / f"{name}.deck.json").read_text(encoding="utf-8")
        assert f'"slides": {len(reports[name])}' in info
    lecture = reports[slides.LECTURE]  # the instructor's deck: about a slide a minute, in all
    assert len(lecture) <= slides.LECTURE_MINUTES - 5 and lecture[0]["minutes"] == 75
    assert "TEXT WRITTEN BY AN LSTM" in lecture[2]["text"]  # it opens with a model's sample
    total = sum(len(r) for r in reports.values())
    plots = sum(s["plot_texts"] > 0 for r in reports.values() for s in r)
    images = sum(s["images"] for r in reports.values() for s in r)
    assert plots >= 15 and images >= len(diagrams.DIAGRAMS)  # plots measured, diagrams shown
    print(f"{total} slides in {len(reports)} decks: every rule holds")


def test_a_deck_opens_on_its_title_and_renders_its_maths(built):
    deck = built / "11-0c_lstm_gru_gates.slides.html"
    with browser.browser_page() as page:
        browser.open_deck(page, deck)
        assert page.evaluate("deck.isReady()") and page.evaluate("deck.getIndices().h") == 0
        assert "Fast-mode build" in page.inner_text("section.present")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("deck.getIndices().h === 1")
        last_time = page.inner_text("section.present")
        assert "LAST TIME" in last_time.upper() and "11-0b" in last_time.lower()  # the deck before
        page.keyboard.press("ArrowRight")
        page.wait_for_function("deck.getIndices().h === 2")
        assert "TODAY" in page.inner_text("section.present").upper()
        assert "\\sigma" not in page.inner_text(".reveal .slides")  # no raw TeX left
        widths = page.eval_on_selector_all(
            ".reveal .slides .MathJax_CHTML", "els => els.map(e => e.getBoundingClientRect().width)"
        )
        assert len(widths) >= 20
    index = (built / "index.html").read_text(encoding="utf-8")
    assert index.count(".slides.html") == len(NAMES) and "fast-mode build" in index
    assert index.index("lecture11.slides.html") < index.index("11-0a_rnn_review_bptt.slides.html")
    assert "about 15 minutes" in deck.read_text(encoding="utf-8")
    assert f'href="{notebooks.colab_url("lectures/11-0c_lstm_gru_gates.ipynb")}"' in index


def test_the_speaker_view_shows_the_notes_with_their_maths(built):
    deck = built / "11-0d_lstm_example.slides.html"
    with browser.browser_page() as page:
        browser.open_deck(page, deck)
        h, v = page.evaluate(
            "(() => { const size = a => a.querySelectorAll('math *').length;"  # the most maths
            " const s = [...document.querySelectorAll('aside.notes')]"
            ".sort((a, b) => size(b) - size(a))[0].closest('section');"
            " const i = deck.getIndices(s); return [i.h, i.v || 0]; })()"
        )
        browser.show(page, h, v)
        with page.context.expect_page() as popup:
            page.keyboard.press("s")
        speaker = popup.value
        speaker.wait_for_selector(".speaker-controls-notes .value math", timeout=30_000)
        notes = speaker.locator(".speaker-controls-notes .value")
        assert notes.inner_text().strip() and "$" not in notes.inner_text()
        assert not notes.inner_text().startswith("Speaker notes")
        maths = speaker.locator(".speaker-controls-notes .value math")
        boxes = [maths.nth(i).bounding_box() for i in range(maths.count())]
        widest = max(boxes, key=lambda box: box["width"])
        assert widest["width"] > 30 and widest["height"] > 10  # drawn as maths, not as raw TeX
        speaker.screenshot(path=str(ARTIFACTS / "speaker-view.png"))


def test_every_deck_prints_to_a_pdf_with_one_page_per_slide_and_all_its_text(measured, built):
    from pypdf import PdfReader

    reports = measured[0]
    for name in NAMES:
        pdf = browser.pdf(built / f"{name}.slides.html", ARTIFACTS / f"{name}.pdf")
        pages = [_letters(page.extract_text()) for page in PdfReader(pdf).pages]
        assert len(pages) == len(reports[name]), name
        for page, s in zip(pages, reports[name]):  # each slide's text is on its page
            missing = [
                w for w in re.findall(r"[A-Za-z]{4,}", s["text"])[:6] if _letters(w) not in page
            ]
            assert missing == [], (name, s["number"], missing)


def _letters(text):
    """Only the letters, lower-case; a printed ligature ("ﬁ") counts as its letters."""
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKC", text).lower())


def test_the_rules_catch_a_deck_that_breaks_them(built, tmp_path):
    """A hand-made deck that breaks each rule once: the check names every one."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    wide = code("x")
    wide.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<pre>" + "w" * 200 + "</pre>"})
    ]
    noisy = code("y")
    noisy.outputs = [nbformat.v4.new_output("stream", name="stderr", text="E0000 log line\n")]
    crowded = code("plt.show()")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="100" viewBox="0 0 600 100">'
        '<text x="10" y="50" font-size="24">first label</text>'
        '<text x="60" y="54" font-size="24">second label</text></svg>'
    )
    crowded.outputs = [nbformat.v4.new_output("display_data", data={"image/svg+xml": svg})]
    slides.clean_outputs(crowded)  # as a deck shows a plot: inline SVG, its text as text
    local = code("print(keras_home)")
    local.outputs = [nbformat.v4.new_output("stream", name="stdout", text="/home/ann/.keras\n")]
    cells = [
        md('# Broken deck\n\n<p class="deck-meta deck-frame" data-minutes="3">3 minutes</p>'),
        md("A slide that says something, but under no heading."),
        md("## Alone"),
        md("- the list that should have been under it"),
        md("## Checked"),
        code("y = 2\nassert y == 2"),
        md("## Local"),
        local,
        md("## Crowded"),
        crowded,
        md("## Wide"),
        wide,
        md("## Noisy"),
        noisy,
        md("## Tall\n\n" + "\n\n".join(f"line {i}" for i in range(40))),
        md('## Small\n\n<span style="font-size:14px">tiny text</span>'),
        md('## Faint\n\n<span style="color:#bbbbbb">faint text</span>'),
        md("## Broken picture\n\n![Diagram: missing](nowhere.svg)"),
        md("## Long code"),
        code("\n".join(f"step_{i} = {i}" for i in range(13))),
        md("## Wordy\n\n" + " ".join(["word"] * 120)),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    for cell in nb.cells:
        cell.metadata["slideshow"] = {
            "slide_type": "slide" if cell.cell_type == "markdown" else "-"
        }
    body, _ = slides.exporter().from_notebook_node(nb, resources={"metadata": {"name": "broken"}})
    deck = built / "broken.slides.html"  # beside the real decks, to share their lib/
    deck.write_text(body, encoding="utf-8")
    with browser.browser_page() as page:
        browser.open_deck(page, deck)
        page.evaluate("deck.configure({controls: true})")  # as a deck that shows its arrows
        found = "\n".join(browser.problems(browser.measure(page)))
    deck.unlink()
    for rule in (
        "wider than the slide",
        "stderr output",
        "more than the screen (720)",
        "13 lines of code (at most 12)",
        "120 words of prose",
        "content slides for a deck of 3 minutes: at most one a minute",
        "body text under 28 px",
        "text contrast under 4.5:1",
        "images that did not load",
        "speaker notes on 0 of",
        "shows the notebook's checks: ['assert y == 2']",
        "'A slide that says something, but under n'): has no heading",
        "'ALONE'): a heading alone, its content on another slide",
        """plot text that overlaps: ['"first label" / "second label"']""",
        "the navigation arrows cover: ['line ",  # the tall slide's text runs under them
        "shows a path of the machine that built it: ['/home/ann/.keras']",
    ):
        assert rule in found, rule


def test_the_release_workflow_builds_full_mode_decks_with_sheets_and_pdfs():
    yaml = pytest.importorskip("yaml")
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "slides.yml").read_text())
    runs = "\n".join(step.get("run", "") for step in flow["jobs"]["build"]["steps"])
    assert "python -m tools.slides --out site --contact-sheet --pdf" in runs
    assert "--fast" not in runs  # the release is the real, full-mode lecture
    assert "pip install -r requirements.txt" in runs and "npm ci" in runs
    assert flow["jobs"]["pages"]["needs"] == "build"


def test_a_saved_run_is_used_only_for_the_notebook_mode_and_style_it_was_made_with(tmp_path):
    """conftest.py saves nbval's runs; the decks use one only while it still fits."""
    path = ROOT / "lectures" / "11-0c_lstm_gru_gates.ipynb"
    nb = nbformat.read(path, as_version=4)
    made = {"source_sha256": slides.source_sha256(path), "fast": True, "style": str(slides.STYLE)}
    for change, usable in [
        ({}, True),
        ({"fast": False}, False),
        ({"source_sha256": "0" * 64}, False),
        ({"style": "other.mplstyle"}, False),
    ]:
        nb.metadata["executed"] = {**made, **change}
        nbformat.write(nb, tmp_path / path.name)
        assert (slides.executed_copy(path, tmp_path, fast=True) is not None) is usable, change
    assert slides.executed_copy(path, tmp_path / "none", fast=True) is None
