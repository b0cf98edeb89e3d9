"""The same dbt project on two engines: DuckDB (target build, over the event store) and Apache Spark in local
mode (target spark, dbt-spark `session` method, over the Parquet event log exported from that store).

The deterministic demo data set is generated and ingested with the real contracts (one load per ingest kind),
the event log is exported, and `dbt build` (seeds and models; data and unit tests run in tests/dbt) runs on both
engines. Every mart (every table of schema main_marts) must match row for row: same columns in the same order,
same number of rows, and after sorting both sides by all columns, equal values - text, dates, booleans and
integers exactly, instants as the same UTC instant, and floating point within rel_tol 1e-9 / abs_tol 1e-9
(math.isclose; both engines sum doubles in their own order, so the last bits may differ).

Marked `spark` (several minutes): skipped by the default run, run by `pytest -m spark` (.ci/run).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.demo.generate import generate
from pipelines.demo.spec import CONTRACTS
from pipelines.eventlog import export_event_log
from pipelines.eventlog.spark import DBT_BIN, DBT_DIR, run_dbt_spark, spark_table_dir
from pipelines.ingest.load import ingest_kind
from pipelines.warehouse import Warehouse

pytestmark = pytest.mark.spark

REL_TOL = 1e-9
ABS_TOL = 1e-9
MODELS_ONLY = ["--exclude", "test_type:data", "test_type:unit"]
MART_SCHEMA = "main_marts"


def _duckdb_build(db: Path, work: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSW_", "DBT_"))}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", CSW_BUILD_DB=str(db), TZ="Asia/Shanghai")
    cmd = [str(DBT_BIN), "build", *MODELS_ONLY, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
           "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=1800)
    return proc, time.monotonic() - start


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """Both builds of the demo data: dict(duck_db, spark_dir, marts, seconds per engine)."""
    root = tmp_path_factory.mktemp("cross_engine")
    raw = root / "raw"
    generate(raw)
    wh = Warehouse(root / "warehouse").ensure()
    sh = ZoneInfo("Asia/Shanghai")
    with wh.connect_build() as con:
        for i, kind in enumerate(sorted({k for _, k in CONTRACTS.values()})):
            results = ingest_kind(con, raw, kind, recorded_at=dt.datetime(2026, 11, 1, 2, i, tzinfo=sh))
            assert all(r.status == "loaded" for r in results), [(r.path, r.error) for r in results]
    export = export_event_log(wh, root / "eventlog")
    assert export.batch == 1 and export.rows["events"] > 10000

    duck, duck_s = _duckdb_build(wh.build_db, root / "duck")
    assert duck.returncode == 0, (duck.stdout + duck.stderr)[-5000:]
    spark_dir = root / "spark"
    spark = run_dbt_spark(["build", *MODELS_ONLY], root / "eventlog", spark_dir, root / "spark_work", timeout=3600)
    assert spark.returncode == 0, spark.output[-8000:]

    con = duckdb.connect(str(wh.build_db), read_only=True)
    try:
        marts = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [MART_SCHEMA]).fetchall()]
    finally:
        con.close()
    timings = {"duckdb_seconds": round(duck_s, 1), "spark_seconds": round(spark.seconds, 1),
               "spark_over_duckdb": round(spark.seconds / duck_s, 2), "events": export.rows["events"],
               "readings": export.rows["sensor_readings"], "log_files": len(export.files)}
    (root / "timings.json").write_text(json.dumps(timings, indent=1), encoding="utf-8")
    print(f"\ncross-engine demo build: {timings}")
    return {"duck_db": wh.build_db, "spark_dir": spark_dir, "marts": marts, "timings": timings}


def _norm(v):
    """A value ready for comparison: Decimal -> float, aware datetimes -> UTC."""
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone.utc)
    return v


def _sort_key(row):
    key = []
    for v in row:
        if v is None:
            key.append((0, ""))
        elif isinstance(v, bool):
            key.append((1, str(v)))
        elif isinstance(v, (int, float)):
            key.append((2, f"{round(float(v), 6):+.6e}" if not math.isnan(v) else "nan"))
        else:
            key.append((3, str(v)))
    return key


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    rows = [tuple(_norm(v) for v in r) for r in cur.fetchall()]
    return cols, sorted(rows, key=_sort_key)


def test_every_mart_matches_row_for_row(engines, record_property):
    for k, v in engines["timings"].items():
        record_property(k, v)
    assert len(engines["marts"]) >= 29, engines["marts"]  # the whole mart layer (dbt/README.md)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute(f"ATTACH '{engines['duck_db']}' AS duck (READ_ONLY)")
    problems = []
    compared = 0
    for mart in engines["marts"]:
        folder = spark_table_dir(engines["spark_dir"], MART_SCHEMA, mart)
        files = sorted(folder.glob("*.parquet"))
        if not folder.is_dir():
            problems.append(f"{mart}: no Spark table at {folder}")
            continue
        d_cols, d_rows = _rows(con, f"SELECT * FROM duck.{MART_SCHEMA}.{mart}")
        if files:
            s_cols, s_rows = _rows(con, f"SELECT * FROM read_parquet({[f.as_posix() for f in files]})")
        else:  # Spark wrote no data file: an empty table
            s_cols, s_rows = d_cols, []
        if d_cols != s_cols:
            problems.append(f"{mart}: columns differ: duckdb {d_cols} spark {s_cols}")
            continue
        if len(d_rows) != len(s_rows):
            problems.append(f"{mart}: {len(d_rows)} rows on duckdb, {len(s_rows)} on spark")
            continue
        for d, s in zip(d_rows, s_rows):
            bad = [(c, x, y) for c, x, y in zip(d_cols, d, s) if not _same(x, y)]
            if bad:
                problems.append(f"{mart}: first differing row: {bad[:4]}\n  duckdb {d}\n  spark  {s}")
                break
        compared += len(d_rows)
    assert not problems, "\n".join(problems)
    assert compared > 10000  # the demo marts are not trivially small
