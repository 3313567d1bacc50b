"""The 100,000-chunk index: a real-text index embedded once, then replicated with perturbations.

Embedding 100,000 chunks takes hours on 2 cores, so the large index is grown from the ~10,000-chunk
real-text index of the same run. Its corpus is copied ``copies - 1`` more times with words substituted:
each copy swaps the corpus's most frequent content words for made-up words that both tokenizers
(tiktoken's and the embedder's) count exactly as the originals, so every copy is chunked exactly like
the original. Each copied chunk's vector and sentence vectors are the original's plus Gaussian noise
(cosine about 0.9 to the original; copy 0 keeps the original vectors). The copies go through the
real ingest (reading, chunking, Chroma, derived data): only the model is replaced, by a lookup. The
result is cached (``~/.cache/assistant-bench``), keyed by the base corpus and the index formats.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.derived import FORMAT as DERIVED_FORMAT
from assistant.embeddings import MiniLMEmbedder
from assistant.index import INDEX_FORMAT
from assistant.settings import load_settings
from assistant.text import STOPWORDS
from assistant.tokens import encoding

from . import baseline

CACHE = Path.home() / ".cache" / "assistant-bench"
WORDS = 300  # the most frequent content words, substituted in each copy
SIGMA = 0.5  # noise norm relative to a unit vector: cosine ≈ 1 / sqrt(1 + SIGMA²) ≈ 0.89
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
_WORD = re.compile(r"\b[a-z]{4,}\b")


def cache_key(base_corpus: Path, copies: int) -> str:
    """Changes with the base corpus's files, the number of copies and the index formats."""
    digest = hashlib.sha256(f"{copies}|{SIGMA}|{WORDS}|{INDEX_FORMAT}|{DERIVED_FORMAT}".encode())
    for path in sorted(base_corpus.rglob("*.txt")):
        digest.update(f"{path.relative_to(base_corpus)}|{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


class Substitutions:
    """Per copy, a word → made-up word table that keeps every token count; and the way back."""

    def __init__(self, texts: Sequence[str], copies: int, seed: int = 7) -> None:
        counts = Counter(w for text in texts for w in _WORD.findall(text) if w not in STOPWORDS)
        vocabulary = {w.lower() for text in texts for w in re.findall(r"[A-Za-z]+", text)}
        rng = random.Random(seed)
        tiktoken = encoding("cl100k_base")
        pieces = MiniLMEmbedder.shared()

        def shape(word: str) -> tuple[int, ...]:
            forms = (word, f" {word}", word.capitalize(), f" {word.capitalize()}")
            return (*(len(tiktoken.encode_ordinary(f)) for f in forms), *pieces.count_tokens([word]))

        self.tables: list[dict[str, str]] = [{} for _ in range(copies)]
        used = set(vocabulary)
        for word, _ in counts.most_common(WORDS):
            wanted = shape(word)
            for copy in range(1, copies):
                for _ in range(2000):
                    made = "".join(rng.choice(_SYLLABLES) for _ in range(max(2, len(word) // 2)))
                    if made not in used and shape(made) == wanted:
                        self.tables[copy][word] = made
                        used.add(made)
                        break
        back = {made: word for table in self.tables for word, made in table.items()}
        self._back = {**back, **{m.capitalize(): w.capitalize() for m, w in back.items()}}
        self._undo = re.compile(r"\b(?:" + "|".join(map(re.escape, self._back)) + r")\b") if back else None

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

        return re.sub(r"\b[A-Za-z]{4,}\b", swap, text)

    def undo(self, text: str) -> str:
        return self._undo.sub(lambda m: self._back[m.group()], text) if self._undo else text


class ReplicaEmbedder(MiniLMEmbedder):
    """The model replaced by a lookup: a copied chunk gets its original's vectors plus noise."""

    def __init__(self, base: dict[str, tuple[np.ndarray, np.ndarray]], substitutions: Substitutions) -> None:
        super().__init__()
        self._base = base
        self._substitutions = substitutions

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        vectors, sentences = [], []
        for text, text_spans in zip(texts, spans, strict=True):
            found = self._base.get(self._substitutions.undo(text))
            if found is None or len(found[1]) != len(text_spans):  # not a copy: embed it for real
                vector, sentence = (part[0] for part in super().embed_passages([text], [text_spans]))
            else:
                vector, sentence = found
                if self._substitutions.undo(text) != text:
                    rng = np.random.default_rng(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16))
                    vector, sentence = _noisy(vector[None], rng)[0], _noisy(sentence, rng)
            vectors.append(vector)
            sentences.append(sentence)
        return np.stack(vectors).astype(np.float32), sentences


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(vectors.shape).astype(np.float32) * SIGMA / np.sqrt(vectors.shape[1])
    moved = vectors + noise
    return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)


def base_vectors(assistant: Assistant) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Chunk text → (its vector, its sentences' vectors), from an index built by the real model."""
    store = assistant.index.store()
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for page in assistant.index.pages(["documents", "embeddings"]):
        for chunk_id, text, vector in zip(
            page["ids"], page["documents"] or [], page["embeddings"], strict=True
        ):
            row = store.row(chunk_id)
            sentences = store.sentences(row)[1] if row is not None else None
            if sentences is not None:
                found[text] = (np.asarray(vector, dtype=np.float32), sentences)
    return found


def build(base: Assistant, base_corpus: Path, copies: int, folder: Path) -> tuple[Path, Path, Path]:
    """The replicated corpus, its project index and its baseline collection under ``folder`` (made
    once; a finished build is marked by ``done``)."""
    corpus, index, plain = folder / "corpus", folder / "index", folder / "baseline"
    if (folder / "done").exists():
        return corpus, index, plain
    shutil.rmtree(folder, ignore_errors=True)
    files = sorted(base_corpus.rglob("*.txt"))
    substitutions = Substitutions([p.read_text(encoding="utf-8") for p in files], copies)
    for copy in range(copies):
        for path in files:
            target = corpus / f"copy-{copy:02d}" / path.relative_to(base_corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(substitutions.apply(path.read_text(encoding="utf-8"), copy), encoding="utf-8")
    replicated = Assistant(load_settings(index_dir=index, corpus=[corpus], backend="offline", _env_file=None))
    replicated._embedder = ReplicaEmbedder(base_vectors(base), substitutions)
    replicated.ingest()
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    for page in replicated.index.pages(["documents", "embeddings"]):
        texts += page["documents"] or []
        vectors.append(np.asarray(page["embeddings"], dtype=np.float32))
    baseline.add_vectors(plain, texts, np.concatenate(vectors))
    (folder / "done").touch()
    return corpus, index, plain
