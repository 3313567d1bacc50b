"""Typed configuration: environment (``ASSISTANT_*``), an optional ``.env`` file, or keyword overrides.

An empty variable means the default. Lines of ``.env`` that are not the assistant's (``DATABASE_URL=…``)
are left to their owners; an ``ASSISTANT_*`` name that is no setting gets a warning, and a keyword
argument that is no setting is an error.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import platformdirs
from dotenv import dotenv_values
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import ConfigError
from .registry import BACKENDS, EMBEDDERS
from .resources import data_dir

log = logging.getLogger(__name__)

ENV_PREFIX = "ASSISTANT_"
ENV_FILE = ".env"
# ASSISTANT_* variables that are read elsewhere, not settings: no warning for them.
OTHER_VARIABLES = frozenset({"ASSISTANT_DEBUG", "ASSISTANT_ONNX_THREADS", "ASSISTANT_TEST_CHROMA_URL"})


def default_corpus() -> list[Path]:
    return [data_dir("corpus")]


def default_index_dir() -> Path:
    return platformdirs.user_data_path("assistant") / "index"


def state_dir() -> Path:
    """Per-user state (chat history, locks), kept out of the project tree."""
    return platformdirs.user_state_path("assistant")


class Settings(BaseSettings):
    """Everything the assistant can be told. Field names map to ``ASSISTANT_<NAME>`` variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        dotenv_filtering="only_existing",  # other programs' lines in .env are theirs
        env_ignore_empty=True,  # ASSISTANT_INDEX_DIR= means the default, not the current folder
        extra="forbid",  # a keyword argument that is no setting is a mistake
        allow_inf_nan=False,  # "inf" seconds or megabytes is no limit anyone means
        validate_default=True,
    )

    # -- corpus and index
    corpus: Annotated[list[Path], NoDecode] = Field(
        default_factory=default_corpus,
        description="Files or folders to answer from (comma-separated in the environment).",
    )
    index_dir: Path = Field(
        default_factory=default_index_dir, description="Where the embedded Chroma index lives."
    )
    chroma_url: str | None = Field(
        default=None,
        description="A Chroma server (http://host:port); the embedded index when unset.",
    )
    collection: str = Field(default="assistant", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$")
    max_file_mb: float = Field(default=10.0, gt=0, le=1024, description="Larger files are skipped.")
    read_noindex: bool = Field(
        default=False,
        description="Read web pages that ask not to be indexed (robots noindex: print versions that repeat "
        "every other page, contents pages, moved stubs); they are skipped by default.",
    )
    lock_timeout: float = Field(
        default=300.0,
        ge=0,
        le=86_400,
        description="Seconds a process waits for another one's ingest or write.",
    )
    lease_seconds: float = Field(
        default=60.0,
        ge=5,
        le=86_400,
        description="With a Chroma server: how long an ingest's lease in the server lasts unrenewed "
        "(it is renewed every third of that while the ingest runs; a crashed ingest's lease expires).",
    )
    page_size: int = Field(
        default=5000,
        ge=1,
        le=30000,
        description="Rows per read or delete of the collection: one SQLite statement takes at most "
        "32,766 variables, so the whole collection is never read in one call.",
    )

    # -- chunking and embeddings
    embedder: str = Field(default="minilm", description=f"One of: {', '.join(EMBEDDERS)}.")
    embedding_model: str = "text-embedding-3-small"
    chunk_tokens: int = Field(default=200, ge=32, le=8192)
    chunk_overlap: int = Field(default=40, ge=0)

    # -- retrieval
    top_k: int = Field(default=5, ge=1, le=50)
    fusion: Literal["weighted", "rrf", "vector", "lexical"] = "weighted"

    # -- answering
    backend: str = Field(default="offline", description=f"One of: {', '.join(BACKENDS)}.")
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ASSISTANT_API_KEY", "OPENAI_API_KEY", "api_key"),
    )
    base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ASSISTANT_BASE_URL", "OPENAI_BASE_URL", "base_url"),
    )
    model_path: Path | None = Field(
        default=None, description="The GGUF file the local backend runs in-process (llama.cpp)."
    )
    local_threads: int = Field(
        default=1,
        ge=1,
        le=256,
        description="CPU threads of the local model (1 was fastest on 2 shared cores).",
    )
    local_context: int = Field(
        default=4096, ge=512, le=1_048_576, description="The local model's context, in tokens."
    )
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    timeout: float = Field(default=60.0, gt=0, le=3600, description="Seconds per model request.")
    connect_timeout: float = Field(
        default=3.0,
        gt=0,
        le=600,
        description="Seconds to reach a model server (a refused connection fails at once).",
    )
    max_retries: int = Field(default=2, ge=0, le=10)
    context_tokens: int = Field(default=1000, ge=100, description="Token budget for sources.")
    max_answer_tokens: int = Field(default=300, ge=16)
    max_answer_sentences: int = Field(
        default=3, ge=1, le=20, description="A model's answer shows at most this many sentences."
    )
    answer_shape: Literal["auto", "structured", "text"] = Field(
        default="auto",
        description="How a model is asked: sentence ids in a JSON schema (structured), text with [p.s] "
        "markers, or auto: detected once per server and model.",
    )
    max_question_tokens: int = Field(default=500, ge=8)
    min_relevance: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="Evidence gate: when no retrieved sentence is this relevant, refuse without asking "
        "a model. 0.25 is the highest value that refuses no answerable question of evals/dev.yaml "
        "(lowest: 0.28), less a margin.",
    )
    judge_model: str | None = Field(
        default=None,
        description="The eval's LLM judge; unset: the model under test (refused unless --judge-self).",
    )
    judge_base_url: str | None = Field(
        default=None, description="The judge's OpenAI-compatible server; unset: the answer model's server."
    )
    judge_api_key: SecretStr | None = Field(
        default=None, description="The judge's key; unset: the answer model's key, for the same server only."
    )
    price_per_mtok_prompt: float | None = Field(default=None, ge=0, le=10_000)
    price_per_mtok_completion: float | None = Field(default=None, ge=0, le=10_000)

    @field_validator("corpus", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, Path):
            return [value]
        return value

    @field_validator("corpus")
    @classmethod
    def _not_empty(cls, value: list[Path]) -> list[Path]:
        if not value:
            raise ValueError("give at least one file or folder")
        return [path.expanduser() for path in value]

    @field_validator("embedder", "backend")
    @classmethod
    def _registered(cls, value: str, info: ValidationInfo) -> str:
        known = EMBEDDERS if info.field_name == "embedder" else BACKENDS
        if value not in known:
            raise ValueError(f"must be one of: {', '.join(known)} (not {value!r})")
        return value

    @field_validator("index_dir", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any) -> Any:
        """``index_dir=""`` would be the current folder: a blank path means the default instead."""
        return default_index_dir() if isinstance(value, str) and not value.strip() else value

    @field_validator("index_dir", "model_path")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("chroma_url", "base_url", "judge_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens // 2:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be less than half of chunk_tokens "
                f"({self.chunk_tokens})"
            )
        return self

    @model_validator(mode="after")
    def _context_holds_a_chunk(self) -> Settings:
        """Sources are packed to ``context_tokens`` but the first is always sent: it must fit."""
        if self.context_tokens < self.chunk_tokens:
            raise ValueError(
                f"context_tokens ({self.context_tokens}) must be at least chunk_tokens "
                f"({self.chunk_tokens}): the model must see at least one whole chunk"
            )
        return self

    @property
    def corpus_is_explicit(self) -> bool:
        """True when the user named a corpus, rather than falling back to the bundled one."""
        return "corpus" in self.model_fields_set

    def public_dict(self) -> dict[str, Any]:
        """The settings with secrets masked, for display: the key, and passwords inside URLs."""
        data = self.model_dump(mode="json")
        data["api_key"] = mask(self.api_key)
        data["judge_api_key"] = mask(self.judge_api_key)
        for name in ("base_url", "chroma_url", "judge_base_url"):
            if data[name]:
                data[name] = redact_url(data[name])
        return data


def redact_url(url: str) -> str:
    """A URL fit to show: a password inside it (``https://user:secret@host``) becomes ``***``."""
    return re.sub(r"(?<=://)([^:/@]*):[^@/]*@", r"\1:***@", url)


def mask(secret: SecretStr | None) -> str | None:
    """Show that a key is set without showing it."""
    if secret is None:
        return None
    value = secret.get_secret_value()
    return f"…{value[-4:]}" if len(value) >= 12 else "***"


def load_settings(base: Settings | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment (or ``base``) plus overrides, with one clear error."""
    if base is not None and not overrides:
        return base
    check_env_file()
    values = overrides
    if base is not None:
        values = {**base.model_dump(exclude_unset=True, by_alias=False), **overrides}
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    warn_unknown_variables()
    return settings


def check_env_file() -> None:
    """A ``.env`` that cannot be read is one clear error, not a decoding traceback."""
    path = Path(ENV_FILE)
    try:
        if path.is_file():
            path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read {path.resolve()}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path.resolve()}: {exc.strerror or exc}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """``invalid setting ASSISTANT_TOP_K: Input should be ...`` for the first problem, and a count."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if not name:
        return f"invalid settings: {message}{more}"
    if first["type"] == "extra_forbidden":
        hint = difflib.get_close_matches(
            name.lower().removeprefix(ENV_PREFIX.lower()), Settings.model_fields, n=1
        )
        return f"unknown setting {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "") + more
    return f"invalid setting {variable_name(name)}: {message}{more}"


def variable_name(name: str) -> str:
    """The variable to blame for a bad value: ``ASSISTANT_<FIELD>``, or for a setting with several
    names (``ASSISTANT_BASE_URL``, ``OPENAI_BASE_URL``) the one the user set, since pydantic reports
    the first of them whichever it read (the environment wins over ``.env``)."""
    if name in Settings.model_fields:
        return f"{ENV_PREFIX}{name.upper()}"
    field = _field_of_alias(name)
    if field is None:
        return name
    for keys in ({key.upper() for key in os.environ}, {key.upper() for key in _env_file_keys()}):
        found = [alias for alias in _aliases(field) if alias in keys]
        if found:
            return found[0]
    return name.upper()


def _aliases(field: str) -> list[str]:
    """The variable names of a field with a validation alias, in order of precedence."""
    alias = Settings.model_fields[field].validation_alias
    if not isinstance(alias, AliasChoices):
        return []
    return [choice.upper() for choice in alias.choices if isinstance(choice, str) and choice != field]


def _field_of_alias(name: str) -> str | None:
    return next((field for field in Settings.model_fields if name.upper() in _aliases(field)), None)


def _env_file_keys() -> list[str]:
    path = Path(ENV_FILE)
    try:
        return [key for key in dotenv_values(path) if key] if path.is_file() else []
    except (OSError, UnicodeDecodeError):
        return []


_warned: set[str] = set()


def warn_unknown_variables() -> None:
    """Say once when an ``ASSISTANT_*`` variable names no setting: a typo would otherwise do nothing."""
    known = {f"{ENV_PREFIX}{field.upper()}" for field in Settings.model_fields} | OTHER_VARIABLES
    known |= {alias for field in Settings.model_fields for alias in _aliases(field)}
    for where, names in (("in the environment", list(os.environ)), (f"in {ENV_FILE}", _env_file_keys())):
        for name in names:
            upper = name.upper()
            if not upper.startswith(ENV_PREFIX) or upper in known or upper in _warned:
                continue
            _warned.add(upper)
            hint = difflib.get_close_matches(upper, sorted(known), n=1)
            log.warning(
                "ignoring %s %s: no such setting%s",
                name,
                where,
                f" (did you mean {hint[0]}?)" if hint else "",
            )
