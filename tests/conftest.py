"""Shared test fixtures: the real-data folder, a fresh event store, and one real demo refresh per session."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Published:
    """A refreshed demo warehouse: raw folder, warehouse folder, the salt used, the first serving file."""

    raw: Path
    warehouse: Path
    salt: str
    serving: Path

    @property
    def build(self) -> Path:
        """The build database (``build.duckdb``)."""
        return self.warehouse / "build.duckdb"


@pytest.fixture(scope="session")
def demo_published(tmp_path_factory) -> Published:
    """The demo exports refreshed and published once per session through the real CLI and Dagster
    (``python -m pipelines refresh``), with the hashing salt from configuration (``CSW_PII_SALT``, a
    fresh random value), never the repository. Tests that refresh again must not assume v1 is current."""
    from pipelines.demo.generate import generate

    root = tmp_path_factory.mktemp("demo")
    raw, warehouse = root / "raw", root / "warehouse"
    generate(raw)
    salt = "cfg-" + secrets.token_hex(16)
    env = {**os.environ, "CSW_PII_SALT": salt, "CSW_TIMEZONE": "Asia/Shanghai"}
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines", "refresh", "--raw-dir", str(raw), "--warehouse-dir", str(warehouse)],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=1200,
    )
    pointer = warehouse / "serving" / "CURRENT.json"
    if proc.returncode != 0 or not pointer.exists():
        pytest.fail(f"refresh published nothing (exit {proc.returncode})\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    current = json.loads(pointer.read_text(encoding="utf-8"))
    return Published(raw, warehouse, salt, warehouse / "serving" / current["file"])
