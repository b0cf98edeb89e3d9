"""Every demo file loads through its shipped contract (pipelines/contracts/demo_*.yaml) with the real
interpreter (pipelines.ingest.load.ingest_kind) into a temporary DuckDB event store: rows_in_file =
loaded + rejected, only the intended rejects, and event counts equal to what the files say."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from pipelines.demo.spec import CONTRACTS, FILES, INTENDED_REJECTS, SOURCE_SYSTEM


def _csv(path: Path, encoding: str = "utf-8-sig") -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def _events(con, source: str) -> Counter:
    rows = con.execute("SELECT event_type || '/' || aggregate_type, count(*) FROM events.events "
                       "WHERE source = ? GROUP BY 1", [source]).fetchall()
    return Counter(dict(rows))


@pytest.mark.parametrize("key", sorted(FILES))
def test_file_loads_with_only_intended_rejects(store, key):
    con, results = store
    r = results[key]
    assert r is not None, f"{FILES[key]} was matched by no contract of its kind"
    assert r.source == CONTRACTS[key][0]
    assert r.status == "loaded", r.error
    assert r.rows_in_file == r.rows_loaded + r.rows_rejected
    assert r.rows_rejected == INTENDED_REJECTS[key]
    n = con.execute("SELECT count(*) FROM events.rejected_rows WHERE source = ?", [r.source]).fetchone()[0]
    assert n == INTENDED_REJECTS[key]
    assert not [w for w in r.warnings if "unknown column" in w], r.warnings  # every header is claimed


def test_events_are_licheng_with_street_and_unique_ids(store):
    con, _ = store
    systems, null_street, dup = con.execute(
        "SELECT list(DISTINCT source_system), count(*) FILTER (WHERE street IS NULL), "
        "count(*) - count(DISTINCT event_id) FROM events.events").fetchone()
    assert systems == [SOURCE_SYSTEM] and null_street == 0 and dup == 0


def test_registry_and_asset_events(store, demo_paths):
    con, _ = store
    users = list(openpyxl.load_workbook(demo_paths["gas_users"], read_only=True).active.iter_rows(min_row=2, values_only=True))
    assert _events(con, "demo_gas_users") == {"asset_registered/gas_user": len(users)}
    types = con.execute("SELECT subject_type, count(*) FROM events.events WHERE source = 'demo_gas_users' "
                        "GROUP BY 1 ORDER BY 1").fetchall()
    assert dict(types) == {"lpg_station": 30, "restaurant": len(users) - 30}
    assets = _csv(demo_paths["assets"])
    assert _events(con, "demo_assets") == {"asset_registered/bridge": 25, "asset_registered/asset": len(assets) - 25}


def test_inspection_events_read_the_merged_header(store, demo_paths):
    con, _ = store
    rows = list(openpyxl.load_workbook(demo_paths["gas_inspections"], read_only=True).active.iter_rows(min_row=3, values_only=True))
    assert _events(con, "demo_gas_inspections") == {
        "inspection_performed/inspection": len(rows), "hazard_found/hazard": sum(1 for r in rows if r[12])}
    boards, alarms, results = con.execute(
        "SELECT count(*) FILTER (WHERE (payload->>'info_board_posted')::BOOLEAN), "
        "count(*) FILTER (WHERE (payload->>'alarm_installed')::BOOLEAN AND (payload->>'alarm_functional')::BOOLEAN), "
        "list(DISTINCT payload->>'result' ORDER BY payload->>'result') "
        "FROM events.events WHERE event_type = 'inspection_performed'").fetchone()
    assert boards == sum(r[6] == "是" for r in rows)
    assert alarms == sum(r[7] == "是" and r[8] == "是" for r in rows)
    assert results == ["fail", "pass", "rectify"]


def test_fault_events(store, demo_paths):
    con, _ = store
    rows = _csv(demo_paths["faults"])
    filled = lambda col: sum(1 for r in rows if r[col])  # noqa: E731
    assert _events(con, "demo_faults") == {
        "fault_reported/fault": len(rows), "crew_arrived/fault": filled("到场时间"),
        "fault_repaired/fault": filled("修复时间"), "fault_cancelled/fault": filled("取消时间"),
        "extension_approved/fault": filled("延期批准时间")}
    # naive local times are read as Asia/Shanghai, whatever the session zone
    con.execute("SET TimeZone = 'UTC'")
    try:
        loaded = dict(con.execute(
            "SELECT aggregate_id, strftime(timezone('Asia/Shanghai', occurred_at), '%Y-%m-%d %H:%M:%S') "
            "FROM events.events WHERE event_type = 'fault_reported'").fetchall())
    finally:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
    assert loaded == {r["故障编号"]: r["上报时间"] for r in rows}
    ext = con.execute("SELECT count(*) FROM events.events WHERE event_type = 'extension_approved' "
                      "AND due_at = CAST(payload->>'new_due_at' AS TIMESTAMPTZ)").fetchone()[0]
    assert ext == filled("延期批准时间")


def test_complaint_events_and_rejects(store, demo_paths):
    con, _ = store
    rows = _csv(demo_paths["complaints"], "gbk")
    bad_lines = con.execute("SELECT source_line, reason, reason_code FROM events.rejected_rows "
                            "WHERE source = 'demo_complaints' ORDER BY source_line").fetchall()
    bad_idx = {line - 2 for line, _, _ in bad_lines}  # header is line 1, row i is line i + 2
    assert 1780 in bad_idx
    reasons = " | ".join(reason for _, reason, _ in bad_lines)
    for text in ("2026-02-30", "2025-11-31", "2026-04-31", "工单编号"):
        assert text in reasons
    assert sorted(code for _, _, code in bad_lines) == ["missing_required", "parse_error", "parse_error", "parse_error"]
    good = [r for i, r in enumerate(rows) if i not in bad_idx]
    assert _events(con, "demo_complaints") == {
        "complaint_received/complaint": len(good),
        "complaint_closed/complaint": sum(1 for r in good if r["办结时间"]),
        "return_visit_done/complaint": sum(1 for r in good if r["回访时间"])}
    channels = {c for (c,) in con.execute("SELECT DISTINCT channel FROM events.events WHERE source = 'demo_complaints'").fetchall()}
    assert channels == {"12345", "wechat", "weibo", "douyin", "petition"}


def test_sensor_readings_and_alarm_events(store, demo_paths):
    con, results = store
    recs = [json.loads(x) for x in demo_paths["sensor_readings"].read_text(encoding="utf-8").splitlines()]
    assert results["sensor_readings"].readings_written == len(recs)
    flagged = dict(con.execute("SELECT quality, count(*) FROM events.sensor_readings GROUP BY 1").fetchall())
    assert flagged == {"ok": sum(r["value"] != -9999 for r in recs), "sentinel": sum(r["value"] == -9999 for r in recs)}
    alarms = _csv(demo_paths["sensor_alarms"])
    assert _events(con, "demo_sensor_alarms") == {
        "sensor_alarm_raised/alarm": len(alarms),
        "alarm_acknowledged/alarm": sum(1 for a in alarms if a["确认时间"]),
        "alarm_cleared/alarm": sum(1 for a in alarms if a["解除时间"])}
    reasons = {c for (c,) in con.execute("SELECT DISTINCT payload->>'clear_reason' FROM events.events "
                                         "WHERE event_type = 'alarm_cleared'").fetchall()}
    assert reasons == {"fixed", "false_alarm", "device_fault"}
