"""The reveal.js decks: slide metadata on every notebook, an offline build, and a real browser.

The browser test opens a deck built from a lecture notebook in headless Chromium with the network
off, and saves screenshots to $COURSE_ARTIFACTS/slides (default: build/test-artifacts/slides).
Without Chromium it skips, except under CI=true, where Chromium must be there (.ci/run installs it).
"""

import os
import pathlib
import re
import shutil

import nbformat
import pytest

from utils import slides

DECKS = slides.deck_notebooks()
ARTIFACTS = (
    pathlib.Path(os.environ.get("COURSE_ARTIFACTS", slides.ROOT / "build" / "test-artifacts"))
    / "slides"
)


def read(path):
    return nbformat.read(path, as_version=4)


def test_every_part_of_the_lecture_has_a_deck_in_order():
    names = [p.name for p in DECKS]
    assert names == sorted(names[:-1]) + names[-1:]  # lectures and labs in order, homework last
    assert [p.parent.name for p in DECKS[:4]] == ["lectures"] * 4
    assert {p.parent.name for p in DECKS} == {"lectures", "labs", "homework"}
    assert all(p.parent.name == "homework" for p in DECKS if "hw" in p.name)  # not the solution


@pytest.mark.parametrize("path", DECKS, ids=lambda p: p.name)
def test_every_cell_has_a_slide_type(path):
    nb = read(path)
    kinds = [slides.slide_type(c) for c in nb.cells]
    assert set(kinds) <= set(slides.SLIDE_TYPES), "run `python -m utils.slides tag`"
    assert kinds[0] == "slide"  # the title opens the deck
    setup = [i for i, c in enumerate(nb.cells) if c.source.startswith("## Setup")]
    assert setup and kinds[setup[0]] == "skip"
    assert all(kinds[i] == "skip" for i, c in enumerate(nb.cells) if c.id == "colab-setup")


@pytest.mark.parametrize("path", DECKS, ids=lambda p: p.name)
def test_equations_plots_and_checked_outputs_are_on_slides(path):
    hidden = ("skip", "notes")
    for cell in read(path).cells:
        if cell.cell_type == "markdown" and "$$" in cell.source:
            assert slides.slide_type(cell) not in hidden, cell.source[:80]
        checked = "nbval-check-output" in cell.metadata.get("tags", [])
        homework_check = cell.source.startswith("checks.check_")  # the tasks are on the slides
        if (
            cell.cell_type == "code"
            and ("plt.show()" in cell.source or checked)
            and not homework_check
        ):
            assert slides.slide_type(cell) not in hidden, cell.source[:80]


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
            code("### BEGIN SOLUTION\nz = 3\n### END SOLUTION"),
        ]
    )
    assert slides.default_slide_types(nb) == [
        "slide", "skip", "skip", "skip", "slide", "slide", "-", "subslide",
        "subslide", "-", "fragment", "subslide", "skip", "skip", "skip", "skip",
    ]  # fmt: skip
    for cell, kind in zip(nb.cells, slides.default_slide_types(nb)):
        cell.metadata["slideshow"] = {"slide_type": kind}
    assert slides.count_slides(nb) == 6  # title, goals, section, two vertical slides, the part


def test_count_slides_when_the_first_shown_cell_does_not_start_a_slide():
    kinds = ["skip", "-", "subslide"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(k) for k in kinds])
    for cell, kind in zip(nb.cells, kinds):
        cell.metadata["slideshow"] = {"slide_type": kind}
    assert slides.count_slides(nb) == 2


def test_tag_fills_in_missing_slide_types_and_keeps_hand_made_ones(tmp_path):
    path = tmp_path / "11-0c.ipynb"
    shutil.copy(slides.ROOT / "lectures" / "11-0c_lstm_gru_gates.ipynb", path)
    nb = read(path)
    del nb.cells[0].metadata["slideshow"]  # a new cell
    nb.cells[5].metadata["slideshow"]["slide_type"] = "fragment"  # an instructor's choice
    nbformat.write(nb, path)

    assert slides.main(["tag", "--check", str(path)]) == 1
    assert slides.slide_type(read(path).cells[0]) is None  # --check writes nothing
    with pytest.raises(ValueError, match="utils.slides tag"):
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


# ---- a deck built from a lecture notebook, executed in fast mode --------------------------------

DECK_SOURCE = slides.ROOT / "lectures" / "11-0c_lstm_gru_gates.ipynb"  # equations and plots


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    installed = (slides.VENDOR / "node_modules" / "reveal.js").is_dir()
    if not installed and shutil.which("npm") is None and os.environ.get("CI") != "true":
        pytest.skip("npm is needed once to install the decks' JavaScript (apt-get install npm)")
    out = tmp_path_factory.mktemp("deck")
    slides.main(["--fast", "--out", str(out), str(DECK_SOURCE)])
    return out / f"{DECK_SOURCE.stem}.slides.html"


def test_a_deck_loads_nothing_from_the_internet(deck):
    page = deck.read_text(encoding="utf-8")
    loads = re.findall(r'<(?:script|link|img)[^>]*?(?:src|href)="([^"]+)"', page)
    assert loads and not [u for u in loads if re.match(r"(https?:)?//", u)]
    assert "import mermaid" not in page
    folder = deck.parent
    for url in re.findall(r'(?:src|href)="(lib/[^"?]+)', page) + ["lib/reveal.js/dist/reveal.js"]:
        assert (folder / url).is_file(), url
    assert 'data-jp-theme-light="true"' in page and "plugin/notes/notes.js" in page
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert f'href="{deck.name}"' in index and "LSTM and GRU" in index


def first_slide_with(nb, wanted):
    """Reveal's (horizontal, vertical) indices of the slide that shows the first wanted cell."""
    h, v = -1, 0
    for cell in nb.cells:
        kind = slides.slide_type(cell)
        if kind == "skip":
            continue
        if kind == "slide" or h < 0:
            h, v = h + 1, 0
        elif kind == "subslide":
            v += 1
        if kind != "notes" and wanted(cell):
            return h, v
    raise AssertionError("no such cell")


def _chromium():
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def test_a_deck_works_in_a_real_browser_offline(deck):
    if not _chromium():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser test: install Chromium (apt-get install chromium)")
        pytest.skip("no Chromium here (apt-get install chromium, or set CHROMIUM to its path)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    remote, failed, errors = [], [], []

    def only_files(route):
        if route.request.url.startswith("file:"):
            return route.continue_()
        remote.append(route.request.url)
        return route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
        context.route("**/*", only_files)
        page = context.new_page()
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(deck.as_uri())

        # reveal.js initialises; the deck has a slide for each slide or subslide cell
        page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
        page.evaluate(
            "new Promise(done => require(['lib/reveal.js/dist/reveal.js'],"
            " R => { window.deck = R; done(); }))"
        )
        assert page.evaluate("deck.isReady()")
        assert page.evaluate("deck.getTotalSlides()") == slides.count_slides(read(DECK_SOURCE))
        page.screenshot(path=ARTIFACTS / "01-title.png")

        # MathJax renders the equations
        page.wait_for_function(
            "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
            " && document.querySelectorAll('.MathJax_CHTML').length > 0",
            timeout=30_000,
        )
        assert "\\sigma" not in page.inner_text(".reveal .slides")  # no raw TeX left

        # the right-arrow key moves to the next slide
        page.keyboard.press("ArrowRight")
        page.wait_for_function("deck.getIndices().h === 1")
        page.screenshot(path=ARTIFACTS / "02-next.png")

        # the notebook's first cell full of equations (the LSTM's gates), on its slide
        equations = lambda cell: cell.cell_type == "markdown" and cell.source.count("$") >= 10  # noqa: E731
        h, v = first_slide_with(read(DECK_SOURCE), equations)
        page.evaluate(f"deck.slide({h}, {v})")
        page.wait_for_timeout(1000)  # the slide transition
        widths = page.eval_on_selector_all(
            "section.present .MathJax_CHTML",
            "els => els.filter(e => !e.closest('aside')).map(e => e.getBoundingClientRect().width)",
        )
        assert len(widths) >= 5 and max(widths) > 100  # whole equations, rendered on screen
        page.screenshot(path=ARTIFACTS / "03-equation.png")

        # a plot on screen, its image decoded
        page.evaluate(
            "(() => { const img = document.querySelector('.reveal .slides img');"
            " const i = deck.getIndices(img.closest('section')); deck.slide(i.h, i.v); })()"
        )
        page.wait_for_timeout(1000)
        plot = page.locator("section.present img").first
        assert plot.is_visible()
        assert plot.evaluate("img => img.complete && img.naturalWidth > 100")
        page.screenshot(path=ARTIFACTS / "04-plot.png")
        browser.close()

    assert remote == [], "the deck asked the internet for these"
    assert failed == [] and errors == []
