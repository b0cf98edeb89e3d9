"""Fixtures for orchestration / publish / CLI tests: a real warehouse folder with a real build database.

``built_warehouse`` creates ``build.duckdb`` with the event store DDL (pipelines/eventstore/schema.sql),
a small ledger (two loaded complaint files, one with rejected rows) and ``main_marts`` tables as dbt
would leave them, so publish, status and sql run on real DuckDB files without a full dbt build.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines.warehouse import Warehouse

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOADED_AT = datetime(2026, 3, 10, 2, 0, tzinfo=SHANGHAI)


def add_ledger_row(con, load_id: str, path: str, *, kind: str = "complaints", rows_in_file: int = 10,
                   rows_loaded: int = 10, rows_rejected: int = 0, status: str = "loaded",
                   error: str | None = None, recorded_at: datetime = LOADED_AT) -> None:
    """Insert one ``events.file_ledger`` row (and ``rows_rejected`` matching ``events.rejected_rows``)."""
    con.execute(
        """INSERT INTO events.file_ledger BY NAME SELECT
             ? AS load_id, ? AS sha256, ? AS path, 'demo_complaints' AS source, ? AS source_kind,
             'c0ffee' AS contract_sha256, 100 AS size_bytes, 'utf-8' AS encoding, ? AS rows_in_file,
             ? AS rows_loaded, ? AS rows_rejected, ? AS events_written, 0 AS readings_written, ? AS status,
             ? AS error, ?::TIMESTAMPTZ AS started_at, ?::TIMESTAMPTZ AS recorded_at""",
        [load_id, f"sha-{load_id}", path, kind, rows_in_file, rows_loaded, rows_rejected, rows_loaded, status,
         error, recorded_at - timedelta(seconds=5), recorded_at],
    )
    for i in range(rows_rejected):
        con.execute(
            "INSERT INTO events.rejected_rows VALUES (?, 'demo_complaints', ?, ?, ?, ?, ?)",
            [load_id, path, 2 + i, f"C{i},12345,燃气安全,2025-02-30", "column received_at ('受理时间'): "
             "cannot parse '2025-02-30'", "parse_error" if i % 3 else "missing_required"],
        )


def make_marts(con, n_streets: int = 3) -> None:
    """``main_marts`` as dbt leaves it: two facts, a dimension, the lineage mart and a view."""
    con.execute("CREATE SCHEMA IF NOT EXISTS main_marts")
    con.execute("CREATE OR REPLACE TABLE main_marts.dim_street AS "
                f"SELECT 'licheng' AS source_system, '街道' || i AS street FROM range({n_streets}) t(i)")
    con.execute(
        """CREATE OR REPLACE TABLE main_marts.fct_fault_disposal_daily AS
           SELECT 'licheng' AS source_system, DATE '2026-03-01' + (i % 5)::INTEGER AS date_local,
                  '街道' || (i % 3) AS street, 'streetlight' AS facility_type, 10 AS faults_due,
                  9 AS faults_disposed_on_time, 10 AS faults_disposed, 0 AS faults_overdue_open,
                  0.9 AS disposal_rate, 0.98 AS target_rate
           FROM range(15) t(i)""")
    con.execute(
        """CREATE OR REPLACE TABLE main_marts.fct_event_lineage AS
           SELECT md5(i::VARCHAR) AS event_id, 'complaint_received' AS event_type, 'licheng' AS source_system,
                  'complaint' AS aggregate_type, 'C' || i AS aggregate_id,
                  TIMESTAMPTZ '2026-03-01 08:00:00+08' + to_hours(i) AS occurred_at, DATE '2026-03-01' AS date_local,
                  '街道0' AS street, 'gas' AS category, '12345' AS channel, NULL AS subject_type,
                  'demo_complaints' AS source, 'demo/complaints.csv' AS source_file, i + 2 AS source_line,
                  'L1' AS load_id
           FROM range(7) t(i)""")
    con.execute("CREATE OR REPLACE VIEW main_marts.v_streets_per_source AS "
                "SELECT source_system, count(*) AS streets FROM main_marts.dim_street GROUP BY 1")


@pytest.fixture
def built_warehouse(tmp_path, monkeypatch) -> Warehouse:
    """A warehouse whose build.duckdb holds the event store (2 loaded files, 3 rejected rows) and marts."""
    monkeypatch.setenv("CSW_TIMEZONE", "Asia/Shanghai")
    monkeypatch.delenv("CSW_KEEP_VERSIONS", raising=False)
    wh = Warehouse(tmp_path / "wh").ensure()
    with wh.connect_build() as con:
        add_ledger_row(con, "L1", "demo/complaints.csv", rows_in_file=100, rows_loaded=97, rows_rejected=3)
        add_ledger_row(con, "L2", "demo/complaints_feb.csv", rows_in_file=50, rows_loaded=50,
                       recorded_at=LOADED_AT + timedelta(hours=1))
        make_marts(con)
    return wh


@pytest.fixture
def hold_write_lock():
    """Start another process that opens a DuckDB file for writing and keeps it; yields a starter."""
    procs = []

    def start(path: Path) -> subprocess.Popen:
        code = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                "time.sleep(120)")
        proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=30)
