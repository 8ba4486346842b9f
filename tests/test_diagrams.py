"""The cell diagrams are wired as their equations say.

The test reads the drawn SVG, not the code that drew it: boxes and circles are the figure's nodes
(named by a `data-node` attribute), and each line joins what its two ends touch. A line that starts
on another line branches off it and carries what that line carries at that point; a line that ends
on another line joins it from there on. Lines that only cross do not join. Each node's inputs are
then compared with the equations printed beside the figure.
"""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from tools import diagrams

SVG = "{http://www.w3.org/2000/svg}"
NEAR = 4.0  # how far (px) a line's end may be from what it touches


def _points(d):
    """The corner points of a path's `d`: the ends of its M, L, A and C commands."""
    points = []
    for args in re.findall(r"[MLAC]([^MLAC]*)", d):
        numbers = [float(v) for v in re.findall(r"-?[\d.]+", args)]
        points.append((numbers[-2], numbers[-1]))
    return points


def _on_segment(p, a, b):
    """The distance along a->b at which p lies on it, or None."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    length = math.dist(a, b)
    if length == 0:
        return None
    t = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / length**2
    if not -0.01 <= t <= 1.01:
        return None
    if math.dist(p, (ax + t * (bx - ax), ay + t * (by - ay))) > NEAR:
        return None
    return t * length


def _at(points, p):
    """How far along the polyline `points` p lies, or None if it is not on it."""
    run = 0.0
    for a, b in zip(points, points[1:]):
        s = _on_segment(p, a, b)
        if s is not None:
            return run + s
        run += math.dist(a, b)
    return None


def wiring(svg):
    """{node: set of the nodes whose lines arrive at it} for the named nodes of `svg`."""
    root = ET.fromstring(svg)
    shapes = {}  # name -> function(point) -> touches?
    labels = {}  # name -> (x, y) of a named text: a line's free end near it is that input/output
    for el in root.iter():
        name = el.get("data-node")
        if el.tag == SVG + "rect" and name:
            x, y, w, h = (float(el.get(k)) for k in ("x", "y", "width", "height"))
            shapes[name] = lambda p, x=x, y=y, w=w, h=h: (
                x - NEAR <= p[0] <= x + w + NEAR and y - NEAR <= p[1] <= y + h + NEAR
            )
        elif el.tag == SVG + "circle" and name:
            cx, cy, r = (float(el.get(k)) for k in ("cx", "cy", "r"))
            shapes[name] = lambda p, c=(cx, cy), r=r: math.dist(p, c) <= r + NEAR
        elif el.tag == SVG + "text" and name:
            labels[name] = (float(el.get("x")), float(el.get("y")))
    drawn = [el for el in root if el.tag == SVG + "path"]  # not the arrowheads' in <defs>
    lines = [_points(el.get("d")) for el in drawn]

    def touching(p):
        return [name for name, touches in shapes.items() if touches(p)]

    def label_near(p):
        name, where = min(labels.items(), key=lambda item: math.dist(item[1], p))
        assert math.dist(where, p) < 60, f"a line ends at {p}, near no node or named label"
        return name

    def hosts(i, p):
        """The other lines that p lies on, with how far along each."""
        found = [(j, _at(q, p)) for j, q in enumerate(lines) if j != i]
        return [(j, s) for j, s in found if s is not None]

    starts, joins = {}, {}  # line -> (line it branches off, at) ; line -> [(joined line, at)]
    origin, ends = {}, {}
    for i, points in enumerate(lines):
        first, last = points[0], points[-1]
        if touching(first):
            (origin[i],) = touching(first)
        elif hosts(i, first):
            (starts[i],) = hosts(i, first)
        else:
            origin[i] = label_near(first)
        if touching(last):
            (ends[i],) = touching(last)
        elif hosts(i, last):
            ((j, s),) = hosts(i, last)
            joins.setdefault(j, []).append((i, s))
        else:
            ends[i] = label_near(last)

    def carried(i, at=math.inf, seen=()):
        """The nodes whose output line i carries at distance `at` along it."""
        assert i not in seen, "lines that feed each other in a loop"
        found = {origin[i]} if i in origin else carried(*starts[i], seen + (i,))
        for j, s in joins.get(i, []):
            if s < at:
                found |= carried(j, math.inf, seen + (i,))
        return found

    inputs = {name: set() for name in list(shapes) + list(labels)}
    for i, node in ends.items():
        inputs[node] |= carried(i)
    return inputs


def _drawn(name):
    return (diagrams.FIGURES / f"{name}.svg").read_text(encoding="utf-8")


# Keras' GRU with reset_after=True, the equations under the figure:
#   z, r = σ(W x_t + U h_{t-1} + b)
#   h~_t = tanh(W_h x_t + r_t ⊙ (U_h h_{t-1} + b_h))
#   h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h~_t
GRU = {
    "z_t": {"h_{t-1}", "x_t"},
    "r_t": {"h_{t-1}", "x_t"},
    "U_h h": {"h_{t-1}"},  # the recurrent part of the candidate sees h_{t-1} alone...
    "r*Uh": {"r_t", "U_h h"},  # ...and r scales it after its weights
    "W_h x": {"x_t"},  # x_t reaches the candidate through its own weights
    "cand sum": {"r*Uh", "W_h x"},
    "h~": {"cand sum"},
    "1-z": {"z_t"},
    "z*h": {"z_t", "h_{t-1}"},
    "(1-z)*h~": {"1-z", "h~"},
    "h_t": {"z*h", "(1-z)*h~"},
    "h_t out": {"h_t"},
    "h_t up": {"h_t"},
    "h_{t-1}": set(),
    "x_t": set(),
}

# The LSTM, the equations of the lecture's gates slide:
#   f, i, o = σ(W [h_{t-1}, x_t] + b),  c~_t = tanh(W_c [h_{t-1}, x_t] + b_c)
#   c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t,   h_t = o_t ⊙ tanh(c_t)
LSTM = {
    "f_t": {"h_{t-1}", "x_t"},
    "i_t": {"h_{t-1}", "x_t"},
    "c~_t": {"h_{t-1}", "x_t"},
    "o_t": {"h_{t-1}", "x_t"},
    "f*c": {"f_t", "c_{t-1}"},
    "i*c~": {"i_t", "c~_t"},
    "c_t": {"f*c", "i*c~"},
    "tanh(c_t)": {"c_t"},
    "o*tanh": {"o_t", "tanh(c_t)"},
    "c_t out": {"c_t"},
    "h_t out": {"o*tanh"},
    "h_t up": {"o*tanh"},
    "h_{t-1}": set(),
    "c_{t-1}": set(),
    "x_t": set(),
}


@pytest.mark.parametrize("name, equations", [("gru_cell", GRU), ("lstm_cell", LSTM)])
def test_each_cell_is_wired_as_its_equations_say(name, equations):
    assert wiring(_drawn(name)) == equations


def _without(svg, pattern):
    """`svg` with the one path whose `d` matches `pattern` left out."""
    found = re.findall(rf'<path d="{pattern}"[^>]*/>\n?', svg)
    assert len(found) == 1, found
    return svg.replace(found[0], "")


def test_the_wiring_test_sees_a_missing_or_misplaced_line():
    svg = _drawn("gru_cell")
    # x_t no longer reaching the candidate's W_h: the old drawing's fault
    assert wiring(_without(svg, r"M220,480 [^\"]*"))["W_h x"] == set()
    # r applied to h_{t-1} before its weights: U_h's line starting after the product
    moved = svg.replace('data-node="r*Uh"', 'data-node="U_h h-"').replace(
        'data-node="U_h h"', 'data-node="r*Uh"'
    )
    assert wiring(moved)["r*Uh"] == {"h_{t-1}"}
    # a line that only crosses another (the update gate's, over U_h's) does not join it
    straight = re.sub(r"L420,279 A9,9 0 0 1 420,261 ", "", svg)
    assert wiring(straight) == GRU
    # the candidate's recurrent part taken from the state line after z's product: z ⊙ h, not h
    late = svg.replace('<path d="M150,270 L500,270"', '<path d="M460,120 L460,270 L500,270"')
    assert wiring(late)["U_h h"] == {"z*h"}
