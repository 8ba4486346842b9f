"""Course tooling that maintainers run from the repository root (never installed on Colab).

- `slides`: reveal.js decks built from the notebooks, with contact sheets and PDFs
  (`python -m tools.slides`).
- `browser`: the decks in headless Chromium: the presentation rules checked on every slide,
  screenshots, contact sheets and PDFs.
- `diagrams`: the lecture's diagrams, drawn as SVG into `slides/figures/`
  (`python -m tools.diagrams`).
"""
