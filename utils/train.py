"""Training plumbing: the distribution strategy, and checkpoints that survive a lost session."""

import json
import math
import os
import pathlib
import shutil
import time

import keras
import numpy as np

from . import args, files
from .config import on_colab


def distribution_strategy():
    """The tf.distribute strategy for this machine, and a line that says which one it is.

    A TPU on a Colab TPU runtime, all GPUs mirrored when there are several, else the default
    strategy (one GPU or the CPU). Build and compile the model inside `with strategy.scope():`.
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
    """
    args.string("name", name, "char_lstm")
    if name in (".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"name must be one folder name, e.g. 'char_lstm', got {name!r}.")
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
    """
    return [RunCheckpoints(folder, monitor=monitor, mode=mode, fresh=fresh)]


class RunCheckpoints(keras.callbacks.Callback):
    """Resume after any interruption and keep the best model, with files that survive a kill.

    At the end of every epoch it saves, in `folder`:

    - `backup/epoch-NNNN.weights.h5`: the weights and the optimizer's state,
    - `backup/state.json`: the epochs done, the best `monitor` value so far and every epoch's logs,
    - `best.keras`: the whole model, whenever `monitor` improved on the best so far,
    - `history.json`: every epoch's logs of the run, interruptions included.

    When `fit` is called again with the same folder after an interruption (an exception, a lost
    Colab runtime, a kill), it says so, loads the last backup and continues after the last finished
    epoch, still comparing with the best value reached before: `best.keras` is never replaced by a
    worse model. When `fit` finishes, the backup is removed; `best.keras` and `history.json` stay.
    `fresh=True` removes a leftover backup and starts over.

    This does the work of Keras' `BackupAndRestore` and `ModelCheckpoint(save_best_only=True)`.
    Those write their files in place: a kill during a write leaves a cut-off file (every later
    resume then fails), a kill between the weights and the epoch number retrains an epoch from
    trained weights, and the best value starts again from infinity after a resume. Here every file
    is written to a temporary name and moved into place (`utils.files.replacing`), the state file
    names the weights it belongs to, and the best value is part of that state.
    """

    def __init__(self, folder, monitor="val_loss", mode="auto", fresh=False):
        super().__init__()
        if not isinstance(folder, (str, os.PathLike)):
            raise TypeError(f"folder must be a path (str or pathlib.Path), got {folder!r}.")
        args.string("monitor", monitor, "val_loss")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}.")
        args.flag("fresh", fresh)
        if mode == "auto":
            mode = (
                "max" if any(k in monitor for k in ("acc", "auc", "precision", "recall")) else "min"
            )
        self.folder = pathlib.Path(folder)
        self.backup = self.folder / "backup"
        self.monitor, self.mode, self.fresh = monitor, mode, fresh
        self.best = None  # the best monitor value so far, and the epoch (from 1) that reached it
        self.best_epoch = None
        self.history = {}  # every epoch's logs of the run, interruptions included

    def on_train_begin(self, logs=None):
        if self.fresh and self.backup.exists():
            try:
                done = f"{self._read_state()['epoch']} epochs done"
            except (ValueError, TypeError):
                done = "its state unreadable"
            print(
                f"Starting over (fresh=True): removed the backup of an interrupted run in "
                f"{self.backup} ({done})."
            )
            shutil.rmtree(self.backup)
        state = self._read_state()
        self.fresh = False  # later fits with this callback continue the run
        self.best, self.best_epoch, self.history = None, None, {}
        self.model._initial_epoch = None  # Keras keeps it after a resumed fit: start clean
        if state is None:
            return
        self._restore(state)
        best = (
            ""
            if self.best is None
            else (f", best {self.monitor} {self.best:.4f} at epoch {self.best_epoch}")
        )
        print(
            f"Resuming the interrupted run in {self.backup}: {state['epoch']} epochs were "
            f"done{best}. Training continues at epoch {state['epoch'] + 1}. "
            "(To start over instead, pass fresh=True.)"
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.monitor not in logs:
            raise ValueError(
                f"RunCheckpoints watches {self.monitor!r}, but fit logged only "
                f"{sorted(logs)}: pass validation_data to fit, or monitor='loss'."
            )
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
        with files.replacing(self.backup / weights) as temporary:
            self.model.save_weights(temporary)
        files.write_text(
            self.backup / "state.json",
            json.dumps(
                {
                    "epoch": epoch + 1,
                    "weights": weights,
                    "monitor": self.monitor,
                    "mode": self.mode,
                    "best": self.best,
                    "best_epoch": self.best_epoch,
                    "history": self.history,
                }
            ),
        )
        if improved:
            self._save_best()
        self._tidy(keep=weights)

    def on_train_end(self, logs=None):
        self.model._initial_epoch = None
        files.write_text(self.folder / "history.json", json.dumps(self.history))
        if self.backup.is_dir():
            shutil.rmtree(self.backup)

    def _save_best(self):
        with files.replacing(self.folder / "best.keras") as temporary:
            self.model.save(temporary)

    def _read_state(self):
        """The backup's state, or None when there is no backup; a clear error if it is unusable."""
        path = self.backup / "state.json"
        if not path.is_file():
            return None
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            state["epoch"], state["weights"]  # noqa: B018 (present, or KeyError)
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(
                f"The backup state {path} cannot be read ({err}). Pass fresh=True to start over."
            ) from None
        return state

    def _restore(self, state):
        if state.get("monitor") != self.monitor:
            raise ValueError(
                f"The backup in {self.backup} watched {state.get('monitor')!r}, not "
                f"{self.monitor!r}: pass monitor={state.get('monitor')!r}, or fresh=True to "
                "start over."
            )
        weights = self.backup / state["weights"]
        if not self.model.built:
            raise ValueError("Build the model before fit (give it an Input) to resume a run.")
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        try:
            self.model.load_weights(weights)
        except (OSError, ValueError) as err:
            raise ValueError(
                f"The backup {weights} cannot be loaded into this model ({err}). Was it written "
                "by another model? Use another folder, or pass fresh=True to start over."
            ) from None
        self.model._initial_epoch = state["epoch"]
        self.best, self.best_epoch = state.get("best"), state.get("best_epoch")
        self.history = {k: list(v) for k, v in state.get("history", {}).items()}
        if self.best_epoch == state["epoch"]:
            self._save_best()  # a kill may have come between the state and best.keras
        self._tidy(keep=state["weights"])

    def _tidy(self, keep):
        """Remove older backups and the temporary files of a killed write."""
        for path in [
            *self.backup.glob("epoch-*.weights.h5"),
            *files.leftovers(self.backup),
            *files.leftovers(self.folder),
        ]:
            if path.name != keep:
                path.unlink(missing_ok=True)


class InterruptAfter(keras.callbacks.Callback):
    """Fail after `epochs` epochs of this `fit`, as a lost Colab connection would."""

    def __init__(self, epochs):
        super().__init__()
        if not isinstance(epochs, int) or isinstance(epochs, bool):
            raise TypeError(f"epochs must be a whole number >= 1, got {epochs!r}.")
        if epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}.")
        self.epochs = epochs

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
    """

    def __init__(self):
        super().__init__()
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
