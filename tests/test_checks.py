"""The homework checks: one PASS or FAIL line with the reason, for right and wrong answers."""

import math

import keras
import pytest

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


@pytest.mark.parametrize(
    "make", [functional_model, subclassed_model], ids=["functional", "subclass"]
)
def test_the_same_model_written_another_way_passes(capsys, make):
    passed, out = run(checks.check_gru_model, capsys, make())
    assert passed, out


def test_an_unbuilt_subclassed_model_is_told_to_build(capsys):
    passed, out = run(checks.check_gru_model, capsys, SubclassedModel())
    assert not passed and "has no weights yet" in out


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


RESULTS = {
    "LSTM": {"epochs": 100, "time_s": 84.0, "loss": 0.21, "accuracy": 0.919},
    "GRU": {"epochs": 100, "time_s": 58.0, "loss": 0.22, "accuracy": 0.919},
}


def changed(name, **fields):
    return {**RESULTS, name: {**RESULTS[name], **fields}}


def test_a_complete_comparison_passes(capsys):
    passed, out = run(checks.check_comparison, capsys, RESULTS)
    assert passed and "identical settings" in out


@pytest.mark.parametrize(
    "results, reason",
    [
        ({"LSTM": RESULTS["LSTM"]}, "results has no 'GRU' entry"),
        (changed("GRU", epochs=50), "the LSTM trained 100 epochs and the GRU 50"),
        (changed("LSTM", loss=math.nan), "results['LSTM']['loss'] is nan: the training diverged"),
        (changed("GRU", accuracy=91.9), "not in [0, 1]"),
        (changed("GRU", time_s=0), "time the fit call"),
        ({**RESULTS, "GRU": {"loss": 0.2}}, "lacks epochs, time_s, accuracy"),
        ([1, 2], "results should be a dict"),
        (None, "not done yet: results is still None. First train both models"),
        (changed("GRU", loss="low"), "results['GRU']['loss'] is the string 'low': give the number"),
        (changed("LSTM", time_s="58 s"), "is the string '58 s': give the number itself"),
        (changed("GRU", loss=[0.9, 0.5, 0.22]), "holds 3 values (the whole history?)"),
        (changed("GRU", epochs=None), "results['GRU']['epochs'] is None: give a number"),
        (changed("LSTM", accuracy=True), "results['LSTM']['accuracy'] is True: give a number"),
        (changed("LSTM", epochs=99.5), "the number of epochs is a whole number"),
        (changed("GRU", epochs={"n": 100}), "results['GRU']['epochs'] is a dict: give a number"),
        ({**RESULTS, "GRU": [0.2]}, "results['GRU'] is a list: make it a dict"),
        (
            {**RESULTS, "GRU": {"epochs": 100, "time": 58.0, "loss": 0.22, "acc": 0.9}},
            "lacks time_s, accuracy ('time' should be called 'time_s'; 'acc' should be called "
            "'accuracy')",
        ),
    ],
)
def test_incomplete_comparisons_fail_with_the_reason(capsys, results, reason):
    passed, out = run(checks.check_comparison, capsys, results)
    assert not passed and reason in out


class FakeHistory:
    def __init__(self, **logs):
        self.history = logs


GOOD = FakeHistory(
    loss=[5.0, 4.0], accuracy=[0.1, 0.2], val_loss=[5.5, 5.2], val_accuracy=[0.05, 0.07]
)


def test_validated_models_pass(capsys):
    passed, out = run(checks.check_validation, capsys, GOOD, GOOD.history)
    assert passed and "held-out" in out


@pytest.mark.parametrize(
    "history, baseline, reason",
    [
        (FakeHistory(loss=[5.0], accuracy=[0.2]), GOOD, "your model has no validation metrics"),
        (GOOD, FakeHistory(loss=[5.0], val_loss=[5.1]), "the baseline has no validation metrics"),
        (FakeHistory(loss=[1.0], val_loss=[math.inf], val_accuracy=[0.1]), GOOD, "not finite"),
        ("history", GOOD, "pass the History that model.fit returns"),
        (None, GOOD, "not done yet: improved_history is still None"),
        (GOOD, None, "not done yet: baseline_history is still None"),
    ],
)
def test_models_judged_on_training_data_fail(capsys, history, baseline, reason):
    passed, out = run(checks.check_validation, capsys, history, baseline)
    assert not passed and reason in out
