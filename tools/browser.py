"""The decks in headless Chromium, as an audience sees them: rules checked on every slide,
screenshots, contact sheets and PDFs.

Each slide of a deck is shown at 1280 x 720 with all its fragments and measured:

- code and output blocks fit the slide's width (no sideways scrolling, nothing cut at the edge);
- no stderr output (TensorFlow's log, warnings), no assert in the code (the notebook's checks), and
  no path of the machine that built the deck (a home folder, the data folder, `~/.keras`);
- the slide fits the screen: at most 720 px tall, so that nothing is cut off, live or printed;
- at most MAX_CODE_LINES lines of code and about MAX_WORDS words of prose (the rest is the
  speaker's: it goes to the notes);
- body text at least 28 px, code and printed output at least 20 px, plot text at least 16 px as
  displayed, and text contrast at least 4.5:1 (WCAG AA);
- every image (the diagrams) loaded;
- every slide has a heading (h1-h3), and no heading stands alone on its slide;
- no two texts of a plot overlap (labels drawn too small for a slide run into each other);
- reveal.js' navigation arrows, if a deck shows them, cover nothing (the decks hide them: keys,
  a clicker, swipes and the overview navigate).

`problems(report)` turns the measurements into one line per broken rule, and adds the deck's own:
the slide budget (at most one content slide a minute of the deck's `deck.minutes`; the title,
"last time", "today" and the closing slide are not content) and the speaker notes (on at least
every second content slide).
"""

import contextlib
import math
import os
import pathlib
import re
import shutil

WIDTH, HEIGHT = 1280, 720
MAX_HEIGHT = HEIGHT
MAX_CODE_LINES, MAX_WORDS = 12, 100  # "about 80": 80 a cell (slides.MAX_WORDS), two on a slide
MIN_BODY_PX, MIN_CODE_PX, MIN_PLOT_PX, MIN_CONTRAST = 28, 20, 16, 4.5
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# In checks and screenshots every fragment is shown, as after the last click.
_SHOW_FRAGMENTS = (
    ".reveal .slides .fragment { opacity: 1 !important; visibility: inherit !important; }"
)


def chromium():
    """The Chromium to drive: $CHROMIUM, or chromium on the PATH; None if there is none."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@contextlib.contextmanager
def browser_page(remote=None):
    """A Chromium page at 1280 x 720 with the network off: only file: URLs load. Requests for
    anything else are refused and appended to `remote` (a list) if one is given."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    if executable is None:
        raise FileNotFoundError(
            "Chromium is needed for contact sheets, PDFs and the deck tests: apt-get install "
            "chromium, or set CHROMIUM to a Chromium or Chrome executable."
        )

    def only_files(route):
        if route.request.url.startswith(("file:", "data:")):
            return route.continue_()
        if remote is not None:
            remote.append(route.request.url)
        return route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": WIDTH, "height": HEIGHT})
            context.route("**/*", only_files)
            yield context.new_page()
        finally:
            browser.close()


def open_deck(page, deck, query=""):
    """Load `deck` in `page`, wait for reveal.js and MathJax, and expose reveal.js as `deck`."""
    page.goto(pathlib.Path(deck).resolve().as_uri() + query)
    page.wait_for_selector(".reveal.ready", state="attached", timeout=60_000)
    page.evaluate(
        "new Promise(done => require(['lib/reveal.js/dist/reveal.js'],"
        " R => { window.deck = R; done(); }))"
    )
    _wait_for_maths(page)


def show(page, h, v):
    """Go to slide (h, v) and wait until MathJax has redrawn its maths (queued on slidechanged)."""
    page.evaluate(f"new Promise(done => {{ deck.slide({h}, {v}); MathJax.Hub.Queue(done); }})")


def _wait_for_maths(page):
    page.wait_for_function(
        "window.MathJax && MathJax.Hub && MathJax.isReady && MathJax.Hub.queue.pending === 0"
        " && !MathJax.Hub.queue.running",
        timeout=60_000,
    )


_MEASURE = (pathlib.Path(__file__).parent / "measure.js").read_text(encoding="utf-8")


def measure(page, screenshots=None):
    """Every slide of the deck open in `page`, measured (a list of dicts, one per slide in
    reveal.js's order). With a folder `screenshots`, a PNG of each slide goes there too."""
    page.add_style_tag(content=_SHOW_FRAGMENTS)
    page.evaluate("deck.configure({transition: 'none', backgroundTransition: 'none'})")
    script = (
        _MEASURE.replace("MIN_BODY", str(MIN_BODY_PX))
        .replace("MIN_CODE", str(MIN_CODE_PX))
        .replace("MIN_PLOT", str(MIN_PLOT_PX))
        .replace("MIN_CONTRAST", str(MIN_CONTRAST))
    )
    slides = page.evaluate(
        "deck.getSlides().map(s => { const i = deck.getIndices(s); return [i.h, i.v || 0]; })"
    )
    report = []
    if screenshots is not None:
        pathlib.Path(screenshots).mkdir(parents=True, exist_ok=True)
    for number, (h, v) in enumerate(slides, 1):
        show(page, h, v)
        result = page.evaluate(script)
        result["number"] = number
        report.append(result)
        if screenshots is not None:
            page.screenshot(path=str(pathlib.Path(screenshots) / f"{number:03d}.png"))
    return report


def problems(report):
    """One line per broken rule, for the slides measured in `report`."""
    found = []
    for s in report:
        place = f"{s['indices']['h']}.{s['indices'].get('v') or 0}"
        where = f"slide {s['number']} ({place}: {s['text'][:40]!r})"
        if s["overflowing"] or s["width"] > WIDTH + 2:
            found.append(f"{where}: wider than the slide ({s['width']} px): {s['overflowing'][:3]}")
        if s["stderr"]:
            found.append(f"{where}: shows {s['stderr']} stderr output(s)")
        if not s.get("heading", True):
            found.append(f"{where}: has no heading")
        if s.get("heading_alone"):
            found.append(f"{where}: a heading alone, its content on another slide")
        if s.get("under_controls"):
            found.append(f"{where}: the navigation arrows cover: {s['under_controls'][:2]}")
        if s.get("overlapping_text"):
            found.append(f"{where}: plot text that overlaps: {s['overlapping_text'][:3]}")
        if s.get("asserts"):
            found.append(f"{where}: shows the notebook's checks: {s['asserts'][:2]}")
        if s.get("paths"):
            found.append(f"{where}: shows a path of the machine that built it: {s['paths'][:2]}")
        if s["height"] > MAX_HEIGHT:
            found.append(f"{where}: {s['height']} px tall, more than the screen ({MAX_HEIGHT})")
        if s.get("code_lines", 0) > MAX_CODE_LINES:
            found.append(f"{where}: {s['code_lines']} lines of code (at most {MAX_CODE_LINES})")
        if s.get("words", 0) > MAX_WORDS and not s["generated"]:  # a frame's questions may run on
            found.append(f"{where}: {s['words']} words of prose (at most about {MAX_WORDS})")
        for key, what in (
            ("small_body", f"body text under {MIN_BODY_PX} px"),
            ("small_code", f"code under {MIN_CODE_PX} px"),
            ("small_plot", f"plot text under {MIN_PLOT_PX} px"),
            ("low_contrast", f"text contrast under {MIN_CONTRAST}:1"),
            ("broken_images", "images that did not load"),
        ):
            if s[key]:
                found.append(f"{where}: {what}: {s[key][:3]}")
    found += note_problems(report)
    return found


def note_problems(report):
    """The deck's own rules: at most `minutes` content slides (the title, "last time", "today"
    and the closing slide are the deck's frame, not content), and speaker notes on at least every
    second content slide."""
    found = []
    content = [s for s in report if not s["generated"]]
    minutes = report[0].get("minutes") if report else None
    if minutes and len(content) > minutes:
        found.append(
            f"{len(content)} content slides for a deck of {minutes} minutes: at most one a minute"
        )
    noted = sum(s["notes"] for s in content)
    if noted < len(content) / 2:
        found.append(
            f"speaker notes on {noted} of {len(content)} content slides: at least every second"
        )
    return found


def contact_sheet(deck, out=None):
    """A PNG grid of every slide of `deck` (default: beside it, `<deck>.contact.png`)."""
    deck = pathlib.Path(deck)
    out = pathlib.Path(out or deck.with_name(deck.name.replace(".slides.html", ".contact.png")))
    folder = out.with_name(out.name + ".shots")
    try:
        with browser_page() as page:
            open_deck(page, deck)
            report = measure(page, screenshots=folder)
        return sheet(report, folder, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sheet(report, screenshots, out, columns=4):
    """Lay the screenshots of the slides in `report` (taken by `measure`) out in a grid, each
    numbered as in the deck, and write it to `out` (PNG)."""
    from PIL import Image, ImageDraw

    thumb_w, thumb_h, pad = 400, 225, 28
    rows = math.ceil(len(report) / columns)
    grid = Image.new("RGB", (columns * (thumb_w + 8) + 8, rows * (thumb_h + pad) + 8), "white")
    draw = ImageDraw.Draw(grid)
    for i, s in enumerate(report):
        shot = Image.open(pathlib.Path(screenshots) / f"{s['number']:03d}.png").convert("RGB")
        shot.thumbnail((thumb_w, thumb_h))
        x, y = 8 + (i % columns) * (thumb_w + 8), 8 + (i // columns) * (thumb_h + pad)
        grid.paste(shot, (x, y + pad - 6))
        draw.rectangle([x - 1, y + pad - 7, x + thumb_w, y + pad - 6 + thumb_h], outline="#999")
        where = f"{s['number']}  ({s['indices']['h']}.{s['indices'].get('v') or 0})"
        draw.text((x, y + 4), where, fill="black")
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.png")
    grid.save(tmp)
    tmp.replace(out)
    return out


def pdf(deck, out=None):
    """`deck` as a PDF, one page per slide, printed by Chromium from reveal.js's print view."""
    deck = pathlib.Path(deck)
    out = pathlib.Path(out or deck.with_name(deck.name.replace(".slides.html", ".pdf")))
    with browser_page() as page:
        open_deck(page, deck, "?print-pdf")
        page.wait_for_selector(".reveal .pdf-page", state="attached", timeout=60_000)
        tmp = out.with_name(out.name + ".tmp")
        # reveal.js sets the page size (@page) to its slide size: use exactly that
        page.pdf(path=str(tmp), print_background=True, prefer_css_page_size=True)
        tmp.replace(out)
    return out


def pdf_pages(path):
    """The number of pages of a PDF that Chromium wrote."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pathlib.Path(path).read_bytes()))
