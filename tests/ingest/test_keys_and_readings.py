"""Key checks, cell trimming and reading ids of the ingest (pipelines/ingest/load.py, typing_sql.py,
events_sql.py): duplicates are dropped by the declared order with a reject naming the kept line and
the key, NULL key parts compare equal, blanks (incl. full-width and no-break spaces) are trimmed, and
``reading_id`` is the documented md5 (schema.sql) so a reload re-issues the same ids."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest

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


@pytest.fixture
def env(tmp_path, monkeypatch, store):
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))

    def contract(duplicates: str = "") -> None:
        write(contracts / "sens.yaml", SENSORS.format(duplicates=duplicates))

    return store, tmp_path / "raw", contract


def _values(con) -> list[tuple[str, int, float | None]]:
    return con.execute(
        "SELECT device_id, source_line, CAST(raw_value AS DOUBLE) FROM events.sensor_readings ORDER BY 2").fetchall()


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
    assert con.execute("SELECT device_id, sensor_type, value, unit, raw_value FROM events.sensor_readings").fetchall() \
        == [("D1", "gas", 1.5, None, "1.5")]
    assert rejects(con, "sens/a.csv")[0][:2] == (3, "missing_required")


def test_reading_id_is_the_documented_md5_and_stable(env):
    con, raw, contract = env
    contract()
    write(raw / "sens/a.csv", ROWS)
    ingest_all(con, raw, recorded_at=datetime(2026, 3, 9, tzinfo=timezone.utc))
    got = con.execute("SELECT reading_id, device_id, epoch_us(measured_at), quality, value FROM "
                      "events.sensor_readings ORDER BY source_line").fetchall()
    for reading_id, device, micros, _, _ in got:
        # md5(source_system|device_id|sensor_type|measured_at|value_index), measured_at in epoch microseconds
        assert reading_id == hashlib.md5(f"tsys|{device}|gas|{micros}|1".encode()).hexdigest()
    assert [(d, q, v) for _, d, _, q, v in got] == [
        ("D1", "ok", 1.5), ("D2", "ok", 2.5), ("D3", "ok", 4.5), ("D4", "sentinel", None)]
    # a naive time is read in the contract's zone
    assert got[2][2] == int(datetime(2026, 3, 8, 2, tzinfo=timezone.utc).timestamp() * 1_000_000)
