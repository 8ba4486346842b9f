import json
import os
import queue
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import keras
import numpy as np
import pytest

from utils import files, train


def test_strategy_on_this_machine_is_the_default_one():
    import tensorflow as tf

    strategy, description = train.distribution_strategy()
    if tf.config.list_logical_devices("GPU"):
        assert "GPU" in description
    else:
        assert description == "default strategy on the CPU"
    assert strategy.num_replicas_in_sync >= 1


def test_run_folder_is_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = train.run_folder("char_lstm")
    assert folder.is_dir() and folder.as_posix() == "runs/char_lstm"


def test_drive_is_for_colab_only():
    with pytest.raises(ValueError, match="Colab only"):
        train.run_folder("x", use_drive=True)


def _model(seed=1):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


def _data():
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    return x, x.sum(axis=1, keepdims=True)


def _fit(model, folder, epochs=6, extra=(), **options):
    x, y = _data()
    callbacks = [*train.checkpoint_callbacks(folder, **options), *extra]
    return model.fit(
        x, y, validation_data=(x, y), epochs=epochs, verbose=0, shuffle=False, callbacks=callbacks
    )


def test_a_resumed_run_ends_exactly_where_an_uninterrupted_one_does(tmp_path, capsys):
    x, y = _data()
    whole = _model()
    whole.fit(x, y, epochs=6, verbose=0, shuffle=False)
    with pytest.raises(RuntimeError, match="simulated disconnect after epoch 3"):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(3)])
    assert (tmp_path / "best.keras").is_file()
    state = json.loads((tmp_path / "backup" / "state.json").read_text())
    assert state["epoch"] == 3 and len(state["history"]["val_loss"]) == 3

    resumed = _model(seed=2)  # a fresh model, other initial weights: all come from the backup
    history = _fit(resumed, tmp_path)
    assert "Resuming the interrupted run" in capsys.readouterr().out
    assert history.epoch == [3, 4, 5]  # epochs 4 to 6: 1 to 3 were not lost
    for a, b in zip(whole.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)  # weights and optimizer state were both restored
    assert not (tmp_path / "backup").exists()  # a finished run leaves no backup behind
    logged = json.loads((tmp_path / "history.json").read_text())
    assert len(logged["val_loss"]) == 6  # the whole run, the interrupted part included
    best = keras.models.load_model(tmp_path / "best.keras")
    assert best.evaluate(x, y, verbose=0) == pytest.approx(min(logged["val_loss"]), rel=1e-5)
    assert resumed._initial_epoch is None  # a later plain fit starts at epoch 1 again


def test_the_best_so_far_survives_a_resume(tmp_path):
    """A resumed run compares with the best value reached before the interruption."""
    with pytest.raises(RuntimeError):
        _fit(_model(), tmp_path, epochs=4, extra=[train.InterruptAfter(4)])
    before = keras.models.load_model(tmp_path / "best.keras").get_weights()
    state = json.loads((tmp_path / "backup" / "state.json").read_text())
    state["best"] = -1.0  # pretend the run had reached a loss no later epoch can beat
    files.write_text(tmp_path / "backup" / "state.json", json.dumps(state))
    _fit(_model(), tmp_path, epochs=8)
    after = keras.models.load_model(tmp_path / "best.keras").get_weights()
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)  # no later epoch replaced it


def test_fresh_starts_over_and_says_so(tmp_path, capsys):
    with pytest.raises(RuntimeError):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(2)])
    history = _fit(_model(), tmp_path, fresh=True)
    assert "Starting over (fresh=True)" in capsys.readouterr().out
    assert history.epoch == [0, 1, 2, 3, 4, 5]


def test_interrupt_after_counts_the_epochs_of_this_fit(tmp_path):
    """With a leftover backup, the interruption still comes after one more epoch."""
    with pytest.raises(RuntimeError, match="after epoch 2"):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(2)])
    with pytest.raises(RuntimeError, match="after epoch 3"):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(1)])


@pytest.mark.parametrize(
    ("options", "error", "phrase"),
    [
        ({"monitor": "val_accuracy"}, ValueError, "pass validation_data to fit, or monitor='loss'"),
        ({"monitor": ""}, ValueError, "monitor is empty"),
        ({"mode": "down"}, ValueError, "mode must be 'auto', 'min' or 'max'"),
        ({"fresh": 1}, TypeError, "fresh must be True or False"),
    ],
)
def test_checkpoint_settings_that_cannot_work_are_refused(tmp_path, options, error, phrase):
    with pytest.raises(error, match=phrase):
        _fit(_model(), tmp_path, **options)


def test_a_backup_of_another_model_or_monitor_is_refused_clearly(tmp_path):
    with pytest.raises(RuntimeError):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(1)])
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="written by another model"):
        _fit(other, tmp_path)
    with pytest.raises(ValueError, match="watched 'val_loss', not 'loss'"):
        _fit(_model(), tmp_path, monitor="loss")
    (tmp_path / "backup" / "state.json").write_text("{")
    with pytest.raises(ValueError, match="cannot be read.*fresh=True"):
        _fit(_model(), tmp_path)
    assert _fit(_model(), tmp_path, fresh=True).epoch[0] == 0


@pytest.mark.parametrize(
    ("epochs", "error"), [(0, ValueError), (1.0, TypeError), (True, TypeError)]
)
def test_interrupt_after_needs_a_whole_number_of_epochs(epochs, error):
    with pytest.raises(error, match="epochs must be a whole number >= 1"):
        train.InterruptAfter(epochs)


def test_replacing_leaves_the_old_file_when_the_write_fails(tmp_path):
    path = tmp_path / "state.json"
    files.write_text(path, "old")
    with pytest.raises(RuntimeError), files.replacing(path) as temporary:
        open(temporary, "w").write("half")
        raise RuntimeError("killed")
    assert path.read_text() == "old" and files.leftovers(tmp_path) == []


# The kill test's fit runs in a fork of this small server, which imports TensorFlow once: each of
# the 21 runs then starts in a moment instead of seconds. Each epoch is short, so a good part of
# its time goes to writing the checkpoint files, and the kills land in writes too. An epoch takes
# at least EPOCH_S, so however fast the machine, the 20 waits before the kills (14.7 s in all, from
# random.Random(0)) use up fewer than EPOCHS epochs: every run is killed before it ends.
EPOCH_S, EPOCHS = 0.05, 320
_SERVER = textwrap.dedent(
    f"""
    import os, sys, time
    import keras
    import numpy as np
    from utils import train

    class Say(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            time.sleep({EPOCH_S})

        def on_train_batch_end(self, batch, logs=None):
            if not getattr(self, "said", False):
                print("training", os.getpid(), flush=True)
                self.said = True

    folder, epochs = sys.argv[1], int(sys.argv[2])
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            keras.utils.set_random_seed(0)
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="tanh"),
                                      keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
            model.fit(x, y, validation_data=(x, y), epochs=epochs, verbose=0,
                      callbacks=[*train.checkpoint_callbacks(folder), Say()])
            sys.stdout.flush()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("exit", os.waitstatus_to_exitcode(status), flush=True)
    """
)


def _best_value(folder):
    x, y = _data()
    return keras.models.load_model(folder / "best.keras").evaluate(x, y, verbose=0)


def test_checkpoints_survive_twenty_sigkills_at_random_moments(tmp_path):
    """20 SIGKILLs at random moments of a fit. After each: no cut-off file, and a loadable
    best.keras no worse than before the kill; the next start resumes. Then the run finishes."""
    (tmp_path / "server.py").write_text(_SERVER)
    folder, epochs, chance = tmp_path / "run", EPOCHS, random.Random(0)
    server = subprocess.Popen(
        [sys.executable, str(tmp_path / "server.py"), str(folder), str(epochs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    lines = queue.Queue()

    def read():  # the server's own lines; the fit's messages ("Resuming ...") are not for us
        for line in server.stdout:
            if line.split()[:1] in (["training"], ["exit"]):
                lines.put(line.split())

    threading.Thread(target=read, daemon=True).start()

    def start():
        server.stdin.write("run\n")
        server.stdin.flush()
        return lines.get(timeout=120)

    best, killed = np.inf, 0
    try:
        for _ in range(20):
            said = start()
            if said[0] == "exit":
                break  # the run finished before it could be killed: too few epochs
            time.sleep(chance.uniform(0.0, 1.2))
            os.kill(int(said[1]), signal.SIGKILL)
            assert lines.get(timeout=60) == ["exit", str(-signal.SIGKILL)]
            killed += 1
            state = json.loads((folder / "backup" / "state.json").read_text())
            assert (folder / "backup" / state["weights"]).is_file()
            value = _best_value(folder)
            assert value <= best + 1e-6, f"best.keras got worse after kill {killed}"
            best = value
        assert killed == 20
        said = start()
        finished = said if said[0] == "exit" else lines.get(timeout=300)
        assert finished == ["exit", "0"]
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    assert not (folder / "backup").exists()
    logged = json.loads((folder / "history.json").read_text())
    assert len(logged["val_loss"]) == epochs  # each epoch once: none lost, none counted twice
    assert _best_value(folder) == pytest.approx(min(logged["val_loss"]), rel=1e-4)
    assert _best_value(folder) <= best + 1e-6
    assert files.leftovers(folder) == []


def test_replacing_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    """mkstemp's private 0600 is not passed on: a new file gets the usual mode, an old one
    keeps its own."""
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    files.write_text(new, "x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~mask
    old.write_text("x")
    old.chmod(0o640)
    files.write_text(old, "y")
    assert old.stat().st_mode & 0o777 == 0o640 and old.read_text() == "y"
