"""A real OpenAI-compatible ``/v1/embeddings`` server on 127.0.0.1, in a thread, that needs no model.

Vectors are hashed bags of words (each lower-cased word adds to one of ``DIMENSIONS`` slots), so texts
that share words are close and retrieval still means something, while embedding costs microseconds:
tests of how ingest holds memory and time on large corpora measure the pipeline, not a model.
Answers both encodings the ``openai`` client asks for (``base64`` by default, ``float``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

DIMENSIONS = 64
_WORD = re.compile(r"\w+")


def hashed_vector(text: str) -> np.ndarray:
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    for word in _WORD.findall(text.lower()):
        vector[zlib.crc32(word.encode()) % DIMENSIONS] += 1.0
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector + 1.0 / DIMENSIONS**0.5


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
        as_base64 = request.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = hashed_vector(text)
            embedding = base64.b64encode(vector.tobytes()).decode() if as_base64 else vector.tolist()
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        body = json.dumps(
            {
                "object": "list",
                "data": data,
                "model": request.get("model", "hashed"),
                "usage": {"prompt_tokens": 0, "total_tokens": 0},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test's output is the assistant's."""


@contextmanager
def embedding_server() -> Iterator[str]:
    """Serve until the block ends; yields the ``base_url`` (``http://127.0.0.1:PORT/v1``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
