"""The eval gate: floors (``min``) and ceilings (``max``) per eval set and backend, which
``assistant eval --gate evals/gate.yaml`` enforces and CI runs. Validated on load: a typo in a metric
name is an error, not a gate that fails with a puzzling ``None``."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    RootModel,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
)

from ..errors import ConfigError
from .runner import Summary

METRICS = frozenset(Summary.model_fields) - {"by_kind"}


class Limits(BaseModel):
    """The numbers one eval run must reach (``min``) and must not exceed (``max``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: dict[str, StrictFloat | StrictInt] = {}
    max: dict[str, StrictFloat | StrictInt] = {}

    @field_validator("min", "max")
    @classmethod
    def _known_metrics(cls, limits: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(limits) - METRICS)
        if unknown:
            raise ValueError(f"unknown metric {unknown[0]!r} (one of: {', '.join(sorted(METRICS))})")
        return limits

    def failures(self, summary: Summary) -> list[str]:
        """One line per limit the summary breaks."""
        values = summary.model_dump()
        broken = [
            f"{name} = {values[name]} < {floor}"
            for name, floor in self.min.items()
            if values[name] is None or values[name] < floor
        ]
        broken += [
            f"{name} = {values[name]} > {ceiling}"
            for name, ceiling in self.max.items()
            if values[name] is None or values[name] > ceiling
        ]
        return broken

    @property
    def count(self) -> int:
        return len(self.min) + len(self.max)


class Gate(RootModel[dict[str, dict[str, Limits]]]):
    """Eval-set file name → backend → limits."""

    def limits_for(self, set_path: Path, backend: str, source: Path) -> Limits:
        limits = self.root.get(set_path.name, {}).get(backend)
        if limits is None:
            known = ", ".join(f"{name}/{b}" for name, backends in self.root.items() for b in backends)
            raise ConfigError(
                f"{source}: no gate for {set_path.name} with backend {backend} (has: {known or 'none'})"
            )
        return limits


def load_gate(path: Path, set_path: Path, backend: str) -> Limits:
    """The limits ``path`` sets for this eval set and backend, with one clear line on any problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise ConfigError(f"cannot read gate file {path}: {reason}") from None
    try:
        gate = Gate.model_validate(raw or {})
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    return gate.limits_for(set_path, backend, path)


def _describe(exc: ValidationError) -> str:
    """``dev.yaml / offline min: mrr must be a number, not 'high'`` for the first problem."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"] if part not in ("float", "int")]
    where = " / ".join(loc[:2]) + (f" {loc[2]}" if len(loc) > 2 else "")
    if error["type"] in ("float_type", "int_type"):
        return f"{where}: {loc[3]} must be a number, not {error.get('input')!r}"
    if error["type"] == "extra_forbidden" or (len(loc) == 2 and error["type"].endswith("type")):
        return f"{where}: expected a mapping with min and/or max"
    if not loc:
        return "expected a mapping of eval-set file name → backend → min/max"
    if len(loc) == 1:
        return f"{where}: expected a mapping of backend → min/max"
    return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"
