"""The Parquet event log (pipelines.eventlog) on real ingested demo data, without Spark: Hive partitions by
source and UTC event date, exact read-back, incremental batches that only add files, supersessions, recovery
after a crashed export, and the Spark DDL (dbt macro event_log_tables) matching the event store's columns.

One module fixture generates the demo exports and ingests them in three steps (complaints; then sensors; then a
corrected re-export of demo/complaints.csv), exporting after each step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.demo.generate import generate
from pipelines.eventlog import EventLogError, attach_event_log, export_event_log, read_manifest, restore_event_store
from pipelines.eventlog.layout import PENDING_NAME, TABLES
from pipelines.ingest.load import ingest_kind
from pipelines.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")


def _ingest(wh: Warehouse, raw: Path, kind: str, minute: int) -> None:
    with wh.connect_build() as con:
        results = ingest_kind(con, raw, kind, recorded_at=dt.datetime(2026, 11, 1, 2, minute, tzinfo=SH))
    bad = [(r.path, r.error) for r in results if r.status != "loaded"]
    assert not bad, bad


def _snapshot(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every Parquet file under root."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.parquet"))}


def _assert_same_as_store(wh: Warehouse, root: Path) -> None:
    """Every table read back from the log equals the event store, row for row (EXCEPT ALL both ways)."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        attach_event_log(con, root)
        con.execute(f"ATTACH '{wh.build_db}' AS store (READ_ONLY)")
        for t in TABLES:
            n_store = con.execute(f"SELECT count(*) FROM store.events.{t.name}").fetchone()[0]
            n_log = con.execute(f"SELECT count(*) FROM eventlog.{t.name}").fetchone()[0]
            assert n_store == n_log, (t.name, n_store, n_log)
            for a, b in (("store.events", "eventlog"), ("eventlog", "store.events")):
                (diff,) = con.execute(f"SELECT count(*) FROM (SELECT * FROM {a}.{t.name} EXCEPT ALL "
                                      f"SELECT * FROM {b}.{t.name})").fetchone()
                assert diff == 0, (t.name, a, b, diff)
    finally:
        con.close()


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    """(warehouse, log root, raw dir, snapshots and results of the three exports)."""
    base = tmp_path_factory.mktemp("eventlog")
    raw = base / "raw"
    generate(raw)
    wh = Warehouse(base / "warehouse").ensure()
    root = base / "eventlog"
    steps = {}
    _ingest(wh, raw, "complaints", 0)
    steps["first"] = (export_event_log(wh, root), _snapshot(root), json.loads((root / "_manifest.json").read_text()))
    steps["repeat"] = (export_event_log(wh, root), _snapshot(root), None)
    _ingest(wh, raw, "sensors", 1)  # readings and alarms (the other kinds add nothing new to the log's shape)
    steps["second"] = (export_event_log(wh, root), _snapshot(root), None)
    # a corrected re-export of demo/complaints.csv (last row dropped) supersedes the first load of that path
    path = raw / "demo" / "complaints.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))
    _ingest(wh, raw, "complaints", 30)
    steps["third"] = (export_event_log(wh, root), _snapshot(root), None)
    return wh, root, raw, steps


def test_hive_partitions_by_source_and_utc_event_date(log):
    wh, root, _, steps = log
    result, files, manifest = steps["first"]
    assert result.batch == 1 and result.rows["events"] > 1000 and result.rows["file_ledger"] == len(result.loads)
    event_files = [f for f in files if f.startswith("events/")]
    assert event_files and all(re.fullmatch(r"events/source=[a-z0-9_]+/event_date=\d{4}-\d{2}-\d{2}/b000001_[0-9a-f-]+\.parquet", f)
                               for f in event_files), event_files[:3]
    # the partition of each row is the UTC date of occurred_at, and the files do not repeat `source`
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    sample = root / event_files[0]
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{sample}', hive_partitioning = false)").fetchall()]
    assert "source" not in cols and "event_date" not in cols and "payload" in cols
    (bad,) = con.execute(
        f"SELECT count(*) FROM read_parquet('{root}/events/**/*.parquet', hive_partitioning = true, "
        "hive_types = {'event_date': DATE, 'source': VARCHAR}) "
        "WHERE event_date <> CAST(timezone('UTC', occurred_at) AS DATE)").fetchone()
    assert bad == 0
    # the manifest lists every file with its partition values and rows; rows add up to the export
    entry = manifest["tables"]["events"]
    assert sorted(f["path"] for f in entry["files"]) == sorted(event_files)
    assert sum(f["rows"] for f in entry["files"]) == result.rows["events"]
    assert all(f["partition"]["source"] and f["partition"]["event_date"] for f in entry["files"])
    assert set(entry["partitions"]) == {f.rsplit("/", 1)[0].split("/", 1)[1] for f in event_files}
    assert [c["name"] for c in entry["columns"]][:3] == ["event_id", "event_type", "aggregate_type"]


def test_nothing_new_writes_nothing(log):
    _, _, _, steps = log
    result, files, _ = steps["repeat"]
    assert result.batch is None and result.files == []
    assert files == steps["first"][1]


def test_next_batches_only_add_files(log):
    wh, root, _, steps = log
    first, second, third = steps["first"][1], steps["second"][1], steps["third"][1]
    # every committed file is still there, byte for byte; new files carry the new batch number
    assert all(second.get(p) == h for p, h in first.items())
    assert all(third.get(p) == h for p, h in second.items())
    assert {p.rsplit("/", 1)[1][:7] for p in set(second) - set(first)} == {"b000002"}
    assert {p.rsplit("/", 1)[1][:7] for p in set(third) - set(second)} == {"b000003"}
    r2, r3 = steps["second"][0], steps["third"][0]
    assert r2.rows["sensor_readings"] > 0 and r2.rows["events"] > 0
    assert r3.rows["load_supersessions"] == 1 and len(r3.loads) == 1
    manifest = read_manifest(root, missing_ok=False)
    assert manifest["last_batch"] == 3 and [b["batch"] for b in manifest["batches"]] == [1, 2, 3]
    assert set(manifest["loads"]) == {r[0] for r in duckdb.connect(str(wh.build_db), read_only=True).execute(
        "SELECT load_id FROM events.file_ledger").fetchall()}


def test_read_back_equals_the_event_store(log, tmp_path):
    wh, root, _, _ = log
    _assert_same_as_store(wh, root)
    # a restored event store is a full copy (types included: JSON payload, TIMESTAMPTZ, VARCHAR[])
    counts = restore_event_store(root, tmp_path / "restored.duckdb")
    con = duckdb.connect(str(tmp_path / "restored.duckdb"), read_only=True)
    try:
        con.execute(f"ATTACH '{wh.build_db}' AS store (READ_ONLY)")
        for t in TABLES:
            assert counts[t.name] == con.execute(f"SELECT count(*) FROM store.events.{t.name}").fetchone()[0]
            (diff,) = con.execute(f"SELECT count(*) FROM (SELECT * FROM store.events.{t.name} EXCEPT ALL "
                                  f"SELECT * FROM events.{t.name})").fetchone()
            assert diff == 0, t.name
        assert con.execute("SELECT typeof(payload), typeof(occurred_at) FROM events.events LIMIT 1").fetchone() == \
            ("JSON", "TIMESTAMP WITH TIME ZONE")
    finally:
        con.close()
    with pytest.raises(FileExistsError):
        restore_event_store(root, tmp_path / "restored.duckdb")


def test_crashed_export_is_cleaned_up_and_redone(log, tmp_path):
    wh, root, raw, _ = log
    # an export that died after writing a file: pending marker + a file of the next batch
    stray = root / "events" / "source=demo_faults" / "event_date=2026-10-01" / "b000004_dead-beef.parquet"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"partial")
    (root / PENDING_NAME).write_text('{"batch": 4}\n')
    before = read_manifest(root)
    assert export_event_log(wh, root).batch is None  # nothing new in the store
    assert not stray.exists() and not (root / PENDING_NAME).exists()
    assert read_manifest(root) == before
    _assert_same_as_store(wh, root)


def test_unsafe_source_value_is_refused(tmp_path):
    wh = Warehouse(tmp_path / "wh").ensure()
    with wh.connect_build() as con:
        con.execute("INSERT INTO events.file_ledger (load_id, sha256, path, source, source_kind, contract_sha256, "
                    "size_bytes, status, started_at, recorded_at) VALUES ('L1', 'x', 'a.csv', 'bad/name', 'k', 'c', 1, "
                    "'loaded', now(), now())")
        con.execute("INSERT INTO events.events (event_id, event_type, aggregate_type, aggregate_id, occurred_at, "
                    "recorded_at, source, source_system, load_id, source_file) VALUES ('e', 't', 'a', '1', now(), now(), "
                    "'bad/name', 's', 'L1', 'a.csv')")
    with pytest.raises(EventLogError, match="bad/name.*L1"):
        export_event_log(wh, tmp_path / "log")
    assert not list((tmp_path / "log").rglob("*.parquet"))


def test_spark_ddl_matches_the_event_store(log):
    """dbt macro event_log_tables (the Spark tables over the log) lists the store's columns in order."""
    _, root, _, _ = log
    manifest = read_manifest(root, missing_ok=False)
    text = (REPO / "dbt" / "macros" / "event_log.sql").read_text(encoding="utf-8")
    spark_type = {"VARCHAR": "string", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double", "JSON": "string",
                  "TIMESTAMP WITH TIME ZONE": "timestamp", "VARCHAR[]": "array<string>"}

    def block(start: str) -> list[tuple[str, str]]:
        i = text.index(start)
        if not start.startswith("set "):
            i = text.index("'columns': [", i)
        return re.findall(r"\('(\w+)', '([\w<>]+)'\)", text[i:text.index("]", i + 12)])

    for t in TABLES:
        declared = block("set events_cols = [" if t.name == "events" else f"'{t.name}': {{")
        expected = [(c["name"], spark_type[c["type"]]) for c in manifest["tables"][t.name]["columns"]
                    if c["name"] not in t.partition_by]
        expected += [(p, "date" if p == "event_date" else "string") for p in t.partition_by]
        assert declared == expected, t.name
