"""Shared test fixtures: the real-data folder, a fresh event store, and an ingest helper."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.eventstore.store import ensure_schema

PROJECT = Path(__file__).resolve().parent.parent
REALDATA = Path(os.environ.get("CSW_REALDATA_DIR", PROJECT.parent / "shared" / "realdata"))


@pytest.fixture
def realdata() -> Path:
    """The read-only real exports (../shared/realdata); tests read them in place."""
    if not REALDATA.is_dir():
        pytest.fail(f"real data folder {REALDATA} is missing (set CSW_REALDATA_DIR)")
    return REALDATA


@pytest.fixture
def store(tmp_path) -> duckdb.DuckDBPyConnection:
    """A fresh build database with the event store schema, session zone Asia/Shanghai."""
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    ensure_schema(con)
    yield con
    con.close()
