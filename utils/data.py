"""The course's data sets, found offline when possible and verified before use.

Each loader looks, in order, in

1. `$COURSE_DATA_DIR` (CI and offline classrooms point it at a folder of copies),
2. the Keras cache (`$KERAS_HOME/datasets`, by default `~/.keras/datasets`),
3. the internet, downloading into the Keras cache with `keras.utils.get_file`,

and checks the file it found. A missing file gives a `FileNotFoundError` and a copy that fails the
check a `ValueError`; both say which file, which URL and what to do.
"""

import hashlib
import os
import re

SHAKESPEARE_URL = "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
SHAKESPEARE_CHARS = 1_115_394

ALICE_URL = "https://www.gutenberg.org/cache/epub/11/pg11.txt"
# Gutenberg revises the header of this file now and then, so Alice is checked by content, not hash.
_ALICE_TITLE = re.compile(r"Alice[’']s Adventures in Wonderland", re.IGNORECASE)
_GUTENBERG_START = re.compile(r"\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG EBOOK", re.IGNORECASE)
_GUTENBERG_END = re.compile(r"\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG EBOOK", re.IGNORECASE)
_ALICE_MIN_CHARS = 100_000  # the book alone is about 145,000 characters


def load_shakespeare():
    """Tiny Shakespeare (Karpathy's char-rnn data set), 1,115,394 characters, as one string."""
    return _load("shakespeare.txt", SHAKESPEARE_URL, _check_shakespeare)


def load_alice():
    """Alice's Adventures in Wonderland (Project Gutenberg eBook #11) as one string.

    The text is returned as the file has it, Gutenberg's header and licence included, with the
    byte-order mark removed and line endings made `\\n`.
    """
    return _load("alice.txt", ALICE_URL, _check_alice)


def _check_shakespeare(data):
    """The text of a good copy of tiny Shakespeare, or a ValueError saying what is wrong."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHAKESPEARE_SHA256:
        raise ValueError(
            f"its sha256 is {digest}, not {SHAKESPEARE_SHA256} "
            f"({len(data):,} bytes where {SHAKESPEARE_CHARS:,} were expected)"
        )
    return data.decode("ascii")


def _check_alice(data):
    """The text of a good copy of Alice, or a ValueError saying what is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"it is not UTF-8 text ({err})") from None
    text = text.replace("\r\n", "\n")
    start, end = _GUTENBERG_START.search(text), _GUTENBERG_END.search(text)
    if not _ALICE_TITLE.search(text):
        raise ValueError('it does not contain the title "Alice\'s Adventures in Wonderland"')
    if not start or not end or end.start() < start.end():
        raise ValueError("it lacks Project Gutenberg's START and END markers (truncated?)")
    if end.start() - start.end() < _ALICE_MIN_CHARS:
        raise ValueError(
            f"the book between the START and END markers has {end.start() - start.end():,} "
            f"characters, fewer than the {_ALICE_MIN_CHARS:,} expected"
        )
    return text


def keras_cache_dir():
    """The Keras data set cache: `$KERAS_HOME/datasets`, else `~/.keras/datasets`."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def _course_data_dir():
    folder = os.environ.get("COURSE_DATA_DIR")
    if folder and not os.path.isdir(folder):
        raise FileNotFoundError(
            f"COURSE_DATA_DIR={folder!r} is not a folder. Point it at the folder that holds the "
            "course's data files (shakespeare.txt, alice.txt), or unset it to download them."
        )
    return folder


def _verified(path, name, url, check):
    """The checked text of the copy at `path`; a clear ValueError if it fails the check."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return check(data)
    except ValueError as err:
        raise ValueError(
            f"The copy of {name} at {path} is corrupt or not the expected file: {err}. "
            f"It was not used. Delete it, then let the course download it again from {url}, "
            f"or put a good copy there (see COURSE_DATA_DIR)."
        ) from None


def _load(name, url, check):
    folder = _course_data_dir()
    places = [os.path.join(folder, name)] if folder else []
    places.append(os.path.join(keras_cache_dir(), name))
    for path in places:
        if os.path.isfile(path):
            return _verified(path, name, url, check)

    import keras

    try:
        path = keras.utils.get_file(name, origin=url, cache_dir=os.path.dirname(keras_cache_dir()))
    except Exception as err:  # get_file wraps network errors in a bare Exception
        looked = " and ".join(places)
        raise FileNotFoundError(
            f"{name} was not found (looked in {looked}) and could not be downloaded from {url}: "
            f"{err}. On a machine without internet, download it elsewhere and set the environment "
            f"variable COURSE_DATA_DIR to the folder that holds {name}."
        ) from None
    try:
        return _verified(path, name, url, check)
    except ValueError:
        os.remove(path)  # never leave a bad download in the cache
        raise
