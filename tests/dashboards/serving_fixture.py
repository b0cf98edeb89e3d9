"""Hand-built serving copy for dashboard tests: a DuckDB file with the mart tables (/tmp/marts.md
contract) and the ops tables, a few rows with known values, and ``serving/CURRENT.json``.

The ops tables are created from the real event-store DDL (pipelines/eventstore/schema.sql, schema
``events`` renamed to ``ops``) so the fixture follows the ledger's columns if they change.
Expected KPI values are computed by the tests with their own SQL on these rows, never hard-coded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

REPO = Path(__file__).resolve().parents[2]
SCHEMA_SQL = REPO / "pipelines" / "eventstore" / "schema.sql"
SHANGHAI = ZoneInfo("Asia/Shanghai")

SOURCE = "licheng"
OTHER_SOURCE = "la311"
STREETS = ("东城街道", "西城街道", "南湖街道")
FIRST_DAY = dt.date(2025, 3, 1)
LAST_DAY = dt.date(2025, 3, 31)
MONTHS = (dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1))

MART_DDL = """
CREATE SCHEMA marts;
CREATE TABLE marts.fct_fault_disposal_daily (
    source_system VARCHAR, date_local DATE, street VARCHAR, facility_type VARCHAR,
    faults_due BIGINT, faults_disposed_on_time BIGINT, faults_disposed BIGINT,
    faults_overdue_open BIGINT, disposal_rate DOUBLE, target_rate DOUBLE);
CREATE TABLE marts.fct_gas_inspection_coverage (
    source_system VARCHAR, period_month DATE, street VARCHAR, subject_type VARCHAR,
    units_registered BIGINT, units_inspected BIGINT, coverage_rate DOUBLE,
    units_inspected_ytd BIGINT, coverage_rate_ytd DOUBLE, units_with_board BIGINT,
    info_board_rate DOUBLE, units_with_alarm BIGINT, leak_alarm_rate DOUBLE, target_rate DOUBLE);
CREATE TABLE marts.fct_complaint_closure_daily (
    source_system VARCHAR, date_local DATE, channel VARCHAR, category VARCHAR, street VARCHAR,
    complaints_due BIGINT, complaints_closed BIGINT, complaints_closed_on_time BIGINT,
    closure_rate DOUBLE, on_time_closure_rate DOUBLE, target_rate DOUBLE);
CREATE TABLE marts.fct_complaints_received_daily (
    source_system VARCHAR, date_local DATE, channel VARCHAR, category VARCHAR, street VARCHAR,
    complaints_received BIGINT);
CREATE TABLE marts.fct_sensor_readings_daily (
    source_system VARCHAR, date_local DATE, device_id VARCHAR, sensor_type VARCHAR, unit VARCHAR,
    readings BIGINT, readings_flagged BIGINT, avg_value DOUBLE, min_value DOUBLE, max_value DOUBLE);
CREATE TABLE marts.dim_street (source_system VARCHAR, street VARCHAR);
CREATE TABLE marts.dim_metric (
    metric_id VARCHAR, name_zh VARCHAR, name_en VARCHAR, definition_zh VARCHAR, definition_en VARCHAR,
    formula VARCHAR, target DOUBLE, unit VARCHAR, source VARCHAR, model VARCHAR);
CREATE TABLE marts.fct_event_lineage (
    event_id VARCHAR, event_type VARCHAR, source_system VARCHAR, aggregate_type VARCHAR,
    aggregate_id VARCHAR, occurred_at TIMESTAMPTZ, date_local DATE, street VARCHAR, category VARCHAR,
    channel VARCHAR, subject_type VARCHAR, source VARCHAR, source_file VARCHAR, source_line BIGINT,
    load_id VARCHAR);
"""

DIM_METRIC = [
    ("F1", "设施故障日处置率", "Daily fault disposal rate",
     "按期处置的设施故障数 ÷ 当日应处置的设施故障数", "Faults repaired by their deadline ÷ faults due that day",
     "faults_disposed_on_time / faults_due", 0.98, "%", "METRICS.md F1", "fct_fault_disposal_daily"),
    ("G1", "瓶装燃气供应站检查覆盖率", "LPG station inspection coverage",
     "当月检查过的供应站 ÷ 登记供应站", "Stations inspected in the month ÷ registered stations",
     "units_inspected / units_registered", 1.0, "%", "METRICS.md G1", "fct_gas_inspection_coverage"),
    ("G2", "餐饮场所燃气安全检查覆盖率", "Restaurant gas inspection coverage",
     "当月检查过的餐饮场所 ÷ 登记的用气餐饮场所", "Restaurants inspected in the month ÷ registered gas-using restaurants",
     "units_inspected / units_registered", 1.0, "%", "METRICS.md G2", "fct_gas_inspection_coverage"),
    ("G3", "可燃气体报警装置安装率", "Gas-leak alarm installation rate",
     "最近一次检查时报警装置已安装且有效的餐饮场所 ÷ 登记餐饮场所",
     "Restaurants with a working alarm at latest inspection ÷ registered restaurants",
     "units_with_alarm / units_registered", 1.0, "%", "METRICS.md G3", "fct_gas_inspection_coverage"),
    ("G4", "燃气安全使用信息牌张贴率", "Safety info-board posting rate",
     "张贴信息牌的餐饮场所 ÷ 登记餐饮场所", "Restaurants with the board posted ÷ registered restaurants",
     "units_with_board / units_registered", 1.0, "%", "METRICS.md G4", "fct_gas_inspection_coverage"),
    ("C16", "结案率", "Closure rate", "结案数 ÷ 应结案数", "Closed ÷ due", "complaints_closed / complaints_due",
     0.95, "%", "METRICS.md C16", "fct_complaint_closure_daily"),
    ("C17", "按期结案率", "On-time closure rate", "按期结案数 ÷ 应结案数", "Closed on time ÷ due",
     "complaints_closed_on_time / complaints_due", 0.95, "%", "METRICS.md C17", "fct_complaint_closure_daily"),
]


@dataclass(frozen=True)
class ServingFixture:
    """Paths of a built fixture: ``warehouse_dir``, ``db_path`` (the serving file), ``version``."""

    warehouse_dir: Path
    db_path: Path
    version: int


def _ops_ddl() -> str:
    """CREATE TABLE statements of events.file_ledger / events.rejected_rows, moved to schema ops."""
    text = SCHEMA_SQL.read_text(encoding="utf-8")
    out = ["CREATE SCHEMA ops;"]
    for table in ("file_ledger", "rejected_rows"):
        m = re.search(rf"CREATE TABLE IF NOT EXISTS events\.{table} \((.*?)\n\);", text, re.S)
        if m is None:
            raise AssertionError(f"{SCHEMA_SQL}: CREATE TABLE events.{table} not found")
        body = re.sub(r"--[^\n]*", "", m.group(1))
        # the serving copy is a CREATE TABLE AS copy: no constraints; columns we do not fill stay NULL
        body = re.sub(r"\s+(NOT NULL|PRIMARY KEY)", "", body)
        out.append(f"CREATE TABLE ops.{table} ({body});")
    return "\n".join(out)


def _fault_rows(source: str, scale: int) -> list[tuple]:
    rows = []
    day = FIRST_DAY - dt.timedelta(days=20)  # some history before March for "previous period"
    while day <= LAST_DAY:
        i = day.toordinal()
        for s, street in enumerate(STREETS):
            for f, ftype in enumerate(("streetlight", "manhole_cover")):
                due = scale * (6 + (i + s + f) % 4)
                late = int((i + s + f) % 4 == 0) if s != 2 else 1 + (i + f) % 2  # 南湖街道 lags behind
                on_time = max(due - late, 0)
                disposed = min(due, on_time + (1 if late else 0))
                rows.append((source, day, street, ftype, due, on_time, disposed, due - disposed,
                             on_time / due if due else None, 0.98))
        day += dt.timedelta(days=1)
    return rows


def _closure_rows(source: str) -> list[tuple]:
    rows = []
    day = FIRST_DAY - dt.timedelta(days=20)
    while day <= LAST_DAY:
        i = day.toordinal()
        for s, street in enumerate(STREETS):
            for c, channel in enumerate(("12345", "wechat")):
                due = 4 + (i + c) % 5
                closed = due - (i + s + c) % 2
                on_time = closed - (i + s) % 3 % 2
                rows.append((source, day, channel, "市容环境", street, due, closed, on_time,
                             closed / due, on_time / due, 0.95))
        day += dt.timedelta(days=1)
    return rows


def _gas_rows(source: str) -> list[tuple]:
    rows = []
    for m, month in enumerate(MONTHS):
        for s, street in enumerate(STREETS):
            for subject, registered in (("restaurant", 40 + 5 * s), ("lpg_station", 3 + s)):
                inspected = registered - (s + m) % 4 if subject == "restaurant" else registered - (s == 1)
                board = registered - (2 + s + m) % 5
                alarm = registered - (1 + 2 * s + m) % 6
                rows.append((source, month, street, subject, registered, inspected,
                             inspected / registered, inspected, inspected / registered, board,
                             board / registered, alarm, alarm / registered, 1.0))
    return rows


def build_serving_copy(warehouse_dir: Path, *, version: int = 3,
                       published_at: dt.datetime | None = None,
                       failure: dict | None = None) -> ServingFixture:
    """Write ``warehouse_dir/serving/v{version:06d}.duckdb`` and ``CURRENT.json``.

    ``published_at`` defaults to one hour ago (Asia/Shanghai, with offset); ``failure`` (dict with
    failed_at, stage, message) also writes ``LAST_FAILURE.json``. Returns the paths.
    """
    serving = warehouse_dir / "serving"
    serving.mkdir(parents=True, exist_ok=True)
    name = f"v{version:06d}.duckdb"
    db_path = serving / name
    con = duckdb.connect(str(db_path))
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        con.execute(MART_DDL)
        con.execute(_ops_ddl())
        for source, scale in ((SOURCE, 1), (OTHER_SOURCE, 7)):
            con.executemany("INSERT INTO marts.fct_fault_disposal_daily VALUES (?,?,?,?,?,?,?,?,?,?)",
                            _fault_rows(source, scale))
            con.executemany("INSERT INTO marts.fct_complaint_closure_daily VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                            _closure_rows(source))
        con.executemany("INSERT INTO marts.fct_gas_inspection_coverage VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        _gas_rows(SOURCE))
        con.executemany("INSERT INTO marts.dim_metric VALUES (?,?,?,?,?,?,?,?,?,?)", DIM_METRIC)
        con.executemany("INSERT INTO marts.dim_street VALUES (?, ?)", [(SOURCE, s) for s in STREETS])
        t0 = dt.datetime(2025, 4, 1, 2, 0, tzinfo=SHANGHAI)
        ledger_cols = ("load_id", "sha256", "path", "source", "source_kind", "size_bytes", "encoding",
                       "rows_in_file", "rows_loaded", "rows_rejected", "events_written", "readings_written",
                       "status", "error", "warnings", "started_at", "recorded_at")
        ledger = [
            ("L20250331180000a1", "a1" * 32, "licheng/投诉_2025-03.csv", "licheng_complaints", "complaints",
             2048, "utf-8", 120, 120, 0, 240, 0, "loaded", None, [], t0, t0),
            ("L20250331180100b2", "b2" * 32, "licheng/燃气检查_2025-03.xlsx", "licheng_gas_inspections",
             "inspections", 4096, "binary", 100, 97, 3, 97, 0, "loaded", None, ["unknown column 备注"],
             t0 + dt.timedelta(minutes=1), t0 + dt.timedelta(minutes=1)),
            ("L20250331180200c3", "c3" * 32, "licheng/设施故障_gbk.csv", "licheng_faults", "facilities", 512,
             "gb18030", None, None, None, None, None, "rejected_file",
             "licheng/设施故障_gbk.csv line 1: missing required column 上报时间",
             [], t0 + dt.timedelta(minutes=2), t0 + dt.timedelta(minutes=2)),
        ]
        con.executemany(f"INSERT INTO ops.file_ledger ({', '.join(ledger_cols)}) "
                        f"VALUES ({', '.join('?' * len(ledger_cols))})", ledger)
        rejected = [
            ("L20250331180100b2", "licheng_gas_inspections", "licheng/燃气检查_2025-03.xlsx", 7,
             "R7,餐馆A,2025年13月2日", "检查日期: cannot parse '2025年13月2日'", "parse_error"),
            ("L20250331180100b2", "licheng_gas_inspections", "licheng/燃气检查_2025-03.xlsx", 19,
             "R19,餐馆B,abc", "检查日期: cannot parse 'abc'", "parse_error"),
            ("L20250331180100b2", "licheng_gas_inspections", "licheng/燃气检查_2025-03.xlsx", 42,
             ",餐馆C,2025-03-04", "单位编号: required value missing", "missing_required"),
        ]
        con.executemany("INSERT INTO ops.rejected_rows (load_id, source, source_file, source_line, raw_text, "
                        "reason, reason_code) VALUES (?,?,?,?,?,?,?)", rejected)
        counts = {
            f"{s}.{t}": con.execute(f"SELECT count(*) FROM {s}.{t}").fetchone()[0]
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        }
    finally:
        con.close()
    published = published_at or (dt.datetime.now(SHANGHAI) - dt.timedelta(hours=1))
    pointer = {"version": version, "file": name, "published_at": published.isoformat(), "row_counts": counts}
    (serving / "CURRENT.json").write_text(json.dumps(pointer, ensure_ascii=False), encoding="utf-8")
    if failure is not None:
        (serving / "LAST_FAILURE.json").write_text(json.dumps(failure, ensure_ascii=False), encoding="utf-8")
    return ServingFixture(warehouse_dir, db_path, version)


def expected_rate(db_path: Path, sql: str, params: list | None = None) -> float:
    """Run an oracle query (returns one number) on the fixture file, read-only."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return float(con.execute(sql, params or []).fetchone()[0])
    finally:
        con.close()
