"""Chroma imported lean (``chroma_loader.py``): no OpenTelemetry exporter, no signature checks, and yet
tracing still works when configured, and anyone importing the exporter gets the real one."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
from assistant.chroma_loader import chromadb
exporter = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"
lean = {"grpc": "grpc" in sys.modules, "exporter": exporter in sys.modules,
        "rust": "chromadb.api.rust" in sys.modules}
from chromadb.api.rust import RustBindingsAPI
import chromadb.telemetry.opentelemetry as otel
otel.otel_init("assistant-test", "http://127.0.0.1:9", None, otel.OpenTelemetryGranularity.ALL)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
print(json.dumps({
    **lean,
    "marked": getattr(RustBindingsAPI.count_collections, "__override__", False),
    "checks_back": sys.modules["overrides.overrides"]._overrides.__module__ == "overrides.overrides",
    "tracer": type(otel.tracer).__name__,
    "real_exporter": OTLPSpanExporter.__module__,
}))
"""


def test_chroma_is_imported_without_the_exporter_and_tracing_still_works() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "grpc": False,  # the exporter (grpc, protobuf) was not imported with Chroma
        "exporter": False,  # and its stand-in did not stay in sys.modules
        "rust": True,  # the embedded client's implementation came in the same window
        "marked": True,  # its methods are marked @override (EnforceOverrides needs that)
        "checks_back": True,  # the overrides package's own decorator is back
        "tracer": "Tracer",  # configured tracing made the real exporter through the stand-in
        "real_exporter": "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    }
