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
    """The logistic function 1 / (1 + e^-z), the gates' squashing (Lecture 11-0c, "Activation
    functions")."""
    return 1.0 / (1.0 + np.exp(-z))


def init_rnn(n_in, n_hidden, n_out, recurrent_scale=1.0, seed=0, dtype=np.float64):
    """Random RNN parameters; W is orthogonal times `recurrent_scale` (its largest gain).

    Lecture 11-0a, "Review of recurrent neural networks"; 11-0b scales W to make gradients vanish
    or explode."""
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
    """Run the RNN over `x` (batch, time, n_in). Returns all hidden states and all output scores.

    Lecture 11-0a, "Review of recurrent neural networks": the cell of this module's docstring,
    step by step."""
    U, W, V, b_h, b_y, h = args.rnn_params(params, x, h0)  # the arguments, checked once
    hs = np.empty((x.shape[0], x.shape[1], W.shape[0]), dtype=x.dtype)
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ U.T + h @ W.T + b_h)  # the new state: this input and the last state
        hs[:, t] = h
    return hs, hs @ V.T + b_y  # the scores y_t = V h_t + b_y of every step


def softmax_cross_entropy(logits, targets):
    """Summed cross-entropy of softmax(logits) and its gradient; targets < 0 are skipped.

    Lecture 11-0a, "Backpropagation Through Time (BPTT)": the loss L and dL/dy_t."""
    targets = args.class_targets(targets, logits)  # the arguments, checked once
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
    (truncated BPTT). Lecture 11-0a, "Backpropagation Through Time (BPTT)"; 11-0b truncates it.
    """
    hs, logits = rnn_forward(params, x, h0)  # checks the arguments, then runs forward
    W, V = params["W"], params["V"]
    h0 = np.zeros_like(hs[:, 0]) if h0 is None else h0
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

    Returns the clipped gradients and the norm before clipping. Lecture 11-0b, "Gradient
    clipping tames exploding gradients".
    """
    args.gradients(grads, max_norm)  # the arguments, checked once
    norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))
    if not np.isfinite(norm):
        raise ValueError(
            "the gradients hold NaN or infinity: training has diverged. Lower the learning rate, "
            "or clip earlier, and start again from finite parameters."
        )
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, norm


def lstm_forward(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None):
    """An LSTM over `x` (batch, time, n_in) with Keras' weights: gates in the order i, f, c, o.

    Returns `(hs, h, c, gates)`: every hidden state (batch, time, units), the last h and c, and a
    dict of every step's input, forget and output gates, candidate and cell state. `bias=None` is
    a layer built with `use_bias=False`. Lecture 11-0c, "The LSTM in NumPy".
    """
    h, c, bias = args.gated_weights(x, kernel, recurrent_kernel, bias, 4, h0, c0)  # checked once
    shape = x.shape[:2] + h.shape[1:]  # (batch, time, units)
    names = ("input", "forget", "candidate", "output", "cell")
    gates = {name: np.empty(shape, x.dtype) for name in names}
    hs = np.empty(shape, x.dtype)
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        c = f * c + i * g  # forget some old memory, add some new
        h = o * np.tanh(c)  # show part of the memory
        hs[:, t] = h
        for name, value in zip(names, (i, f, g, o, c)):
            gates[name][:, t] = value
    return hs, h, c, gates


def gru_forward(x, kernel, recurrent_kernel, bias=None, h0=None):
    """A GRU over `x` with Keras' weights and Keras' default `reset_after=True`: gates z, r, h.

    `bias` has shape (2, 3 * units): input bias and recurrent bias (None: `use_bias=False`).
    Returns `(hs, h, gates)` with the update and reset gates and the candidate of every step.
    Lecture 11-0c, "The GRU".
    """
    h, _, bias = args.gated_weights(x, kernel, recurrent_kernel, bias, 3, h0, None)  # checked once
    shape = x.shape[:2] + h.shape[1:]  # (batch, time, units)
    gates = {name: np.empty(shape, x.dtype) for name in ("update", "reset", "candidate")}
    hs = np.empty(shape, x.dtype)
    for t in range(x.shape[1]):
        x_z, x_r, x_h = np.split(x[:, t] @ kernel + bias[0], 3, axis=-1)
        h_z, h_r, h_h = np.split(h @ recurrent_kernel + bias[1], 3, axis=-1)
        z = sigmoid(x_z + h_z)  # update gate: how much of the old state to keep
        r = sigmoid(x_r + h_r)  # reset gate: how much of the old state the candidate sees
        candidate = np.tanh(x_h + r * h_h)
        h = z * h + (1 - z) * candidate
        hs[:, t] = h
        gates["update"][:, t], gates["reset"][:, t], gates["candidate"][:, t] = z, r, candidate
    return hs, h, gates
