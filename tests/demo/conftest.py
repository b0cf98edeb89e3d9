"""Fixtures for the demo-generator tests: one generated dataset per session (default seed)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow `pytest tests/demo` without installing the project
    sys.path.insert(0, str(ROOT))

from pipelines.demo.generate import generate  # noqa: E402
from pipelines.demo.spec import CONTRACTS, DEFAULT_SEED, FILES  # noqa: E402

RECORDED = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory) -> Path:
    """A raw folder holding ``demo/`` generated with the default seed (shared, treat as read-only)."""
    raw = tmp_path_factory.mktemp("demo_raw") / "raw"
    generate(raw, DEFAULT_SEED)
    return raw


@pytest.fixture(scope="session")
def demo_paths(demo_raw) -> dict[str, Path]:
    """{file key: path} of the session's demo dataset (keys of ``spec.FILES``)."""
    from pipelines.demo.spec import FILES

    return {key: demo_raw / rel for key, rel in FILES.items()}


@pytest.fixture(scope="session")
def store(demo_raw, tmp_path_factory):
    """(connection, {file key: FileResult}) after ingesting every kind of the demo folder once."""
    from pipelines.ingest.load import ingest_kind

    mp = pytest.MonkeyPatch()
    mp.setenv("CSW_CONTRACTS_DIR", str(ROOT / "pipelines" / "contracts"))
    mp.setenv("CSW_INGEST_TMP", str(tmp_path_factory.mktemp("ingest_tmp")))
    con = duckdb.connect(str(tmp_path_factory.mktemp("store") / "build.duckdb"))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute((ROOT / "pipelines" / "eventstore" / "schema.sql").read_text(encoding="utf-8"))
    results = {}
    try:
        for kind in sorted({k for _, k in CONTRACTS.values()}):
            for r in ingest_kind(con, demo_raw, kind, recorded_at=RECORDED):
                results[r.path] = r
    finally:
        mp.undo()
    by_key = {key: results.get(rel) for key, rel in FILES.items()}
    yield con, by_key
    con.close()
