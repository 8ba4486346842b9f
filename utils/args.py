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
