import random

import numpy as np
import pytest

import utils
from utils import config


@pytest.mark.parametrize("value, fast", [("1", True), ("true", True), ("0", False), ("", False)])
def test_pick_follows_course_fast(monkeypatch, value, fast):
    monkeypatch.setenv("COURSE_FAST", value)
    assert utils.is_fast() is fast
    assert utils.pick(full=100, fast=2) == (2 if fast else 100)


def test_full_mode_is_the_default(monkeypatch):
    monkeypatch.delenv("COURSE_FAST", raising=False)
    assert utils.pick(full="full", fast="fast") == "full"


def test_fast_mode_is_on_under_pytest():
    assert utils.is_fast()


def test_unknown_course_fast_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST='maybe'.*set it to 1"):
        utils.pick(full=1, fast=0)


def _draws():
    import tensorflow as tf

    return random.random(), np.random.rand(3), tf.random.uniform((3,)).numpy()


def test_set_seed_makes_python_numpy_and_tensorflow_repeat():
    utils.set_seed(7)
    first = _draws()
    utils.set_seed(7)
    again = _draws()
    utils.set_seed(8)
    other = _draws()
    assert first[0] == again[0] and first[0] != other[0]
    np.testing.assert_array_equal(first[1], again[1])
    np.testing.assert_array_equal(first[2], again[2])
    assert not np.array_equal(first[2], other[2])


def test_set_seed_turns_on_op_determinism():
    from tensorflow.python.framework import config as tf_config  # no public getter exists

    utils.set_seed(1)
    assert tf_config.is_op_determinism_enabled()


def test_environment_report_is_one_line_with_versions_device_and_mode():
    import keras
    import tensorflow as tf

    line = utils.environment_report()
    assert "\n" not in line
    assert f"TensorFlow {tf.__version__}" in line and f"Keras {keras.__version__}" in line
    assert ("CPU" in line) or ("GPU" in line)
    assert "local" in line and "fast mode" in line


def test_environment_report_says_colab_on_colab(monkeypatch):
    import sys
    import types

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert "| Colab |" in utils.environment_report()
    assert config.on_colab()


def test_environment_report_warns_on_a_stack_older_than_the_oldest_tested(monkeypatch):
    import warnings

    import keras

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        utils.environment_report()  # the course's own stack: no warning
    monkeypatch.setattr(keras, "__version__", "3.8.0")
    with pytest.warns(UserWarning, match=r"Keras 3.8.0 is older than Keras 3.10, the oldest"):
        assert "Keras 3.8.0" in utils.environment_report()
