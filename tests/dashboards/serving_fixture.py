"""Hand-built serving copy for dashboard tests: a DuckDB file with the mart tables the pages read
(columns as in dbt/models/marts/*.yml; a test keeps them in step), the ops tables, deterministic
rows, and ``serving/CURRENT.json``.

- ``marts.dim_metric`` is built from the ``meta.metrics`` of the dbt YAML (the registry dbt builds
  dim_metric from), so tiles use the real metric definitions.
- The ops tables come from the real event-store DDL (pipelines/eventstore/schema.sql, schema
  ``events`` renamed to ``ops``) so the fixture follows the ledger's columns if they change.
- Fact rows are pseudo-random with fixed seeds (numerators never exceed denominators).

Expected KPI values are computed by the tests with their own SQL on these rows, never hard-coded.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA_SQL = REPO / "pipelines" / "eventstore" / "schema.sql"
MARTS_YAML = REPO / "dbt" / "models" / "marts"
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc

SOURCE = "licheng"
OTHER_SOURCE = "la311"
STREETS = ("鲤中街道", "海滨街道", "临江街道")  # three of the 8 demo streets (dashboards/geo GeoJSON)
FIRST_DAY = dt.date(2025, 3, 1)
LAST_DAY = dt.date(2025, 3, 31)
HISTORY_DAYS = 20
MONTHS = (dt.date(2024, 10, 1), dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1),
          dt.date(2025, 2, 1), dt.date(2025, 3, 1))
YEARS = (dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1))

# Column lists and types of the published marts (names must match dbt/models/marts/*.yml).
MART_DDL = """
CREATE SCHEMA marts;
CREATE TABLE marts.dim_bridge (
    source_system VARCHAR, bridge_id VARCHAR, name VARCHAR, street VARCHAR, maintenance_class VARCHAR,
    maintenance_grade VARCHAR, registered_at TIMESTAMPTZ, file_reviewed_at TIMESTAMPTZ,
    file_complete BOOLEAN, missing_items VARCHAR, latest_assessed_at TIMESTAMPTZ,
    latest_assessment_kind VARCHAR, latest_bci DOUBLE, latest_grade VARCHAR,
    last_periodic_regular_at TIMESTAMPTZ);
CREATE TABLE marts.dim_confined_space_unit (
    source_system VARCHAR, unit_id VARCHAR, unit_name VARCHAR, unit_type VARCHAR, street VARCHAR,
    registered_at TIMESTAMPTZ, is_registered BOOLEAN, worker_count BIGINT, ledger_status VARCHAR,
    workers_trained BIGINT, operations BIGINT, last_operation_at TIMESTAMPTZ);
CREATE TABLE marts.dim_metric (
    metric_id VARCHAR, name_zh VARCHAR, name_en VARCHAR, definition_zh VARCHAR, definition_en VARCHAR,
    formula VARCHAR, target DOUBLE, unit VARCHAR, direction VARCHAR, source VARCHAR, model VARCHAR,
    rate_column VARCHAR, numerator_column VARCHAR, denominator_column VARCHAR, date_column VARCHAR,
    filter VARCHAR, composite_weight DOUBLE);
CREATE TABLE marts.dim_source_system (
    source_system VARCHAR, time_zone VARCHAR, name_zh VARCHAR, name_en VARCHAR);
CREATE TABLE marts.dim_street (
    source_system VARCHAR, street VARCHAR);
CREATE TABLE marts.fct_black_gas_seizures_monthly (
    source_system VARCHAR, period_month DATE, street VARCHAR, clue_source VARCHAR, seizures BIGINT,
    cylinders_full BIGINT, cylinders_empty BIGINT, cylinders_seized BIGINT);
CREATE TABLE marts.fct_bridge_condition_yearly (
    source_system VARCHAR, period_year DATE, street VARCHAR, bridges_registered BIGINT,
    bridges_file_complete BIGINT, file_completeness_rate DOUBLE, bridges_periodic_inspected BIGINT,
    periodic_inspection_rate DOUBLE, bridges_assessed BIGINT, bci_total DOUBLE, avg_bci DOUBLE,
    bridges_grade_a BIGINT, bridges_grade_b BIGINT, bridges_grade_c BIGINT, bridges_grade_d BIGINT,
    bridges_grade_e BIGINT, bridges_grade_ab BIGINT, grade_ab_rate DOUBLE, patrols_done BIGINT,
    patrols_required BIGINT, patrol_compliance_rate DOUBLE);
CREATE TABLE marts.fct_complaint_closure_daily (
    source_system VARCHAR, date_local DATE, channel VARCHAR, category VARCHAR, street VARCHAR,
    complaints_due BIGINT, complaints_closed BIGINT, complaints_closed_on_time BIGINT, closure_rate DOUBLE,
    on_time_closure_rate DOUBLE, target_rate DOUBLE);
CREATE TABLE marts.fct_complaint_feedback_daily (
    source_system VARCHAR, date_local DATE, channel VARCHAR, category VARCHAR, street VARCHAR,
    complaints_closed BIGINT, return_visits BIGINT, return_visit_rate DOUBLE, visits_rated BIGINT,
    visits_satisfied BIGINT, satisfaction_rate DOUBLE, complaints_reopened BIGINT, reopen_rate DOUBLE);
CREATE TABLE marts.fct_complaint_service_daily (
    source_system VARCHAR, date_local DATE, channel VARCHAR, category VARCHAR, street VARCHAR,
    complaints_received BIGINT, complaints_contacted BIGINT, complaints_contacted_in_limit BIGINT,
    response_rate DOUBLE, contact_minutes_total DOUBLE, avg_contact_minutes DOUBLE, repeat_complaints BIGINT,
    repeat_rate DOUBLE);
CREATE TABLE marts.fct_complaints_received_daily (
    source_system VARCHAR, date_local DATE, channel VARCHAR, category VARCHAR, street VARCHAR,
    complaints_received BIGINT);
CREATE TABLE marts.fct_confined_space_compliance_monthly (
    source_system VARCHAR, period_month DATE, street VARCHAR, operations BIGINT, units_working BIGINT,
    units_working_registered BIGINT, ledger_coverage_rate DOUBLE, operations_permitted BIGINT,
    permit_rate DOUBLE, workers_on_operations BIGINT, workers_trained BIGINT, training_rate DOUBLE,
    operations_ventilated_tested BIGINT, ventilation_test_rate DOUBLE, operations_guarded BIGINT,
    guardian_rate DOUBLE);
CREATE TABLE marts.fct_confined_space_work (
    source_system VARCHAR, work_id VARCHAR, unit_id VARCHAR, street VARCHAR, space_type VARCHAR,
    location_id VARCHAR, date_local DATE, started_at TIMESTAMPTZ, completed_at TIMESTAMPTZ,
    permitted_at TIMESTAMPTZ, is_unit_registered BOOLEAN, is_permitted BOOLEAN, workers BIGINT,
    workers_trained BIGINT, is_ventilated_tested BOOLEAN, is_guarded BOOLEAN, o2_pct DOUBLE, h2s_ppm DOUBLE,
    co_ppm DOUBLE, lel_pct DOUBLE);
CREATE TABLE marts.fct_enforcement_monthly (
    source_system VARCHAR, period_month DATE, street VARCHAR, domain VARCHAR, cases_opened BIGINT,
    cases_opened_closed BIGINT, closure_rate DOUBLE, cases_closed BIGINT, decisions BIGINT,
    decisions_on_time BIGINT, on_time_decision_rate DOUBLE, fines_imposed_amount DOUBLE,
    fines_collected_amount DOUBLE, collection_rate DOUBLE, fines_paid_amount DOUBLE);
CREATE TABLE marts.fct_event_lineage (
    event_id VARCHAR, event_type VARCHAR, source_system VARCHAR, aggregate_type VARCHAR,
    aggregate_id VARCHAR, occurred_at TIMESTAMPTZ, date_local DATE, street VARCHAR, category VARCHAR,
    channel VARCHAR, subject_type VARCHAR, source VARCHAR, source_file VARCHAR, source_line BIGINT,
    load_id VARCHAR);
CREATE TABLE marts.fct_fault_disposal_daily (
    source_system VARCHAR, date_local DATE, street VARCHAR, facility_type VARCHAR, faults_due BIGINT,
    faults_disposed_on_time BIGINT, faults_disposed BIGINT, faults_overdue_open BIGINT,
    faults_reported BIGINT, disposal_rate DOUBLE, target_rate DOUBLE);
CREATE TABLE marts.fct_fault_response_daily (
    source_system VARCHAR, date_local DATE, street VARCHAR, facility_type VARCHAR, faults_reported BIGINT,
    faults_arrived BIGINT, arrival_minutes_total DOUBLE, avg_arrival_minutes DOUBLE, faults_repaired BIGINT,
    repair_hours_total DOUBLE, avg_repair_hours DOUBLE);
CREATE TABLE marts.fct_gas_hazard_rectification_monthly (
    source_system VARCHAR, period_month DATE, street VARCHAR, subject_type VARCHAR, severity VARCHAR,
    hazards_found BIGINT, hazards_verified BIGINT, rectification_rate_flow DOUBLE,
    hazards_found_rectified BIGINT, rectification_rate_cohort DOUBLE, hazards_closed_loop BIGINT,
    closed_loop_rate DOUBLE, hazards_due BIGINT, hazards_rectified_on_time BIGINT,
    on_time_rectification_rate DOUBLE, hazards_overdue_open BIGINT, target_rate DOUBLE);
CREATE TABLE marts.fct_gas_inspection_coverage (
    source_system VARCHAR, period_month DATE, street VARCHAR, subject_type VARCHAR, units_registered BIGINT,
    units_inspected BIGINT, coverage_rate DOUBLE, units_inspected_ytd BIGINT, coverage_rate_ytd DOUBLE,
    units_with_board BIGINT, info_board_rate DOUBLE, units_with_alarm BIGINT, leak_alarm_rate DOUBLE,
    target_rate DOUBLE);
CREATE TABLE marts.fct_illegal_construction_monthly (
    source_system VARCHAR, period_month DATE, street VARCHAR, imagery_spots_issued BIGINT,
    imagery_spots_verified BIGINT, spot_verification_rate DOUBLE, imagery_spots_verified_on_time BIGINT,
    imagery_spots_new_illegal BIGINT, violations_found BIGINT, violations_found_by_patrol BIGINT,
    early_detection_rate DOUBLE, violations_removed BIGINT, removal_rate DOUBLE, area_found_m2 DOUBLE,
    area_removed_m2 DOUBLE);
CREATE TABLE marts.fct_patrol_checkin_daily (
    source_system VARCHAR, date_local DATE, street VARCHAR, grid_id VARCHAR, grid_level VARCHAR,
    shift VARCHAR, shifts_planned BIGINT, checkins_planned BIGINT, checkins_done BIGINT, checkin_rate DOUBLE);
CREATE TABLE marts.fct_sensor_alarms_daily (
    source_system VARCHAR, date_local DATE, street VARCHAR, sensor_type VARCHAR, alarms_raised BIGINT,
    alarms_acknowledged BIGINT, alarms_cleared BIGINT, alarms_open BIGINT, alarms_false BIGINT,
    false_alarm_rate DOUBLE, ack_minutes_total DOUBLE, avg_ack_minutes DOUBLE, clear_minutes_total DOUBLE,
    avg_clear_minutes DOUBLE);
CREATE TABLE marts.fct_sensor_devices_daily (
    source_system VARCHAR, date_local DATE, sensor_type VARCHAR, devices_known BIGINT,
    devices_reporting BIGINT, devices_offline BIGINT, offline_rate DOUBLE);
CREATE TABLE marts.fct_sensor_readings_daily (
    source_system VARCHAR, date_local DATE, device_id VARCHAR, sensor_type VARCHAR, unit VARCHAR,
    readings BIGINT, readings_flagged BIGINT, avg_value DOUBLE, min_value DOUBLE, max_value DOUBLE);
CREATE TABLE marts.fct_street_composite_monthly (
    source_system VARCHAR, period_month DATE, street VARCHAR, components_available BIGINT,
    components_total BIGINT, weight_covered DOUBLE, composite_score DOUBLE, grade VARCHAR);
CREATE TABLE marts.fct_tips_monthly (
    source_system VARCHAR, period_month DATE, street VARCHAR, channel VARCHAR, category VARCHAR,
    tips_received BIGINT, tips_checked BIGINT, tips_verified BIGINT, verification_rate DOUBLE,
    rewards_paid BIGINT, reward_amount DOUBLE);
"""

ALL_MARTS = tuple(re.findall(r"CREATE TABLE marts\.(\w+)", MART_DDL))


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


def yaml_models() -> dict[str, dict]:
    """dbt mart models from dbt/models/marts/*.yml: name -> {"columns": [...], "metrics": [...]}."""
    out = {}
    for path in sorted(MARTS_YAML.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in doc.get("models", []):
            meta = ((model.get("config") or {}).get("meta") or {})
            out[model["name"]] = {"columns": [c["name"] for c in model.get("columns", [])],
                                  "metrics": meta.get("metrics", [])}
    return out


def dim_metric_rows() -> list[dict]:
    """dim_metric rows from the YAML meta.metrics (what the dbt macro metric_registry does)."""
    rows = []
    for model, spec in yaml_models().items():
        for m in spec["metrics"]:
            rows.append({
                "metric_id": m["id"], "name_zh": m["name_zh"], "name_en": m["name_en"],
                "definition_zh": m["definition_zh"], "definition_en": m["definition_en"],
                "formula": m["formula"], "target": m.get("target"), "unit": m["unit"],
                "direction": m.get("direction", "higher_better" if m["unit"] == "ratio" else "none"),
                "source": m["source"], "model": model, "rate_column": m.get("rate_column"),
                "numerator_column": m.get("numerator_column"), "denominator_column": m.get("denominator_column"),
                "date_column": m.get("date_column"), "filter": m.get("filter"),
                "composite_weight": m.get("composite_weight"),
            })
    return sorted(rows, key=lambda r: r["metric_id"])


def _rng(name: str, source: str) -> random.Random:
    return random.Random(zlib.crc32(f"{name}|{source}".encode()))


def _days() -> list[dt.date]:
    first = FIRST_DAY - dt.timedelta(days=HISTORY_DAYS)
    return [first + dt.timedelta(days=i) for i in range((LAST_DAY - first).days + 1)]


def _part(rng: random.Random, total: int, lo: float = 0.8) -> int:
    """A part of ``total`` between lo*total and total."""
    return min(total, max(0, round(total * rng.uniform(lo, 1.0))))


def _ratio(n, d):
    return n / d if d else None


# --- the three original facts (their shapes are what the overview tests were written against) ---

def _fault_rows(source: str, scale: int) -> list[dict]:
    rows = []
    for day in _days():
        i = day.toordinal()
        for s, street in enumerate(STREETS):
            for f, ftype in enumerate(("streetlight", "manhole_cover")):
                due = scale * (6 + (i + s + f) % 4)
                late = int((i + s + f) % 4 == 0) if s != 2 else 1 + (i + f) % 2  # the third street lags
                on_time = max(due - late, 0)
                disposed = min(due, on_time + (1 if late else 0))
                rows.append(dict(source_system=source, date_local=day, street=street, facility_type=ftype,
                                 faults_due=due, faults_disposed_on_time=on_time, faults_disposed=disposed,
                                 faults_overdue_open=due - disposed, faults_reported=due,
                                 disposal_rate=_ratio(on_time, due), target_rate=0.98))
    return rows


def _closure_rows(source: str) -> list[dict]:
    rows = []
    for day in _days():
        i = day.toordinal()
        for s, street in enumerate(STREETS):
            for c, channel in enumerate(("12345", "wechat")):
                due = 4 + (i + c) % 5
                closed = due - (i + s + c) % 2
                on_time = closed - (i + s) % 3 % 2
                rows.append(dict(source_system=source, date_local=day, channel=channel, category="市容环境",
                                 street=street, complaints_due=due, complaints_closed=closed,
                                 complaints_closed_on_time=on_time, closure_rate=closed / due,
                                 on_time_closure_rate=on_time / due, target_rate=0.95))
    return rows


def _gas_rows(source: str) -> list[dict]:
    rows = []
    for m, month in enumerate(MONTHS):
        for s, street in enumerate(STREETS):
            for subject, registered in (("restaurant", 40 + 5 * s), ("lpg_station", 3 + s)):
                inspected = registered - (s + m) % 4 if subject == "restaurant" else registered - (s == 1)
                board = registered - (2 + s + m) % 5
                alarm = registered - (1 + 2 * s + m) % 6
                rows.append(dict(source_system=source, period_month=month, street=street, subject_type=subject,
                                 units_registered=registered, units_inspected=inspected,
                                 coverage_rate=inspected / registered, units_inspected_ytd=inspected,
                                 coverage_rate_ytd=inspected / registered, units_with_board=board,
                                 info_board_rate=board / registered, units_with_alarm=alarm,
                                 leak_alarm_rate=alarm / registered, target_rate=1.0))
    return rows


# --- the other facts ---------------------------------------------------------------------------

def _daily_facts(source: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {k: [] for k in (
        "fct_fault_response_daily", "fct_complaints_received_daily", "fct_complaint_service_daily",
        "fct_complaint_feedback_daily", "fct_patrol_checkin_daily", "fct_sensor_alarms_daily",
        "fct_sensor_devices_daily", "fct_sensor_readings_daily")}
    r = _rng("daily", source)
    for day in _days():
        for s, street in enumerate(STREETS):
            for ftype in ("streetlight", "manhole_cover"):
                n = r.randint(3, 9)
                arrived, repaired = _part(r, n), _part(r, n, 0.6)
                amin, rhrs = arrived * r.uniform(15, 60), repaired * r.uniform(2, 20)
                out["fct_fault_response_daily"].append(dict(
                    source_system=source, date_local=day, street=street, facility_type=ftype, faults_reported=n,
                    faults_arrived=arrived, arrival_minutes_total=amin, avg_arrival_minutes=_ratio(amin, arrived),
                    faults_repaired=repaired, repair_hours_total=rhrs, avg_repair_hours=_ratio(rhrs, repaired)))
            for channel in ("12345", "wechat"):
                for category in ("市容环境", "噪声扰民"):
                    n = r.randint(1, 6)
                    out["fct_complaints_received_daily"].append(dict(
                        source_system=source, date_local=day, channel=channel, category=category, street=street,
                        complaints_received=n))
                    contacted = _part(r, n, 0.7)
                    in_limit = _part(r, contacted, 0.8)
                    minutes = contacted * r.uniform(1, 30)
                    repeat = r.randint(0, 1) if n > 2 else 0
                    out["fct_complaint_service_daily"].append(dict(
                        source_system=source, date_local=day, channel=channel, category=category, street=street,
                        complaints_received=n, complaints_contacted=contacted, complaints_contacted_in_limit=in_limit,
                        response_rate=_ratio(in_limit, n), contact_minutes_total=minutes,
                        avg_contact_minutes=_ratio(minutes, contacted), repeat_complaints=repeat,
                        repeat_rate=_ratio(repeat, n)))
                    closed = r.randint(1, 6)
                    visits = _part(r, closed, 0.7)
                    rated = _part(r, visits, 0.9)
                    satisfied = _part(r, rated, 0.8)
                    reopened = r.randint(0, 1) if closed > 4 else 0
                    out["fct_complaint_feedback_daily"].append(dict(
                        source_system=source, date_local=day, channel=channel, category=category, street=street,
                        complaints_closed=closed, return_visits=visits, return_visit_rate=_ratio(visits, closed),
                        visits_rated=rated, visits_satisfied=satisfied, satisfaction_rate=_ratio(satisfied, rated),
                        complaints_reopened=reopened, reopen_rate=_ratio(reopened, closed)))
            for level, grid in (("street", f"350502{s + 1:03d}000001"), ("community", f"350502{s + 1:03d}001001")):
                for shift in ("day", "night"):
                    planned = r.randint(8, 16)
                    done = _part(r, planned, 0.75 if shift == "night" else 0.9)
                    out["fct_patrol_checkin_daily"].append(dict(
                        source_system=source, date_local=day, street=street, grid_id=grid, grid_level=level,
                        shift=shift, shifts_planned=1, checkins_planned=planned, checkins_done=done,
                        checkin_rate=_ratio(done, planned)))
            for sensor in ("gas_leak", "water_level"):
                raised = r.randint(0, 3)
                acked, cleared = _part(r, raised, 0.6), _part(r, raised, 0.5)
                false = _part(r, cleared, 0.0)
                ack_min, clear_min = acked * r.uniform(2, 40), cleared * r.uniform(20, 200)
                out["fct_sensor_alarms_daily"].append(dict(
                    source_system=source, date_local=day, street=street, sensor_type=sensor, alarms_raised=raised,
                    alarms_acknowledged=acked, alarms_cleared=cleared, alarms_open=raised - cleared,
                    alarms_false=false, false_alarm_rate=_ratio(false, raised), ack_minutes_total=ack_min,
                    avg_ack_minutes=_ratio(ack_min, acked), clear_minutes_total=clear_min,
                    avg_clear_minutes=_ratio(clear_min, cleared)))
        for sensor, unit in (("gas_leak", "%LEL"), ("water_level", "m")):
            known = 12
            reporting = _part(r, known, 0.75)
            out["fct_sensor_devices_daily"].append(dict(
                source_system=source, date_local=day, sensor_type=sensor, devices_known=known,
                devices_reporting=reporting, devices_offline=known - reporting,
                offline_rate=_ratio(known - reporting, known)))
            for d in range(3):
                readings = r.randint(90, 96)
                flagged = r.randint(0, 3)
                vals = sorted(r.uniform(0, 5) for _ in range(3))
                out["fct_sensor_readings_daily"].append(dict(
                    source_system=source, date_local=day, device_id=f"{sensor[:3].upper()}-{d:03d}",
                    sensor_type=sensor, unit=unit, readings=readings, readings_flagged=flagged,
                    avg_value=vals[1], min_value=vals[0], max_value=vals[2]))
    return out


def _monthly_facts(source: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {k: [] for k in (
        "fct_gas_hazard_rectification_monthly", "fct_black_gas_seizures_monthly", "fct_enforcement_monthly",
        "fct_confined_space_compliance_monthly", "fct_illegal_construction_monthly", "fct_tips_monthly",
        "fct_street_composite_monthly")}
    r = _rng("monthly", source)
    for month in MONTHS:
        for street in STREETS:
            for subject in ("restaurant", "lpg_station"):
                for severity in ("general", "major"):
                    found = r.randint(2, 12)
                    verified, rectified = _part(r, found, 0.7), _part(r, found, 0.7)
                    loop = _part(r, rectified, 0.9)
                    due = r.randint(2, 12)
                    on_time = _part(r, due, 0.6)
                    out["fct_gas_hazard_rectification_monthly"].append(dict(
                        source_system=source, period_month=month, street=street, subject_type=subject,
                        severity=severity, hazards_found=found, hazards_verified=verified,
                        rectification_rate_flow=_ratio(verified, found), hazards_found_rectified=rectified,
                        rectification_rate_cohort=_ratio(rectified, found), hazards_closed_loop=loop,
                        closed_loop_rate=_ratio(loop, found), hazards_due=due, hazards_rectified_on_time=on_time,
                        on_time_rectification_rate=_ratio(on_time, due), hazards_overdue_open=due - on_time,
                        target_rate=1.0))
            for clue in ("patrol", "tip"):
                seizures = r.randint(0, 3)
                full, empty = seizures * r.randint(1, 5), seizures * r.randint(0, 4)
                out["fct_black_gas_seizures_monthly"].append(dict(
                    source_system=source, period_month=month, street=street, clue_source=clue, seizures=seizures,
                    cylinders_full=full, cylinders_empty=empty, cylinders_seized=full + empty))
            for domain in ("gas", "construction"):
                opened = r.randint(1, 8)
                oc = _part(r, opened, 0.5)
                decisions = r.randint(1, 8)
                on_time = _part(r, decisions, 0.7)
                fines = decisions * r.randint(500, 5000) * 1.0
                collected = round(fines * r.uniform(0.8, 1.0), 2)
                out["fct_enforcement_monthly"].append(dict(
                    source_system=source, period_month=month, street=street, domain=domain, cases_opened=opened,
                    cases_opened_closed=oc, closure_rate=_ratio(oc, opened), cases_closed=r.randint(0, 8),
                    decisions=decisions, decisions_on_time=on_time, on_time_decision_rate=_ratio(on_time, decisions),
                    fines_imposed_amount=fines, fines_collected_amount=collected,
                    collection_rate=_ratio(collected, fines), fines_paid_amount=collected))
            ops = r.randint(5, 15)
            units = r.randint(2, 5)
            workers = ops * 3
            row = dict(source_system=source, period_month=month, street=street, operations=ops, units_working=units,
                       units_working_registered=_part(r, units, 0.6), operations_permitted=_part(r, ops, 0.85),
                       workers_on_operations=workers, workers_trained=_part(r, workers, 0.9),
                       operations_ventilated_tested=_part(r, ops, 0.85), operations_guarded=_part(r, ops, 0.9))
            row.update(ledger_coverage_rate=_ratio(row["units_working_registered"], units),
                       permit_rate=_ratio(row["operations_permitted"], ops),
                       training_rate=_ratio(row["workers_trained"], workers),
                       ventilation_test_rate=_ratio(row["operations_ventilated_tested"], ops),
                       guardian_rate=_ratio(row["operations_guarded"], ops))
            out["fct_confined_space_compliance_monthly"].append(row)
            issued = r.randint(3, 10)
            verified = _part(r, issued, 0.7)
            found = r.randint(1, 6)
            by_patrol, removed = _part(r, found, 0.3), _part(r, found, 0.5)
            area = found * r.uniform(20, 200)
            out["fct_illegal_construction_monthly"].append(dict(
                source_system=source, period_month=month, street=street, imagery_spots_issued=issued,
                imagery_spots_verified=verified, spot_verification_rate=_ratio(verified, issued),
                imagery_spots_verified_on_time=_part(r, verified, 0.8), imagery_spots_new_illegal=r.randint(0, 2),
                violations_found=found, violations_found_by_patrol=by_patrol,
                early_detection_rate=_ratio(by_patrol, found), violations_removed=removed,
                removal_rate=_ratio(removed, found), area_found_m2=area, area_removed_m2=area * _ratio(removed, found)))
            for channel in ("12345", "wechat"):
                tips = r.randint(0, 4)
                checked = _part(r, tips, 0.7)
                ver = _part(r, checked, 0.5)
                out["fct_tips_monthly"].append(dict(
                    source_system=source, period_month=month, street=street, channel=channel, category="gas_safety",
                    tips_received=tips, tips_checked=checked, tips_verified=ver, verification_rate=_ratio(ver, tips),
                    rewards_paid=ver, reward_amount=ver * 200.0))
            score = r.uniform(70, 98)
            out["fct_street_composite_monthly"].append(dict(
                source_system=source, period_month=month, street=street, components_available=7, components_total=7,
                weight_covered=1.0, composite_score=score, grade="A" if score >= 90 else "B" if score >= 80 else "C"))
    return out


def _yearly_and_dims(source: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"fct_bridge_condition_yearly": [], "dim_bridge": [], "dim_confined_space_unit": [],
                                  "fct_confined_space_work": []}
    r = _rng("yearly", source)
    for year in YEARS:
        for street in STREETS:
            reg = r.randint(2, 4)
            assessed = _part(r, reg, 0.6)
            grades = [0] * 5
            for _ in range(assessed):
                grades[min(4, int(r.expovariate(1.2)))] += 1
            bci = sum(r.uniform(60, 95) for _ in range(assessed))
            required = reg * 52
            done = _part(r, required, 0.85)
            out["fct_bridge_condition_yearly"].append(dict(
                source_system=source, period_year=year, street=street, bridges_registered=reg,
                bridges_file_complete=_part(r, reg, 0.6), file_completeness_rate=None,
                bridges_periodic_inspected=_part(r, reg, 0.6), periodic_inspection_rate=None,
                bridges_assessed=assessed, bci_total=bci, avg_bci=_ratio(bci, assessed),
                bridges_grade_a=grades[0], bridges_grade_b=grades[1], bridges_grade_c=grades[2],
                bridges_grade_d=grades[3], bridges_grade_e=grades[4], bridges_grade_ab=grades[0] + grades[1],
                grade_ab_rate=_ratio(grades[0] + grades[1], assessed), patrols_done=done, patrols_required=required,
                patrol_compliance_rate=_ratio(done, required)))
    for row in out["fct_bridge_condition_yearly"]:
        row["file_completeness_rate"] = _ratio(row["bridges_file_complete"], row["bridges_registered"])
        row["periodic_inspection_rate"] = _ratio(row["bridges_periodic_inspected"], row["bridges_registered"])
    t0 = dt.datetime(2024, 6, 1, 9, 0, tzinfo=SHANGHAI)
    for i in range(9):
        street = STREETS[i % len(STREETS)]
        bci = round(r.uniform(55, 95), 1)
        out["dim_bridge"].append(dict(
            source_system=source, bridge_id=f"QL-{i + 1:03d}", name=f"{street[:2]}{i + 1}号桥", street=street,
            maintenance_class="Ⅳ类", maintenance_grade="Ⅱ等", registered_at=t0 - dt.timedelta(days=3000 + i),
            file_reviewed_at=t0, file_complete=i % 4 != 0, missing_items=None if i % 4 else "竣工图纸",
            latest_assessed_at=t0 + dt.timedelta(days=i), latest_assessment_kind="periodic_regular",
            latest_bci=bci, latest_grade="A" if bci >= 90 else "B" if bci >= 80 else "C" if bci >= 66 else "D",
            last_periodic_regular_at=t0 + dt.timedelta(days=i)))
    for i in range(6):
        street = STREETS[i % len(STREETS)]
        out["dim_confined_space_unit"].append(dict(
            source_system=source, unit_id=f"YXDW-{i + 1:03d}", unit_name=f"{street[:2]}管道疏通队{i + 1}",
            unit_type="pipe_dredging", street=street, registered_at=t0, is_registered=i != 5, worker_count=6,
            ledger_status="在册", workers_trained=5, operations=4, last_operation_at=t0))
    for i in range(24):
        day = FIRST_DAY + dt.timedelta(days=i)
        start = dt.datetime.combine(day, dt.time(9, 30), SHANGHAI)
        out["fct_confined_space_work"].append(dict(
            source_system=source, work_id=f"ZY-{i + 1:04d}", unit_id=f"YXDW-{i % 6 + 1:03d}",
            street=STREETS[i % len(STREETS)], space_type="sewage_manhole", location_id=f"LOC-{i:03d}",
            date_local=day, started_at=start, completed_at=start + dt.timedelta(hours=2),
            permitted_at=start - dt.timedelta(hours=1), is_unit_registered=i % 6 != 5, is_permitted=i % 7 != 3,
            workers=3, workers_trained=3 if i % 9 else 2, is_ventilated_tested=i % 8 != 2, is_guarded=True,
            o2_pct=20.9, h2s_ppm=0.0, co_ppm=1.0, lel_pct=0.0))
    return out


LINEAGE_KINDS = (  # aggregate_type, event_type, source file (demo names), channel, category, subject_type
    ("fault", "fault_reported", "demo/facility_faults.csv", None, "lamp_out", "streetlight"),
    ("fault", "fault_repaired", "demo/facility_faults.csv", None, "lamp_out", "streetlight"),
    ("complaint", "complaint_received", "demo/complaints.csv", "12345", "市容环境", None),
    ("complaint", "complaint_closed", "demo/complaints.csv", "wechat", "噪声扰民", None),
    ("inspection", "inspection_performed", "demo/gas_inspections.xlsx", None, None, "restaurant"),
    ("hazard", "hazard_found", "demo/gas_inspections.xlsx", None, "no_leak_alarm", "restaurant"),
    ("alarm", "sensor_alarm_raised", "demo/sensor_alarms.csv", None, "gas_leak", None),
    ("patrol_shift", "patrol_checkin", "demo/patrol_checkins.csv", None, "day", "checkpoint"),
    ("confined_space_work", "confined_space_work_started", "demo/confined_space_work.jsonl", None, "sewage_manhole",
     "confined_space_unit"),
    ("enforcement_case", "enforcement_case_opened", "demo/enforcement_cases.xlsx", None, "gas", "black_gas_seizure"),
    ("bridge", "bridge_condition_assessed", "demo/bridge_inspections.xlsx", None, "periodic_regular", "bridge"),
    ("imagery_spot", "imagery_change_detected", "demo/imagery_spots.xlsx", None, "satellite", "imagery_spot"),
    ("tip", "tip_received", "demo/hotline_tips.csv", "12345", "gas_safety", None),
    ("black_gas_point", "black_gas_point_seized", "demo/black_gas_seizures.csv", None, "patrol", "black_gas_point"),
)


def _lineage_rows(source: str) -> list[dict]:
    """Events for drill-down: per day in [FIRST_DAY - 5 months, LAST_DAY] sparsely, every kind,
    every street; file lines count up per file."""
    rows, lines = [], {}
    day = dt.date(2024, 10, 1)
    while day <= LAST_DAY:
        for s, street in enumerate(STREETS):
            for k, (agg, etype, file, channel, category, subject) in enumerate(LINEAGE_KINDS):
                if (day.toordinal() + s + k) % 3:
                    continue
                lines[file] = lines.get(file, 1) + 1
                at = dt.datetime.combine(day, dt.time(8 + k % 10, 15), SHANGHAI)
                agg_id = f"{agg[:3].upper()}{day:%Y%m%d}{s}{k:02d}"
                rows.append(dict(
                    event_id=f"{source}-{agg_id}-{etype}", event_type=etype, source_system=source,
                    aggregate_type=agg, aggregate_id=agg_id, occurred_at=at.astimezone(UTC), date_local=day,
                    street=street, category=category, channel=channel, subject_type=subject,
                    source=f"demo_{file.split('/')[1].split('.')[0]}", source_file=file, source_line=lines[file],
                    load_id=f"L2025040100000{k % 10}"))
        day += dt.timedelta(days=1)
    return rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    df = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB's replacement scan
    con.execute(f"INSERT INTO marts.{table} BY NAME SELECT * FROM df")


def build_serving_copy(warehouse_dir: Path, *, version: int = 3,
                       published_at: dt.datetime | None = None,
                       failure: dict | None = None, drop: tuple[str, ...] = ()) -> ServingFixture:
    """Write ``warehouse_dir/serving/v{version:06d}.duckdb`` and ``CURRENT.json``.

    ``published_at`` defaults to one hour ago (Asia/Shanghai, with offset); ``failure`` (dict with
    failed_at, stage, message) also writes ``LAST_FAILURE.json``; ``drop`` names marts to leave
    out (a serving copy published before those marts existed). Returns the paths.
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
            _insert(con, "fct_fault_disposal_daily", _fault_rows(source, scale))
            _insert(con, "fct_complaint_closure_daily", _closure_rows(source))
        _insert(con, "fct_gas_inspection_coverage", _gas_rows(SOURCE))
        for group in (_daily_facts(SOURCE), _monthly_facts(SOURCE), _yearly_and_dims(SOURCE)):
            for table, rows in group.items():
                _insert(con, table, rows)
        _insert(con, "fct_event_lineage", _lineage_rows(SOURCE))
        _insert(con, "dim_metric", dim_metric_rows())
        _insert(con, "dim_street", [dict(source_system=SOURCE, street=s) for s in STREETS])
        _insert(con, "dim_source_system", [
            dict(source_system=SOURCE, time_zone="Asia/Shanghai", name_zh="鲤城区城市管理和综合执法局（演示数据）",
                 name_en="Licheng district bureau (demo data)"),
            dict(source_system=OTHER_SOURCE, time_zone="America/Los_Angeles", name_zh="洛杉矶 MyLA311 服务请求",
                 name_en="Los Angeles MyLA311 service requests")])
        con.execute("CREATE VIEW ops.events AS SELECT * FROM marts.fct_event_lineage")
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
        for table in drop:
            con.execute(f"DROP TABLE marts.{table}")
        counts = {
            f"{s}.{t}": con.execute(f"SELECT count(*) FROM {s}.{t}").fetchone()[0]
            for s, t in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE'").fetchall()
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
