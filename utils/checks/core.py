"""What every check shares: the PASS/FAIL report, the failure a check raises, and `yours_or`,
which hands a student's function on to later cells once its check has passed."""

import functools
import math
import sys


def _report(check):
    """Print PASS/FAIL for a check that returns a PASS message or raises _Fail with the reason.

    The printing check keeps the silent one as `.verdict(...)`, which returns (passed, message):
    the grader's hidden tests call it on the objects they rebuild from a student's run.
    """

    def verdict(*args, **kwargs):
        try:
            return True, check(*args, **kwargs)
        except _Fail as fail:
            return False, str(fail)
        except Exception as error:  # a check must never hand the student a traceback
            return False, f"could not check this answer ({type(error).__name__}: {error})."

    @functools.wraps(check)
    def run(*args, **kwargs):
        passed, message = verdict(*args, **kwargs)
        print(f"{'PASS' if passed else 'FAIL'}: {message}")
        if passed:  # what `yours_or` may hand to later cells
            _PASSED.extend(a for a in args if callable(a))
        # Nothing is returned, so that a notebook shows the line only (no "True" below it).

    run.verdict = verdict
    return run


class _Fail(Exception):
    pass


_PASSED = []  # the student's functions whose exercise check passed in this session


def yours_or(yours, course_version):
    """`yours` if it passed its exercise check in this session, else `course_version`, with a line
    that says so: later cells use what the student wrote, and Run all still goes through."""
    if any(f is yours for f in _PASSED):
        return yours
    name = getattr(yours, "__name__", "your function")
    print(  # on stderr: a notice, and never part of a cell's checked output
        f"{name} has not passed its check yet, so this cell uses the course's version. Finish the "
        "exercise, run its check, then run this cell again to use yours.",
        file=sys.stderr,
    )
    return course_version


def _done(value, name, what):
    """A FAIL that says "not done yet" while the answer `name` is still the notebook's None."""
    if value is None:
        raise _Fail(f"not done yet: {name} is still None. First {what}, then run this check.")


def _number(where, value, whole=False):
    """`value` as a float; a FAIL, with the usual slip named, unless it is a (whole) number."""
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
    if not math.isfinite(number):
        raise _Fail(f"{where} is {value}: the training diverged.")
    return number


def _close(a, b, absolute):
    return abs(a - b) <= max(absolute, 1e-6 * abs(b))
