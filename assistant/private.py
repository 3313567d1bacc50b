"""Owner-only files and folders: the index holds the documents' text, so no other local user may read
it, whatever the umask (0700 folders, 0600 files).

Chroma creates its own files (the SQLite database, the vector segments), some from native threads, so
their modes are set twice over: the process umask is narrowed while Chroma may create them, and the
tree is tightened afterwards.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class _Umask:
    """The process's narrowing of its umask: how many holders, and the umask to give back."""

    lock = threading.Lock()
    holders = 0
    saved = 0


@contextmanager
def owner_only_umask() -> Iterator[None]:
    """Files and folders created meanwhile, by any thread of this process, are owner-only.

    The umask belongs to the whole process: nested and concurrent uses share one narrowing, and the
    user's umask comes back when the last one ends.
    """
    with _Umask.lock:
        if _Umask.holders == 0:
            _Umask.saved = os.umask(0o077)
        _Umask.holders += 1
    try:
        yield
    finally:
        with _Umask.lock:
            _Umask.holders -= 1
            if _Umask.holders == 0:
                os.umask(_Umask.saved)


def private_dir(path: Path) -> Path:
    """``path`` created if needed (with its parents) and made 0700; a folder this user does not own
    is left as it is (it is not ours to change)."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    with suppress(PermissionError):
        os.chmod(path, FOLDER_MODE)  # mkdir's mode is trimmed by the umask; an older folder may be wider
    return path


def tighten(root: Path) -> None:
    """Every folder under ``root`` (itself included) 0700, every file 0600; symlinks are not followed."""
    for folder, dirs, files in os.walk(root):
        with suppress(OSError):
            os.chmod(folder, FOLDER_MODE)
        for name in files:
            path = os.path.join(folder, name)
            with suppress(OSError):
                if not os.path.islink(path):
                    os.chmod(path, FILE_MODE)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a reader sees the old or the new file, never half),
    durably, and owner-only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # the umask may have trimmed it; never wider than 0600 either way
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
