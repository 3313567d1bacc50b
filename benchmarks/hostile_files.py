"""What ingest does with each hostile file: its message, how long it took, and the peak memory of a
process that reads only that file (against a process that reads a one-line text file).

``python -m benchmarks.hostile_files`` from the repository root (the files come from tests/documents.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from tests.test_formats import HOSTILE, make_hostile

ROOT = Path(__file__).resolve().parent.parent
_ONE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from assistant.ingest import scan, read_document
    import assistant.formats.pdf, assistant.formats.html, assistant.formats.word  # imports are not the file's
    (ref,), _ = scan([Path(sys.argv[1])])
    started = time.perf_counter()
    result = read_document(ref, 10_000_000)
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss keeps the parent's peak from before exec
    peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
    print(json.dumps([getattr(result, "reason", "read"), seconds, peak]))
    """
)


def measure(path: Path) -> tuple[str, float, float]:
    done = subprocess.run(
        [sys.executable, "-c", _ONE, str(path)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    reason, seconds, peak = json.loads(done.stdout)
    return reason, seconds, peak


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_hostile(root)
        (root / "baseline.txt").write_text("One line of text.", encoding="utf-8")
        _, _, baseline = measure(root / "baseline.txt")
        print(f"baseline (a one-line .txt): peak RSS {baseline:.0f} MB\n")
        print("| file | size | message | time | peak RSS |")
        print("| --- | ---: | --- | ---: | ---: |")
        for name in HOSTILE:
            path = root / name
            reason, seconds, peak = measure(path)
            print(f"| {name} | {path.stat().st_size:,} B | {reason} | {seconds:.3f} s | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
