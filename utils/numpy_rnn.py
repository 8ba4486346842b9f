"""A recurrent network, an LSTM and a GRU in plain NumPy, small enough to read top to bottom.

Names follow the slides: the RNN cell is

    h_t = tanh(U x_t + W h_{t-1} + b_h)        (hidden state)
    y_t = V h_t + b_y                          (scores over the output classes)
    L   = sum_t L_t,  L_t = cross-entropy(softmax(y_t), target_t)

Arrays are batch first, as in Keras: inputs `x` have shape (batch, time, features), targets
(batch, time) with class indices, and a target below 0 means "no loss at this step". The LSTM and
GRU take Keras' own weight layout, so `keras.layers.LSTM(...).get_weights()` can be passed as is.
"""

import numpy as np

from . import args

RNN_PARAMS = ("U", "W", "V", "b_h", "b_y")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def init_rnn(n_in, n_hidden, n_out, recurrent_scale=1.0, seed=0, dtype=np.float64):
    """Random RNN parameters; W is orthogonal times `recurrent_scale` (its largest gain)."""
    sizes = [
        args.whole(name, n, 1)
        for name, n in zip(("n_in", "n_hidden", "n_out"), (n_in, n_hidden, n_out))
    ]
    recurrent_scale = args.real("recurrent_scale", recurrent_scale)
    seed = args.whole("seed", seed, 0)
    try:
        floating = np.issubdtype(np.dtype(dtype), np.floating)
    except TypeError:
        floating = False
    if not floating:
        raise ValueError(f"dtype must be a float type such as np.float64, got {dtype!r}.")
    n_in, n_hidden, n_out = sizes
    args.fits_in_memory(
        f"an RNN with {n_hidden:,} hidden units",
        8 * (4 * n_hidden**2 + n_hidden * (n_in + n_out)),  # W and its QR factorisation
        "this NumPy RNN is for small demonstrations: use a few hundred units at most.",
    )
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n_hidden, n_hidden)))
    params = {
        "U": rng.normal(scale=1 / np.sqrt(n_in), size=(n_hidden, n_in)),
        "W": recurrent_scale * q,
        "V": rng.normal(scale=1 / np.sqrt(n_hidden), size=(n_out, n_hidden)),
        "b_h": np.zeros(n_hidden),
        "b_y": np.zeros(n_out),
    }
    return {name: value.astype(dtype) for name, value in params.items()}


def rnn_forward(params, x, h0=None):
    """Run the RNN over `x` (batch, time, n_in). Returns all hidden states and all output scores."""
    U, W, V, b_h, b_y = _check_rnn(params, x)
    return _rnn(U, W, V, b_h, b_y, x, _initial_state(h0, x.shape[0], W.shape[0], x.dtype, "h0"))


def _rnn(U, W, V, b_h, b_y, x, h):
    """`rnn_forward` on checked parameters, from the initial state `h`."""
    batch, steps, _ = x.shape
    hs = np.empty((batch, steps, W.shape[0]), dtype=x.dtype)
    for t in range(steps):
        h = np.tanh(x[:, t] @ U.T + h @ W.T + b_h)
        hs[:, t] = h
    return hs, hs @ V.T + b_y


def softmax_cross_entropy(logits, targets):
    """Summed cross-entropy of softmax(logits) and its gradient; targets < 0 are skipped."""
    _check_float("logits", logits, None)
    targets = np.asarray(targets)
    if targets.size and not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(
            f"targets must be integer class indices, got dtype {targets.dtype}: use "
            "targets.astype(int)."
        )
    if targets.shape != logits.shape[:-1]:
        raise ValueError(
            f"targets must have shape {logits.shape[:-1]} (one class index per row of logits), "
            f"got {targets.shape}."
        )
    targets = targets.astype(np.int64)  # uint8 labels (MNIST's) too: -1 and counts fit
    if targets.max(initial=-1) >= logits.shape[-1]:
        raise ValueError(f"a target is {targets.max()}, but there are {logits.shape[-1]} classes.")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=-1, keepdims=True)
    used = targets >= 0
    index = np.where(used, targets, 0)[..., None]
    picked = np.take_along_axis(probs, index, axis=-1)
    loss = -np.sum(np.log(picked[used]))
    dlogits = probs.copy()  # d(-log p_target)/d logits = p - one_hot(target)
    np.put_along_axis(dlogits, index, picked - 1.0, axis=-1)
    dlogits[~used] = 0.0
    return loss, dlogits


def rnn_loss_and_grads(params, x, targets, h0=None):
    """Forward pass, loss and backpropagation through time (BPTT).

    Returns `(loss, grads, dh, h_last)`: the summed loss, dL/d(each parameter) under the same names,
    dL/dh_t for every step (batch, time, hidden) and the last hidden state, to carry on with
    (truncated BPTT).
    """
    U, W, V, b_h, b_y = _check_rnn(params, x)
    h0 = _initial_state(h0, x.shape[0], W.shape[0], x.dtype, "h0")
    hs, logits = _rnn(U, W, V, b_h, b_y, x, h0)  # checked once, above
    loss, dlogits = softmax_cross_entropy(logits, targets)
    h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    grads = {name: np.zeros_like(params[name]) for name in RNN_PARAMS}
    dh = np.zeros_like(hs)
    dh_next = np.zeros_like(hs[:, 0])
    for t in reversed(range(x.shape[1])):
        grads["V"] += dlogits[:, t].T @ hs[:, t]
        grads["b_y"] += dlogits[:, t].sum(axis=0)
        dh[:, t] = dlogits[:, t] @ V + dh_next  # from the output at t and from the step after
        da = dh[:, t] * (1 - hs[:, t] ** 2)  # back through tanh: tanh' = 1 - tanh^2
        grads["U"] += da.T @ x[:, t]
        grads["W"] += da.T @ h_prev[:, t]
        grads["b_h"] += da.sum(axis=0)
        dh_next = da @ W
    return loss, grads, dh, hs[:, -1]


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients down together so that their joint L2 norm is at most `max_norm`.

    Returns the clipped gradients and the norm before clipping.
    """
    wanted = f"max_norm must be a number > 0 (np.inf for no clipping), got {max_norm!r}."
    if not args.is_real(max_norm):
        raise TypeError(wanted)
    if not max_norm > 0:  # NaN too
        raise ValueError(wanted)
    if not isinstance(grads, dict):
        raise TypeError(
            "grads must be a dict of arrays (as rnn_loss_and_grads returns), got "
            f"{type(grads).__name__}."
        )
    norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))
    if not np.isfinite(norm):
        raise ValueError(
            "the gradients hold NaN or infinity: training has diverged. Lower the learning rate, "
            "or clip earlier, and start again from finite parameters."
        )
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, norm


def lstm_forward(x, kernel, recurrent_kernel, bias, h0=None, c0=None):
    """An LSTM over `x` (batch, time, n_in) with Keras' weights: gates in the order i, f, c, o.

    Returns `(hs, h, c, gates)`: every hidden state (batch, time, units), the last h and c, and a
    dict of every step's input, forget and output gates, candidate and cell state.
    """
    units = _check_gated(x, kernel, recurrent_kernel, bias, n_gates=4, bias_shape_rows=None)
    h0 = _initial_state(h0, x.shape[0], units, x.dtype, "h0")
    c0 = _initial_state(c0, x.shape[0], units, x.dtype, "c0")
    return _lstm(x, kernel, recurrent_kernel, bias, h0, c0)


def _lstm(x, kernel, recurrent_kernel, bias, h, c):
    """`lstm_forward` without its checks, for callers that checked once (the generator)."""
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units), x.dtype) if h is None else h
    c = np.zeros((batch, units), x.dtype) if c is None else c
    names = ("input", "forget", "candidate", "output", "cell")
    gates = {name: np.empty((batch, steps, units), dtype=x.dtype) for name in names}
    hs = np.empty((batch, steps, units), dtype=x.dtype)
    for t in range(steps):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        c = f * c + i * g  # forget some old memory, add some new
        h = o * np.tanh(c)  # show part of the memory
        hs[:, t] = h
        for name, value in zip(names, (i, f, g, o, c)):
            gates[name][:, t] = value
    return hs, h, c, gates


def gru_forward(x, kernel, recurrent_kernel, bias, h0=None):
    """A GRU over `x` with Keras' weights and Keras' default `reset_after=True`: gates z, r, h.

    `bias` has shape (2, 3 * units): input bias and recurrent bias. Returns `(hs, h, gates)` with
    the update and reset gates and the candidate of every step.
    """
    units = _check_gated(x, kernel, recurrent_kernel, bias, n_gates=3, bias_shape_rows=2)
    return _gru(
        x, kernel, recurrent_kernel, bias, _initial_state(h0, x.shape[0], units, x.dtype, "h0")
    )


def _gru(x, kernel, recurrent_kernel, bias, h):
    """`gru_forward` without its checks, for callers that checked once (the generator)."""
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units), x.dtype) if h is None else h
    gates = {
        name: np.empty((batch, steps, units), dtype=x.dtype)
        for name in ("update", "reset", "candidate")
    }
    hs = np.empty((batch, steps, units), dtype=x.dtype)
    for t in range(steps):
        x_z, x_r, x_h = np.split(x[:, t] @ kernel + bias[0], 3, axis=-1)
        h_z, h_r, h_h = np.split(h @ recurrent_kernel + bias[1], 3, axis=-1)
        z = sigmoid(x_z + h_z)  # update gate: how much of the old state to keep
        r = sigmoid(x_r + h_r)  # reset gate: how much of the old state the candidate sees
        candidate = np.tanh(x_h + r * h_h)
        h = z * h + (1 - z) * candidate
        hs[:, t] = h
        gates["update"][:, t], gates["reset"][:, t], gates["candidate"][:, t] = z, r, candidate
    return hs, h, gates


def _check_float(name, array, ndim):
    """A float NumPy array of `ndim` dimensions (any if None) holding finite numbers only."""
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
        kind = getattr(array, "dtype", type(array).__name__)
        raise TypeError(
            f"{name} must be a float NumPy array, got {kind}: use np.asarray(..., float)."
        )
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}.")
    if not np.isfinite(array).all():
        plural = "hold" if name.endswith("s") else "holds"
        raise ValueError(
            f"{name} {plural} NaN or infinity: the numbers are not finite (has training "
            "diverged? look at the loss), and nothing computed from them would be."
        )


def _check_rnn(params, x):
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of arrays {list(RNN_PARAMS)} (see init_rnn), got "
            f"{type(params).__name__}."
        )
    missing = [name for name in RNN_PARAMS if name not in params]
    if missing:
        raise ValueError(f"params lacks {missing}; it needs {list(RNN_PARAMS)} (see init_rnn).")
    _check_float("x", x, 3)
    U, W, V, b_h, b_y = (params[name] for name in RNN_PARAMS)
    for name, array, ndim in (
        ("U", U, 2),
        ("W", W, 2),
        ("V", V, 2),
        ("b_h", b_h, 1),
        ("b_y", b_y, 1),
    ):
        _check_float(name, array, ndim)
    n_hidden = W.shape[0]
    expected = {
        "U": (n_hidden, x.shape[2]),
        "W": (n_hidden, n_hidden),
        "V": (V.shape[0], n_hidden),
        "b_h": (n_hidden,),
        "b_y": (V.shape[0],),
    }
    for name, shape in expected.items():
        if params[name].shape != shape:
            raise ValueError(
                f"{name} has shape {params[name].shape}, expected {shape} for inputs with "
                f"{x.shape[2]} features and {n_hidden} hidden units."
            )
    return U, W, V, b_h, b_y


def _check_gated(x, kernel, recurrent_kernel, bias, n_gates, bias_shape_rows):
    _check_float("x", x, 3)
    _check_float("kernel", kernel, 2)
    _check_float("recurrent_kernel", recurrent_kernel, 2)
    _check_float("bias", bias, 1 if bias_shape_rows is None else 2)
    units = recurrent_kernel.shape[0]
    bias_shape = (
        (n_gates * units,) if bias_shape_rows is None else (bias_shape_rows, n_gates * units)
    )
    for name, array, shape in (
        ("kernel", kernel, (x.shape[2], n_gates * units)),
        ("recurrent_kernel", recurrent_kernel, (units, n_gates * units)),
        ("bias", bias, bias_shape),
    ):
        if array.shape != shape:
            raise ValueError(
                f"{name} has shape {array.shape}, expected {shape} for {x.shape[2]} input features "
                f"and {units} units ({n_gates} gates)."
            )
    return units


def _initial_state(state, batch, units, dtype, name):
    if state is None:
        return np.zeros((batch, units), dtype=dtype)
    _check_float(name, state, 2)
    if state.shape != (batch, units):
        raise ValueError(
            f"{name} must have shape {(batch, units)} (batch, units), got {state.shape}."
        )
    return state
