"""The course's data sets, found offline when possible and verified before use.

Each loader looks, in order, in

1. `$COURSE_DATA_DIR` (CI and offline classrooms point it at a folder of copies),
2. the Keras cache (`$KERAS_HOME/datasets`, by default `~/.keras/datasets`),
3. the internet, downloading into the Keras cache,

and checks the file it found. A missing file gives a `FileNotFoundError` and a copy that fails the
check a `ValueError`; both say which file, which URL and what to do.
"""

import hashlib
import io
import os
import re
import tempfile
import time
import urllib.request

import numpy as np

SHAKESPEARE_URL = "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
SHAKESPEARE_CHARS = 1_115_394

ALICE_URL = "https://www.gutenberg.org/cache/epub/11/pg11.txt"
# Gutenberg revises the header of this file now and then, so Alice is checked by content, not hash.
_ALICE_TITLE = re.compile(r"Alice[’']s Adventures in Wonderland", re.IGNORECASE)
_GUTENBERG_START = re.compile(r"\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG EBOOK", re.IGNORECASE)
_GUTENBERG_END = re.compile(r"\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG EBOOK", re.IGNORECASE)
_ALICE_MIN_CHARS = 100_000  # the book alone is about 145,000 characters

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # as in Keras

# A download waits at most this long for the server to answer or send more, and takes at most
# DOWNLOAD_LIMIT_S in all, so a dead or crawling network fails with a clear error, never hangs.
DOWNLOAD_TIMEOUT_S = 60
DOWNLOAD_LIMIT_S = 600


def load_shakespeare():
    """Tiny Shakespeare (Karpathy's char-rnn data set), 1,115,394 characters, as one string."""
    return _load("shakespeare.txt", SHAKESPEARE_URL, _check_shakespeare)


def load_alice():
    """Alice's Adventures in Wonderland (Project Gutenberg eBook #11) as one string.

    The text is returned as the file has it, Gutenberg's header and licence included, with the
    byte-order mark removed and line endings made `\\n`.
    """
    return _load("alice.txt", ALICE_URL, _check_alice)


def load_mnist(download=True):
    """Handwritten digits as 28x28 images in [0, 1]: MNIST if it can be had, else a stand-in.

    MNIST (60,000 + 10,000 images) is looked up like the other data sets, and downloaded only if
    `download` is true. Where it cannot be had (offline, or `download=False` as in fast mode), the
    stand-in is scikit-learn's bundled 8x8 digits (1,797 real handwritten digits) upscaled to 28x28.
    Returns `(x_train, y_train), (x_test, y_test), source`, where `source` says which one it is.
    """
    try:
        raw = _load("mnist.npz", MNIST_URL, _check_mnist, download=download)
    except FileNotFoundError as err:
        source = f"scikit-learn's 8x8 digits upscaled to 28x28, because MNIST is not here: {err}"
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


def _download(url, path, timeout=None, limit=None):
    """Download `url` to `path`, whole or not at all: the bytes go to a temporary file beside it,
    which replaces `path` only once complete. The download has its own time limits (`timeout`
    seconds of silence, `limit` seconds in all); the process-wide socket settings are left alone.

    keras.utils.get_file, which the course used before, has no timeout: a dead network hung it.
    """
    timeout = DOWNLOAD_TIMEOUT_S if timeout is None else timeout
    limit = DOWNLOAD_LIMIT_S if limit is None else limit
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    start = time.monotonic()
    handle, partial = tempfile.mkstemp(prefix=os.path.basename(path), suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as answer:
            while chunk := answer.read(1 << 16):
                out.write(chunk)
                if time.monotonic() - start > limit:
                    raise TimeoutError(f"the download took longer than {limit} s")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path


def _load(name, url, check, download=True):
    folder = _course_data_dir()
    places = [os.path.join(folder, name)] if folder else []
    places.append(os.path.join(keras_cache_dir(), name))
    for path in places:
        if os.path.isfile(path):
            return _verified(path, name, url, check)

    looked = " and ".join(places)
    if not download:
        raise FileNotFoundError(
            f"{name} was not found (looked in {looked}) and downloading it was not allowed. "
            f"Download it from {url} into a folder and set COURSE_DATA_DIR to that folder."
        )
    path = os.path.join(keras_cache_dir(), name)
    try:
        print(f"Downloading {name} from {url} ...")
        _download(url, path)
    except OSError as err:  # URLError, a timeout, or a full disk
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
