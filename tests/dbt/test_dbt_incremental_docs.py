"""Incremental facts and generated docs of the city_safety dbt project, on the hand-made event store of
conftest.py (real dbt CLI runs on DuckDB files).

Incremental contract (macros/incremental.sql): a build with var as_of is always a full build; a later plain
build deletes and re-inserts only the partitions touched since each fact's watermark, and ends identical to a
full build of the same event store.
"""

from __future__ import annotations

import json
import shutil

from conftest import (AS_OF, INCREMENTAL_FOLDS, INCREMENTAL_MARTS, INCREMENTAL_STAGING, MARTS, MODELS_ONLY,
                      create_event_store, mart_hashes, query, run_dbt)


def _copy_db(src, work):
    work.mkdir(parents=True, exist_ok=True)
    dst = work / "build.duckdb"
    shutil.copyfile(src, dst)
    return dst


def test_as_of_is_full_and_incremental_catch_up_equals_full_build(built, as_of_build, dbt_tmp):
    assert built.run.returncode == 0, built.run.output[-3000:]
    full_hashes = mart_hashes(built.path)
    as_of_hashes = mart_hashes(as_of_build.path)
    work = dbt_tmp / "incremental"
    db = _copy_db(built.path, work)

    # 1. a latest build re-run as of the past: full rebuild of every incremental fact (no deletes), same tables as
    #    a fresh as-of build
    run = run_dbt(["build", "--vars", json.dumps({"as_of": AS_OF}), *MODELS_ONLY], db, work, {"TZ": "Asia/Shanghai"})
    assert run.returncode == 0, run.output[-3000:]
    assert mart_hashes(db) == as_of_hashes
    log = (work / "logs" / "dbt.log").read_text(encoding="utf-8")
    for name in INCREMENTAL_MARTS:  # the partition delete step never rendered
        assert f'delete from "build"."main_marts"."{name}" as t' not in log, name
    watermarks = dict(query(db, "SELECT model_name, strftime(cutoff_at AT TIME ZONE 'Asia/Shanghai', '%m-%d %H:%M') "
                                "FROM main_intermediate.incremental_watermarks"))
    assert watermarks == {m: "03-10 00:00" for m in [*INCREMENTAL_MARTS, *INCREMENTAL_STAGING, *INCREMENTAL_FOLDS]}

    # 2. a plain build afterwards is incremental: only partitions touched by the loads after 03-10 (F5's repair,
    #    the corrected complaint export, the late sensor reading, the April gas load) are deleted and re-inserted
    (work / "logs" / "dbt.log").unlink()
    run = run_dbt(["build", *MODELS_ONLY], db, work, {"TZ": "Asia/Shanghai"})
    assert run.returncode == 0, run.output[-3000:]
    log = (work / "logs" / "dbt.log").read_text(encoding="utf-8")
    for name in INCREMENTAL_MARTS:
        assert f'delete from "build"."main_marts"."{name}" as t' in log, name
    assert mart_hashes(db) == full_hashes
    assert set(full_hashes) == set(MARTS)
    watermarks = dict(query(db, "SELECT model_name, strftime(cutoff_at AT TIME ZONE 'Asia/Shanghai', '%m-%d %H:%M') "
                                "FROM main_intermediate.incremental_watermarks"))
    assert watermarks == {m: "04-01 02:10" for m in [*INCREMENTAL_MARTS, *INCREMENTAL_STAGING, *INCREMENTAL_FOLDS]}


def test_docs_generate_documents_every_mart_and_metric(built, dbt_tmp):
    assert built.run.returncode == 0, built.run.output[-3000:]
    work = dbt_tmp / "docs"
    db = _copy_db(built.path, work)
    run = run_dbt(["docs", "generate"], db, work)
    assert run.returncode == 0, run.output[-3000:]
    catalog = json.loads((work / "target" / "catalog.json").read_text(encoding="utf-8"))
    documented = {n.split(".")[-1] for n in catalog["nodes"] if n.startswith("model.city_safety.")}
    assert set(MARTS) <= documented, sorted(set(MARTS) - documented)
    assert "dim_calendar" in {n.split(".")[-1] for n in catalog["nodes"] if n.startswith("seed.")}
    manifest = json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))
    for name in MARTS:
        node = manifest["nodes"][f"model.city_safety.{name}"]
        assert node["description"].strip(), name  # every mart is described in its YAML
    metric_ids = [m["id"] for n in manifest["nodes"].values() for m in n.get("config", {}).get("meta", {}).get("metrics", [])]
    assert len(metric_ids) == len(set(metric_ids)) and {"F1", "C20", "B4", "S4", "I1", "H7", "E4"} <= set(metric_ids)
    assert (work / "target" / "index.html").exists()


# Nights of the day-by-day test: each appends the loads committed up to (and the supersessions made by) the
# instant, then runs a plain build (incremental after the first night).
NIGHTS = ["2024-03-08 02:15:00+08:00", "2024-03-08 03:30:00+08:00", "2024-03-12 02:00:00+08:00",
          "2024-03-12 02:15:00+08:00", "2024-04-01 02:10:00+08:00"]
EVENT_STORE_TABLES = ["file_ledger", "events", "sensor_readings", "rejected_rows"]


def _append_night(db, full, since: str | None, until: str) -> None:
    """Copy from the full fixture store ``full`` into ``db`` the loads committed in (since, until] with their
    rows, and the supersessions made in that interval (as the ingest appends them night by night)."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        con.execute(f"ATTACH '{full}' AS full_store (READ_ONLY)")
        window = "recorded_at > CAST(? AS TIMESTAMPTZ) AND recorded_at <= CAST(? AS TIMESTAMPTZ)"
        since = since or "-infinity"
        loads = f"SELECT load_id FROM full_store.events.file_ledger WHERE {window}"
        for table in EVENT_STORE_TABLES:
            con.execute(f"INSERT INTO events.{table} SELECT * FROM full_store.events.{table} "
                        f"WHERE load_id IN ({loads})", [since, until])
        con.execute("INSERT INTO events.load_supersessions SELECT * FROM full_store.events.load_supersessions "
                    f"WHERE {window.replace('recorded_at', 'superseded_at')}", [since, until])
        con.execute("DETACH full_store")
    finally:
        con.close()


def test_night_by_night_incremental_builds_equal_a_full_build(built, dbt_tmp):
    """The event store grows night by night (new loads, a late fault repair, a corrected re-export superseding
    a load, a late sensor reading); a plain `dbt build` after each night - incremental after the first, the
    data tests limited to what the night touched on the last one - ends with marts identical to one full build
    of the final store, and every incremental model's watermark at the last night."""
    assert built.run.returncode == 0, built.run.output[-3000:]
    work = dbt_tmp / "nightly"
    work.mkdir(parents=True, exist_ok=True)
    full = work / "full_store.duckdb"
    create_event_store(full)
    db = work / "build.duckdb"
    create_event_store(db)
    import duckdb

    con = duckdb.connect(str(db))
    try:
        for table in [*EVENT_STORE_TABLES, "load_supersessions"]:
            con.execute(f"DELETE FROM events.{table}")
    finally:
        con.close()

    previous = None
    for night in NIGHTS:
        _append_night(db, full, previous, night)
        last = night == NIGHTS[-1]
        # the last night also runs the data tests, scoped as the refresh scopes them (loads after the last
        # successful build: macros/test_scope.sql)
        env = {"TZ": "Asia/Shanghai", **({"CSW_DBT_TESTED_THROUGH": previous} if last else {})}
        run = run_dbt(["build", *([] if last else MODELS_ONLY)], db, work, env)
        assert run.returncode == 0, f"night {night}: {run.output[-3000:]}"
        previous = night
    assert mart_hashes(db) == mart_hashes(built.path)
    for fold in INCREMENTAL_FOLDS:
        sql = f"SELECT * FROM main_intermediate.{fold} ORDER BY ALL"
        assert query(db, sql) == query(built.path, sql), fold
    watermarks = dict(query(db, "SELECT model_name, strftime(cutoff_at AT TIME ZONE 'Asia/Shanghai', '%m-%d %H:%M') "
                                "FROM main_intermediate.incremental_watermarks"))
    assert watermarks == {m: "04-01 02:10" for m in [*INCREMENTAL_MARTS, *INCREMENTAL_STAGING, *INCREMENTAL_FOLDS]}
    compiled = next(work.rglob("unique_stg_events__active_event_id.sql")).read_text(encoding="utf-8")
    assert "event_id in (select event_id from" in compiled and "recorded_at > cast('2024-03-12" in compiled

    # a bad ledger row of the next night is caught by the scoped tests (the audit before publish) and, once
    # older than the tested-through instant, is out of their scope
    import duckdb

    con = duckdb.connect(str(db))
    try:
        con.execute("INSERT INTO events.file_ledger (load_id, sha256, path, source, source_kind, contract_sha256, "
                    "size_bytes, status, started_at, recorded_at) VALUES ('L99_bad', 'x', 'demo/bad.csv', "
                    "'demo_faults', 'facilities', 'x', 1, 'half-loaded', TIMESTAMPTZ '2024-04-02 02:00:00+08:00', "
                    "TIMESTAMPTZ '2024-04-02 02:00:00+08:00')")
    finally:
        con.close()
    ledger_tests = ["test", "--select", "source:events.file_ledger"]
    run = run_dbt(ledger_tests, db, work, {"CSW_DBT_TESTED_THROUGH": NIGHTS[-1]})
    assert run.returncode != 0 and "source_accepted_values_events_file_ledger_status" in run.output, run.output[-3000:]
    run = run_dbt(ledger_tests, db, work, {"CSW_DBT_TESTED_THROUGH": "2024-04-02 02:00:00+08:00"})
    assert run.returncode == 0, run.output[-3000:]
