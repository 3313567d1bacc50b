"""Settings: defaults, parsing and validation, and the ways a real environment goes wrong (another
program's lines in .env, "inf", an empty variable, an alias, a file that is not UTF-8), each one clear
line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from assistant import settings as settings_module
from assistant.errors import ConfigError
from assistant.resources import data_dir
from assistant.settings import default_index_dir, load_settings, mask, redact_url

ASSISTANT = str(Path(sys.executable).with_name("assistant"))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No ASSISTANT_* variable at all (the suite sets some), and no warning remembered."""
    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setattr(settings_module, "_warned", set())
    return monkeypatch


def write_env_file(content: str | bytes) -> Path:
    path = Path.cwd() / ".env"  # the suite runs each test in its own folder
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def error_of(**values: Any) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(**values)
    message = str(raised.value)
    assert "\n" not in message
    return message


# -- defaults and parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("corpus", [data_dir("corpus")]),
        ("chroma_url", None),
        ("collection", "assistant"),
        ("max_file_mb", 10.0),
        ("lock_timeout", 300.0),
        ("embedder", "minilm"),
        ("chunk_tokens", 200),
        ("chunk_overlap", 40),
        ("top_k", 5),
        ("fusion", "weighted"),
        ("backend", "offline"),
        ("model", "gpt-4o-mini"),
        ("api_key", None),
        ("base_url", None),
        ("temperature", 0.0),
        ("timeout", 60.0),
        ("max_retries", 2),
        ("context_tokens", 1000),
        ("min_relevance", 0.25),
        ("price_per_mtok_prompt", None),
    ],
)
def test_defaults(env: pytest.MonkeyPatch, field: str, expected: object) -> None:
    settings = load_settings()
    assert getattr(settings, field) == expected
    assert settings.index_dir == default_index_dir()
    assert not settings.corpus_is_explicit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.txt", ["a.txt"]),
        ("notes, a.txt ,b.md", ["notes", "a.txt", "b.md"]),
        ('["one, two.txt", "three"]', ["one, two.txt", "three"]),
        ('  ["x"]', ["x"]),
        ("a,,b,", ["a", "b"]),
    ],
)
def test_corpus_from_the_environment(env: pytest.MonkeyPatch, value: str, expected: list[str]) -> None:
    env.setenv("ASSISTANT_CORPUS", value)
    settings = load_settings()
    assert settings.corpus == [Path(p) for p in expected]
    assert settings.corpus_is_explicit


def test_paths_expand_the_home_folder(env: pytest.MonkeyPatch) -> None:
    env.setenv("ASSISTANT_CORPUS", "~/notes")
    env.setenv("ASSISTANT_INDEX_DIR", "~/index")
    settings = load_settings()
    assert settings.corpus == [Path.home() / "notes"]
    assert settings.index_dir == Path.home() / "index"
    assert load_settings(corpus=Path("~/one")).corpus == [Path.home() / "one"]


@pytest.mark.parametrize("value", [" , ", "[]"])
def test_a_corpus_of_nothing_is_an_error(env: pytest.MonkeyPatch, value: str) -> None:
    env.setenv("ASSISTANT_CORPUS", value)
    assert error_of() == "invalid setting ASSISTANT_CORPUS: give at least one file or folder"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://localhost:11434/v1/", "http://localhost:11434/v1"),
        (" https://api.example.com/v1 ", "https://api.example.com/v1"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("   ", None),
    ],
)
def test_urls_are_normalised(env: pytest.MonkeyPatch, value: str, expected: str | None) -> None:
    assert load_settings(base_url=value).base_url == expected
    assert load_settings(chroma_url=value).chroma_url == expected


@pytest.mark.parametrize("value", ["ftp://example.com", "localhost:8000", "http://", "example.com/v1"])
def test_urls_need_a_scheme_and_a_host(env: pytest.MonkeyPatch, value: str) -> None:
    message = "must be an http:// or https:// URL with a host"
    assert error_of(base_url=value) == f"invalid setting ASSISTANT_BASE_URL: {message}"
    assert error_of(chroma_url=value) == f"invalid setting ASSISTANT_CHROMA_URL: {message}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:secret@models.example/v1", "https://user:***@models.example/v1"),
        ("http://:secret@localhost:8000", "http://:***@localhost:8000"),
        ("https://user@models.example/v1", "https://user@models.example/v1"),
        ("https://models.example/v1?key=a:b", "https://models.example/v1?key=a:b"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (None, None),
        ("sk-1234567890", "…7890"),
        ("123456789012", "…9012"),
        ("12345678901", "***"),
        ("", "***"),
    ],
)
def test_mask(secret: str | None, expected: str | None) -> None:
    assert mask(SecretStr(secret) if secret is not None else None) == expected


def test_public_dict_hides_the_key_and_url_passwords(env: pytest.MonkeyPatch) -> None:
    settings = load_settings(
        api_key="sk-abcdefghijkl",
        base_url="https://u:pw@models.example/v1",
        judge_api_key="sk-judgejudgejudge",
        judge_base_url="https://j:secret@judge.example/v1",
    )
    shown = settings.public_dict()
    assert shown["api_key"] == "…ijkl"
    assert shown["base_url"] == "https://u:***@models.example/v1"
    assert shown["judge_api_key"] == "…udge"
    assert shown["judge_base_url"] == "https://j:***@judge.example/v1"
    assert "pw" not in str(shown) and "abcdefgh" not in str(shown) and "secret" not in str(shown)


# -- validation and its messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"top_k": 0}, "invalid setting ASSISTANT_TOP_K: Input should be greater than or equal to 1"),
        (
            {"top_k": 0, "max_retries": 11},
            "invalid setting ASSISTANT_TOP_K: Input should be greater than or equal to 1 (and 1 more)",
        ),
        (
            {"backend": "gpt"},
            "invalid setting ASSISTANT_BACKEND: must be one of: offline, openai, local (not 'gpt')",
        ),
        ({"collection": "a"}, "invalid setting ASSISTANT_COLLECTION: String should match pattern"),
        (
            {"chunk_overlap": 100},
            "invalid settings: chunk_overlap (100) must be less than half of chunk_tokens (200)",
        ),
        (
            {"chunk_tokens": 300, "context_tokens": 299},
            "invalid settings: context_tokens (299) must be at least chunk_tokens (300)",
        ),
        ({"topk": 3}, "unknown setting 'topk' (did you mean 'top_k'?)"),
        ({"ASSISTANT_TOP_K": 3}, "unknown setting 'ASSISTANT_TOP_K' (did you mean 'top_k'?)"),
        ({"colour": "red"}, "unknown setting 'colour'"),
    ],
)
def test_validation_errors_are_one_line(
    env: pytest.MonkeyPatch, values: dict[str, Any], message: str
) -> None:
    assert error_of(**values).startswith(message)


@pytest.mark.parametrize(
    ("values", "valid"),
    [
        ({"chunk_overlap": 99}, True),
        ({"chunk_overlap": 100}, False),
        ({"chunk_tokens": 64, "chunk_overlap": 31, "context_tokens": 100}, True),
        ({"chunk_tokens": 64, "chunk_overlap": 32, "context_tokens": 100}, False),
        ({"context_tokens": 200}, True),
        ({"chunk_tokens": 1001}, False),
    ],
)
def test_overlap_and_context_bounds(env: pytest.MonkeyPatch, values: dict[str, int], valid: bool) -> None:
    if valid:
        load_settings(**values)
    else:
        assert error_of(**values).startswith("invalid settings: ")


def test_overrides_keep_what_the_base_set(env: pytest.MonkeyPatch) -> None:
    base = load_settings(top_k=7, corpus=["notes"])
    assert load_settings(base) is base
    merged = load_settings(base, backend="openai")
    assert (merged.top_k, merged.corpus, merged.backend) == (7, [Path("notes")], "openai")
    assert merged.corpus_is_explicit


# -- a real environment --------------------------------------------------------------------------


def test_other_programs_lines_in_env_file_are_ignored(env: pytest.MonkeyPatch) -> None:
    write_env_file(
        "DATABASE_URL=postgres://db\nSECRET_KEY=x\nASSISTANT_TOP_K=7\nOPENAI_API_KEY=sk-fromdotenv1234\n"
    )
    settings = load_settings()
    assert settings.top_k == 7
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-fromdotenv1234"
    env.setenv("ASSISTANT_TOP_K", "9")
    assert load_settings().top_k == 9, "the environment wins over .env"


def test_unknown_assistant_variables_are_named_once(
    env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    write_env_file("ASSISTANT_TOPK=3\n")
    env.setenv("ASSISTANT_BACKND", "openai")
    env.setenv("ASSISTANT_DEBUG", "1")
    env.setenv("OPENAI_ORGANIZATION", "org")
    with caplog.at_level(logging.WARNING, logger="assistant.settings"):
        settings = load_settings()
        load_settings(top_k=2)
    assert (settings.top_k, settings.backend) == (5, "offline")
    assert caplog.messages == [
        "ignoring ASSISTANT_BACKND in the environment: no such setting (did you mean ASSISTANT_BACKEND?)",
        "ignoring ASSISTANT_TOPK in .env: no such setting (did you mean ASSISTANT_TOP_K?)",
    ]


FLOATS = ["max_file_mb", "lock_timeout", "timeout", "temperature", "min_relevance", "price_per_mtok_prompt"]


@pytest.mark.parametrize("field", FLOATS)
@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "NaN"])
def test_non_finite_numbers_are_refused(env: pytest.MonkeyPatch, field: str, value: str) -> None:
    name = f"ASSISTANT_{field.upper()}"
    env.setenv(name, value)
    assert error_of() == f"invalid setting {name}: Input should be a finite number"


@pytest.mark.parametrize("field", FLOATS)
def test_non_finite_numbers_are_refused_in_code(env: pytest.MonkeyPatch, field: str) -> None:
    assert error_of(**{field: float("inf")}).endswith("Input should be a finite number")


@pytest.mark.parametrize(
    ("field", "too_big", "largest"),
    [
        ("max_file_mb", 2048, 1024),
        ("lock_timeout", 10**6, 86_400),
        ("timeout", 7200, 3600),
        ("price_per_mtok_completion", 20_000, 10_000),
    ],
)
def test_numbers_have_upper_bounds(
    env: pytest.MonkeyPatch, field: str, too_big: float, largest: float
) -> None:
    assert getattr(load_settings(**{field: largest}), field) == largest
    assert error_of(**{field: too_big}) == (
        f"invalid setting ASSISTANT_{field.upper()}: Input should be less than or equal to {largest}"
    )


def test_an_empty_variable_means_the_default(env: pytest.MonkeyPatch) -> None:
    env.setenv("ASSISTANT_INDEX_DIR", "")
    env.setenv("ASSISTANT_TOP_K", "")
    env.setenv("OPENAI_API_KEY", "")
    settings = load_settings()
    assert (settings.index_dir, settings.top_k, settings.api_key) == (default_index_dir(), 5, None)
    env.delenv("ASSISTANT_INDEX_DIR")
    write_env_file("ASSISTANT_INDEX_DIR=\n")
    assert load_settings().index_dir == default_index_dir()
    assert load_settings(index_dir=" ").index_dir == default_index_dir()
    assert load_settings(index_dir=".").index_dir == Path(), "an explicit folder is kept"


@pytest.mark.parametrize(
    ("environment", "dotenv", "named"),
    [
        ({"ASSISTANT_BASE_URL": "ftp://x"}, "", "ASSISTANT_BASE_URL"),
        ({"OPENAI_BASE_URL": "ftp://x"}, "", "OPENAI_BASE_URL"),
        ({"openai_base_url": "ftp://x"}, "", "OPENAI_BASE_URL"),
        ({}, "OPENAI_BASE_URL=ftp://x\n", "OPENAI_BASE_URL"),
        ({}, "ASSISTANT_BASE_URL=ftp://x\nOPENAI_BASE_URL=http://ok\n", "ASSISTANT_BASE_URL"),
        ({"ASSISTANT_BASE_URL": "ftp://x", "OPENAI_BASE_URL": "http://ok"}, "", "ASSISTANT_BASE_URL"),
        ({"OPENAI_BASE_URL": "ftp://x"}, "ASSISTANT_BASE_URL=http://ok\n", "OPENAI_BASE_URL"),
    ],
)
def test_a_bad_url_names_the_variable_that_was_set(
    env: pytest.MonkeyPatch, environment: dict[str, str], dotenv: str, named: str
) -> None:
    for name, value in environment.items():
        env.setenv(name, value)
    write_env_file(dotenv)
    assert error_of() == f"invalid setting {named}: must be an http:// or https:// URL with a host"


def test_a_bad_url_in_code_names_the_setting(env: pytest.MonkeyPatch) -> None:
    env.setenv("OPENAI_BASE_URL", "http://ok")
    assert error_of(base_url="ftp://x").startswith("invalid setting ASSISTANT_BASE_URL: ")


def test_an_env_file_that_is_not_utf8_is_one_clear_error(env: pytest.MonkeyPatch) -> None:
    path = write_env_file(b"ASSISTANT_TOP_K=3\n# caf\xe9\n")
    assert error_of() == (f"cannot read {path}: not UTF-8 text (byte 0xe9 at offset 23); save it as UTF-8")


def test_the_cli_reads_a_shared_env_file_and_reports_a_broken_one(env: pytest.MonkeyPatch) -> None:
    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ASSISTANT, "ingest", "/no/such/folder"], capture_output=True, text=True, timeout=120, check=False
        )

    write_env_file("DATABASE_URL=postgres://db\n")
    shared = run()
    assert (shared.returncode, shared.stderr) == (2, "error: no such file or folder: /no/such/folder\n")
    path = write_env_file(b"DATABASE_URL=caf\xe9\n")
    broken = run()
    assert (broken.returncode, broken.stderr) == (
        2,
        f"error: cannot read {path}: not UTF-8 text (byte 0xe9 at offset 16); save it as UTF-8\n",
    )
