"""Benchmarks: the assistant against a plain Chroma pipeline, on the same data, in the same run.

Run ``python -m benchmarks`` (``--smoke`` for a seconds-long check); see BENCHMARKS.md.
"""
