"""Smoke runs of every benchmark at tiny sizes, so they do not rot (no timing claims here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "dedup": (["benchmarks/dedup/run.py", "--quick"], "precision"),
    "warehouse views": (["benchmarks/warehouse/run.py", "--quick"], "view topic_daily"),
    "warehouse ingest": (["benchmarks/warehouse/ingest.py", "--quick"], "articles/s"),
    "pipeline": (["benchmarks/pipeline/run.py", "--quick"], "x the 2-process ceiling"),
    "web pages": (["benchmarks/web/run.py", "--quick"], "pages over 300 ms"),
    "hostile memory": (["benchmarks/hostile/memory.py", "--quick"], "to the crawl's peak"),
    "query": (["benchmarks/query/run.py", "--quick"], "median: baseline"),
    "backfill": (
        ["benchmarks/backfill/run.py", "--articles", "20", "--page-weight", "light"],
        "ratio backfill / plain",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_benchmark_runs_at_tiny_size(name: str) -> None:
    args, expected = CASES[name]
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert expected in proc.stdout, proc.stdout[-3000:]
