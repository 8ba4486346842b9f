"""Test settings shared by the unit tests and the notebook runs (nbval).

It lives at the repository root so that it is loaded for any path pytest is given. Fast mode
is switched on here, before any notebook kernel starts, so kernels inherit it. Run the
notebooks in full mode with `COURSE_FAST=0 python -m pytest labs lectures`.
"""

import os

from nbval.plugin import IPyNbCell

os.environ.setdefault("COURSE_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter quiet


def pytest_collection_modifyitems(items):
    """Checked cells are compared on what they print and return, not on stderr: TensorFlow writes
    log lines there that vary by machine. nbval skips the output keys named in each notebook's
    `skip_compare`, and a stream's key is its name, so "stderr" is added there."""
    for notebook in {item.parent for item in items if isinstance(item, IPyNbCell)}:
        if "stderr" not in notebook.skip_compare:
            notebook.skip_compare = (*notebook.skip_compare, "stderr")


def pytest_ignore_collect(collection_path, config):
    """Student homework notebooks stop at their stubs by design: tests/test_homework.py checks
    them (generated from the solution, every stub raises); nbval runs the solutions instead."""
    if collection_path.suffix == ".ipynb" and collection_path.parent.name == "homework":
        return True
    return None
