"""Hidden tests of Homework 11, applied by `python -m tools.grade` after a submission has run.

They never run in the student's kernel: `tools/grade_runner.py hidden` rebuilds the student's
answers from the files the run saved (`EXPORT`), runs the released notebook's given cells again for
the grader's own copy of the data (`given`), and calls each test with both. Each test returns
(passed, message) and is worth its task's points. The public checks are re-applied to the rebuilt
objects (so they re-compute every held-out loss and generated text), and the tests add what the
notebook cannot check: that the saved models are the ones the Histories describe, and that the
held-out split is the notebook's own.

This file is the instructor's: `python -m tools.release` leaves it out, with the solutions.
"""

import hashlib

import numpy as np

from utils import checks

# The names the grader saves from the student's kernel after the notebook has run.
EXPORT = (
    "gru_model",
    "results",
    "histories",
    "improved_history",
    "baseline_history",
    "held_out",
    "samples",
)


def _fingerprint(arrays):
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(np.asarray(array, dtype=np.int64))
        digest.update(str(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def task1(answers, given):
    return checks.check_gru_model.verdict(answers.get("gru_model"))


def task2(answers, given):
    histories = answers.get("histories")
    passed, message = checks.check_comparison.verdict(answers.get("results"), histories)
    if not passed:
        return passed, message
    data = given["data"]
    for name, history in histories.items():
        # The model saved at the end of the run, on the notebook's data again: its loss must be
        # what its History's last epoch says (an epoch's mean loss is a little above the loss at
        # its end), so the History is this model's own.
        loss = checks.held_out_loss(history.model, data.predictors, data.labels)
        final = history.history["loss"][-1]
        if not loss <= final * 1.05 + 0.05:
            return False, (
                f"the {name} model saved at the end of the run has loss {loss:.3f} on the "
                f"notebook's data, but its History ends at {final:.3f}: the History is not this "
                "model's training."
            )
    return True, message + " (The grader re-computed each model's loss on the data.)"


def task3(answers, given):
    held_out = answers.get("held_out")
    if not isinstance(held_out, tuple) or len(held_out) != 2:
        return False, "held_out is not the notebook's (x, y) pair: leave its cell as given."
    if _fingerprint(held_out) != _fingerprint(given["held_out"]):
        return False, "held_out is not the notebook's held-out split: leave its cell as given."
    return checks.check_validation.verdict(
        answers.get("improved_history"), answers.get("baseline_history"), given["held_out"]
    )


def task4(answers, given):
    histories = {
        "baseline": answers.get("baseline_history"),
        "improved": answers.get("improved_history"),
    }
    return checks.check_generation.verdict(
        answers.get("samples"),
        histories,
        given["tokenizer3"],
        given["data3"].max_sequence_len,
        given["SEED_TEXT"],
        given["SETTINGS"],
    )


# (column in grades.csv, title, points, test)
TASKS = [
    ("task1", "Task 1: the slides' GRU model", 2, task1),
    ("task2", "Task 2: LSTM vs GRU under identical settings", 3, task2),
    ("task3", "Task 3: a better model, judged on held-out text", 3, task3),
    ("task4", "Task 4: the generated text", 2, task4),
]
