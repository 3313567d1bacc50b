"""Append-only columns on disk, opened memory-mapped: what the derived stores are made of.

A column is a raw file of fixed-width rows (``np.memmap`` reads it without loading it); a string
column is a UTF-8 blob plus an offsets column; a hash index finds a string's row by a sorted column of
64-bit hashes. Opening costs a few system calls whatever the size: pages are read when touched.
Files are created owner-only (they hold document text).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

_BUFFER = 1 << 20


def create(path: Path) -> BinaryIO:
    """A new file, readable and writable by its owner only, whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return io.BufferedWriter(io.FileIO(descriptor, "wb"), buffer_size=_BUFFER)


class ColumnWriter:
    """Rows of ``dtype`` (and ``width`` values per row) appended to a raw file."""

    def __init__(self, path: Path, dtype: np.dtype | type, width: int = 0) -> None:
        self._file = create(path)
        self._dtype = np.dtype(dtype)
        self._width = width
        self.rows = 0

    def append(self, values: np.ndarray | Sequence[int] | Sequence[float]) -> None:
        array = np.ascontiguousarray(values, dtype=self._dtype)
        if self._width:
            array = array.reshape(-1, self._width)
        self._file.write(array.tobytes())
        self.rows += len(array)

    def close(self) -> None:
        self._file.close()


def open_column(path: Path, dtype: np.dtype | type, width: int = 0) -> np.ndarray:
    """A column written by ``ColumnWriter``, memory-mapped read-only."""
    dtype = np.dtype(dtype)
    row_bytes = dtype.itemsize * max(width, 1)
    size = path.stat().st_size
    if size % row_bytes:
        raise ValueError(f"{path.name} is not a whole number of rows")
    shape: tuple[int, ...] = (size // row_bytes, width) if width else (size // row_bytes,)
    if not size:
        return np.zeros(shape, dtype=dtype)
    # a plain ndarray over the map: indexing a ``np.memmap`` runs Python code on every access
    return np.memmap(path, dtype=dtype, mode="r", shape=shape).view(np.ndarray)


class StringsWriter:
    """Strings appended to ``name.bin``, with their end offsets in ``name.off``."""

    def __init__(self, folder: Path, name: str) -> None:
        self._blob = create(folder / f"{name}.bin")
        self._ends = ColumnWriter(folder / f"{name}.off", np.int64)
        self._size = 0

    def append(self, text: str) -> None:
        self.append_bytes(text.encode("utf-8", "surrogatepass"))

    def append_bytes(self, data: bytes) -> None:
        self._blob.write(data)
        self._size += len(data)
        self._ends.append([self._size])

    def append_block(self, data: bytes, ends: np.ndarray) -> None:
        """Rows given as one blob and each row's end within it (``ReadStrings.block``)."""
        self._blob.write(data)
        self._ends.append(np.asarray(ends, dtype=np.int64) + self._size)
        self._size += len(data)

    @property
    def rows(self) -> int:
        return self._ends.rows

    def close(self) -> None:
        self._blob.close()
        self._ends.close()


class Strings(Sequence[str]):
    """A string column, memory-mapped: ``strings[i]`` decodes one row."""

    def __init__(self, folder: Path, name: str) -> None:
        self._ends = open_column(folder / f"{name}.off", np.int64)
        path = folder / f"{name}.bin"
        self._blob: np.ndarray | bytes = (
            np.memmap(path, dtype=np.uint8, mode="r").view(np.ndarray) if path.stat().st_size else b""
        )

    def __len__(self) -> int:
        return len(self._ends)

    def raw(self, row: int) -> bytes:
        start = int(self._ends[row - 1]) if row else 0
        return bytes(self._blob[start : int(self._ends[row])])

    def __getitem__(self, row: int) -> str:  # type: ignore[override]
        if not -len(self) <= row < len(self):
            raise IndexError(row)
        return self.raw(row % len(self)).decode("utf-8", "surrogatepass")


def _pread(descriptor: int, size: int, offset: int) -> bytes:
    """``size`` bytes at ``offset`` (``os.pread`` may return fewer: read on until all are in)."""
    data = os.pread(descriptor, size, offset)
    if len(data) == size:
        return data
    parts = [data]
    while size > (done := sum(map(len, parts))):
        more = os.pread(descriptor, size - done, offset + done)
        if not more:
            raise OSError(f"{size - done} bytes short at {offset + done}: the file was truncated")
        parts.append(more)
    return b"".join(parts)


class ReadColumn:
    """A column (as ``ColumnWriter`` writes it) read with ``os.pread``, not mapped: for copying a
    range of rows into another column. Read pages stay in the OS's cache; touched through a map, each
    would count as this process's memory until the map goes (at 100k chunks an ingest that copies
    every unchanged row from the previous generation had 0.5 GB of file pages mapped)."""

    def __init__(self, path: Path, dtype: np.dtype | type, width: int = 0) -> None:
        self._file = path.open("rb", buffering=0)
        self._dtype = np.dtype(dtype)
        self._width = width
        self._row_bytes = self._dtype.itemsize * max(width, 1)

    def __len__(self) -> int:
        return os.fstat(self._file.fileno()).st_size // self._row_bytes

    @property
    def width(self) -> int:
        return self._width

    def rows(self, low: int, high: int) -> np.ndarray:
        """Rows ``low`` to ``high`` (excluded), in one read."""
        count = max(high - low, 0)
        data = _pread(self._file.fileno(), count * self._row_bytes, low * self._row_bytes) if count else b""
        array = np.frombuffer(data, dtype=self._dtype)
        return array.reshape(-1, self._width) if self._width else array

    def __getitem__(self, rows: slice) -> np.ndarray:
        """``column[low:high]``, as of an array (``rows``): one read."""
        low, high, step = rows.indices(len(self))
        if step != 1:
            raise ValueError("rows are read in one range")
        return self.rows(low, high)

    def close(self) -> None:
        self._file.close()


class ReadStrings:
    """A string column (as ``StringsWriter`` writes it) read with ``os.pread``, not mapped: for data of
    which a query reads a few rows here and there (each retrieved sentence's words). A map's fault
    brings in its neighbours too (fault-around, 64 KB), all counted as the process's memory: at 100k
    chunks that was 57 MiB more peak RSS over 20 questions; read, the pages stay in the OS's cache."""

    def __init__(self, folder: Path, name: str) -> None:
        self._ends = (folder / f"{name}.off").open("rb", buffering=0)
        self._blob = (folder / f"{name}.bin").open("rb", buffering=0)

    def block(self, low: int, high: int) -> tuple[bytes, np.ndarray]:
        """Rows ``low`` to ``high`` (excluded) as one blob, and each row's end within it: two reads
        whatever their number (``StringsWriter.append_block`` appends them)."""
        if high <= low:
            return b"", np.zeros(0, dtype=np.int64)
        before = min(low, 1)  # the end of the row before ``low`` is where ``low`` starts
        offsets = _pread(self._ends.fileno(), 8 * (high - low + before), 8 * (low - before))
        ends = np.frombuffer(offsets, dtype=np.int64)
        first = int(ends[0]) if before else 0
        ends = ends[before:] - first
        return _pread(self._blob.fileno(), int(ends[-1]), first), ends

    def raw_rows(self, low: int, high: int) -> list[bytes]:
        """Rows ``low`` to ``high`` (excluded), undecoded: two reads whatever their number."""
        data, ends = self.block(low, high)
        bounds = ends.tolist()
        return [data[start:end] for start, end in zip([0, *bounds], bounds, strict=False)]

    def rows(self, low: int, high: int) -> list[str]:
        return [row.decode("utf-8", "surrogatepass") for row in self.raw_rows(low, high)]

    def all_raw(self, block: int = 65_536) -> Iterator[bytes]:
        """Every row, undecoded, read ``block`` rows at a time."""
        rows = os.fstat(self._ends.fileno()).st_size // 8
        for low in range(0, rows, block):
            yield from self.raw_rows(low, min(low + block, rows))

    def close(self) -> None:
        self._ends.close()
        self._blob.close()


def string_hash(text: str | bytes) -> int:
    """A stable 64-bit hash (Python's own ``hash`` changes between processes)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def write_hash_index(folder: Path, name: str, strings: Iterable[str | bytes]) -> None:
    """``name.hash`` (sorted hashes) and ``name.rows`` (their rows), for ``HashIndex``."""
    hashes = np.fromiter((string_hash(s) for s in strings), dtype=np.uint64)
    order = np.argsort(hashes, kind="stable")
    for suffix, values, dtype in (("hash", hashes[order], np.uint64), ("rows", order, np.int64)):
        column = ColumnWriter(folder / f"{name}.{suffix}", dtype)
        column.append(values)
        column.close()


class HashIndex:
    """Row of a string in a ``Strings`` column, by binary search over its hashes (checked, so a
    collision cannot return another string's row)."""

    def __init__(self, folder: Path, name: str, strings: Strings) -> None:
        self._hashes = open_column(folder / f"{name}.hash", np.uint64)
        self._rows = open_column(folder / f"{name}.rows", np.int64)
        self._strings = strings

    def find(self, text: str) -> int | None:
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[int | None]:
        """``find`` of each text, with one binary search for all (a question looks up ~150 words)."""
        keys = np.fromiter((string_hash(t) for t in texts), dtype=np.uint64, count=len(texts))
        positions = np.searchsorted(self._hashes, keys).tolist()
        hashes, size = self._hashes, len(self._hashes)
        found: list[int | None] = []
        for text, key, first in zip(texts, keys.tolist(), positions, strict=True):
            data = text.encode("utf-8", "surrogatepass")
            row, at = None, first
            while at < size and int(hashes[at]) == key:
                if self._strings.raw(candidate := int(self._rows[at])) == data:
                    row = candidate
                    break
                at += 1
            found.append(row)
        return found
