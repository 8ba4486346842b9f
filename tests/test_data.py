"""The data loaders: offline copies first, verified; clear errors for a missing or bad copy."""

import contextlib
import hashlib
import http.server
import io
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings

import numpy as np
import pytest

import utils
from tools import ROOT
from utils import data, files

LOADERS = {"shakespeare.txt": utils.load_shakespeare, "alice.txt": utils.load_alice}


@pytest.fixture(scope="session")
def good_copies():
    """The folder of good copies: $COURSE_DATA_DIR, else ../shared/data beside the repository."""
    folder = pathlib.Path(os.environ.get("COURSE_DATA_DIR") or ROOT.parent / "shared" / "data")
    if not all((folder / name).is_file() for name in LOADERS):
        message = f"the course's data files are not in {folder}; set COURSE_DATA_DIR"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Empty COURSE_DATA_DIR and Keras cache, and no network: every download fails."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    (tmp_path / "data").mkdir()
    calls = []

    def no_network(url, timeout):
        calls.append(url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return calls


def fake_download(monkeypatch, source):
    """Make a download 'fetch' `source`: urlopen answers with its bytes, as a server would."""
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        return io.BytesIO(pathlib.Path(source).read_bytes())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


def test_shakespeare_from_course_data_dir(good_copies, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(good_copies))
    text = utils.load_shakespeare()
    assert len(text) == 1_115_394
    assert text.startswith("First Citizen:")


def test_alice_from_course_data_dir_has_no_bom_and_unix_newlines(good_copies, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(good_copies))
    text = utils.load_alice()
    assert text.startswith("The Project Gutenberg eBook of Alice's Adventures in Wonderland")
    assert "\ufeff" not in text and "\r" not in text
    assert "CHAPTER I." in text and "THE END" in text


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_offline_without_a_copy_names_file_url_and_variable(offline, name):
    with pytest.raises(FileNotFoundError) as err:
        LOADERS[name]()
    message = str(err.value)
    assert name in message and "COURSE_DATA_DIR" in message
    url = data.SHAKESPEARE_URL if name == "shakespeare.txt" else data.ALICE_URL
    assert url in message and offline == [url]


def test_course_data_dir_that_is_not_a_folder_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "no-such-folder"))
    with pytest.raises(
        FileNotFoundError, match="COURSE_DATA_DIR=.*no-such-folder.*is not a folder"
    ):
        utils.load_shakespeare()


def test_keras_cache_is_used_before_downloading(good_copies, offline, tmp_path):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    shutil.copy(good_copies / "shakespeare.txt", cache)
    assert len(utils.load_shakespeare()) == 1_115_394
    assert offline == []  # no download attempted


def test_download_lands_in_keras_cache_and_is_verified(good_copies, offline, tmp_path, monkeypatch):
    calls = fake_download(monkeypatch, good_copies / "alice.txt")
    assert "Alice" in utils.load_alice()
    assert calls == [data.ALICE_URL]
    assert (tmp_path / "keras" / "datasets" / "alice.txt").is_file()


def truncated(source, tmp_path, n_bytes):
    bad = tmp_path / f"bad-{source.name}"
    bad.write_bytes(source.read_bytes()[:n_bytes])
    return bad


@pytest.mark.parametrize(
    "name, n_bytes, reason",
    [
        ("shakespeare.txt", 500_000, "sha256"),
        ("alice.txt", 80_000, "START and END markers"),
        ("alice.txt", 0, "title"),
    ],
)
def test_corrupt_copy_in_course_data_dir_is_refused(
    good_copies, offline, tmp_path, name, n_bytes, reason
):
    bad = truncated(good_copies / name, tmp_path, n_bytes)
    shutil.copy(bad, tmp_path / "data" / name)
    with pytest.raises(ValueError) as err:
        LOADERS[name]()
    message = str(err.value)
    assert "corrupt" in message and reason in message and "It was not used" in message
    assert str(tmp_path / "data" / name) in message
    assert offline == []  # the bad copy was not silently replaced by a download either


def test_alice_that_is_not_utf8_is_refused(good_copies, offline, tmp_path):
    (tmp_path / "data" / "alice.txt").write_bytes(
        b"\xff\xfe" + (good_copies / "alice.txt").read_bytes()
    )
    with pytest.raises(ValueError, match="not UTF-8"):
        utils.load_alice()


def test_alice_with_only_a_short_book_is_refused(offline, tmp_path):
    fake = (
        "The Project Gutenberg eBook of Alice's Adventures in Wonderland\n"
        "*** START OF THE PROJECT GUTENBERG EBOOK ALICE ***\nCHAPTER I.\nshort\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK ALICE ***\n"
    )
    (tmp_path / "data" / "alice.txt").write_text(fake, encoding="utf-8")
    with pytest.raises(ValueError, match="fewer than the 100,000 expected"):
        utils.load_alice()


def test_alice_with_crlf_and_older_markers_is_accepted(good_copies, offline, tmp_path):
    text = (good_copies / "alice.txt").read_text(encoding="utf-8-sig")
    older = text.replace("START OF THE PROJECT", "START OF THIS PROJECT").replace("\n", "\r\n")
    (tmp_path / "data" / "alice.txt").write_bytes(older.encode("utf-8"))
    loaded = utils.load_alice()
    assert "\r" not in loaded and "START OF THIS PROJECT" in loaded


def test_corrupt_download_is_deleted_and_refused(good_copies, offline, tmp_path, monkeypatch):
    bad = truncated(good_copies / "shakespeare.txt", tmp_path, 1000)
    fake_download(monkeypatch, bad)
    with pytest.raises(ValueError, match="corrupt.*sha256"):
        utils.load_shakespeare()
    assert not (tmp_path / "keras" / "datasets" / "shakespeare.txt").exists()


def test_a_real_download_offline_becomes_file_not_found(monkeypatch, tmp_path):
    """What urllib really raises with no network is turned into the clear error."""

    def no_network(url, timeout):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(FileNotFoundError, match="shakespeare.txt was not found.*name resolution"):
        utils.load_shakespeare()
    assert list((tmp_path / "keras" / "datasets").iterdir()) == []  # no partial file left


class _Trickle(io.RawIOBase):
    """A server that answers, then sends one byte at a time, each after `delay` seconds."""

    def __init__(self, delay):
        self.delay = delay

    def read(self, size=-1):
        time.sleep(self.delay)
        return b"x"


def test_a_download_has_its_own_time_limits(monkeypatch, tmp_path):
    """Each download passes its own timeout to urlopen and stops after its total limit, leaving no
    partial file and the process-wide socket timeout as it was."""
    timeouts = []

    def urlopen(url, timeout):
        timeouts.append(timeout)
        return _Trickle(delay=0.05)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    before = socket.getdefaulttimeout()
    target = tmp_path / "cache" / "shakespeare.txt"
    with pytest.raises(TimeoutError, match="longer than 0.2 s"):
        data._download("https://example.org/x", str(target), timeout=7, limit=0.2)
    assert timeouts == [7] and socket.getdefaulttimeout() == before
    assert list(target.parent.iterdir()) == []
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "DOWNLOAD_LIMIT_S", 0.2)
    with pytest.raises(FileNotFoundError, match="could not be downloaded.*longer than 0.2 s"):
        utils.load_shakespeare()
    assert timeouts[-1] == data.DOWNLOAD_TIMEOUT_S


def test_mnist_falls_back_to_real_digits_when_not_downloadable(offline):
    (x_train, y_train), (x_test, y_test), source = utils.load_mnist(download=False)
    assert "scikit-learn" in source and "mnist.npz was not found" in source
    assert offline == []  # download=False: no network touched
    assert x_train.shape[1:] == (28, 28) and x_train.dtype == np.float32
    assert len(x_train) + len(x_test) == 1797 and len(x_test) == 359
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0 and x_train.max() > 0.9
    assert set(np.unique(y_train)) == set(range(10)) and y_test.dtype == np.int64


def test_mnist_offline_download_failure_also_falls_back(offline):
    *_, source = utils.load_mnist(download=True)
    assert offline == [data.MNIST_URL] and data.MNIST_URL in source


def test_mnist_from_course_data_dir(offline, tmp_path, monkeypatch):
    fake = tmp_path / "data" / "mnist.npz"
    images = np.full((3, 28, 28), 255, dtype=np.uint8)
    np.savez(
        fake,
        x_train=images,
        y_train=np.array([1, 2, 3], dtype=np.uint8),
        x_test=images[:1],
        y_test=np.array([7], dtype=np.uint8),
    )
    monkeypatch.setattr(data, "MNIST_SHA256", hashlib.sha256(fake.read_bytes()).hexdigest())
    (x_train, y_train), (x_test, y_test), source = utils.load_mnist()
    assert source == "MNIST" and x_train.shape == (3, 28, 28) and x_train.max() == 1.0
    assert y_test.tolist() == [7] and y_train.dtype == np.int64


def test_corrupt_mnist_is_an_error_not_a_silent_fallback(offline, tmp_path):
    (tmp_path / "data" / "mnist.npz").write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="mnist.npz .* corrupt.*sha256"):
        utils.load_mnist()


def test_a_bad_copy_in_course_data_dir_falls_through_to_a_good_cached_one(
    good_copies, offline, tmp_path
):
    truncated(good_copies / "shakespeare.txt", tmp_path, 1000).rename(
        tmp_path / "data" / "shakespeare.txt"
    )
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    shutil.copy(good_copies / "shakespeare.txt", cache)
    with pytest.warns(
        UserWarning, match=r"corrupt.*sha256.*good copy at .*keras.* is used instead"
    ):
        assert len(utils.load_shakespeare()) == 1_115_394
    assert offline == []


def test_a_folder_where_the_file_should_be_is_named_as_such(good_copies, offline, tmp_path):
    (tmp_path / "data" / "alice.txt").mkdir()
    with pytest.raises(ValueError, match=r"alice.txt at .* cannot be used: it is a folder"):
        utils.load_alice()
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    shutil.copy(good_copies / "alice.txt", cache)
    with pytest.warns(UserWarning, match="it is a folder, not a file.*is used instead"):
        assert "CHAPTER I." in utils.load_alice()


def test_an_unreadable_copy_is_named_as_such(good_copies, offline, tmp_path, monkeypatch):
    shutil.copy(good_copies / "alice.txt", tmp_path / "data")

    def no_permission(path, mode="r"):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(data, "open", no_permission, raising=False)
    with pytest.raises(ValueError, match="cannot be used: it cannot be read .Permission denied"):
        utils.load_alice()


def test_a_bad_cached_copy_is_replaced_by_a_good_download_only(
    good_copies, offline, tmp_path, monkeypatch
):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    bad = truncated(good_copies / "shakespeare.txt", tmp_path, 1000)
    shutil.copy(bad, cache / "shakespeare.txt")
    fake_download(monkeypatch, bad)  # the server sends a bad file too: the cached one stays
    with (
        pytest.raises(ValueError, match="download of shakespeare.txt .* corrupt.*not kept"),
        pytest.warns(UserWarning, match="Downloading a good copy to replace it"),
    ):
        utils.load_shakespeare()
    assert (cache / "shakespeare.txt").read_bytes() == bad.read_bytes()
    assert sorted(p.name for p in cache.iterdir()) == ["shakespeare.txt"]
    fake_download(monkeypatch, good_copies / "shakespeare.txt")
    with pytest.warns(UserWarning, match="corrupt"):
        assert len(utils.load_shakespeare()) == 1_115_394
    assert (cache / "shakespeare.txt").stat().st_size == 1_115_394


class _Cut(io.RawIOBase):
    """A server connection that sends `n` chunks of the file, then dies as a killed kernel would."""

    def __init__(self, source, n):
        self.data, self.n = source.read_bytes(), n

    def read(self, size=-1):
        if self.n == 0:
            raise KeyboardInterrupt
        self.n -= 1
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


def test_a_download_cut_off_midway_leaves_nothing_behind(
    good_copies, offline, tmp_path, monkeypatch
):
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout: _Cut(good_copies / "alice.txt", 2)
    )
    with pytest.raises(KeyboardInterrupt):
        utils.load_alice()
    assert list((tmp_path / "keras" / "datasets").iterdir()) == []


def test_old_leftovers_of_a_killed_download_are_removed(
    good_copies, offline, tmp_path, monkeypatch
):
    """A SIGKILL leaves the temporary file: it never hides the real one, and goes once it is old."""
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    old, live = cache / ".alice.txt.tmp-old.txt", cache / ".alice.txt.tmp-live.txt"
    old.write_text("half")
    live.write_text("another process is downloading")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    fake_download(monkeypatch, good_copies / "alice.txt")
    assert "CHAPTER I." in utils.load_alice()
    assert sorted(p.name for p in cache.iterdir()) == [live.name, "alice.txt"]


@pytest.fixture
def slow_server(good_copies):
    """A web server on this machine that sends the first 128 kB of alice.txt at once and the rest
    only once `release` is set: a download from it stays under way, as on a crawling network.
    Yields (its URL, release)."""
    body = (good_copies / "alice.txt").read_bytes()
    release = threading.Event()

    class Crawling(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: 1 << 17])
            self.wfile.flush()
            release.wait(timeout=120)
            with contextlib.suppress(OSError):  # the download was killed
                self.wfile.write(body[1 << 17 :])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Crawling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/pg11.txt", release
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def start_downloading_alice(url, tmp_path):
    """A new Python process that loads Alice from `url` into tmp_path's Keras cache."""
    script = "import sys; from utils import data; data.ALICE_URL = sys.argv[1]; data.load_alice()"
    env = {**os.environ, "COURSE_DATA_DIR": str(tmp_path / "data")}
    env.update(KERAS_HOME=str(tmp_path / "keras"), no_proxy="*", NO_PROXY="*")
    return subprocess.Popen(
        [sys.executable, "-c", script, url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def new_leftover(cache, process, known=()):
    """The temporary file that `process` is downloading into, once some bytes are in it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for leftover in files.leftovers(cache, "alice.txt"):
            if leftover not in known and leftover.stat().st_size > 0:
                return leftover
        assert process.poll() is None, f"the download ended early: {process.stderr.read()}"
        time.sleep(0.05)
    pytest.fail("no download started within 60 s")


def test_a_loader_removes_what_a_killed_download_left_but_never_a_live_download(
    good_copies, offline, tmp_path, slow_server
):
    """Two processes download Alice from a crawling server; one is killed (SIGKILL) mid-transfer.
    The next load, which finds a good copy in COURSE_DATA_DIR and downloads nothing, removes the
    killed one's temporary file and keeps the other's, whose download then ends well."""
    url, release = slow_server
    cache = tmp_path / "keras" / "datasets"
    killed = start_downloading_alice(url, tmp_path)
    live = None
    try:
        killed_file = new_leftover(cache, killed)
        live = start_downloading_alice(url, tmp_path)
        live_file = new_leftover(cache, live, known=[killed_file])
        os.kill(killed.pid, signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        assert killed_file.exists()  # what a killed download leaves behind: part of the file
        shutil.copy(good_copies / "alice.txt", tmp_path / "data")
        assert "CHAPTER I." in utils.load_alice()
        assert offline == []  # nothing downloaded in this process
        assert files.leftovers(cache) == [live_file]
        release.set()
        assert live.wait(timeout=60) == 0, live.stderr.read()
    finally:
        for process in (killed, live):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert sorted(p.name for p in cache.iterdir()) == ["alice.txt"]
    assert (cache / "alice.txt").read_bytes() == (good_copies / "alice.txt").read_bytes()


def test_a_leftover_of_another_machine_is_removed_only_once_it_is_old(
    good_copies, offline, tmp_path
):
    """Whether a process runs on another machine (the cache in a shared network home) cannot be
    asked: such a temporary file is kept until it is older than any download lasts."""
    shutil.copy(good_copies / "alice.txt", tmp_path / "data")
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    here, elsewhere = files._MACHINE, format(int(files._MACHINE, 16) ^ 1, "08x")
    ours = cache / f".alice.txt.tmp-{gone}-{here}-abcd1234.txt"
    theirs = cache / f".alice.txt.tmp-{gone}-{elsewhere}-abcd1234.txt"
    for leftover in (ours, theirs):
        leftover.write_text("half")
    utils.load_alice()
    assert files.leftovers(cache) == [theirs]
    os.utime(theirs, (time.time() - 3600, time.time() - 3600))
    utils.load_alice()
    assert files.leftovers(cache) == []


def test_alice_of_an_unknown_edition_is_used_with_a_warning(good_copies, offline, tmp_path):
    text = (good_copies / "alice.txt").read_text(encoding="utf-8-sig")
    changed = text.replace("Down the Rabbit-Hole", "Down the Rabbit-Hale", 1)
    (tmp_path / "data" / "alice.txt").write_text(changed, encoding="utf-8")
    with pytest.warns(UserWarning, match="edition of the book this course has not seen"):
        assert "Rabbit-Hale" in utils.load_alice()


def test_the_courses_alice_and_its_crlf_form_are_a_known_edition(good_copies, offline, tmp_path):
    text = (good_copies / "alice.txt").read_text(encoding="utf-8-sig")
    (tmp_path / "data" / "alice.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        utils.load_alice()


@pytest.mark.parametrize("cut", ["after END", "at 90%"])
def test_alice_cut_off_in_its_licence_is_refused(good_copies, offline, tmp_path, cut):
    data = (good_copies / "alice.txt").read_bytes()
    end = data.index(b"*** END OF THE PROJECT GUTENBERG EBOOK")
    keep = end + 100 if cut == "after END" else int(0.9 * len(data))
    assert keep > end  # 90% of the file is past the book: inside the licence
    (tmp_path / "data" / "alice.txt").write_bytes(data[:keep])
    with pytest.raises(ValueError, match="stops before the end of Project Gutenberg's licence"):
        utils.load_alice()


def test_alice_with_cr_line_ends_or_a_second_bom_loads_as_the_good_copy(
    good_copies, offline, tmp_path
):
    shutil.copy(good_copies / "alice.txt", tmp_path / "data")
    good = utils.load_alice()
    text = (good_copies / "alice.txt").read_text(encoding="utf-8-sig")
    for odd in (text.replace("\n", "\r"), "\ufeff\ufeff" + text):
        (tmp_path / "data" / "alice.txt").write_bytes(odd.encode("utf-8"))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the course's edition: no "edition not seen"
            assert utils.load_alice() == good
