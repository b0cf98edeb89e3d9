"""End-to-end fixtures: the real CLI in a subprocess on demo and real exports (one refresh per module)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m pipelines ARGS`` from the project root; fail the test with its output on error."""
    proc = subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=PROJECT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=1200)
    if check and proc.returncode != 0:
        pytest.fail(f"python -m pipelines {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def sql(warehouse: Path, query: str) -> list[dict]:
    """Rows of a read-only query on the published copy, through the CLI."""
    return json.loads(cli("sql", "--warehouse-dir", str(warehouse), "--format", "json", query).stdout)


@pytest.fixture(scope="session")
def demo_raw(demo_published) -> Path:
    """The deterministic demo exports of the session's demo refresh."""
    return demo_published.raw


@pytest.fixture(scope="session")
def demo_warehouse(demo_published) -> Path:
    """The warehouse refreshed once from the demo exports through ``python -m pipelines refresh``."""
    return demo_published.warehouse
