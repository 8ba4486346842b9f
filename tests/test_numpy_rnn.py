"""The NumPy RNN, LSTM and GRU: shapes, gradients, agreement with TensorFlow/Keras, clear errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import numpy_rnn as nr

B, T, D, H, K = 3, 7, 5, 6, 4


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    params = nr.init_rnn(D, H, K, recurrent_scale=0.9, seed=1)
    params["b_h"] = rng.normal(scale=0.1, size=H)
    params["b_y"] = rng.normal(scale=0.1, size=K)
    x = rng.normal(size=(B, T, D))
    targets = rng.integers(0, K, size=(B, T))
    return params, x, targets


def test_rnn_forward_shapes(problem):
    params, x, _ = problem
    hs, logits = nr.rnn_forward(params, x)
    assert hs.shape == (B, T, H) and logits.shape == (B, T, K)
    assert np.all(np.abs(hs) < 1)  # tanh


def test_bptt_matches_finite_differences(problem):
    params, x, targets = problem
    _, grads, _, _ = nr.rnn_loss_and_grads(params, x, targets)
    eps = 1e-6
    rng = np.random.default_rng(2)
    for name in nr.RNN_PARAMS:
        for index in [tuple(rng.integers(0, n) for n in params[name].shape) for _ in range(5)]:
            plus, minus = dict(params), dict(params)
            plus[name], minus[name] = params[name].copy(), params[name].copy()
            plus[name][index] += eps
            minus[name][index] -= eps
            numeric = (
                nr.rnn_loss_and_grads(plus, x, targets)[0]
                - nr.rnn_loss_and_grads(minus, x, targets)[0]
            ) / (2 * eps)
            analytic = grads[name][index]
            assert abs(numeric - analytic) <= 1e-6 * max(1.0, abs(numeric)), (name, index)


def _tf_loss(params, x, targets, h_offsets):
    """The same RNN in TensorFlow; h_offsets (zeros) expose dL/dh_t as their gradient."""
    h = tf.zeros((x.shape[0], params["W"].shape[0]), dtype=tf.float64)
    loss = 0.0
    for t in range(x.shape[1]):
        h = tf.tanh(
            x[:, t] @ tf.transpose(params["U"]) + h @ tf.transpose(params["W"]) + params["b_h"]
        )
        h = h + h_offsets[t]
        logits = h @ tf.transpose(params["V"]) + params["b_y"]
        used = targets[:, t] >= 0
        loss += tf.reduce_sum(
            tf.nn.sparse_softmax_cross_entropy_with_logits(
                tf.boolean_mask(targets[:, t], used), tf.boolean_mask(logits, used)
            )
        )
    return loss


@pytest.mark.parametrize("last_step_only", [False, True])
def test_bptt_matches_gradient_tape_in_float64(problem, last_step_only):
    params, x, targets = problem
    if last_step_only:
        targets = np.where(np.arange(T) == T - 1, targets, -1)
    loss, grads, dh, _ = nr.rnn_loss_and_grads(params, x, targets)
    variables = {name: tf.Variable(value) for name, value in params.items()}
    offsets = [tf.Variable(tf.zeros((B, H), dtype=tf.float64)) for _ in range(T)]
    with tf.GradientTape() as tape:
        tf_loss = _tf_loss(variables, x, targets, offsets)
    tf_grads = tape.gradient(tf_loss, [*variables.values(), *offsets])
    assert abs(loss - tf_loss.numpy()) < 1e-9 * abs(loss)
    for name, tf_grad in zip(variables, tf_grads[: len(variables)]):
        err = np.linalg.norm(grads[name] - tf_grad.numpy()) / np.linalg.norm(tf_grad.numpy())
        assert err < 1e-6, name
    tf_dh = np.stack([g.numpy() for g in tf_grads[len(variables) :]], axis=1)
    np.testing.assert_allclose(dh, tf_dh, rtol=1e-6, atol=1e-12)


def test_steps_without_target_add_no_loss(problem):
    params, x, targets = problem
    masked = targets.copy()
    masked[:, :-1] = -1
    loss_last, grads, _, _ = nr.rnn_loss_and_grads(params, x, masked)
    _, logits = nr.rnn_forward(params, x)
    manual, _ = nr.softmax_cross_entropy(logits[:, -1:], targets[:, -1:])
    assert loss_last == pytest.approx(manual)
    assert np.all(np.isfinite(grads["W"]))


def test_carrying_the_state_splits_a_sequence_exactly(problem):
    """Truncated BPTT runs windows one after another; the forward pass must be unchanged."""
    params, x, _ = problem
    hs, _ = nr.rnn_forward(params, x)
    first, _ = nr.rnn_forward(params, x[:, :3])
    second, _ = nr.rnn_forward(params, x[:, 3:], h0=first[:, -1])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), hs, rtol=1e-12)


def test_clip_by_global_norm():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = nr.clip_by_global_norm(grads, max_norm=1.0)
    assert norm == pytest.approx(5.0)
    total = np.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert total == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])  # direction kept
    unchanged, _ = nr.clip_by_global_norm(grads, max_norm=10.0)
    np.testing.assert_array_equal(unchanged["b"], grads["b"])
    with pytest.raises(ValueError, match="max_norm must be a number > 0"):
        nr.clip_by_global_norm(grads, max_norm=0)


def _keras_layer(layer, x):
    """Build a Keras layer with random (not default) weights and run it on x (float32)."""
    layer(x.astype("float32"))
    rng = np.random.default_rng(3)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape) for w in layer.get_weights()])
    return [o.numpy() for o in layer(x.astype("float32"))]


def test_lstm_matches_keras():
    x = np.random.default_rng(4).normal(size=(B, T, D))
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True)
    k_hs, k_h, k_c = _keras_layer(layer, x)
    hs, h, c, gates = nr.lstm_forward(x.astype("float32"), *layer.get_weights())
    np.testing.assert_allclose(hs, k_hs, atol=1e-5)
    np.testing.assert_allclose(h, k_h, atol=1e-5)
    np.testing.assert_allclose(c, k_c, atol=1e-5)
    assert set(gates) == {"input", "forget", "candidate", "output", "cell"}
    assert all(g.shape == (B, T, H) for g in gates.values())
    assert np.all((gates["forget"] > 0) & (gates["forget"] < 1))


def test_gru_matches_keras():
    x = np.random.default_rng(5).normal(size=(B, T, D))
    layer = keras.layers.GRU(H, return_sequences=True, return_state=True)
    assert layer.reset_after
    k_hs, k_h = _keras_layer(layer, x)
    hs, h, gates = nr.gru_forward(x.astype("float32"), *layer.get_weights())
    np.testing.assert_allclose(hs, k_hs, atol=1e-5)
    np.testing.assert_allclose(h, k_h, atol=1e-5)
    assert set(gates) == {"update", "reset", "candidate"}


def test_lstm_and_gru_continue_from_a_given_state():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 6, 3))
    weights = [rng.normal(size=(3, 16)), rng.normal(size=(4, 16)), rng.normal(size=16)]
    hs, _, _, gates = nr.lstm_forward(x, *weights)
    _, h, c, _ = nr.lstm_forward(x[:, :2], *weights)
    rest, _, _, _ = nr.lstm_forward(x[:, 2:], *weights, h0=h, c0=c)
    np.testing.assert_allclose(rest, hs[:, 2:], rtol=1e-12)
    gru_weights = [rng.normal(size=(3, 12)), rng.normal(size=(4, 12)), rng.normal(size=(2, 12))]
    hs, _, _ = nr.gru_forward(x, *gru_weights)
    _, h, _ = nr.gru_forward(x[:, :2], *gru_weights)
    np.testing.assert_allclose(nr.gru_forward(x[:, 2:], *gru_weights, h0=h)[0], hs[:, 2:])


def test_bad_inputs_give_clear_errors(problem):
    params, x, targets = problem
    with pytest.raises(TypeError, match="x must be a float NumPy array, got dtype int"):
        nr.rnn_forward(params, x.astype(int))
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, got shape \(7, 5\)"):
        nr.rnn_forward(params, x[0])
    with pytest.raises(TypeError, match="x must be a float NumPy array, got list"):
        nr.rnn_forward(params, x.tolist())
    bad = dict(params, U=params["U"][:, :-1])
    with pytest.raises(ValueError, match=r"U has shape \(6, 4\), expected \(6, 5\)"):
        nr.rnn_forward(bad, x)
    with pytest.raises(ValueError, match="params lacks \\['b_y'\\]"):
        nr.rnn_forward({k: v for k, v in params.items() if k != "b_y"}, x)
    with pytest.raises(ValueError, match="h0 must have shape"):
        nr.rnn_forward(params, x, h0=np.zeros((B, H + 1)))
    with pytest.raises(TypeError, match="targets must be integer class indices"):
        nr.rnn_loss_and_grads(params, x, targets.astype(float))
    with pytest.raises(ValueError, match="a target is 4, but there are 4 classes"):
        nr.rnn_loss_and_grads(params, x, np.full((B, T), K))
    with pytest.raises(ValueError, match=r"kernel has shape \(5, 8\), expected \(5, 24\)"):
        nr.lstm_forward(x, np.zeros((D, 8)), np.zeros((H, 4 * H)), np.zeros(4 * H))
    with pytest.raises(ValueError, match="bias must have 2 dimensions"):
        nr.gru_forward(x, np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int32, np.int64])
def test_cross_entropy_takes_integer_labels_of_any_width(dtype):
    logits = np.random.default_rng(0).normal(size=(2, 3, 5))
    targets = np.array([[0, 4, 2], [1, 1, 3]])
    expected = nr.softmax_cross_entropy(logits, targets)
    loss, grad = nr.softmax_cross_entropy(logits, targets.astype(dtype))
    assert loss == expected[0]
    np.testing.assert_array_equal(grad, expected[1])


# The lesson is the code: what a lecture prints with inspect.getsource is the loop itself.
LESSON_LINES = {
    "rnn_forward": ["h = np.tanh(x[:, t] @ U.T + h @ W.T + b_h)", "return hs, hs @ V.T + b_y"],
    "rnn_loss_and_grads": ["da = dh[:, t] * (1 - hs[:, t] ** 2)", "dh_next = da @ W"],
    "lstm_forward": ["c = f * c + i * g", "h = o * np.tanh(c)"],
    "gru_forward": ["h = z * h + (1 - z) * candidate", "r = sigmoid(x_r + h_r)"],
}


def test_each_lesson_function_is_its_loop_with_one_check_line_on_top():
    import inspect

    for name, lines in LESSON_LINES.items():
        body = inspect.getsource(getattr(nr, name)).split('"""')[2]
        for line in lines:
            assert line in body, f"{name} does not show {line!r}"
        code = [line.strip() for line in body.splitlines() if line.strip()]
        checks = [i for i, line in enumerate(code) if "args." in line or "_check" in line]
        # one check line, the first; or none, where the first line is rnn_forward, which checks
        first_checks = checks == [0] or (not checks and "= rnn_forward(" in code[0])
        assert first_checks, f"{name}: its checks must be one line, its first: {code[:3]}"
        assert "raise" not in body and "for t in" in body, name


def test_every_source_a_notebook_prints_is_a_lesson_function():
    import json
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    printed = set()
    for path in sorted(root.glob("*/solutions/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            printed |= set(re.findall(r"getsource\(nr\.(\w+)\)", "".join(cell["source"])))
    assert printed and printed <= set(LESSON_LINES), printed - set(LESSON_LINES)
