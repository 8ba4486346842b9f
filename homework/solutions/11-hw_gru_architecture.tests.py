"""Hidden tests of Homework 11, applied by `python -m tools.grade` after a submission has run.

No student code runs where they do: `tools/grade_runner.py hidden` rebuilds the student's answers
from the data the run saved (`EXPORT`: architectures, weights, Histories, arrays, values), runs
the released notebook's given cells for the grader's own copy of the data and settings (`given`),
and calls each test with both and with the calibration. A student's objects are trusted for what
they are (an architecture, its weights); every number they claim is recomputed, or compared with
what the grader's own training of the same architecture gives:

- `calibrate(given)` trains the task's fixed models (Task 2's LSTM and GRU, Task 3's baseline) as
  the given settings say, from the starting points SEEDS, once per grading run. What they give,
  epoch by epoch, is where an honest History lands: `band` widens their range by half its spread on
  each side, and by at least a floor (FLOORS: about the spread of six starting points, measured).
- Task 2 (3 points): the public check (the typed numbers are the Histories' own, the runs use the
  given settings), then each History epoch by epoch within the calibration, each saved model where
  such a run ends, and the GRU's time against the LSTM's within what the grader measured.
- Task 3 (2 + 1 points): the public check on the grader's own held_out (each val_loss and
  val_accuracy recomputed from the saved model), the baseline's History within the calibration,
  and the improved model's within the grader's own training of that architecture: 2 points. The
  verdict, 1 point: trained by the grader with the given fit_validated, the improved architecture
  has a lower loss than the baseline on test lines (TEST_CHARS characters after the notebook's
  text) that the notebook never loads.
- Task 4 (2 points): each text written again from its model with the given seed text and settings.

This file is the instructor's: `python -m tools.release` leaves it out, with the solutions.
"""

import time

import numpy as np

import utils
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
# The grader calibrates (trains its own models, about a minute) only for a submission that
# handed in one of these: a blank or partial one is graded without it.
CALIBRATE_FOR = ("histories", "baseline_history", "improved_history")
SEEDS = (42, 1, 2)  # the notebook's own seed first: Task 3's verdict pairs with its baseline
TEST_CHARS = 30_000  # the test lines of Task 3: this much of the play after the notebook's text
# The narrowest band around the calibration: in fast mode, six starting points spread over 0.04
# to 0.12 nats in a Task 2 epoch's loss, 0.03 in its accuracy, 0.12 in Task 3's best val_loss.
FLOORS = {"loss": 0.1, "accuracy": 0.03, "val_loss": 0.15}
# The GRU's CPU time over the LSTM's may be this factor beyond the grader's own: with one thread,
# 30 fits under two and three programs on two cores gave ratios of 1.00 to 1.21, and at most 1.00
# s of CPU per wall second.
TIME_SLACK = 1.3
CPU_PER_SECOND = 1.15
# The two fits run one after the other, so each gets about the same share of a loaded machine:
# its CPU seconds per wall second. 13 pairs of fits, alone and under three and five programs on
# two cores, gave the GRU's share over the LSTM's 0.88 to 1.25; a clock whose wall time was cut
# in half doubles it, however loaded the machine.
SHARE_SLACK = 1.6
ORDER = ("task1", "task2", "task4", "task3")  # Task 3 trains a model: it runs last


def slides_gru(vocab, window):
    """The slides' GRU model for `vocab` word ids: Task 2's GRU and Task 3's baseline."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((window,)),
            layers.Embedding(vocab, 100),
            layers.Bidirectional(layers.GRU(150, return_sequences=True)),
            layers.GRU(100),
            layers.Dense(vocab // 2, activation="relu"),
            layers.Dense(vocab, activation="softmax"),
        ]
    )


def band(values, floor):
    """(low, high): where an honest run lands, from the calibration's `values`."""
    low, high = min(values), max(values)
    margin = max(floor, (high - low) / 2)
    return low - margin, high + margin


def test_split(given):
    """(x, y) of the test lines: the TEST_CHARS characters after the notebook's text, which the
    notebook never loads, as n-gram sequences of its own tokenizer and length."""
    start = given["TEXT_CHARS"]
    lines = utils.load_shakespeare()[start : start + TEST_CHARS].lower().split("\n")[1:]
    test = utils.ngram_sequences(lines, given["tokenizer3"], given["data3"].max_sequence_len)
    return test.predictors, test.labels


def calibrate(given):
    """What honest runs give: Task 2's two models and Task 3's baseline, trained as the given
    settings say from each of SEEDS."""
    import keras

    data, task2 = given["data"], {"LSTM": [], "GRU": []}
    builders = {
        "LSTM": given["build_lstm_model"],
        "GRU": lambda: slides_gru(given["total_words"], given["max_sequence_len"] - 1),
    }
    for seed in SEEDS:
        for name, build in builders.items():
            utils.set_seed(seed)
            model = build()
            adam = keras.optimizers.Adam(learning_rate=given["LEARNING_RATE"])
            model.compile(adam, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            start, cpu = time.perf_counter(), time.process_time()
            history = model.fit(
                data.predictors,
                data.labels,
                epochs=given["EPOCHS"],
                batch_size=given["BATCH_SIZE"],
                verbose=0,
            )
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            final_loss, final_accuracy = checks.evaluate(model, data.predictors, data.labels)
            task2[name].append(
                {
                    "loss": history.history["loss"],
                    "accuracy": history.history["accuracy"],
                    "seconds": seconds,
                    "cpu_seconds": cpu,
                    "final_loss": final_loss,
                    "final_accuracy": final_accuracy,
                }
            )
    test, baseline = test_split(given), []
    for seed in SEEDS:
        utils.set_seed(seed)
        model = slides_gru(given["vocab"], given["window"])
        history = given["fit_validated"](model)
        baseline.append(
            {
                "best_val_loss": min(history.history["val_loss"]),
                "test_loss": checks.evaluate(model, *test)[0],
            }
        )
    return {"seeds": list(SEEDS), "task2": task2, "task3": {"baseline": baseline}}


def unusable(answers, *names):
    """Why the grader could not rebuild one of the answers `names`, said first, or None."""
    refused = answers.get("_refused", {})
    reasons = list(dict.fromkeys(refused[name] for name in names if name in refused))
    return "the grader could not use your answer: " + "; ".join(reasons) + "." if reasons else None


def task1(answers, given, calibration):
    if unusable(answers, "gru_model"):
        return False, unusable(answers, "gru_model")
    return checks.check_gru_model.verdict(answers.get("gru_model"))


def task2(answers, given, calibration):
    if unusable(answers, "results", "histories"):
        return False, unusable(answers, "results", "histories")
    histories = answers.get("histories")
    passed, message = checks.check_comparison.verdict(answers.get("results"), histories)
    if not passed:
        return False, message
    runs, data, seeds = calibration["task2"], given["data"], len(SEEDS)
    for name in ("LSTM", "GRU"):
        history, honest = histories[name], runs[name]
        for key in ("loss", "accuracy"):
            for epoch, value in enumerate(history.history[key]):
                low, high = band([run[key][epoch] for run in honest], FLOORS[key])
                if not low <= value <= high:
                    return False, (
                        f"histories[{name!r}] records a {key} of {value:.3f} after epoch "
                        f"{epoch + 1}, but the grader trained the same model with the given "
                        f"settings from {seeds} starting points, and such a run gives "
                        f"{low:.3f} to {high:.3f}: this History is not what the given settings "
                        "give (was the model trained before its timed fit, or with other "
                        "settings, or its History changed?)."
                    )
        loss, _ = checks.evaluate(history.model, data.predictors, data.labels)
        low, high = band([run["final_loss"] for run in honest], FLOORS["loss"])
        if not low <= loss <= high:
            return False, (
                f"the {name} model saved at the end of the run has a loss of {loss:.3f} on the "
                f"notebook's data, but {given['EPOCHS']} epochs of the given settings leave it at "
                f"{low:.3f} to {high:.3f}: the saved model is not where its History's training "
                "ends."
            )
    late, ratio = _times(histories, runs)
    if late:
        return False, late
    times = ", ".join(
        f"{name} {np.median([run['seconds'] for run in runs[name]]):.1f} s" for name in runs
    )
    return True, (
        f"{message} The grader trained both models itself from {seeds} starting points: your "
        f"Histories and saved models are what the given settings give (the grader's times: "
        f"{times}; your GRU took {ratio:.2f} times the LSTM's CPU time)."
    )


def _times(histories, runs):
    """(why the two FitClocks' times cannot be their fits' own or None, the GRU's CPU time over
    the LSTM's).

    The grader runs TensorFlow on one thread, so a fit's CPU time cannot exceed its wall time
    (CPU_PER_SECOND allows for Python's own threads): a clock whose wall time was cut alone breaks
    that on an idle machine, and on a loaded one shows in the share of the machine one fit got
    beside the other's (SHARE_SLACK). Wall time swings with whatever else the machine runs; the
    CPU time of one thread's work hardly does, so a clock whose two times were cut together shows
    in the GRU's CPU time over the LSTM's, against the grader's own runs (TIME_SLACK)."""
    clocks = {name: histories[name].clock for name in ("LSTM", "GRU")}
    if any(not (c.cpu_seconds or 0) > 0 or not (c.seconds or 0) > 0 for c in clocks.values()):
        return "a FitClock has no times: time each fit with the course's utils.FitClock().", 0
    ratio = clocks["GRU"].cpu_seconds / clocks["LSTM"].cpu_seconds
    for name, clock in clocks.items():
        if not clock.cpu_seconds <= clock.seconds * CPU_PER_SECOND:
            return (
                f"histories[{name!r}]'s FitClock says its fit took {clock.seconds:.2f} s but used "
                f"{clock.cpu_seconds:.2f} s of CPU time, and on the grader's one thread a fit "
                "cannot use more CPU time than it takes: report the times FitClock measured.",
                ratio,
            )
    share = {name: clock.cpu_seconds / clock.seconds for name, clock in clocks.items()}
    if not 1 / SHARE_SLACK <= share["GRU"] / share["LSTM"] <= SHARE_SLACK:
        return (
            f"the GRU's fit used {share['GRU']:.2f} s of CPU time per second it took and the "
            f"LSTM's {share['LSTM']:.2f}, but the two fits ran one after the other on the "
            "grader's one thread, so each got about the same share of the machine: report the "
            "times FitClock measured.",
            ratio,
        )
    pairs = zip(runs["LSTM"], runs["GRU"])
    ratios = [gru["cpu_seconds"] / lstm["cpu_seconds"] for lstm, gru in pairs]
    low, high = min(ratios) / TIME_SLACK, max(ratios) * TIME_SLACK
    if not low <= ratio <= high:
        return (
            f"the GRU's fit took {ratio:.2f} times the LSTM's CPU time, but when the grader "
            f"trained both with the given settings the GRU took {min(ratios):.2f} to "
            f"{max(ratios):.2f} times as much: report the times FitClock measured in the timed "
            "fits themselves.",
            ratio,
        )
    return None, ratio


def task3(answers, given, calibration):
    names = ("held_out", "improved_history", "baseline_history")
    if unusable(answers, *names):
        return False, unusable(answers, *names)
    held_out = answers.get("held_out")
    if not isinstance(held_out, tuple) or len(held_out) != 2:
        return False, "held_out is not the notebook's (x, y) pair: leave its cell as given."
    if checks.fingerprint(held_out) != checks.fingerprint(given["held_out"]):
        return False, "held_out is not the notebook's held-out split: leave its cell as given."
    improved, baseline = answers.get("improved_history"), answers.get("baseline_history")
    passed, message = checks.check_validation.verdict(improved, baseline, given["held_out"])
    if not passed:
        return False, message
    honest = calibration["task3"]["baseline"]
    best_values = [run["best_val_loss"] for run in honest]
    low, high = band(best_values, FLOORS["val_loss"])
    best = min(baseline.history["val_loss"])
    if not low <= best <= high:
        return False, (
            f"the baseline's best val_loss is {best:.3f}, but the grader trained the slides' GRU "
            f"with fit_validated from {len(SEEDS)} starting points, and such a run gives "
            f"{low:.3f} to {high:.3f}: train the baseline with the given fit_validated on data3."
        )
    # The improved architecture, trained by the grader: fresh weights from the notebook's seed.
    import keras

    utils.set_seed(SEEDS[0])
    model = keras.models.clone_model(improved.model)
    losses = given["fit_validated"](model).history["val_loss"]
    if not np.all(np.isfinite(losses)):
        return False, (
            f"when the grader trained your architecture with fit_validated, its val_loss was "
            f"{', '.join(f'{v:.3f}' for v in losses)}: the training diverged, so your "
            "architecture cannot be judged (look at its initializers and sizes)."
        )
    mine = min(losses)
    tolerance = max(FLOORS["val_loss"], 1.5 * (max(best_values) - min(best_values)))
    stated = min(improved.history["val_loss"])
    if not abs(stated - mine) <= tolerance:
        return False, (
            f"your model's best val_loss is {stated:.3f}, but the grader trained your "
            f"architecture with fit_validated and got {mine:.3f}, and a run of it lands within "
            f"{tolerance:.2f} of that: your History is not what fit_validated gives for your "
            "architecture (was it trained on other data, or with other settings?)."
        )
    x, y = test_split(given)
    ours, theirs = honest[0]["test_loss"], checks.evaluate(model, x, y)[0]
    if not np.isfinite(theirs):
        return False, f"{message} On the grader's test lines your architecture's loss is {theirs}."
    verdict = (
        f" On {len(y):,} test sequences from lines your notebook never loads, both trained by the "
        f"grader with fit_validated: the baseline's loss is {ours:.3f} nats per word, your "
        f"architecture's {theirs:.3f}"
    )
    if theirs < ours:
        return 3, f"{message}{verdict}: better."
    return 2, (
        f"{message}{verdict}: not better at the grader's scale (fast mode), so the point for an "
        "improvement on the test lines is not given."
    )


def task4(answers, given, calibration):
    names = ("samples", "baseline_history", "improved_history")
    if unusable(answers, *names):
        return False, unusable(answers, *names)
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
