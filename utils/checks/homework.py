"""The GRU homework's checks: each prints one PASS or FAIL line that says why.

A check never raises. A wrong or unfinished answer gets a FAIL line that says what to fix, never a
traceback from inside Keras. The PASS lines hold no measured numbers, so a solution notebook can
store them as checked outputs. The grader's hidden tests call the same checks' `.verdict`.
"""

import math

import numpy as np

from .core import _close, _done, _Fail, _number, _report

# The slides' "New GRU Model": Embedding(672, 100), Bidirectional(GRU(150, return_sequences=True)),
# GRU(100), Dense(672 // 2, relu), Dense(672, softmax) on windows of 11 word ids.
TOTAL_WORDS = 672  # the slides' 10,000 characters of Shakespeare
LSTM_TOTAL = 789_200  # the lab's model, the same with LSTM layers (Task 2's other model)


def gru_layers(vocab=TOTAL_WORDS):
    """The slides' GRU model for `vocab` word ids, layer by layer: its name in the PASS line, its
    kind, its parameters, and how it is written.

    Not taught: used by this module (GRU_LAYERS, GRU_TOTAL and check_gru_model's layer table).
    """
    hidden = vocab // 2
    return [
        ("embedding", "Embedding", vocab * 100, "Embedding(total_words, 100)"),
        (
            "bidirectional",
            "Bidirectional",
            226_800,
            "Bidirectional(GRU(150, return_sequences=True))",
        ),
        ("gru", "GRU", 120_600, "GRU(100)"),
        ("dense", "Dense", 100 * hidden + hidden, "Dense(total_words // 2, activation='relu')"),
        ("dense", "Dense", hidden * vocab + vocab, "Dense(total_words, activation='softmax')"),
    ]


GRU_LAYERS = gru_layers()
GRU_TOTAL = sum(params for _, _, params, _ in GRU_LAYERS)  # 675,000


def given():
    """What the homework notebook's given cells define, in the current mode (fast or full).

    The checks hold a student's runs to these, so a setting, a split or a seed text redefined in
    a cell of the student's own is a FAIL here, as it is in the grader (which runs the given cells
    itself). tests/test_homework.py checks them against the notebook's given cells.

    Not taught: used by this module's check_comparison, check_validation and check_generation.
    """
    from ..config import pick

    return {
        "epochs": pick(full=60, fast=2),  # EPOCHS (Task 2)
        "batch_size": 128,  # BATCH_SIZE
        "learning_rate": 0.005,  # LEARNING_RATE
        "sequences": 1_504,  # Task 2's data: the n-grams of the first 10,000 characters
        "epochs_3": pick(full=20, fast=2),  # EPOCHS_3, fit_validated's most epochs (Task 3)
        "sequences_3": pick(full=13_235, fast=1_368),  # data3's training sequences
        "held_out": pick(  # fingerprint(held_out)
            full="f27601c4a9f56e4ee156b4cc4554eb82ca2383d1a500f28b633b32798025b8e2",
            fast="4cfd7720518ef0649ada4b77eb8c76f96bb733a71321e1ead3009251b54c4629",
        ),
        "seed_text": "First Citizen: Before we proceed any further,",  # SEED_TEXT (Task 4)
        "settings": dict(n_words=40, temperature=0.8, top_p=0.9, no_repeat_ngram=3, seed=1),
    }


def fingerprint(arrays):
    """A sha256 of integer arrays (a split's word ids), equal only for the same ids in the same
    shapes.

    Not taught: used by check_validation here (against given()'s "held_out"), and by the
    grader's hidden tests (homework/solutions/11-hw_gru_architecture.tests.py).
    """
    import hashlib

    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(np.asarray(array, dtype=np.int64))
        digest.update(str(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _recurrent_kind(layer):
    """'GRU', 'LSTM', ... for a recurrent layer or a Bidirectional wrapper around one."""
    inner = getattr(layer, "forward_layer", layer)
    return type(inner).__name__


def _model_layers(model):
    """The layers of a Sequential, Functional or subclassed model, in order, without its Input."""
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _gru_settings(layer, code, where):
    """A FAIL if the GRU `layer` (`where`, written `code`) does not use a GRU's activations."""
    if layer.activation.__name__ != "tanh" or layer.recurrent_activation.__name__ != "sigmoid":
        raise _Fail(
            f"{where} uses activation={layer.activation.__name__!r} and recurrent_activation="
            f"{layer.recurrent_activation.__name__!r}: a GRU's candidate state is tanh and its "
            f"gates sigmoid, Keras' defaults. Write {code} without changing them."
        )


# What the grader rebuilds from a model's configuration (tools/grade_runner.py), without running the
# student's code: Sequential or Functional models of these Keras layers, with initializers that
# hold no weights. The check of Task 1 and 3 says so first, in the student's notebook.
GRADED_LAYERS = frozenset(
    """InputLayer Embedding Dense EinsumDense Dropout SpatialDropout1D GaussianNoise GaussianDropout
    AlphaDropout ActivityRegularization Activation ReLU LeakyReLU PReLU ELU Softmax
    LayerNormalization BatchNormalization UnitNormalization GRU LSTM SimpleRNN RNN GRUCell LSTMCell
    SimpleRNNCell StackedRNNCells Bidirectional TimeDistributed Conv1D SeparableConv1D
    MaxPooling1D AveragePooling1D GlobalMaxPooling1D GlobalAveragePooling1D Flatten Reshape
    Permute RepeatVector Masking Concatenate Add Average Maximum Minimum Multiply Subtract Dot
    Attention AdditiveAttention MultiHeadAttention ZeroPadding1D Cropping1D UpSampling1D
    Identity""".split()
)
INITIALIZERS = frozenset(
    """Constant GlorotNormal GlorotUniform HeNormal HeUniform LecunNormal LecunUniform Ones
    Orthogonal RandomNormal RandomUniform TruncatedNormal VarianceScaling Zeros""".split()
)
# Which classes of a configuration's module the grader rebuilds (None: all Keras offers there).
_ALLOWED = {
    "keras": {"Sequential", "DTypePolicy", "FloatDTypePolicy"},
    "keras.src.models.functional": {"Functional"},
    "keras.layers": GRADED_LAYERS,
    "keras.initializers": INITIALIZERS,
    "keras.regularizers": None,
    "keras.constraints": None,
    "keras.optimizers": None,
    "keras.optimizers.schedules": None,
    "keras.losses": None,
    "keras.metrics": None,
}
_WIRING = {"__keras_tensor__", "__tuple__"}  # a Functional model's wiring, plain data


def _keras_class(module, name):
    """True if `name` is a class Keras itself offers in the configuration's `module`."""
    import keras

    if (module, name) == ("keras.src.models.functional", "Functional"):
        return True
    spaces = {
        "keras": [keras, keras.dtype_policies],
        "keras.layers": [keras.layers],
        "keras.initializers": [keras.initializers],
        "keras.regularizers": [keras.regularizers],
        "keras.constraints": [keras.constraints],
        "keras.optimizers": [keras.optimizers],
        "keras.optimizers.schedules": [keras.optimizers.schedules],
        "keras.losses": [keras.losses],
        "keras.metrics": [keras.metrics],
    }
    return any(
        isinstance(getattr(space, str(name), None), type) for space in spaces.get(module, [])
    )


def architecture_problem(config, where="the model"):
    """Why the grader would not rebuild the model (or optimizer, or loss) whose Keras
    configuration is `config`, or None.

    Every object in it must be one of Keras' own classes the grader rebuilds (GRADED_LAYERS,
    INITIALIZERS, ...), registered under no other name; a Constant initializer holds one number;
    no list holds more than 64 numbers (weights do not belong in an architecture); every number is
    finite and of a sane size.

    Not taught: used by the grader (tools/grade_runner.py) and by this module's checks of a
    student's model (check_gru_model, check_validation).
    """
    todo = [config]
    while todo:
        value = todo.pop()
        if isinstance(value, (list, tuple)):
            if sum(isinstance(v, (int, float)) for v in value) > 64:
                return f"{where} holds a list of {len(value)} numbers in its configuration"
            todo += value
        elif isinstance(value, dict):
            if "class_name" in value:
                module, name = value.get("module"), value.get("class_name")
                allowed = _ALLOWED.get(module)
                if not (_keras_class(module, name) or module is None and name in _WIRING):
                    return (
                        f"{where} holds {name!r} from {module!r}: the grader rebuilds Keras' own "
                        "layers only, without running your code (no Lambda, no layer or function "
                        "of your own)"
                    )
                if allowed is not None and name not in allowed:
                    return (
                        f"{where} holds a {name} "
                        f"{'layer' if module == 'keras.layers' else 'object'}, "
                        "which the grader does not rebuild: use the layers the course teaches "
                        "(Embedding, Dense, Dropout, GRU, LSTM, Bidirectional, ...)"
                    )
                if value.get("registered_name") not in (None, name):
                    return f"{where} names a registered object {value['registered_name']!r}"
                if name == "Constant" and not isinstance(
                    (value.get("config") or {}).get("value"), (int, float)
                ):
                    return f"{where} holds a Constant initializer that is not one number"
            todo += list(value.values())
        elif isinstance(value, (bool, str)) or value is None:
            continue
        elif isinstance(value, (int, float, np.integer, np.floating)):
            if not math.isfinite(value) or abs(value) > 1e7:
                return f"{where} holds the number {value}: not finite, or far too large"
        else:
            return f"{where} holds a {type(value).__name__} in its configuration"
    return None


def _rebuildable(model, who):
    """A FAIL unless the grader can rebuild `model` from its configuration without running the
    student's code: a Sequential or Functional model of the layers it rebuilds, no Lambda."""
    import keras

    if not isinstance(model, keras.Model):
        raise _Fail(
            f"expected a Keras model, got {type(model).__name__}: build {who} with "
            "keras.Sequential([keras.Input(...), ...]) (or the Functional API)."
        )
    kind = type(model)
    if kind.__name__ not in ("Sequential", "Functional") or not kind.__module__.startswith("keras"):
        raise _Fail(
            f"{who} is a subclass of keras.Model ({kind.__name__}): the grader rebuilds your "
            "models from their configuration, without running your code, so it grades "
            "keras.Sequential and Functional models only. Write the same layers as "
            "keras.Sequential([...])."
        )
    todo = list(model.layers)
    while todo:
        layer = todo.pop()
        todo += [
            getattr(layer, n)
            for n in ("layer", "forward_layer", "backward_layer")
            if isinstance(getattr(layer, n, None), keras.layers.Layer)
        ]
        if type(layer).__name__ == "Lambda" or not type(layer).__module__.startswith("keras"):
            raise _Fail(
                f"{who} uses the layer {layer.name} ({type(layer).__name__}), which is not one of "
                "Keras' own: the grader rebuilds your models without running your code, so use "
                "Keras' built-in layers only (no Lambda, no layer class of your own)."
            )
    problem = architecture_problem(_serialized(model), who)
    if problem:
        raise _Fail(f"{problem}.")


def _serialized(model):
    import keras

    return keras.saving.serialize_keras_object(model)


def _slides_gru(model, vocab, who="", what="total_words = 672 (the slides' 10,000 characters)"):
    """A FAIL unless `model` is the slides' GRU model for `vocab` word ids, layer by layer."""
    _rebuildable(model, who or "the model")
    if not model.built or not model.weights:
        raise _Fail(
            f"{who or 'the model'} has no weights yet: start it with "
            "keras.Input((max_sequence_len - 1,)) (Keras 3 dropped Embedding's input_length), "
            "or call it once on a batch, so Keras knows the input shape."
        )
    where = f" in {who}" if who else ""
    expected = gru_layers(vocab)
    total, expected_total = model.count_params(), sum(p for _, _, p, _ in expected)
    layers = _model_layers(model)
    lstms = [layer.name for layer in layers if _recurrent_kind(layer) == "LSTM"]
    if lstms:
        raise _Fail(
            f"expected {expected_total:,} parameters{where}, got {total:,}: did you use GRU in "
            f"both recurrent layers? These are still LSTM: {', '.join(lstms)}."
        )
    kinds = [type(layer).__name__ for layer in layers]
    expected_kinds = [kind for _, kind, _, _ in expected]
    codes = [code for *_, code in expected]
    if kinds != expected_kinds:
        raise _Fail(
            f"expected {len(expected)} layers after the Input ({', '.join(expected_kinds)})"
            f"{where}, got {len(kinds)} ({', '.join(kinds) or 'none'}). The slides' model is: "
            + ", ".join(codes)
            + "."
        )
    embedding, bidirectional, gru, hidden, output = layers
    if _recurrent_kind(bidirectional) != "GRU":
        raise _Fail(
            f"the Bidirectional layer wraps {_recurrent_kind(bidirectional)}, not GRU: use "
            f"{codes[1]}."
        )
    inner = bidirectional.forward_layer
    _gru_settings(inner, codes[1], f"the GRU inside {bidirectional.name}")
    _gru_settings(gru, codes[2], gru.name)
    if not inner.return_sequences:
        raise _Fail(
            "the Bidirectional GRU returns its last step only, so the next GRU has no sequence "
            f"to read: write {codes[1]}."
        )
    if gru.return_sequences:
        raise _Fail(
            f"{gru.name} returns a sequence (return_sequences=True), so the model predicts a word "
            f"at every step instead of the next word once: write {codes[2]}."
        )
    for layer, code, want in ((hidden, codes[3], "relu"), (output, codes[4], "softmax")):
        activation = layer.activation.__name__
        if activation != want:
            raise _Fail(f"{layer.name} uses activation={activation!r}: it should be {code}.")
    for layer, (_, _, params, code) in zip(layers, expected):
        got = layer.count_params()
        if got != params:
            raise _Fail(
                f"expected {expected_total:,} parameters{where}, got {total:,}: layer "
                f"{layer.name} has {got:,} instead of {params:,}. It should be {code}, with "
                f"{what} and Keras' default GRU(reset_after=True)."
            )
    return expected


@_report
def check_gru_model(model):
    """Task 1: the slides' GRU model, layer by layer: kind, size, activation and parameters.
    Homework, "Task 1: the slides' GRU model".

    Sequential, Functional and subclassed models are all accepted; the Input is not a layer here.
    """
    _done(model, "gru_model", "build it in the cell above and run that cell")
    _slides_gru(model, TOTAL_WORDS)
    parts = ", ".join(f"{name} {params:,}" for name, _, params, _ in GRU_LAYERS[:-1])
    return (
        f"the slides' GRU model, layer by layer (kinds, sizes, activations, return_sequences): "
        f"{GRU_TOTAL:,} parameters ({parts} and dense {GRU_LAYERS[-1][2]:,})."
    )


# Names students use for the fields check_comparison asks for.
_OTHER_NAMES = {
    "time_s": ("time", "seconds", "time_sec", "training_time", "train_time", "elapsed"),
    "loss": ("final_loss", "train_loss", "val_loss"),
    "accuracy": ("acc", "final_accuracy", "train_accuracy", "val_accuracy", "sparse_accuracy"),
    "epochs": ("epoch", "n_epochs", "num_epochs"),
}


def _misnamed(row, missing):
    """ ", where 'acc' should be called 'accuracy'" for keys that name a missing field otherwise."""
    renames = [
        f"{other!r} should be called {field!r}"
        for field in missing
        for other in _OTHER_NAMES.get(field, ())
        if other in row
    ]
    return f" ({'; '.join(renames)})" if renames else ""


def _entries(value, name, keys, todo):
    """A FAIL unless `value` is a dict with each of `keys` (`todo` says how to add one)."""
    if not isinstance(value, dict):
        example = ", ".join(f"{key!r}: ..." for key in keys)
        raise _Fail(f"{name} should be a dict like {{{example}}}, got {type(value).__name__}.")
    for key in keys:
        if key not in value:
            raise _Fail(f"{name} has no {key!r} entry: {todo}.")


def _history(value, where, validated=False):
    """The History `value` that model.fit returned (checked), with its model and recorded epochs."""
    if isinstance(value, dict):
        raise _Fail(
            f"{where} is a dict, not the History that model.fit returns: pass history (the object "
            "returned by history = model.fit(...)), not history.history or a dict of your own."
        )
    logs = getattr(value, "history", None)
    if not isinstance(logs, dict) or not hasattr(value, "params") or not hasattr(value, "model"):
        raise _Fail(
            f"{where} is a {type(value).__name__}: pass the History that model.fit returns "
            "(history = model.fit(...)). evaluate or predict make no History: train the model."
        )
    losses = logs.get("loss") or []
    if not losses:
        raise _Fail(f"{where} recorded no epoch: fit the model for at least one epoch.")
    for key, values in logs.items():
        if not all(math.isfinite(v) for v in values):
            raise _Fail(f"{where}'s {key} is not finite: the training diverged.")
    asked = value.params.get("epochs") if isinstance(value.params, dict) else None
    if {len(v) for v in logs.values()} != {len(losses)} or (
        isinstance(asked, int) and len(losses) > asked
    ):
        raise _Fail(
            f"{where} is not one fit's History: its metrics have {len(losses)} epochs and "
            f"{sorted({len(v) for v in logs.values()})} entries for {asked} epochs asked for. "
            "Report the History that fit returned, unchanged."
        )
    if validated and ("val_loss" not in logs or "val_accuracy" not in logs):
        raise _Fail(
            f"{where} has no validation metrics: pass validation_data=held_out to fit, and "
            "metrics=['accuracy'] to compile, so it is judged on text it never trained on, not on "
            "training accuracy."
        )
    return value


def _timed(history, where):
    """The FitClock of `history` (a FAIL if the fit was not timed by one, or not to the end)."""
    clock = getattr(history, "clock", None)
    if clock is None or getattr(clock, "seconds", None) is None:
        raise _Fail(
            f"{where} was not timed: pass callbacks=[utils.FitClock()] to its fit, so that its "
            "time is measured by the run, not typed."
        )
    if clock.model is not history.model:
        raise _Fail(f"{where}'s FitClock timed another model's fit: give each fit its own clock.")
    return clock


def _optimizer(model, where):
    """(name, settings) of the optimizer `model` was compiled with."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise _Fail(f"{where}'s model was never compiled: compile it, then fit it.")
    config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    return type(optimizer).__name__, config


def _loss(model):
    """The loss `model` was compiled with, as a comparable description."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, str) or loss is None:
        return loss
    if hasattr(loss, "get_config"):
        config = {k: v for k, v in loss.get_config().items() if k != "name"}
        return f"{type(loss).__name__}({config})"
    return getattr(loss, "__name__", repr(loss))


def _given_settings(history, optimizer, epochs, sequences, name):
    """A FAIL unless `history` ran the given number of epochs (`name`) of the given batch size
    over the notebook's `sequences`, with Adam at the given learning rate."""
    spec = given()
    steps = math.ceil(sequences / spec["batch_size"])
    ran = (history.params.get("epochs"), history.params.get("steps"))
    if ran != (epochs, steps):
        raise _Fail(
            f"the runs asked for {ran[0]} epochs of {ran[1]} steps, but the given settings make "
            f"{epochs} epochs of {steps} steps ({name} = {epochs}, BATCH_SIZE = "
            f"{spec['batch_size']} on the notebook's {sequences:,} sequences): leave {name}, "
            "BATCH_SIZE and the data as they are given."
        )
    kind, config = optimizer
    rate = config.get("learning_rate")
    if kind != "Adam" or not isinstance(rate, float) or not _close(rate, spec["learning_rate"], 0):
        raise _Fail(
            f"the models were trained with {kind}(learning_rate={rate!r}): the given settings are "
            f"Adam(learning_rate=LEARNING_RATE) with LEARNING_RATE = {spec['learning_rate']}."
        )


@_report
def check_comparison(results, histories):
    """Task 2: the LSTM and the GRU trained under identical settings, from their runs.
    Homework, "Task 2: LSTM vs GRU under identical settings".

    `histories` holds the History of each model's fit (timed by `utils.FitClock`); `results` the
    numbers reported from them: epochs, time_s (seconds), final loss and final accuracy.
    """
    _done(results, "results", "train both models in the cells above and run them")
    _done(histories, "histories", "train both models in the cells above and run them")
    _entries(results, "results", ("LSTM", "GRU"), "train both models and record each")
    _entries(histories, "histories", ("LSTM", "GRU"), "keep the History of each model's fit")
    runs = {name: _reported_run(name, results[name], histories[name]) for name in ("LSTM", "GRU")}
    _the_two_models(runs["LSTM"][0], runs["GRU"][0])
    for name, (history, clock, numbers) in runs.items():
        _numbers_of_the_run(name, history, clock, numbers, results[name])
    optimizer, loss = _same_settings(runs["LSTM"][0], runs["GRU"][0])
    return (
        f"the lab's LSTM ({LSTM_TOTAL:,} parameters) and your GRU ({GRU_TOTAL:,}) were trained "
        f"under the given settings (the same epochs and steps per epoch, optimizer "
        f"{optimizer}, loss {loss}); training changed both models' weights; "
        "results holds each run's own epochs, FitClock time, final loss and final accuracy."
    )


_FIELDS = ("epochs", "time_s", "loss", "accuracy")  # what results holds for each model


def _reported_run(name, row, history):
    """Step 1: a model's reported numbers and its timed History, as (history, clock, numbers)."""
    if not isinstance(row, dict):
        raise _Fail(
            f"results[{name!r}] is a {type(row).__name__}: make it a dict with "
            f"{', '.join(_FIELDS)}."
        )
    missing = [field for field in _FIELDS if field not in row]
    if missing:
        raise _Fail(
            f"results[{name!r}] lacks {', '.join(missing)}"
            + _misnamed(row, missing)
            + f": record {', '.join(_FIELDS)} for each model."
        )
    numbers = {
        field: _number(f"results[{name!r}][{field!r}]", row[field], whole=field == "epochs")
        for field in _FIELDS
    }
    history = _history(history, f"histories[{name!r}]")
    if "accuracy" not in history.history:
        raise _Fail(f"histories[{name!r}] has no accuracy: compile with metrics=['accuracy'].")
    return history, _timed(history, f"histories[{name!r}]"), numbers


def _the_two_models(lstm, gru):
    """Step 2: two runs, of the lab's LSTM model and of the slides' GRU model."""
    if lstm is gru or lstm.model is gru.model:
        raise _Fail("histories['LSTM'] and histories['GRU'] are the same run: train each model.")
    kinds = {_recurrent_kind(layer) for layer in _model_layers(lstm.model)}
    if "LSTM" not in kinds or "GRU" in kinds:
        raise _Fail("histories['LSTM'] is not the lab's LSTM model: train build_lstm_model().")
    if lstm.model.count_params() != LSTM_TOTAL:
        raise _Fail(
            f"histories['LSTM'] trained a model of {lstm.model.count_params():,} parameters, not "
            f"the lab's {LSTM_TOTAL:,}: train build_lstm_model()."
        )
    _slides_gru(gru.model, TOTAL_WORDS, "histories['GRU']'s model")


def _numbers_of_the_run(name, history, clock, numbers, row):
    """Step 3: a whole fit that changed the weights, and reported numbers that are its own."""
    logs, epochs = history.history, len(history.history["loss"])
    if history.params.get("epochs") != epochs:
        raise _Fail(
            f"histories[{name!r}] stopped after {epochs} of its {history.params.get('epochs')} "
            "epochs: train both models for all their epochs, without early stopping."
        )
    if all(np.array_equal(a, b) for a, b in zip(clock.start_weights, history.model.get_weights())):
        raise _Fail(f"the {name} model's weights did not change in its fit: train it.")
    recorded = {
        "epochs": (epochs, 0),
        "time_s": (clock.seconds, 0.051),  # rounded to 0.1 s is fine
        "loss": (logs["loss"][-1], 5e-4),  # rounded to 3 decimals is fine
        "accuracy": (logs["accuracy"][-1], 5e-4),
    }
    for field, (value, tolerance) in recorded.items():
        if not _close(numbers[field], value, tolerance):
            raise _Fail(
                f"results[{name!r}][{field!r}] is {row[field]!r}, but its run recorded {value:.6g}"
                + (" (FitClock's seconds)" if field == "time_s" else "")
                + ": report the numbers of the run itself."
            )


def _same_settings(lstm, gru):
    """Step 4: the same data, epochs, optimizer and loss for both, and the given settings.
    Returns the optimizer's name and the loss."""
    if lstm.params != gru.params:
        raise _Fail(
            f"the LSTM ran {lstm.params.get('epochs')} epochs of {lstm.params.get('steps')} steps "
            f"and the GRU {gru.params.get('epochs')} of {gru.params.get('steps')}: train both on "
            "the same data, with the same batch size and number of epochs."
        )
    optimizers = [
        _optimizer(lstm.model, "histories['LSTM']"),
        _optimizer(gru.model, "histories['GRU']"),
    ]
    if optimizers[0] != optimizers[1]:
        raise _Fail(
            "the LSTM was trained with {} {} and the GRU with {} {}: use the same optimizer and "
            "settings for both.".format(*optimizers[0], *optimizers[1])
        )
    losses = [_loss(lstm.model), _loss(gru.model)]
    if losses[0] != losses[1]:
        raise _Fail(
            f"the LSTM was trained on the loss {losses[0]} and the GRU on {losses[1]}: "
            "use the same loss for both."
        )
    spec = given()
    _given_settings(lstm, optimizers[0], spec["epochs"], spec["sequences"], "EPOCHS")
    return optimizers[1][0], losses[1]


def _signature(model):
    """A model's layers as (kind, settings), names left out: equal for the same architecture."""

    def settings(value):
        if isinstance(value, dict):
            return {k: settings(v) for k, v in value.items() if k not in ("name", "trainable")}
        if isinstance(value, (list, tuple)):
            return [settings(v) for v in value]
        return value

    return [
        (type(layer).__name__, repr(settings(layer.get_config()))) for layer in _model_layers(model)
    ]


def evaluate(model, x, y):
    """(loss, accuracy) of `model` on (x, y) with integer labels: the mean cross-entropy (nats per
    word) plus the model's regularization losses, and the share of labels it ranks first. What
    Keras reports as val_loss and val_accuracy for validation_data=(x, y).

    Not taught: used by check_validation here and by the grader's hidden tests
    (homework/solutions/11-hw_gru_architecture.tests.py).
    """
    import keras

    scores = np.asarray(model.predict(x, batch_size=512, verbose=0), dtype=np.float64)
    scores = scores.reshape(len(x), -1)
    activation = getattr(getattr(model.layers[-1], "activation", None), "__name__", "")
    if activation == "softmax":
        log_p = np.log(np.clip(scores, 1e-7, 1.0))
    else:  # logits
        log_p = scores - scores.max(axis=1, keepdims=True)
        log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    y = np.asarray(y).reshape(len(x), -1)
    if y.shape[1] > 1:  # one-hot labels
        y = y.argmax(axis=1)
    y = y.reshape(-1).astype(int)
    nll = -log_p[np.arange(len(x)), y].mean()
    penalty = sum(float(keras.ops.convert_to_numpy(loss)) for loss in model.losses)
    return float(nll + penalty), float(np.mean(scores.argmax(axis=1) == y))


def _held_out(held_out):
    """(x, y) arrays of the notebook's held-out split."""
    if not isinstance(held_out, tuple) or len(held_out) != 2:
        raise _Fail(
            "the check's third argument should be held_out, the notebook's (x, y) split: run the "
            "cell that makes it, and leave the check cell as it is."
        )
    x, y = (np.asarray(a) for a in held_out)
    if len(x) != len(y) or not len(x):
        raise _Fail("held_out should hold as many labels as sequences: run the cell that makes it.")
    return x, y


@_report
def check_validation(improved_history, baseline_history, held_out):
    """Task 3: the improved model and the slides' GRU, both judged on the notebook's held-out split.
    Homework, "Task 3: a better model, judged on held-out text".

    Each model's recorded val_loss must be its loss on `held_out`: this re-computes it.
    """
    _done(improved_history, "improved_history", "train your model in the cells above and run them")
    _done(
        baseline_history, "baseline_history", "train the baseline in the cells above and run them"
    )
    improved = _history(improved_history, "improved_history", validated=True)
    baseline = _history(baseline_history, "baseline_history", validated=True)
    if improved is baseline or improved.model is baseline.model:
        raise _Fail(
            "improved_history and baseline_history are the same run: train the baseline (the "
            "slides' GRU) and your own model separately."
        )
    vocab = _output_units(baseline.model)
    _slides_gru(
        baseline.model,
        vocab,
        "the baseline",
        f"total_words = {vocab} (the size of this task's vocabulary, the baseline's output)",
    )
    if _signature(improved.model) == _signature(baseline.model):
        raise _Fail(
            "your model has the same layers and settings as the baseline: change the architecture "
            "(e.g. dropout, other sizes) to improve on it."
        )
    _rebuildable(improved.model, "your model")
    x, y = _held_out(held_out)
    spec = given()
    if spec["held_out"] is not None and fingerprint((x, y)) != spec["held_out"]:
        raise _Fail(
            "held_out is not the split the notebook's given cell makes: run that cell again and "
            "do not change held_out, data3 or the lines in a cell of your own."
        )
    for where, history in (("your model", improved), ("the baseline", baseline)):
        _given_settings(
            history,
            _optimizer(history.model, where),
            spec["epochs_3"],
            spec["sequences_3"],
            "EPOCHS_3",
        )
        # fit_validated keeps the weights of the best epoch: its val_loss is the model's loss
        loss, accuracy = evaluate(history.model, x, y)
        recorded = history.history["val_loss"]
        epoch = int(np.argmin(recorded))
        if not abs(recorded[epoch] - loss) <= 2e-4 * max(1.0, loss):
            raise _Fail(
                f"{where}'s best val_loss ({recorded[epoch]:.3f} of "
                f"{', '.join(f'{v:.3f}' for v in recorded[:5])}"
                f"{', ...' if len(recorded) > 5 else ''}) is not its loss on held_out "
                f"({loss:.3f}), though fit_validated keeps the best epoch's weights: train it "
                "with the given fit_validated (validation_data=held_out, not validation_split, "
                "not the training data), and report the History it returns, unchanged."
            )
        stated = history.history["val_accuracy"][epoch]
        if not abs(stated - accuracy) <= 1e-3 + 1 / len(y):
            raise _Fail(
                f"{where}'s History says val_accuracy {stated:.3f} at its best epoch, whose "
                f"val_loss is its loss on held_out, but the model gets {accuracy:.3f} there: "
                "report the History that fit returned, unchanged."
            )
    return (
        "both models were trained by the given fit_validated and judged on the notebook's "
        "held-out lines (each val_loss and val_accuracy is that model's on held_out, recomputed "
        "here); the baseline is the slides' GRU, and your model differs from it."
    )


def _output_units(model):
    """The number of classes the model predicts (its last layer's units)."""
    units = getattr(model.layers[-1], "units", None)
    if not isinstance(units, int):
        raise _Fail("the baseline should end with Dense(total_words, activation='softmax').")
    return units


@_report
def check_generation(samples, histories, tokenizer, max_sequence_len, seed_text, settings):
    """Task 4: a text from each model, with the same seed text and the same settings.
    Homework, "Task 4: the generated text".

    `samples` maps 'baseline' and 'improved' to a generated text; `histories` maps them to the
    Histories of Task 3. The check writes each text again with `utils.WordGenerator` and the given
    `seed_text` and `settings`, and compares.
    """
    from ..generate import WordGenerator

    _done(samples, "samples", "generate a text from each model in the cell above")
    _entries(samples, "samples", ("baseline", "improved"), "generate a text from each model")
    spec = given()
    if seed_text != spec["seed_text"] or settings != spec["settings"]:
        raise _Fail(
            f"SEED_TEXT or SETTINGS is not the one given ({spec['seed_text']!r} with "
            f"{spec['settings']}): the grader writes the texts with the given ones, so leave "
            "that cell as it is and do not redefine them."
        )
    for name in ("baseline", "improved"):
        text = samples[name]
        if not isinstance(text, str):
            raise _Fail(
                f"samples[{name!r}] is a {type(text).__name__}: give the generated text, one "
                "string (generate(...) without n_samples)."
            )
        if not text.startswith(seed_text):
            raise _Fail(
                f"samples[{name!r}] does not start with SEED_TEXT: generate both from the same "
                "seed text, SEED_TEXT."
            )
        history = _history(
            histories.get(name) if isinstance(histories, dict) else None, f"the {name} History"
        )
        expected = WordGenerator(history.model, tokenizer, max_sequence_len).generate(
            seed_text, **settings
        )
        if text != expected:
            raise _Fail(
                f"samples[{name!r}] is not what the {name} model writes from SEED_TEXT with "
                f"SETTINGS: write it with utils.WordGenerator({name}_model, tokenizer3, "
                "data3.max_sequence_len).generate(SEED_TEXT, **SETTINGS)."
            )
    return (
        "both texts were written by their own models (re-generated here), from the same seed text "
        "with the same settings."
    )
