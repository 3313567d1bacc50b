"""The benchmark's cached indexes: recorded vectors are reused without the model, and the replica's
copies are chunked like their originals and looked up, never embedded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.derived import spans_of
from assistant.embeddings import MiniLMEmbedder
from assistant.tokens import encoding
from benchmarks import vectors
from benchmarks.replicate import ReplicaEmbedder, Substitutions

TEXTS = [
    "The gzip option quiet suppresses all warnings. It is useful in scripts that run unattended.",
    "Compression levels range from one to nine. Higher levels are slower but produce smaller files.",
    "Documentation for every package is installed under the shared documentation folder.",
]


def test_recorded_vectors_are_reused_without_the_model(tmp_path: Path) -> None:
    spans = [spans_of(text) for text in TEXTS]
    recording = vectors.RecordingEmbedder(tmp_path)
    first, first_sentences = recording.embed_passages(TEXTS[:2], spans[:2])
    assert recording.model_calls == 2
    recording.embed_passages(TEXTS, spans)
    assert recording.model_calls == 3, "only the new text went to the model"

    offline = vectors.RecordingEmbedder(tmp_path, model=False)  # a new process: read from the shards
    again, again_sentences = offline.embed_passages(TEXTS[:2], spans[:2])
    assert offline.model_calls == 0
    np.testing.assert_array_equal(again, first)
    for one, other in zip(again_sentences, first_sentences, strict=True):
        np.testing.assert_array_equal(one, other)
    model = MiniLMEmbedder.shared().embed([TEXTS[0]])[0]
    assert float(first[0] @ model) > 0.99


def test_copies_keep_token_counts_and_get_their_originals_vectors(tmp_path: Path) -> None:
    substitutions = Substitutions(TEXTS * 5, copies=3)
    assert all(substitutions.tables[c] for c in (1, 2)) and not substitutions.tables[0]
    cl100k, pieces = encoding("cl100k_base"), MiniLMEmbedder.shared()
    for copy in (1, 2):
        for text in TEXTS:
            copied = substitutions.apply(text, copy)
            assert copied != text and substitutions.undo(copied) == text
            assert len(cl100k.encode_ordinary(copied)) == len(cl100k.encode_ordinary(text))
            assert pieces.count_tokens([copied]) == pieces.count_tokens([text])

    spans = [spans_of(text) for text in TEXTS]
    recording = vectors.RecordingEmbedder(tmp_path)
    originals, original_sentences = recording.embed_passages(TEXTS, spans)
    replica = ReplicaEmbedder(vectors.read(tmp_path), substitutions)
    copies = [substitutions.apply(text, 1) for text in TEXTS]
    got, got_sentences = replica.embed_passages(copies, [spans_of(text) for text in copies])
    same, _ = replica.embed_passages(TEXTS, spans)
    assert replica.approximated == 0
    np.testing.assert_array_equal(same, originals)  # copy 0 keeps the model's vectors
    cosines = np.sum(got * originals, axis=1)
    assert np.all((cosines > 0.8) & (cosines < 0.98)), cosines  # the original's, perturbed
    assert [len(s) for s in got_sentences] == [len(s) for s in original_sentences]
