"""Benchmark at realistic scale: `python -m bench seed|load|kpis|all` (docs/performance.md)."""
