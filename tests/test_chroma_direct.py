"""An embedded index read through Chroma's engine alone (``chroma_direct.py``): the same rows, vectors and
neighbours as Chroma's client gives, an answer without importing Chroma's Python client, and the first
write switching to Chroma's client."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.chroma_direct import DirectClient
from assistant.chroma_loader import chromadb
from assistant.settings import load_settings

ASK = """
import json, sys
from assistant import Assistant
assistant = Assistant()
answer = assistant.ask("When is the visit?")
print(json.dumps({
    "refused": answer.refused,
    "status": assistant.status().condition,
    "chroma": sorted(m for m in sys.modules if m == "chromadb" or m.startswith("chromadb.")),
}))
"""


def test_the_engine_reads_what_chromas_client_reads(corpus_dir: Path) -> None:
    Assistant(corpus=[corpus_dir]).ingest()
    settings = load_settings()
    client = chromadb.PersistentClient(
        str(settings.index_dir), settings=chromadb.config.Settings(anonymized_telemetry=False)
    )
    chroma = client.get_collection(settings.collection)
    direct = DirectClient(settings.index_dir).get_collection(settings.collection)
    assert [c.name for c in DirectClient(settings.index_dir).list_collections()] == [settings.collection]
    assert direct.metadata == chroma.metadata
    assert direct.count() == chroma.count() > 3
    for limit, offset in ((2, 0), (3, 2), (100, 0)):
        mine = direct.get(limit=limit, offset=offset, include=["documents", "metadatas"])
        theirs = chroma.get(limit=limit, offset=offset, include=["documents", "metadatas"])
        assert (mine["ids"], mine["documents"], mine["metadatas"]) == (
            theirs["ids"],
            theirs["documents"],
            theirs["metadatas"],
        )
    ids = chroma.get(include=[])["ids"][:3]
    mine, theirs = direct.get(ids=ids, include=["embeddings"]), chroma.get(ids=ids, include=["embeddings"])
    assert mine["ids"] == theirs["ids"] and np.array_equal(mine["embeddings"], theirs["embeddings"])
    vectors = np.asarray(theirs["embeddings"], dtype=np.float32)
    n = chroma.count() + 5  # more than there are: both return them all
    mine = direct.query(query_embeddings=vectors, n_results=n, include=["distances"])
    theirs = chroma.query(query_embeddings=vectors, n_results=n, include=["distances"])
    assert mine["ids"] == theirs["ids"] and mine["distances"] == theirs["distances"]


def test_an_answer_imports_no_chroma_client_and_an_ingest_switches_to_it(corpus_dir: Path) -> None:
    Assistant(corpus=[corpus_dir]).ingest()
    done = subprocess.run(
        [sys.executable, "-c", ASK], capture_output=True, text=True, env=os.environ.copy(), check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"refused": False, "status": "fresh", "chroma": []}

    assistant = Assistant()
    assert not assistant.ask("When is the visit?").refused  # read through the engine alone
    (corpus_dir / "ferry.txt").write_text("The ferry to the island leaves at noon every Sunday.\n")
    report = assistant.ingest([corpus_dir])  # writes: through Chroma's client from here on
    assert report.added == 1
    answer = assistant.ask("When does the ferry to the island leave?")
    assert not answer.refused and "noon" in answer.text
    assert assistant.status().condition == "fresh"


def test_an_ingest_leaves_nothing_for_the_next_process_to_replay(corpus_dir: Path) -> None:
    """Chroma's engine keeps writes past its last vector-index save in its log, and every process that
    opens the index replays them; an ingest ends with the vector index saved, its threshold as before."""
    Assistant(corpus=[corpus_dir]).ingest()
    settings = load_settings()
    database = sqlite3.connect(f"file:{settings.index_dir / 'chroma.sqlite3'}?mode=ro", uri=True)
    with closing(database):
        ((vector_segment,),) = database.execute("SELECT id FROM segments WHERE scope = 'VECTOR'").fetchall()
        saved = database.execute("SELECT seq_id FROM max_seq_id WHERE segment_id = ?", (vector_segment,))
        ((logged,),) = database.execute("SELECT max(seq_id) FROM embeddings_queue").fetchall()
        assert saved.fetchall() == [(logged,)], "the vector index is saved up to the log's last write"
    client = chromadb.PersistentClient(
        str(settings.index_dir), settings=chromadb.config.Settings(anonymized_telemetry=False)
    )
    hnsw = client.get_collection(settings.collection).configuration.get("hnsw") or {}
    assert hnsw.get("sync_threshold") == 1000
    assert not Assistant().ask("When is the visit?").refused
