"""Test settings shared by the unit tests and the notebook runs (nbval).

It lives at the repository root so that it is loaded for any path pytest is given. Fast mode
is switched on here, before any notebook kernel starts, so kernels inherit it. Run the
notebooks in full mode with `COURSE_FAST=0 python -m pytest labs lectures`.
"""

import os

import nbval.plugin

os.environ.setdefault("COURSE_FAST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter quiet

# nbval compares a checked cell's stderr as well as its stdout. TensorFlow writes log lines to
# stderr that vary by machine, so checked cells are compared on what they print and return only.
_compare_outputs = nbval.plugin.IPyNbCell.compare_outputs


def _without_stderr(outputs):
    return [
        o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
    ]


def _compare_outputs_without_stderr(self, test, ref, skip_compare=None):
    return _compare_outputs(self, _without_stderr(test), _without_stderr(ref), skip_compare)


nbval.plugin.IPyNbCell.compare_outputs = _compare_outputs_without_stderr


def pytest_ignore_collect(collection_path, config):
    """Student homework notebooks stop at their stubs by design: tests/test_homework.py checks
    them (generated from the solution, every stub raises); nbval runs the solutions instead."""
    if collection_path.suffix == ".ipynb" and collection_path.parent.name == "homework":
        return True
    return None
