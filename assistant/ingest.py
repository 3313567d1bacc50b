"""Stage 1: from files and folders to documents, and from documents to token-bounded chunks."""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO, TypeVar

from .errors import CorpusError
from .formats import CONTAINER_FACTOR, CONTAINERS, SUFFIXES, TextTooLarge, Unreadable, extract, supported
from .models import Chunk, Document, Section, SkippedFile
from .text import Span, sentence_spans

log = logging.getLogger(__name__)

UNSUPPORTED = f"not a supported file type ({', '.join(SUFFIXES)})"

# -- loading -------------------------------------------------------------------------------------


@dataclass
class Corpus:
    """The readable documents under some roots, and what was skipped and why."""

    roots: list[Path]
    documents: list[Document] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FileRef:
    """A file found under a root: its document id and what ``stat`` said before reading."""

    path: Path
    doc_id: str
    size: int
    mtime_ns: int


NOT_REGULAR = "not a regular file (a FIFO, socket or device): not read"
SYMLINK_LOOP = "symlink loop: not followed"


def scan(roots: Sequence[Path]) -> tuple[list[FileRef], list[SkippedFile]]:
    """Find candidate files without reading them: cheap enough to check freshness (every ``ask``
    does: one ``stat`` per file, through ``os.scandir``: 2,680 files in ~22 ms, 48 through ``os.walk``)."""
    found: dict[str, FileRef] = {}
    skipped: list[SkippedFile] = []
    for root in roots:
        if not root.exists():
            raise CorpusError(f"no such file or folder: {root}")
        base = root.resolve()
        for path, doc_id, entry in _walk(root, base, skipped):
            try:
                stat = entry.stat() if entry else path.stat()  # follows a symlink: what would be read
            except OSError as exc:
                reason = SYMLINK_LOOP if exc.errno == errno.ELOOP else f"unreadable ({exc.strerror})"
                skipped.append(SkippedFile(path=path, reason=reason))
                continue
            if not S_ISREG(stat.st_mode):  # a FIFO would block the reader forever, a device never end
                skipped.append(SkippedFile(path=path, reason=NOT_REGULAR))
                continue
            if doc_id in found:
                raise CorpusError(
                    f"two documents would have the id {doc_id!r}: {found[doc_id].path} and {path}; "
                    "give their common parent folder instead"
                )
            found[doc_id] = FileRef(path, doc_id, stat.st_size, stat.st_mtime_ns)
    return sorted(found.values(), key=lambda ref: ref.doc_id), skipped


def _walk(
    root: Path, base: Path, skipped: list[SkippedFile]
) -> Iterator[tuple[Path, str, os.DirEntry[str] | None]]:
    """Each supported file under ``root`` with its document id (its path from ``root``), folder by
    folder in name order; symlinked folders and hidden names are not walked."""
    if root.is_file():
        if supported(root):
            yield root, root.name, None
        else:
            skipped.append(SkippedFile(path=root, reason=UNSUPPORTED))
        return
    yield from _walk_folder(root, "", base, skipped)


def _walk_folder(
    folder: Path, prefix: str, base: Path, skipped: list[SkippedFile]
) -> Iterator[tuple[Path, str, os.DirEntry[str] | None]]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as error:
        reason = f"unreadable folder ({error.strerror})"
        skipped.append(SkippedFile(path=Path(error.filename or folder), reason=reason))
        return
    folders = [e for e in entries if _is_folder(e)]
    for entry in [e for e in folders if e.is_symlink()]:
        # Never walked (it could lead anywhere, or in a circle): say so rather than pass in silence.
        link = folder / entry.name
        inside = _inside(link, base)
        reason = "symlink to a folder, not followed" if inside else "symlink to outside the corpus"
        skipped.append(SkippedFile(path=link, reason=SYMLINK_LOOP if inside is None else reason))
    for entry in entries:
        if _is_folder(entry):
            continue
        path = folder / entry.name
        if not supported(path):
            skipped.append(SkippedFile(path=path, reason=UNSUPPORTED))
            continue
        if entry.is_symlink() and not (inside := _inside(path, base)):
            reason = SYMLINK_LOOP if inside is None else "symlink to outside the corpus"
            skipped.append(SkippedFile(path=path, reason=reason))
            continue
        yield path, prefix + entry.name, entry
    for entry in folders:
        if not entry.is_symlink():
            yield from _walk_folder(folder / entry.name, f"{prefix}{entry.name}/", base, skipped)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """A folder, or a symlink to one (as ``os.walk`` counts them); an entry that vanished is not."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _inside(link: Path, base: Path) -> bool | None:
    """Whether a symlink leads inside ``base`` (a dangling one counts where it points); None when it
    leads round in a circle."""
    try:
        return link.resolve().is_relative_to(base)
    except RuntimeError:  # "Symlink loop" (Python < 3.13; later ones leave it to stat: ELOOP)
        return None


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file; anything else (swapped in for a FIFO since the scan) is refused
    without blocking."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as file:
        if not S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OSError(0, NOT_REGULAR)
        return file.read()


def read_document(ref: FileRef, max_bytes: int | None, read_noindex: bool = False) -> Document | SkippedFile:
    """Read one file and extract its text, or say why it cannot be a document.

    ``max_bytes`` bounds the text; a PDF, web page or Word file may itself be larger (images,
    markup), up to ``CONTAINER_FACTOR`` times. None: no limit. ``read_noindex``: as ``extract``.
    """
    container = ref.path.suffix.lower() in CONTAINERS
    if max_bytes is not None and ref.size > max_bytes * (CONTAINER_FACTOR if container else 1):
        allowed = f"{CONTAINER_FACTOR} × " if container else ""
        return SkippedFile(
            path=ref.path,
            reason=f"too large: {ref.size / 1e6:.3g} MB, over {allowed}ASSISTANT_MAX_FILE_MB="
            f"{max_bytes / 1e6:g} (raise it to index this file)",
        )
    try:
        data = _read_regular(ref.path)
    except OSError as exc:
        return SkippedFile(path=ref.path, reason=f"unreadable ({exc.strerror or exc})")
    try:
        extracted = extract(ref.path, data, max_bytes, read_noindex)
    except TextTooLarge as exc:
        return SkippedFile(
            path=ref.path,
            reason=f"too large: {exc}, over ASSISTANT_MAX_FILE_MB={exc.limit / 1e6:g} "
            "(raise it to index this file)",
        )
    except Unreadable as exc:
        return SkippedFile(path=ref.path, reason=str(exc))
    if extracted.note:  # read, but not as its format says: each time it is read (added or changed)
        log.warning("%s: %s", "".join(c if c.isprintable() else "?" for c in str(ref.path)), extracted.note)
    return Document(
        id=ref.doc_id,
        title=extracted.title or _title(ref.path, extracted.text),
        text=extracted.text,
        path=ref.path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime_ns=ref.mtime_ns,
        sections=extracted.sections,
    )


def _title(path: Path, text: str) -> str:
    """The heading-like first lines of a text file, or the file name."""
    lines = []
    for raw in text.strip().splitlines()[:2]:
        line = raw.strip()
        if not line or len(line) > 80 or line[-1] in ".!?:;,":
            break
        lines.append(line)
    return " — ".join(lines) or path.stem.replace("-", " ").replace("_", " ").strip() or path.name


def load_corpus(roots: Sequence[Path], max_bytes: int | None, read_noindex: bool = False) -> Corpus:
    """Every readable document under ``roots``, each read whole; duplicates of an earlier document
    are skipped."""
    refs, skipped = scan(roots)
    corpus = Corpus(roots=list(roots), skipped=skipped)
    by_hash: dict[str, str] = {}
    for ref in refs:
        document = _accept(read_document(ref, max_bytes, read_noindex), ref, corpus, by_hash)
        if document is not None:
            corpus.documents.append(document)
    return corpus


def admit(
    ref: FileRef, max_bytes: int | None, corpus: Corpus, by_hash: dict[str, str], read_noindex: bool = False
) -> Document | LargeDocument | None:
    """Read one file as a document of ``corpus`` (a large plain-text one in windows, never whole), or
    record why not (skipped, a duplicate of a document in ``by_hash``, or changed while it was read)."""
    if ref.size > LARGE_BYTES and ref.path.suffix.lower() in LARGE_SUFFIXES:
        return _accept(read_large(ref, max_bytes), ref, corpus, by_hash)
    return _accept(read_document(ref, max_bytes, read_noindex), ref, corpus, by_hash)


_Read = TypeVar("_Read", bound="Document | LargeDocument")


def _accept(
    result: _Read | SkippedFile, ref: FileRef, corpus: Corpus, by_hash: dict[str, str]
) -> _Read | None:
    """A document read, unless skipped or a duplicate; ``by_hash`` learns its content hash."""
    if isinstance(result, SkippedFile):
        corpus.skipped.append(result)
        return None
    if result.sha256 in by_hash:
        corpus.skipped.append(SkippedFile(path=ref.path, reason=f"same content as {by_hash[result.sha256]}"))
        return None
    try:
        now = ref.path.stat()
        if (now.st_size, now.st_mtime_ns) != (ref.size, ref.mtime_ns):
            corpus.warnings.append(
                f"{ref.path} changed while it was read: indexed the version read; "
                "ingest again to pick up the change"
            )
    except OSError:
        corpus.warnings.append(f"{ref.path} disappeared while it was read")
    by_hash[result.sha256] = result.id
    return result


# -- large plain-text files ----------------------------------------------------------------------

LARGE_BYTES = 4_000_000  # larger plain-text files are never held whole: read in windows
WINDOW_BYTES = 4_000_000  # a window ends at the last line break within this many bytes
LARGE_SUFFIXES = (".txt", "")  # UTF-8 text without sections; other formats are read whole
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class LargeDocument:
    """A plain-text file too large to hold as one string: what a ``Document`` says of it but the
    text, and where each window of its text starts (byte and character offsets; windows end at line
    breaks, which always end a sentence). ``windows()`` reads them again, one at a time."""

    id: str
    title: str
    path: Path
    sha256: str
    size: int
    mtime_ns: int
    starts: tuple[tuple[int, int], ...]
    sections: tuple[Section, ...] = ()  # plain text has none

    def windows(self) -> Iterator[tuple[int, str]]:
        """(character offset, text) of each window, in order."""
        ends = [byte for byte, _ in self.starts[1:]] + [self.size]
        with _open_regular(self.path) as file:
            for (byte, char), end in zip(self.starts, ends, strict=True):
                file.seek(byte)
                yield char, file.read(end - byte).decode("utf-8")


def read_large(ref: FileRef, max_bytes: int | None) -> LargeDocument | Document | SkippedFile:
    """Check, hash and cut a large UTF-8 text file into windows without keeping its text (a UTF-16
    file, with its byte-order mark, is read whole like any other)."""
    if max_bytes is not None and ref.size > max_bytes:
        return SkippedFile(
            path=ref.path,
            reason=f"too large: {ref.size / 1e6:.3g} MB, over ASSISTANT_MAX_FILE_MB={max_bytes / 1e6:g} "
            "(raise it to index this file)",
        )
    digest = hashlib.sha256()
    starts: list[tuple[int, int]] = []
    head, chars, position, blank, carry, first = "", 0, 0, True, b"", True
    try:
        with _open_regular(ref.path) as file:
            while True:
                block = file.read(WINDOW_BYTES)
                digest.update(block)
                if first:
                    if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                        return read_document(ref, max_bytes)
                    if b"\x00" in block[:_SNIFF_BYTES]:
                        return SkippedFile(path=ref.path, reason="binary, not text")
                    position = 3 if block.startswith(codecs.BOM_UTF8) else 0  # the text starts after it
                    block, first = block[position:], False
                data = carry + block
                cut = len(data) if not block else data.rfind(b"\n") + 1 or _char_boundary(data)
                text = data[:cut].decode("utf-8")
                if "\x00" in text:
                    return SkippedFile(path=ref.path, reason="binary, not text")
                if text:
                    starts.append((position, chars))
                head = head or text[:65536]
                blank = blank and not text.strip()
                chars, position, carry = chars + len(text), position + cut, data[cut:]
                if not block:
                    break
    except OSError as exc:
        return SkippedFile(path=ref.path, reason=f"unreadable ({exc.strerror or exc})")
    except UnicodeDecodeError as exc:
        return SkippedFile(path=ref.path, reason=f"not UTF-8 (byte {position + exc.start})")
    if blank:
        return SkippedFile(path=ref.path, reason="empty")
    return LargeDocument(
        id=ref.doc_id, title=_title(ref.path, head), path=ref.path, sha256=digest.hexdigest(),
        size=position, mtime_ns=ref.mtime_ns, starts=tuple(starts),
    )  # fmt: skip


def _open_regular(path: Path) -> BinaryIO:
    """A regular file opened for reading without blocking (a FIFO swapped in is refused)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    file = os.fdopen(descriptor, "rb")
    if not S_ISREG(os.fstat(file.fileno()).st_mode):
        file.close()
        raise OSError(0, NOT_REGULAR)
    return file


def _char_boundary(data: bytes) -> int:
    """A cut that does not split a UTF-8 character (a window with no line break at all)."""
    cut = len(data)
    while cut > 0 and data[cut - 1] & 0xC0 == 0x80:
        cut -= 1
    return cut - 1 if cut and data[cut - 1] >= 0xC0 else cut


# -- chunking ------------------------------------------------------------------------------------

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class Limit:
    """A ceiling on a chunk's length as one tokenizer counts it."""

    name: str
    count: TokenCounter
    maximum: int


@dataclass(frozen=True)
class Chunker:
    """Cuts documents at sentence boundaries into chunks that every limit admits.

    The first limit is the chunk size in tiktoken tokens (reported as ``Chunk.tokens``, and the unit
    of ``overlap``); the others bound what a reader can take (the embedder's 256 word pieces).
    Consecutive chunks share up to ``overlap`` tokens of whole sentences.
    """

    limits: tuple[Limit, ...]
    overlap: int

    @property
    def signature(self) -> str:
        """Changes whenever the same text would be cut differently."""
        ceilings = ",".join(f"{limit.name}={limit.maximum}" for limit in self.limits)
        return f"{ceilings};overlap={self.overlap}"

    def measure(self, texts: list[str]) -> list[tuple[int, ...]]:
        per_limit = [limit.count(texts) for limit in self.limits]
        return list(zip(*per_limit, strict=True)) if texts else []

    def admits(self, counts: Sequence[int]) -> bool:
        return all(c <= limit.maximum for c, limit in zip(counts, self.limits, strict=True))

    def chunk(self, doc: Document, id_prefix: str) -> list[Chunk]:
        return self.chunk_text(doc.text, doc.id, id_prefix)

    def chunk_text(
        self, text: str, doc_id: str, id_prefix: str, offset: int = 0, first_index: int = 0
    ) -> list[Chunk]:
        """Chunks of ``text``: a whole document, or a window of one too large to hold, which starts
        at character ``offset`` of the document and whose first chunk is number ``first_index``."""
        units = self._units(text)
        sizes = self.measure([text[u.start : u.end] for u in units])
        chunks: list[Chunk] = []
        first = 0
        while first < len(units):
            last, total = first, sizes[first]
            while last + 1 < len(units):
                grown = tuple(a + b for a, b in zip(total, sizes[last + 1], strict=True))
                if not self.admits(grown):
                    break
                last, total = last + 1, grown
            # The sum of the parts can undercount the joined text by a token: check the real thing.
            exact = self.measure([text[units[first].start : units[last].end]])[0]
            while last > first and not self.admits(exact):
                last -= 1
                exact = self.measure([text[units[first].start : units[last].end]])[0]
            start, end = units[first].start, units[last].end
            index = first_index + len(chunks)
            chunks.append(
                Chunk(
                    id=f"{id_prefix}::{index}",
                    doc_id=doc_id,
                    index=index,
                    text=text[start:end],
                    start=offset + start,
                    end=offset + end,
                    tokens=exact[0],
                )
            )
            if last + 1 == len(units):
                break
            first = self._next_first(first, last, sizes)
        return chunks

    def _next_first(self, first: int, last: int, sizes: list[tuple[int, ...]]) -> int:
        """The next chunk starts with as many whole units of this one as ``overlap`` allows."""
        start, used = last + 1, 0
        while start - 1 > first and used + sizes[start - 1][0] <= self.overlap:
            start -= 1
            used += sizes[start][0]
        return start

    def _units(self, text: str) -> list[Span]:
        """Sentences; a sentence that alone exceeds a limit is cut at word boundaries."""
        sentences = sentence_spans(text)
        units: list[Span] = []
        for span, size in zip(
            sentences, self.measure([text[s.start : s.end] for s in sentences]), strict=True
        ):
            units.extend([span] if self.admits(size) else self._cut(text, span))
        return units

    def _cut(self, text: str, span: Span) -> list[Span]:
        """Pack words greedily; a single word longer than a limit is cut by characters."""
        words = [
            Span(span.start + m.start(), span.start + m.end())
            for m in re.finditer(r"\S+", text[span.start : span.end])
        ]
        pieces: list[Span] = []
        i = 0
        while i < len(words):

            def run_of(n: int, first: int = i) -> Span:  # the first n words from ``first`` on
                return Span(words[first].start, words[first + n - 1].end)

            n = self._longest(run_of, len(words) - i, text)
            if n:
                pieces.append(run_of(n))
                i += n
                continue
            # The word alone exceeds a limit: cut all of it now, so that its rest is never measured
            # again whole (a 2 MB line without a space would be, once per piece).
            start, end = words[i].start, words[i].end
            while start < end:

                def prefix_of(n: int, start: int = start) -> Span:  # n characters of the word on
                    return Span(start, start + n)

                n = max(1, self._longest(prefix_of, end - start, text))
                pieces.append(prefix_of(n))
                start += n
            i += 1
        return pieces

    def _longest(self, span_of: Callable[[int], Span], available: int, text: str) -> int:
        """The largest n <= available whose span every limit admits (counts grow with n).

        Galloping up from n = 1, then halving: the cost follows the size of the piece taken, not of
        the text left, which a search over all of ``available`` would measure at every step (a 2 MB
        line without a space, cut piece by piece, took hours that way)."""

        def fits(n: int) -> bool:
            span = span_of(n)
            return self.admits(self.measure([text[span.start : span.end]])[0])

        low, high = 0, 1  # low is admitted; high, once it exceeds low, is not
        while True:
            if high >= available:
                if fits(available):
                    return available
                high = available
                break
            if not fits(high):
                break
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if fits(middle):
                low = middle
            else:
                high = middle
        return low
