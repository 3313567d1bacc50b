"""The package reads one way: no import cycles, no stage importing a later one, and ARCHITECTURE.md's
map of modules to stages is the code's own (every module is on it, every entry exists)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "assistant"
ROW = re.compile(r"^\|\s*(\d+)\s*·[^|]*\|\s*`(assistant/[^`]+)`\s*\|", re.MULTILINE)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(name: str) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its body (local imports included)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c in MODULES and c != name}
    return found


def stages() -> dict[str, int]:
    """Module → stage, from ARCHITECTURE.md; a folder entry covers the modules inside it unless a
    more specific entry names them."""
    entries = [(int(stage), path) for stage, path in ROW.findall((ROOT / "ARCHITECTURE.md").read_text())]
    assert entries, "ARCHITECTURE.md has no module table"
    found: dict[str, int] = {}
    for name, path in MODULES.items():
        relative = path.relative_to(ROOT).as_posix()
        matches = [
            (len(entry), stage)
            for stage, entry in entries
            if relative == entry or (entry.endswith("/") and relative.startswith(entry))
        ]
        if matches:
            found[name] = max(matches)[1]
    return found


def test_every_entry_of_the_map_exists() -> None:
    for _, entry in ROW.findall((ROOT / "ARCHITECTURE.md").read_text()):
        assert (ROOT / entry).exists(), f"ARCHITECTURE.md names {entry}, which does not exist"


def test_every_module_is_on_the_map() -> None:
    missing = sorted(set(MODULES) - set(stages()))
    assert not missing, f"not in ARCHITECTURE.md's module table: {missing}"


def test_no_stage_imports_a_later_one() -> None:
    stage = stages()
    upward = [
        f"{name} (stage {stage[name]}) imports {target} (stage {stage[target]})"
        for name in MODULES
        for target in imports(name)
        if stage[target] > stage[name]
    ]
    assert not upward, "\n".join(upward)


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """One import path per module that leads back to it."""
    found = []
    for start in graph:
        path, seen = [start], set()
        while path:  # depth-first, each edge once, until a step returns to ``start``
            here = path[-1]
            following = [n for n in sorted(graph[here]) if (here, n) not in seen]
            if not following:
                path.pop()
                continue
            step = following[0]
            seen.add((here, step))
            if step == start:
                found.append(" → ".join([*path, start]))
                break
            if step not in path:
                path.append(step)
    return found


def test_no_import_cycles() -> None:
    found = cycles({name: imports(name) for name in MODULES})
    assert not found, "\n".join(found)


def test_the_checks_can_fail() -> None:
    """The parser sees relative, absolute and function-local imports, and the cycle search finds a
    circle (or the checks above could pass by seeing nothing)."""
    assert "assistant.index" in imports("assistant.core")  # a function-local import
    assert "assistant.embeddings.chroma" in imports("assistant.index")
    assert "assistant.registry" in imports("assistant.backends")
    assert stages()["assistant.embeddings.chroma"] == 2 and stages()["assistant.embeddings.minilm"] == 1
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        "a → b → c → a",
        "b → c → a → b",
        "c → a → b → c",
    ]
    assert cycles({"a": {"b"}, "b": set()}) == []
