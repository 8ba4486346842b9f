"""Training plumbing: the distribution strategy, and checkpoints that survive a lost session."""

import contextlib
import difflib
import json
import math
import os
import pathlib
import socket
import sys
import time

import keras
import numpy as np

from . import args, files
from .config import on_colab


def distribution_strategy():
    """The tf.distribute strategy for this machine, and a line that says which one it is.

    A TPU on a Colab TPU runtime, all GPUs mirrored when there are several, else the default
    strategy (one GPU or the CPU). Build and compile the model inside `with strategy.scope():`.
    Lab 11-2c, "Which device? A distribution strategy".
    """
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()  # finds Colab's TPU
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        strategy = tf.distribute.TPUStrategy(resolver)
        return strategy, f"TPUStrategy with {strategy.num_replicas_in_sync} cores"
    except (ValueError, RuntimeError, tf.errors.NotFoundError):
        pass  # no TPU here
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy(), f"MirroredStrategy over {len(gpus)} GPUs"
    device = "one GPU" if gpus else "the CPU"
    return tf.distribute.get_strategy(), f"default strategy on {device}"


def run_folder(name, use_drive=False):
    """A folder for one training run's checkpoints: `runs/<name>` beside the notebook.

    On Colab with `use_drive=True` it is on Google Drive instead (`MyDrive/rnn-nlp-lectures/<name>`,
    Drive is mounted on first use), so that checkpoints survive a disconnected runtime.
    Lab 11-2, "Training, with checkpoints"; 11-2c, "Checkpoints that survive a disconnect".
    """
    args.folder_name(name)  # the arguments, checked once
    args.flag("use_drive", use_drive)
    if use_drive:
        if not on_colab():
            raise ValueError("use_drive=True works on Google Colab only; elsewhere runs/ is kept.")
        from google.colab import drive

        drive.mount("/content/drive")
        folder = pathlib.Path("/content/drive/MyDrive/rnn-nlp-lectures") / name
    else:
        folder = pathlib.Path("runs") / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def checkpoint_callbacks(folder, monitor="val_loss", mode="auto", fresh=False):
    """The callbacks that keep a run safe: `fit(..., callbacks=utils.checkpoint_callbacks(run))`.

    A list of one `RunCheckpoints` (see there): it resumes an interrupted run where it stopped and
    keeps the best model as `best.keras`, writing every file whole or not at all.
    Lab 11-2b, "Model compile and fit".
    """
    return [RunCheckpoints(folder, monitor=monitor, mode=mode, fresh=fresh)]


class RunCheckpoints(keras.callbacks.Callback):
    """Resume after any interruption and keep the best model, with files that survive a kill.

    At the end of every epoch it saves, in `folder`:

    - `backup/epoch-NNNN.weights.h5`: the weights and the optimizer's state,
    - `backup/state.json`: the epochs done, the best `monitor` value so far and every epoch's logs,
    - `best.keras`: the whole model, whenever `monitor` improved on the best so far.

    When `fit` is called again with the same folder after an interruption (an exception, a lost
    Colab runtime, a kill), it says so, loads the last backup and continues after the last finished
    epoch, still comparing with the best value reached before: `best.keras` is never replaced by a
    worse model. When `fit` finishes, it writes `history.json` (every epoch's logs, interruptions
    included) and `run.json` (the monitor, its mode and the best value), and removes the backup.

    A finished run is never overwritten silently. A new `fit` into its folder is a new run that
    starts from the finished run's best value, so `best.keras` is replaced only by a better model;
    the finished run's `history.json` is kept as `history-1.json` (then `-2`, ...). `fresh=True`
    starts over instead: the backup of an interrupted run is removed, and a finished run's
    `best.keras` is kept as `best-1.keras`. Only this callback's own files are ever removed.
    A lock file, `.lock`, keeps a second `fit` out of the folder while one trains in it.

    This does the work of Keras' `BackupAndRestore` and `ModelCheckpoint(save_best_only=True)`.
    Those write their files in place: a kill during a write leaves a cut-off file (every later
    resume then fails), a kill between the weights and the epoch number retrains an epoch from
    trained weights, and the best value starts again from infinity after a resume. Here every file
    is written to a temporary name and moved into place (`utils.files.replacing`), the state file
    names the weights it belongs to, and the best value is part of that state.

    Lab 11-2, "Training, with checkpoints"; 11-2c, "Checkpoints that survive a disconnect".
    """

    def __init__(self, folder, monitor="val_loss", mode="auto", fresh=False):
        super().__init__()
        mode = args.checkpoint_settings(folder, monitor, mode, fresh)  # 'auto': 'min' or 'max'
        self.folder = pathlib.Path(folder)
        self.backup = self.folder / "backup"
        self.monitor, self.mode, self.fresh = monitor, mode, fresh
        self.best = None  # the best monitor value so far, and the epoch (from 1) that reached it
        self.best_epoch = None
        self.history = {}  # every epoch's logs of the run, interruptions included

    def on_train_begin(self, logs=None):
        self._lock()
        fresh, self.fresh = self.fresh, False  # later fits with this callback continue the run
        self.best, self.best_epoch, self.history = None, None, {}
        self.model._initial_epoch = None  # Keras keeps it after a resumed fit: start clean
        if fresh:
            self._start_over()
        state = self._read_state()
        if state is not None:
            self._restore(state)
            best = "" if self.best is None else f", best {self.monitor} {self.best:.4f}"
            print(
                f"Resuming the interrupted run in {self.backup}: {state['epoch']} epochs were "
                f"done{best}. Training continues at epoch {state['epoch'] + 1}. "
                "(To start over instead, pass fresh=True.)"
            )
            return
        finished = self._read_finished()
        if finished is not None:
            self.best = finished["best"]
            kept = self._archive("history.json")
            old = f"; old history: {kept}" if kept else ""
            print(  # a notice, on stderr: a rerun's slides show the same log as the first run's
                f"A new run in {self.folder}: best.keras (best {self.monitor} "
                f"{_shown(self.best)}) is kept unless beaten{old}.",
                file=sys.stderr,
            )
        elif (self.folder / "best.keras").exists():
            raise ValueError(
                f"{self.folder} holds a best.keras that no finished run of RunCheckpoints wrote "
                "(there is no run.json). Pass fresh=True to keep it as best-1.keras and start a "
                "new run, or use another folder."
            )

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.monitor not in logs:
            raise ValueError(_missing_monitor(self.monitor, logs))
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        value = float(logs[self.monitor])
        improved = math.isfinite(value) and (
            self.best is None or (value < self.best if self.mode == "min" else value > self.best)
        )
        if improved:
            self.best, self.best_epoch = value, epoch + 1
        # Order matters. The weights first, under a new name; then the state that names them
        # (the moment the epoch counts as done); then best.keras, which on a resume is written
        # again from the restored weights if a kill came between the state and best.keras.
        weights = f"epoch-{epoch + 1:04d}.weights.h5"
        state = {
            "epoch": epoch + 1,
            "weights": weights,
            "monitor": self.monitor,
            "mode": self.mode,
            "best": self.best,
            "best_epoch": self.best_epoch,
            "history": self.history,
        }
        with self._writing(f"the checkpoint of epoch {epoch + 1}"):
            with files.replacing(self.backup / weights) as temporary:
                self.model.save_weights(temporary)
            files.write_text(self.backup / "state.json", json.dumps(state))
            if improved:
                self._save_best()
        self._tidy(keep=weights)

    def on_train_end(self, logs=None):
        self.model._initial_epoch = None
        values = self.history.get(self.monitor, [])
        if values and not any(math.isfinite(v) for v in values):
            kept = (
                "the finished run's best.keras is kept"
                if self.best is not None
                else ("no best.keras was written")
            )
            print(
                f"No epoch of this run logged a finite {self.monitor} (training diverged: lower "
                f"the learning rate, or clip the gradients), so {kept}."
            )
        record = {"monitor": self.monitor, "mode": self.mode, "best": self.best}
        with self._writing("the finished run's history.json and run.json"):
            files.write_text(self.folder / "history.json", json.dumps(self.history))
            files.write_text(self.folder / "run.json", json.dumps(record))
        # From here the run is finished: the state goes first, so a kill below never leaves a
        # state without the weights it names.
        (self.backup / "state.json").unlink(missing_ok=True)
        self._tidy(keep=None)
        self._unlock()

    def _save_best(self):
        with files.replacing(self.folder / "best.keras") as temporary:
            self.model.save(temporary)

    @contextlib.contextmanager
    def _writing(self, what):
        """Turn a failed write (a full disk, a folder made read-only) into a clear error."""
        try:
            yield
        except OSError as err:
            raise OSError(
                err.errno,
                f"Cannot save {what} in {self.folder}: {err.strerror or err}. Every file there is "
                "still whole (the last saved checkpoint is intact): free some space or make the "
                "folder writable, then run fit again to resume.",
            ) from None

    def _lock(self):
        """Take the folder's lock, or a clear error while another live fit holds it."""
        lock, me = self.folder / ".lock", {"pid": os.getpid(), "host": socket.gethostname()}
        if self.folder.exists() and not self.folder.is_dir():
            raise ValueError(f"{self.folder} is a file, not a folder: pass a folder for the run.")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            holder = json.loads(lock.read_text(encoding="utf-8")) if lock.exists() else None
        except ValueError:
            holder = None  # a lock cut off by a kill: stale
        except OSError as err:
            raise OSError(err.errno, f"Cannot use {self.folder} for checkpoints: {err}.") from None
        if isinstance(holder, dict) and holder != me and holder.get("host") == me["host"]:
            if files.running(holder.get("pid")):
                raise ValueError(
                    f"Another fit (process {holder['pid']}) is training into {self.folder} right "
                    "now: two fits in one folder would overwrite each other's checkpoints. Wait "
                    "for it to end, or use another folder."
                )
        with self._writing("the lock file .lock"):  # a read-only folder fails here, at the start
            files.write_text(lock, json.dumps(me))

    def _unlock(self):
        (self.folder / ".lock").unlink(missing_ok=True)

    def _start_over(self):
        """fresh=True: remove an interrupted run's backup; keep a finished run's files aside."""
        if self.backup.exists():
            try:
                done = f"{self._read_state()['epoch']} epochs done"
            except (ValueError, TypeError):
                done = "its state unreadable"
            self._tidy(keep=None, state=True)
            print(
                f"Starting over (fresh=True): removed the backup of an interrupted run in "
                f"{self.backup} ({done})."
            )
        kept = [self._archive(name) for name in ("best.keras", "history.json", "run.json")]
        if any(kept):
            names = ", ".join(name for name in kept if name)
            print(f"Starting over (fresh=True); kept: {names}.", file=sys.stderr)  # a notice

    def _archive(self, name):
        """Move `folder/name` aside to the first free `stem-k` name; return that name, or None."""
        path = self.folder / name
        if not path.exists():
            return None
        stem, suffix = name.split(".", 1)
        k = 1
        while any((self.folder / f"{stem}-{k}.{s}").exists() for s in ("keras", "json")):
            k += 1
        target = self.folder / f"{stem}-{k}.{suffix}"
        os.replace(path, target)
        return target.name

    def _read_state(self):
        """The backup's state, or None when there is no backup; a clear error if it is unusable."""
        path = self.backup / "state.json"
        if not path.is_file():
            return None
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            problem = _state_problem(state)
        except (OSError, ValueError) as err:
            problem = str(err)
        if problem:
            raise ValueError(
                f"The backup state {path} is damaged ({problem}): the run cannot resume from it. "
                "Pass fresh=True to start over (the backup is removed, best.keras is kept aside)."
            )
        return state

    def _read_finished(self):
        """The record of a finished run in the folder (run.json), or None."""
        path = self.folder / "run.json"
        if not path.exists():
            return self._read_older_finished()
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            ok = _finite_or_none(record["best"])
        except (OSError, ValueError, TypeError, KeyError):
            ok = False
        if not ok:
            raise ValueError(
                f"{path} is damaged: pass fresh=True to start a new run (the finished run's files "
                "are kept aside), or use another folder."
            )
        self._check_same_watch(record, f"The finished run in {self.folder}")
        return record

    def _read_older_finished(self):
        """A run finished before run.json was written: its best value, from its history.json."""
        try:
            logged = json.loads((self.folder / "history.json").read_text(encoding="utf-8"))
            values = [v for v in logged[self.monitor] if args.is_real(v) and math.isfinite(v)]
        except (OSError, ValueError, TypeError, KeyError):
            return None
        if not values or not (self.folder / "best.keras").exists():
            return None
        best = min(values) if self.mode == "min" else max(values)
        return {"monitor": self.monitor, "mode": self.mode, "best": best}

    def _restore(self, state):
        self._check_same_watch(state, f"The backup in {self.backup}")
        weights = self.backup / state["weights"]
        if not weights.is_file():
            raise ValueError(
                f"The backup state names {weights.name}, which is not in {self.backup}: the backup "
                "is incomplete. Pass fresh=True to start over (best.keras is kept aside)."
            )
        if not self.model.built:
            raise ValueError("Build the model before fit (give it an Input) to resume a run.")
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        try:
            self.model.load_weights(weights)
        except ValueError as err:
            raise ValueError(
                f"The backup {weights} does not fit this model ({err}): it was written by another "
                "model. Use another folder, or pass fresh=True to start over."
            ) from None
        except OSError as err:
            raise ValueError(
                f"The backup {weights} cannot be read ({err}): the file is damaged. Pass "
                "fresh=True to start over (best.keras is kept aside)."
            ) from None
        self.model._initial_epoch = state["epoch"]
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.history = {k: list(v) for k, v in state["history"].items()}
        if self.best_epoch == state["epoch"]:
            self._save_best()  # a kill may have come between the state and best.keras
        self._tidy(keep=state["weights"])

    def _check_same_watch(self, record, what):
        """A clear error when `record` (a backup's state, a finished run's run.json) watched another
        monitor or mode: its best value cannot be compared with this run's."""
        watched, mode = record.get("monitor"), record.get("mode")
        if (watched, mode) != (self.monitor, self.mode):
            raise ValueError(
                f"{what} watched {watched!r} (mode {mode!r}), not {self.monitor!r} (mode "
                f"{self.mode!r}): its best value cannot be compared with this run's. Pass "
                f"monitor={watched!r}, mode={mode!r}, or fresh=True to start over (a finished "
                "run's files are kept aside), or use another folder."
            )

    def _tidy(self, keep, state=False):
        """Remove this callback's older backups (all of them with keep=None, and the state too with
        state=True) and the temporary files of its killed writes; never anything else."""
        own = [*self.backup.glob("epoch-*.weights.h5"), *files.leftovers(self.backup, "epoch-*")]
        own += [*files.leftovers(self.backup, "state.json")] + (
            [self.backup / "state.json"] if state else []
        )
        for name in ("best.keras", "history.json", "run.json", ".lock"):
            own += files.leftovers(self.folder, name)
        for path in own:
            if path.name != keep:
                path.unlink(missing_ok=True)
        if keep is None and self.backup.is_dir() and not any(self.backup.iterdir()):
            self.backup.rmdir()


def _shown(value):
    return "none finite" if value is None else f"{value:.4f}"


def _finite_or_none(value):
    return value is None or (args.is_real(value) and math.isfinite(value))


def _state_problem(state):
    """What is wrong with a backup state read from state.json, or '' when nothing is."""
    if not isinstance(state, dict):
        return "not a JSON object"
    epoch = state.get("epoch")
    if not args.is_whole(epoch) or epoch < 1:
        return f"epoch is {epoch!r}, not a whole number >= 1"
    if state.get("weights") != f"epoch-{epoch:04d}.weights.h5":
        return f"weights is {state.get('weights')!r}, not the file of epoch {epoch}"
    if not isinstance(state.get("monitor"), str) or state.get("mode") not in ("min", "max"):
        return "monitor or mode missing"
    best, best_epoch = state.get("best"), state.get("best_epoch")
    if not _finite_or_none(best):
        return f"best is {best!r}, not a finite number"
    if best_epoch is not None and not (args.is_whole(best_epoch) and 1 <= best_epoch <= epoch):
        return f"best_epoch is {best_epoch!r}, not an epoch from 1 to {epoch}"
    history = state.get("history")
    if not isinstance(history, dict) or not all(
        isinstance(v, list) and len(v) == epoch and all(args.is_real(x) for x in v)
        for v in history.values()
    ):
        return f"history is not {epoch} numbers for each logged value"
    return ""


def _missing_monitor(monitor, logs):
    """Why `monitor` is not among the logged values, and what to do."""
    close = difflib.get_close_matches(monitor, list(logs), n=1)
    if close:
        hint = f"did you mean monitor={close[0]!r}?"
    elif monitor.startswith("val_"):
        hint = "pass validation_data to fit, or monitor='loss'."
    else:
        hint = f"pass one of {sorted(logs)} as monitor."
    return f"RunCheckpoints watches {monitor!r}, but fit logged only {sorted(logs)}: {hint}"


class InterruptAfter(keras.callbacks.Callback):
    """Fail after `epochs` epochs of this `fit`, as a lost Colab connection would.

    Lab 11-2c, "Checkpoints that survive a disconnect"."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = args.whole("epochs", epochs, minimum=1)

    def on_train_begin(self, logs=None):
        self._done = 0

    def on_epoch_end(self, epoch, logs=None):
        self._done += 1
        if self._done == self.epochs:
            raise RuntimeError(f"simulated disconnect after epoch {epoch + 1}")


class FitClock(keras.callbacks.Callback):
    """Time one `fit` and remember the weights it started from: `callbacks=[utils.FitClock()]`.

    Afterwards `clock.seconds` is the fit's wall time, and the History that `fit` returned carries
    the clock as `history.clock`. So a homework check can read the time from the run itself (a
    measured time, not a typed one) and see that training changed the weights it started from.
    `clock.cpu_seconds` is the CPU time the process spent meanwhile: the grader compares models by
    it, since it hardly changes when other programs share the machine.
    Homework, "Task 2: LSTM vs GRU under identical settings".
    """

    def __init__(self, *given, **named):
        super().__init__()
        args.no_arguments("FitClock", given, named, "callbacks=[utils.FitClock()]")
        self.seconds = self.cpu_seconds = None
        self.start_weights = None

    def on_train_begin(self, logs=None):
        self.start_weights = [np.array(w, copy=True) for w in self.model.get_weights()]
        self.seconds = self.cpu_seconds = None
        self._start, self._cpu = time.perf_counter(), time.process_time()

    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self._start
        self.cpu_seconds = time.process_time() - self._cpu
        history = getattr(self.model, "history", None)  # Keras' History sets it after each epoch
        if history is not None:
            history.clock = self
