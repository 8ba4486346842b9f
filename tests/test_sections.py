"""Every public function and class of `utils` names the notebook section that teaches it.

A docstring cites a section as `Lab 11-2a, "Beam search"` (or `Lecture 11-0c, "..."`, `Homework,
"..."`; a second citation may drop the word: `; 11-0b, "..."`). The quoted words must be (part of)
a heading of that notebook, and that notebook's code must use the name. A public name that no
notebook uses says "Not taught" and which part of `utils` uses it.
"""

import importlib
import inspect
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The modules a student is sent to read (`args` holds their checks and `fastgen` the generators'
# fast path: each of their functions names the function it serves instead).
MODULES = (
    "utils",
    "utils.numpy_rnn",
    "utils.text",
    "utils.plots",
    "utils.generate",
    "utils.data",
    "utils.train",
    "utils.files",
    "utils.ngram",
    "utils.config",
    "utils.checks.exercises",
    "utils.checks.homework",
)
CITATION = re.compile(r'(?:(?:Lecture|Lab) )?(11-\d[a-d]?|Homework),? "([^"]+)"')


def _notebooks():
    """{'11-0a': (headings, code), ..., 'Homework': (...)} from the solution notebooks."""
    found = {}
    for path in sorted(ROOT.glob("*/solutions/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        key = "Homework" if path.parts[-3] == "homework" else path.name.split("_")[0]
        text = ["".join(cell["source"]) for cell in cells]
        headings = [
            " ".join(line.lstrip("#").split())
            for cell, source in zip(cells, text)
            if cell["cell_type"] == "markdown"
            for line in source.splitlines()
            if line.startswith("#")
        ]
        code = "\n".join(s for c, s in zip(cells, text) if c["cell_type"] == "code")
        found[key] = (headings, code)
    return found


NOTEBOOKS = _notebooks()


def _public():
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, thing in vars(module).items():
            if name.startswith("_") or getattr(thing, "__module__", None) != module_name:
                continue
            if inspect.isfunction(thing) or inspect.isclass(thing):
                yield pytest.param(name, thing, id=f"{module_name}.{name}")


@pytest.mark.parametrize(("name", "thing"), list(_public()))
def test_each_public_name_cites_the_section_that_teaches_it(name, thing):
    doc = " ".join((inspect.getdoc(thing) or "").split())
    # the notebooks reach utils as `utils.X`, `utils.plots.X`, `checks.X`, `nr.X` or `ngram.X`
    use = re.compile(rf"\b(?:utils|checks|nr|ngram)(?:\.\w+)?\.{name}\b")
    used_in = {key for key, (_, code) in NOTEBOOKS.items() if use.search(code)}
    citations = CITATION.findall(doc)
    if not used_in:
        assert "Not taught" in doc, f"{name}: no notebook uses it; say 'Not taught' and who uses it"
        return
    assert citations, f"{name} is used in {sorted(used_in)}: its docstring cites no section"
    for key, words in citations:
        assert key in NOTEBOOKS, f"{name} cites {key}, which is no notebook"
        headings = NOTEBOOKS[key][0]
        assert any(words.lower() in h.lower() for h in headings), (
            f"{name} cites {key}, {words!r}, which is no heading there: {headings}"
        )
    assert used_in & {key for key, _ in citations}, (
        f"{name} cites {sorted({k for k, _ in citations})}, none of which uses it "
        f"(used in {sorted(used_in)})"
    )


def test_the_citation_rule_can_fail():
    """The heading check is not vacuous: a made-up heading is not found."""
    assert not any("a heading nobody wrote" in h.lower() for h in NOTEBOOKS["11-2a"][0])
    assert CITATION.findall('Lab 11-2a, "Beam search"; 11-0b, "x"') == [
        ("11-2a", "Beam search"),
        ("11-0b", "x"),
    ]
