"""Files written whole or not at all, so that a kill at any moment never leaves a cut-off file."""

import contextlib
import hashlib
import os
import pathlib
import re
import socket
import tempfile

# Every temporary file that `replacing` makes is named
# `.<name>.tmp-<pid>-<machine>-<random><suffixes>`, with the id of the process that writes it and 8
# hex digits of its machine's host name. So a leftover of a killed process is easy to recognise,
# never mistaken for the real file, and known to be abandoned once its process is gone. (The
# machine, because a folder in a network home is shared by machines whose processes differ.)
TEMPORARY_MARK = ".tmp-"
_MACHINE = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_WRITER = re.compile(rf"{re.escape(TEMPORARY_MARK)}(\d{{1,9}})-([0-9a-f]{{8}})-")


@contextlib.contextmanager
def replacing(path):
    """Write `path` whole or not at all: `with replacing(path) as temporary: save(temporary)`.

    The body writes to `temporary`, a new file in the same folder with the same suffixes as `path`
    (`.weights.h5`, `.keras`, `.json`: Keras checks them). Only when the body ends without an
    error is the file flushed to disk and moved onto `path` with `os.replace`, which is atomic: at
    any moment `path` is either the old file or the new one, never a part. On an error the
    temporary file is removed and `path` is left as it was.

    Not taught: used by `utils.train`'s checkpoints, `write_text`, `utils.data`'s downloads and
    `tools/gradescope.py`. (Lab 11-2c's exercise on an atomic save writes the same idea by hand.)
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}{TEMPORARY_MARK}{os.getpid()}-{_MACHINE}-",
        suffix=suffix,
        dir=path.parent,
    )
    os.close(handle)
    try:
        # mkstemp makes the file private (0600): give it the old file's mode, or the usual one,
        # always readable and writable by its owner (an unreadable old file is repaired)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode | 0o600)
        yield temporary
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())  # on disk before the rename, so a power cut cannot cut it
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)


def write_text(path, text):
    """Write `text` (UTF-8) to `path` whole or not at all (see `replacing`).

    Lab 11-2c, "Your callback and your save, on the resumed model", where it stands in for your
    `save_text`; 11-2c, "Exercise: an atomic save" teaches how it works.
    """
    if not isinstance(path, (str, os.PathLike)) or not isinstance(text, str):
        raise TypeError(
            f"write_text(path, text) takes a path and a string, got {type(path).__name__} and "
            f"{type(text).__name__}."
        )
    if os.path.isdir(path):
        raise ValueError(f"{path} is a folder: give the path of a file to write.")
    with replacing(path) as temporary, open(temporary, "w", encoding="utf-8", newline="") as file:
        file.write(text)


def leftovers(folder, of="*"):
    """The temporary files of `replacing` in `folder`, for the files named by the pattern `of`
    (every file by default; `of="best.keras"` only for that one): those a killed process left, and
    those a live one is writing (see `abandoned`).

    Not taught: used by `utils.train.RunCheckpoints` to tidy its folders and by `utils.data`'s
    loaders.
    """
    folder = pathlib.Path(folder)
    return sorted(folder.glob(f".{of}{TEMPORARY_MARK}*")) if folder.is_dir() else []


def abandoned(temporary):
    """True when the process that wrote the temporary file `temporary` (see `replacing`) is gone:
    it ran on this machine and no process has its id now. False while the writer may still run,
    and for a file of another machine or one named without a process id: only its age tells.

    Not taught: used by `utils.data`'s loaders to remove what a killed download left.
    """
    writer = _WRITER.search(pathlib.Path(temporary).name)
    if writer is None or writer[2] != _MACHINE:
        return False
    return running(int(writer[1])) is False


def running(pid):
    """True when a process `pid` runs on this machine (another user's counts too), False when none
    does, None where that cannot be told (on Windows, `os.kill(pid, 0)` would send a Ctrl+C).

    Not taught: used by `abandoned` and by `utils.train.RunCheckpoints`' lock.
    """
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    if os.name != "posix":
        return None
    try:
        os.kill(pid, 0)  # signal 0 sends nothing: it asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and is another user's
        return True
    return True


def _umask():
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask
