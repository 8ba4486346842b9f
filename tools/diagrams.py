"""The lecture's diagrams, drawn as SVG into `slides/figures/` from this one file.

    python -m tools.diagrams            # (re)draw every diagram: NAME.svg, and NAME.png from it
    python -m tools.diagrams --check    # exit 1 if a committed SVG differs from what this draws

The pictures follow the ones the lecture teaches with: the RNN cell unrolled with U, V and W, the
path of the gradient in BPTT, the LSTM chain and cell (drawn after Christopher Olah's
"Understanding LSTM Networks", 2015, as the slides' are), the GRU, one-hot against an embedding,
sliding and shuffled windows, the many-to-many char RNN and the Bidirectional LSTM. Notebooks show
them as cell attachments (stamped by `python -m tools.notebooks`), so they appear on Colab too.
JupyterLab and Colab show only bitmap attachments, so each SVG also gets a PNG rendering (by
Chromium, at 1.5x for sharp text) for the notebooks; the decks show the SVG itself. Text stays
text (a generic font), so the pictures stay sharp and searchable.

Why a small `Drawing` class of our own (about 130 lines) and not a library, weighed for issue 31:
- Graphviz (which CI installs for `plot_model`) places the nodes itself. These pictures are the
  slides' pictures, placed by hand: Olah's LSTM cell with its gates along one line, the unrolled
  RNN under its folded cell, the gradient's path drawn over the chain. A layout engine cannot be
  told to keep them so.
- drawsvg would write the SVG elements for us, about 60 of the class's lines. What the class is
  for stays ours either way: the build-up stages a slide reveals one at a time, the `data-node`
  names that tests/test_diagrams.py follows to check the wiring, TeX-like sub- and superscripts
  as tspans, white halos behind labels and the small bridges where lines cross. And the committed
  SVGs must come out byte for byte the same (`--check`), which an upgrade of drawsvg could change.
  One more dependency to save 60 lines of f-strings was not worth it.
"""

import argparse
import html
import pathlib
import re
import sys

from . import ROOT, report

FIGURES = ROOT / "slides" / "figures"

BLUE, BLUE_FILL = "#1d4e89", "#dbe8f6"
ORANGE, ORANGE_FILL = "#8a4b00", "#fde9d2"
GREEN, GREEN_FILL = "#2d6a1f", "#dcefd5"
RED, RED_FILL = "#a11d1d", "#f8d9d9"
YELLOW, YELLOW_FILL = "#6b5400", "#fff1c7"
GREY = "#444444"
OLAH = "drawn after C. Olah, Understanding LSTM Networks (2015)"


def _label(text):
    """Plain text with TeX-like sub- and superscripts (`h_{t-1}`, `x_t`, `c^~`) as SVG tspans."""
    out, i = [], 0
    pattern = re.compile(
        r"(?<![A-Za-z]{2})(?<=[A-Za-z\u0177~\u2192\u2190\u03a3\u220f}])([_^])(\{[^}]*\}|[A-Za-z0-9])(?![a-z])"
    )
    for match in pattern.finditer(text):
        out.append(html.escape(text[i : match.start()]))
        body = match.group(2).strip("{}").replace("-", "\u2212")
        shift = "sub" if match.group(1) == "_" else "super"
        out.append(f'<tspan baseline-shift="{shift}" font-size="70%">{html.escape(body)}</tspan>')
        i = match.end()
    out.append(html.escape(text[i:]))
    # SVG folds runs of spaces into one: keep the gaps that separate formulas
    return re.sub(r" {2,}", lambda m: "\u00a0" * len(m.group(0)), "".join(out))


class Drawing:
    """A small SVG canvas: boxes, circles, arrows and labels, in user units that display as px."""

    def __init__(self, width, height, title):
        self.width, self.height, self.title = width, height, title
        self.parts = []  # (stage, SVG element)
        self.stage = 0  # what is drawn from now on appears at this step of a build-up

    def _add(self, part):
        self.parts.append((self.stage, part))

    @property
    def stages(self):
        """How many steps the picture is built in on a slide (1: it appears whole)."""
        return max(stage for stage, _ in self.parts) + 1

    def text(
        self,
        x,
        y,
        text,
        size=24,
        color=GREY,
        anchor="middle",
        italic=False,
        bold=False,
        halo=True,
        node=None,
    ):
        """A label; `halo` gives it a white outline, so a line behind it never crosses it. A label
        with a `node` name is where a line starts or ends (an input or an output of the figure)."""
        style = (' font-style="italic"' if italic else "") + (' font-weight="bold"' if bold else "")
        style += f' data-node="{html.escape(node)}"' if node else ""
        if halo:
            style += (
                ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
            )
        family = "DejaVu Serif, Georgia, serif" if italic else "DejaVu Sans, Arial, sans-serif"
        self._add(
            f'<text x="{x}" y="{y}" font-size="{size}" fill="{color}" text-anchor="{anchor}" '
            f'dominant-baseline="middle" font-family="{family}"{style}>{_label(text)}</text>'
        )

    def box(
        self,
        x,
        y,
        w,
        h,
        label="",
        stroke=BLUE,
        fill=BLUE_FILL,
        size=24,
        rx=12,
        italic=False,
        node=None,
    ):
        """A rounded box whose top-left corner is (x, y), with a centred label. `node` names it
        for the wiring test (tests/test_diagrams.py), which follows the lines into and out of it."""
        name = f' data-node="{html.escape(node)}"' if node else ""
        self._add(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="2.5"{name}/>'
        )
        if label:
            self.text(x + w / 2, y + h / 2, label, size, stroke, italic=italic, halo=False)

    def circle(self, x, y, r, label="", stroke=GREY, fill="#ffffff", size=26, node=None):
        name = f' data-node="{html.escape(node)}"' if node else ""
        self._add(
            f'<circle cx="{x}" cy="{y}" r="{r}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="2.5"{name}/>'
        )
        if label:
            self.text(x, y + 1, label, size, stroke, halo=False)

    def arrow(self, *points, color=GREY, width=2.5, dashed=False, head=True, hop=None):
        """A polyline through `points` ((x, y) pairs), with an arrowhead at its end. Lines join
        only where one ends on another; `hop` ((x, y) on a vertical stretch) draws a small bridge
        where this line crosses another without joining it."""
        d = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
        if hop:
            x, y = hop
            up = any(b[1] < a[1] for a, b in zip(points, points[1:]) if a[0] == b[0] == x)
            near, far = (y + 9, y - 9) if up else (y - 9, y + 9)
            d = re.sub(
                rf"L{x},([\d.]+)",
                lambda m: (
                    f"L{x},{near} A9,9 0 0 {1 if up else 0} {x},{far} L{x},{m.group(1)}"
                    if (float(m.group(1)) - y) * (far - y) > 0
                    else m.group(0)
                ),
                d,
                count=1,
            )
        self.path(d, color, width, dashed, head)

    def path(self, d, color=GREY, width=2.5, dashed=False, head=True):
        marker = f' marker-end="url(#head-{color[1:]})"' if head else ""
        dash = ' stroke-dasharray="9 6"' if dashed else ""
        self._add(
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"{dash}{marker}/>'
        )

    def caption(self, text, size=20, credit=None):
        """An italic caption along the bottom, with a small credit line under it if given."""
        self.text(self.width / 2, self.height - (40 if credit else 22), text, size, italic=True)
        if credit:
            self.text(self.width / 2 + 20, self.height - 12, credit, 17)

    def svg(self, upto=None):
        """The picture as SVG; with `upto`, only what steps 0 to `upto` of its build-up draw."""
        parts = [part for stage, part in self.parts if upto is None or stage <= upto]
        colors = sorted(set(re.findall(r"url\(#head-([0-9a-f]{6})\)", "".join(parts))))
        markers = "".join(
            f'<marker id="head-{c}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="16" '
            f'markerHeight="16" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" '
            f'fill="#{c}"/></marker>'
            for c in colors
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img">\n'
            f"<title>{html.escape(self.title)}</title>\n<defs>{markers}</defs>\n"
            f'<rect width="100%" height="100%" fill="#ffffff"/>\n' + "\n".join(parts) + "\n</svg>\n"
        )


# ---- the diagrams ---------------------------------------------------------------------------


def rnn_unrolled():
    d = Drawing(1160, 470, "An RNN cell and the same cell unrolled over time, with U, V and W")
    # the folded cell
    d.box(60, 190, 110, 80, "h", italic=True, size=30)
    d.box(70, 370, 90, 60, "x", ORANGE, ORANGE_FILL, italic=True, size=28)
    d.box(70, 30, 90, 60, "\u0177", GREEN, GREEN_FILL, italic=True, size=28)
    d.arrow((115, 370), (115, 272))
    d.arrow((115, 190), (115, 92))
    d.text(95, 320, "U", 26, ORANGE, anchor="end", italic=True)
    d.text(95, 140, "V", 26, GREEN, anchor="end", italic=True)
    d.path("M170,215 C230,215 230,150 170,150 C130,150 130,170 130,188", RED)
    d.text(232, 170, "W", 26, RED, italic=True)
    d.text(300, 232, "unroll", 24, GREY)
    d.arrow((265, 255), (345, 255), width=3)
    # unrolled over three steps
    steps = [("t-1", 440), ("t", 700), ("t+1", 960)]
    d.arrow((360, 230), (438, 230), color=RED)
    d.text(370, 205, "h_{t-2}", 22, RED, anchor="start", italic=True)
    for i, (t, x) in enumerate(steps):
        d.box(x, 190, 120, 80, f"h_{{{t}}}", italic=True, size=28)
        d.box(x + 10, 370, 100, 60, f"x_{{{t}}}", ORANGE, ORANGE_FILL, italic=True, size=26)
        d.box(x + 10, 30, 100, 60, f"\u0177_{{{t}}}", GREEN, GREEN_FILL, italic=True, size=26)
        d.arrow((x + 60, 370), (x + 60, 272))
        d.arrow((x + 60, 190), (x + 60, 92))
        d.text(x + 48, 320, "U", 24, ORANGE, anchor="end", italic=True)
        d.text(x + 48, 140, "V", 24, GREEN, anchor="end", italic=True)
        end = steps[i + 1][1] - 2 if i + 1 < len(steps) else x + 190
        d.arrow((x + 120, 230), (end, 230), color=RED)
        d.text((x + 120 + end) / 2, 210, "W", 24, RED, italic=True)
    d.text(
        580,
        455,
        "h_t = tanh(U x_t + W h_{t-1} + b)     \u0177_t = softmax(V h_t + c)     "
        "the same U, V, W at every step",
        21,
        italic=True,
    )
    return d


def bptt():
    d = Drawing(
        1160,
        530,
        "Backpropagation through time: the gradient of a loss travels back "
        "through one Jacobian per step",
    )
    xs = [120, 330, 540, 750, 960]
    names = ["1", "2", "k", "T-1", "T"]
    for x, t in zip(xs, names):
        d.box(x - 60, 200, 120, 80, f"h_{{{t}}}", italic=True, size=28)
        d.box(x - 50, 390, 100, 56, f"x_{{{t}}}", ORANGE, ORANGE_FILL, italic=True, size=24)
        d.circle(x, 80, 40, f"L_{{{t}}}", GREEN, GREEN_FILL, size=24)
        d.arrow((x, 390), (x, 282))
        d.arrow((x, 200), (x, 122))
    for a, b in zip(xs, xs[1:]):
        d.arrow((a + 60, 222), (b - 62, 222))
    # the gradient of L_T flows back, weaker at every step
    d.arrow((xs[-1] + 25, 118), (xs[-1] + 25, 198), color=RED, dashed=True, width=5)
    widths = [1.5, 2.2, 3.2, 4.5]
    for (a, b), w in zip(zip(xs, xs[1:]), widths):
        d.arrow((b - 60, 262), (a + 62, 262), color=RED, dashed=True, width=w)
        d.text((a + b) / 2, 300, "\u2202h_i / \u2202h_{i-1}", 20, RED, italic=True)
    d.text(
        580,
        508,
        "black: the forward pass;  red, dashed: the gradient of L_T, thinner where it has shrunk",
        19,
        GREY,
    )
    d.text(
        580,
        474,
        "\u2202L_T/\u2202W = \u03a3_k (\u220f_{i=k+1}^{T} \u2202h_i / \u2202h_{i-1}) "
        "\u00b7 \u2202h_k/\u2202W:  a product of T\u2212k Jacobians",
        23,
        italic=True,
    )
    return d


def truncated_bptt():
    d = Drawing(
        1160,
        470,
        "Truncated BPTT: the state flows through the whole sequence, the gradient back through "
        "one window",
    )
    k, steps, x0, dx = 4, 12, 80, 92
    shades = [BLUE_FILL, YELLOW_FILL, GREEN_FILL]
    for w in range(steps // k):
        left = x0 + w * k * dx - 40
        d.box(left, 40, k * dx - 8, 330, "", GREY, shades[w], rx=14)
        d.text(left + (k * dx - 8) / 2, 66, f"window {w + 1}: k = {k} steps", 20, GREY)
    for i in range(steps):
        x = x0 + i * dx
        d.box(x - 30, 170, 60, 56, f"h_{{{i + 1}}}", italic=True, size=22)
        d.box(x - 26, 300, 52, 44, f"x_{{{i + 1}}}", ORANGE, ORANGE_FILL, italic=True, size=19)
        d.arrow((x, 300), (x, 228))
        if i + 1 < steps:
            d.arrow((x + 30, 190), (x + dx - 32, 190))  # forward: never cut
            if (i + 1) % k:
                d.arrow((x + dx - 30, 212), (x + 32, 212), color=RED, dashed=True)
            else:  # the window ends: the gradient stops here
                d.arrow(
                    (x + dx - 30, 212), (x + dx / 2 + 12, 212), color=RED, dashed=True, head=False
                )
                d.text(x + dx / 2, 213, "\u2715", 34, RED, bold=True)
    for w in range(steps // k):
        last = x0 + ((w + 1) * k - 1) * dx
        d.circle(last, 116, 26, f"L_{{{w + 1}}}", GREEN, GREEN_FILL, size=20)
        d.arrow((last, 170), (last, 144), color=GREEN)
    d.text(
        580,
        412,
        "grey: the forward pass, carried on from window to window;  red, dashed: the gradient, "
        "which stops at \u2715",
        19,
    )
    d.text(
        580,
        444,
        "The longest dependency the gradient can teach is k steps: memory costs O(k), not O(T).",
        20,
        italic=True,
    )
    return d


def sequence_tasks():
    d = Drawing(1160, 450, "One to many, many to one, many to many: what an RNN reads and writes")
    panels = [
        ("one to many", ("a seed in, text out", "(generation)"), [0], [0, 1, 2, 3]),
        ("many to one", ("words in, the next word out", "(Lab 11-2b)"), [0, 1, 2, 3], [3]),
        (
            "many to many",
            ("a character in, the next out", "at every step (Lab 11-2)"),
            [0, 1, 2, 3],
            [0, 1, 2, 3],
        ),
    ]
    for p, (name, example, ins, outs) in enumerate(panels):
        left = 20 + p * 380
        d.text(left + 175, 34, name, 26, BLUE, bold=True)
        for i in range(4):
            x = left + 40 + i * 90
            d.box(x - 28, 170, 56, 56, "", BLUE, BLUE_FILL)
            if i < 3:
                d.arrow((x + 28, 198), (x + 60, 198), color=RED)
            if i in ins:
                d.box(x - 24, 290, 48, 40, "", ORANGE, ORANGE_FILL, rx=8)
                d.arrow((x, 290), (x, 228), color=ORANGE)
            if i in outs:
                d.box(x - 24, 66, 48, 40, "", GREEN, GREEN_FILL, rx=8)
                d.arrow((x, 170), (x, 108), color=GREEN)
        d.text(left + 175, 362, example[0], 19, GREY)
        d.text(left + 175, 388, example[1], 19, GREY)
    d.text(
        580,
        432,
        "orange: inputs,  blue: the RNN step,  red: the state carried,  green: outputs",
        18,
        GREY,
        italic=True,
    )
    return d


def lstm_chain():
    d = Drawing(
        1160,
        440,
        "A chain of LSTM cells: the cell state runs along the top, the hidden "
        "state along the bottom",
    )
    xs = [150, 580, 1010]
    d.arrow((20, 110), (xs[0] - 112, 110), color=BLUE, width=4)
    d.arrow((20, 270), (xs[0] - 112, 270), color=GREY)
    for i, x in enumerate(xs):
        d.box(x - 110, 60, 220, 260, "", BLUE, "#f2f7fc", rx=18)
        d.text(x, 190, "LSTM", 30, BLUE, bold=True)
        d.text(x, 225, "gates f, i, o", 20, BLUE)
        t = ["t-1", "t", "t+1"][i]
        d.box(x - 45, 345, 90, 46, f"x_{{{t}}}", ORANGE, ORANGE_FILL, italic=True, size=24)
        d.arrow((x, 345), (x, 322))
        d.arrow((x + 60, 60), (x + 60, 14), color=GREEN)
        d.text(x + 75, 28, f"h_{{{t}}}", 22, GREEN, anchor="start", italic=True)
        if i + 1 < len(xs):
            d.arrow((x + 110, 110), (xs[i + 1] - 112, 110), color=BLUE, width=4)
            d.arrow((x + 110, 270), (xs[i + 1] - 112, 270), color=GREY)
            d.text((x + xs[i + 1]) / 2, 88, f"c_{{{t}}}", 24, BLUE, italic=True)
            d.text((x + xs[i + 1]) / 2, 250, f"h_{{{t}}}", 24, GREY, italic=True)
    d.text(
        580,
        425,
        "The cell state c (blue) is changed only by \u00d7 and + on its way: the "
        "LSTM's long memory.",
        20,
        BLUE,
        italic=True,
    )
    return d


def lstm_cell():
    d = Drawing(
        1160, 600, "One LSTM cell: forget, input and output gates, the candidate and the cell state"
    )
    d.box(110, 60, 900, 420, "", BLUE, "#f7fafd", rx=22)
    top, bus = 130, 440
    # cell state line: c_{t-1} -> x(forget) -> +(input) -> c_t
    d.text(20, top - 28, "c_{t-1}", 26, BLUE, anchor="start", italic=True, node="c_{t-1}")
    d.arrow((20, top), (282, top), color=BLUE, width=4)
    d.circle(300, top, 18, "\u00d7", BLUE, node="f*c")
    d.arrow((318, top), (532, top), color=BLUE, width=4)
    d.circle(550, top, 18, "+", BLUE, node="c_t")
    d.arrow((568, top), (1140, top), color=BLUE, width=4)
    d.text(1140, top - 28, "c_t", 26, BLUE, anchor="end", italic=True, node="c_t out")
    # inputs: h_{t-1} along the bottom, x_t from below, one bus into the gates
    d.text(20, bus + 30, "h_{t-1}", 26, GREY, anchor="start", italic=True, node="h_{t-1}")
    d.arrow((20, bus), (750, bus), head=False)
    d.box(150, 496, 80, 46, "x_t", ORANGE, ORANGE_FILL, italic=True, node="x_t")
    d.arrow((190, 496), (190, bus), color=ORANGE)
    gates = [
        (300, "\u03c3", "f_t", "forget", RED, RED_FILL),
        (450, "\u03c3", "i_t", "input", RED, RED_FILL),
        (600, "tanh", "c~_t", "candidate", YELLOW, YELLOW_FILL),
        (750, "\u03c3", "o_t", "output", RED, RED_FILL),
    ]
    for x, op, name, role, stroke, fill in gates:
        d.stage = {300: 1, 450: 2, 600: 2, 750: 3}[x]  # built on a slide: forget, input, output
        d.arrow((x, bus), (x, 372), color=GREY)
        d.box(x - 45, 322, 90, 48, op, stroke, fill, size=24, node=name)
        d.text(x, 395, role, 19, stroke)
        d.text(x + 12, 298, name, 24, stroke, anchor="start", italic=True)
    d.stage = 1
    d.arrow((300, 322), (300, top + 20), color=RED)
    # input gate times candidate, into the sum
    d.stage = 2
    d.circle(525, 230, 18, "\u00d7", GREY, node="i*c~")
    d.arrow((450, 322), (450, 230), (505, 230), color=RED)
    d.arrow((600, 322), (600, 230), (545, 230), color=YELLOW)
    d.arrow((532, 212), (547, top + 20), color=GREY)
    # output: tanh(c_t) times the output gate
    d.stage = 3
    d.arrow((880, top), (880, 212), color=BLUE)
    d.box(835, 214, 90, 44, "tanh", YELLOW, YELLOW_FILL, size=22, rx=22, node="tanh(c_t)")
    d.circle(880, 346, 18, "\u00d7", GREY, node="o*tanh")
    d.arrow((880, 258), (880, 326), color=YELLOW)
    d.arrow((795, 346), (860, 346), color=RED)
    d.arrow((880, 364), (880, bus), (1140, bus), color=GREEN)
    d.text(1140, bus + 30, "h_t", 26, GREEN, anchor="end", italic=True, node="h_t out")
    d.arrow((960, bus), (960, 20), color=GREEN, hop=(960, top))
    d.text(975, 30, "h_t (output)", 22, GREEN, anchor="start", italic=True, node="h_t up")
    d.stage = 0
    d.text(
        600,
        524,
        "c_t = f_t \u2299 c_{t-1} + i_t \u2299 c~_t      h_t = o_t \u2299 tanh(c_t)",
        21,
        italic=True,
    )
    d.caption(
        "Each \u03c3 gate: \u03c3(W [h_{t-1}, x_t] + b), numbers between 0 and 1", credit=OLAH
    )
    return d


def cell_state_gradient():
    d = Drawing(
        1160,
        500,
        "Why the LSTM remembers: along the cell state the gradient is only multiplied by f",
    )
    xs = [150, 420, 690, 960]
    # a simple RNN: every step back multiplies by W and tanh'
    d.text(20, 46, "simple RNN", 24, GREY, anchor="start", bold=True)
    for i, x in enumerate(xs):
        d.box(x - 50, 70, 100, 64, f"h_{{{i + 1}}}", italic=True, size=24)
        if i + 1 < len(xs):
            d.arrow((x + 50, 90), (xs[i + 1] - 52, 90))
            width = [1.5, 3, 5][i]
            d.arrow((xs[i + 1] - 50, 118), (x + 52, 118), color=RED, dashed=True, width=width)
            d.text((x + xs[i + 1]) / 2, 150, "\u00d7 diag(tanh\u2032) W", 19, RED, italic=True)
    # the LSTM: along c, only the forget gate
    d.text(20, 232, "LSTM, cell state c", 24, BLUE, anchor="start", bold=True)
    for i, x in enumerate(xs):
        d.box(x - 50, 256, 100, 64, f"c_{{{i + 1}}}", BLUE, "#f2f7fc", italic=True, size=24)
        if i + 1 < len(xs):
            d.arrow((x + 50, 276), (xs[i + 1] - 52, 276), color=BLUE, width=4)
            d.arrow((xs[i + 1] - 50, 304), (x + 52, 304), color=RED, dashed=True, width=5)
            d.text((x + xs[i + 1]) / 2, 336, "\u00d7 f_t", 21, RED, italic=True)
    d.text(
        580,
        396,
        "\u2202h_t / \u2202h_{t-1} = diag(tanh\u2032) W: norms under 1 shrink the gradient "
        "step after step",
        20,
        italic=True,
    )
    d.text(
        580,
        432,
        "\u2202c_t / \u2202c_{t-1} = diag(f_t) along the cell state: a forget gate near 1 passes "
        "it on almost whole",
        20,
        italic=True,
    )
    d.text(
        580,
        468,
        "(the paths through h and the gates add more terms; this one is why the gradient can last)",
        18,
        GREY,
    )
    return d


def gru_cell():
    """Keras' GRU with reset_after=True (its default, and the one cuDNN runs):
    r = σ(W_r x + U_r h + b_r), z = σ(W_z x + U_z h + b_z),
    h~ = tanh(W_h x + r ⊙ (U_h h + b_h)), h_t = z ⊙ h + (1 − z) ⊙ h~."""
    d = Drawing(1180, 690, "One GRU cell: update gate z, reset gate r and the candidate")
    d.box(110, 60, 1000, 440, "", BLUE, "#f7fafd", rx=22)
    top, bus, xline = 120, 440, 480
    # the state line: h_{t-1} -> x z -> + -> h_t
    d.text(20, top - 28, "h_{t-1}", 26, GREY, anchor="start", italic=True, node="h_{t-1}")
    d.arrow((20, top), (402, top), width=4)
    d.circle(420, top, 18, "\u00d7", GREY, node="z*h")
    d.arrow((438, top), (1002, top), width=4)
    d.circle(1020, top, 18, "+", GREY, node="h_t")
    d.arrow((1038, top), (1160, top), color=GREEN, width=4)
    d.text(1160, top - 28, "h_t", 26, GREEN, anchor="end", italic=True, node="h_t out")
    d.arrow((1090, top), (1090, 20), color=GREEN)
    d.text(1080, 30, "h_t (output)", 22, GREEN, anchor="end", italic=True, node="h_t up")
    # the gates read [h_{t-1}, x_t]: h_{t-1} comes down, x_t joins it
    d.box(180, 520, 80, 46, "x_t", ORANGE, ORANGE_FILL, italic=True, node="x_t")
    d.arrow((220, 520), (220, bus), color=ORANGE)
    d.stage = 1  # built on a slide: the gates, the update, the candidate
    d.arrow((150, top), (150, bus), (640, bus), (640, 372))
    d.arrow((420, bus), (420, 372))
    for x, name, role in ((420, "z_t", "update"), (640, "r_t", "reset")):
        d.box(x - 45, 322, 90, 48, "\u03c3", RED, RED_FILL, node=name)
        d.text(x, 395, role, 19, RED)
        d.text(x + 12, 298, name, 24, RED, anchor="start", italic=True)
    # update: z keeps the old state, 1 - z takes the candidate
    d.stage = 2
    d.arrow((420, 322), (420, top + 20), color=RED, hop=(420, 270))
    d.arrow((420, 200), (536, 200), color=RED)
    d.circle(562, 200, 24, "1\u2212", RED, size=20, node="1-z")
    d.arrow((586, 200), (1002, 200), color=RED)
    d.circle(1020, 200, 18, "\u00d7", GREY, node="(1-z)*h~")
    d.arrow((1020, 182), (1020, top + 20))
    # the candidate: its own weights on h_{t-1} and on x_t; r scales the recurrent part after U_h
    d.stage = 3
    d.arrow((150, 270), (500, 270))
    d.box(500, 248, 80, 44, "U_h", BLUE, "#ffffff", size=22, italic=True, node="U_h h")
    d.arrow((580, 270), (622, 270))
    d.circle(640, 270, 18, "\u00d7", GREY, node="r*Uh")
    d.arrow((640, 322), (640, 288), color=RED)
    d.arrow((658, 270), (782, 270))
    d.circle(800, 270, 18, "+", GREY, node="cand sum")
    d.arrow((220, xline), (800, xline), (800, 372), color=ORANGE)
    d.box(760, 322, 80, 48, "W_h", ORANGE, "#ffffff", size=22, italic=True, node="W_h x")
    d.arrow((800, 322), (800, 288))
    d.arrow((818, 270), (880, 270))
    d.box(880, 248, 90, 44, "tanh", YELLOW, YELLOW_FILL, size=22, node="h~")
    d.text(925, 314, "candidate", 19, YELLOW)
    d.text(1032, 246, "h~_t", 24, YELLOW, anchor="start", italic=True)
    d.arrow((970, 270), (1020, 270), (1020, 218), color=YELLOW)
    d.stage = 0
    d.text(
        590,
        604,
        "z, r = \u03c3(W x_t + U h_{t-1} + b)     "
        "h~_t = tanh(W_h x_t + r_t \u2299 (U_h h_{t-1} + b_h))",
        20,
        italic=True,
    )
    d.caption(
        "h_t = z_t \u2299 h_{t-1} + (1\u2212z_t) \u2299 h~_t      (Keras' GRU, reset_after=True)",
        20,
        credit=OLAH,
    )
    return d


def onehot_embedding():
    d = Drawing(1160, 470, "One-hot vectors against an embedding lookup")
    words = [("you", 2), ("are", 3), ("best", 5)]
    d.text(
        20,
        30,
        "one-hot: one number per word of the vocabulary",
        22,
        BLUE,
        anchor="start",
        bold=True,
    )
    for c in range(7):
        d.text(150 + c * 48, 75, str(c), 20, GREY)
    for r, (word, index) in enumerate(words):
        y = 100 + r * 70
        d.text(110, y + 24, f"{word} ({index})", 22, GREY, anchor="end")
        for c in range(7):
            on = c == index
            d.box(
                128 + c * 48,
                y,
                44,
                48,
                "1" if on else "0",
                BLUE if on else "#888888",
                BLUE_FILL if on else "#ffffff",
                size=22,
                rx=4,
            )
    d.text(280, 335, "7 numbers per word (100,000 for a real", 21, GREY)
    d.text(280, 362, "vocabulary), all equally far apart", 21, GREY)
    # the embedding table
    d.text(1140, 30, "embedding: a learned row per word", 22, GREEN, anchor="end", bold=True)
    table = [
        (0.05, -0.02),
        (0.41, 0.10),
        (-0.62, 0.35),
        (0.18, -0.77),
        (0.90, 0.12),
        (-0.31, -0.55),
        (-0.28, -0.60),
    ]
    for r, row in enumerate(table):
        y = 60 + r * 44
        d.text(700, y + 22, str(r), 20, GREY, anchor="end")
        for c, value in enumerate(row):
            lit = r == 5
            d.box(
                715 + c * 110,
                y,
                106,
                40,
                f"{value:+.2f}",
                GREEN if lit else "#888888",
                GREEN_FILL if lit else "#ffffff",
                size=20,
                rx=4,
            )
    d.arrow((480, 269), (705, 282), color=GREEN, width=3)
    d.text(600, 255, "look up row 5", 20, GREEN)
    d.text(830, 395, "2 numbers per word here (100 in the lab);", 21, GREY)
    d.text(830, 422, "similar words end up close together", 21, GREY)
    d.text(
        580,
        458,
        "Looking up row i is the same as multiplying the one-hot vector of i "
        "by the table, just cheaper.",
        20,
        italic=True,
    )
    return d


def windows():
    text = "First Citizen: Before we"
    d = Drawing(1160, 520, "Sliding windows over the text, then shuffled into batches")
    x0, cw = 30, 36
    for i, ch in enumerate(text):
        d.box(
            x0 + i * cw, 40, cw - 4, 48, ch.replace(" ", "\u2423"), GREY, "#ffffff", size=21, rx=4
        )
        if i % 4 == 0:
            d.text(x0 + i * cw + 20, 104, str(i), 16, GREY)
    length, shift = 10, 3
    colors = [(BLUE, BLUE_FILL), (GREEN, GREEN_FILL), (ORANGE, ORANGE_FILL), (RED, RED_FILL)]
    for w, (stroke, fill) in enumerate(colors):
        start, y = w * shift, 130 + w * 62
        d.box(x0 + start * cw, y, length * cw - 4, 24, "", stroke, fill, rx=6)
        d.box(x0 + (start + 1) * cw, y + 28, length * cw - 4, 24, "", stroke, "#ffffff", rx=6)
        d.text(x0 + start * cw + 8, y + 13, f"window {w + 1}: input", 17, stroke, anchor="start")
        d.text(
            x0 + (start + 1) * cw + 8,
            y + 41,
            "target (one to the right)",
            17,
            stroke,
            anchor="start",
        )
    d.text(
        x0,
        395,
        f"windows of {length} + 1 characters, a new one every {shift} characters (shift)",
        21,
        GREY,
        anchor="start",
    )
    # shuffled into a batch
    d.text(1020, 150, "shuffle, batch", 22, GREY)
    d.arrow((900, 170), (930, 200), width=3)
    for k, w in enumerate([2, 0, 3, 1]):
        stroke, fill = colors[w]
        d.box(920, 200 + k * 40, 200, 32, f"window {w + 1}", stroke, fill, size=18, rx=6)
    d.text(1020, 375, "a batch: (batch, length)", 20, GREY)
    d.text(
        580,
        450,
        "Shuffling mixes windows from all over the text, so one batch is not one passage:",
        20,
        italic=True,
    )
    d.text(
        580,
        478,
        "the gradient steps see many styles at once, and the model cannot learn "
        "the order of the file.",
        20,
        italic=True,
    )
    return d


def char_rnn(embedding=True):
    """The many-to-many char RNN. `embedding=False`: Lab 11-2's Alice model, whose inputs are
    one-hot vectors fed straight to the LSTM, with a softmax Dense head."""
    d = Drawing(
        1160,
        500,
        "The many-to-many character RNN: one prediction per input character"
        + ("" if embedding else ", one-hot inputs"),
    )
    inputs, targets = "hell", "ello"
    xs = [160, 380, 600, 820]
    d.arrow((40, 250), (xs[0] - 82, 250), color=RED)
    for i, x in enumerate(xs):
        d.box(x - 40, 400, 80, 56, inputs[i], ORANGE, ORANGE_FILL, size=30)
        if embedding:
            d.box(x - 70, 300, 140, 52, "Embedding", ORANGE, "#ffffff", size=20)
        else:
            d.box(x - 70, 300, 140, 52, "one-hot", ORANGE, "#ffffff", size=20)
        d.box(x - 80, 210, 160, 80, "LSTM", BLUE, BLUE_FILL, size=28)
        d.box(
            x - 80,
            120,
            160,
            52,
            "Dense" if embedding else "Dense softmax",
            GREEN,
            "#ffffff",
            size=19,
        )
        d.box(x - 40, 20, 80, 56, targets[i], GREEN, GREEN_FILL, size=30)
        d.arrow((x, 400), (x, 354), color=ORANGE)
        d.arrow((x, 300), (x, 292))
        d.arrow((x, 210), (x, 174))
        d.arrow((x, 120), (x, 78), color=GREEN)
        if i + 1 < len(xs):
            d.arrow((x + 80, 250), (xs[i + 1] - 82, 250), color=RED)
    d.text(1110, 48, "targets: the", 20, GREEN, anchor="end")
    d.text(1110, 72, "next character", 20, GREEN, anchor="end")
    d.text(1110, 418, "inputs: a window", 20, ORANGE, anchor="end")
    d.text(1110, 442, "of the text", 20, ORANGE, anchor="end")
    d.text(1110, 236, "state carried", 20, RED, anchor="end")
    d.text(1110, 260, "step to step", 20, RED, anchor="end")
    d.text(
        560,
        484,
        (
            "Embedding(65, 32) \u2192 LSTM(256, return_sequences=True) \u2192 Dense(65) logits"
            if embedding
            else "one-hot \u2192 LSTM(256, return_sequences=True) \u2192 Dense(softmax)"
        )
        + ", a loss at every step",
        20,
        italic=True,
    )
    return d


def ngram_history():
    d = Drawing(
        1160,
        560,
        "A word-level model predicts the next word from its history; one line gives an n-gram "
        "per word",
    )
    words = ["Can", "you", "please", "come", "here", "?"]
    xs, x = [], 140
    for w in words:
        width = 30 + 19 * len(w)
        xs.append((x, width))
        x += width + 14
    for i, (x, width) in enumerate(xs):
        predicted = i == 4
        d.box(
            x,
            40,
            width,
            52,
            words[i],
            GREEN if predicted else GREY,
            GREEN_FILL if predicted else "#ffffff",
            size=24,
            rx=8,
        )
    first, last = xs[0][0], xs[3][0] + xs[3][1]
    d.path(f"M{first},104 L{first},116 L{last},116 L{last},104", GREY, 2.5, head=False)
    d.arrow(((first + last) / 2, 156), ((first + last) / 2, 118))
    d.text((first + last) / 2, 176, "history", 22, GREY)
    here = xs[4][0] + xs[4][1] / 2
    d.arrow((here, 150), (here, 94), color=GREEN)
    d.text(here, 172, "word being predicted", 22, GREEN)
    # one line, its n-grams: every prefix of two or more words is a training example
    line = "He was walking in the garden and".split()
    d.text(20, 228, "n-grams of one line:", 22, BLUE, anchor="start", bold=True)
    for n in range(2, len(line) + 1):
        y = 250 + (n - 2) * 44
        x = 140
        for j, w in enumerate(line[:n]):
            width = 22 + 14 * len(w)
            target = j == n - 1
            d.box(
                x,
                y,
                width,
                36,
                w,
                GREEN if target else BLUE,
                GREEN_FILL if target else BLUE_FILL,
                size=19,
                rx=6,
            )
            x += width + 8
    d.text(1140, 290, "history: every word", 20, BLUE, anchor="end")
    d.text(1140, 316, "but the last;", 20, BLUE, anchor="end")
    d.text(1140, 350, "label: the last", 20, GREEN, anchor="end")
    d.text(
        580,
        540,
        "pad_sequences then pads each history on the left to one length (11-2b: 11 words)",
        20,
        italic=True,
    )
    return d


def bilstm():
    d = Drawing(
        1160,
        500,
        "A Bidirectional LSTM: one LSTM reads left to right, another right "
        "to left, and their outputs are joined",
    )
    words = ["the", "king", "is", "dead"]
    xs = [200, 440, 680, 920]
    for i, x in enumerate(xs):
        d.box(x - 60, 420, 120, 52, words[i], ORANGE, ORANGE_FILL, size=24)
        d.box(x - 70, 290, 140, 64, "LSTM \u2192", BLUE, BLUE_FILL, size=24)
        d.box(x - 70, 180, 140, 64, "\u2190 LSTM", RED, RED_FILL, size=24)
        d.box(x - 75, 40, 150, 64, "", GREEN, GREEN_FILL, rx=8)
        d.text(x - 36, 72, "h\u2192", 22, BLUE, italic=True)
        d.text(x + 36, 72, "h\u2190", 22, RED, italic=True)
        d.path(f"M{x},44 L{x},100", GREEN, 2, head=False)
        d.arrow((x - 30, 420), (x - 30, 356), color=ORANGE)
        d.path(
            f"M{x + 30},420 L{x + 30},372 L{x + 100},372 L{x + 100},212 L{x + 72},212",
            ORANGE,
            2.5,
            head=True,
        )
        d.arrow((x - 40, 290), (x - 40, 106), color=BLUE)
        d.arrow((x + 40, 180), (x + 40, 106), color=RED)
        if i + 1 < len(xs):
            d.arrow((x + 70, 322), (xs[i + 1] - 72, 322), color=BLUE)
            d.arrow((xs[i + 1] - 70, 200), (x + 72, 200), color=RED)
    d.text(1130, 60, "joined:", 20, GREEN, anchor="end")
    d.text(1130, 86, "2 \u00d7 units", 20, GREEN, anchor="end")
    d.text(
        580,
        490,
        "Bidirectional(LSTM(150, return_sequences=True)) gives 300 numbers per "
        "word: 150 from each direction",
        20,
        italic=True,
    )
    return d


DIAGRAMS = {
    "rnn_unrolled": rnn_unrolled,
    "bptt": bptt,
    "sequence_tasks": sequence_tasks,
    "truncated_bptt": truncated_bptt,
    "cell_state_gradient": cell_state_gradient,
    "lstm_chain": lstm_chain,
    "lstm_cell": lstm_cell,
    "gru_cell": gru_cell,
    "onehot_embedding": onehot_embedding,
    "windows": windows,
    "char_rnn_onehot": lambda: char_rnn(embedding=False),
    "char_rnn": char_rnn,
    "ngram_history": ngram_history,
    "bilstm": bilstm,
}


PNG_SCALE = 1.5


def render_png(svg_path, png_path):
    """The SVG at `svg_path` as a PNG, PNG_SCALE pixels per unit, drawn by headless Chromium."""
    from playwright.sync_api import sync_playwright

    from tools import browser

    svg = svg_path.read_text(encoding="utf-8")
    width, height = (int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', svg).groups())
    tmp = png_path.with_name(png_path.name + ".tmp.png")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser.chromium(), args=browser.CHROMIUM_ARGS)
        try:
            page = chromium.new_context(
                viewport={"width": width, "height": height}, device_scale_factor=PNG_SCALE
            ).new_page()
            page.goto(svg_path.resolve().as_uri())
            page.screenshot(path=str(tmp))
        finally:
            chromium.close()
    from PIL import Image

    with Image.open(tmp) as image:  # line art: a 64-colour palette keeps it sharp and small
        image.convert("RGB").quantize(colors=64).save(tmp, optimize=True)
    tmp.replace(png_path)
    return png_path


def png_size(path):
    """(width, height) of a PNG file, from its header."""
    header = pathlib.Path(path).read_bytes()[16:24]
    return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only; exit 1 if outdated")
    args = parser.parse_args(argv)
    FIGURES.mkdir(parents=True, exist_ok=True)
    outdated = []
    for name, draw in DIAGRAMS.items():
        drawing = draw()
        path, svg, png = FIGURES / f"{name}.svg", drawing.svg(), FIGURES / f"{name}.png"
        size = (int(drawing.width * PNG_SCALE), int(drawing.height * PNG_SCALE))
        changed = not path.exists() or path.read_text(encoding="utf-8") != svg
        if changed:
            outdated.append(path)
            if not args.check:
                path.write_text(svg, encoding="utf-8")
        if changed or not png.exists() or png_size(png) != size:
            outdated.append(png)
            if not args.check:
                render_png(path, png)
    return report(outdated, args.check, "drawn", "python -m tools.diagrams")


if __name__ == "__main__":
    sys.exit(main())
