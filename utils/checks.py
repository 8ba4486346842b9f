"""Homework checks: each prints one PASS or FAIL line that says why.

A check never raises. A wrong or unfinished answer gets a FAIL line that says what to fix, never a
traceback from inside Keras. The PASS lines hold no measured numbers, so a solution notebook can
store them as checked outputs.
"""

import functools
import math

# The slides' "New GRU Model": Embedding(672, 100), Bidirectional(GRU(150, return_sequences=True)),
# GRU(100), Dense(672 // 2, relu), Dense(672, softmax) on windows of 11 word ids. Each layer: its
# name in the PASS line, its kind, what it must be, its parameters.
TOTAL_WORDS = 672  # the slides' 10,000 characters of Shakespeare
GRU_LAYERS = [
    ("embedding", "Embedding", 67_200, "Embedding(total_words, 100)"),
    ("bidirectional", "Bidirectional", 226_800, "Bidirectional(GRU(150, return_sequences=True))"),
    ("gru", "GRU", 120_600, "GRU(100)"),
    ("dense", "Dense", 33_936, "Dense(total_words // 2, activation='relu')"),
    ("dense", "Dense", 226_464, "Dense(total_words, activation='softmax')"),
]
GRU_TOTAL = sum(params for _, _, params, _ in GRU_LAYERS)


def _report(check):
    """Print PASS/FAIL for a check that returns a PASS message or raises _Fail with the reason."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        try:
            message = check(*args, **kwargs)
        except _Fail as fail:
            print(f"FAIL: {fail}")
        except Exception as error:  # a check must never hand the student a traceback
            print(f"FAIL: could not check this answer ({type(error).__name__}: {error}).")
        else:
            print(f"PASS: {message}")
        # Nothing is returned, so that a notebook shows the line only (no "True" below it).

    return run


class _Fail(Exception):
    pass


def _done(value, name, what):
    """A FAIL that says "not done yet" while the answer `name` is still the notebook's None."""
    if value is None:
        raise _Fail(f"not done yet: {name} is still None. First {what}, then run this check.")


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


@_report
def check_gru_model(model):
    """Task 1: the slides' GRU model, layer by layer: kind, size, activation and parameters.

    Sequential, Functional and subclassed models are all accepted; the Input is not a layer here.
    """
    import keras

    _done(model, "gru_model", "build it in the cell above and run that cell")
    if not isinstance(model, keras.Model):
        raise _Fail(
            f"expected a Keras model, got {type(model).__name__}: build it with "
            "keras.Sequential([keras.Input(...), ...]) (or the Functional API, or a subclass)."
        )
    if not model.built or not model.weights:
        raise _Fail(
            "the model has no weights yet: start it with keras.Input((max_sequence_len - 1,)) "
            "(Keras 3 dropped Embedding's input_length), or call it once on a batch, so Keras "
            "knows the input shape."
        )
    total = model.count_params()
    layers = _model_layers(model)
    lstms = [layer.name for layer in layers if _recurrent_kind(layer) == "LSTM"]
    if lstms:
        raise _Fail(
            f"expected {GRU_TOTAL:,} parameters, got {total:,}: did you use GRU in both recurrent "
            f"layers? These are still LSTM: {', '.join(lstms)}."
        )
    kinds = [type(layer).__name__ for layer in layers]
    expected_kinds = [kind for _, kind, _, _ in GRU_LAYERS]
    if kinds != expected_kinds:
        raise _Fail(
            f"expected {len(GRU_LAYERS)} layers after the Input ({', '.join(expected_kinds)}), got "
            f"{len(kinds)} ({', '.join(kinds) or 'none'}). The slides' model is: "
            + ", ".join(code for *_, code in GRU_LAYERS)
            + "."
        )
    embedding, bidirectional, gru, hidden, output = layers
    codes = [code for *_, code in GRU_LAYERS]
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
    for layer, (_, _, params, code) in zip(layers, GRU_LAYERS):
        got = layer.count_params()
        if got != params:
            raise _Fail(
                f"expected {GRU_TOTAL:,} parameters, got {total:,}: layer {layer.name} has "
                f"{got:,} instead of {params:,}. It should be {code}, with total_words = "
                f"{TOTAL_WORDS} (the slides' 10,000 characters) and Keras' default "
                "GRU(reset_after=True)."
            )
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


def _number(where, value, whole=False):
    """A FAIL, with the usual slip named, unless `value` is a number (a whole one if `whole`)."""
    if isinstance(value, bool) or value is None:
        raise _Fail(f"{where} is {value!r}: give a number.")
    if isinstance(value, str):
        raise _Fail(
            f"{where} is the string {value!r}: give the number itself, e.g. 58.2, not text."
        )
    if isinstance(value, (list, tuple)) or hasattr(value, "shape") and getattr(value, "ndim", 0):
        raise _Fail(
            f"{where} holds {len(value)} values (the whole history?): give the final one, e.g. "
            "history.history['loss'][-1], or for epochs len(history.history['loss'])."
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Fail(f"{where} is a {type(value).__name__}: give a number.") from None
    if whole and not number.is_integer():
        raise _Fail(f"{where} is {value!r}: the number of epochs is a whole number.")


@_report
def check_comparison(results):
    """Task 2: LSTM and GRU, each with its epochs, time (s), final loss and final accuracy."""
    _done(results, "results", "train both models in the cells above and run them")
    if not isinstance(results, dict):
        raise _Fail(
            f"results should be a dict like {{'LSTM': {{...}}, 'GRU': {{...}}}}, got "
            f"{type(results).__name__}."
        )
    fields = ("epochs", "time_s", "loss", "accuracy")
    for name in ("LSTM", "GRU"):
        if name not in results:
            raise _Fail(f"results has no {name!r} entry: train both models and record each.")
        row = results[name]
        if not isinstance(row, dict):
            raise _Fail(
                f"results[{name!r}] is a {type(row).__name__}: make it a dict with "
                f"{', '.join(fields)}."
            )
        missing = [field for field in fields if field not in row]
        if missing:
            raise _Fail(
                f"results[{name!r}] lacks {', '.join(missing)}"
                + _misnamed(row, missing)
                + f": record {', '.join(fields)} for each model."
            )
        for field in fields:
            _number(f"results[{name!r}][{field!r}]", row[field], whole=field == "epochs")
        for field in fields[1:]:
            if not math.isfinite(float(row[field])):
                raise _Fail(f"results[{name!r}][{field!r}] is {row[field]}: the training diverged.")
        if row["time_s"] <= 0:
            raise _Fail(f"results[{name!r}]['time_s'] is {row['time_s']}: time the fit call.")
        if not 0 <= row["accuracy"] <= 1:
            raise _Fail(f"results[{name!r}]['accuracy'] is {row['accuracy']}: not in [0, 1].")
    if results["LSTM"]["epochs"] != results["GRU"]["epochs"]:
        raise _Fail(
            f"the LSTM trained {results['LSTM']['epochs']} epochs and the GRU "
            f"{results['GRU']['epochs']}: train both under identical settings."
        )
    return "LSTM and GRU trained under identical settings; time, final loss and accuracy recorded."


@_report
def check_validation(history, baseline):
    """Task 3: the improved model and the baseline both judged by held-out (validation) metrics."""
    _done(history, "improved_history", "train your model in the cells above and run them")
    _done(baseline, "baseline_history", "train the baseline in the cells above and run them")
    for name, h in (("your model", history), ("the baseline", baseline)):
        logs = getattr(h, "history", h)
        if not isinstance(logs, dict) or "loss" not in logs:
            raise _Fail(f"for {name}, pass the History that model.fit returns.")
        if "val_loss" not in logs or "val_accuracy" not in logs:
            raise _Fail(
                f"{name} has no validation metrics: pass validation_split=0.1 (or "
                "validation_data=...) to fit, and metrics=['accuracy'] to compile, so it is "
                "judged on text it never trained on, not on training accuracy."
            )
        if not all(math.isfinite(v) for v in logs["val_loss"]):
            raise _Fail(f"{name}'s val_loss is not finite: the training diverged.")
    return "both models were judged on held-out text (val_loss and val_accuracy)."
