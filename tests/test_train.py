import errno
import json
import os
import queue
import random
import re
import signal
import socket
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
    with pytest.raises(ValueError, match="watched 'val_loss' \\(mode 'min'\\), not 'loss'"):
        _fit(_model(), tmp_path, monitor="loss")
    (tmp_path / "backup" / "state.json").write_text("{")
    with pytest.raises(ValueError, match="is damaged.*fresh=True"):
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
    best.keras no worse than before the kill; the next start resumes. A second fit while one
    trains is refused. Then the run finishes, and a new run into its folder, killed, leaves the
    finished run's best.keras and history."""
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
            if killed == 0:  # while one fit trains into the folder, a second is refused
                with pytest.raises(ValueError, match=f"Another fit \\(process {said[1]}\\)"):
                    _fit(_model(), folder)
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
        finished_best = _best_value(folder)
        assert not (folder / "backup").exists() and files.leftovers(folder) == []
        said = start()  # a new run into the finished run's folder, killed in its first epochs
        time.sleep(0.5)
        os.kill(int(said[1]), signal.SIGKILL)
        assert lines.get(timeout=60) == ["exit", str(-signal.SIGKILL)]
        assert _best_value(folder) <= finished_best + 1e-6
        assert len(json.loads((folder / "history-1.json").read_text())["val_loss"]) == epochs
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    logged = json.loads((folder / "history-1.json").read_text())
    assert len(logged["val_loss"]) == epochs  # each epoch once: none lost, none counted twice
    assert finished_best == pytest.approx(min(logged["val_loss"]), rel=1e-4)
    assert finished_best <= best + 1e-6


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
    old.chmod(0o000)  # an unreadable file is replaced by one its owner can read and write
    files.write_text(old, "z")
    assert old.stat().st_mode & 0o777 == 0o600 and old.read_text() == "z"


# Ways a run could be lost, each refused with a clear message or handled with nothing lost.


def test_a_refit_into_a_finished_run_keeps_its_best_model_and_history(tmp_path, capsys):
    _fit(_model(), tmp_path, epochs=6)
    first = json.loads((tmp_path / "history.json").read_text())
    record = json.loads((tmp_path / "run.json").read_text())
    assert record == {"monitor": "val_loss", "mode": "min", "best": min(first["val_loss"])}
    best_before = _best_value(tmp_path)
    worse = _model(seed=3)
    worse.compile(optimizer=keras.optimizers.SGD(1e-6), loss="mse")  # learns nothing
    _fit(worse, tmp_path, epochs=2)
    said = capsys.readouterr().err
    assert "A new run in" in said and "is kept unless beaten" in said and "history-1.json" in said
    assert _best_value(tmp_path) == pytest.approx(best_before, rel=1e-6)  # not replaced by worse
    assert json.loads((tmp_path / "history-1.json").read_text()) == first
    assert len(json.loads((tmp_path / "history.json").read_text())["val_loss"]) == 2
    assert json.loads((tmp_path / "run.json").read_text())["best"] == record["best"]
    older = tmp_path / "older"  # a run finished by an older RunCheckpoints: no run.json
    _fit(_model(), older, epochs=6)
    (older / "run.json").unlink()
    _fit(worse, older, epochs=1)
    assert "is kept unless beaten" in capsys.readouterr().err
    assert _best_value(older) == pytest.approx(best_before, rel=1e-6)


def test_fresh_keeps_a_finished_run_aside_and_removes_only_its_own_files(tmp_path, capsys):
    _fit(_model(), tmp_path, epochs=3)
    with pytest.raises(RuntimeError):
        _fit(_model(), tmp_path, epochs=3, extra=[train.InterruptAfter(1)])
    mine = [tmp_path / "backup" / "notes.txt", tmp_path / ".draft.tmp-1", tmp_path / "backup.h5"]
    for path in mine:
        path.write_text("a student's own file")
    history = _fit(_model(), tmp_path, epochs=2, fresh=True)
    said = capsys.readouterr()
    assert "removed the backup of an interrupted run" in said.out and "best-1.keras" in said.err
    assert history.epoch == [0, 1]
    assert all(path.read_text() == "a student's own file" for path in mine)
    assert (tmp_path / "best-1.keras").is_file() and (tmp_path / "history-1.json").is_file()
    assert not list((tmp_path / "backup").glob("epoch-*")) and not (tmp_path / ".lock").exists()


def test_a_backup_or_finished_run_with_another_mode_is_refused(tmp_path):
    with pytest.raises(RuntimeError):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(1)])
    with pytest.raises(ValueError, match=r"\(mode 'min'\), not 'val_loss' \(mode 'max'\)"):
        _fit(_model(), tmp_path, mode="max")
    _fit(_model(), tmp_path)
    with pytest.raises(ValueError, match="cannot be compared with this run's"):
        _fit(_model(), tmp_path, mode="max")


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"weights": None}, "weights is None"),
        ({"epoch": "two"}, "epoch is 'two'"),
        ({"epoch": -3, "weights": "epoch--003.weights.h5"}, "epoch is -3"),
        ({"epoch": 99, "weights": "epoch-0099.weights.h5"}, "history is not 99 numbers"),
        ({"history": []}, "history is not 2 numbers"),
        ({"best": "low"}, "best is 'low'"),
        ({"best_epoch": 7}, "best_epoch is 7"),
        ({"weights": "../../best.keras"}, "weights is '../../best.keras', not the file of epoch 2"),
        ({"mode": None}, "monitor or mode missing"),
    ],
)
def test_a_backup_state_with_wrong_values_is_refused(tmp_path, change, phrase):
    with pytest.raises(RuntimeError):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(2)])
    path = tmp_path / "backup" / "state.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(ValueError, match=f"is damaged \\({re.escape(phrase)}.*fresh=True"):
        _fit(_model(), tmp_path)


def test_missing_or_cut_off_weights_are_named_as_such(tmp_path):
    with pytest.raises(RuntimeError):
        _fit(_model(), tmp_path, extra=[train.InterruptAfter(2)])
    weights = tmp_path / "backup" / "epoch-0002.weights.h5"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ValueError, match="cannot be read .*the file is damaged"):
        _fit(_model(), tmp_path)
    weights.unlink()
    with pytest.raises(ValueError, match="names epoch-0002.weights.h5, which is not in"):
        _fit(_model(), tmp_path)


def test_a_kill_during_the_final_cleanup_loses_nothing(tmp_path, monkeypatch, capsys):
    """The state goes first when a run finishes: a kill later leaves a finished run, not a
    state without its weights."""
    calls = []

    def killed(self, keep, state=False):
        calls.append(keep)
        if keep is None:
            raise KeyboardInterrupt("killed during the cleanup")

    with monkeypatch.context() as patch:
        patch.setattr(train.RunCheckpoints, "_tidy", killed)
        with pytest.raises(KeyboardInterrupt):
            _fit(_model(), tmp_path, epochs=4)
    assert not (tmp_path / "backup" / "state.json").exists()
    best = _best_value(tmp_path)
    _fit(_model(seed=3), tmp_path, epochs=1)
    assert "is kept unless beaten" in capsys.readouterr().err
    assert _best_value(tmp_path) <= best + 1e-6
    assert not (tmp_path / "backup").exists()  # the old epochs' weights went with this run's


def test_a_second_fit_into_a_folder_in_use_is_refused(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".lock").write_text(
            json.dumps({"pid": other.pid, "host": socket.gethostname()})
        )
        with pytest.raises(ValueError, match=f"Another fit \\(process {other.pid}\\) is training"):
            _fit(_model(), tmp_path)
    finally:
        other.kill()
        other.wait()
    assert _fit(_model(), tmp_path, epochs=1).epoch == [0]  # a dead holder's lock is stale
    assert not (tmp_path / ".lock").exists()


def test_a_full_disk_or_a_read_only_folder_is_a_clear_error_and_the_checkpoint_stays(
    tmp_path, monkeypatch
):
    save = keras.Model.save_weights

    def full(self, path, *rest, **options):
        if "epoch-0003" in str(path) or "epoch-0003" in str(getattr(path, "name", "")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return save(self, path, *rest, **options)

    with monkeypatch.context() as patch:
        patch.setattr(keras.Model, "save_weights", full)
        with pytest.raises(OSError, match="Cannot save the checkpoint of epoch 3 .*No space left"):
            _fit(_model(), tmp_path)
    state = json.loads((tmp_path / "backup" / "state.json").read_text())
    assert state["epoch"] == 2 and (tmp_path / "backup" / state["weights"]).is_file()
    assert files.leftovers(tmp_path / "backup") == []
    assert _fit(_model(), tmp_path).epoch == [2, 3, 4, 5]  # the resume goes on from epoch 3

    def read_only(path, text):
        raise OSError(errno.EROFS, "Read-only file system")

    with monkeypatch.context() as patch:
        patch.setattr(files, "write_text", read_only)
        with pytest.raises(OSError, match="Cannot save the lock file .*Read-only file system"):
            _fit(_model(), tmp_path / "other")


def test_a_run_folder_that_is_a_file_a_typo_and_a_diverged_run_are_told_clearly(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        _fit(_model(), tmp_path / "file")
    with pytest.raises(ValueError, match="did you mean monitor='val_loss'"):
        _fit(_model(), tmp_path / "typo", monitor="val_los")
    diverged = _model()
    diverged.compile(optimizer="adam", loss=lambda y, p: keras.ops.mean(p) * np.nan)
    _fit(diverged, tmp_path / "nan", epochs=2)
    assert "No epoch of this run logged a finite val_loss" in capsys.readouterr().out
    assert not (tmp_path / "nan" / "best.keras").exists()
