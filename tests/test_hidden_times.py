"""The hidden tests' check of Task 2's times on made-up clocks: what a machine's load does to an
honest run and what a cut clock does, without training (the grading run in test_grade.py shows
the same on real fits, where the machine's load decides which rule catches a cut)."""

import types

import pytest

from tools import ROOT, grade_runner

TESTS = ROOT / "homework" / "solutions" / "11-hw_gru_architecture.tests.py"
pytestmark = pytest.mark.skipif(not TESTS.exists(), reason="a student release: no hidden tests")

# The grader's own runs: the GRU takes 1.1 to 1.2 times the LSTM's CPU time.
RUNS = {
    "LSTM": [{"cpu_seconds": 5.0, "seconds": 5.2}, {"cpu_seconds": 5.1, "seconds": 5.3}],
    "GRU": [{"cpu_seconds": 5.5, "seconds": 5.7}, {"cpu_seconds": 6.1, "seconds": 6.2}],
}


@pytest.fixture(scope="module")
def hidden():
    return grade_runner.load_tests(TESTS)


def histories(lstm, gru):
    """Histories whose FitClocks say (wall seconds, CPU seconds)."""
    return {
        name: types.SimpleNamespace(clock=types.SimpleNamespace(seconds=s, cpu_seconds=c))
        for name, (s, c) in (("LSTM", lstm), ("GRU", gru))
    }


@pytest.mark.parametrize(
    "lstm, gru",
    [
        ((5.2, 5.0), (6.0, 6.0)),  # alone on the machine
        ((15.5, 6.1), (16.6, 6.7)),  # five programs on two cores: 0.4 s of CPU a second
        ((9.6, 5.6), (7.9, 5.7)),  # three programs: the GRU's share 1.25 times the LSTM's
        ((9.4, 5.9), (8.6, 6.2)),
    ],
)
def test_honest_clocks_pass_however_loaded_the_machine(hidden, lstm, gru):
    late, ratio = hidden._times(histories(lstm, gru), RUNS)
    assert late is None, late
    assert ratio == pytest.approx(gru[1] / lstm[1])


@pytest.mark.parametrize(
    "lstm, gru, why",
    [
        # the GRU's wall time halved on an idle machine: more CPU time than time
        ((5.2, 5.0), (3.0, 6.0), "a fit cannot use more CPU time than it takes"),
        # the same cut on a loaded machine hides under 1 s of CPU a second, not beside the LSTM
        ((15.5, 6.1), (8.3, 6.7), "each got about the same share of the machine"),
        ((12.0, 5.6), (6.0, 5.7), "each got about the same share of the machine"),
        # both of the GRU's times halved: its CPU time against the grader's own runs
        ((5.2, 5.0), (3.0, 3.0), "when the grader trained both with the given settings"),
        ((5.2, 5.0), (None, None), "a FitClock has no times"),
    ],
)
def test_a_cut_clock_is_told_why(hidden, lstm, gru, why):
    late, _ = hidden._times(histories(lstm, gru), RUNS)
    assert late is not None and why in late, late
