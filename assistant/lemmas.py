"""simplemma's dictionaries, decoded once and kept, so that a new process's first lemma costs a quarter of
the CPU.

simplemma ships each language's dictionary front-coded and lzma-compressed, and the first lemma of a
process decodes the whole of it in Python: 181,612 English entries, ~160 ms of CPU on every cold
``assistant ask`` (measured at load 6). The decoded dictionary (bytes to bytes) is kept in the user's
cache folder as ``marshal`` data, which holds values only (nothing in it is ever run), and read back in
~40 ms. The file is keyed by Python's and simplemma's versions and by the packaged file's size and
time; one that cannot be read is decoded again, a cache that cannot be written is passed over. Every user
of simplemma's default dictionaries in the process (``lemmatize``, ``is_known``) gets the same entries.

Lemmas found at ingest: the derived data keeps each stored sentence's words and their dictionary
forms, and whether a passage's sentences are all evidence (``derived.py``); answering hands them over
(``remember``, ``remember_passage``) before the reader looks at a sentence, so ``text.normalize``,
``text.forms``, ``text.negated_words``, the reader's word sets and sentence splits look them up
instead of splitting and lemmatising text this process has not seen: the values are those the same
functions gave at ingest (a change to them bumps ``unchanged.INDEX_FORMAT``).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import platformdirs
import simplemma
from simplemma.strategies.dictionaries import dictionary_factory

from .private import private_dir

log = logging.getLogger(__name__)

_decode: Callable[[str], dict[bytes, bytes]] = dictionary_factory._load_dictionary_from_disk


def kept_file(lang: str) -> Path:
    """Where the decoded dictionary of ``lang`` is kept for this Python and simplemma."""
    packaged = dictionary_factory.DATA_FOLDER / f"{lang}.plzma"
    stat = packaged.stat()
    key = "\x1f".join([str(packaged.resolve()), str(stat.st_size), str(stat.st_mtime_ns),
                       simplemma.__version__, sys.version])  # fmt: skip
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return platformdirs.user_cache_path("assistant") / "lemmas" / f"{lang}-{digest}.marshal"


def kept_dictionary(langcode: str) -> dict[bytes, bytes]:
    """simplemma's dictionary of ``langcode``: from the kept copy when there is one, else decoded and
    kept (the name of the parameter is simplemma's)."""
    try:
        path = kept_file(langcode)
    except OSError:  # not a packaged language: simplemma says so
        return _decode(langcode)
    with suppress(OSError, ValueError, EOFError, TypeError):
        kept = marshal.loads(path.read_bytes())
        if isinstance(kept, dict):
            return kept
        log.info("the kept dictionary %s is not one: decoding it again", path)
    decoded = _decode(langcode)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        private_dir(path.parent)
        temporary.write_bytes(marshal.dumps(decoded))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)  # whole or not at all, also with two processes at once
    except OSError as exc:
        log.info("the decoded dictionary could not be kept in %s (%s)", path.parent, exc)
        with suppress(OSError):
            temporary.unlink()
    return decoded


def keep_dictionaries() -> None:
    """Make simplemma's default dictionaries load through ``kept_dictionary`` (before any lemma)."""
    dictionary_factory._load_dictionary_from_disk = kept_dictionary


KEPT_WORDS = 65_536  # lemmas handed over and kept (as many as ``text.normalize`` caches itself)
KEPT_TEXTS = 8_192  # sentences (and passages) whose analyses are kept (as many as ``text.forms`` caches)
_lemmas: dict[str, str] = {}
_sentences: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_passages: dict[str, tuple[tuple[int, int], ...]] = {}


def remember(text: str, words: tuple[str, ...], forms: tuple[str, ...]) -> None:
    """What ingest found for the sentence ``text``: its words, lower-case (``word.lower()`` of each of
    ``text.words``), and each one's ``text.normalize``, in order (``forms`` is ``text.forms(text)``).
    A table that is full is emptied (a miss only costs the computation it saves): memory stays bounded
    however many questions come."""
    if len(_sentences) >= KEPT_TEXTS:
        _sentences.clear()
    _sentences[text] = (words, forms)
    if len(_lemmas) >= KEPT_WORDS:
        _lemmas.clear()
    keys = [w.replace("’", "'") for w in words] if "’" in text else words  # as ``text.normalize`` looks up
    _lemmas.update(zip(keys, forms, strict=True))


def remember_passage(text: str, spans: tuple[tuple[int, int], ...]) -> None:
    """``text.sentence_spans`` of a stored passage, as ingest found them."""
    if len(_passages) >= KEPT_TEXTS:
        _passages.clear()
    _passages[text] = spans


def known_lemma(word: str) -> str | None:
    """``text.normalize`` of ``word`` (lower-case, ’ as ') if a remembered sentence had it."""
    return _lemmas.get(word)


def known_forms(text: str) -> tuple[str, ...] | None:
    """``text.forms`` of ``text`` if it is a remembered sentence."""
    known = _sentences.get(text)
    return None if known is None else known[1]


def known_words(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A remembered sentence's lower-case words and their forms (as ``remember`` took them)."""
    return _sentences.get(text)


def known_sentences(text: str) -> tuple[tuple[int, int], ...] | None:
    """``text.sentence_spans`` of a remembered passage, as (start, end) pairs."""
    return _passages.get(text)


def is_stored_sentence(text: str) -> bool:
    """``text`` is a remembered sentence: one ingest kept as evidence, so ``text.is_instruction`` said
    no to it (``text.evidence_sentences`` leaves out every sentence of a block that addresses an AI)."""
    return text in _sentences
