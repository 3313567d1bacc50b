"""What each model server honours, remembered across processes in a small owner-only file.

Detecting a server's shape costs requests (two GETs, and for an unknown server one short generation),
and a CLI process asks one question: without a memory every ``assistant ask`` would pay it again. The
file is ``servers.json`` in the index folder, keyed by base URL and model (a key is never stored; the
URL is stored as given, so a secret in it stays on this machine, owner-only like the index).

An entry is trusted until the server answers differently: a structured request it refuses (400) or
a reply that is not the JSON the schema asked for drops it, and the next request detects again. Only
a definite answer is remembered: a server that gave no model list (down, or one that lists nothing)
or a probe that failed for another reason than a refusal is asked again next time.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from ..private import private_dir, write_private
from ..settings import Settings

FILE = "servers.json"
_lock = threading.Lock()


def _path(settings: Settings) -> Path:
    return settings.index_dir / FILE


def _key(settings: Settings) -> str:
    return f"{settings.base_url or 'https://api.openai.com/v1'} {settings.model}"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recall(settings: Settings) -> dict[str, Any] | None:
    """The remembered detection for this server and model, or None."""
    entry = _read(_path(settings)).get(_key(settings))
    return entry if isinstance(entry, dict) else None


def remember(settings: Settings, entry: dict[str, Any]) -> None:
    """Record a detection (best effort: a folder that cannot be written only costs a detection)."""
    _update(settings, entry)


def forget(settings: Settings) -> None:
    """Drop the detection for this server and model: it answered differently from what was recorded."""
    _update(settings, None)


def _update(settings: Settings, entry: dict[str, Any] | None) -> None:
    path = _path(settings)
    with _lock:
        data = _read(path)
        if entry is None and _key(settings) not in data:
            return
        if entry is None:
            del data[_key(settings)]
        else:
            data[_key(settings)] = entry
        try:
            private_dir(path.parent)
            write_private(path, json.dumps(data, indent=1, sort_keys=True) + "\n")
        except OSError:
            pass
