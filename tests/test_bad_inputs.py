"""Bad input at every public boundary of `utils`: each case must raise its error type with a
message that says what was wrong. None may give a raw NumPy/TensorFlow/Python error, a silent
wrong result, or run without a limit.

Each row: an id, a function of the fixtures that makes the call, the error type, and a phrase
(a regular expression) the message must contain.
"""

import re

import numpy as np
import pytest

import utils
from utils import args, files, generate, numpy_rnn, plots, text, train

VOCAB = text.CharVocab.from_text("abc\nd ")
IDS = np.arange(20) % len(VOCAB)


@pytest.fixture(scope="module")
def f():
    """The objects the calls need: a small char model and word model, built once."""
    import keras
    from tensorflow.keras.preprocessing.text import Tokenizer

    class Things:
        pass

    things = Things()
    keras.utils.set_random_seed(0)
    things.char_model = keras.Sequential(
        [
            keras.Input((None,)),
            keras.layers.Embedding(len(VOCAB), 4),
            keras.layers.LSTM(6, return_sequences=True),
            keras.layers.Dense(len(VOCAB)),
        ]
    )
    things.writer = utils.CharGenerator(things.char_model, VOCAB)
    things.tokenizer = Tokenizer()
    things.tokenizer.fit_on_texts(["the cat sat on the mat"])
    things.word_model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Embedding(6, 3),
            keras.layers.LSTM(4),
            keras.layers.Dense(6, activation="softmax"),
        ]
    )
    things.words = utils.WordGenerator(things.word_model, things.tokenizer, 5)
    things.params = numpy_rnn.init_rnn(3, 4, 2)
    things.x = np.zeros((2, 5, 3))
    rng = np.random.default_rng(0)
    things.lstm = [rng.normal(size=s) for s in ((3, 16), (4, 16), (16,))]
    things.gru = [rng.normal(size=s) for s in ((3, 12), (4, 12), (2, 12))]
    things.rng = rng
    return things


def _params(**changes):
    params = numpy_rnn.init_rnn(3, 4, 2)
    params.update(changes)
    return params


NAN = float("nan")
CASES = [
    # ---- config ----
    ("set_seed bool", lambda f: utils.set_seed(True), TypeError, "seed must be a whole number"),
    ("set_seed float", lambda f: utils.set_seed(1.5), TypeError, "seed must be a whole number"),
    ("set_seed str", lambda f: utils.set_seed("1"), TypeError, "seed must be a whole number"),
    ("set_seed None", lambda f: utils.set_seed(None), TypeError, "seed must be a whole number"),
    ("set_seed negative", lambda f: utils.set_seed(-1), ValueError, r"seed must be .* >= 0"),
    ("set_seed too big", lambda f: utils.set_seed(2**32), ValueError, "<= 4,294,967,295"),
    ("pick full missing", lambda f: utils.pick(fast=1), TypeError, "full"),
    # ---- data ----
    ("mnist download str", lambda f: utils.load_mnist("no"), TypeError, "download must be True"),
    ("mnist download None", lambda f: utils.load_mnist(None), TypeError, "download must be True"),
    # ---- CharVocab ----
    ("vocab None", lambda f: text.CharVocab(None), TypeError, "chars must be"),
    ("vocab int", lambda f: text.CharVocab(5), TypeError, "chars must be"),
    ("vocab empty", lambda f: text.CharVocab(""), ValueError, "the vocabulary is empty"),
    ("vocab empty list", lambda f: text.CharVocab([]), ValueError, "the vocabulary is empty"),
    ("vocab words", lambda f: text.CharVocab(["ab", "c"]), ValueError, "one character each"),
    ("vocab ints", lambda f: text.CharVocab([1, 2]), TypeError, "chars must be"),
    ("from_text int", lambda f: text.CharVocab.from_text(5), TypeError, "text must be a string"),
    ("from_text bytes", lambda f: text.CharVocab.from_text(b"ab"), TypeError, "must be a string"),
    ("from_text None", lambda f: text.CharVocab.from_text(None), TypeError, "must be a string"),
    ("from_text empty", lambda f: text.CharVocab.from_text(""), ValueError, "text is empty"),
    ("encode int", lambda f: VOCAB.encode(5), TypeError, "text must be a string"),
    ("encode None", lambda f: VOCAB.encode(None), TypeError, "text must be a string"),
    ("encode bytes", lambda f: VOCAB.encode(b"ab"), TypeError, "text must be a string"),
    ("encode list", lambda f: VOCAB.encode(["a", "b"]), TypeError, "text must be a string"),
    ("encode unknown", lambda f: VOCAB.encode("abz"), ValueError, "not in the vocabulary: 'z'"),
    ("decode float", lambda f: VOCAB.decode([1.5]), TypeError, "ids must be whole numbers"),
    ("decode too big", lambda f: VOCAB.decode([100]), ValueError, "id 100 is not in this vocab"),
    ("decode negative", lambda f: VOCAB.decode([-1]), ValueError, "id -1 is not in this vocab"),
    ("decode str", lambda f: VOCAB.decode("ab"), TypeError, "ids must be whole numbers"),
    ("decode bools", lambda f: VOCAB.decode([True]), TypeError, "ids must be whole numbers"),
    ("decode None", lambda f: VOCAB.decode(None), TypeError, "ids must be whole numbers"),
    # ---- split_windows ----
    ("split str", lambda f: text.split_windows("abc", 2), TypeError, "encode the text first"),
    ("split None", lambda f: text.split_windows(None, 2), TypeError, "sequence of integer ids"),
    ("split 2-D", lambda f: text.split_windows([[1, 2], [3, 4]], 1), ValueError, r"\(1-D\)"),
    ("split floats", lambda f: text.split_windows([1.5, 2.5, 3.5], 1), TypeError, "whole numb"),
    ("split float length", lambda f: text.split_windows(IDS, 10.0), TypeError, "window length"),
    ("split bool length", lambda f: text.split_windows(IDS, True), TypeError, "window length"),
    ("split zero length", lambda f: text.split_windows(IDS, 0), ValueError, "at least 1"),
    ("split long window", lambda f: text.split_windows(IDS, 100), ValueError, "does not fit"),
    ("split zero shift", lambda f: text.split_windows(IDS, 2, 0), ValueError, "shift must be"),
    ("split float shift", lambda f: text.split_windows(IDS, 2, 1.0), TypeError, "shift must be"),
    (
        "split too big",
        lambda f: text.split_windows(np.zeros(3_000_000, np.int32), 1000, 1),
        ValueError,
        "GiB of memory.*window_dataset",
    ),
    # ---- window_dataset ----
    ("wds batch 0", lambda f: text.window_dataset(IDS, 5, 0), ValueError, "batch_size must be"),
    ("wds batch float", lambda f: text.window_dataset(IDS, 5, 2.0), TypeError, "batch_size must"),
    ("wds batch bool", lambda f: text.window_dataset(IDS, 5, True), TypeError, "batch_size must"),
    ("wds length str", lambda f: text.window_dataset(IDS, "5", 2), TypeError, "window length"),
    ("wds shift 0", lambda f: text.window_dataset(IDS, 5, 2, shift=0), ValueError, "shift must"),
    (
        "wds buffer negative",
        lambda f: text.window_dataset(IDS, 5, 2, shuffle_buffer=-1),
        ValueError,
        "shuffle_buffer must be",
    ),
    (
        "wds buffer float",
        lambda f: text.window_dataset(IDS, 5, 2, shuffle_buffer=1.5),
        TypeError,
        "shuffle_buffer must be",
    ),
    (
        "wds buffer huge",
        lambda f: text.window_dataset(IDS, 5, 2, shuffle_buffer=10**12),
        ValueError,
        "GiB of memory",
    ),
    ("wds seed str", lambda f: text.window_dataset(IDS, 5, 2, seed="1"), TypeError, "seed must"),
    ("wds seed neg", lambda f: text.window_dataset(IDS, 5, 2, seed=-3), ValueError, "seed must"),
    ("wds ids str", lambda f: text.window_dataset("hello", 2, 2), TypeError, "encode the text"),
    ("wds ids 2-D", lambda f: text.window_dataset([[1, 2]], 1, 2), ValueError, r"\(1-D\)"),
    ("wds ids float", lambda f: text.window_dataset([0.5] * 9, 2, 2), TypeError, "whole numbers"),
    ("wds ids 2**31", lambda f: text.window_dataset([2**31] * 9, 2, 2), ValueError, "from 0 to"),
    ("wds ids -1", lambda f: text.window_dataset([-1] * 9, 2, 2), ValueError, "from 0 to"),
    # ---- ngram_sequences ----
    ("ngram str", lambda f: text.ngram_sequences("a b c"), TypeError, "lines must be a list"),
    ("ngram None", lambda f: text.ngram_sequences(None), TypeError, "lines must be a list"),
    ("ngram ints", lambda f: text.ngram_sequences([1, 2]), TypeError, "lines must be a list"),
    ("ngram empty", lambda f: text.ngram_sequences([]), ValueError, "nothing to predict"),
    ("ngram one word", lambda f: text.ngram_sequences(["one"]), ValueError, "nothing to predict"),
    (
        "ngram tokenizer str",
        lambda f: text.ngram_sequences(["a b"], tokenizer="tok"),
        TypeError,
        "tokenizer must be a Keras Tokenizer",
    ),
    (
        "ngram tokenizer unfitted",
        lambda f: text.ngram_sequences(["a b"], tokenizer=_unfitted()),
        ValueError,
        "fit_on_texts",
    ),
    (
        "ngram len 1",
        lambda f: text.ngram_sequences(["a b"], max_sequence_len=1),
        ValueError,
        "max_sequence_len must be",
    ),
    (
        "ngram len float",
        lambda f: text.ngram_sequences(["a b"], max_sequence_len=2.5),
        TypeError,
        "max_sequence_len must be",
    ),
    (
        "ngram len bool",
        lambda f: text.ngram_sequences(["a b"], max_sequence_len=True),
        TypeError,
        "max_sequence_len must be",
    ),
    (
        "ngram len huge",
        lambda f: text.ngram_sequences(["a b c"] * 1000, max_sequence_len=10**6),
        ValueError,
        "GiB of memory",
    ),
    # ---- numpy_rnn: init_rnn ----
    ("init n_in 0", lambda f: numpy_rnn.init_rnn(0, 5, 3), ValueError, "n_in must be"),
    ("init n_in float", lambda f: numpy_rnn.init_rnn(2.5, 5, 3), TypeError, "n_in must be"),
    ("init n_in bool", lambda f: numpy_rnn.init_rnn(True, 5, 3), TypeError, "n_in must be"),
    ("init hidden 0", lambda f: numpy_rnn.init_rnn(2, 0, 3), ValueError, "n_hidden must be"),
    ("init hidden str", lambda f: numpy_rnn.init_rnn(2, "5", 3), TypeError, "n_hidden must be"),
    ("init out 0", lambda f: numpy_rnn.init_rnn(2, 5, 0), ValueError, "n_out must be"),
    ("init huge", lambda f: numpy_rnn.init_rnn(2, 10**6, 2), ValueError, "GiB of memory"),
    (
        "init scale str",
        lambda f: numpy_rnn.init_rnn(2, 5, 3, recurrent_scale="1"),
        TypeError,
        "recurrent_scale must be",
    ),
    (
        "init scale nan",
        lambda f: numpy_rnn.init_rnn(2, 5, 3, recurrent_scale=NAN),
        ValueError,
        "recurrent_scale must be a finite number",
    ),
    ("init seed neg", lambda f: numpy_rnn.init_rnn(2, 5, 3, seed=-1), ValueError, "seed must"),
    (
        "init dtype int",
        lambda f: numpy_rnn.init_rnn(2, 5, 3, dtype=np.int32),
        ValueError,
        "dtype must be a float type",
    ),
    # ---- numpy_rnn: rnn_forward and the loss ----
    (
        "fwd x list",
        lambda f: numpy_rnn.rnn_forward(f.params, [[[0.0]]]),
        TypeError,
        "x must be a float",
    ),
    (
        "fwd x int",
        lambda f: numpy_rnn.rnn_forward(f.params, np.zeros((1, 2, 3), int)),
        TypeError,
        "x must be a float NumPy array",
    ),
    ("fwd x 2-D", lambda f: numpy_rnn.rnn_forward(f.params, np.zeros((2, 3))), ValueError, "3 dim"),
    (
        "fwd x nan",
        lambda f: numpy_rnn.rnn_forward(f.params, np.full((1, 2, 3), NAN)),
        ValueError,
        "x holds NaN or infinity",
    ),
    (
        "fwd x inf",
        lambda f: numpy_rnn.rnn_forward(f.params, np.full((1, 2, 3), np.inf)),
        ValueError,
        "x holds NaN or infinity",
    ),
    (
        "fwd params list",
        lambda f: numpy_rnn.rnn_forward([1], f.x),
        TypeError,
        "params must be a dict",
    ),
    (
        "fwd params missing",
        lambda f: numpy_rnn.rnn_forward({"U": 1}, f.x),
        ValueError,
        "params lacks",
    ),
    (
        "fwd U shape",
        lambda f: numpy_rnn.rnn_forward(_params(U=np.zeros((4, 2))), f.x),
        ValueError,
        r"U has shape \(4, 2\), expected \(4, 3\)",
    ),
    (
        "fwd W nan",
        lambda f: numpy_rnn.rnn_forward(_params(W=np.full((4, 4), NAN)), f.x),
        ValueError,
        "W holds NaN or infinity",
    ),
    (
        "fwd b_h int",
        lambda f: numpy_rnn.rnn_forward(_params(b_h=np.zeros(4, int)), f.x),
        TypeError,
        "b_h must be a float",
    ),
    (
        "fwd h0 shape",
        lambda f: numpy_rnn.rnn_forward(f.params, f.x, h0=np.zeros((3, 4))),
        ValueError,
        r"h0 must have shape \(2, 4\)",
    ),
    (
        "fwd h0 list",
        lambda f: numpy_rnn.rnn_forward(f.params, f.x, h0=[[0.0] * 4] * 2),
        TypeError,
        "h0 must be a float NumPy array",
    ),
    (
        "xent logits list",
        lambda f: numpy_rnn.softmax_cross_entropy([[1.0, 2.0]], [1]),
        TypeError,
        "logits must be a float NumPy array",
    ),
    (
        "xent targets float",
        lambda f: numpy_rnn.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(2)),
        TypeError,
        "targets must be integer class indices",
    ),
    (
        "xent targets shape",
        lambda f: numpy_rnn.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(3, int)),
        ValueError,
        r"targets must have shape \(2,\)",
    ),
    (
        "xent target too big",
        lambda f: numpy_rnn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        "a target is 3, but there are 3 classes",
    ),
    (
        "xent logits nan",
        lambda f: numpy_rnn.softmax_cross_entropy(np.full((2, 3), NAN), np.array([0, 1])),
        ValueError,
        "logits hold NaN or infinity",
    ),
    (
        "loss targets shape",
        lambda f: numpy_rnn.rnn_loss_and_grads(f.params, f.x, np.zeros((2, 4), int)),
        ValueError,
        r"targets must have shape \(2, 5\)",
    ),
    ("clip zero", lambda f: numpy_rnn.clip_by_global_norm({}, 0), ValueError, "max_norm must be"),
    ("clip str", lambda f: numpy_rnn.clip_by_global_norm({}, "1"), TypeError, "max_norm must be"),
    ("clip bool", lambda f: numpy_rnn.clip_by_global_norm({}, True), TypeError, "max_norm must"),
    ("clip nan", lambda f: numpy_rnn.clip_by_global_norm({}, NAN), ValueError, "max_norm must"),
    (
        "clip list",
        lambda f: numpy_rnn.clip_by_global_norm([1.0], 1),
        TypeError,
        "grads must be a dict",
    ),
    (
        "clip nan grads",
        lambda f: numpy_rnn.clip_by_global_norm({"W": np.array([NAN])}, 1),
        ValueError,
        "gradients hold NaN or infinity",
    ),
    # ---- numpy_rnn: the gated cells ----
    (
        "lstm kernel shape",
        lambda f: numpy_rnn.lstm_forward(f.x, np.zeros((3, 12)), *f.lstm[1:]),
        ValueError,
        r"kernel has shape \(3, 12\), expected \(3, 16\)",
    ),
    (
        "lstm bias 2-D",
        lambda f: numpy_rnn.lstm_forward(f.x, *f.lstm[:2], np.zeros((2, 16))),
        ValueError,
        "bias must have 1 dimensions",
    ),
    (
        "lstm kernel int",
        lambda f: numpy_rnn.lstm_forward(f.x, np.zeros((3, 16), int), *f.lstm[1:]),
        TypeError,
        "kernel must be a float",
    ),
    (
        "lstm c0 shape",
        lambda f: numpy_rnn.lstm_forward(f.x, *f.lstm, c0=np.zeros((2, 5))),
        ValueError,
        r"c0 must have shape \(2, 4\)",
    ),
    (
        "lstm x nan",
        lambda f: numpy_rnn.lstm_forward(np.full((1, 2, 3), NAN), *f.lstm),
        ValueError,
        "x holds NaN",
    ),
    (
        "gru bias 1-D",
        lambda f: numpy_rnn.gru_forward(f.x, *f.gru[:2], np.zeros(12)),
        ValueError,
        "bias must have 2 dimensions",
    ),
    (
        "gru x 4-D",
        lambda f: numpy_rnn.gru_forward(np.zeros((1, 1, 2, 3)), *f.gru),
        ValueError,
        "x must have 3 dimensions",
    ),
    # ---- sampling ----
    ("dist nan", lambda f: generate.sampling_distribution([0.0, NAN]), ValueError, "NaN or \\+inf"),
    ("dist +inf", lambda f: generate.sampling_distribution([0.0, np.inf]), ValueError, "NaN or"),
    ("dist -inf row", lambda f: generate.sampling_distribution([-np.inf] * 2), ValueError, "-inf"),
    ("dist 3-D", lambda f: generate.sampling_distribution(np.zeros((1, 2, 3))), ValueError, "last"),
    ("dist empty", lambda f: generate.sampling_distribution([]), ValueError, "hold no score"),
    ("dist str", lambda f: generate.sampling_distribution("abc"), TypeError, "logits must be"),
    ("dist None", lambda f: generate.sampling_distribution(None), TypeError, "logits must be"),
    ("dist ragged", lambda f: generate.sampling_distribution([[1], [1, 2]]), TypeError, "logits"),
    ("temp 0", lambda f: generate.sampling_distribution([1, 2], 0), ValueError, "greedy=True"),
    ("temp -1", lambda f: generate.sampling_distribution([1, 2], -1), ValueError, "temperature"),
    ("temp bool", lambda f: generate.sampling_distribution([1, 2], True), TypeError, "temperat"),
    ("temp str", lambda f: generate.sampling_distribution([1, 2], "1"), TypeError, "temperature"),
    ("temp nan", lambda f: generate.sampling_distribution([1, 2], NAN), ValueError, "finite"),
    ("temp inf", lambda f: generate.sampling_distribution([1, 2], np.inf), ValueError, "finite"),
    ("top_k 0", lambda f: generate.sampling_distribution([1, 2], top_k=0), ValueError, "top_k"),
    (
        "top_k float",
        lambda f: generate.sampling_distribution([1, 2], top_k=1.5),
        TypeError,
        "top_k",
    ),
    (
        "top_k bool",
        lambda f: generate.sampling_distribution([1, 2], top_k=True),
        TypeError,
        "top_k",
    ),
    ("top_p 0", lambda f: generate.sampling_distribution([1, 2], top_p=0), ValueError, "top_p"),
    ("top_p 1.5", lambda f: generate.sampling_distribution([1, 2], top_p=1.5), ValueError, "top_p"),
    (
        "top_p str",
        lambda f: generate.sampling_distribution([1, 2], top_p="0.9"),
        TypeError,
        "top_p",
    ),
    (
        "top_p nan",
        lambda f: generate.sampling_distribution([1, 2], top_p=NAN),
        ValueError,
        "finite",
    ),
    ("sample rng None", lambda f: generate.sample([1.0, 2.0], None), TypeError, "default_rng"),
    ("sample rng int", lambda f: generate.sample([1.0, 2.0], 42), TypeError, "default_rng\\(42\\)"),
    ("sample greedy str", lambda f: generate.sample([1.0], f.rng, "no"), TypeError, "greedy must"),
    ("sample nan", lambda f: generate.sample([0.0, 1.0, np.inf], f.rng), ValueError, "NaN or"),
    ("sample greedy nan", lambda f: generate.sample([NAN], f.rng, True), ValueError, "NaN or"),
    ("distinct n 0", lambda f: generate.distinct_share("abc", 0), ValueError, "n must be"),
    ("distinct n float", lambda f: generate.distinct_share("abc", 1.5), TypeError, "n must be"),
    ("distinct n bool", lambda f: generate.distinct_share("abc", True), TypeError, "n must be"),
    ("distinct None", lambda f: generate.distinct_share(None, 1), TypeError, "tokens must be"),
    ("distinct int", lambda f: generate.distinct_share(5, 1), TypeError, "tokens must be"),
    ("distinct short", lambda f: generate.distinct_share("a", 2), ValueError, "at least n = 2"),
    # ---- CharGenerator ----
    ("char seed int", lambda f: f.writer.generate(5, 3), TypeError, "seed_text must be a string"),
    ("char seed empty", lambda f: f.writer.generate("", 3), ValueError, "seed_text is empty"),
    ("char seed unknown", lambda f: f.writer.generate("xyz", 3), ValueError, "not in the vocab"),
    ("char length huge", lambda f: f.writer.generate("ab", 10**12), ValueError, "10,000,000"),
    ("char length neg", lambda f: f.writer.generate("ab", -1), ValueError, "length must be"),
    ("char length float", lambda f: f.writer.generate("ab", 2.0), TypeError, "length must be"),
    ("char length None", lambda f: f.writer.generate("ab", None), TypeError, "length must be"),
    ("char samples huge", lambda f: f.writer.generate("ab", 10, 10**9), ValueError, "tokens"),
    ("char samples 0", lambda f: f.writer.generate("ab", 3, 0), ValueError, "n_samples must"),
    ("char samples bool", lambda f: f.writer.generate("ab", 3, True), TypeError, "n_samples"),
    ("char seed -1", lambda f: f.writer.generate("ab", 3, seed=-1), ValueError, "seed must"),
    ("char seed float", lambda f: f.writer.generate("ab", 3, seed=1.5), TypeError, "seed must"),
    ("char greedy str", lambda f: f.writer.generate("ab", 3, greedy="no"), TypeError, "greedy"),
    ("char temp 0", lambda f: f.writer.generate("ab", 3, temperature=0), ValueError, "greedy=True"),
    ("char top_k 0", lambda f: f.writer.generate("ab", 3, top_k=0), ValueError, "top_k must be"),
    ("char next int", lambda f: f.writer.next_logits(5), TypeError, "text must be a string"),
    ("char next empty", lambda f: f.writer.next_logits(""), ValueError, "text is empty"),
    ("char model str", lambda f: utils.CharGenerator("m", VOCAB), TypeError, "Keras model"),
    ("char vocab list", lambda f: utils.CharGenerator(f.char_model, ["a"]), TypeError, "CharVocab"),
    (
        "char vocab other",
        lambda f: utils.CharGenerator(f.char_model, text.CharVocab("ab")),
        ValueError,
        "Embedding has 6 rows but the vocabulary has 2",
    ),
    # ---- WordGenerator ----
    (
        "word tokenizer str",
        lambda f: utils.WordGenerator(f.word_model, "tok", 5),
        TypeError,
        "tokenizer must be a Keras Tokenizer",
    ),
    (
        "word tokenizer unfitted",
        lambda f: utils.WordGenerator(f.word_model, _unfitted(), 5),
        ValueError,
        "the tokenizer has no words yet: use the one",
    ),
    (
        "word model str",
        lambda f: utils.WordGenerator("m", f.tokenizer, 5),
        TypeError,
        "model must be a Keras model",
    ),
    (
        "word len 1",
        lambda f: utils.WordGenerator(f.word_model, f.tokenizer, 1),
        ValueError,
        "max_sequence_len must be",
    ),
    (
        "word len float",
        lambda f: utils.WordGenerator(f.word_model, f.tokenizer, 5.0),
        TypeError,
        "max_sequence_len must be",
    ),
    (
        "word len bool",
        lambda f: utils.WordGenerator(f.word_model, f.tokenizer, True),
        TypeError,
        "max_sequence_len must be",
    ),
    (
        "word len not the model's",
        lambda f: utils.WordGenerator(f.word_model, f.tokenizer, 9),
        ValueError,
        "reads windows of 4 words",
    ),
    ("word seed int", lambda f: f.words.generate(5, 3), TypeError, "seed_text must be a string"),
    ("word seed unknown", lambda f: f.words.generate("zzz", 3), ValueError, "none of the words"),
    ("word n neg", lambda f: f.words.generate("the cat", -1), ValueError, "n_words must be"),
    ("word n float", lambda f: f.words.generate("the cat", 1.5), TypeError, "n_words must be"),
    ("word n huge", lambda f: f.words.generate("the", 10**8, 1000), ValueError, "10,000,000"),
    (
        "word no_repeat 0",
        lambda f: f.words.generate("the cat", 3, no_repeat_ngram=0),
        ValueError,
        "no_repeat_ngram must be",
    ),
    (
        "word no_repeat float",
        lambda f: f.words.generate("the cat", 3, no_repeat_ngram=1.5),
        TypeError,
        "no_repeat_ngram must be",
    ),
    (
        "word no_repeat bool",
        lambda f: f.words.generate("the cat", 3, no_repeat_ngram=True),
        TypeError,
        "no_repeat_ngram must be",
    ),
    ("word top_p 2", lambda f: f.words.generate("the", 3, top_p=2), ValueError, "top_p must be"),
    ("word next str", lambda f: f.words.next_logits("the cat"), TypeError, "windows must be"),
    (
        "char model unbuilt",
        lambda f: utils.CharGenerator(_unbuilt(), VOCAB),
        ValueError,
        "not built, so it has no weights",
    ),
    (
        "char hidden dense",
        lambda f: utils.CharGenerator(_hidden_dense(), VOCAB),
        ValueError,
        "a Dense layer before the model's last layer",
    ),
    (
        "lstm tf tensor",
        lambda f: numpy_rnn.lstm_forward(_tensor(f.x), *f.lstm),
        TypeError,
        r"got EagerTensor: use x.numpy\(\)",
    ),
    ("run_folder NUL", lambda f: utils.run_folder("a\0b"), ValueError, "one folder name"),
    ("run_folder long", lambda f: utils.run_folder("x" * 300), ValueError, "at most 100"),
    ("write_text int", lambda f: files.write_text(5, "x"), TypeError, "takes a path and a string"),
    ("write_text None", lambda f: files.write_text("a.txt", None), TypeError, "and NoneType"),
    ("write_text folder", lambda f: files.write_text(".", "x"), ValueError, "is a folder"),
    ("word next 999", lambda f: f.words.next_logits([[999]]), ValueError, "the id 999, but"),
    ("word next -1", lambda f: f.words.next_logits([[-1]]), ValueError, "the id -1, but"),
    (
        "word head not the tokenizer's",
        lambda f: utils.WordGenerator(f.word_model, _fitted("a b c d e f g h i j k"), 5),
        ValueError,
        "scores 6 ids but the tokenizer has 12",
    ),
    ("distinct 2-D", lambda f: utils.distinct_share(np.zeros((3, 2)), 2), ValueError, "one seq"),
    # ---- plots ----
    (
        "vectors 3 columns",
        lambda f: plots.plot_word_vectors(np.zeros((2, 3)), ["a", "b"], "t"),
        ValueError,
        r"shape \(n_words, 2\)",
    ),
    (
        "vectors words",
        lambda f: plots.plot_word_vectors(np.zeros((2, 2)), ["a"], "t"),
        ValueError,
        "got 1 words for 2 vectors",
    ),
    (
        "vectors text",
        lambda f: plots.plot_word_vectors([["a", "b"]], ["a"], "t"),
        TypeError,
        "vectors must be numbers",
    ),
    (
        "vectors nan",
        lambda f: plots.plot_word_vectors(np.full((1, 2), NAN), ["a"], "t"),
        ValueError,
        "NaN or infinity",
    ),
    (
        "vectors words str",
        lambda f: plots.plot_word_vectors(np.zeros((2, 2)), "ab", "t"),
        TypeError,
        "words must be a list",
    ),
    (
        "sequences ragged",
        lambda f: plots.plot_sequences([[1, 2], [3]], "t"),
        ValueError,
        "pad them first",
    ),
    (
        "sequences float",
        lambda f: plots.plot_sequences(np.zeros((2, 2)), "t"),
        ValueError,
        "2-D integer array",
    ),
    (
        "sequences huge",
        lambda f: plots.plot_sequences(np.zeros((500, 500), int), "t"),
        ValueError,
        "at most 2,000 cells",
    ),
    (
        "sequences labels short",
        lambda f: plots.plot_sequences([[0, 5]], "t", labels=["a", "b"]),
        ValueError,
        "no label for 5",
    ),
    (
        "color values count",
        lambda f: plots.color_text_html("abc", [0.1, 0.2], "t"),
        ValueError,
        "one value per character",
    ),
    (
        "color values nan",
        lambda f: plots.color_text_html("ab", [0.1, NAN], "t"),
        ValueError,
        "NaN or infinity",
    ),
    (
        "color values text",
        lambda f: plots.color_text_html("ab", ["x", "y"], "t"),
        TypeError,
        "values must be numbers",
    ),
    ("color text int", lambda f: plots.color_text_html(5, [0.1], "t"), TypeError, "text must be"),
    ("history empty", lambda f: plots.plot_history({}, "t"), ValueError, "histories is empty"),
    ("history list", lambda f: plots.plot_history([1], "t"), TypeError, "histories must be a dict"),
    (
        "history no metric",
        lambda f: plots.plot_history({"m": {"loss": [1.0]}}, "t"),
        ValueError,
        "m's history has no 'accuracy'",
    ),
    (
        "history not a history",
        lambda f: plots.plot_history({"m": 5}, "t", metrics=("loss",)),
        TypeError,
        "the History that fit returned",
    ),
    (
        "history metrics str",
        lambda f: plots.plot_history({"m": {"loss": [1.0]}}, "t", metrics="loss"),
        TypeError,
        "metrics must be a list",
    ),
    (
        "draw model str",
        lambda f: plots.draw_model("m", "x.png"),
        TypeError,
        "model must be a Keras",
    ),
    (
        "draw file suffix",
        lambda f: plots.draw_model(f.char_model, "model.txt"),
        ValueError,
        "to_file must end in",
    ),
    (
        "vectors empty",
        lambda f: plots.plot_word_vectors(np.zeros((0, 2)), [], "t"),
        ValueError,
        "no word vectors to plot",
    ),
    (
        "vectors words None",
        lambda f: plots.plot_word_vectors(np.zeros((2, 2)), None, "t"),
        TypeError,
        "words must be a list of strings",
    ),
    (
        "history loss str",
        lambda f: plots.plot_history({"m": {"loss": "abc"}}, "t", metrics=["loss"]),
        TypeError,
        "m's 'loss' must be numbers, one per epoch",
    ),
    (
        "history val short",
        lambda f: plots.plot_history({"m": {"loss": [1.0, 0.5], "val_loss": [1.0]}}, "t", ["loss"]),
        ValueError,
        "'val_loss' has 1 values but 'loss' has 2",
    ),
    (
        "history metrics empty",
        lambda f: plots.plot_history({"m": {"loss": [1.0]}}, "t", metrics=[]),
        ValueError,
        "metrics is empty",
    ),
    (
        "draw unbuilt",
        lambda f: plots.draw_model(_unbuilt(), "model.png"),
        ValueError,
        r"not built.*build it first, e\.g\. model\.build\(.*or call it on a batch",
    ),
    (
        "sequences negative id",
        lambda f: plots.plot_sequences([[-1, 2]], "t", labels="abc"),
        ValueError,
        "id -1 has no label",
    ),
    # ---- train ----
    ("run_folder empty", lambda f: train.run_folder(""), ValueError, "name is empty"),
    ("run_folder int", lambda f: train.run_folder(5), TypeError, "name must be a string"),
    ("run_folder path", lambda f: train.run_folder("../x"), ValueError, "one folder name"),
    ("run_folder slash", lambda f: train.run_folder("a/b"), ValueError, "one folder name"),
    ("run_folder drive", lambda f: train.run_folder("x", "yes"), TypeError, "use_drive must be"),
    ("checkpoints folder", lambda f: train.RunCheckpoints(5), TypeError, "folder must be a path"),
    (
        "checkpoints monitor",
        lambda f: train.RunCheckpoints("r", ""),
        ValueError,
        "monitor is empty",
    ),
    ("checkpoints monitor int", lambda f: train.RunCheckpoints("r", 1), TypeError, "monitor must"),
    ("checkpoints mode", lambda f: train.RunCheckpoints("r", mode="low"), ValueError, "mode must"),
    ("checkpoints fresh", lambda f: train.RunCheckpoints("r", fresh=1), TypeError, "fresh must"),
    ("interrupt 0", lambda f: train.InterruptAfter(0), ValueError, "epochs must be"),
    ("interrupt float", lambda f: train.InterruptAfter(1.0), TypeError, "epochs must be"),
    ("interrupt bool", lambda f: train.InterruptAfter(True), TypeError, "epochs must be"),
    ("fit clock epochs", lambda f: train.FitClock(5), TypeError, r"no arguments.*FitClock\(\)"),
    # ---- args, the shared checks themselves ----
    ("whole bool", lambda f: args.whole("n", False), TypeError, "n must be a whole number"),
    ("whole max", lambda f: args.whole("n", 11, maximum=10), ValueError, "<= 10"),
    ("real nan", lambda f: args.real("x", NAN), ValueError, "x must be a finite number"),
    ("real open low", lambda f: args.real("x", 0, low=0, low_open=True), ValueError, "> 0"),
    ("flag int", lambda f: args.flag("f", 1), TypeError, "f must be True or False"),
]


def _unbuilt():
    import keras

    layers = [keras.layers.Embedding(6, 3), keras.layers.LSTM(4), keras.layers.Dense(6)]
    return keras.Sequential(layers)


def _hidden_dense():
    import keras

    return keras.Sequential(
        [
            keras.Input((None,)),
            keras.layers.Embedding(6, 3),
            keras.layers.LSTM(4, return_sequences=True),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(6),
        ]
    )


def _tensor(x):
    import tensorflow as tf

    return tf.constant(x)


def _fitted(line):
    from tensorflow.keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer()
    tokenizer.fit_on_texts([line])
    return tokenizer


def test_numerics_that_once_went_wrong_are_right():
    """A tiny temperature is greedy (it gave NaN), and an LSTM or GRU built with use_bias=False
    runs with bias=None (it raised a missing-argument TypeError)."""
    import keras

    logits = np.array([[0.5, 2.0, -1.0], [3.0, 3.0, 0.0]])
    probs = utils.sampling_distribution(logits, temperature=1e-320)
    np.testing.assert_array_equal(probs, [[0, 1, 0], [0.5, 0.5, 0]])
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    lstm, gru = keras.layers.LSTM(4, use_bias=False), keras.layers.GRU(4, use_bias=False)
    expected = lstm(x).numpy(), gru(x).numpy()
    np.testing.assert_allclose(
        numpy_rnn.lstm_forward(x, *lstm.get_weights())[1], expected[0], atol=1e-5
    )
    np.testing.assert_allclose(
        numpy_rnn.gru_forward(x, *gru.get_weights())[1], expected[1], atol=1e-5
    )


def _unfitted():
    from tensorflow.keras.preprocessing.text import Tokenizer

    return Tokenizer()


def test_the_table_is_wide():
    assert len(CASES) >= 150
    assert len({name for name, *_ in CASES}) == len(CASES)  # every row has its own name


@pytest.mark.parametrize(
    ("call", "error", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_gets_a_clear_error(f, call, error, phrase):
    with pytest.raises(Exception) as raised:
        call(f)
    assert type(raised.value) is error, f"{type(raised.value).__name__}: {raised.value}"
    assert re.search(phrase, str(raised.value)), str(raised.value)
