"""The course's data sets, found offline when possible and verified before use.

Each loader looks, in order, in

1. `$COURSE_DATA_DIR` (CI and offline classrooms point it at a folder of copies),
2. the Keras cache (`$KERAS_HOME/datasets`, by default `~/.keras/datasets`),
3. the internet, downloading into the Keras cache,

and checks the file it found. A copy that fails the check (cut off, another file, a folder, not
readable) is not used: the loader warns and looks in the next place. With no good copy anywhere, a
missing file gives a `FileNotFoundError` and a bad one a `ValueError`; both say which file, which
URL and what to do. A download is checked before it is moved into place, so no bad one is ever
left in the cache, and no part of one for long: the next loader that runs removes what a killed
download left (a hidden `.alice.txt.tmp-...` file) once its process is gone.
"""

import contextlib
import hashlib
import io
import os
import re
import time
import urllib.request
import warnings

import numpy as np

from . import args, files

SHAKESPEARE_URL = "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
SHAKESPEARE_CHARS = 1_115_394

ALICE_URL = "https://www.gutenberg.org/cache/epub/11/pg11.txt"
# Gutenberg revises the header of this file now and then, so Alice is checked by content, not hash.
_ALICE_TITLE = re.compile(r"Alice[’']s Adventures in Wonderland", re.IGNORECASE)
_GUTENBERG_START = re.compile(r"\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG EBOOK", re.IGNORECASE)
_GUTENBERG_END = re.compile(r"\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG EBOOK", re.IGNORECASE)
_ALICE_MIN_CHARS = 100_000  # the book alone is about 145,000 characters
# The last words of Project Gutenberg's licence, which follows the book: a copy cut off anywhere
# after the END marker lacks them.
_GUTENBERG_LAST = re.compile(r"to hear about new eBooks\.\s*\Z")
# The editions of the book this course was made with, each as the sha256 of the book's text: what
# lies between the START marker's line and the END marker, stripped, with `\n` line endings.
# Another edition is used with a warning, since the lecture's numbers may then differ.
ALICE_BODY_SHA256 = {
    "a5710ea79b9a06a36de805d92fa028beb2ea6ee6dc0ec0711485768190ac824a": "eBook #11 of 2024-11-10",
}

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # as in Keras

# A download waits at most this long for the server to answer or send more, and takes at most
# DOWNLOAD_LIMIT_S in all, so a dead or crawling network fails with a clear error, never hangs.
DOWNLOAD_TIMEOUT_S = 60
DOWNLOAD_LIMIT_S = 600


def load_shakespeare():
    """Tiny Shakespeare (Karpathy's char-rnn data set), 1,115,394 characters, as one string.

    Lecture 11-0a, "Data: characters of Shakespeare"; 11-1, "On real text: Shakespeare's
    vocabulary" says how it finds and checks the file.
    """
    return _load("shakespeare.txt", SHAKESPEARE_URL, _check_shakespeare)


def load_alice():
    """Alice's Adventures in Wonderland (Project Gutenberg eBook #11) as one string.

    The text is returned as the file has it, Gutenberg's header and licence included, with the
    byte-order mark removed and line endings made `\\n`. The whole file is checked, the licence
    after the book included.

    Lab 11-2, "Understanding the data and preprocessing: Alice".
    """
    return _load("alice.txt", ALICE_URL, _check_alice)


def load_mnist(download=True):
    """Handwritten digits as 28x28 images in [0, 1]: MNIST if it can be had, else a stand-in.

    MNIST (60,000 + 10,000 images) is looked up like the other data sets, and downloaded only if
    `download` is true. Where it cannot be had (offline, or `download=False` as in fast mode), the
    stand-in is scikit-learn's bundled 8x8 digits (1,797 real handwritten digits) upscaled to 28x28.
    Returns `(x_train, y_train), (x_test, y_test), source`, where `source` says which one it is.

    Lecture 11-0d, "The data: handwritten digits".
    """
    args.flag("download", download)
    try:
        raw = _load("mnist.npz", MNIST_URL, _check_mnist, download=download)
    except FileNotFoundError:  # said without this machine's paths: it is printed, and on slides
        tried = "could not be downloaded" if download else "downloading it was off"
        source = (
            "scikit-learn's 8x8 digits upscaled to 28x28: mnist.npz was not found in "
            f"COURSE_DATA_DIR or the Keras cache and {tried} (get it from {MNIST_URL})"
        )
        return (*_digits_as_mnist(), source)
    with np.load(io.BytesIO(raw), allow_pickle=False) as f:
        train = (f["x_train"] / np.float32(255), f["y_train"].astype(np.int64))
        test = (f["x_test"] / np.float32(255), f["y_test"].astype(np.int64))
    return train, test, "MNIST"


def _digits_as_mnist(test_fraction=0.2, seed=0):
    """scikit-learn's 8x8 digits, upscaled to 28x28 in [0, 1], split into train and test."""
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = tf.image.resize(digits.images[..., None] / 16.0, (28, 28), method="bilinear")
    images = np.clip(images.numpy()[..., 0], 0.0, 1.0).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(images))
    n_test = int(round(test_fraction * len(images)))
    test, train = order[:n_test], order[n_test:]
    labels = digits.target.astype(np.int64)
    return (images[train], labels[train]), (images[test], labels[test])


def _check_mnist(data):
    """The bytes of a good copy of mnist.npz, or a ValueError saying what is wrong."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != MNIST_SHA256:
        raise ValueError(f"its sha256 is {digest}, not {MNIST_SHA256}")
    return data


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
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")  # every BOM, CR
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
    if not _GUTENBERG_LAST.search(text):
        raise ValueError(
            "it stops before the end of Project Gutenberg's licence, which follows the book "
            "(cut off?)"
        )
    line_end = text.find("\n", start.end())
    body = text[line_end + 1 if line_end >= 0 else start.end() : end.start()].strip()
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    if digest not in ALICE_BODY_SHA256:
        known = ", ".join(ALICE_BODY_SHA256.values())
        warnings.warn(
            f"alice.txt is an edition of the book this course has not seen: its text between "
            f"Gutenberg's START and END markers has sha256 {digest[:16]}..., which is not that "
            f"of {known}. It is used, but counts such as the vocabulary size and the parameter "
            f"counts may differ from the lecture's. The course's edition is at {ALICE_URL}.",
            stacklevel=5,
        )
    return text


def keras_cache_dir():
    """The Keras data set cache: `$KERAS_HOME/datasets`, else `~/.keras/datasets`.

    Not taught: used by the loaders of `utils.data`, which look there and download into it.
    """
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
    """The checked text of the copy at `path`, or a ValueError that says why it cannot be used."""
    if os.path.isdir(path):
        why = "it is a folder, not a file"
    else:
        try:
            with open(path, "rb") as f:
                return check(f.read())
        except OSError as err:
            why = f"it cannot be read ({err.strerror or err})"
        except ValueError as err:
            why = f"it is corrupt or not the expected file: {err}"
    raise ValueError(f"The copy of {name} at {path} cannot be used: {why}.")


def _download(url, path, check=None, timeout=None, limit=None):
    """Download `url` to `path` and return `check(bytes)`, whole or not at all.

    The bytes go to a temporary file beside `path`, which is checked and only then moved onto it:
    a download that is cut off, killed or fails the check leaves `path` as it was (what a killed
    one leaves, `_remove_leftovers` removes). The download has its own time limits (`timeout`
    seconds of silence, `limit` seconds in all); the process-wide socket settings are left alone.
    (keras.utils.get_file, which the course used before, has no timeout: a dead network hung it.)
    """
    timeout = DOWNLOAD_TIMEOUT_S if timeout is None else timeout
    limit = DOWNLOAD_LIMIT_S if limit is None else limit
    start = time.monotonic()
    result = None
    with files.replacing(path) as partial:
        with open(partial, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as answer:
            while chunk := answer.read(1 << 16):
                out.write(chunk)
                if time.monotonic() - start > limit:
                    raise TimeoutError(f"the download took longer than {limit} s")
        if check is not None:
            with open(partial, "rb") as f:
                result = check(f.read())  # a ValueError here leaves `path` as it was
    return result


def _remove_leftovers(path):
    """Remove the temporary files that killed downloads of `path` left beside it: those whose
    process is gone, and those older than any download lasts. A live download's file is kept."""
    folder, name = os.path.split(path)
    for leftover in files.leftovers(folder, name):
        # gone meanwhile (a live download finished) or not ours to remove: it never stops a load
        with contextlib.suppress(OSError):
            if files.abandoned(leftover) or (
                time.time() - leftover.stat().st_mtime > DOWNLOAD_LIMIT_S + DOWNLOAD_TIMEOUT_S
            ):
                leftover.unlink()


def _load(name, url, check, download=True):
    folder = _course_data_dir()
    cache = os.path.join(keras_cache_dir(), name)
    _remove_leftovers(cache)  # whatever this load does, even when it finds a copy elsewhere
    places = [os.path.join(folder, name)] if folder else []
    places.append(cache)
    problems = []  # (path, error) for each copy that could not be used
    for path in places:
        if not os.path.lexists(path):
            continue
        try:
            text = _verified(path, name, url, check)
        except ValueError as err:
            problems.append((path, err))
            continue
        for _, err in problems:
            warnings.warn(f"{err} The good copy at {path} is used instead.", stacklevel=3)
        return text
    # No good copy. A bad one in COURSE_DATA_DIR (an offline setup) is for its owner to fix; a bad
    # one in the Keras cache is ours, and a good download replaces it.
    if problems and (not download or problems[0][0] != cache):
        raise ValueError(
            f"{problems[0][1]} It was not used. Delete it, then let the course download it again "
            f"from {url}, or put a good copy there (see COURSE_DATA_DIR)."
        )
    looked = " and ".join(places)
    if not download:
        raise FileNotFoundError(
            f"{name} was not found (looked in {looked}) and downloading it was not allowed. "
            f"Download it from {url} into a folder and set COURSE_DATA_DIR to that folder."
        )
    for _, err in problems:  # the bad cached copy, which a good download will replace
        warnings.warn(f"{err} Downloading a good copy to replace it.", stacklevel=3)
    try:
        print(f"Downloading {name} from {url} ...")
        return _download(url, cache, lambda data: _downloaded(data, check, name, url))
    except OSError as err:  # URLError, a timeout, or a full disk
        raise FileNotFoundError(
            f"{name} was not found (looked in {looked}) and could not be downloaded from {url}: "
            f"{err}. On a machine without internet, download it elsewhere and set the environment "
            f"variable COURSE_DATA_DIR to the folder that holds {name}."
        ) from None


def _downloaded(data, check, name, url):
    try:
        return check(data)
    except ValueError as err:
        raise ValueError(
            f"The download of {name} from {url} is corrupt or not the expected file: {err}. It "
            "was not kept. Try again later, or put a good copy in a folder and set "
            "COURSE_DATA_DIR to it."
        ) from None
