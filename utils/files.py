"""Files written whole or not at all, so that a kill at any moment never leaves a cut-off file."""

import contextlib
import os
import pathlib
import tempfile

# Every temporary file that `replacing` makes is named `.<name>.tmp-<random><suffixes>`, so a
# leftover of a killed process is easy to recognise and never mistaken for the real file.
TEMPORARY_MARK = ".tmp-"


@contextlib.contextmanager
def replacing(path):
    """Write `path` whole or not at all: `with replacing(path) as temporary: save(temporary)`.

    The body writes to `temporary`, a new file in the same folder with the same suffixes as `path`
    (`.weights.h5`, `.keras`, `.json`: Keras checks them). Only when the body ends without an
    error is the file flushed to disk and moved onto `path` with `os.replace`, which is atomic: at
    any moment `path` is either the old file or the new one, never a part. On an error the
    temporary file is removed and `path` is left as it was.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}{TEMPORARY_MARK}", suffix=suffix, dir=path.parent
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
    """Write `text` (UTF-8) to `path` whole or not at all (see `replacing`)."""
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
    """The temporary files that a killed `replacing` left in `folder`, for the files named by the
    pattern `of` (every file by default; `of="best.keras"` only for that one)."""
    folder = pathlib.Path(folder)
    return sorted(folder.glob(f".{of}{TEMPORARY_MARK}*")) if folder.is_dir() else []


def _umask():
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask
