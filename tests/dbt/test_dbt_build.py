"""Real `dbt build` of the city_safety project on a small hand-made event store (DuckDB file).

Every expected number below is computed by hand from the events in conftest.py (see the comments
there). The builds run the dbt CLI as a subprocess, exactly as the pipeline does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import duckdb
import pytest

from conftest import A, B, C, DBT_DIR, MARTS, MODELS_ONLY, build_copy, build_events, mart_hashes, query, run_dbt

D = dt.date

# Binding column lists (/tmp/marts.md); fct_fault_disposal_daily adds faults_reported and dim_metric adds
# direction and rate / numerator / denominator / date columns, filter and composite weight (documented extras).
CONTRACT_COLUMNS = {
    "fct_fault_disposal_daily": [
        "source_system", "date_local", "street", "facility_type", "faults_due", "faults_disposed_on_time",
        "faults_disposed", "faults_overdue_open", "faults_reported", "disposal_rate", "target_rate"],
    "fct_gas_inspection_coverage": [
        "source_system", "period_month", "street", "subject_type", "units_registered", "units_inspected",
        "coverage_rate", "units_inspected_ytd", "coverage_rate_ytd", "units_with_board", "info_board_rate",
        "units_with_alarm", "leak_alarm_rate", "target_rate"],
    "fct_complaint_closure_daily": [
        "source_system", "date_local", "channel", "category", "street", "complaints_due", "complaints_closed",
        "complaints_closed_on_time", "closure_rate", "on_time_closure_rate", "target_rate"],
    "fct_complaints_received_daily": [
        "source_system", "date_local", "channel", "category", "street", "complaints_received"],
    "fct_sensor_readings_daily": [
        "source_system", "date_local", "device_id", "sensor_type", "unit", "readings", "readings_flagged",
        "avg_value", "min_value", "max_value"],
    "dim_street": ["source_system", "street"],
    "dim_metric": [
        "metric_id", "name_zh", "name_en", "definition_zh", "definition_en", "formula", "target", "unit",
        "direction", "source", "model", "rate_column", "numerator_column", "denominator_column", "date_column",
        "filter", "composite_weight"],
    "fct_event_lineage": [
        "event_id", "event_type", "source_system", "aggregate_type", "aggregate_id", "occurred_at",
        "date_local", "street", "category", "channel", "subject_type", "source", "source_file", "source_line",
        "load_id"],
}


# every dbt unit test of the project (one or more hand-computed cases per metric; edge cases named in each)
UNIT_TESTS = [
    "fault_disposal_rate_hand_computed", "fault_due_at_from_limits_extensions_and_zone",
    "complaint_closure_rates_hand_computed", "complaint_due_at_and_valid_close",
    "gas_unit_inspected_twice_counts_once_and_alarm_must_work", "gas_coverage_rates_hand_computed",
    "fault_response_durations_hand_computed", "gas_hazard_rectification_flow_cohort_on_time",
    "black_gas_seizures_hand_computed", "enforcement_rates_hand_computed", "sensor_alarm_handling_hand_computed",
    "sensor_devices_offline_hand_computed", "bridge_condition_yearly_hand_computed", "confined_space_operation_checks",
    "confined_space_compliance_rates", "patrol_checkin_rates_day_night_and_zero_plan",
    "illegal_construction_spots_and_removals", "complaint_response_and_repeats", "complaint_feedback_satisfaction_reopen",
    "tips_verification_and_rewards", "composite_component_scores", "composite_score_and_grade_bands",
]


def _copy_of_base(base, work) -> tuple:
    """(build.duckdb, work folder): a copy of the default build in the new folder ``work``, for a test that changes it."""
    work.mkdir()
    db = work / "build.duckdb"
    shutil.copyfile(base[0].path, db)
    return db, work


@pytest.fixture(scope="module")
def base(built):
    """The default build, checked to have succeeded, with its mart hashes taken right after it."""
    assert built.run.returncode == 0, built.run.output[-5000:]
    return built, mart_hashes(built.path)


def test_build_runs_models_tests_and_unit_tests(base):
    built, _ = base
    out = built.run.output
    assert "ERROR=0" in out and "WARN=0" in out, out[-3000:]
    for unit_test in UNIT_TESTS:
        assert re.search(rf"PASS \S+::{unit_test}\b", out), unit_test


def test_mart_columns_match_contract(base):
    built, _ = base
    for name, cols in CONTRACT_COLUMNS.items():
        got = [r[0] for r in query(built.path, f"DESCRIBE main_marts.{name}")]
        assert got == cols, name
    types = dict(query(built.path, "SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_schema = 'main_marts' AND table_name = 'fct_fault_disposal_daily'"))
    assert types["date_local"] == "DATE" and types["disposal_rate"] == "DOUBLE" and types["faults_due"] == "BIGINT"


def test_fault_disposal_daily_values(base):
    built, _ = base
    rows = query(built.path, """
        SELECT date_local, faults_due, faults_disposed_on_time, faults_disposed, faults_overdue_open,
               faults_reported, disposal_rate, target_rate
        FROM main_marts.fct_fault_disposal_daily
        WHERE source_system = 'licheng' AND street = ? AND facility_type = 'streetlight' ORDER BY date_local""", [A])
    assert rows == [
        # report-only day: nothing due -> NULL, not 0 (F4 cancelled is not counted as reported)
        (D(2024, 3, 1), 0, 0, 0, 0, 5, None, 0.98),
        # F1 (23:50 report, next-day repair) and F6 on time; F2 late; F5 repaired 03-09 (late)
        (D(2024, 3, 2), 4, 2, 4, 0, 0, 0.5, 0.98),
        # F3 after its extension
        (D(2024, 3, 3), 1, 1, 1, 0, 0, 1.0, 0.98),
    ]


def test_complaint_facts_values(base):
    built, _ = base
    closure = query(built.path, """
        SELECT source_system, date_local, channel, category, street, complaints_due, complaints_closed,
               complaints_closed_on_time, closure_rate, on_time_closure_rate
        FROM main_marts.fct_complaint_closure_daily ORDER BY ALL""")
    assert closure == [
        # LA1: received 03-01 20:00 PST + 240 h = 03-11 21:00 PDT (DST started 03-10)
        ("la311", D(2024, 3, 11), "phone", "streetlight_fault", "CD 13", 1, 1, 1, 1.0, 1.0),
        ("la311", D(2024, 3, 13), "phone", "graffiti", "CD 1", 1, 0, 0, 0.0, 0.0),
        # C3: own due_at 03-06 08:00, corrected close 03-05 12:00 on time
        ("licheng", D(2024, 3, 6), "12345", "noise", A, 1, 1, 1, 1.0, 1.0),
        # C4: WeChat received Saturday 03-02 + 3 official working days (Mon 03-04 .. Wed 03-06), never closed
        ("licheng", D(2024, 3, 6), "wechat", "road", B, 1, 0, 0, 0.0, 0.0),
        # C1, C2: 12345 received Friday 03-01 + 5 working days = Friday 03-08 23:59:59; C1 on time, C2 duplicate
        # close (denominator only)
        ("licheng", D(2024, 3, 8), "12345", "noise", A, 2, 1, 1, 0.5, 0.5),
    ]
    received = query(built.path, "SELECT * FROM main_marts.fct_complaints_received_daily ORDER BY ALL")
    assert received == [
        # LA local dates (UTC and Shanghai would say 03-02 and 03-03); LA1 in two exports counted once
        ("la311", D(2024, 3, 1), "phone", "streetlight_fault", "CD 13", 1),
        ("la311", D(2024, 3, 2), "phone", "graffiti", "CD 1", 1),
        ("licheng", D(2024, 3, 1), "12345", "noise", A, 3),
        ("licheng", D(2024, 3, 2), "wechat", "road", B, 1),
    ]


def test_gas_inspection_coverage_values(base):
    built, _ = base
    rows = query(built.path, "SELECT * EXCLUDE (source_system, target_rate) "
                             "FROM main_marts.fct_gas_inspection_coverage ORDER BY ALL")
    assert rows == [
        # month, street, type, registered, inspected, rate, ytd, ytd rate, board, rate, alarm, rate
        (D(2024, 1, 1), A, "restaurant", 2, 1, 0.5, 1, 0.5, 0, 0.0, 1, 0.5),
        (D(2024, 1, 1), B, "lpg_station", 1, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0),
        (D(2024, 2, 1), A, "restaurant", 2, 1, 0.5, 2, 1.0, 1, 0.5, 2, 1.0),
        (D(2024, 2, 1), B, "lpg_station", 1, 0, 0.0, 0, 0.0, 0, 0.0, 0, 0.0),
        # R1 inspected twice (counts once), its alarm not functional; R3 registered 03-20, not inspected
        (D(2024, 3, 1), A, "restaurant", 3, 1, 1 / 3, 2, 2 / 3, 1, 1 / 3, 1, 1 / 3),
        # P1's inspection at 2024-02-29 17:30Z is March 1 in Shanghai
        (D(2024, 3, 1), B, "lpg_station", 1, 1, 1.0, 1, 1.0, 1, 1.0, 1, 1.0),
    ]


def test_sensor_daily_values(base):
    built, _ = base
    rows = query(built.path, "SELECT * FROM main_marts.fct_sensor_readings_daily ORDER BY ALL")
    assert rows == [
        # 2024-03-02 03:00Z is 03-01 in Chicago
        ("chicago_beach", D(2024, 3, 1), "Montrose Beach", "water_temperature", "degC", 1, 0, 4.5, 4.5, 4.5),
        # sentinel counted, never averaged; the 20:00 reading also in the later export counts once, as corrected
        ("licheng", D(2024, 3, 1), "D1", "gas_leak", "ppm", 3, 1, 25.0, 10.0, 40.0),
        # 16:30Z on 03-01 is 03-02 in Shanghai; the rejected file's 999 is ignored
        ("licheng", D(2024, 3, 2), "D1", "gas_leak", "ppm", 2, 0, 65.0, 50.0, 80.0),
    ]


def test_dimensions_and_lineage(base):
    built, _ = base
    assert query(built.path, "SELECT * FROM main_marts.dim_street ORDER BY ALL") == [
        ("la311", "CD 1"), ("la311", "CD 13"), ("licheng", C), ("licheng", A), ("licheng", B)]
    loads = dict(query(built.path, "SELECT load_id, count(*) FROM main_marts.fct_event_lineage GROUP BY 1"))
    assert "L07_rejected" not in loads and "L02_complaints" not in loads  # rejected file, superseded load
    assert loads["L12_complaints"] == 7
    # both LA1 events are in two exports: the copy from the later load survives, each event once
    assert "L05_la" not in loads and loads["L06_la_overlap"] == 3
    # every fixture event minus 1 in the rejected file, 7 in the superseded load and 2 duplicate copies
    assert sum(loads.values()) == len(build_events()) - 1 - 7 - 2
    la1 = query(built.path, "SELECT date_local, source_file, source_line FROM main_marts.fct_event_lineage "
                            "WHERE aggregate_id = 'LA1' AND event_type = 'complaint_received'")
    assert la1 == [(D(2024, 3, 1), "la311/part2.csv", la1[0][2])]


# METRICS.md ids every area of the bureau's work must expose (issue 4)
REQUIRED_METRICS = {
    "F1", "F2", "G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "G10", "G12", "B1", "B2", "B4", "B5", "B6",
    "S1", "S2", "S3", "S4", "S5", "I1", "I3", "I4", "I5", "C1", "C16", "C17", "C20", "H2", "H4", "H5", "H6", "H7",
    "H9", "H12", "E1", "E2", "E3", "E4", "D1",
}


def test_dim_metric_is_built_from_model_meta_only(base):
    built, _ = base
    assert not (DBT_DIR / "seeds" / "metric_definitions.csv").exists()  # one source of truth: the model YAML meta
    cols = ["metric_id", "name_zh", "name_en", "definition_zh", "definition_en", "formula", "target", "unit",
            "direction", "source", "model", "rate_column", "numerator_column", "denominator_column", "date_column",
            "filter", "composite_weight"]
    dim = {r[0]: dict(zip(cols, r)) for r in query(built.path, f"SELECT {', '.join(cols)} FROM main_marts.dim_metric")}
    manifest = json.loads((built.path.parent / "target" / "manifest.json").read_text(encoding="utf-8"))
    seen = {}
    for node in manifest["nodes"].values():
        for m in node.get("config", {}).get("meta", {}).get("metrics", []):
            assert m["id"] not in seen, m["id"]
            seen[m["id"]] = node["name"]
            row = dim[m["id"]]
            for key in ["name_zh", "name_en", "definition_zh", "definition_en", "formula", "unit", "source",
                        "rate_column", "numerator_column", "denominator_column", "date_column", "filter"]:
                assert row[key] == m.get(key), (m["id"], key)
            assert row["target"] == m.get("target") and row["composite_weight"] == m.get("composite_weight"), m["id"]
            assert row["model"] == node["name"], m["id"]
            # the named columns exist in the built model
            model_cols = {r[0] for r in query(built.path, f"DESCRIBE main_marts.{node['name']}")}
            for key in ["rate_column", "numerator_column", "denominator_column", "date_column"]:
                assert m.get(key) is None or m[key] in model_cols, (m["id"], key, m.get(key))
    assert set(seen) == set(dim)
    assert REQUIRED_METRICS <= set(dim), sorted(REQUIRED_METRICS - set(dim))
    # the composite weights sum to 1 (METRICS.md C20: Σ score x weight)
    assert abs(sum(r["composite_weight"] or 0 for r in dim.values()) - 1.0) < 1e-9


def test_metric_values_roll_up_the_facts(base):
    built, _ = base
    # F1 for licheng, March 2024 by street: sum(num) / sum(den) of the fact
    got = query(built.path, "SELECT street, numerator, denominator, value FROM main_marts.fct_metric_values "
                            "WHERE metric_id = 'F1' AND source_system = 'licheng' ORDER BY street")
    assert got == [(A, 3.0, 5.0, 0.6)]  # F1, F6, F3 on time of F1, F2, F3, F5, F6 due in March
    # G2 uses the restaurant filter; C1 is a count (no denominator)
    assert query(built.path, "SELECT numerator, denominator FROM main_marts.fct_metric_values WHERE metric_id = 'G2' "
                             "AND period_start = DATE '2024-03-01'") == [(1.0, 3.0)]
    assert query(built.path, "SELECT sum(value), count(denominator) FROM main_marts.fct_metric_values "
                             "WHERE metric_id = 'C1' AND source_system = 'licheng'") == [(4.0, 0)]


def test_metrics_a_source_cannot_report_are_null_not_zero(base):
    built, _ = base
    applicability = {(m, src): (reported, n) for m, src, reported, n in query(
        built.path, "SELECT metric_id, source_system, reported, evidence_events FROM main_marts.dim_metric_source "
                    "WHERE metric_id IN ('H4', 'G3', 'C16')")}
    # no fixture source records first_contact_made (H4 requires it); licheng's inspections carry alarm_installed
    assert applicability[("H4", "la311")] == (False, 0)
    assert applicability[("H4", "licheng")] == (False, 0)
    assert applicability[("C16", "la311")] == (True, None)  # no requirement
    reported, n = applicability[("G3", "licheng")]
    assert reported and n > 0
    # H4 for la311: complaints received stay in the denominator, numerator and value are unknown (NULL), not 0
    h4 = query(built.path, "SELECT count(*), sum(denominator), count(numerator), count(value), bool_or(reported) "
                           "FROM main_marts.fct_metric_values WHERE metric_id = 'H4' AND source_system = 'la311'")
    c1 = query(built.path, "SELECT sum(value) FROM main_marts.fct_metric_values "
                           "WHERE metric_id = 'C1' AND source_system = 'la311'")[0][0]
    assert h4 == [(h4[0][0], c1, 0, 0, False)] and h4[0][0] > 0
    assert query(built.path, "SELECT bool_and(reported), count(value) > 0 FROM main_marts.fct_metric_values "
                             "WHERE metric_id = 'C16' AND source_system = 'la311'") == [(True, True)]


def test_restatements_show_late_and_corrected_data(base):
    built, _ = base
    rows = query(built.path, """
        SELECT source_system, metric_id, date_local, strftime(cutoff_at AT TIME ZONE 'Asia/Shanghai', '%m-%d %H:%M'),
               numerator_then, denominator_then, value_then, value_latest, value_delta, caused_by_loads
        FROM main_marts.fct_metric_restatements ORDER BY ALL""")
    # cut-offs = the 10 latest load commits (03-08 02:05 .. 04-01 02:10); only changed, already reportable days
    la_0301 = [("la311", "C1", D(2024, 3, 1), c, 0, None, 0.0, 1.0, 1.0, "L05_la,L06_la_overlap")
               for c in ["03-08 02:05", "03-08 02:10", "03-08 02:15"]]
    la_0302 = [("la311", "C1", D(2024, 3, 2), c, 0, None, 0.0, 1.0, 1.0, "L06_la_overlap")
               for c in ["03-08 02:05", "03-08 02:10", "03-08 02:15", "03-08 03:00"]]
    # C3's first export closed it after its due time; the corrected re-export (L12, 03-12 02:05) on time
    c17 = [("licheng", "C17", D(2024, 3, 6), c, 0, 2, 0.0, 0.5, 0.5, "L12_complaints")
           for c in ["03-08 02:05", "03-08 02:10", "03-08 02:15", "03-08 03:00", "03-08 03:10", "03-08 03:30",
                     "03-12 02:00"]]
    assert rows == la_0301 + la_0302 + c17


def test_restatement_window_is_a_var(base, dbt_tmp):
    db, work = _copy_of_base(base, dbt_tmp / "restate3")
    run = run_dbt(["run", "--select", "fct_metric_restatements", "--vars", json.dumps({"restatement_cutoffs": 3})],
                  db, work)
    assert run.returncode == 0, run.output[-3000:]
    # the 3 latest cut-offs are 03-12 02:05, 03-12 02:15 and 04-01 02:10: everything was known by then
    assert query(db, "SELECT count(*) FROM main_marts.fct_metric_restatements") == [(0,)]


def test_retracted_load_leaves_the_marts_and_incremental_equals_full(base, dbt_tmp):
    """`python -m pipelines retract` withdraws a load: the next (incremental) build drops its events as if it had
    never been loaded, a full rebuild of the same store gives the same marts, and the history stays."""
    from pipelines.eventstore.retract import retract_load

    db, work = _copy_of_base(base, dbt_tmp / "retract")
    con = duckdb.connect(str(db))
    try:
        done = retract_load(con, "la311/part2.csv", "exported from the wrong district", by="tester")
    finally:
        con.close()
    assert (done.load_id, done.events) == ("L06_la_overlap", 3)
    run = run_dbt(["run"], db, work)  # incremental, as the nightly refresh after the retraction
    assert run.returncode == 0, run.output[-3000:]
    received = query(db, "SELECT * FROM main_marts.fct_complaints_received_daily WHERE source_system = 'la311' "
                         "ORDER BY ALL")
    # LA2 came only in the retracted export: gone; LA1 stays (also in L05_la)
    assert received == [("la311", D(2024, 3, 1), "phone", "streetlight_fault", "CD 13", 1)]
    assert query(db, "SELECT DISTINCT load_id FROM main_marts.fct_event_lineage WHERE source_system = 'la311'") == [
        ("L05_la",)]
    assert query(db, "SELECT count(*) FROM events.events WHERE load_id = 'L06_la_overlap'") == [(3,)]  # history kept
    incremental = mart_hashes(db)
    full = run_dbt(["run", "--full-refresh"], db, work)
    assert full.returncode == 0, full.output[-3000:]
    assert mart_hashes(db) == incremental


def test_failing_not_null_columns_test_names_the_column(base, dbt_tmp):
    """One not_null_columns test per model (instead of one not_null test per column): when it fails, the refresh's
    failure summary still names the column holding NULLs and how many rows."""
    from pipelines.defs.failures import dbt_failures

    db, work = _copy_of_base(base, dbt_tmp / "nulls")
    con = duckdb.connect(str(db))
    try:
        n = con.execute("SELECT count(*) FROM main_marts.fct_metric_restatements WHERE metric_id = 'C1'").fetchone()[0]
        con.execute("UPDATE main_marts.fct_metric_restatements SET metric_id = NULL WHERE metric_id = 'C1'")
    finally:
        con.close()
    run = run_dbt(["test", "--select", "fct_metric_restatements"], db, work)
    assert run.returncode == 1 and n > 0
    failures = dbt_failures(work / "target", build_db=db)
    assert len(failures) == 1 and "not_null_columns_fct_metric_restatements" in failures[0]
    assert failures[0].endswith(f"; failing: metric_id is null ({n} rows)"), failures


def test_replay_after_dropping_projections_is_identical(base):
    built, hashes = base
    con = duckdb.connect(str(built.path))
    try:
        for schema in ["main_marts", "main_intermediate", "main_staging", "main_seeds"]:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        con.close()
    run = run_dbt(["build", *MODELS_ONLY], built.path, built.path.parent, {"TZ": "Asia/Shanghai"})
    assert run.returncode == 0, run.output[-3000:]
    assert mart_hashes(built.path) == hashes


def test_process_and_session_time_zone_do_not_change_marts(base, dbt_tmp):
    _, hashes = base
    # TZ=UTC for the process and a UTC DuckDB session: local dates still follow the source systems' zones
    other = build_copy(dbt_tmp, "utc", MODELS_ONLY, env_extra={"TZ": "UTC", "CSW_TIMEZONE": "UTC"})
    assert other.run.returncode == 0, other.run.output[-3000:]
    assert mart_hashes(other.path) == hashes


def test_as_of_excludes_later_loads(base, as_of_build):
    _, hashes = base
    p = as_of_build.path
    assert mart_hashes(p)["fct_fault_disposal_daily"] != hashes["fct_fault_disposal_daily"]
    # F5's repair was learned on 03-12: as of 03-10 it is overdue and open
    assert query(p, "SELECT faults_due, faults_disposed_on_time, faults_disposed, faults_overdue_open, disposal_rate "
                    "FROM main_marts.fct_fault_disposal_daily WHERE date_local = DATE '2024-03-02'") == [
        (4, 2, 3, 1, 0.5)]
    # the corrected complaint export (03-12) is not yet known: C3 closed late
    assert query(p, "SELECT sum(complaints_due), sum(complaints_closed), sum(complaints_closed_on_time) "
                    "FROM main_marts.fct_complaint_closure_daily WHERE date_local = DATE '2024-03-06'") == [(2, 1, 0)]
    # the late sensor reading and the April gas load are excluded
    assert query(p, "SELECT readings, avg_value FROM main_marts.fct_sensor_readings_daily "
                    "WHERE device_id = 'D1' AND date_local = DATE '2024-03-02'") == [(1, 50.0)]
    # ... so the 03-01 20:00 reading is the first export's (30.0, not yet corrected to 40.0)
    assert query(p, "SELECT readings, avg_value, max_value FROM main_marts.fct_sensor_readings_daily "
                    "WHERE device_id = 'D1' AND date_local = DATE '2024-03-01'") == [(3, 20.0, 30.0)]
    assert query(p, "SELECT units_registered, units_inspected, units_with_alarm FROM main_marts.fct_gas_inspection_coverage "
                    "WHERE period_month = DATE '2024-03-01' AND subject_type = 'restaurant'") == [(2, 1, 1)]
    assert ("licheng", C) not in query(p, "SELECT * FROM main_marts.dim_street")
    assert query(p, "SELECT count(*) FROM main_marts.fct_event_lineage "
                    "WHERE load_id IN ('L11_faults', 'L12_complaints', 'L13_gas')") == [(0,)]
    assert query(p, "SELECT cutoff_at FROM main_intermediate.int_build_cutoff") == [
        (dt.datetime.fromisoformat("2024-03-10T00:00:00+08:00"),)]


def test_parse_needs_no_database_file(tmp_path):
    db = tmp_path / "missing" / "build.duckdb"
    run = run_dbt(["parse"], db, tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert not db.exists() and not db.parent.exists()
    assert (tmp_path / "target" / "manifest.json").exists()


def test_as_of_without_offset_is_rejected_with_clear_error(tmp_path):
    run = run_dbt(["parse", "--vars", json.dumps({"as_of": "2024-03-10 00:00:00"})], tmp_path / "x.duckdb", tmp_path)
    assert run.returncode != 0
    assert "var as_of = '2024-03-10 00:00:00' is not an ISO timestamp with an offset" in run.output


def test_all_marts_are_listed(base):
    built, _ = base
    tables = {r[0] for r in query(built.path, "SELECT table_name FROM information_schema.tables "
                                              "WHERE table_schema = 'main_marts'")}
    assert tables == set(MARTS)
