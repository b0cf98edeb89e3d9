"""Fixtures for the dbt project tests: a temporary event store filled with a small hand-made event set,
and a runner that builds the real dbt project on it as a subprocess.

The events (several sources, several days, Asia/Shanghai, America/Los_Angeles and America/Chicago)
are designed so every mart value asserted in test_dbt_build.py can be computed by hand; the comments
next to each event say what it is for.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
DBT_BIN = REPO / ".venv" / "bin" / "dbt"
SCHEMA_SQL = REPO / "pipelines" / "eventstore" / "schema.sql"

A, B, C = "开元街道", "海滨街道", "临江街道"  # streets of the demo district

# load_id -> (source, source_kind, path, status, recorded_at)
LOADS = {
    "L01_faults": ("demo_faults", "facilities", "demo/faults.csv", "loaded", "2024-03-08 02:00:00+08:00"),
    "L02_complaints": ("demo_complaints", "complaints", "demo/complaints.csv", "loaded", "2024-03-08 02:05:00+08:00"),
    "L03_gas": ("demo_gas", "inspections", "demo/gas_2024q1.xlsx", "loaded", "2024-03-08 02:10:00+08:00"),
    "L04_sensors": ("demo_sensors", "sensors", "demo/sensors.csv", "loaded", "2024-03-08 02:15:00+08:00"),
    "L05_la": ("la311", "complaints", "la311/part1.csv", "loaded", "2024-03-08 03:00:00+08:00"),
    "L06_la_overlap": ("la311", "complaints", "la311/part2.csv", "loaded", "2024-03-08 03:10:00+08:00"),
    "L07_rejected": ("demo_faults", "facilities", "demo/broken.csv", "rejected_file", "2024-03-08 03:20:00+08:00"),
    "L08_beach": ("chicago_beach", "sensors", "chicago_beach/sensors.csv", "loaded", "2024-03-08 03:30:00+08:00"),
    # second night (after the as_of cut-off 2024-03-10 00:00+08:00 used by the as-of test)
    "L11_faults": ("demo_faults", "facilities", "demo/faults_0311.csv", "loaded", "2024-03-12 02:00:00+08:00"),
    "L12_complaints": ("demo_complaints", "complaints", "demo/complaints.csv", "loaded", "2024-03-12 02:05:00+08:00"),
    "L13_gas": ("demo_gas", "inspections", "demo/gas_2024q1_b.xlsx", "loaded", "2024-04-01 02:10:00+08:00"),
    "L14_sensors": ("demo_sensors", "sensors", "demo/sensors_late.csv", "loaded", "2024-03-12 02:15:00+08:00"),
}
# corrected re-export of demo/complaints.csv
SUPERSESSIONS = [("L02_complaints", "L12_complaints", "2024-03-12 02:05:00+08:00")]

AS_OF = "2024-03-10 00:00:00+08:00"

# `dbt build` arguments that build seeds and models only (no data / unit tests): for the extra builds whose only
# purpose is comparing mart contents (replay, zones, as-of, incremental); the base and demo builds run every test.
MODELS_ONLY = ["--exclude", "test_type:data", "test_type:unit"]


@dataclass
class Ev:
    """One hand-made event row for events.events (hot fields as keyword arguments)."""

    event_type: str
    aggregate_type: str
    aggregate_id: str
    occurred_at: str
    load_id: str
    source_system: str = "licheng"
    hot: dict = field(default_factory=dict)
    payload: dict = field(default_factory=dict)


def _complaint_file(load: str, c3_closed_at: str) -> list[Ev]:
    """The licheng complaints export; the corrected re-export differs only in C3's close time."""
    base = dict(channel="12345", category="noise", street=A)
    return [
        # C1: received 03-01 09:00, due +120 h = 03-06 09:00, closed 03-04 -> on time
        Ev("complaint_received", "complaint", "C1", "2024-03-01 09:00:00+08:00", load, hot=base),
        Ev("complaint_closed", "complaint", "C1", "2024-03-04 10:00:00+08:00", load, payload={"close_reason": "resolved"}),
        # C2: due 03-06 10:00, closed as duplicate -> in 应结案数, never in the numerators
        Ev("complaint_received", "complaint", "C2", "2024-03-01 10:00:00+08:00", load, hot=base),
        Ev("complaint_closed", "complaint", "C2", "2024-03-02 10:00:00+08:00", load, payload={"close_reason": "duplicate"}),
        # C3: own due_at 03-06 08:00; first export closes it 03-06 09:00 (late), the correction 03-05 12:00
        Ev("complaint_received", "complaint", "C3", "2024-03-01 11:00:00+08:00", load,
           hot={**base, "due_at": "2024-03-06 08:00:00+08:00"}),
        Ev("complaint_closed", "complaint", "C3", c3_closed_at, load, payload={"close_reason": "resolved"}),
        # C4: wechat, +72 h -> due 03-05 14:00, never closed -> closure_rate 0.0 (a real zero)
        Ev("complaint_received", "complaint", "C4", "2024-03-02 14:00:00+08:00", load,
           hot=dict(channel="wechat", category="road", street=B)),
    ]


def _la_file(load: str) -> list[Ev]:
    la = dict(source_system="la311")
    return [
        # received 2024-03-01 20:00 PST = 03-02 04:00Z: local date 03-01 (UTC and Shanghai say 03-02)
        Ev("complaint_received", "complaint", "LA1", "2024-03-01 20:00:00-08:00", load,
           hot=dict(channel="phone", category="streetlight_fault", street="CD 13"), **la),
        Ev("complaint_closed", "complaint", "LA1", "2024-03-04 10:00:00-08:00", load,
           payload={"close_reason": "resolved"}, **la),
    ]


def build_events() -> list[Ev]:
    """All hand-made events; see the comments for the expected effect of each one."""
    sl = dict(street=A, subject_type="streetlight")
    evs: list[Ev] = [
        # F1 reported 23:50, due +24 h = 03-02 23:50, repaired 03-02 10:00 -> on time on 03-02
        Ev("fault_reported", "fault", "F1", "2024-03-01 23:50:00+08:00", "L01_faults", hot={**sl, "subject_id": "SL-1"}),
        Ev("fault_repaired", "fault", "F1", "2024-03-02 10:00:00+08:00", "L01_faults"),
        # F2 due 03-02 09:00, repaired 12:00 -> disposed, not on time
        Ev("fault_reported", "fault", "F2", "2024-03-01 09:00:00+08:00", "L01_faults", hot=sl),
        Ev("fault_repaired", "fault", "F2", "2024-03-02 12:00:00+08:00", "L01_faults"),
        # F3 due 03-02 10:00, extension to 03-03 10:00, repaired 03-02 15:00 -> on time on 03-03
        Ev("fault_reported", "fault", "F3", "2024-03-01 10:00:00+08:00", "L01_faults", hot=sl),
        Ev("extension_approved", "fault", "F3", "2024-03-02 08:00:00+08:00", "L01_faults",
           payload={"new_due_at": "2024-03-03T10:00:00+08:00"}),
        Ev("fault_repaired", "fault", "F3", "2024-03-02 15:00:00+08:00", "L01_faults"),
        # F4 cancelled -> excluded everywhere
        Ev("fault_reported", "fault", "F4", "2024-03-01 11:00:00+08:00", "L01_faults", hot=sl),
        Ev("fault_cancelled", "fault", "F4", "2024-03-01 12:00:00+08:00", "L01_faults"),
        # F5 due 03-02 08:00; repaired only on 03-09, learned on 03-12 (L11) -> overdue open as of 03-10
        Ev("fault_reported", "fault", "F5", "2024-03-01 08:00:00+08:00", "L01_faults", hot=sl),
        Ev("fault_repaired", "fault", "F5", "2024-03-09 09:00:00+08:00", "L11_faults"),
        # a repair of F5 in a rejected file: must be ignored
        Ev("fault_repaired", "fault", "F5", "2024-03-02 07:00:00+08:00", "L07_rejected"),
        # F6 has its own due_at 03-02 06:00, repaired 05:00 -> on time
        Ev("fault_reported", "fault", "F6", "2024-03-01 20:00:00+08:00", "L01_faults",
           hot={**sl, "due_at": "2024-03-02 06:00:00+08:00"}),
        Ev("fault_repaired", "fault", "F6", "2024-03-02 05:00:00+08:00", "L01_faults"),
        # an asset registered in a street seen nowhere else (dim_street), learned on 03-12
        Ev("asset_registered", "asset", "SL-9", "2024-03-11 09:00:00+08:00", "L11_faults",
           hot=dict(street=C, subject_type="streetlight"), payload={"name": "路灯 9"}),
    ]
    evs += _complaint_file("L02_complaints", "2024-03-06 09:00:00+08:00")
    evs += _complaint_file("L12_complaints", "2024-03-05 12:00:00+08:00")
    evs += _la_file("L05_la")
    evs += _la_file("L06_la_overlap")  # overlapping export: same event ids, counted once
    evs.append(
        # LA2: 2024-03-02 23:30 PST is already 03-03 in UTC and in Shanghai
        Ev("complaint_received", "complaint", "LA2", "2024-03-02 23:30:00-08:00", "L06_la_overlap",
           source_system="la311", hot=dict(channel="phone", category="graffiti", street="CD 1")))

    def reg(uid, stype, street, at, load):
        return Ev("asset_registered", "gas_user", uid, at, load,
                  hot=dict(subject_type=stype, street=street), payload={"name": uid, "address": "x"})

    def insp(iid, uid, stype, at, load, board, installed, functional):
        return Ev("inspection_performed", "inspection", iid, at, load,
                  hot=dict(subject_type=stype, subject_id=uid, street=A if stype == "restaurant" else B, amount=90.0),
                  payload={"info_board_posted": board, "alarm_installed": installed,
                           "alarm_functional": functional, "result": "pass"})

    evs += [
        reg("R1", "restaurant", A, "2024-01-15 09:00:00+08:00", "L03_gas"),
        reg("R2", "restaurant", A, "2024-01-15 09:00:00+08:00", "L03_gas"),
        reg("P1", "lpg_station", B, "2024-01-15 09:00:00+08:00", "L03_gas"),
        reg("R3", "restaurant", A, "2024-03-20 09:00:00+08:00", "L13_gas"),
        insp("I1", "R2", "restaurant", "2024-01-20 10:00:00+08:00", "L03_gas", False, True, True),
        insp("I2", "R1", "restaurant", "2024-02-10 10:00:00+08:00", "L03_gas", True, True, True),
        insp("I3", "R1", "restaurant", "2024-03-05 10:00:00+08:00", "L03_gas", True, True, False),
        # 2024-02-29 17:30Z is 03-01 01:30 in Shanghai -> a March inspection
        insp("I4", "P1", "lpg_station", "2024-02-29 17:30:00+00:00", "L03_gas", True, True, True),
        # R1 inspected a second time in March: still one unit; alarm installed but not functional
        insp("I5", "R1", "restaurant", "2024-03-25 10:00:00+08:00", "L13_gas", True, True, False),
    ]
    return evs


# (reading key, device, sensor_type, measured_at, value, unit, quality, raw (flagged only), load, source_system)
READINGS = [
    ("r1", "D1", "gas_leak", "2024-03-01 08:00:00+08:00", 10.0, "ppm", "ok", None, "L04_sensors", "licheng"),
    ("r2", "D1", "gas_leak", "2024-03-01 20:00:00+08:00", 30.0, "ppm", "ok", None, "L04_sensors", "licheng"),
    ("r3", "D1", "gas_leak", "2024-03-01 21:00:00+08:00", None, "ppm", "sentinel", "-99999", "L04_sensors", "licheng"),
    ("r4", "D1", "gas_leak", "2024-03-01 16:30:00+00:00", 50.0, "ppm", "ok", None, "L04_sensors", "licheng"),
    ("r5", "D1", "gas_leak", "2024-03-02 12:00:00+08:00", 80.0, "ppm", "ok", None, "L14_sensors", "licheng"),
    # the later export repeats r2 with a corrected value: the reading counts once, with the latest load's value
    ("r2b", "D1", "gas_leak", "2024-03-01 20:00:00+08:00", 40.0, "ppm", "ok", None, "L14_sensors", "licheng"),
    ("r6", "D1", "gas_leak", "2024-03-02 13:00:00+08:00", 999.0, "ppm", "ok", None, "L07_rejected", "licheng"),
    # 2024-03-02 03:00Z is 2024-03-01 21:00 in Chicago
    ("b1", "Montrose Beach", "water_temperature", "2024-03-02 03:00:00+00:00", 4.5, "degC", "ok", None,
     "L08_beach", "chicago_beach"),
]


def create_event_store(db_path: Path) -> None:
    """Create the event store (pipelines/eventstore/schema.sql) in db_path and insert the fixture data."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
        # one contract wrote a load: its system of record, as the ingest writes it to the ledger
        systems = {ev.load_id: ev.source_system for ev in build_events()} | {r[8]: r[9] for r in READINGS}
        for load_id, (source, kind, path, status, recorded) in LOADS.items():
            con.execute(
                "INSERT INTO events.file_ledger (load_id, sha256, path, source, source_kind, contract_sha256, "
                "size_bytes, encoding, rows_in_file, rows_loaded, rows_rejected, events_written, readings_written, "
                "status, started_at, recorded_at, source_system) VALUES (?, ?, ?, ?, ?, ?, 1, 'utf-8', 0, 0, 0, 0, 0, "
                "?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), ?)",
                [load_id, hashlib.sha256(load_id.encode()).hexdigest(), path, source, kind,
                 hashlib.sha256(source.encode()).hexdigest(), status, recorded, recorded, systems.get(load_id)],
            )
        for old, new, at in SUPERSESSIONS:
            con.execute("INSERT INTO events.load_supersessions (load_id, superseded_by, superseded_at) "
                        "VALUES (?, ?, CAST(? AS TIMESTAMPTZ))", [old, new, at])
        line = 0
        for ev in build_events():
            line += 1
            source, _, path, _, recorded = LOADS[ev.load_id]
            utc = con.execute("SELECT CAST(CAST(? AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS VARCHAR)",
                              [ev.occurred_at]).fetchone()[0]
            event_id = hashlib.md5(
                f"{ev.source_system}|{ev.aggregate_type}|{ev.aggregate_id}|{ev.event_type}|{utc}".encode()
            ).hexdigest()
            hot = ev.hot
            con.execute(
                "INSERT INTO events.events (event_id, event_type, aggregate_type, aggregate_id, occurred_at, "
                "recorded_at, source, source_system, load_id, source_file, source_line, street, channel, category, "
                "subject_type, subject_id, due_at, amount, payload) VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), "
                "CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ), ?, CAST(? AS JSON))",
                [event_id, ev.event_type, ev.aggregate_type, ev.aggregate_id, ev.occurred_at, recorded, source,
                 ev.source_system, ev.load_id, path, line, hot.get("street"), hot.get("channel"),
                 hot.get("category"), hot.get("subject_type"), hot.get("subject_id"), hot.get("due_at"),
                 hot.get("amount"), json.dumps(ev.payload, ensure_ascii=False)],
            )
        for _, device, stype, at, value, unit, quality, raw, load_id, _ in READINGS:
            con.execute(
                "INSERT INTO events.sensor_readings (device_id, sensor_type, measured_at, value, unit, "
                "quality, raw_value, load_id, source_line, value_index) "
                "VALUES (?, ?, CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?, ?, 1, 1)",
                [device, stype, at, value, unit, quality, raw, load_id],
            )
        # as the ingest records it: the span of each load's readings
        con.execute("""UPDATE events.file_ledger AS l SET readings_from = s.lo, readings_to = s.hi
                       FROM (SELECT load_id, min(measured_at) AS lo, max(measured_at) AS hi
                             FROM events.sensor_readings GROUP BY load_id) AS s
                       WHERE l.load_id = s.load_id""")
    finally:
        con.close()


@dataclass
class DbtRun:
    """Result of one `dbt` subprocess run."""

    returncode: int
    output: str


def run_dbt(args: list[str], db_path: Path | None, work: Path, env_extra: dict | None = None,
            project_dir: Path = DBT_DIR) -> DbtRun:
    """Run the real dbt CLI as a subprocess (target and logs in `work`, never in dbt/), with the real profile
    dbt/profiles.yml (its default threads, CSW_DBT_THREADS, as in the pipeline).

    `db_path` becomes CSW_BUILD_DB (None leaves it unset); `env_extra` overrides further variables
    (TZ, CSW_TIMEZONE ...); `project_dir` is the dbt project (default the real one). Returns the exit code and
    the combined output.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSW_", "DBT_"))}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if db_path is not None:
        env["CSW_BUILD_DB"] = str(db_path)
    env.update(env_extra or {})
    target = work / "target"
    cmd = [str(DBT_BIN), *args, "--project-dir", str(project_dir), "--profiles-dir", str(DBT_DIR),
           "--target-path", str(target), "--log-path", str(work / "logs")]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    return DbtRun(proc.returncode, proc.stdout + proc.stderr)


MARTS = [
    "fct_fault_disposal_daily", "fct_gas_inspection_coverage", "fct_complaint_closure_daily",
    "fct_complaints_received_daily", "fct_sensor_readings_daily", "dim_street", "dim_metric", "fct_event_lineage",
    # the full metric catalogue (issue 4)
    "dim_source_system", "dim_bridge", "dim_confined_space_unit", "fct_fault_response_daily",
    "fct_gas_hazard_rectification_monthly", "fct_black_gas_seizures_monthly", "fct_enforcement_monthly",
    "fct_bridge_condition_yearly", "fct_confined_space_work", "fct_confined_space_compliance_monthly",
    "fct_patrol_checkin_daily", "fct_illegal_construction_monthly", "fct_complaint_service_daily",
    "fct_complaint_feedback_daily", "fct_tips_monthly", "fct_sensor_alarms_daily", "fct_sensor_devices_daily",
    "fct_metric_values", "fct_street_composite_components", "fct_street_composite_monthly", "fct_metric_restatements",
    "dim_metric_source",
]
# incremental facts (city_safety.incremental_config): delete + insert of the partitions affected since their watermark
INCREMENTAL_MARTS = ["fct_fault_disposal_daily", "fct_complaint_closure_daily", "fct_complaints_received_daily",
                     "fct_sensor_readings_daily", "fct_event_lineage"]
# incremental staging tables (same contract; in schema main_staging)
INCREMENTAL_STAGING = ["stg_events__active"]
# incremental folds, one row per case (same contract; in schema main_intermediate)
INCREMENTAL_FOLDS = ["int_faults_folded", "int_complaints_folded"]


def mart_hashes(db_path: Path) -> dict[str, str]:
    """sha256 of the sorted rows of every mart table (read with an explicit session zone)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        out = {}
        for name in MARTS:
            rows = con.execute(f"SELECT * FROM main_marts.{name} ORDER BY ALL").fetchall()
            out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


@dataclass
class BuiltDb:
    """A built copy of the fixture warehouse and the output of its `dbt build`."""

    path: Path
    run: DbtRun


def build_copy(tmp: Path, name: str, args: list[str] | None = None, env_extra: dict | None = None) -> BuiltDb:
    """Create a fresh fixture event store under tmp/name and run `dbt build` (plus args) on it."""
    work = tmp / name
    work.mkdir(parents=True, exist_ok=True)
    db = work / "build.duckdb"
    create_event_store(db)
    run = run_dbt(["build", *(args or [])], db, work, env_extra)
    return BuiltDb(db, run)


@pytest.fixture(scope="session")
def dbt_tmp(tmp_path_factory) -> Path:
    """A session temp folder for the dbt builds."""
    return tmp_path_factory.mktemp("dbt_build")


@pytest.fixture(scope="session")
def built(dbt_tmp) -> BuiltDb:
    """The fixture warehouse built once with default settings."""
    return build_copy(dbt_tmp, "base", env_extra={"TZ": "Asia/Shanghai"})


@pytest.fixture(scope="session")
def as_of_build(dbt_tmp) -> BuiltDb:
    """The same event store built as of 2024-03-10 00:00+08:00 (before the second night's loads)."""
    b = build_copy(dbt_tmp, "as_of", ["--vars", json.dumps({"as_of": AS_OF}), *MODELS_ONLY])
    assert b.run.returncode == 0, b.run.output[-5000:]
    return b


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run a read-only query on a built database (session zone Asia/Shanghai)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


__all__ = ["AS_OF", "A", "B", "C", "DBT_DIR", "INCREMENTAL_FOLDS", "INCREMENTAL_MARTS", "MARTS", "REPO", "build_copy", "build_events",
           "MODELS_ONLY", "mart_hashes", "query", "run_dbt"]
