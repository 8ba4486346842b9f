"""Training plumbing: the distribution strategy, and checkpoints that survive a lost session."""

import os
import pathlib
import time

import keras
import numpy as np

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


def checkpoint_callbacks(folder, monitor="val_loss"):
    """Keras callbacks that keep a run safe: resume after an interruption, and keep the best model.

    `BackupAndRestore` saves the weights and the epoch reached at the end of every epoch and,
    when `fit` is called again with the same folder, resumes after the last finished epoch.
    `ModelCheckpoint` keeps the model with the best `monitor` value as `best.keras`.
    """
    folder = pathlib.Path(folder)
    return [
        keras.callbacks.BackupAndRestore(backup_dir=os.fspath(folder / "backup")),
        keras.callbacks.ModelCheckpoint(
            os.fspath(folder / "best.keras"), monitor=monitor, save_best_only=True
        ),
    ]


class InterruptAfter(keras.callbacks.Callback):
    """Fail after the given epoch (counted from 1), as a lost Colab connection would."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise RuntimeError(f"simulated disconnect after epoch {self.epoch}")


class FitClock(keras.callbacks.Callback):
    """Time one `fit` and remember the weights it started from: `callbacks=[utils.FitClock()]`.

    Afterwards `clock.seconds` is the fit's wall time, and the History that `fit` returned carries
    the clock as `history.clock`. So a homework check can read the time from the run itself (a
    measured time, not a typed one) and see that training changed the weights it started from.
    """

    def __init__(self):
        super().__init__()
        self.seconds = None
        self.start_weights = None

    def on_train_begin(self, logs=None):
        self.start_weights = [np.array(w, copy=True) for w in self.model.get_weights()]
        self.seconds = None
        self._start = time.perf_counter()

    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self._start
        history = getattr(self.model, "history", None)  # Keras' History sets it after each epoch
        if history is not None:
            history.clock = self
