"""The typed CSV fast path (pipelines/ingest/load.py ``_stage_typed_csv``) against the text path
(``CSW_INGEST_TYPED_CSV=0``): the same files load into two fresh stores, one per path, and every stored row
(readings, events, rejected rows with line, raw text and reason, ledger counts) must be the same. A clean
file stays on the typed path; a file with one bad line of any kind goes to the text path as a whole."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import duckdb
import pytest

from pipelines.eventstore.store import ensure_schema
from pipelines.ingest.load import _keeps_order
from tests.ingest.helpers import CALLS_CONTRACT, ingest_all, write

SENSORS = """
source: t_sens_{zone_key}
source_system: tsys
kind: sensors
match: ["{zone_key}/*"]
format: csv
timezone: {zone}
columns:
  device_id: {{required: true}}
  sensor_type: {{required: true}}
  ts: {{type: timestamptz, required: true}}
  value: {{type: float, required: true}}
  unit: {{}}
key: [device_id, sensor_type, ts]
readings:
  device: device_id
  measured_at: ts
  value: value
  sensor_type: sensor_type
  unit: unit
  sentinels: [-9999]
"""

HEADER = "device_id,sensor_type,ts,value,unit\n"
CLEAN = HEADER + (
    "D1,gas,2026-03-08T10:00:00+08:00,1.5,%LEL\n"
    "D2,gas, 2026-03-08 10:00:00 ,2.5, %LEL\n"        # blanks around cells, a naive time
    "D5,gas,2026-03-08T10:00:00 UTC,4.5,%LEL\n"       # a zone name
    "D7,gas,2026-03-08T11:00:00+08:00,-9999,%LEL\n"   # sentinel: flagged, never a value
    '"D10",gas,2026-03-08 02:30:00,7.5,"%LEL"\n'      # quoted cells; 02:30 is in Chicago's DST gap that day
    "D11,gas,2026-11-01 01:30:00,8.5,\n"              # ambiguous in Chicago (DST ends); no unit
)
DIRTY = CLEAN + (
    "D3,gas,2026-03-08T10:00:00+08:00,1.0,%LEL,extra\n"  # malformed: one field too many
    "D4,gas,not a time,3.5,%LEL\n"                       # the reader cannot type the time
    "D1,gas,2026-03-08T02:00:00Z,5.5,%LEL\n"             # the same key as line 2
    "D6,gas,,6.5,%LEL\n"                                 # required value missing
    "D8,gas,0016-03-08T11:00:00+08:00,1,%LEL\n"          # a year typo: implausible
    "D9,gas,2026-03-08T12:00:00+08:00,abc,%LEL\n"        # not a number
    "D12,gas,2026-03-08T12:00:00+08:00\u3000,9.5,%LEL\n"  # full-width blank after the time
    "D13,gas, Epoch,0.5,%LEL\n"                          # a word DuckDB reads as 1970-01-01: no time
    "D14,gas,2026-03-08T12:00:00+08:00,nan,%LEL\n"       # NaN and infinity parse as DOUBLE: no measurement
    "D15,gas,2026-03-08T12:00:00+08:00,-inf,%LEL\n"
    "D16,gas,1970-01-01 00:00:00+00,0.5,%LEL\n"          # a real 1970-01-01 00:00 UTC loads
)
CALLS = "id,at,street\n1.0,2026-03-08 09:00:00,Xinhua\n2,2026-03-08T09:30:00+08:00,Hexi\n"


def _load(tmp_path, monkeypatch, typed: bool, files: dict[str, str]) -> duckdb.DuckDBPyConnection:
    root = tmp_path / ("typed" if typed else "text")
    contracts = root / "contracts"
    write(contracts / "sh.yaml", SENSORS.format(zone="Asia/Shanghai", zone_key="sh"))
    write(contracts / "chi.yaml", SENSORS.format(zone="America/Chicago", zone_key="chi"))
    write(contracts / "calls.yaml", CALLS_CONTRACT)
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))
    monkeypatch.setenv("CSW_INGEST_TYPED_CSV", "1" if typed else "0")
    for rel, text in files.items():
        write(root / "raw" / rel, text)
    con = duckdb.connect(str(root / "build.duckdb"))
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    ensure_schema(con)
    ingest_all(con, root / "raw", recorded_at=datetime(2026, 3, 9, tzinfo=timezone.utc))
    assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "Asia/Shanghai"
    return con


def _stored(con) -> dict[str, list[tuple]]:
    return {
        "readings": con.execute("SELECT * FROM events.sensor_readings ORDER BY ALL").fetchall(),
        "events": con.execute("SELECT * FROM events.events ORDER BY ALL").fetchall(),
        "rejected": con.execute("SELECT * FROM events.rejected_rows ORDER BY ALL").fetchall(),
        "ledger": con.execute("SELECT * EXCLUDE (started_at) FROM events.file_ledger ORDER BY ALL").fetchall(),
    }


# Chicago's devices are C1, C2 ... (a file whose content was loaded once is skipped, whatever its contract)
FILES = {"sh/clean.csv": CLEAN, "sh/dirty.csv": DIRTY, "chi/clean.csv": CLEAN.replace("D", "C"),
         "chi/dirty.csv": DIRTY.replace("D", "C"), "calls/a.csv": CALLS}


@pytest.fixture
def both(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="pipelines.ingest.load")
    typed = _load(tmp_path, monkeypatch, True, FILES)
    fell_back = {r.getMessage().split(":")[0] for r in caplog.records
                 if "not clean for the typed CSV path" in r.getMessage()}
    text = _load(tmp_path, monkeypatch, False, FILES)
    yield typed, text, fell_back
    typed.close()
    text.close()


def test_both_paths_store_the_same_rows(both):
    typed, text, fell_back = both
    assert fell_back == {"sh/dirty.csv", "chi/dirty.csv"}  # clean files stayed on the typed path
    got, want = _stored(typed), _stored(text)
    assert got["readings"] and got["events"] and got["rejected"]
    for table in want:
        assert got[table] == want[table], table


def test_lines_values_and_reasons_of_a_dirty_file(both):
    typed, _, _ = both
    lines = typed.execute("SELECT source_line, device_id, quality, value, raw_value, epoch(measured_at) "
                          "FROM events.sensor_readings JOIN events.file_ledger USING (load_id) "
                          "WHERE path = 'sh/dirty.csv' ORDER BY 1").fetchall()
    utc = lambda *a: datetime(*a, tzinfo=timezone.utc).timestamp()  # noqa: E731
    # raw text only where the value was not used (the sentinel)
    assert lines == [(2, "D1", "ok", 1.5, None, utc(2026, 3, 8, 2)), (3, "D2", "ok", 2.5, None, utc(2026, 3, 8, 2)),
                     (4, "D5", "ok", 4.5, None, utc(2026, 3, 8, 10)),
                     (5, "D7", "sentinel", None, "-9999", utc(2026, 3, 8, 3)),
                     (6, "D10", "ok", 7.5, None, utc(2026, 3, 7, 18, 30)),
                     (7, "D11", "ok", 8.5, None, utc(2026, 10, 31, 17, 30)),
                     (14, "D12", "ok", 9.5, None, utc(2026, 3, 8, 4)), (18, "D16", "ok", 0.5, None, 0)]
    rejected = typed.execute("SELECT source_line, reason_code, raw_text FROM events.rejected_rows "
                             "WHERE source_file = 'sh/dirty.csv' ORDER BY 1").fetchall()
    assert [(line, code) for line, code, _ in rejected] == [
        (8, "malformed"), (9, "parse_error"), (10, "duplicate"), (11, "missing_required"), (12, "parse_error"),
        (13, "parse_error"), (15, "parse_error"), (16, "parse_error"), (17, "parse_error")]
    assert rejected[1][2] == "D4,gas,not a time,3.5,%LEL"
    # the full-width blank is trimmed by the text path (the reader alone would refuse it)
    assert typed.execute("SELECT count(*) FROM events.sensor_readings WHERE device_id = 'C12'").fetchone()[0] == 1


def test_naive_times_are_read_in_the_contract_zone(both):
    typed, _, _ = both
    got = dict(typed.execute("SELECT device_id, strftime(timezone('UTC', measured_at), '%Y-%m-%d %H:%M') "
                             "FROM events.sensor_readings JOIN events.file_ledger USING (load_id) "
                             "WHERE path = 'chi/clean.csv'").fetchall())
    # Chicago: 10:00 CDT (DST began 02:00 that day, so 02:30 does not exist and reads as 03:30 CDT);
    # 01:30 on 2026-11-01 happens twice: ICU takes the second (CST), on both paths
    assert (got["C2"], got["C10"], got["C11"]) == ("2026-03-08 15:00", "2026-03-08 08:30", "2026-11-01 07:30")
    assert got["C5"] == "2026-03-08 10:00"  # the zone name wins over the contract's zone


FLAGS = """
source: t_flags
source_system: tflags
kind: inspections
match: ["flags/*"]
format: csv
timezone: Asia/Shanghai
columns:
  id: {required: true}
  at: {type: timestamptz, required: true}
  ok: {type: bool}
  note: {null_values: ["-", "n/a", "NULL", "none", "无", "空"]}
key: [id]
events:
  - type: gas_inspection_done
    aggregate: {type: gas_user, id: id}
    occurred_at: at
    payload: [ok, note]
"""


def test_a_file_of_many_reader_batches_keeps_its_lines(tmp_path, monkeypatch, caplog):
    """The typed path numbers lines by row position, so its one statement must store rows in the file's
    order. A bool column and null values used to be IN lists that DuckDB plans as joins, which made the
    insert unordered once the reader read several batches in parallel: lines came out wrong (la311)."""
    caplog.set_level(logging.INFO, logger="pipelines.ingest.load")
    n = 120_000  # ~6 MB: several 4 MB reader buffers, several batches
    rows = "".join(f"R{i + 2},2026-03-08T10:{i % 60:02d}:00+08:00,{'是否'[i % 2]},{'-' if i % 3 else 'fine'}\n"
                   for i in range(n))
    write(tmp_path / "contracts" / "flags.yaml", FLAGS)
    write(tmp_path / "raw" / "flags" / "big.csv", "id,at,ok,note\n" + rows)
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(tmp_path / "contracts"))
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    ensure_schema(con)
    ingest_all(con, tmp_path / "raw")
    assert not [r for r in caplog.records if "landing it as text" in r.getMessage()]  # it stayed typed
    wrong = con.execute("""SELECT count(*), count(*) FILTER (aggregate_id <> 'R' || source_line),
                                  count(*) FILTER (payload->>'note' IS NULL)
                           FROM events.events WHERE event_type = 'gas_inspection_done'""").fetchone()
    assert wrong == (n, 0, n - n // 3 - (1 if n % 3 else 0))


def test_an_unordered_plan_is_detected(tmp_path):
    """The guard that sends a file to the text path when DuckDB would not keep the reader's row order."""
    con = duckdb.connect()
    csv = write(tmp_path / "a.csv", "a\nx\ny\n").as_posix()
    assert _keeps_order(con, f"CREATE TEMP TABLE t AS SELECT a FROM read_csv('{csv}')")
    assert not _keeps_order(con, f"CREATE TEMP TABLE t AS SELECT a IN ('1', '2', '3', '4', '5', '6') FROM read_csv('{csv}')")
