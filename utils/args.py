"""Checks of what a notebook passes to the helpers, shared by every module of `utils`.

Each raises a `TypeError` for a value of the wrong kind (a bool is never a number here) and a
`ValueError` for one out of range, with a message that names the argument, the value given and
what to pass instead.
"""

import math

import numpy as np

# No helper builds an array larger than this. It keeps a typo (a window of 10**6, a million
# hidden units) from filling the memory of a Colab runtime, which then dies with all its work.
MAX_ARRAY_BYTES = 2 * 1024**3


def is_whole(value):
    """True for a whole number (a Python or NumPy integer), never for a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real(value):
    """True for a Python or NumPy number that is not a bool (it may be NaN or infinite)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def whole(name, value, minimum=0, maximum=None, allow_none=False):
    """`value` as an int, checked to be a whole number in [minimum, maximum]."""
    if value is None and allow_none:
        return None
    upper = "" if maximum is None else f" and <= {maximum:,}"
    wanted = f"{name} must be a whole number >= {minimum}{upper}"
    wanted += " (or None)" if allow_none else ""
    if not is_whole(value):
        raise TypeError(f"{wanted}, got {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{wanted}, got {value!r}.")
    return int(value)


def real(name, value, low=None, high=None, low_open=False):
    """`value` as a float, checked to be a finite number in [low, high] (or (low, high])."""
    lower = "" if low is None else f" {'>' if low_open else '>='} {low}"
    upper = "" if high is None else f" and <= {high}"
    wanted = f"{name} must be a finite number{lower}{upper}"
    if not is_real(value):
        raise TypeError(f"{wanted}, got {value!r}.")
    if (
        not math.isfinite(value)
        or (low is not None and (value <= low if low_open else value < low))
        or (high is not None and value > high)
    ):
        raise ValueError(f"{wanted}, got {value!r}.")
    return float(value)


def flag(name, value):
    """`value`, checked to be True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def string(name, value, example):
    """`value`, checked to be a non-empty string."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, e.g. {example!r}, got {type(value).__name__}.")
    if not value:
        raise ValueError(f"{name} is empty: give at least one character, e.g. {example!r}.")
    return value


def fits_in_memory(what, n_bytes, instead):
    """A ValueError when an array of `n_bytes` would pass MAX_ARRAY_BYTES, saying what to do."""
    if n_bytes > MAX_ARRAY_BYTES:
        raise ValueError(
            f"{what} would take about {n_bytes / 1024**3:,.1f} GiB of memory, more than the "
            f"{MAX_ARRAY_BYTES / 1024**3:.0f} GiB that one helper may use: {instead}"
        )


def ids(name, value):
    """`value` as a 1-D integer NumPy array of token ids."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be a sequence of integer ids, got {type(value).__name__}: encode the "
            "text first, e.g. vocab.encode(text)."
        )
    array = np.asarray(value)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must be whole numbers (token ids), got dtype {array.dtype}.")
    if array.ndim != 1:
        raise ValueError(f"{name} must be one sequence of ids (1-D), got shape {array.shape}.")
    return array


# The arrays of the NumPy networks (`utils.numpy_rnn`): checked here, so that each of its functions
# shows its lesson with one check line on top.
_RNN_PARAMS = ("U", "W", "V", "b_h", "b_y")


def float_array(name, array, ndim=None):
    """A float NumPy array of `ndim` dimensions (any if None) holding finite numbers only."""
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
        kind = f"dtype {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
        hint = "x.numpy()" if hasattr(array, "numpy") else "np.asarray(..., float)"
        raise TypeError(f"{name} must be a float NumPy array, got {kind}: use {hint}.")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}.")
    if not np.isfinite(array).all():
        plural = "hold" if name.endswith("s") else "holds"
        raise ValueError(
            f"{name} {plural} NaN or infinity: the numbers are not finite (has training "
            "diverged? look at the loss), and nothing computed from them would be."
        )


def rnn_params(params, x, h0):
    """The parameters (U, W, V, b_h, b_y) and the initial state, checked against `x`."""
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of arrays {list(_RNN_PARAMS)} (see numpy_rnn.init_rnn), got "
            f"{type(params).__name__}."
        )
    missing = [name for name in _RNN_PARAMS if name not in params]
    if missing:
        raise ValueError(
            f"params lacks {missing}; it needs {list(_RNN_PARAMS)} (see numpy_rnn.init_rnn)."
        )
    float_array("x", x, 3)
    for name, ndim in zip(_RNN_PARAMS, (2, 2, 2, 1, 1)):
        float_array(name, params[name], ndim)
    n_hidden, n_out = params["W"].shape[0], params["V"].shape[0]
    expected = {
        "U": (n_hidden, x.shape[2]),
        "W": (n_hidden, n_hidden),
        "V": (n_out, n_hidden),
        "b_h": (n_hidden,),
        "b_y": (n_out,),
    }
    for name, shape in expected.items():
        if params[name].shape != shape:
            raise ValueError(
                f"{name} has shape {params[name].shape}, expected {shape} for inputs with "
                f"{x.shape[2]} features and {n_hidden} hidden units."
            )
    h0 = initial_state(h0, x.shape[0], n_hidden, x.dtype, "h0")
    return (*(params[name] for name in _RNN_PARAMS), h0)


def gated_weights(x, kernel, recurrent_kernel, bias, n_gates, h0, c0):
    """The initial states h and c (zeros when None) and the bias (zeros when None), checked
    against `x` and the kernels of a layer with `n_gates` gates (4: LSTM, 3: GRU)."""
    float_array("x", x, 3)
    float_array("kernel", kernel, 2)
    float_array("recurrent_kernel", recurrent_kernel, 2)
    units = recurrent_kernel.shape[0]
    bias_shape = (n_gates * units,) if n_gates == 4 else (2, n_gates * units)
    if bias is None:  # a layer built with use_bias=False
        bias = np.zeros(bias_shape, dtype=kernel.dtype)
    float_array("bias", bias, len(bias_shape))
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
    h = initial_state(h0, x.shape[0], units, x.dtype, "h0")
    c = initial_state(c0, x.shape[0], units, x.dtype, "c0")
    return h, c, bias


def initial_state(state, batch, units, dtype, name):
    if state is None:
        return np.zeros((batch, units), dtype=dtype)
    float_array(name, state, 2)
    if state.shape != (batch, units):
        raise ValueError(
            f"{name} must have shape {(batch, units)} (batch, units), got {state.shape}."
        )
    return state


def class_targets(targets, logits):
    """`targets` as int64 class indices, one per row of the float array `logits` (below 0: none)."""
    float_array("logits", logits)
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
    return targets


def gradients(grads, max_norm):
    """Check what `clip_by_global_norm` is given: a dict of gradients and a norm > 0."""
    wanted = f"max_norm must be a number > 0 (np.inf for no clipping), got {max_norm!r}."
    if not is_real(max_norm):
        raise TypeError(wanted)
    if not max_norm > 0:  # NaN too
        raise ValueError(wanted)
    if not isinstance(grads, dict):
        raise TypeError(
            "grads must be a dict of arrays (as rnn_loss_and_grads returns), got "
            f"{type(grads).__name__}."
        )


# What the generators of `utils.generate` are given: checked here, once, where a notebook calls in.


def beam_request(count_name, count, width, alpha):
    whole(count_name, count, minimum=1)
    whole("width", width, minimum=1)
    real("alpha", alpha, low=0)
    if count * width > MAX_TOKENS:
        raise ValueError(
            f"{count_name} x width = {count * width:,} tokens is more than one call makes "
            f"({MAX_TOKENS:,}): ask for fewer."
        )


def char_model_layers(model, vocab_size):
    """(kind, layer) for each layer of a supported character model, or a clear ValueError.

    Only what the NumPy cells reproduce exactly is accepted; anything else would generate from a
    different model than the one trained, silently.
    """
    import keras

    layers = []
    for layer in model.layers:
        name = f"{layer.name} ({type(layer).__name__})"
        if isinstance(layer, keras.layers.Embedding):
            if layer.mask_zero:
                raise ValueError(
                    f"{name} has mask_zero=True: CharGenerator does not skip masked steps. Train "
                    "the character model without masking (no id is padding in its windows)."
                )
            if layer.input_dim != vocab_size:
                raise ValueError(
                    f"the model's Embedding has {layer.input_dim} rows but the vocabulary has "
                    f"{vocab_size} characters: use the vocabulary the model was trained with."
                )
            layers.append(("embedding", layer))
        elif isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
            kind = "lstm" if isinstance(layer, keras.layers.LSTM) else "gru"
            if layer.activation.__name__ != "tanh" or (
                layer.recurrent_activation.__name__ != "sigmoid"
            ):
                raise ValueError(
                    f"{name}: only the default tanh/sigmoid activations are supported."
                )
            if layer.go_backwards:
                raise ValueError(
                    f"{name} has go_backwards=True: it reads the text from the end, which cannot "
                    "be run one new character at a time. Generate with a forward model."
                )
            if kind == "gru" and not layer.reset_after:
                raise ValueError(
                    f"{name}: only GRU(reset_after=True), Keras' default, is supported."
                )
            if not layers:  # one-hot input: one column per character
                width = layer.get_weights()[0].shape[0]  # rows of the input kernel
                if width != vocab_size:
                    raise ValueError(
                        f"{name} reads {width} features per step but the vocabulary has "
                        f"{vocab_size} characters: use the vocabulary the model was trained with."
                    )
            layers.append((kind, layer))
        elif isinstance(layer, (keras.layers.Dense, keras.layers.TimeDistributed)):
            if layer is not model.layers[-1]:
                raise ValueError(
                    f"{name} is a Dense layer before the model's last layer: CharGenerator runs "
                    "Embedding, LSTM and GRU layers and one Dense head at the end, nothing between."
                )
            dense = layer.layer if isinstance(layer, keras.layers.TimeDistributed) else layer
            if not isinstance(dense, keras.layers.Dense):
                raise ValueError(f"{name}: only TimeDistributed(Dense) is supported.")
            activation = dense.activation.__name__
            if activation not in ("linear", "softmax"):
                raise ValueError(
                    f"{name} has activation={activation!r}: the head must give one score per "
                    "character, as logits (no activation) or as softmax probabilities."
                )
            if dense.units != vocab_size:
                raise ValueError(
                    f"{name} scores {dense.units} characters but the vocabulary has {vocab_size}: "
                    "the head must have one unit per character of the vocabulary."
                )
            layers.append(("dense", dense))  # pre-activation scores = logits
        elif isinstance(layer, (keras.layers.Dropout, keras.layers.InputLayer)):
            continue  # nothing to do at generation time
        else:
            raise ValueError(
                f"CharGenerator cannot run layer {name}: it supports Embedding, LSTM, GRU, "
                "Dropout and a final Dense layer."
            )
    if not layers or layers[-1][0] != "dense" or any(k == "dense" for k, _ in layers[:-1]):
        raise ValueError("the model must end in one Dense layer that scores every character.")
    if not any(kind in ("lstm", "gru") for kind, _ in layers):
        raise ValueError("the model has no LSTM or GRU layer: there is no state to carry.")
    return layers


def logits(logits):
    """`logits` as a float64 (batch, vocab) array; a clear error for what a sampler cannot use."""
    try:
        if logits is None or isinstance(logits, (str, bytes, dict)):
            raise TypeError
        z = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"logits must be numbers, one row of scores per text, got {type(logits).__name__}."
        ) from None
    if z.ndim not in (1, 2):
        hint = ": take the last step, logits[:, -1, :]" if z.ndim == 3 else ""
        raise ValueError(f"logits must be (vocab,) or (batch, vocab), got shape {z.shape}{hint}.")
    z = np.atleast_2d(z)
    if z.shape[-1] == 0 or z.shape[0] == 0:
        raise ValueError(f"logits of shape {z.shape} hold no score to sample from.")
    if np.isnan(z).any() or np.isposinf(z).any():
        raise ValueError(
            "logits hold NaN or +inf: the model's outputs are not finite numbers (did training "
            "diverge? look at the loss) and cannot be sampled from."
        )
    if np.isneginf(z).all(axis=-1).any():
        raise ValueError("a row of logits is -inf everywhere: every token is excluded.")
    return z


# One generate call makes at most this many tokens in all (length x n_samples): about 80 MB of ids.
MAX_TOKENS = 10_000_000


def generation_request(count_name, count, n_samples, temperature, top_k, top_p, seed=None):
    """Check the arguments of one `generate` call (of either generator); return its batch size."""
    sampling(temperature, top_k, top_p)
    count = whole(count_name, count, 0)
    batch = 1 if n_samples is None else whole("n_samples", n_samples, 1)
    whole("seed", seed, 0, allow_none=True)
    if count * batch > MAX_TOKENS:
        raise ValueError(
            f"{count_name} x n_samples = {count * batch:,} is more than the {MAX_TOKENS:,} tokens "
            "one call may generate: ask for less, or generate in pieces."
        )
    return batch


def sampling(temperature, top_k, top_p):
    if not is_real(temperature):
        raise TypeError(f"temperature must be a number > 0, got {temperature!r}.")
    if top_p is not None and not is_real(top_p):
        raise TypeError(f"top_p must be in (0, 1] (or None), got {top_p!r}.")
    if top_k is not None and not is_whole(top_k):
        raise TypeError(f"top_k must be a whole number >= 1 (or None), got {top_k!r}.")
    if not math.isfinite(temperature) or not math.isfinite(top_p if top_p is not None else 1):
        raise ValueError(
            f"temperature and top_p must be finite, got {temperature!r} and {top_p!r}."
        )
    if not temperature > 0:
        raise ValueError(
            f"temperature must be > 0, got {temperature!r}: use greedy=True for the most likely "
            "character, a small temperature (e.g. 0.5) for safe text, 1.0 for the model as it is."
        )
    if top_k is not None and (not is_whole(top_k) or top_k < 1):
        raise ValueError(f"top_k must be a whole number >= 1 (or None), got {top_k!r}.")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1] (or None), got {top_p!r}.")
