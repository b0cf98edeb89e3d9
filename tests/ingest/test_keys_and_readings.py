"""Key checks, cell trimming and reading ids of the ingest (pipelines/ingest/load.py, typing_sql.py,
events_sql.py): duplicates are dropped by the declared order with a reject naming the kept line and
the key, NULL key parts compare equal, blanks (incl. full-width and no-break spaces) are trimmed, and a
reading's identity (system, device, type, instant, ``value_index``) is stored instead of a hashed id
(schema.sql; ``reading_id`` is derived by dbt, tests/dbt/test_reading_identity.py), also when an older
store is upgraded."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import duckdb
import pytest

from pipelines.eventstore.store import ensure_schema
from tests.ingest.helpers import ingest_all, rejects, write

SENSORS = """
source: t_sens
source_system: tsys
kind: sensors
match: ["sens/*"]
format: csv
timezone: Asia/Shanghai
columns:
  device_id: {{required: true}}
  sensor_type: {{required: true}}
  ts: {{type: timestamptz, required: true}}
  value: {{type: float, required: true}}
  unit: {{}}
key: [device_id, sensor_type, ts]
{duplicates}
readings:
  device: device_id
  measured_at: ts
  value: value
  sensor_type: sensor_type
  unit: unit
  sentinels: [-9999]
"""

ROWS = """device_id,sensor_type,ts,value,unit
D1,gas,2026-03-08T10:00:00+08:00,1.5,%LEL
D2,gas,2026-03-08T10:00:00+08:00,2.5,%LEL
D1,gas,2026-03-08T02:00:00Z,3.5,%LEL
D3,gas,2026-03-08 10:00:00,4.5,%LEL
D1,gas,2026-03-08T10:00:00+08:00,5.5,%LEL
D4,gas,2026-03-08T11:00:00+08:00,-9999,%LEL
"""


@pytest.fixture(params=["sorted in memory", "grouped by DuckDB"])
def env(request, tmp_path, monkeypatch, store):
    """(store, raw folder, contract writer); each test runs with both key checks of ``_count_problems``."""
    if request.param == "grouped by DuckDB":  # what a file of more than KEY_CHECK_IN_MEMORY_ROWS rows takes
        monkeypatch.setattr("pipelines.ingest.load.KEY_CHECK_IN_MEMORY_ROWS", 0)
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))

    def contract(duplicates: str = "") -> None:
        write(contracts / "sens.yaml", SENSORS.format(duplicates=duplicates))

    return store, tmp_path / "raw", contract


def _values(con) -> list[tuple[str, int, float | None]]:
    return con.execute("SELECT device_id, source_line, value FROM events.sensor_readings ORDER BY 2").fetchall()


@pytest.mark.parametrize("duplicates, kept", [
    ("", 2),                                          # first by line
    ("duplicates: {keep: last}", 6),                  # last by line
    ("duplicates: {keep: last, order_by: value}", 6),  # largest value
    ("duplicates: {keep: first, order_by: value}", 2),  # smallest value
])
def test_duplicate_keys_keep_the_declared_row(env, duplicates, kept):
    con, raw, contract = env
    contract(duplicates)
    write(raw / "sens/a.csv", ROWS)
    r = next(iter(ingest_all(con, raw).values()))
    # lines 2, 4 and 6 are one key: the same instant written with +08:00 and Z
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected, r.readings_written) == (6, 4, 2, 4)
    assert [line for _, line, _ in _values(con) if line in (2, 4, 6)] == [kept]
    dropped = sorted({2, 4, 6} - {kept})
    got = rejects(con, "sens/a.csv")
    assert [(line, code) for line, code, _ in got] == [(line, "duplicate") for line in dropped]
    for _, _, reason in got:
        assert reason.startswith(f"duplicate of line {kept} (key device_id=D1, sensor_type=gas, ts=2026-03-08T02:00:00Z")
    raw_text = con.execute("SELECT raw_text FROM events.rejected_rows ORDER BY source_line").fetchall()
    lines = ROWS.splitlines()
    assert [t for (t,) in raw_text] == [lines[line - 1] for line in dropped]


def test_null_key_parts_compare_equal(env):
    con, raw, contract = env
    write(raw / "sens/a.csv", "device_id,sensor_type,ts,value,unit\nD1,gas,2026-03-08T10:00:00+08:00,1,\n")
    contract()
    # unit is not part of the key; a key with a missing required part is a reject, not a NULL key
    r = next(iter(ingest_all(con, raw).values()))
    assert (r.rows_loaded, r.rows_rejected) == (1, 0)
    write(raw / "sens/b.csv", "device_id,sensor_type,ts,value,unit\n"
          "D1,gas,2026-03-08T10:00:00+08:00,1,x\nD1,,2026-03-08T10:00:00+08:00,2,x\n")
    r = ingest_all(con, raw)["sens/b.csv"]
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    assert [code for _, code, _ in rejects(con, "sens/b.csv")] == ["missing_required"]


def test_null_key_parts_never_hide_a_duplicate(env, tmp_path):
    con, raw, _ = env
    write(tmp_path / "contracts" / "sens.yaml", SENSORS.format(duplicates="").replace(
        "key: [device_id, sensor_type, ts]", "key: [device_id, sensor_type, ts, unit]"))
    write(raw / "sens/a.csv", "device_id,sensor_type,ts,value,unit\n"
          "D1,gas,2026-03-08T10:00:00+08:00,1,\nD1,gas,2026-03-08T10:00:00+08:00,2,\n"
          "D1,gas,2026-03-08T10:00:00+08:00,3,x\n")
    r = next(iter(ingest_all(con, raw).values()))
    assert (r.rows_loaded, r.rows_rejected) == (2, 1)
    (line, code, reason), = rejects(con, "sens/a.csv")
    assert (line, code) == (3, "duplicate") and reason.endswith("unit=NULL)")


def test_cells_are_trimmed_of_all_blanks(env):
    con, raw, contract = env
    contract()
    write(raw / "sens/a.csv", "device_id,sensor_type,ts,value,unit\n"
          " D1\u3000,\tgas ,\u00a02026-03-08T10:00:00+08:00 , 1.5\u3000,\u3000\n"
          "\u3000\u00a0,gas,2026-03-08T10:00:00+08:00,1,x\n")
    r = next(iter(ingest_all(con, raw).values()))
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    # an ok reading keeps its value, not its text (raw_value only for flagged readings)
    assert con.execute("SELECT device_id, sensor_type, value, unit, raw_value FROM events.sensor_readings").fetchall() \
        == [("D1", "gas", 1.5, None, None)]
    assert rejects(con, "sens/a.csv")[0][:2] == (3, "missing_required")


def test_reading_identity_is_stored(env):
    con, raw, contract = env
    contract()
    write(raw / "sens/a.csv", ROWS)
    ingest_all(con, raw, recorded_at=datetime(2026, 3, 9, tzinfo=timezone.utc))
    cols = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'events' "
                                      "AND table_name = 'sensor_readings'").fetchall()]
    assert "reading_id" not in cols and "value_index" in cols and "source_system" not in cols
    # the contract's system of record is the load's (ledger), not repeated on every reading
    assert con.execute("SELECT source, source_system FROM events.file_ledger").fetchall() == [("t_sens", "tsys")]
    got = con.execute("SELECT device_id, sensor_type, epoch_us(measured_at), value_index, source_line, quality, value "
                      "FROM events.sensor_readings ORDER BY source_line").fetchall()
    assert [(d, t, i, line, q, v) for d, t, _, i, line, q, v in got] == [
        ("D1", "gas", 1, 2, "ok", 1.5), ("D2", "gas", 1, 3, "ok", 2.5), ("D3", "gas", 1, 5, "ok", 4.5),
        ("D4", "gas", 1, 7, "sentinel", None)]
    # a naive time is read in the contract's zone
    assert got[2][2] == int(datetime(2026, 3, 8, 2, tzinfo=timezone.utc).timestamp() * 1_000_000)


def test_packed_values_get_their_position_as_value_index(env, tmp_path):
    con, raw, _ = env
    write(tmp_path / "contracts" / "sens.yaml", SENSORS.format(duplicates="").replace(
        "  value: value\n", "  value: value\n  split: \"|\"\n").replace(
        "value: {type: float, required: true}", "value: {required: true}"))
    write(raw / "sens/a.csv", "device_id,sensor_type,ts,value,unit\n"
          "D1,gas,2026-03-08T10:00:00+08:00,0.260|0.267|-9999,m\nD2,gas,2026-03-08T10:00:00+08:00,1.5,m\n")
    r = next(iter(ingest_all(con, raw).values()))
    assert (r.rows_loaded, r.readings_written) == (2, 4)
    # ok parts: their value and no raw text; the sentinel part: its raw text and no value
    assert con.execute("SELECT device_id, source_line, value_index, value, raw_value, quality "
                       "FROM events.sensor_readings ORDER BY 2, 3").fetchall() == [
        ("D1", 2, 1, 0.26, None, "ok"), ("D1", 2, 2, 0.267, None, "ok"), ("D1", 2, 3, None, "-9999", "sentinel"),
        ("D2", 3, 1, 1.5, None, "ok")]


# events.sensor_readings as the first layout created it: a stored md5 reading_id, no value_index
_FIRST_LAYOUT = """CREATE TABLE events.sensor_readings (
    reading_id VARCHAR NOT NULL, device_id VARCHAR NOT NULL, sensor_type VARCHAR NOT NULL,
    measured_at TIMESTAMPTZ NOT NULL, value DOUBLE, unit VARCHAR, quality VARCHAR NOT NULL, raw_value VARCHAR,
    source VARCHAR NOT NULL, source_system VARCHAR NOT NULL, load_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
    source_line BIGINT, recorded_at TIMESTAMPTZ NOT NULL)"""
# second layout: value_index instead of the stored id, per-load constants still on every reading
_SECOND_LAYOUT = _FIRST_LAYOUT.replace("reading_id VARCHAR NOT NULL, ", "").replace(
    "source_line BIGINT,", "source_line BIGINT, value_index INTEGER NOT NULL,")
# third layout: only source_system left on the readings (and not in the ledger)
_THIRD_LAYOUT = _SECOND_LAYOUT.replace("source VARCHAR NOT NULL, ", "").replace(
    "source_file VARCHAR NOT NULL,", "").replace(", recorded_at TIMESTAMPTZ NOT NULL)", ")")


def _old_store(path, readings_ddl: str) -> duckdb.DuckDBPyConnection:
    """An event store whose ledger has no source_system and no readings span and whose readings table is ``readings_ddl``, with
    ledger rows L1 (readings of system tsys), L2 (events of system esys) and L3 (a file refused whole)."""
    con = duckdb.connect(str(path))
    ensure_schema(con)
    for col in ("source_system", "readings_from", "readings_to"):  # the ledger before these columns
        con.execute(f"ALTER TABLE events.file_ledger DROP COLUMN {col}")
    con.execute("DROP TABLE events.sensor_readings")
    con.execute(readings_ddl)
    for load_id, source, status in [("L1", "t_sens", "loaded"), ("L2", "t_calls", "loaded"),
                                    ("L3", "t_sens", "rejected_file")]:
        con.execute("INSERT INTO events.file_ledger (load_id, sha256, path, source, source_kind, contract_sha256, "
                    "size_bytes, status, warnings, started_at, recorded_at) VALUES (?, ?, 'a.csv', ?, 'k', 'c', 1, ?, "
                    "['w'], TIMESTAMPTZ '2026-03-08 02:00:00+00', TIMESTAMPTZ '2026-03-08 02:00:00+00')",
                    [load_id, load_id * 8, source, status])
    con.execute("INSERT INTO events.events (event_id, event_type, aggregate_type, aggregate_id, occurred_at, "
                "recorded_at, source, source_system, load_id, source_file) VALUES ('e', 't', 'a', '1', now(), now(), "
                "'t_calls', 'esys', 'L2', 'a.csv')")
    return con


def _assert_upgraded(con: duckdb.DuckDBPyConnection) -> None:
    """Readings and ledger columns are the current layout's (schema.sql), the ledger knows each load's system."""
    fresh = duckdb.connect()
    ensure_schema(fresh)
    for table in ("sensor_readings", "file_ledger"):
        layout = "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'events' " \
                 f"AND table_name = '{table}' ORDER BY column_index"
        assert con.execute(layout).fetchall() == fresh.execute(layout).fetchall(), table
    fresh.close()
    assert con.execute("SELECT load_id, source_system, warnings FROM events.file_ledger ORDER BY 1").fetchall() == [
        ("L1", "tsys", ["w"]), ("L2", "esys", ["w"]), ("L3", None, ["w"])]
    # the readings span is filled from the readings (L1's), NULL for loads without readings
    spans = con.execute("SELECT load_id, readings_from = lo AND readings_to = hi FROM events.file_ledger "
                        "LEFT JOIN (SELECT load_id, min(measured_at) lo, max(measured_at) hi FROM events.sensor_readings "
                        "GROUP BY 1) USING (load_id) ORDER BY 1").fetchall()
    assert spans == [("L1", True), ("L2", None), ("L3", None)]


def test_a_store_with_stored_reading_ids_is_upgraded(tmp_path):
    con = _old_store(tmp_path / "old.duckdb", _FIRST_LAYOUT)
    at = "2026-03-08 02:00:00+00"
    micros = int(datetime(2026, 3, 8, 2, tzinfo=timezone.utc).timestamp() * 1_000_000)
    # line 2: one reading; line 3: three packed parts, stored out of order
    for line, device, index, raw_value in [(2, "D1", 1, "1.5"), (3, "D2", 3, "0.3"), (3, "D2", 1, "0.1"),
                                           (3, "D2", 2, "0.2")]:
        rid = hashlib.md5(f"tsys|{device}|gas|{micros}|{index}".encode()).hexdigest()
        con.execute("INSERT INTO events.sensor_readings VALUES (?, ?, 'gas', CAST(? AS TIMESTAMPTZ), ?, 'm', 'ok', ?, "
                    "'t_sens', 'tsys', 'L1', 'sens/a.csv', ?, CAST(? AS TIMESTAMPTZ))",
                    [rid, device, at, float(raw_value), raw_value, line, at])
    ensure_schema(con)
    ensure_schema(con)  # idempotent
    _assert_upgraded(con)
    assert con.execute("SELECT device_id, source_line, value_index, raw_value FROM events.sensor_readings "
                       "ORDER BY 2, 3").fetchall() == [
        ("D1", 2, 1, "1.5"), ("D2", 3, 1, "0.1"), ("D2", 3, 2, "0.2"), ("D2", 3, 3, "0.3")]
    con.close()


@pytest.mark.parametrize("layout", [_SECOND_LAYOUT, _THIRD_LAYOUT], ids=["second", "third"])
def test_a_store_with_per_load_constants_on_readings_is_upgraded(tmp_path, layout):
    """Second layout (value_index, but source, source_system, source_file and recorded_at on every reading) and
    third (only source_system left there): the per-load constants are dropped in place, the ledger gets each
    load's source_system from its readings or events, the readings stay."""
    con = _old_store(tmp_path / "old.duckdb", layout)
    old_cols = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'events' "
                                          "AND table_name = 'sensor_readings'").fetchall()}
    per_load = {"source": "'t_sens'", "source_file": "'sens/a.csv'",
                "recorded_at": "TIMESTAMPTZ '2026-03-08 02:00:00+00'"}
    con.execute("INSERT INTO events.sensor_readings BY NAME SELECT 'D1' AS device_id, 'gas' AS sensor_type, "
                "TIMESTAMPTZ '2026-03-08 02:00:00+00' AS measured_at, 1.5 AS value, 'm' AS unit, 'ok' AS quality, "
                "'1.5' AS raw_value, 'tsys' AS source_system, 'L1' AS load_id, 2 AS source_line, 1 AS value_index"
                + "".join(f", {v} AS {c}" for c, v in per_load.items() if c in old_cols))
    ensure_schema(con)
    ensure_schema(con)  # idempotent
    _assert_upgraded(con)
    assert con.execute("SELECT * FROM events.sensor_readings").fetchall() == con.execute(
        "SELECT 'D1', 'gas', TIMESTAMPTZ '2026-03-08 02:00:00+00', 1.5, 'm', 'ok', '1.5', 'L1', 2, 1"
    ).fetchall()
    con.close()


def test_the_ledger_records_the_span_of_a_loads_readings(env):
    """``readings_from`` / ``readings_to``: what dbt uses to find loads whose readings may repeat each other's."""
    con, raw, contract = env
    contract()
    write(raw / "sens/a.csv", ROWS)
    ingest_all(con, raw)
    span = con.execute("SELECT epoch(readings_from), epoch(readings_to) FROM events.file_ledger").fetchone()
    utc = lambda *a: datetime(*a, tzinfo=timezone.utc).timestamp()  # noqa: E731
    assert span == (utc(2026, 3, 8, 2), utc(2026, 3, 8, 3))  # 10:00+08:00 (lines 2-5) .. 11:00+08:00 (line 7)
