"""Eval sets: YAML files of questions with the facts, evidence or refusal each one expects.

The format is documented at the top of ``evals/dev.yaml`` and in the README. Loading validates a set
against its corpus, so a typo in an evidence string is an error, not a silently failing case.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from ..ingest import load_corpus

Kind = Literal[
    "single-fact",
    "multi-sentence",
    "paraphrase",
    "unanswerable",
    "false-premise",
    "injection",
    "multi-turn",
]
REFUSAL_KINDS = {"unanswerable", "false-premise"}


class Expectation(BaseModel):
    """One question and what a correct answer to it looks like."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(min_length=1)
    facts: list[str] = Field(default_factory=list, description="Regexes; every one must match.")
    one_of: list[str] = Field(
        default_factory=list, description="Regexes, alternative right answers: at least one must match."
    )
    answers: list[str] = Field(
        default_factory=list,
        description="Gold short answers (plain text), for exact match and F1 of the answer's lead span.",
    )
    evidence: list[str] = Field(default_factory=list, description="Verbatim corpus text needed.")
    forbid: list[str] = Field(default_factory=list, description="Regexes that must not match.")
    refuse: bool = False

    @field_validator("facts", "one_of", "forbid")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"regex {pattern!r} does not compile: {exc}") from None
        return patterns

    @model_validator(mode="after")
    def _consistent(self) -> Expectation:
        if self.refuse and (self.facts or self.one_of or self.answers):
            raise ValueError("a refusal cannot expect facts")
        if not self.refuse and not ((self.facts or self.one_of) and self.evidence):
            raise ValueError("an answerable question needs facts and evidence")
        quoted = "\n".join(self.evidence)
        for pattern in self.facts:
            if not re.search(pattern, quoted):
                raise ValueError(f"fact {pattern!r} does not match its own evidence")
        if self.one_of and not any(re.search(pattern, quoted) for pattern in self.one_of):
            raise ValueError("no one_of pattern matches its own evidence")
        for pattern in self.forbid:
            if quoted and re.search(pattern, quoted):
                raise ValueError(f"forbid {pattern!r} matches its own evidence")
        return self


class Case(BaseModel):
    """A single question, or a conversation of several turns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    kind: Kind
    turns: list[Expectation] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _single_turn(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        if "turns" not in data:
            turn = {k: v for k, v in data.items() if k not in ("id", "kind")}
            data = {"id": data.get("id"), "kind": data.get("kind"), "turns": [turn]}
        if data.get("kind") in REFUSAL_KINDS and not all(
            isinstance(t, dict) and t.get("refuse") is True for t in data.get("turns") or []
        ):
            raise ValueError(f"a {data['kind']} case must expect a refusal (refuse: true)")
        return data

    @model_validator(mode="after")
    def _turns_fit_the_kind(self) -> Case:
        if (self.kind == "multi-turn") != (len(self.turns) > 1):
            raise ValueError("multi-turn cases, and only they, have several turns")
        return self


class Dataset(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    corpus: Path
    cases: list[Case] = Field(min_length=1)
    path: Path

    def documents(self) -> dict[str, str]:
        """The corpus as the assistant reads it, document id → text, however large its files (an
        eval set's corpus is the author's own choice, not untrusted input)."""
        return {doc.id: doc.text for doc in load_corpus([self.corpus], max_bytes=None).documents}


def load_yaml_set(path: Path) -> Dataset:
    """Read and validate an eval set in the project's YAML format; every evidence string must occur
    in its corpus."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read eval set {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: not valid YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with name, corpus and cases")
    try:
        dataset = Dataset(**raw, path=path)
    except (ValidationError, TypeError) as exc:
        raise ConfigError(f"{path}: {_first_error(exc, raw)}") from None
    corpus_path = (path.parent / dataset.corpus).resolve()
    dataset = dataset.model_copy(update={"corpus": corpus_path})
    ids = [case.id for case in dataset.cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate case ids: {', '.join(duplicates)}")
    texts = list(dataset.documents().values())
    for case in dataset.cases:
        for number, turn in enumerate(case.turns, start=1):
            for quote in turn.evidence:
                if not any(quote in text for text in texts):
                    raise ConfigError(
                        f"{path}: case {case.id} turn {number}: evidence not in the corpus: {quote!r}"
                    )
    return dataset


def _first_error(exc: Exception, raw: dict) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)
    error = exc.errors(include_url=False)[0]
    location = list(error["loc"])
    where = ""
    if len(location) >= 2 and location[0] == "cases" and isinstance(location[1], int):
        cases = raw.get("cases") or []
        case = cases[location[1]] if location[1] < len(cases) else {}
        where = f"case {case.get('id', location[1]) if isinstance(case, dict) else location[1]}: "
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}{message}"
