"""Checks of what a notebook passes to the helpers of `utils`, kept here so that each helper reads
as its lesson: one line on top, `args.<check>(...)  # the arguments, checked once`, then the code.
The basic checks come first, then one section for each module that calls in.

Each raises a `TypeError` for a value of the wrong kind (a bool is never a number here) and a
`ValueError` for one out of range, with a message that names the argument, the value given and
what to pass instead.
"""

import math
import os

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


# What the text helpers of `utils.text` are given.


def chars(value):
    """`value` as a list of single characters (a string, or a list of them), never empty."""
    wanted = "chars must be a string or a list of single characters, e.g. CharVocab('abc')"
    if isinstance(value, str):
        value = list(value)
    else:
        try:
            value = list(value)
        except TypeError:
            raise TypeError(f"{wanted}, got {type(value).__name__}.") from None
        if not all(isinstance(c, str) for c in value):
            raise TypeError(f"{wanted}, got a list with {type(value[0]).__name__} in it.")
        longer = [c for c in value if len(c) != 1]
        if longer:
            raise ValueError(f"{wanted}, one character each: {longer[0]!r} is not one.")
    if not value:
        raise ValueError("the vocabulary is empty: build it from a non-empty text.")
    return value


def known_text(text, known):
    """`text`, checked to be a string of characters that are all in `known`."""
    if not isinstance(text, str):
        raise TypeError(
            f"text must be a string, got {type(text).__name__}: encode one text at a time."
        )
    unknown = sorted(set(text) - known.keys())
    if unknown:
        raise ValueError(
            f"{len(unknown)} character(s) not in the vocabulary: "
            f"{', '.join(repr(c) for c in unknown[:20])}. Use only characters of the training "
            "text (see vocab.chars), e.g. lower-case the text if the model was trained on it."
        )
    return text


def vocab_ids(value, size):
    """`value` as a 1-D int array of ids of a vocabulary of `size` characters (0 to size - 1)."""
    value = np.asarray(value).ravel()
    if value.size and not np.issubdtype(value.dtype, np.integer):
        raise TypeError(f"ids must be whole numbers (character ids), got dtype {value.dtype}.")
    bad = value[(value < 0) | (value >= size)]
    if bad.size:
        raise ValueError(
            f"id {bad[0]} is not in this vocabulary of {size} characters (ids 0 to {size - 1}): "
            "decode ids made with this vocabulary, or the model's output size is not the "
            "vocabulary's."
        )
    return value


def windows(value, length, shift, batch_size=None, shuffle_buffer=0, seed=None):
    """The ids of `split_windows` or `window_dataset`, checked with the window's settings.

    Returns the ids as an int32 array (what TensorFlow is given) and the shift."""
    value = ids("ids", value)
    if value.size and not 0 <= value.min() <= value.max() < 2**31:
        raise ValueError(
            f"ids must be token ids from 0 to {2**31 - 1:,}, got {value.min()} to {value.max()}: "
            "encode the text with its vocabulary, e.g. vocab.encode(text)."
        )
    shift = length if shift is None else shift
    for name, number in (("the window length", length), ("shift", shift)):
        if not is_whole(number):
            raise TypeError(f"{name} must be a whole number >= 1, got {number!r}.")
        if number < 1:
            raise ValueError(f"{name} must be at least 1, got {number}.")
    if length >= len(value):
        raise ValueError(
            f"a window of {length} + 1 characters does not fit in a text of {len(value)}: "
            "use a shorter window or a longer text."
        )
    if batch_size is None:  # split_windows: every window at once, in memory
        n_windows = (len(value) - length + shift - 1) // shift
        fits_in_memory(
            f"{n_windows:,} windows of {length + 1} ids",
            3 * n_windows * (length + 1) * 8,  # the index, the windows, the two halves
            "use utils.window_dataset, which cuts the windows on the fly, or a larger shift.",
        )
    else:  # window_dataset: a shuffle buffer of windows
        whole("batch_size", batch_size, minimum=1)
        whole("shuffle_buffer", shuffle_buffer, minimum=0)
        whole("seed", seed, minimum=0, allow_none=True)
        fits_in_memory(
            f"a shuffle buffer of {shuffle_buffer:,} windows of {length + 1} ids",
            shuffle_buffer * (length + 1) * 4,
            "use a smaller shuffle_buffer (10,000 windows mix Shakespeare well).",
        )
    return value.astype(np.int32), shift


def lines_and_tokenizer(lines, tokenizer, max_sequence_len):
    """Check what `ngram_sequences` is given: a list of strings, a fitted Keras Tokenizer (or
    None) and a `max_sequence_len` of at least 2 (or None)."""
    if isinstance(lines, (str, bytes)) or not isinstance(lines, (list, tuple)):
        raise TypeError(
            f"lines must be a list of strings, got {type(lines).__name__}: split the text, "
            "text.split('\\n')."
        )
    if not all(isinstance(line, str) for line in lines):
        raise TypeError("lines must be a list of strings, but not every line is a string.")
    whole("max_sequence_len", max_sequence_len, 2, allow_none=True)
    if tokenizer is not None:
        fitted_tokenizer(tokenizer, "call tokenizer.fit_on_texts(lines) first")


def fitted_tokenizer(tokenizer, fix):
    """`tokenizer`, checked to be a Keras Tokenizer that knows some words (else: `fix`)."""
    if not (hasattr(tokenizer, "word_index") and hasattr(tokenizer, "texts_to_sequences")):
        raise TypeError(
            f"tokenizer must be a Keras Tokenizer fitted on the training text, got "
            f"{type(tokenizer).__name__}."
        )
    if not tokenizer.word_index:
        raise ValueError(f"the tokenizer has no words yet: {fix}.")


def sequences_fit(sequences, n_lines, max_sequence_len):
    """A clear error when `ngram_sequences` found nothing to predict or would fill the memory."""
    if not sequences:
        raise ValueError(
            f"no line of the {n_lines} given has two words the tokenizer knows, so there is "
            "nothing to predict: give more text."
        )
    fits_in_memory(
        f"{len(sequences):,} sequences of {max_sequence_len:,} ids",
        2 * len(sequences) * max_sequence_len * 4,
        "use a smaller max_sequence_len (the longest line's length is enough).",
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


def sample_request(logits_, rng, greedy):
    """`logits_` as a float64 (batch, vocab) array, with `rng` and `greedy` checked."""
    if not isinstance(rng, np.random.Generator):
        seed = f"{rng}" if is_whole(rng) else "42"
        raise TypeError(
            f"rng must be a NumPy random Generator, e.g. np.random.default_rng({seed}), "
            f"got {type(rng).__name__}."
        )
    flag("greedy", greedy)
    return logits(logits_)


def tokens(value, n):
    """Check what `distinct_share` is given: one sequence of at least `n` tokens."""
    if isinstance(value, (bytes, dict)) or not isinstance(value, (str, list, tuple, np.ndarray)):
        raise TypeError(
            f"tokens must be a string (characters) or a list of words, got {type(value).__name__}."
        )
    whole("n", n, minimum=1)
    if not isinstance(value, str) and any(np.ndim(t) for t in value):
        raise ValueError("tokens must be one sequence of words (1-D), not a list of sequences.")
    if len(value) < n:
        raise ValueError(f"need at least n = {n} tokens, got {len(value)}.")


def char_model(model, vocab):
    """`char_model_layers` of a built Keras model and the `CharVocab` it was trained with."""
    import keras

    from .text import CharVocab

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}.")
    if not isinstance(vocab, CharVocab):
        raise TypeError(
            f"vocab must be the utils.CharVocab the model was trained with, "
            f"got {type(vocab).__name__}."
        )
    if not model.built:
        raise ValueError(
            "the model is not built, so it has no weights yet: start it with keras.Input(...) "
            "and train it, then generate."
        )
    return char_model_layers(model, len(vocab))


def finite_weights(layers, kinds):
    """A clear error when a layer's weights (as `CharGenerator` read them) hold NaN or inf."""
    for (_, weights), (_, layer) in zip(layers, kinds):
        if not all(np.isfinite(w).all() for w in weights):
            raise ValueError(
                f"the weights of {layer.name} hold NaN or infinity: training diverged (look "
                "at the loss). Train again with a lower learning rate or clipnorm=1.0."
            )


def generate_call(kind, seed_text, count, n_samples, greedy, temperature, top_k, top_p, seed):
    """Check one `generate` call of the "char" or the "word" generator; return its batch size."""
    count_name, example = ("length", "ROMEO:") if kind == "char" else ("n_words", "the cat")
    flag("greedy", greedy)  # greedy takes the likeliest: temperature plays no part
    temperature = 1.0 if greedy else temperature
    batch = generation_request(count_name, count, n_samples, temperature, top_k, top_p, seed)
    string("seed_text", seed_text, example)
    return batch


def char_beam_request(seed_text, length, width, alpha, stop):
    """Check one `CharGenerator.beam_search` call."""
    string("seed_text", seed_text, "ROMEO:")
    beam_request("length", length, width, alpha)
    if stop is not None and len(string("stop", stop, "\\n")) != 1:
        raise ValueError(f"stop must be one character, e.g. '\\n', got {stop!r}.")


def word_model(model, tokenizer, max_sequence_len):
    """Check a next-word model, its tokenizer and `max_sequence_len` against each other; return
    the number of ids the model scores (the tokenizer's words and the padding id 0)."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}.")
    fitted_tokenizer(tokenizer, "use the one the model was trained with")
    whole("max_sequence_len", max_sequence_len, minimum=2)
    try:
        steps = model.inputs[0].shape[1]
    except (AttributeError, ValueError, IndexError, TypeError):  # not built on an Input
        steps = None
    if steps is not None and steps != max_sequence_len - 1:
        raise ValueError(
            f"the model reads windows of {steps} words, but max_sequence_len - 1 = "
            f"{max_sequence_len - 1}: pass the max_sequence_len the model was trained with "
            f"({steps + 1})."
        )
    vocab = min(len(tokenizer.word_index) + 1, tokenizer.num_words or np.inf)
    head = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else None
    if head is not None and head != vocab:
        raise ValueError(
            f"the model scores {head} ids but the tokenizer has {vocab} (its words and "
            "the padding id 0): use the tokenizer the model was trained with."
        )
    return vocab


def seed_ids(ids_, seed_text):
    """The ids of the seed's known words, or a clear error when it has none."""
    if not ids_:
        raise ValueError(
            f"none of the words of {seed_text!r:.60} is in the tokenizer's vocabulary, so the "
            "model has nothing to start from: use words of the training text."
        )
    return ids_


def word_windows(windows, vocab):
    """Check what `WordGenerator.next_logits` is given: lists of ids from 0 to vocab - 1."""
    if isinstance(windows, (str, bytes)) or not all(
        isinstance(row, (list, tuple, np.ndarray)) and all(is_whole(i) for i in row)
        for row in windows
    ):
        raise TypeError(
            "windows must be a list of word-id lists, e.g. "
            "tokenizer.texts_to_sequences([text]); words are not ids."
        )
    wrong = [i for row in windows for i in row if not 0 <= i < vocab]
    if wrong:
        raise ValueError(
            f"windows hold the id {wrong[0]}, but the tokenizer's ids go from 1 to "
            f"{vocab - 1} (0 is padding): take the ids from this tokenizer."
        )


# What the plot helpers of `utils.plots` are given.


def finite_numbers(name, values):
    """`values` as a float array of finite numbers (for the plot helpers' vectors and values)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers, got {type(values).__name__}.") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name} hold NaN or infinity: plot finite numbers only.")
    return array


def word_vectors(vectors, words):
    """For plot_word_vectors: `vectors` as a float (n_words, 2) array, one word of `words` a row."""
    if not isinstance(words, (list, tuple, np.ndarray)):
        raise TypeError(
            "words must be a list of strings, one per vector, e.g. ['king', 'queen'], got "
            f"{type(words).__name__}."
        )
    for word in words:
        if not isinstance(word, str):
            raise TypeError(f"words must be a list of strings, got {word!r} among them.")
    vectors = finite_numbers("vectors", vectors)
    if vectors.ndim != 2 or vectors.shape[1] != 2:
        raise ValueError(
            f"vectors must have shape (n_words, 2), got {vectors.shape}: "
            "use a 2-dimensional embedding, or project the vectors to 2-D first."
        )
    if len(vectors) == 0:
        raise ValueError(
            "there are no word vectors to plot (shape (0, 2)): give at least one word and its "
            "vector (are the words you picked in the vocabulary?)."
        )
    if len(words) != len(vectors):
        raise ValueError(f"got {len(words)} words for {len(vectors)} vectors; give one per vector.")
    return vectors


def id_grid(sequences, labels, max_cells):
    """For plot_sequences: `sequences` as a 2-D integer array of at most `max_cells` ids, each
    with an entry in `labels` when labels are given."""
    try:
        matrix = np.asarray(sequences)
    except ValueError:  # ragged lists of different lengths
        matrix = np.asarray(sequences, dtype=object)
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.integer):
        raise ValueError(
            f"sequences must be a 2-D integer array (pad them first), got shape {matrix.shape} "
            f"and dtype {matrix.dtype}."
        )
    if matrix.size > max_cells:
        raise ValueError(
            f"sequences has {matrix.size:,} cells; this picture shows at most {max_cells:,} "
            "cells: plot a few rows and columns, e.g. sequences[:5, -20:]."
        )
    if labels is not None and matrix.size and matrix.min() < 0:
        raise ValueError(
            f"id {matrix.min()} has no label: with labels, ids count from 0 (labels[-1] would be "
            "the last label). Pass the ids the vocabulary made, or leave labels out."
        )
    if labels is not None and matrix.size and matrix.max() >= len(labels):
        raise ValueError(
            f"there is no label for {matrix.max()}: labels has {len(labels)} entries. Pass the "
            "vocabulary the ids were made with."
        )
    return matrix


def coloured_text(text, values):
    """For color_text_html: `values` as a float array of finite numbers, one per character."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}.")
    values = finite_numbers("values", values)
    if values.shape != (len(text),):
        raise ValueError(
            f"need one value per character: {len(text)} characters, but values has shape "
            f"{values.shape}."
        )
    return values


def history_logs(histories, metrics):
    """For plot_history: {model name: its logs, {metric: one number per epoch}}, each holding
    every metric of `metrics`, and a validation curve (if any) as long as the training one."""
    if not isinstance(histories, dict):
        raise TypeError(
            f"histories must be a dict {{'model name': history, ...}}, got "
            f"{type(histories).__name__}."
        )
    if not histories:
        raise ValueError("histories is empty: give {'model name': history, ...}.")
    if isinstance(metrics, str) or not all(isinstance(m, str) for m in metrics):
        raise TypeError(f"metrics must be a list of names, e.g. ['loss'], got {metrics!r}.")
    if len(metrics) == 0:
        raise ValueError("metrics is empty: name at least one curve to plot, e.g. ['loss'].")
    all_logs = {}
    for name, history in histories.items():
        logs = getattr(history, "history", history)
        if not isinstance(logs, dict):
            raise TypeError(
                f"{name}: give the History that fit returned (or its .history dict), got "
                f"{type(history).__name__}."
            )
        for metric in metrics:
            if metric not in logs:
                raise ValueError(f"{name}'s history has no {metric!r}: it has {sorted(logs)}.")
            for key in (metric, f"val_{metric}"):
                try:
                    curve = np.asarray(logs.get(key, []), dtype=float)
                except (TypeError, ValueError):
                    curve = None
                if curve is None or curve.ndim != 1:
                    raise TypeError(
                        f"{name}'s {key!r} must be numbers, one per epoch, e.g. [2.3, 1.9], got "
                        f"{logs[key]!r:.60}."
                    )
            val = f"val_{metric}"
            if val in logs and len(logs[val]) != len(logs[metric]):
                raise ValueError(
                    f"{name}'s {val!r} has {len(logs[val])} values but {metric!r} has "
                    f"{len(logs[metric])}: give one per epoch in both (fit without "
                    f"validation_freq, or leave {val!r} out)."
                )
        all_logs[name] = logs
    return all_logs


def drawable_model(model, to_file):
    """For draw_model: a built Keras model, and a file name whose suffix Keras can write."""
    import pathlib

    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}.")
    if not model.built:
        raise ValueError(
            f"model {model.name!r} is not built, so its layers have no shapes to draw: build it "
            "first, e.g. model.build((None, 40)) or call it on a batch, model(x[:1]) (or start "
            "it with keras.Input)."
        )
    suffixes = (".png", ".svg", ".pdf", ".jpg", ".dot")
    if pathlib.Path(str(to_file)).suffix.lower() not in suffixes:
        raise ValueError(f"to_file must end in one of {', '.join(suffixes)}, got {to_file!r}.")


# What the training helpers of `utils.train` are given.


def folder_name(name):
    """`name`, checked to be one folder name of at most 100 characters."""
    string("name", name, "char_lstm")
    if name in (".", "..") or "/" in name or "\\" in name or "\0" in name or len(name) > 100:
        raise ValueError(
            f"name must be one folder name of at most 100 characters, e.g. 'char_lstm', got "
            f"{name!r:.120}."
        )
    return name


def checkpoint_settings(folder, monitor, mode, fresh):
    """Check what `RunCheckpoints` is given; return the mode, with 'auto' made 'min' or 'max'."""
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a path (str or pathlib.Path), got {folder!r}.")
    string("monitor", monitor, "val_loss")
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}.")
    flag("fresh", fresh)
    if mode != "auto":
        return mode
    return "max" if any(k in monitor for k in ("acc", "auc", "precision", "recall")) else "min"


def no_arguments(name, given, named, example):
    """A clear TypeError for arguments passed to a callback that takes none."""
    if given or named:
        raise TypeError(f"{name} takes no arguments: use {example}.")
