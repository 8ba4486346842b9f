import keras
import numpy as np
import pytest

from utils import train


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


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_checkpoints_resume_after_an_interruption_and_keep_the_best(tmp_path):
    x, y = np.random.default_rng(0).normal(size=(32, 3)), np.zeros((32, 1))
    callbacks = train.checkpoint_callbacks(tmp_path)
    with pytest.raises(RuntimeError, match="simulated disconnect after epoch 3"):
        _model().fit(
            x,
            y,
            validation_data=(x, y),
            epochs=5,
            verbose=0,
            callbacks=[*callbacks, train.InterruptAfter(3)],
        )
    assert (tmp_path / "best.keras").is_file()
    resumed = _model().fit(
        x,
        y,
        validation_data=(x, y),
        epochs=5,
        verbose=0,
        callbacks=train.checkpoint_callbacks(tmp_path),
    )
    assert len(resumed.history["loss"]) == 2  # epochs 4 and 5 only: 1 to 3 were not lost
    best = keras.models.load_model(tmp_path / "best.keras")
    assert best.count_params() == 4
