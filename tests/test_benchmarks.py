"""The benchmarks' shared pieces (benchmarks/reference.py): the wall-time budget and the slides'
character loop. The slides' word loop is checked against `WordGenerator` in test_generate.py."""

import types

import keras
import numpy as np
import pytest

from benchmarks import reference
from utils import CharGenerator, CharVocab


def test_time_budget_stops_training():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = reference.TimeBudget(seconds=0.5)
    x, y = np.zeros((64, 3)), np.zeros((64, 1))
    history = model.fit(x, y, batch_size=1, epochs=1000, verbose=0, callbacks=[budget])
    epochs = len(history.history["loss"])
    assert 1 <= epochs < 1000
    assert 64 * (epochs - 1) < budget.steps <= 64 * epochs  # it stops within the last epoch


@pytest.mark.parametrize("seconds", [0, -1, "180", None, True])
def test_time_budget_refuses_a_budget_that_is_not_a_positive_number(seconds):
    with pytest.raises(ValueError, match="positive number"):
        reference.TimeBudget(seconds)


def _char_model(vocab):
    """A small Embedding -> LSTM(8) -> Dense character model, the shape the benchmarks time."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((None,)),
            keras.layers.Embedding(len(vocab), 4),
            keras.layers.LSTM(8, return_sequences=True),
            keras.layers.Dense(len(vocab)),
        ]
    )


def test_slides_char_loop_extends_the_seed_with_the_models_likeliest_characters():
    vocab = CharVocab.from_text("abc")
    model = _char_model(vocab)
    dense = model.layers[-1]
    kernel, bias = dense.get_weights()
    dense.set_weights([0 * kernel, np.array([0.0, 50.0, 0.0])])  # always "b"
    text = reference.slides_char_loop(model, vocab, "ca", 5, np.random.default_rng(0))
    assert text == "ca" + "bbbbb"
    assert CharGenerator(model, vocab).generate("ca", 5, seed=0) == text


def test_tutorial_one_step_carries_the_state_and_scores_as_the_whole_model():
    """The tutorial's one-step generator, as the benchmark writes it: each call's scores are the
    whole model's on the text so far, because it passes on the (h, c) it got back."""
    import tensorflow as tf

    vocab = CharVocab.from_text("abcdefgh")
    model = _char_model(vocab)
    peer = reference.TutorialOneStep(model)
    ids = tf.constant([[1, 5, 2, 7, 0, 3], [4, 4, 6, 1, 2, 0]], dtype="int32")
    h = c = tf.zeros((2, 8))
    logits, h, c = peer.model([ids[:, :2], h, c])
    for t in range(2, ids.shape[1]):
        _, logits, h, c = peer.generate_one_step(ids[:, t : t + 1], h, c)
        np.testing.assert_allclose(logits, model(ids[:, : t + 1])[:, -1], atol=1e-5)
    texts = peer.generate(vocab, "ab", 7, batch=3)
    assert len(texts) == 3 and all(len(t) == 9 and t.startswith("ab") for t in texts)


def test_time_budget_decays_the_learning_rate_along_a_cosine_over_the_time():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    x, y = np.zeros((64, 3)), np.zeros((64, 1))
    model.fit(x[:1], y[:1], verbose=0)  # builds the train function, before the clock starts
    rates = []
    budget = reference.TimeBudget(seconds=1.0, cosine_from=0.01)
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: rates.append(float(model.optimizer.learning_rate))
    )
    model.fit(x, y, batch_size=1, epochs=1000, verbose=0, callbacks=[budget, record])
    assert len(rates) > 10
    assert 0.0099 < rates[0] <= 0.01 and rates[-1] < 0.0005  # from the top to about 0
    assert all(a >= b for a, b in zip(rates, rates[1:]))  # never up


def test_gpu_run_reports_every_step_and_goes_on_after_a_failure(tmp_path, monkeypatch):
    """The one-call GPU script, with stand-in steps: a failing step is reported as failed in the
    table, a hanging one as a timeout, and the steps after them still run; the report is written
    whole after each step."""
    from benchmarks import gpu_run

    steps = [
        ("fails", ["json.tool", "no-such-file"], None, 60),
        ("hangs", ["http.server", "--bind", "127.0.0.1", "0"], None, 2),
        ("prints a table", ["platform"], None, 60),
    ]
    monkeypatch.setattr(gpu_run, "STEPS", [(t, a, a, limit) for t, a, _, limit in steps])
    monkeypatch.setattr(gpu_run, "machine", lambda: "a test machine")
    out = tmp_path / "report.md"
    assert gpu_run.main(["--out", str(out)]) == 1
    text = out.read_text()
    assert "| fails | `python -m json.tool no-such-file` | **failed** (2) |" in text
    assert "| hangs | `python -m http.server --bind 127.0.0.1 0` | **failed** (timeout) |" in text
    assert "| prints a table | `python -m platform` | ok |" in text
    assert "a test machine" in text and "## prints a table" in text


def test_gpu_run_steps_name_real_scripts_and_options(capsys):
    """Every step, full and dry-run, is a script of this repository with options it accepts."""
    import importlib

    from benchmarks import gpu_run

    for title, full, smallest, limit in gpu_run.STEPS:
        assert full[0] == smallest[0] and limit > 0, title
        script = importlib.import_module(full[0])
        with pytest.raises(SystemExit):
            script.main(["--help"])
        shown = capsys.readouterr().out
        for arguments in (full, smallest):
            options = [a for a in arguments[1:] if a.startswith("--")]
            assert all(option in shown for option in options), (title, options)


def test_training_flops_count_the_matrix_weights_six_times():
    """The 6N estimate: an LSTM(256) on 32-number embeddings with a Dense(65) head does
    6 x (32 x 1024 + 256 x 1024 + 256 x 65) operations per character (embeddings and biases
    aside)."""
    from benchmarks.char_rnn_quality import build, training_flops_per_char

    model = build(keras.layers.LSTM, 65)
    assert training_flops_per_char(model) == 6 * (32 * 1024 + 256 * 1024 + 256 * 65)


def test_matmul_rate_is_a_positive_rate_and_counts_two_operations_per_multiply_add(monkeypatch):
    """With a clock that advances 1 s per call, the rate is exactly 2 m k n x products / 1 s."""
    ticks = iter(range(1000))
    monkeypatch.setattr(reference.time, "perf_counter", lambda: next(ticks))
    rate = reference.matmul_gflops(10, 20, 30, repeats=2)
    products = round(1e10 / (2 * 10 * 20 * 30))
    assert rate == 2 * 10 * 20 * 30 * products / 1 / 1e9


def test_notebook_times_names_the_slowest_cells_and_keeps_the_executed_notebook(
    tmp_path, monkeypatch, capsys
):
    import json

    import nbformat

    from benchmarks import notebook_times

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("a pause"),
        nbformat.v4.new_code_cell("import time\ntime.sleep(0.5)\nprint('slept')"),
    ]
    path = tmp_path / "pause.ipynb"
    nbformat.write(nb, str(path))
    monkeypatch.setattr(notebook_times, "ROOT", tmp_path)
    speeds = iter(
        [{"matmul_gflops": 140, "lstm_step_ms": 190}, {"matmul_gflops": 280, "lstm_step_ms": 57}]
    )
    monkeypatch.setattr(notebook_times, "machine_state", lambda: next(speeds))
    kept, out = tmp_path / "kept", tmp_path / "times.json"
    notebook_times.main(
        [str(path), "--modes", "fast", "--slowest", "1", "--executed", str(kept), "--out", str(out)]
    )
    printed = capsys.readouterr().out
    slowest = [line for line in printed.splitlines() if line.strip().startswith("cell ")]
    assert len(slowest) == 1 and "cell   2" in slowest[0] and "import time" in slowest[0]
    assert float(slowest[0].split()[2]) >= 0.5
    executed = nbformat.read(str(kept / "pause.fast.ipynb"), as_version=4)
    assert executed.cells[2].outputs[0]["text"] == "slept\n"
    saved = json.loads(out.read_text())
    (row,) = saved["results"]
    assert row["notebook"] == "pause.ipynb" and row["fast"] >= 0.5
    # the machine's speed, measured before the first notebook and after the last, is kept
    assert saved["speed"]["before"] == {"matmul_gflops": 140, "lstm_step_ms": 190}
    assert saved["speed"]["after"] == {"matmul_gflops": 280, "lstm_step_ms": 57}
    assert "before: matmul 140 GFLOP/s, LSTM step (32 x 64 chars) 190 ms" in printed
    assert "after: matmul 280 GFLOP/s, LSTM step (32 x 64 chars) 57 ms" in printed


def test_step_time_is_the_median_of_the_timed_training_steps(monkeypatch):
    from benchmarks import char_rnn_quality

    clock = iter([0.0, 0.005, 1.0, 1.007, 2.0, 2.900])  # steps of 5, 7 and 900 ms
    # the benchmark's own clock only: Keras' timing elsewhere keeps the real one
    monkeypatch.setattr(
        char_rnn_quality, "time", types.SimpleNamespace(perf_counter=lambda: next(clock))
    )
    trained = []
    monkeypatch.setattr(
        char_rnn_quality.keras.Model, "train_on_batch", lambda self, x, y: trained.append(x.shape)
    )
    assert char_rnn_quality.step_ms(window=4, batch=2, steps=3, vocab_size=5) == pytest.approx(7)
    assert trained == [(2, 4)] * 4  # one to warm up, then the three timed


def test_quality_benchmark_refuses_fewer_than_one_epoch(capsys):
    from benchmarks import char_rnn_quality

    with pytest.raises(SystemExit):
        char_rnn_quality.main(["--epochs", "0"])
    assert "--epochs must be at least 1, got 0" in capsys.readouterr().err


def test_step_profile_times_the_step_and_its_parts_on_the_generators_own_arrays(monkeypatch):
    from benchmarks import generation_speed

    vocab = CharVocab.from_text("abcdefgh")
    model = keras.Sequential(
        [
            keras.Input(shape=(None,)),
            keras.layers.Embedding(len(vocab), 4),
            keras.layers.LSTM(8, return_sequences=True),
            keras.layers.Dense(len(vocab)),
        ]
    )
    timed = []
    monkeypatch.setattr(
        generation_speed, "per_call_us", lambda f: timed.append(f()) or 10.0 * len(timed)
    )
    parts = generation_speed.step_profile(CharGenerator(model, vocab), batch=3)
    whole, product, head, draw = timed
    assert whole.shape == draw.shape == (3,)  # a character id for each text
    assert product.shape == (3, 32) and head.shape == (3, len(vocab))
    names = list(parts)
    assert "(3 x 8) @ (8 x 32)" in names[1] and names[-1].startswith("the rest")
    assert parts[names[-1]] == 10.0 - (20.0 + 30.0 + 40.0)  # the step less its timed parts


def test_check_share_counts_the_checks_and_not_the_lesson():
    from benchmarks import check_share

    source = '''
def step(x, h):
    """A docstring is not code."""
    x = args.float_array("x", x)  # a check line
    if h is None:
        raise ValueError("h is missing")
    # a comment is not code
    for t in range(3):
        h = h + x
    return h


def _check_thing(y):
    return y
'''
    # checks: the args line, the if and its raise, the _check function (2); 9 lines of code
    assert check_share.share(source) == (5, 9)
