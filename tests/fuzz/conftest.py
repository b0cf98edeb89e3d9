"""Fixture of the ingest fuzz tests: one real event store per test module (see helpers.py)."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from pipelines.eventstore.store import ensure_schema
from tests.fuzz.helpers import FuzzStore


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory) -> FuzzStore:
    """A fresh build database with the event store schema (session zone Asia/Shanghai)."""
    root = tmp_path_factory.mktemp("fuzz")
    mp = pytest.MonkeyPatch()
    mp.setenv("CSW_PII_SALT", "fuzz-salt")
    mp.setenv("CSW_INGEST_TMP", str(root / "ingest_tmp"))
    con = duckdb.connect(str(root / "build.duckdb"))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    ensure_schema(con)
    yield FuzzStore(con, root / "raw", itertools.count())
    con.close()
    mp.undo()
