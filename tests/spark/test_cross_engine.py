"""The same dbt project on two engines: DuckDB (target build, over the event store) and Apache Spark in local
mode (target spark, dbt-spark `session` method, over the Parquet event log exported from that store).

DuckDB side: the session's real demo refresh (tests/conftest.py `demo_published`: the deterministic demo exports
ingested with the real contracts and built by the nightly job's `dbt build`). Spark side: the event store of that
warehouse exported to the Parquet log (pipelines.eventlog), then `dbt build --target spark` of seeds and models
(data and unit tests are DuckDB-only: tests/dbt and the refresh run them). Every mart - every model of the
`marts` folder in the dbt manifest of the Spark run - must match row for row: same columns in the same order, same
number of rows, and after sorting both sides by all columns, equal values: text, dates, booleans and integers
exactly, instants as the same UTC instant, floating point within rel_tol 1e-9 / abs_tol 1e-9 (math.isclose; the
engines sum doubles in their own order, so the last bits may differ).

One export and one Spark build per session (module fixture): about 3 minutes on 2 cores (export of ~10,000 small
Parquet files ~45 s, Spark build ~150 s with the JVM start); bench/RESULTS.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.eventlog import export_event_log
from pipelines.eventlog.spark import MODELS_ONLY, run_dbt_spark, spark_table_dir
from pipelines.warehouse import Warehouse

REL_TOL = 1e-9
ABS_TOL = 1e-9
MART_SCHEMA = "main_marts"


@pytest.fixture(scope="module")
def spark_build(demo_published, tmp_path_factory):
    """The demo warehouse's event store exported and built on Spark: dict(duck_db, spark_dir, marts, export)."""
    root = tmp_path_factory.mktemp("cross_engine")
    export = export_event_log(Warehouse(demo_published.warehouse), root / "eventlog")
    assert export.batch == 1 and export.rows["events"] > 10000, export.to_dict()
    spark_dir, work = root / "spark", root / "spark_work"
    run = run_dbt_spark(["build", *MODELS_ONLY], root / "eventlog", spark_dir, work, timeout=3600)
    assert run.returncode == 0, run.output[-8000:]
    manifest = json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))
    marts = sorted(n["name"] for n in manifest["nodes"].values()
                   if n["resource_type"] == "model" and n["fqn"][1] == "marts")
    print(f"\nspark build of the demo event log: {run.seconds:.1f} s, {len(marts)} marts, {export.to_dict()}")
    return {"duck_db": demo_published.build, "spark_dir": spark_dir, "marts": marts, "export": export}


def _norm(v):
    """A value ready for comparison: Decimal -> float, aware datetimes -> UTC."""
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone.utc)
    return v


def _sort_key(row):
    """Total order over mixed values; floats by 6 significant digits, so both engines' rows sort alike."""
    key = []
    for v in row:
        if v is None:
            key.append((0, ""))
        elif isinstance(v, bool):
            key.append((1, str(v)))
        elif isinstance(v, (int, float)):
            key.append((2, "nan" if math.isnan(v) else f"{float(v):+.6e}"))
        else:
            key.append((3, str(v)))
    return key


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
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


def test_every_mart_matches_row_for_row(spark_build):
    marts = spark_build["marts"]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute(f"ATTACH '{spark_build['duck_db']}' AS duck (READ_ONLY)")
    duck_tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'duck' AND schema_name = ?", [MART_SCHEMA]).fetchall()}
    assert len(marts) >= 29 and set(marts) == duck_tables, (marts, sorted(duck_tables))
    problems, compared = [], {}
    for mart in marts:
        folder = spark_table_dir(spark_build["spark_dir"], MART_SCHEMA, mart)
        if not folder.is_dir():
            problems.append(f"{mart}: no Spark table at {folder}")
            continue
        d_cols, d_rows = _rows(con, f"SELECT * FROM duck.{MART_SCHEMA}.{mart}")
        files = sorted(p.as_posix() for p in Path(folder).glob("*.parquet"))
        if files:
            s_cols, s_rows = _rows(con, f"SELECT * FROM read_parquet({files})")
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
        compared[mart] = len(d_rows)
    assert not problems, "\n".join(problems)
    assert sum(compared.values()) > 10000, compared  # the demo marts are not trivially small
    empty = sorted(m for m, n in compared.items() if n == 0)
    assert len(empty) <= len(marts) // 4, f"too many empty marts compared: {empty}"
