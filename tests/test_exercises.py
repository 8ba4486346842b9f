"""The lectures' and labs' exercise checks: each passes the reference answer, and fails the usual
wrong answers with a line that names the slip (and an unwritten stub with "not done yet"), and the
lazy answers too: a copied or hard-coded output, the helper the exercise rules out."""

import math
import os
import pathlib
import re
import shutil
import tempfile
import time

import keras
import numpy as np
import pytest

import utils
from utils import checks
from utils import numpy_rnn as nr
from utils.numpy_rnn import clip_by_global_norm as course_clip
from utils.numpy_rnn import sigmoid


def stub(*args):
    raise NotImplementedError()


# --- reference answers, as the solution notebooks write them --------------------------------


def tanh_prime(x):
    return 1 - np.tanh(x) ** 2


def bptt_step(dh, h, h_prev, W):
    da = dh * (1 - h**2)
    return da.T @ h_prev, da @ W


def clip(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / norm)
    return {k: g * scale for k, g in grads.items()}, norm


def jacobian_product(W, hs):
    J = np.eye(W.shape[0])
    for h in hs:
        J = np.diag(1 - h**2) @ W @ J
    return J


def lstm_step(x, h, c, kernel, recurrent_kernel, bias, order=(0, 1, 2, 3), tanh_c=True):
    blocks = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    i, f, g, o = (blocks[k] for k in order)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * (np.tanh(c) if tanh_c else c), c


def lstm_params(n, m):
    return 4 * (n * m + m * m + m)


def gru_params(n, m):
    return 3 * (n * m + m * m + 2 * m)


def build_stack(input_size, hidden_size, layer_size, output_size, last_sequences=False):
    layers = [keras.Input(shape=(None, input_size))]
    for i in range(layer_size):
        sequences = i < layer_size - 1 or last_sequences
        layers.append(keras.layers.LSTM(hidden_size, return_sequences=sequences))
    if last_sequences:
        layers.append(keras.layers.GlobalAveragePooling1D())
    return keras.Sequential(layers + [keras.layers.Dense(output_size)])


def stack_params(input_size, hidden_size, layer_size, output_size):
    first = lstm_params(input_size, hidden_size)
    return (
        first
        + (layer_size - 1) * lstm_params(hidden_size, hidden_size)
        + (hidden_size * output_size + output_size)
    )


def first_four(sequences, padding="post", truncating="post"):
    from tensorflow.keras.preprocessing.sequence import pad_sequences

    return pad_sequences(sequences, maxlen=4, padding=padding, truncating=truncating)


def build_word_index(sentences):
    counts = {}
    for sentence in sentences:
        for word in "".join(
            " " if ch in checks._FILTERS else ch for ch in sentence.lower()
        ).split():
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda word: -counts[word])
    return {"<OOV>": 1, **{word: i for i, word in enumerate(ranked, start=2)}}


def tokenizer_word_index(sentences):  # the lazy answer: the Tokenizer the exercise rules out
    from tensorflow.keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer(oov_token="<OOV>")
    tokenizer.fit_on_texts(sentences)
    return tokenizer.word_index


def keras_lstm_params(n, m):  # the lazy answer: Keras counts
    layer = keras.layers.LSTM(m)
    layer.build((None, None, n))
    return layer.count_params()


def wrapped_lstm_forward(x, h, c, kernel, recurrent_kernel, bias):  # the course's LSTM, wrapped
    _, h, c, _ = nr.lstm_forward(x[:, None, :], kernel, recurrent_kernel, bias, h, c)
    return h, c


def hard_coded(value):  # the answer to the check's old fixed input, whatever it is given
    return lambda *args: value


def sample_next(logits, temperature, top_k, rng):
    z = np.asarray(logits, dtype=float) / temperature
    if top_k is not None:
        z[np.argsort(-z)[top_k:]] = -np.inf
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def one_window_too_many(ids, length, shift):  # range(0, len(ids) - length + 1, shift): off by one
    starts = range(0, len(ids) - length + 1, shift)
    return [list(ids[s : s + length]) for s in starts], [
        list(ids[s + 1 : s + length + 1]) for s in starts
    ]


def sequence_nats(logits, targets, stable=True):
    shifted = logits - logits.max(axis=-1, keepdims=True) if stable else logits
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-np.take_along_axis(log_probs, targets[..., None], axis=-1).mean())


def char_windows(ids, length, shift, ahead=1, extra=0):
    starts = list(range(0, len(ids) - length, shift))
    if extra > 0:
        starts.append(starts[-1] + shift)
    starts = starts[: len(starts) + extra] if extra < 0 else starts
    inputs = [list(ids[s : s + length]) for s in starts]
    targets = [list(ids[s + ahead : s + ahead + length]) for s in starts]
    if extra > 0:  # the last window runs past the text: pad it as a careless slice would not
        inputs[-1] += [0] * (length - len(inputs[-1]))
        targets[-1] += [0] * (length - len(targets[-1]))
    return np.array(inputs), np.array(targets)


def line_ngrams(tokens):
    return [tokens[: i + 1] for i in range(1, len(tokens))]


def split_xy(padded):
    return padded[:, :-1], padded[:, -1]


@pytest.fixture(scope="module")
def step_model():
    """A small one-step char model: [ids, h, c] -> [logits, h, c], random weights."""
    keras.utils.set_random_seed(0)
    ids, h, c = keras.Input((None,), dtype="int32"), keras.Input((8,)), keras.Input((8,))
    x = keras.layers.Embedding(12, 4)(ids)
    out, h_out, c_out = keras.layers.LSTM(8, return_sequences=True, return_state=True)(
        x, initial_state=[h, c]
    )
    model = keras.Model([ids, h, c], [keras.layers.Dense(12)(out), h_out, c_out])
    rng = np.random.default_rng(0)  # weights large enough for greedy decoding to vary
    model.set_weights([rng.normal(0, 1.5, w.shape) for w in model.get_weights()])
    return model


def greedy(step_model, seed_ids, n, carry=True, refeed=False, with_seed=False):
    zeros = [np.zeros((1, 8), "float32")] * 2
    ids = list(seed_ids)
    logits, *states = step_model([np.array([ids]), *zeros])
    for _ in range(n):
        ids.append(int(np.asarray(logits)[0, -1].argmax()))
        states = [np.asarray(s) for s in states]
        if refeed:
            logits, *states = step_model([np.array([ids]), *zeros])
        else:
            logits, *states = step_model([np.array([ids[-1:]]), *(states if carry else zeros)])
    return ids if with_seed else ids[len(seed_ids) :]


CASES = [  # (check, the answer's arguments, a phrase of the FAIL line; None: it passes)
    (checks.check_tanh_prime, [tanh_prime], None),
    (checks.check_tanh_prime, [lambda x: 1 - x**2], "the square belongs to tanh(x)"),
    (checks.check_tanh_prime, [lambda x: np.tanh(x) ** 2], "1 minus that"),
    (checks.check_tanh_prime, [lambda x: 1 - np.tanh(x)], "square tanh(x)"),
    (checks.check_tanh_prime, [lambda x: 1 / np.cosh(x)], "is not 1 - tanh(x)^2"),
    (checks.check_tanh_prime, [lambda x: None], "forget the return"),
    (
        checks.check_tanh_prime,
        [lambda x: np.array([1 - math.tanh(v) ** 2 for v in x])],
        "4 x 6 array",
    ),
    (checks.check_bptt_step, [bptt_step], None),
    (checks.check_bptt_step, [lambda dh, h, hp, W: (dh.T @ hp, dh @ W)], "skips tanh'"),
    (
        checks.check_bptt_step,
        [lambda dh, h, hp, W: ((dh * (1 - h**2)).T @ h, dh * (1 - h**2) @ W)],
        "h_prev belongs",
    ),
    (
        checks.check_bptt_step,
        [lambda dh, h, hp, W: (hp.T @ (dh * (1 - h**2)), dh * (1 - h**2) @ W)],
        "transposed",
    ),
    (
        checks.check_bptt_step,
        [lambda dh, h, hp, W: ((dh * (1 - h**2)).T @ hp, dh * (1 - h**2) @ W.T)],
        "uses W.T",
    ),
    (checks.check_bptt_step, [lambda dh, h, hp, W: dh.T @ hp], "return dW, dh_prev"),
    (checks.check_clip_by_global_norm, [clip], None),
    (
        checks.check_clip_by_global_norm,
        [lambda g, m: ({k: v * m / np.linalg.norm(v) for k, v in g.items()}, clip(g, m)[1])],
        "clip, never scale up",
    ),
    (
        checks.check_clip_by_global_norm,
        [
            lambda g, m: (
                {k: v * min(1, m / np.linalg.norm(v)) for k, v in g.items()},
                clip(g, m)[1],
            )
        ],
        "clipped on its own",
    ),
    (
        checks.check_clip_by_global_norm,
        [lambda g, m: (clip(g, m)[0], min(m, clip(g, m)[1]))],
        "norm after clipping",
    ),
    (checks.check_clip_by_global_norm, [lambda g, m: clip(g, m)[0]], "return clipped, norm"),
    (checks.check_jacobian_product, [jacobian_product], None),
    (
        checks.check_jacobian_product,
        [
            lambda W, hs: (
                jacobian_product(W, hs[::-1].copy())
                if False
                else np.linalg.multi_dot([np.eye(len(W))] + [np.diag(1 - h**2) @ W for h in hs])
            )
        ],
        "wrong order",
    ),
    (
        checks.check_jacobian_product,
        [lambda W, hs: np.linalg.matrix_power(W, len(hs))],
        "leaves out tanh'",
    ),
    (checks.check_jacobian_product, [lambda W, hs: jacobian_product(W.T, hs)], "uses W.T"),
    (checks.check_lstm_step, [lstm_step], None),
    (checks.check_lstm_step, [lambda *a: lstm_step(*a, order=(1, 0, 2, 3))], "wrong order"),
    (checks.check_lstm_step, [lambda *a: lstm_step(*a, order=(0, 1, 3, 2))], "wrong order"),
    (checks.check_lstm_step, [lambda *a: lstm_step(*a, tanh_c=False)], "missing the tanh"),
    (checks.check_lstm_step, [lambda *a: lstm_step(*a)[::-1]], "swapped"),
    (checks.check_param_counts, [lstm_params, gru_params], None),
    (checks.check_param_counts, [lambda n, m: 4 * (n * m + m * m), gru_params], "biases"),
    (checks.check_param_counts, [lambda n, m: n * m + m * m + m, gru_params], "4 (i, f"),
    (
        checks.check_param_counts,
        [lstm_params, lambda n, m: 3 * (n * m + m * m + m)],
        "reset_after=True",
    ),
    (
        checks.check_param_counts,
        [lstm_params, lambda n, m: 3.0 * (n * m + m * m + 2 * m)],
        "return a whole number",
    ),
    (checks.check_lstm_stack, [build_stack], None),
    (
        checks.check_lstm_stack,
        [lambda *s: build_stack(*s, last_sequences=True)],
        "return_sequences=True",
    ),
    (checks.check_lstm_stack, [lambda i, h, n, o: build_stack(i, h, 1, o)], "LSTM layers"),
    (checks.check_lstm_stack, [lambda i, h, n, o: build_stack(i, 2 * h, n, o)], "units"),
    (
        checks.check_lstm_stack,
        [lambda i, h, n, o: build_stack(i, h, n, o).layers],
        "return the Keras model",
    ),
    (checks.check_stack_params, [stack_params], None),
    (
        checks.check_stack_params,
        [lambda i, h, n, o: n * lstm_params(i, h) + h * o + o],
        "previous LSTM's hidden_size",
    ),
    (
        checks.check_stack_params,
        [lambda i, h, n, o: stack_params(i, h, n, o) - h * o - o],
        "Dense layer is missing",
    ),
    (checks.check_first_four, [first_four], None),
    (checks.check_first_four, [lambda s: first_four(s, truncating="pre")], "truncating='post'"),
    (checks.check_first_four, [lambda s: first_four(s, padding="pre")], "padding='post' puts"),
    (checks.check_first_four, [lambda s: first_four(s, "pre", "pre")], "first words were cut"),
    (checks.check_word_index, [build_word_index], None),
    (
        checks.check_word_index,
        [lambda s: {w: i - 1 for w, i in build_word_index(s).items() if w != "<OOV>"}],
        "'<OOV>'",
    ),
    (
        checks.check_word_index,
        [lambda s: {w: i - 1 for w, i in build_word_index(s).items()}],
        "index is 0",
    ),
    (checks.check_word_index, [lambda s: list(build_word_index(s))], "return a dict"),
    (checks.check_sample_next, [sample_next], None),
    (
        checks.check_sample_next,
        [lambda lg, t, k, rng: sample_next(np.asarray(lg) * t * t, t, k, rng)],
        "multiplies",
    ),
    (
        checks.check_sample_next,
        [lambda lg, t, k, rng: sample_next(lg, 1.0, k, rng)],
        "temperature is ignored",
    ),
    (
        checks.check_sample_next,
        [
            lambda lg, t, k, rng: (
                int(np.random.default_rng().choice(len(lg), p=np.exp(lg) / np.exp(lg).sum()))
                if k != 1
                else int(np.argmax(lg))
            )
        ],
        "the rng you are given",
    ),
    (checks.check_sample_next, [lambda lg, t, k, rng: sample_next(lg, t, None, rng)], "top_k=1"),
    (
        checks.check_sample_next,
        [lambda lg, t, k, rng: float(sample_next(lg, t, k, rng))],
        "return one id",
    ),
    (checks.check_line_ngrams, [line_ngrams], None),
    (checks.check_line_ngrams, [lambda t: [t[: i + 1] for i in range(len(t))]], "first word"),
    (checks.check_line_ngrams, [lambda t: [t[i:] for i in range(len(t) - 1)]], "endings"),
    (checks.check_line_ngrams, [lambda t: [t[:i] for i in range(1, len(t))]], "last word"),
    (checks.check_predictors_and_labels, [split_xy], None),
    (checks.check_predictors_and_labels, [lambda p: (p[:, :-1], p[:, 0])], "first column"),
    (
        checks.check_predictors_and_labels,
        [lambda p: (p[:, :-1], keras.utils.to_categorical(p[:, -1]))],
        "one-hot",
    ),
    (checks.check_predictors_and_labels, [lambda p: (p, p[:, -1])], "all columns but the last"),
    (checks.check_char_windows, [char_windows], None),
    (checks.check_char_windows, [lambda i, n, s: char_windows(i, n, s, ahead=0)], "the inputs"),
    (checks.check_char_windows, [lambda i, n, s: char_windows(i, n, 1)], "every id"),
    (checks.check_char_windows, [lambda i, n, s: char_windows(i, n, n)], "side by side"),
    (checks.check_char_windows, [lambda i, n, s: char_windows(i, n, s, extra=1)], "runs past"),
    (checks.check_char_windows, [one_window_too_many], "runs past"),
    (checks.check_char_windows, [lambda i, n, s: char_windows(i, n, s, extra=-1)], "missing"),
    (checks.check_char_windows, [lambda i, n, s: char_windows(i, n, s)[0]], "two arrays"),
    (checks.check_char_windows, [utils.split_windows], "without the course's"),
    (checks.check_sequence_nats, [sequence_nats], None),
    (checks.check_sequence_nats, [lambda lg, t: sequence_nats(lg, t, stable=False)], "overflow"),
    (checks.check_sequence_nats, [lambda lg, t: sequence_nats(lg, t) / math.log(2)], "bits"),
    (checks.check_sequence_nats, [lambda lg, t: sequence_nats(lg, t) * t.size], "sums"),
    (
        checks.check_sequence_nats,
        [lambda lg, t: float(-np.take_along_axis(lg, t[..., None], axis=-1).mean())],
        "softmax is missing",
    ),
    (
        checks.check_sequence_nats,
        [lambda lg, t: float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(t, lg))],
        "without a ready-made loss",
    ),
    # the lazy answers: the helper the exercise rules out, under any name, or a hard-coded output
    (checks.check_clip_by_global_norm, [nr.clip_by_global_norm], "without the course's"),
    (checks.check_clip_by_global_norm, [lambda g, m: course_clip(g, m)], "without the course's"),
    (checks.check_lstm_step, [wrapped_lstm_forward], "without a ready-made LSTM"),
    (checks.check_param_counts, [keras_lstm_params, gru_params], "without Keras"),
    (
        checks.check_stack_params,
        [lambda *sizes: build_stack(*sizes).count_params()],
        "without Keras",
    ),
    (checks.check_word_index, [tokenizer_word_index], "without Keras' Tokenizer"),
    (
        checks.check_first_four,
        [hard_coded([[5, 3, 8, 2], [7, 1, 0, 0], [6, 6, 2, 3], [4, 0, 0, 0]])],
        "shape",
    ),
    (checks.check_tanh_prime, [hard_coded(tanh_prime(np.zeros(24)))], "is not 1 - tanh(x)^2"),
    (
        checks.check_line_ngrams,
        [hard_coded([[4, 8], [4, 8, 15], [4, 8, 15, 16], [4, 8, 15, 16, 23]])],
        "should be",
    ),
    (
        checks.check_line_ngrams,
        [
            lambda t: [
                list(row[row > 0]) for row in utils.ngram_sequences([" ".join(map(str, t))])[0]
            ]
        ],
        "without utils.text",
    ),
    (
        checks.check_predictors_and_labels,
        [hard_coded((np.array([[0, 0, 3], [0, 5, 2], [4, 1, 6]]), np.array([7, 9, 8])))],
        "",  # a wrong shape or wrong values, as the random input goes: FAIL either way
    ),
    (
        checks.check_sample_next,
        [lambda lg, t, k, rng: int(utils.sample(np.asarray([lg]), rng, temperature=t, top_k=k)[0])],
        "without the course's sampler",
    ),
]


@pytest.mark.parametrize(
    "check, answer, phrase", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]
)
def test_each_check_passes_the_reference_and_names_the_slip(check, answer, phrase):
    passed, message = check.verdict(*answer)
    if phrase is None:
        assert passed, message
    else:
        assert not passed and phrase in message, message


def test_greedy_loop_check(step_model):
    check = checks.check_greedy_loop.verdict
    assert check(greedy, step_model) == (
        True,
        "generate_greedy feeds each character once and carries the states between calls.",
    )
    cases = [
        (lambda m, s, n: greedy(m, s, n, carry=False), "not carried"),
        (lambda m, s, n: greedy(m, s, n, refeed=True), "each character costs one step"),
        (lambda m, s, n: greedy(m, s, n, with_seed=True), "returns the seed too"),
        (lambda m, s, n: greedy(m, s, n)[:-1], "ids; it should return"),
        (lambda m, s, n: [0] + greedy(m, s, n)[:-1], "from the 1th on"),
        (stub, "not done yet"),
    ]
    for answer, phrase in cases:
        passed, message = check(answer, step_model)
        assert not passed and phrase in message, message

    def mixed(m, s, n):  # Keras refuses a list of a NumPy array and tensors
        logits, *states = m([np.array([s]), *[np.zeros((1, 8), "float32")] * 2])
        return m([np.array([[1]]), *states])

    passed, message = check(mixed, step_model)
    assert not passed and "np.asarray(state)" in message, message
    passed, message = check(greedy, "not a model")
    assert not passed and "one-step model built above" in message


@pytest.mark.parametrize(
    "check, arity",
    [
        (checks.check_tanh_prime, 1),
        (checks.check_bptt_step, 1),
        (checks.check_clip_by_global_norm, 1),
        (checks.check_jacobian_product, 1),
        (checks.check_lstm_step, 1),
        (checks.check_param_counts, 2),
        (checks.check_lstm_stack, 1),
        (checks.check_stack_params, 1),
        (checks.check_first_four, 1),
        (checks.check_word_index, 1),
        (checks.check_sample_next, 1),
        (checks.check_line_ngrams, 1),
        (checks.check_predictors_and_labels, 1),
        (checks.check_char_windows, 1),
        (checks.check_sequence_nats, 1),
    ],
)
def test_an_unwritten_stub_is_not_done_yet_and_never_a_traceback(check, arity, capsys):
    check(*[stub] * arity)
    line = capsys.readouterr().out
    assert line.startswith("FAIL: not done yet: write the body of ") and line.count("\n") == 1
    check(*["not a function"] * arity)
    assert capsys.readouterr().out.startswith("FAIL: ")


def save_text(path, text):
    path = pathlib.Path(path)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def save_without_fsync(path, text):  # the lazy answer: a power cut can still leave an empty file
    path = pathlib.Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def save_elsewhere(path, text):
    temporary = pathlib.Path(tempfile.mkdtemp(dir=pathlib.Path(path).parent.parent)) / "x.tmp"
    temporary.write_text(text)
    shutil.move(temporary, path)


def save_and_keep(path, text):
    temporary = pathlib.Path(path).with_suffix(".tmp")
    temporary.write_text(text)
    shutil.copy(temporary, path)


def delete_then_write(path, text):
    os.remove(path)
    pathlib.Path(path).write_text(text)


def copy_then_rename(path, text):
    temporary = pathlib.Path(path).with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
    (pathlib.Path(path).parent / "backup.json").write_text(text)


@pytest.mark.parametrize(
    "answer, phrase",
    [
        (save_text, None),
        (lambda path, text: pathlib.Path(path).write_text(text), "writes into the file itself"),
        (lambda path, text: open(path, "w").write(text), "writes into the file itself"),
        (save_elsewhere, "another folder"),
        (save_and_keep, "writes into the file itself"),
        (delete_then_write, "removes the old file"),
        (copy_then_rename, "leaves backup.json behind"),
        (lambda path, text: None, "does not hold the new text"),
        (lambda path, text: os.remove(path), "the file is gone"),
        (stub, "not done yet"),
        (save_without_fsync, "os.fsync(file.fileno())"),
        (utils.files.write_text, "without the course's utils.files"),
    ],
)
def test_atomic_save_check(answer, phrase):
    passed, message = checks.check_atomic_save.verdict(answer)
    if phrase is None:
        assert passed, message
    else:
        assert not passed and phrase in message, message


class Timer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


class CumulativeTimer(Timer):
    def on_train_begin(self, logs=None):
        self.begin = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.begin)


class BatchTimer(Timer):  # times the last batch only
    def on_train_batch_begin(self, batch, logs=None):
        self.start = time.perf_counter()


class NoList(Timer):
    def __init__(self):
        super().__init__()
        del self.seconds

    def on_epoch_end(self, epoch, logs=None):
        pass


class Unwritten(Timer):
    def on_epoch_begin(self, epoch, logs=None):
        raise NotImplementedError()


class NotACallback:
    seconds = []


@pytest.mark.parametrize(
    "answer, phrase",
    [
        (Timer, None),
        (CumulativeTimer, "add up from the start"),
        (BatchTimer, "did not see it"),
        (NoList, "no list `seconds`"),
        (Unwritten, "not done yet"),
        (NotACallback, "inherits keras.callbacks.Callback"),
    ],
)
def test_epoch_timer_check(answer, phrase):
    passed, message = checks.check_epoch_timer.verdict(answer)
    if phrase is None:
        assert passed, message
    else:
        assert not passed and phrase in message, message


_KEPT = set(
    "np keras nr utils tf os math time pathlib checks len range int float sum min max sorted dict "
    "list zip enumerate print open True False None and or not in for if else lambda is".split()
)


def _normalised(code):
    """`code` with its own names made `_` (attributes and the libraries' names kept) and no spaces:
    `derivative = 1 - np.tanh(xs) ** 2` and `return 1 - np.tanh(x) ** 2` share `1-np.tanh(_)**2`."""
    code = re.sub(
        r"(?<![.\w])[A-Za-z_]\w*", lambda m: m.group(0) if m.group(0) in _KEPT else "_", code
    )
    return "".join(code.split())


def _answer_lines(source):
    """The lines of a cell's solution regions that say something of the answer, normalised: no
    comment, no `return`, no loop or branch header."""
    lines, inside = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker in ("### BEGIN SOLUTION", "### END SOLUTION"):
            inside = marker == "### BEGIN SOLUTION"
        elif inside:
            code = line.split("#")[0].strip().removeprefix("return ")
            if code.startswith(("for ", "if ", "while ", "with ", "else", "try")):
                continue
            code = _normalised(code)
            if len(code) >= 12:  # `_,_=_,_` and the like say nothing of the answer
                lines.append(code)
    return lines


def _shown(cell):
    """What a cell shows a student, normalised: its source and its text outputs."""
    texts = [cell.source]
    for output in cell.get("outputs", []):
        texts.append(str(output.get("text", "")))
        texts.append(str(output.get("data", {}).get("text/plain", "")))
    return _normalised("\n".join(texts))


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in sorted(pathlib.Path(__file__).parent.parent.glob("*/solutions/1*.ipynb"))
        if "homework" not in p.parts  # the homework's tasks are graded, not exercises
    ],
    ids=lambda p: p.name,
)
def test_no_exercise_answer_is_shown_before_its_exercise(path):
    """An exercise comes before every cell that shows its answer: no line of a solution region
    appears in an earlier cell's source or output (the committed outputs, as a student sees
    them), its own names aside."""
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    for index, cell in enumerate(cells):
        for line in _answer_lines(cell.source):
            earlier = [i for i in range(index) if line in _shown(cells[i])]
            assert not earlier, f"cell {index}'s answer line {line!r} is shown in cell {earlier[0]}"
