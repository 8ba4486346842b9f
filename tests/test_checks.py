"""The homework checks: one PASS or FAIL line with the reason, for right and wrong answers."""

import copy

import keras
import pytest

import utils
from utils import checks

TOTAL_WORDS, WINDOW = 672, 11


def word_model(cell=keras.layers.GRU, units=(150, 100), hidden=TOTAL_WORDS // 2, **cell_kwargs):
    layers = [
        keras.Input((WINDOW,)),
        keras.layers.Embedding(TOTAL_WORDS, 100),
        keras.layers.Bidirectional(cell(units[0], return_sequences=True, **cell_kwargs)),
        cell(units[1], **cell_kwargs),
    ]
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="relu"))
    layers.append(keras.layers.Dense(TOTAL_WORDS, activation="softmax"))
    return keras.Sequential(layers)


def run(check, capsys, *args):
    assert check(*args) is None  # a notebook shows the printed line only
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "Traceback" not in out  # one line, never a traceback
    assert out.startswith(("PASS: ", "FAIL: "))
    return out.startswith("PASS: "), out


def test_the_slides_gru_model_passes(capsys):
    passed, out = run(checks.check_gru_model, capsys, word_model())
    assert passed
    assert out == (
        "PASS: the slides' GRU model, layer by layer (kinds, sizes, activations, "
        "return_sequences): 675,000 parameters (embedding 67,200, bidirectional 226,800, "
        "gru 120,600, dense 33,936 and dense 226,464).\n"
    )


def functional_model():
    inputs = keras.Input((WINDOW,))
    x = keras.layers.Embedding(TOTAL_WORDS, 100)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(150, return_sequences=True))(x)
    x = keras.layers.GRU(100)(x)
    x = keras.layers.Dense(TOTAL_WORDS // 2, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(TOTAL_WORDS, activation="softmax")(x))


class SubclassedModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.embedding = keras.layers.Embedding(TOTAL_WORDS, 100)
        self.bidirectional = keras.layers.Bidirectional(
            keras.layers.GRU(150, return_sequences=True)
        )
        self.gru = keras.layers.GRU(100)
        self.hidden = keras.layers.Dense(TOTAL_WORDS // 2, activation="relu")
        self.out = keras.layers.Dense(TOTAL_WORDS, activation="softmax")

    def call(self, x):
        x = self.gru(self.bidirectional(self.embedding(x)))
        return self.out(self.hidden(x))


def subclassed_model():
    model = SubclassedModel()
    model(keras.ops.zeros((1, WINDOW), dtype="int32"))  # builds its weights
    return model


def test_the_same_model_written_with_the_functional_api_passes(capsys):
    passed, out = run(checks.check_gru_model, capsys, functional_model())
    assert passed, out


@pytest.mark.parametrize("make", [subclassed_model, SubclassedModel], ids=["built", "unbuilt"])
def test_a_subclassed_model_is_told_the_grader_cannot_rebuild_it(capsys, make):
    """The grader rebuilds models from their configuration without running the student's code,
    so a subclass of keras.Model is a FAIL here too, with what to write instead."""
    passed, out = run(checks.check_gru_model, capsys, make())
    assert not passed
    assert "is a subclass of keras.Model (SubclassedModel)" in out
    assert "grades keras.Sequential and Functional models only" in out


class Doubled(keras.layers.Layer):
    def call(self, x):
        return 2 * x


def test_a_layer_of_ones_own_or_a_lambda_is_refused(capsys):
    for extra in (Doubled(), keras.layers.Lambda(lambda x: 2 * x)):
        model = word_model()
        model = keras.Sequential(
            [keras.Input((WINDOW,)), *model.layers[:1], extra, *model.layers[1:]]
        )
        passed, out = run(checks.check_gru_model, capsys, model)
        assert not passed and "which is not one of Keras' own" in out, out


def _sequence_gru_model():
    """GRU(100, return_sequences=True): the same parameters, but a word at every step."""
    return keras.Sequential(
        [
            keras.Input((WINDOW,)),
            keras.layers.Embedding(TOTAL_WORDS, 100),
            keras.layers.Bidirectional(keras.layers.GRU(150, return_sequences=True)),
            keras.layers.GRU(100, return_sequences=True),
            keras.layers.Dense(TOTAL_WORDS // 2, activation="relu"),
            keras.layers.Dense(TOTAL_WORDS, activation="softmax"),
        ]
    )


def _linear_hidden_model():
    model = word_model()
    model.layers[3].activation = keras.activations.linear  # Dense(336) with no activation
    return model


@pytest.mark.parametrize(
    "make, reason",
    [
        (_linear_hidden_model, "uses activation='linear': it should be Dense(total_words // 2, "),
        (lambda: word_model(activation="relu"), "a GRU's candidate state is tanh"),
        (
            lambda: word_model(recurrent_activation="hard_sigmoid"),
            "recurrent_activation='hard_sigmoid'",
        ),
        (_sequence_gru_model, "returns a sequence (return_sequences=True)"),
    ],
    ids=["hidden-dense-linear", "gru-relu", "gru-hard-sigmoid", "gru-sequences"],
)
def test_same_parameters_but_wrong_settings_fail(capsys, make, reason):
    """Each of these has exactly the slides' 675,000 parameters: only the settings are wrong."""
    model = make()
    assert model.count_params() == checks.GRU_TOTAL
    passed, out = run(checks.check_gru_model, capsys, model)
    assert not passed and reason in out, out


@pytest.mark.parametrize(
    "make, reason",
    [
        (
            lambda: word_model(cell=keras.layers.LSTM),
            "expected 675,000 parameters, got 789,200: did you use GRU in both recurrent layers?",
        ),
        (lambda: word_model(units=(128, 100)), "layer bidirectional"),
        (lambda: word_model(reset_after=False), "Keras' default GRU(reset_after=True)"),
        (lambda: word_model(hidden=None), "expected 5 layers"),
        (lambda: word_model(hidden=300), "instead of 33,936"),
        (lambda: "model", "expected a Keras model, got str"),
        (
            lambda: keras.Sequential([keras.layers.Embedding(TOTAL_WORDS, 100)]),
            "has no weights yet: start it with keras.Input",
        ),
        (lambda: None, "not done yet: gru_model is still None. First build it in the cell above"),
    ],
)
def test_wrong_models_fail_with_the_reason(capsys, make, reason):
    passed, out = run(checks.check_gru_model, capsys, make())
    assert not passed and reason in out


def test_a_bidirectional_lstm_before_a_gru_is_named(capsys):
    model = keras.Sequential(
        [
            keras.Input((WINDOW,)),
            keras.layers.Embedding(TOTAL_WORDS, 100),
            keras.layers.Bidirectional(keras.layers.LSTM(150, return_sequences=True)),
            keras.layers.GRU(100),
            keras.layers.Dense(TOTAL_WORDS // 2, activation="relu"),
            keras.layers.Dense(TOTAL_WORDS, activation="softmax"),
        ]
    )
    passed, out = run(checks.check_gru_model, capsys, model)
    assert not passed and "These are still LSTM: bidirectional" in out


def test_a_last_layer_without_softmax_fails(capsys):
    model = word_model()
    model.layers[-1].activation = keras.activations.linear
    passed, out = run(checks.check_gru_model, capsys, model)
    assert not passed and "activation='softmax'" in out


# Task 2: the lab's LSTM and the slides' GRU, trained for real (one short epoch each), so that the
# check reads real Histories, FitClocks, optimizers and weights.
N = 96


@pytest.fixture(autouse=True)
def settings_of_these_tests(monkeypatch):
    """The given settings, as the small runs below use them (the homework's are larger)."""
    spec = {
        "epochs": 1,
        "batch_size": 32,
        "learning_rate": 0.001,
        "sequences": N,
        "epochs_3": 2,
        "sequences_3": N,
        "held_out": None,
        "seed_text": SEED_TEXT,
        "settings": SETTINGS,
    }
    monkeypatch.setattr(checks.homework, "given", lambda: dict(spec))
    return spec


def lstm_model():
    return word_model(cell=keras.layers.LSTM)


def trained(make, optimizer="adam", batch_size=32, epochs=1, seed=0):
    import numpy as np

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = rng.integers(1, TOTAL_WORDS, (N, WINDOW)), rng.integers(1, TOTAL_WORDS, N)
    model = make()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    callbacks = [utils.FitClock()]
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks)


@pytest.fixture(scope="module")
def runs():
    return {
        "LSTM": trained(lstm_model),
        "GRU": trained(word_model),
        "GRU-sgd": trained(word_model, optimizer="sgd"),
        "GRU-batch64": trained(word_model, batch_size=64),
    }


def untimed(history):
    """The same run, as if its fit had had no FitClock."""
    history = copy.copy(history)
    del history.clock
    return history


def report(history):
    return {
        "epochs": len(history.history["loss"]),
        "time_s": history.clock.seconds,
        "loss": history.history["loss"][-1],
        "accuracy": history.history["accuracy"][-1],
    }


def comparison(runs, lstm="LSTM", gru="GRU", **changes):
    histories = {"LSTM": runs[lstm], "GRU": runs[gru]}
    results = {name: report(h) for name, h in histories.items() if hasattr(h, "clock")}
    results.setdefault("GRU", report(runs["GRU"]))
    for name, fields in changes.items():
        results[name] = {**results[name], **fields}
    return results, histories


def test_a_fair_comparison_of_real_runs_passes(capsys, runs):
    passed, out = run(checks.check_comparison, capsys, *comparison(runs))
    assert passed, out
    assert "under the given settings" in out and "FitClock time" in out


def test_rounded_numbers_pass(capsys, runs):
    results, histories = comparison(runs)
    for row in results.values():
        row.update(time_s=round(row["time_s"], 1), loss=round(row["loss"], 3))
    passed, out = run(checks.check_comparison, capsys, results, histories)
    assert passed, out


SLIDES = {
    "LSTM": {"epochs": 100, "time_s": 230.8, "loss": 0.2, "accuracy": 0.917},
    "GRU": {"epochs": 100, "time_s": 190.6, "loss": 0.2, "accuracy": 0.920},
}


@pytest.mark.parametrize(
    "case, reason",
    [
        ("slides' numbers typed", "results['LSTM']['epochs'] is 100, but its run recorded 1"),
        ("a typed time", "results['GRU']['time_s'] is 1e-09, but its run recorded"),
        ("a typed loss", "results['GRU']['loss'] is 0, but its run recorded"),
        ("epochs None", "results['GRU']['epochs'] is None: give a number"),
        ("GRU only evaluated", "evaluate or predict make no History: train the model"),
        ("history.history given", "is a dict, not the History that model.fit returns"),
        ("GRU with SGD", "the LSTM was trained with Adam"),
        ("GRU with batch 64", "train both on the same data, with the same batch size"),
        ("GRU not timed", "histories['GRU'] was not timed: pass callbacks=[utils.FitClock()]"),
        ("the same run twice", "are the same run"),
        ("an LSTM as the GRU", "did you use GRU in both recurrent layers?"),
        ("no histories", "not done yet: histories is still None"),
        ("a time as a string", "is the string '58 s': give the number itself"),
        ("a whole history", "holds 2 values (the whole history?)"),
        ("acc for accuracy", "'acc' should be called 'accuracy'"),
        ("fractional epochs", "the number of epochs is a whole number"),
    ],
)
def test_hollow_or_unfair_comparisons_fail_with_the_reason(capsys, runs, case, reason):
    results, histories = comparison(runs)
    if case == "slides' numbers typed":
        results = SLIDES
    elif case == "a typed time":
        results["GRU"]["time_s"] = 1e-9
    elif case == "a typed loss":
        results["GRU"].update(loss=0, accuracy=0)
    elif case == "epochs None":
        results["GRU"]["epochs"] = None
    elif case == "GRU only evaluated":
        histories["GRU"] = [5.1, 0.01]  # what model.evaluate returns
    elif case == "history.history given":
        histories["GRU"] = runs["GRU"].history
    elif case == "GRU with SGD":
        results, histories = comparison(runs, gru="GRU-sgd")
    elif case == "GRU with batch 64":
        results, histories = comparison(runs, gru="GRU-batch64")
    elif case == "GRU not timed":
        histories["GRU"] = untimed(runs["GRU"])
    elif case == "the same run twice":
        histories["GRU"] = histories["LSTM"]
        results["GRU"] = results["LSTM"]
    elif case == "an LSTM as the GRU":
        histories["GRU"] = trained(lstm_model, seed=1)
        results["GRU"] = report(histories["GRU"])
    elif case == "no histories":
        histories = None
    elif case == "a time as a string":
        results["LSTM"]["time_s"] = "58 s"
    elif case == "a whole history":
        results["GRU"]["loss"] = [0.9, 0.5]
    elif case == "acc for accuracy":
        results["GRU"]["acc"] = results["GRU"].pop("accuracy")
    elif case == "fractional epochs":
        results["LSTM"]["epochs"] = 0.5
    passed, out = run(checks.check_comparison, capsys, results, histories)
    assert not passed and reason in out, out


def test_untrained_weights_fail(capsys, runs):
    results, histories = comparison(runs)
    clock = histories["GRU"].clock
    saved = clock.start_weights
    clock.start_weights = histories["GRU"].model.get_weights()  # as if fit had changed nothing
    try:
        passed, out = run(checks.check_comparison, capsys, results, histories)
    finally:
        clock.start_weights = saved
    assert not passed and "the GRU model's weights did not change in its fit" in out


# Task 3: a small vocabulary, the slides' GRU as the baseline and a smaller model, each judged on
# a held-out split.
VOCAB, HELD = 50, 32


def slides_gru(vocab=VOCAB):
    return keras.Sequential(
        [
            keras.Input((WINDOW,)),
            keras.layers.Embedding(vocab, 100),
            keras.layers.Bidirectional(keras.layers.GRU(150, return_sequences=True)),
            keras.layers.GRU(100),
            keras.layers.Dense(vocab // 2, activation="relu"),
            keras.layers.Dense(vocab, activation="softmax"),
        ]
    )


def small_gru():
    return keras.Sequential(
        [
            keras.Input((WINDOW,)),
            keras.layers.Embedding(VOCAB, 16),
            keras.layers.Dropout(0.2),
            keras.layers.GRU(16),
            keras.layers.Dense(VOCAB, activation="softmax"),
        ]
    )


def split(seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, (N + HELD, WINDOW))
    # held-out labels from the other half of the vocabulary: a loss on the training data is far
    # from the loss on the held-out data
    y = np.concatenate([rng.integers(1, VOCAB // 2, N), rng.integers(VOCAB // 2, VOCAB, HELD)])
    return (x[:N], y[:N]), (x[N:], y[N:])


def validated(make, validation="held", seed=0):
    (x, y), held_out = split()
    keras.utils.set_random_seed(seed)
    model = make()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    kwargs = {"validation_data": held_out if validation == "held" else (x, y)}
    if validation == "split":
        kwargs = {"validation_split": 0.25}
    # as the homework's fit_validated: the best epoch's weights are kept
    best = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    return model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[best], **kwargs)


@pytest.fixture(scope="module")
def judged():
    return {
        "baseline": validated(slides_gru),
        "improved": validated(small_gru),
        "on-training": validated(small_gru, validation="train"),
        "split": validated(small_gru, validation="split"),
    }


LOGS = {"loss": [3.9], "accuracy": [0.1], "val_loss": [3.9], "val_accuracy": [0.1]}


def _wide_gru():
    model = slides_gru()
    return keras.Sequential(
        [keras.Input((WINDOW,)), *model.layers[:3], keras.layers.Dense(VOCAB, activation="softmax")]
    )


def test_models_judged_on_the_held_out_split_pass(capsys, judged):
    passed, out = run(
        checks.check_validation, capsys, judged["improved"], judged["baseline"], split()[1]
    )
    assert passed, out
    assert "each val_loss and val_accuracy is that model's on held_out, recomputed here" in out


class Made:
    def __init__(self, **fields):
        self.__dict__.update(fields)


@pytest.mark.parametrize(
    "improved, baseline, reason",
    [
        ("baseline", "baseline", "are the same run"),
        ("on-training", "baseline", "is not its loss on held_out"),
        ("split", "baseline", "is not its loss on held_out"),
        ("twin", "baseline", "has the same layers and settings as the baseline"),
        ("improved", "wide", "expected 5 layers after the Input"),
        ("made-up dict", "baseline", "is a dict, not the History"),
        ("empty lists", "baseline", "recorded no epoch"),
        ("no validation", "baseline", "has no validation metrics: pass validation_data=held_out"),
        (None, "baseline", "not done yet: improved_history is still None"),
        ("improved", None, "not done yet: baseline_history is still None"),
        ("text", "baseline", "is a str: pass the History that model.fit returns"),
    ],
)
def test_hollow_validations_fail_with_the_reason(capsys, judged, improved, baseline, reason):
    made = {
        "made-up dict": {"loss": [1.0], "val_loss": [0.5], "val_accuracy": [0.9]},
        "empty lists": Made(history={"loss": [], "val_loss": []}, params={}, model=None),
        "no validation": Made(
            history={"loss": [5.0], "accuracy": [0.1]}, params={}, model=judged["improved"].model
        ),
        "text": "history",
        None: None,
        # fail on their layers, before any loss is computed: no training needed
        "twin": Made(history=LOGS, params={}, model=slides_gru()),
        "wide": Made(history=LOGS, params={}, model=_wide_gru()),
    }
    args = [made[k] if k in made else judged[k] for k in (improved, baseline)]
    passed, out = run(checks.check_validation, capsys, *args, split()[1])
    assert not passed and reason in out, out


def test_a_wrong_held_out_argument_is_named(capsys, judged):
    passed, out = run(
        checks.check_validation, capsys, judged["improved"], judged["baseline"], [1, 2]
    )
    assert not passed and "the notebook's (x, y) split" in out


# Task 4: texts generated from the two models of Task 3, with real words.
SEED_TEXT, SETTINGS = "the king", {"n_words": 6, "temperature": 0.8, "seed": 1}


@pytest.fixture(scope="module")
def tokenizer():
    from tensorflow.keras.preprocessing.text import Tokenizer

    words = [f"w{i}" for i in range(VOCAB - 3)]
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(["the king " + " ".join(words)])
    assert len(tokenizer.word_index) + 1 == VOCAB
    return tokenizer


@pytest.fixture(scope="module")
def texts(judged, tokenizer):
    """Each Task 3 model's text from SEED_TEXT with SETTINGS, written once for all the tests."""
    return {
        name: utils.WordGenerator(judged[name].model, tokenizer, WINDOW + 1).generate(
            SEED_TEXT, **SETTINGS
        )
        for name in ("baseline", "improved")
    }


def test_texts_from_both_models_pass(capsys, judged, tokenizer, texts):
    samples = dict(texts)
    histories = {k: judged[k] for k in samples}
    args = (samples, histories, tokenizer, WINDOW + 1, SEED_TEXT, SETTINGS)
    passed, out = run(checks.check_generation, capsys, *args)
    assert passed, out


@pytest.mark.parametrize(
    "change, reason",
    [
        ("typed", "samples['improved'] is not what the improved model writes"),
        ("swapped", "samples['baseline'] is not what the baseline model writes"),
        ("other settings", "samples['baseline'] is not what the baseline model writes"),
        ("list", "samples['improved'] is a list: give the generated text"),
        ("other seed text", "does not start with SEED_TEXT"),
        ("missing", "samples has no 'improved' entry"),
        ("none", "not done yet: samples is still None"),
    ],
)
def test_texts_not_written_by_the_models_fail(capsys, judged, tokenizer, texts, change, reason):
    samples = dict(texts)
    if change == "typed":
        samples["improved"] = SEED_TEXT + " w1 w2 w3 w4 w5 w6"
    elif change == "swapped":
        samples = {"baseline": samples["improved"], "improved": samples["baseline"]}
    elif change == "other settings":
        generator = utils.WordGenerator(judged["baseline"].model, tokenizer, WINDOW + 1)
        samples["baseline"] = generator.generate(SEED_TEXT, 6, temperature=1.5, seed=2)
    elif change == "list":
        samples["improved"] = [samples["improved"]]
    elif change == "other seed text":
        samples["baseline"] = "w3 " + samples["baseline"]
    elif change == "missing":
        del samples["improved"]
    elif change == "none":
        samples = None
    histories = {k: judged[k] for k in ("baseline", "improved")}
    args = (samples, histories, tokenizer, WINDOW + 1, SEED_TEXT, SETTINGS)
    passed, out = run(checks.check_generation, capsys, *args)
    assert not passed and reason in out, out


# What the grader would fail is a FAIL here too: settings, split and seed text other than given.


def test_runs_with_other_settings_than_given_fail(capsys, runs, settings_of_these_tests):
    settings_of_these_tests["epochs"] = 3
    passed, out = run(checks.check_comparison, capsys, *comparison(runs))
    assert not passed and "the given settings make 3 epochs of 3 steps" in out, out
    settings_of_these_tests.update(epochs=1, learning_rate=0.005)
    passed, out = run(checks.check_comparison, capsys, *comparison(runs))
    assert not passed and "Adam(learning_rate=LEARNING_RATE) with LEARNING_RATE = 0.005" in out


def test_a_held_out_split_other_than_given_fails(capsys, judged, settings_of_these_tests):
    settings_of_these_tests["held_out"] = checks.fingerprint(split(seed=1)[1])
    args = (judged["improved"], judged["baseline"], split()[1])
    passed, out = run(checks.check_validation, capsys, *args)
    assert not passed and "held_out is not the split the notebook's given cell makes" in out
    settings_of_these_tests["held_out"] = checks.fingerprint(split()[1])
    assert run(checks.check_validation, capsys, *args)[0]


def test_an_overwritten_validation_accuracy_fails(capsys, judged):
    improved = copy.copy(judged["improved"])
    improved.history = {**improved.history, "val_accuracy": [0.93] * 2}
    passed, out = run(checks.check_validation, capsys, improved, judged["baseline"], split()[1])
    assert not passed and "History says val_accuracy 0.930" in out and "but the model gets" in out


def test_texts_with_other_settings_than_given_fail(capsys, judged, tokenizer, texts):
    histories = {k: judged[k] for k in texts}
    for seed_text, settings in ((SEED_TEXT, {**SETTINGS, "seed": 2}), ("the queen", SETTINGS)):
        args = (dict(texts), histories, tokenizer, WINDOW + 1, seed_text, settings)
        passed, out = run(checks.check_generation, capsys, *args)
        assert not passed and "SEED_TEXT or SETTINGS is not the one given" in out, out


def test_a_made_up_best_epoch_fails(capsys, judged):
    """A History whose best val_loss was typed in: the model's own loss on held_out is not it."""
    baseline = copy.copy(judged["baseline"])
    typed = baseline.history["val_loss"][:-1] + [min(baseline.history["val_loss"]) - 0.5]
    baseline.history = {**baseline.history, "val_loss": typed}
    passed, out = run(checks.check_validation, capsys, judged["improved"], baseline, split()[1])
    assert not passed and "the baseline's best val_loss" in out and "is not its loss" in out, out


def test_a_history_that_is_not_one_fits_fails(capsys, judged):
    longer = copy.copy(judged["improved"])
    longer.history = {**longer.history, "loss": [*longer.history["loss"], 1.0]}
    passed, out = run(checks.check_validation, capsys, longer, judged["baseline"], split()[1])
    assert not passed and "is not one fit's History" in out, out


@pytest.mark.parametrize(
    "layer, reason",
    [
        (
            lambda: keras.layers.Dense(
                VOCAB, kernel_initializer=keras.initializers.Constant([[0.5] * VOCAB] * 8)
            ),
            "holds a Constant initializer that is not one number",
        ),
        (lambda: keras.layers.Normalization(mean=0.0, variance=1.0), "holds a Normalization layer"),
        (lambda: keras.layers.Dense(VOCAB, bias_initializer="ones"), None),
    ],
    ids=["weights-in-an-initializer", "a-layer-the-grader-does-not-rebuild", "a-plain-choice"],
)
def test_an_architecture_the_grader_would_not_rebuild_fails(capsys, judged, layer, reason):
    model = keras.Sequential(
        [keras.Input((WINDOW,)), keras.layers.Embedding(VOCAB, 8), keras.layers.GRU(8), layer()]
    )
    problem = checks.architecture_problem(keras.saving.serialize_keras_object(model), "yours")
    assert (problem is None) if reason is None else reason in problem, problem
