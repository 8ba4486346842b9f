"""The exercises of the lectures and labs: each check calls the student's function on inputs it
makes itself and compares with an answer it computes itself, so a PASS says only that the function
computes the right thing. A known wrong answer gets a FAIL that names the slip."""

import contextlib
import math
import os
import sys

import numpy as np

from .core import _close, _Fail, _number, _report


class _Without:
    """Watches a student's function for calls into the code its exercise rules out (whole
    modules, found by file, less the names in `allowed`), with `sys.setprofile` while it runs, so
    that an alias or a wrapper is caught as well as a direct call."""

    def __init__(self, label, modules, advice, allowed=()):
        self.label, self.modules, self.advice, self.allowed = label, modules, advice, set(allowed)

    def __enter__(self):
        import importlib.util

        places = []
        for module in self.modules:  # found without importing it: the student might, not us
            spec = importlib.util.find_spec(module)
            if spec is not None and spec.origin:
                origin = spec.origin
                places.append(
                    os.path.dirname(origin) + os.sep if origin.endswith("__init__.py") else origin
                )
        self.places, self.hit = tuple(places), None
        self.previous = sys.getprofile()
        sys.setprofile(self._watch)
        return self

    def _watch(self, frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(self.places):
            code = frame.f_code
            if code.co_name not in self.allowed:
                self.hit = getattr(code, "co_qualname", code.co_name)
                if self.hit == "<module>":  # an import inside the function ran the module
                    self.hit = f"importing {os.path.basename(code.co_filename)}"
                sys.setprofile(self.previous)  # one is enough

    def __exit__(self, *exc):
        sys.setprofile(self.previous)

    def fail(self, name):
        return _Fail(
            f"{name} calls {self.label} ({self.hit}): this exercise is to do it without "
            f"{self.label}. {self.advice}"
        )


NUMPY_RNN = ("utils.numpy_rnn",)
TF_KERAS = ("keras", "tensorflow", "tf_keras")


def _attempt(function, name, *args, without=None):
    """What the student's `function` returns for `args`; a FAIL if it is unwritten, raises, or
    calls what the exercise rules out (`without`, a _Without)."""
    if not callable(function):
        raise _Fail(
            f"{name} should be the function you wrote (def {name}(...)), "
            f"got {type(function).__name__}."
        )
    watch = without or contextlib.nullcontext()
    try:
        with watch:
            value = function(*args)
    except NotImplementedError:
        raise _Fail(
            f"not done yet: write the body of {name} where it says YOUR CODE HERE, then run this "
            "check."
        ) from None
    except _Fail:
        raise
    except Exception as error:
        if without is not None and without.hit:
            raise without.fail(name) from None
        message = str(error).split("\n")[0][:300]
        if "mix tensors and non-tensors" in message:
            message += " (give the model arrays only: np.asarray(state) for each state it returned)"
        raise _Fail(f"{name} raised {type(error).__name__}: {message}") from None
    if without is not None and without.hit:
        raise without.fail(name)
    return value


def _numbers(value, what, shape):
    """`value` as a float array of `shape`; a FAIL that says what came back otherwise."""
    if value is None:
        raise _Fail(f"{what} is None: did you forget the return statement?")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _Fail(f"{what} is a {type(value).__name__}, not an array of numbers.") from None
    if array.shape != shape:
        raise _Fail(f"{what} has shape {array.shape}; it should have shape {shape}.")
    return array


def _known_slip(got, slips, otherwise, atol=1e-6):
    """A FAIL with the hint of the first (hint, wrong answer) in `slips` that `got` equals."""
    for hint, wrong in slips:
        if np.shape(wrong) == np.shape(got) and np.allclose(got, wrong, atol=atol):
            raise _Fail(hint)
    raise _Fail(otherwise)


@_report
def check_tanh_prime(tanh_prime):
    """Lecture 11-0a: tanh_prime(x) is the derivative of tanh, elementwise.
    Lecture 11-0a, "Exercise: tanh' in code"."""
    x = np.concatenate([[0.0, 0.5, -2.0, 10.0], np.random.default_rng().normal(0, 2, 20)])
    expected = 1 - np.tanh(x) ** 2
    got = _numbers(_attempt(tanh_prime, "tanh_prime", x.copy()), "tanh_prime(x)", x.shape)
    if not np.allclose(got, expected, atol=1e-6):
        _known_slip(
            got,
            [
                ("tanh_prime(x) is 1 - x^2: the square belongs to tanh(x), not to x.", 1 - x**2),
                ("tanh_prime(x) is tanh(x)^2: the derivative is 1 minus that.", np.tanh(x) ** 2),
                ("tanh_prime(x) is 1 - tanh(x): square tanh(x).", 1 - np.tanh(x)),
                ("tanh_prime(x) is tanh(x) itself: differentiate it.", np.tanh(x)),
            ],
            "tanh_prime(x) is not 1 - tanh(x)^2: compare a few values with "
            "(np.tanh(x + 1e-6) - np.tanh(x - 1e-6)) / 2e-6.",
        )
    on_grid = (
        "tanh_prime works on a vector but not on a 4 x 6 array: use NumPy's elementwise "
        "operations (np.tanh, **), no loop over the entries."
    )
    try:
        got = _numbers(_attempt(tanh_prime, "tanh_prime", x.reshape(4, 6)), "", (4, 6))
    except _Fail:
        raise _Fail(on_grid) from None
    if not np.allclose(got, expected.reshape(4, 6), atol=1e-6):
        raise _Fail(on_grid)
    return "tanh_prime(x) = 1 - tanh(x)^2, elementwise, for arrays of any shape."


@_report
def check_bptt_step(bptt_step):
    """Lecture 11-0a: one step of BPTT back through h_t = tanh(U x_t + W h_{t-1} + b_h).
    Lecture 11-0a, "Exercise: one step of BPTT for $W$"."""
    rng = np.random.default_rng()  # fresh inputs each run: no answer can be written in advance
    batch, hidden = int(rng.integers(2, 5)), int(rng.integers(5, 8))
    W = rng.normal(0, 0.5, (hidden, hidden))
    h_prev = np.tanh(rng.normal(0, 1, (batch, hidden)))
    h = np.tanh(rng.normal(0, 1, (batch, hidden)))
    dh = rng.normal(0, 1, (batch, hidden))
    da = dh * (1 - h**2)
    answer = _attempt(
        bptt_step,
        "bptt_step",
        dh.copy(),
        h.copy(),
        h_prev.copy(),
        W.copy(),
        without=_Without(
            "utils.numpy_rnn", NUMPY_RNN, "Write the two lines with NumPy: da, then dW and dh_prev."
        ),
    )
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise _Fail("bptt_step should return two arrays: return dW, dh_prev.")
    dW = _numbers(answer[0], "dW", (hidden, hidden))
    dh_prev = _numbers(answer[1], "dh_prev", (batch, hidden))
    if not np.allclose(dW, da.T @ h_prev):
        _known_slip(
            dW,
            [
                (
                    "dW skips tanh': first da = dh * (1 - h**2), then dW = da.T @ h_prev.",
                    dh.T @ h_prev,
                ),
                ("dW uses h where h_prev belongs: W multiplies the previous state.", da.T @ h),
                (
                    "dW is transposed: W maps h_prev to the new state, so dW = da.T @ h_prev.",
                    h_prev.T @ da,
                ),
            ],
            "dW is not da.T @ h_prev with da = dh * (1 - h**2).",
        )
    if not np.allclose(dh_prev, da @ W):
        _known_slip(
            dh_prev,
            [
                ("dh_prev skips tanh': pass da = dh * (1 - h**2) back, not dh.", dh @ W),
                ("dh_prev uses W.T: with states as rows, dh_prev = da @ W.", da @ W.T),
            ],
            "dh_prev is not da @ W with da = dh * (1 - h**2).",
        )
    return "bptt_step passes the gradient back through tanh and W, and gives W's share of it."


@_report
def check_clip_by_global_norm(clip):
    """Lecture 11-0b: clip(grads, max_norm) scales all gradients together to a joint norm.
    Lecture 11-0b, "Exercise: clipping by the global norm"."""
    rng = np.random.default_rng()
    grads = {"W": rng.normal(0, 3, (4, 4)), "b": rng.normal(0, 3, 4), "V": rng.normal(0, 3, (2, 4))}
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads.values()))
    for max_norm, label in [(10 * norm, "small"), (1.0, "large")]:
        given = {k: v.copy() for k, v in grads.items()}
        answer = _attempt(
            clip,
            "clip_by_global_norm",
            given,
            max_norm,
            without=_Without(
                "the course's or TensorFlow's clipping",
                NUMPY_RNN + TF_KERAS,
                "Compute the joint norm with NumPy, then scale every gradient by one factor.",
            ),
        )
        if not isinstance(answer, tuple) or len(answer) != 2 or not isinstance(answer[0], dict):
            raise _Fail(
                "clip_by_global_norm should return the clipped dict and the norm: "
                "return clipped, norm."
            )
        clipped, got_norm = answer
        if set(clipped) != set(grads):
            raise _Fail(f"the clipped dict has keys {sorted(clipped)}: keep {sorted(grads)}.")
        got_norm = _number("the norm it returns", got_norm)
        if not _close(got_norm, norm, 1e-6):
            if _close(got_norm, min(norm, max_norm), 1e-6):
                raise _Fail(
                    "it returns the norm after clipping: return the norm before, which "
                    "is what the lecture plots."
                )
            raise _Fail(
                "the norm it returns is not the L2 norm of all gradients together: "
                "sqrt of the sum of every squared entry of every gradient."
            )
        scale = min(1.0, max_norm / norm)
        for key, value in grads.items():
            got = _numbers(clipped[key], f"clipped[{key!r}]", value.shape)
            if np.allclose(got, value * scale):
                continue
            if label == "small":
                raise _Fail(
                    "gradients already smaller than max_norm were changed: leave them as "
                    "they are (clip, never scale up)."
                )
            each = value * min(1.0, max_norm / np.linalg.norm(value))
            _known_slip(
                got,
                [
                    (
                        "each gradient is clipped on its own: scale all of them by the same "
                        "factor, max_norm / (their joint norm).",
                        each,
                    )
                ],
                "the large gradients are not scaled by max_norm / norm.",
            )
    return (
        "clip_by_global_norm scales large gradients together, keeps their direction, and "
        "leaves small ones alone."
    )


@_report
def check_jacobian_product(jacobian_product):
    """Lecture 11-0b: dh_T/dh_k as the product of the Jacobians diag(1 - h_i^2) W.
    Lecture 11-0b, "Exercise: the product of Jacobians"."""
    rng = np.random.default_rng()
    hidden, steps = int(rng.integers(3, 6)), int(rng.integers(4, 7))
    W = rng.normal(0, 0.8, (hidden, hidden))
    hs = np.tanh(rng.normal(0, 1, (steps, hidden)))
    expected, backwards, plain = np.eye(hidden), np.eye(hidden), np.eye(hidden)
    for h in hs:
        expected = (1 - h**2)[:, None] * W @ expected
        backwards = backwards @ ((1 - h**2)[:, None] * W)
        plain = W @ plain
    transposed = np.eye(hidden)
    for h in hs:
        transposed = (1 - h**2)[:, None] * W.T @ transposed
    got = _attempt(
        jacobian_product,
        "jacobian_product",
        W.copy(),
        hs.copy(),
        without=_Without(
            "utils.numpy_rnn", NUMPY_RNN, "Multiply the steps' Jacobians in a loop with NumPy."
        ),
    )
    got = _numbers(got, "jacobian_product(W, hs)", (hidden, hidden))
    if not np.allclose(got, expected):
        _known_slip(
            got,
            [
                (
                    "the product is in the wrong order: the Jacobian of the last step is on the "
                    "left, J = D_T W ... D_{k+1} W.",
                    backwards,
                ),
                ("the product leaves out tanh': each step's Jacobian is diag(1 - h_i^2) W.", plain),
                ("it uses W.T: dh_i/dh_{i-1} = diag(1 - h_i^2) W.", transposed),
            ],
            "jacobian_product(W, hs) is not D_T W ... D_{k+1} W with D_i = diag(1 - h_i^2).",
        )
    return "jacobian_product multiplies the steps' Jacobians diag(1 - h_i^2) W in the right order."


@_report
def check_lstm_step(lstm_step):
    """Lecture 11-0c: one LSTM step with Keras' weights (gate blocks i, f, c, o).
    Lecture 11-0c, "Exercise: one LSTM step"."""
    from ..numpy_rnn import sigmoid

    rng = np.random.default_rng()
    batch, n, m = int(rng.integers(2, 4)), int(rng.integers(3, 6)), int(rng.integers(4, 7))
    x, h, c = (
        rng.normal(0, 1, (batch, n)),
        rng.normal(0, 0.5, (batch, m)),
        rng.normal(0, 1, (batch, m)),
    )
    kernel, recurrent = rng.normal(0, 0.7, (n, 4 * m)), rng.normal(0, 0.7, (m, 4 * m))
    bias = rng.normal(0, 0.5, 4 * m)
    z = x @ kernel + h @ recurrent + bias
    blocks = np.split(z, 4, axis=-1)

    def step(i, f, g, o, tanh_c=True, input_gate=True):
        i, f, g, o = sigmoid(blocks[i]), sigmoid(blocks[f]), np.tanh(blocks[g]), sigmoid(blocks[o])
        new_c = f * c + (i * g if input_gate else g)
        return (o * np.tanh(new_c) if tanh_c else o * new_c), new_c

    expected_h, expected_c = step(0, 1, 2, 3)
    answer = _attempt(
        lstm_step,
        "lstm_step",
        x.copy(),
        h.copy(),
        c.copy(),
        kernel.copy(),
        recurrent.copy(),
        bias.copy(),
        without=_Without(
            "a ready-made LSTM",
            NUMPY_RNN + TF_KERAS,
            "Write the step with NumPy: z, its four blocks, then c and h (nr.sigmoid is allowed).",
            allowed={"sigmoid"},
        ),
    )
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise _Fail("lstm_step should return the new states: return h, c.")
    got_h = _numbers(answer[0], "the new h", (batch, m))
    got_c = _numbers(answer[1], "the new c", (batch, m))
    if np.allclose(got_h, expected_h) and np.allclose(got_c, expected_c):
        return "lstm_step computes the gates, the new cell state and the new hidden state as Keras."
    if np.allclose(got_h, expected_c) and np.allclose(got_c, expected_h):
        raise _Fail("h and c are swapped: return h, c in that order.")
    slips = [
        (
            "the gate blocks are in the wrong order: Keras stores them as i, f, c (candidate), o.",
            step(*order),
        )
        for order in [(1, 0, 2, 3), (0, 1, 3, 2), (0, 2, 1, 3), (3, 1, 2, 0)]
    ]
    slips += [
        ("h = o * c is missing the tanh: h = o * tanh(c).", step(0, 1, 2, 3, tanh_c=False)),
        (
            "the input gate is missing: c = f * c + i * candidate.",
            step(0, 1, 2, 3, input_gate=False),
        ),
    ]
    for hint, (wrong_h, wrong_c) in slips:
        if np.allclose(got_h, wrong_h) and np.allclose(got_c, wrong_c):
            raise _Fail(hint)
    if np.allclose(got_c, expected_c):
        raise _Fail("c is right but h is not: h = o * tanh(c) with the new c.")
    raise _Fail(
        "the new c is not f * c + i * candidate: compute z = x @ kernel + h @ "
        "recurrent_kernel + bias, then split it into i, f, candidate, o."
    )


_NO_KERAS_COUNT = (
    "Keras",
    TF_KERAS,
    "Count the weights from the sizes alone: the kernels, the recurrent kernels and the biases.",
)


def _whole_count(function, name, *args):
    value = _attempt(function, name, *args, without=_Without(*_NO_KERAS_COUNT))
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _Fail(f"{name}{args} is {value!r}: return a whole number (an int).")
    return int(value)


@_report
def check_param_counts(lstm_params, gru_params):
    """Lecture 11-0c: parameter counts of Keras' LSTM and GRU (reset_after=True) layers.
    Lecture 11-0c, "Exercise: count the parameters"."""
    rng = np.random.default_rng()
    for n, m in [(1, 1), *zip(rng.integers(2, 400, 3).tolist(), rng.integers(2, 300, 3).tolist())]:
        lstm = _whole_count(lstm_params, "lstm_params", n, m)
        if lstm != 4 * (n * m + m * m + m):
            if lstm == 4 * (n * m + m * m):
                raise _Fail(
                    "lstm_params leaves out the biases: each of the 4 blocks has m of them."
                )
            if lstm == n * m + m * m + m:
                raise _Fail("lstm_params counts one block: an LSTM has 4 (i, f, candidate, o).")
            raise _Fail(
                f"lstm_params({n}, {m}) = {lstm:,} is not an LSTM's count: 4 blocks of "
                "input weights, recurrent weights and biases."
            )
        gru = _whole_count(gru_params, "gru_params", n, m)
        if gru != 3 * (n * m + m * m + 2 * m):
            if gru == 3 * (n * m + m * m + m):
                raise _Fail(
                    "gru_params has one bias per block: Keras' default reset_after=True "
                    "gives each of the 3 blocks two, an input and a recurrent bias."
                )
            raise _Fail(
                f"gru_params({n}, {m}) = {gru:,} is not a GRU's count: 3 blocks of input "
                "weights, recurrent weights and two biases."
            )
    return "lstm_params and gru_params give Keras' counts for any input and layer size."


def _lstm_stack_total(input_size, hidden_size, layer_size, output_size):
    first = 4 * (input_size * hidden_size + hidden_size**2 + hidden_size)
    others = (layer_size - 1) * 4 * (2 * hidden_size**2 + hidden_size)
    return first + others + hidden_size * output_size + output_size


@_report
def check_lstm_stack(build_stack):
    """Lecture 11-0d: build_stack(input_size, hidden_size, layer_size, output_size) is a Keras
    model of `layer_size` stacked LSTMs and a Dense layer, reading (batch, steps, input_size).
    Lecture 11-0d, "Exercise: any number of layers"."""
    rng = np.random.default_rng()
    for sizes in [
        (5, 12, 1, 3),
        tuple(int(v) for v in rng.integers([2, 4, 2, 2], [30, 40, 4, 12])),
    ]:
        input_size, hidden_size, layer_size, output_size = sizes
        model = _attempt(build_stack, "build_stack", *sizes)
        if not callable(model) or not hasattr(model, "layers"):
            raise _Fail(
                f"build_stack{sizes} returned a {type(model).__name__}: return the Keras model."
            )
        try:
            out = np.asarray(model(np.zeros((2, 7, input_size), dtype="float32")))
        except Exception as error:
            raise _Fail(
                f"the model of build_stack{sizes} cannot read a batch of 2 sequences of 7 "
                f"steps of {input_size} features ({type(error).__name__}): start it with "
                "keras.Input(shape=(None, input_size))."
            ) from None
        if out.shape != (2, output_size):
            raise _Fail(
                f"the model of build_stack{sizes} outputs shape {out.shape} for 2 "
                f"sequences; it should be (2, {output_size}): one score per class, from "
                "the last step only."
            )
        lstms = [layer for layer in model.layers if type(layer).__name__ == "LSTM"]
        if len(lstms) != layer_size:
            raise _Fail(
                f"build_stack{sizes} has {len(lstms)} LSTM layers; it should have "
                f"layer_size = {layer_size}."
            )
        if any(layer.units != hidden_size for layer in lstms):
            raise _Fail(f"every LSTM should have hidden_size = {hidden_size} units.")
        sequences = [bool(layer.return_sequences) for layer in lstms]
        if sequences != [True] * (layer_size - 1) + [False]:
            raise _Fail(
                "every LSTM but the last must return_sequences=True (the next LSTM reads "
                "a sequence); the last returns its final state only."
            )
        total = model.count_params()
        if total != _lstm_stack_total(*sizes):
            raise _Fail(
                f"build_stack{sizes} has {total:,} parameters, not "
                f"{_lstm_stack_total(*sizes):,}: LSTMs and one Dense(output_size) only."
            )
    return "build_stack stacks any number of LSTMs, each but the last returning its sequence."


@_report
def check_stack_params(stack_params):
    """Lecture 11-0d: the parameter count of the stacked LSTM model, from its four sizes.
    Lecture 11-0d, "Exercise: count its parameters"."""
    rng = np.random.default_rng()
    random_sizes = rng.integers([2, 2, 2, 2], [300, 300, 6, 50], size=(3, 4)).tolist()
    for sizes in [(5, 12, 1, 3), *map(tuple, random_sizes)]:
        got = _whole_count(stack_params, "stack_params", *sizes)
        expected = _lstm_stack_total(*sizes)
        if got == expected:
            continue
        input_size, hidden_size, layer_size, output_size = sizes
        same_input = layer_size * 4 * (input_size * hidden_size + hidden_size**2 + hidden_size)
        if got == same_input + hidden_size * output_size + output_size:
            raise _Fail(
                "every LSTM after the first reads the previous LSTM's hidden_size outputs, "
                "not input_size features."
            )
        if got == expected - hidden_size * output_size - output_size:
            raise _Fail(
                "the Dense layer is missing: hidden_size * output_size weights and "
                "output_size biases."
            )
        raise _Fail(f"stack_params{sizes} = {got:,}: the model has {expected:,} parameters.")
    return "stack_params counts the stacked LSTMs and the Dense layer for any sizes."


def _pad_rows(sequences, maxlen, padding, truncating):
    rows = []
    for s in sequences:
        s = list(s)
        if len(s) > maxlen:
            s = s[:maxlen] if truncating == "post" else s[-maxlen:]
        zeros = [0] * (maxlen - len(s))
        rows.append(s + zeros if padding == "post" else zeros + s)
    return np.array(rows)


@_report
def check_first_four(first_four):
    """Lab 11-1: first_four(sequences) keeps each sequence's first 4 ids, zeros after them.
    Lab 11-1, "Exercise: pad and truncate"."""
    rng = np.random.default_rng()
    lengths = [int(rng.integers(5, 9)), int(rng.integers(2, 4)), 4, 1, int(rng.integers(1, 9))]
    sequences = [rng.integers(1, 50, n).tolist() for n in rng.permutation(lengths)]
    got = _attempt(first_four, "first_four", [list(s) for s in sequences])
    got = _numbers(got, "first_four(sequences)", (len(sequences), 4))
    if np.array_equal(got, _pad_rows(sequences, 4, "post", "post")):
        return "first_four pads after the words and keeps the first 4 of a longer sequence."
    slips = [
        (
            "a long sequence lost its first words: truncating='post' keeps the first maxlen ids.",
            _pad_rows(sequences, 4, "post", "pre"),
        ),
        (
            "the zeros are before the words: padding='post' puts them after.",
            _pad_rows(sequences, 4, "pre", "post"),
        ),
        (
            "the zeros are before the words and the first words were cut: use padding='post' and "
            "truncating='post'.",
            _pad_rows(sequences, 4, "pre", "pre"),
        ),
    ]
    _known_slip(
        got,
        slips,
        "first_four should be pad_sequences(sequences, maxlen=4, ...) with the "
        "zeros after the words and the first 4 ids of a longer sequence kept.",
    )


_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def _word_index(sentences, lower=True, filters=_FILTERS, by_count=True, first=2):
    words = []
    for sentence in sentences:
        text = sentence.lower() if lower else sentence
        text = text.translate({ord(ch): " " for ch in filters})
        words += text.split()
    counts = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    order = sorted(counts, key=lambda w: -counts[w]) if by_count else list(counts)
    return {word: i for i, word in enumerate(order, first)}


_WORDS = "the cat sat on mat a dog ate my hat ran to big red sun".split()


def _sentences(rng):
    """Three or more short sentences of _WORDS, capitalised and punctuated, in which every slip
    `check_word_index` names gives its own word_index."""
    while True:
        sentences = []
        for _ in range(int(rng.integers(3, 6))):
            words = [str(w) for w in rng.choice(_WORDS, int(rng.integers(3, 7)))]
            words[0] = words[0].capitalize()
            if rng.random() < 0.5:
                words[1] += ","
            sentences.append(" ".join(words) + str(rng.choice([".", "!", "?"])))
        variants = [
            _word_index(sentences),
            _word_index(sentences, lower=False),
            _word_index(sentences, filters=""),
            _word_index(sentences, by_count=False),
        ]
        if all(variants[0] != v for v in variants[1:]):
            return sentences


@_report
def check_word_index(build_word_index):
    """Lab 11-1: build_word_index(sentences) is the word_index of Tokenizer(oov_token='<OOV>').
    Lab 11-1, "Exercise: a word index by hand"."""
    sentences = _sentences(np.random.default_rng())
    got = _attempt(
        build_word_index,
        "build_word_index",
        list(sentences),
        without=_Without(
            "Keras' Tokenizer",
            TF_KERAS,
            "Lower-case each sentence, replace the punctuation by spaces, split, count, then "
            "number the words by count.",
        ),
    )
    if not isinstance(got, dict):
        raise _Fail(
            f"build_word_index returned a {type(got).__name__}: return a dict from word to index."
        )
    expected = {"<OOV>": 1, **_word_index(sentences)}
    if got == expected:
        return "build_word_index gives the Tokenizer's word_index: <OOV> first, then by frequency."
    if got == _word_index(sentences, first=1):
        raise _Fail(
            "there is no '<OOV>' entry: it comes first, with index 1, and the words start at 2."
        )
    if got.get("<OOV>") == 0 or 0 in got.values():
        raise _Fail("an index is 0: Keras keeps 0 for padding, so <OOV> is 1 and words start at 2.")
    slips = [
        (
            "the words are not lower-cased: 'The' and 'the' must be one word.",
            _word_index(sentences, lower=False),
        ),
        (
            "punctuation is still attached ('mat.', 'cat!'): remove the Tokenizer's filters first.",
            _word_index(sentences, filters=""),
        ),
        (
            "the words are numbered in the order they first appear: the most frequent comes first "
            "(ties keep that order).",
            _word_index(sentences, by_count=False),
        ),
    ]
    for hint, wrong in slips:
        if got == {"<OOV>": 1, **wrong}:
            raise _Fail(hint)
    raise _Fail(
        "build_word_index does not give the Tokenizer's word_index: compare it with "
        "Tokenizer(oov_token='<OOV>') fitted on the same sentences."
    )


@_report
def check_sample_next(sample_next):
    """Lab 11-2a: sample_next(logits, temperature, top_k, rng) draws one id from
    softmax(logits / temperature), restricted to the top_k likeliest ids (None: all of them).
    Lab 11-2a, "Exercise: your own sampler"."""
    from ..generate import sampling_distribution

    rng = np.random.default_rng()
    logits = rng.permutation([2.0, 1.0, 0.2, -0.5, 1.6, -1.0]) + rng.normal(0, 1)
    likeliest = int(logits.argmax())
    without = _Without(
        "the course's sampler",
        ("utils.generate",),
        "Write it with NumPy: divide by the temperature, keep the top_k, softmax, rng.choice.",
    )

    def attempt(*args):
        return _attempt(sample_next, "sample_next", logits.copy(), *args, without=without)

    for seed in rng.integers(0, 2**31, 20):  # ignoring top_k passes 20 draws with p < 1e-7
        drawn = attempt(1.0, 1, np.random.default_rng(seed))
        if isinstance(drawn, bool) or not isinstance(drawn, (int, np.integer)):
            raise _Fail(
                f"sample_next returned {drawn!r}: return one id, an int (e.g. "
                "int(rng.choice(...)))."
            )
        if drawn != likeliest:
            raise _Fail("with top_k=1 only the likeliest id may be drawn.")
    seed = int(rng.integers(2**31))
    first = [attempt(0.8, 3, np.random.default_rng(seed)) for _ in range(20)]
    again = [attempt(0.8, 3, np.random.default_rng(seed)) for _ in range(20)]
    if first != again:
        raise _Fail(
            "the same rng seed gave other draws: draw with the rng you are given "
            "(rng.choice or rng.random), not np.random."
        )
    draws = 4000
    for temperature, top_k in [(0.5, 3), (2.0, None), (1.0, 4)]:
        given = np.random.default_rng(int(rng.integers(2**31)))
        ids = [int(attempt(temperature, top_k, given)) for _ in range(draws)]
        if min(ids) < 0 or max(ids) >= len(logits):
            raise _Fail(
                f"sample_next drew id {max(ids) if max(ids) >= 0 else min(ids)}, but "
                f"there are {len(logits)} ids (0 to {len(logits) - 1})."
            )
        seen = np.bincount(ids, minlength=len(logits)) / draws
        expected = sampling_distribution(logits, temperature, top_k)
        if np.abs(seen - expected).max() <= 0.035:
            continue
        where = f"with temperature={temperature}, top_k={top_k}"
        kept = expected > 0
        if np.any(seen[~kept] > 0):
            raise _Fail(
                f"{where} it drew ids outside the {top_k} likeliest: set the others' "
                "probability to 0 (and renormalise) before drawing."
            )
        candidates = [
            (
                "the temperature multiplies the logits: divide them by it (below 1 sharpens).",
                sampling_distribution(logits * temperature, 1.0, top_k),
            ),
            (
                "the temperature is ignored: draw from softmax(logits / temperature).",
                sampling_distribution(logits, 1.0, top_k),
            ),
            (
                "it draws in proportion to the logits' ranks or values, not to softmax(logits / "
                "temperature).",
                np.full(len(logits), 1 / len(logits)),
            ),
        ]
        best = min(candidates, key=lambda c: np.abs(seen - c[1]).max())
        if np.abs(seen - best[1]).max() <= 0.035:
            raise _Fail(f"{where}: {best[0]}")
        raise _Fail(
            f"{where} the draws' frequencies are not softmax(logits / temperature) over "
            "the top_k likeliest ids, renormalised."
        )
    return "sample_next draws from softmax(logits / temperature) over the top_k ids, with the rng."


class _CountingModel:
    """A Keras model that counts the time steps it is given (the ids' last axis), by call or by
    predict: a stateful loop feeds each character once."""

    def __init__(self, model):
        self._model, self.steps, self.carried = model, 0, True
        self._returned = None  # the states the last call returned

    def _count(self, inputs, outputs):
        ids = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        self.steps += int(np.shape(ids)[-1])
        given = [np.asarray(s) for s in inputs[1:]] if isinstance(inputs, (list, tuple)) else []
        if self._returned is not None and not (
            len(given) == len(self._returned)
            and all(np.allclose(a, b, atol=1e-6) for a, b in zip(given, self._returned))
        ):
            self.carried = False
        self._returned = [np.asarray(s) for s in outputs[1:]]
        return outputs

    def __call__(self, inputs, *args, **kwargs):
        return self._count(inputs, self._model(inputs, *args, **kwargs))

    def predict(self, inputs, *args, **kwargs):
        return self._count(inputs, self._model.predict(inputs, *args, **kwargs))

    def __getattr__(self, name):
        return getattr(self._model, name)


def _greedy_steps(step_model, seed_ids, n, carry=True):
    """Greedy ids from a one-step model ([ids, *states] -> [logits, *states])."""
    zeros = [np.zeros((1, int(s.shape[-1])), "float32") for s in step_model.inputs[1:]]
    outputs = step_model([np.array([seed_ids]), *zeros])
    new = []
    for _ in range(n):
        logits, states = np.asarray(outputs[0]), [np.asarray(s) for s in outputs[1:]]
        new.append(int(logits[0, -1].argmax()))
        outputs = step_model([np.array([[new[-1]]]), *(states if carry else zeros)])
    return new


@_report
def check_char_windows(char_windows):
    """Lab 11-2: char_windows(ids, length, shift) cuts every whole window of `length` inputs and
    the `length` next ids as targets, one window every `shift` ids.
    Lab 11-2, "Exercise: windows by hand"."""
    from ..text import split_windows as _windows  # the course's own windows: the answer

    rng = np.random.default_rng()
    past_the_end = _Fail(
        "the last window runs past the text (its targets come out short): a window needs "
        "length + 1 ids, its inputs and the one after them, so the last start is "
        "len(ids) - length - 1."
    )
    for round in range(3):
        length = int(rng.integers(4, 12))
        shift = int(rng.integers(2, length))
        size = int(rng.integers(5 * length, 9 * length))
        if round == 0:  # a text that ends where a window's inputs end: one id short of another
            size = length + shift * int(rng.integers(5, 9))
        ids = rng.integers(1, 60, size)
        try:
            answer = _attempt(
                char_windows,
                "char_windows",
                ids.copy(),
                length,
                shift,
                without=_Without(
                    "the course's or TensorFlow's windows",
                    ("utils.text",) + TF_KERAS,
                    "Slice the array yourself: ids[start:start + length] and the slice one id "
                    "later.",
                ),
            )
        except _Fail as fail:
            if "inhomogeneous" in str(fail) or "sequence" in str(fail):
                raise past_the_end from None  # NumPy refused the short last row
            raise
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise _Fail("char_windows should return two arrays: return inputs, targets.")
        expected = _windows(ids, length, shift)
        rows = len(expected[0])
        try:
            got = [np.asarray(part) for part in answer]
        except ValueError:  # rows of different lengths: a slice ran past the text
            raise past_the_end from None
        if got[0].ndim != 2 or got[0].shape[1:] != (length,):
            raise _Fail(
                f"the inputs have shape {got[0].shape}: one row of length = {length} ids per "
                "window."
            )
        if got[0].shape[0] != rows:
            hint = {
                rows + 1: str(past_the_end),
                rows - 1: "the last window is missing: it starts "
                "at the last position that still leaves length + 1 ids.",
            }.get(got[0].shape[0])
            for every, slip in [
                (1, "the windows start at every id"),
                (length, "the windows are side by side"),
            ]:
                other = _windows(ids, length, every)[0]
                if got[0].shape == other.shape and np.array_equal(got[0], other):
                    hint = f"{slip}: start one every `shift` ids."
            raise _Fail(
                hint
                or f"for {len(ids)} ids, length {length} and shift {shift} there are {rows} "
                f"windows, not {got[0].shape[0]}."
            )
        if not np.array_equal(got[0], expected[0]):
            if np.array_equal(got[0], _windows(ids, length, length)[0]):
                raise _Fail("the windows are side by side: start one every `shift` ids.")
            raise _Fail("the inputs are not ids[start:start + length] for start = 0, shift, ...")
        if got[1].shape == got[0].shape and np.array_equal(got[1], got[0]):
            raise _Fail("the targets are the inputs: take the ids one step ahead, start + 1 on.")
        if not np.array_equal(got[1], expected[1]):
            raise _Fail(
                "the targets are not the inputs moved one id ahead: ids[start + 1:start + length "
                "+ 1]."
            )
    return "char_windows cuts every whole window, its targets one id ahead, every shift ids."


@_report
def check_sequence_nats(sequence_nats):
    """Lab 11-2: sequence_nats(logits, targets) is the mean cross-entropy in nats of softmax(logits)
    against integer targets, over every position of every sequence, for logits of any size.
    Lab 11-2, "Exercise: the loss by hand"."""
    from ..numpy_rnn import softmax_cross_entropy  # summed over the positions, stable

    rng = np.random.default_rng()
    batch, steps, vocab = int(rng.integers(2, 5)), int(rng.integers(3, 9)), int(rng.integers(5, 12))
    targets = rng.integers(0, vocab, (batch, steps))
    without = _Without(
        "a ready-made loss",
        NUMPY_RNN + TF_KERAS,
        "Write it with NumPy: a log-softmax of each row, the target's entry, the mean.",
    )
    for shift, what in [(0.0, ""), (1000.0, " large")]:  # exp(1000) overflows float64
        logits = rng.normal(0, 2, (batch, steps, vocab)) + shift
        got = _attempt(
            sequence_nats, "sequence_nats", logits.copy(), targets.copy(), without=without
        )
        if got is None:
            raise _Fail("sequence_nats returned None: did you forget the return statement?")
        if np.ndim(got):
            raise _Fail(
                f"sequence_nats returned {np.shape(got)} values: return one number, the mean "
                "over every position."
            )
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise _Fail(
                f"sequence_nats returned a {type(got).__name__}: return a number."
            ) from None
        if not math.isfinite(got):
            raise _Fail(
                f"on{what} logits it returns {got}: exp overflowed. Subtract each row's largest "
                "logit before exp, which leaves the softmax unchanged (log-sum-exp)."
            )
        expected = softmax_cross_entropy(logits, targets)[0] / targets.size
        if _close(got, expected, 1e-6 * max(1.0, expected)):
            continue
        if what:
            raise _Fail(
                "on large logits the answer is not the loss (exp overflows to inf): subtract each "
                "row's largest logit before exp, which leaves the softmax unchanged."
            )
        probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
        slips = [
            ("that is in bits (log base 2): use the natural log, nats.", expected / math.log(2)),
            ("it sums the losses: take the mean over every position.", expected * batch * steps),
            ("it averages over the batch only: average over every position.", expected * steps),
            (
                "the softmax is missing: -log softmax(logits)[target], not -logits[target].",
                float(-np.take_along_axis(logits, targets[..., None], axis=-1).mean()),
            ),
            (
                "it is the probability, not its -log: the loss is -log p(target).",
                float(picked.mean()),
            ),
        ]
        for hint, wrong in slips:
            if _close(got, wrong, 1e-6 * max(1.0, abs(wrong))):
                raise _Fail(hint)
        raise _Fail(
            f"sequence_nats gives {got:.4f}, but the mean of -log softmax(logits)[target] over "
            f"the {batch * steps} positions is {expected:.4f}."
        )
    return "sequence_nats is the mean cross-entropy in nats, and holds for logits of any size."


@_report
def check_greedy_loop(generate_greedy, step_model):
    """Lab 11-2a: generate_greedy(step_model, seed_ids, n_chars) returns n_chars greedy ids,
    feeding each character to the one-step model once and carrying its states.
    Lab 11-2a, "Exercise: the one-step loop"."""
    inputs = getattr(step_model, "inputs", None)
    if not inputs or len(inputs) < 2 or len(getattr(step_model, "outputs", [])) != len(inputs):
        raise _Fail(
            "step_model should be the one-step model built above: inputs [ids, h, c], "
            "outputs [logits, h, c]."
        )
    rng = np.random.default_rng()
    vocab = int(step_model.outputs[0].shape[-1])
    seed_ids = rng.integers(1, vocab, int(rng.integers(3, 8))).tolist()
    n = int(rng.integers(20, 30))
    expected = _greedy_steps(step_model, seed_ids, n)
    counting = _CountingModel(step_model)
    got = _attempt(
        generate_greedy,
        "generate_greedy",
        counting,
        list(seed_ids),
        n,
        without=_Without(
            "the course's generator",
            ("utils.generate",),
            "Write the loop: feed the seed once, then each new id with the states returned.",
        ),
    )
    try:
        got = [int(i) for i in got]
    except (TypeError, ValueError):
        raise _Fail(
            f"generate_greedy returned a {type(got).__name__}: return a list of the new ids."
        ) from None
    if got[: len(seed_ids)] == seed_ids and len(got) == len(seed_ids) + n:
        raise _Fail("it returns the seed too: return only the n_chars new ids.")
    if len(got) != n:
        raise _Fail(
            f"generate_greedy(step_model, seed_ids, {n}) returned {len(got)} ids; it "
            f"should return {n}."
        )
    not_carried = _Fail(
        "the states are not carried: pass the h and c the last call returned as "
        "the next call's initial state."
    )
    if counting.steps <= len(seed_ids) + n and not counting.carried:
        raise not_carried
    if got != expected:
        if got == _greedy_steps(step_model, seed_ids, n, carry=False):
            raise not_carried
        wrong = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
        raise _Fail(
            f"the ids differ from greedy decoding's from the {wrong + 1}th on: take the "
            "argmax of the last step's logits and feed that id next."
        )
    if counting.steps > len(seed_ids) + n:
        raise _Fail(
            f"it fed the model {counting.steps} characters for {n} new ones after a seed "
            f"of {len(seed_ids)}: feed only the new character and carry the states, so "
            "each character costs one step."
        )
    return "generate_greedy feeds each character once and carries the states between calls."


@_report
def check_line_ngrams(line_ngrams):
    """Lab 11-2b: line_ngrams(token_list) gives the line's first 2 ids, its first 3, ..., all.
    Lab 11-2b, "Exercise: the n-grams of one line"."""
    rng = np.random.default_rng()
    lines = [rng.integers(1, 99, n).tolist() for n in (int(rng.integers(4, 9)), 2, 1)]
    for tokens in lines:
        got = _attempt(
            line_ngrams,
            "line_ngrams",
            list(tokens),
            without=_Without(
                "utils.text",
                ("utils.text",),
                "Write the loop (or comprehension) over the line's prefixes.",
            ),
        )
        try:
            got = [[int(i) for i in gram] for gram in got]
        except (TypeError, ValueError):
            raise _Fail("line_ngrams should return a list of lists of ids.") from None
        expected = [tokens[: i + 1] for i in range(1, len(tokens))]
        if got == expected:
            continue
        if got == [tokens[: i + 1] for i in range(len(tokens))]:
            raise _Fail(
                "it includes the first word alone: a sequence needs at least one "
                "predictor and a label, so start with the first two words."
            )
        if got == [tokens[i:] for i in range(len(tokens) - 1)]:
            raise _Fail(
                "it gives the line's endings: give its beginnings, tokens[:2], tokens[:3], "
                "and so on."
            )
        if got == [tokens[:i] for i in range(1, len(tokens))]:
            raise _Fail("the last sequence misses the line's last word: go up to the whole line.")
        raise _Fail(f"line_ngrams({tokens}) should be {expected}.")
    return "line_ngrams gives each line's beginnings of 2 words and more, as the slides' loop."


@_report
def check_predictors_and_labels(split_xy):
    """Lab 11-2b: split_xy(padded) gives the predictors (all columns but the last) and the
    labels (the last column). Lab 11-2b, "Exercise: predictors and labels"."""
    rng = np.random.default_rng()
    rows, width = int(rng.integers(3, 7)), int(rng.integers(4, 8))
    padded = np.zeros((rows, width), dtype=int)
    for row, length in enumerate(rng.integers(2, width + 1, rows)):
        padded[row, width - length :] = rng.integers(1, 99, length)
    padded[0] = rng.integers(1, 99, width)  # one line fills the window: its first id is not 0
    answer = _attempt(split_xy, "split_xy", padded.copy())
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise _Fail("split_xy should return two arrays: return predictors, labels.")
    predictors = np.asarray(answer[0])
    labels = np.asarray(answer[1])
    if (
        labels.ndim == 2
        and labels.shape[0] == rows
        and labels.shape[1] > 1
        and np.array_equal(labels.argmax(axis=-1), padded[:, -1])
    ):
        raise _Fail(
            "the labels are one-hot: keep them as ids (the model uses "
            "sparse_categorical_crossentropy)."
        )
    if predictors.shape != (rows, width - 1):
        raise _Fail(
            f"the predictors have shape {predictors.shape}: all columns but the last, "
            f"{(rows, width - 1)} here."
        )
    if labels.shape != (rows,):
        raise _Fail(f"the labels have shape {labels.shape}: the last column, one id per row.")
    if np.array_equal(labels, padded[:, 0]):
        raise _Fail(
            "the labels are the first column: with pre-padding that is mostly zeros. The "
            "label is the last id."
        )
    if not (np.array_equal(predictors, padded[:, :-1]) and np.array_equal(labels, padded[:, -1])):
        raise _Fail("the predictors should be padded[:, :-1] and the labels padded[:, -1].")
    return "split_xy gives the predictors and the last id of every sequence as its label."


@_report
def check_atomic_save(save_text):
    """Lab 11-2c: save_text(path, text) replaces the file at `path` so that a kill at any moment
    leaves the old file or the new one, never a cut one: a temporary file in the same folder,
    then os.replace. The check compares the file's inode before and after (a file written in place
    keeps it) and watches os.fsync, os.replace and os.rename: the new file must be on the disk
    (fsync) before it replaces the old one. Lab 11-2c, "Exercise: an atomic save"."""
    import pathlib
    import tempfile

    moves, removed = [], []  # (source, destination) of each os.replace or os.rename; removals
    synced = set()  # the inodes of the files fsync'ed so far
    real = os.replace, os.rename, os.remove, os.unlink, os.fsync, os.fdatasync

    def watched(which):
        def move(src, dst, *args, **kwargs):
            try:
                was_synced = os.stat(src).st_ino in synced
            except OSError:
                was_synced = False
            moves.append((os.path.abspath(src), os.path.abspath(dst), was_synced))
            return which(src, dst, *args, **kwargs)

        return move

    def watched_removal(which):
        def remove(path, *args, **kwargs):
            removed.append(os.path.abspath(path))
            return which(path, *args, **kwargs)

        return remove

    def watched_sync(which):
        def sync(fd):
            descriptor = fd if isinstance(fd, int) else fd.fileno()
            synced.add(os.fstat(descriptor).st_ino)
            return which(fd)

        return sync

    with tempfile.TemporaryDirectory() as folder:
        target = pathlib.Path(folder) / "history.json"
        target.write_text('{"loss": [2.1]}', encoding="utf-8")
        before = target.stat().st_ino
        rng = np.random.default_rng()
        losses = ", ".join(f"{loss:.3f}" for loss in rng.uniform(0.5, 3, int(rng.integers(2, 9))))
        new_text = f'{{"loss": [{losses}]}}'
        os.replace, os.rename = watched(real[0]), watched(real[1])
        os.remove, os.unlink = watched_removal(real[2]), watched_removal(real[3])
        os.fsync, os.fdatasync = watched_sync(real[4]), watched_sync(real[5])
        try:
            _attempt(
                save_text,
                "save_text",
                target,
                new_text,
                without=_Without(
                    "the course's utils.files",
                    ("utils.files",),
                    "Write the temporary file, fsync it and os.replace it yourself.",
                ),
            )
        finally:
            os.replace, os.rename, os.remove, os.unlink, os.fsync, os.fdatasync = real
        if not target.exists():
            raise _Fail(
                "after save_text the file is gone: os.replace(temporary, path) puts the new one "
                "in its place."
            )
        if target.read_text(encoding="utf-8") != new_text:
            raise _Fail(
                "the file does not hold the new text: write all of it to the temporary file (and "
                "close it) before os.replace."
            )
        if str(target.resolve()) in removed:
            raise _Fail(
                "it removes the old file before the new one is in place: a kill in between "
                "leaves none. Write a temporary file, then os.replace(temporary, path)."
            )
        if target.stat().st_ino == before:
            raise _Fail(
                "it writes into the file itself: a kill in the middle of the write leaves a cut "
                "file. Write a temporary file, then os.replace it."
            )
        into = [(src, was_synced) for src, dst, was_synced in moves if dst == str(target.resolve())]
        if not into:
            raise _Fail(
                "the new file was not moved into place with os.replace: a kill between removing "
                "the old file and writing the new one leaves none. Write a temporary file, then "
                "os.replace(temporary, path)."
            )
        if pathlib.Path(into[-1][0]).parent != target.resolve().parent:
            raise _Fail(
                "the temporary file is in another folder: put it beside the file (os.replace is "
                "only atomic within one file system)."
            )
        left = sorted(p.name for p in target.parent.iterdir() if p != target)
        if left:
            raise _Fail(f"it leaves {left[0]} behind: os.replace the temporary file.")
        if not into[-1][1]:
            raise _Fail(
                "the temporary file is not on the disk when it replaces the old one: the operating "
                "system may write the rename before the data, so a power cut leaves an empty file. "
                "Before closing it, call file.flush() and then os.fsync(file.fileno())."
            )
    return (
        "save_text writes a temporary file beside the target, puts it on the disk (fsync) and "
        "replaces the target with it."
    )


@_report
def check_epoch_timer(timer_class):
    """Lab 11-2c: timer_class() is a Keras callback whose `seconds` lists each epoch's own time.
    Lab 11-2c, "Exercise: a Keras callback"."""
    import time

    import keras

    if not (isinstance(timer_class, type) and issubclass(timer_class, keras.callbacks.Callback)):
        raise _Fail(
            "EpochTimer should be a class that inherits keras.callbacks.Callback: "
            "class EpochTimer(keras.callbacks.Callback)."
        )
    timer = _attempt(timer_class, "EpochTimer")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.default_rng(0).normal(size=(2, 64, 4))[0], np.zeros((64, 1))

    def slow_second_epoch(batch, logs):  # epoch 2 takes 0.3 s longer, whatever the machine
        if slow.epoch == 1 and batch == 0:
            time.sleep(0.3)

    slow = keras.callbacks.LambdaCallback(on_train_batch_end=slow_second_epoch)
    slow.epoch = 0
    follow = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda e, logs: setattr(slow, "epoch", e)
    )
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # traces the step: not timed
    start = time.perf_counter()
    try:
        model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[follow, slow, timer])
    except NotImplementedError:
        raise _Fail(
            "not done yet: write the methods of EpochTimer where it says YOUR CODE HERE, "
            "then run this check."
        ) from None
    except Exception as error:
        raise _Fail(
            f"training with an EpochTimer raised {type(error).__name__}: "
            f"{str(error).splitlines()[0][:200]}"
        ) from None
    wall = time.perf_counter() - start
    seconds = getattr(timer, "seconds", None)
    if not isinstance(seconds, list):
        raise _Fail(
            "the timer has no list `seconds`: set self.seconds = [] in __init__ (after "
            "super().__init__()) and append each epoch's time to it."
        )
    if len(seconds) != 3:
        raise _Fail(
            f"after 3 epochs, seconds holds {len(seconds)} values: append one at the end "
            "of each epoch (on_epoch_end)."
        )
    try:
        seconds = [float(s) for s in seconds]
    except (TypeError, ValueError):
        raise _Fail("seconds should hold numbers (time.perf_counter() differences).") from None
    if min(seconds) < 0 or sum(seconds) > wall + 0.05:
        if seconds == sorted(seconds) and seconds[-1] <= wall + 0.05:
            raise _Fail(
                "the times add up from the start of training: record each epoch's own "
                "time, from a clock started in on_epoch_begin."
            )
        raise _Fail(
            "the times are not the epochs' durations: start a clock in on_epoch_begin "
            "and append time.perf_counter() - start in on_epoch_end."
        )
    if not seconds[1] >= 0.3 or not seconds[1] > max(seconds[0], seconds[2]):
        if seconds[1] >= 0.3 and seconds[2] >= seconds[1] >= seconds[0]:
            raise _Fail(
                "the times add up from the start of training: record each epoch's own "
                "time, from a clock started in on_epoch_begin."
            )
        raise _Fail(
            "the second epoch took 0.3 s longer, but the timer did not see it: time each "
            "epoch from on_epoch_begin to on_epoch_end."
        )
    return "EpochTimer records each epoch's own duration, as a Keras callback."
