"""Two machines, one Chroma server: ingests are serialised by a lease in the server, not by a file on
one machine. Each process here has its own state and index folders (as another machine would) and
they share one ``chroma run``: no chunk is lost, duplicated or mixed; a holder that dies is taken over
once its lease expires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from assistant import Assistant
from assistant.settings import load_settings

from .conftest import ARTICLE

INGEST = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from assistant import Assistant
    from assistant.settings import load_settings

    corpus, url, collection, gate = sys.argv[1:5]

    def progress(stage, done, total):
        if stage == "embedding" and gate != "-":  # hold the lease, part-written, until told to go
            Path(gate, "holding").touch()
            deadline = time.monotonic() + 120
            while not Path(gate, "go").exists() and time.monotonic() < deadline:
                time.sleep(0.05)

    settings = load_settings(
        corpus=[Path(corpus)], chroma_url=url, collection=collection, chunk_tokens=64, chunk_overlap=16,
        lease_seconds=5,
    )
    report = Assistant(settings).ingest(progress=progress)
    print(report.chunks, flush=True)
    """
)


def corpus(folder: Path, name: str, sentences: list[str]) -> Path:
    folder.mkdir(parents=True)
    for n in range(2):  # two documents each (27 chunks apiece): several; a third less to embed than three
        (folder / f"{name}-{n}.txt").write_text(
            " ".join(f"{name.title()} note {n}: {s}." for s in sentences), encoding="utf-8"
        )
    return folder


def machine(tmp_path: Path, name: str) -> dict[str, str]:
    """The environment of a process on another machine: its own state, data and index folders."""
    home = tmp_path / f"machine-{name}"
    return {
        **os.environ,
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "ASSISTANT_INDEX_DIR": str(home / "index"),
    }


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", INGEST, *args]
    return subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition: object, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def stored(url: str, collection: str, roots: list[Path]) -> dict[str, tuple[str, int, int]]:
    assistant = Assistant(
        load_settings(corpus=roots, chroma_url=url, collection=collection, chunk_tokens=64, chunk_overlap=16)
    )
    return {c.id: (c.doc_id, c.start, c.end) for c in assistant.index.chunks()}


def clean(tmp_path: Path, root: Path) -> dict[str, tuple[str, int, int]]:
    """What an ingest of ``root`` alone gives, in an embedded index."""
    index_dir = tmp_path / f"clean-{root.name}"
    settings = load_settings(corpus=[root], index_dir=index_dir, chunk_tokens=64, chunk_overlap=16)
    assistant = Assistant(settings)
    assistant.ingest()
    return {c.id: (c.doc_id, c.start, c.end) for c in assistant.index.chunks()}


def test_two_machines_ingesting_into_one_server_are_serialised(chroma_server: str, tmp_path: Path) -> None:
    sentences = ARTICLE.read_text(encoding="utf-8").split(". ")[:30]
    first = corpus(tmp_path / "first", "alpha", sentences)
    second = corpus(tmp_path / "second", "beta", sentences)
    gate = tmp_path / "gate"
    gate.mkdir()
    holder = start([str(first), chroma_server, "leased", str(gate)], machine(tmp_path, "a"))
    wait_for(lambda: (gate / "holding").exists() or holder.poll() is not None, "the first ingest to hold")
    assert holder.poll() is None, holder.communicate()
    waiter = start([str(second), chroma_server, "leased", "-"], machine(tmp_path, "b"))
    lines: list[str] = []

    def waiting() -> bool:
        line = waiter.stderr.readline() if waiter.stderr else ""
        lines.append(line)
        return "waiting for another ingest" in line or waiter.poll() is not None

    wait_for(waiting, "the second ingest to wait for the lease")
    assert waiter.poll() is None, f"the second ingest ran while the first held the lease: {lines}"
    (gate / "go").touch()
    _, err = holder.communicate(timeout=300)
    assert holder.returncode == 0, err
    _, err = waiter.communicate(timeout=300)
    assert waiter.returncode == 0, err
    # the second ran after the first: the collection is exactly the second corpus, as a clean run gives
    assert stored(chroma_server, "leased", [second]) == clean(tmp_path, second)


def test_a_lease_whose_holder_died_is_taken_over(chroma_server: str, tmp_path: Path) -> None:
    sentences = ARTICLE.read_text(encoding="utf-8").split(". ")[:30]
    first = corpus(tmp_path / "first", "gamma", sentences)
    second = corpus(tmp_path / "second", "delta", sentences)
    gate = tmp_path / "gate"
    gate.mkdir()
    holder = start([str(first), chroma_server, "orphaned", str(gate)], machine(tmp_path, "a"))
    wait_for(lambda: (gate / "holding").exists() or holder.poll() is not None, "the first ingest to hold")
    holder.send_signal(signal.SIGKILL)  # dies part-written, holding the lease
    holder.communicate()
    taker = start([str(second), chroma_server, "orphaned", "-"], machine(tmp_path, "b"))
    _, err = taker.communicate(timeout=300)
    assert taker.returncode == 0, err
    assert "taking over an expired lease" in err
    assert stored(chroma_server, "orphaned", [second]) == clean(tmp_path, second), "nothing of the dead run"
