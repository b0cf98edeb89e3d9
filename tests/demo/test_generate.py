"""The demo generator: reproducible bytes, the promised sizes and counts, realistic rates, and the
deliberate defects of the complaints export (pipelines/demo, spec.py)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from datetime import datetime

import openpyxl
import pytest

from pipelines.demo import spec
from pipelines.demo.generate import generate, main

STREETS = set(spec.STREETS)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv(path, encoding="utf-8-sig") -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def _sheet_rows(path, header_rows: int) -> list[tuple]:
    ws = openpyxl.load_workbook(path, read_only=True).active
    return list(ws.iter_rows(min_row=header_rows + 1, values_only=True))


def test_two_runs_give_identical_bytes(demo_paths, tmp_path):
    again = generate(tmp_path / "raw", spec.DEFAULT_SEED)
    assert set(again) == set(spec.FILES)
    for key, path in demo_paths.items():
        assert _sha(path) == _sha(again[key]), f"{key} differs between two runs with the same seed"


def test_another_seed_gives_other_data(demo_paths, tmp_path):
    other = generate(tmp_path / "raw", spec.DEFAULT_SEED + 1)
    assert _sha(other["complaints"]) != _sha(demo_paths["complaints"])
    assert _sha(other["gas_inspections"]) != _sha(demo_paths["gas_inspections"])


def test_cli_writes_all_files(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--seed", "7"]) == 0
    for rel in spec.FILES.values():
        assert (tmp_path / rel).stat().st_size > 0
    assert "total" in capsys.readouterr().out


def test_sizes(demo_paths):
    sizes = {k: p.stat().st_size for k, p in demo_paths.items()}
    assert sum(sizes.values()) < spec.MAX_TOTAL_BYTES, sizes
    assert sizes["sensor_readings"] < spec.MAX_READINGS_BYTES
    assert all(p.parent.name == "demo" for p in demo_paths.values())


def test_gas_user_registry(demo_paths):
    rows = _sheet_rows(demo_paths["gas_users"], 1)
    types = Counter(r[2] for r in rows)
    assert 1520 <= types["餐饮场所"] <= 1680
    assert types["瓶装燃气供应站"] == 30
    assert {r[3] for r in rows} == STREETS
    assert len({r[0] for r in rows}) == len(rows), "unit ids must be unique"
    assert all(isinstance(r[6], datetime) and r[6] < spec.YEAR_END for r in rows)
    new = sum(r[6] >= spec.YEAR_START for r in rows)
    assert 0 < new < 0.1 * len(rows), "some restaurants open during the year, most existed before"


def test_inspections_header_is_two_merged_rows(demo_paths):
    ws = openpyxl.load_workbook(demo_paths["gas_inspections"]).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:E1", "F1:F2", "G1:J1", "P1:P2"} <= merged
    assert ws["A1"].value == "基本信息" and ws["G1"].value == "检查项目" and ws["F1"].value == "检查日期"
    assert [ws.cell(2, c).value for c in range(1, 6)] == ["检查编号", "单位编号", "单位名称", "单位类型", "所属街道"]
    assert [ws.cell(2, c).value for c in range(7, 10)] == ["信息牌已张贴", "报警器已安装", "报警器有效"]


def test_inspection_coverage_and_checklist_rates(demo_paths):
    users = _sheet_rows(demo_paths["gas_users"], 1)
    rows = _sheet_rows(demo_paths["gas_inspections"], 2)
    restaurants = {r[0] for r in users if r[2] == "餐饮场所"}
    stations = {r[0] for r in users if r[2] == "瓶装燃气供应站"}
    inspected = {r[1] for r in rows}
    assert inspected <= restaurants | stations
    coverage = len(inspected & restaurants) / len(restaurants)
    assert 0.85 <= coverage <= 0.97, coverage
    assert stations <= inspected
    rest_rows = [r for r in rows if r[3] == "餐饮场所"]
    for col, name in ((6, "board"), (7, "alarm installed"), (8, "alarm functional")):
        rate = sum(r[col] == "是" for r in rest_rows) / len(rest_rows)
        assert 0.90 <= rate <= 0.99, (name, rate)
    assert all(spec.YEAR_START <= r[5] < spec.YEAR_END for r in rows)
    hazards = [r for r in rows if r[12]]
    assert hazards and all(r[13] in ("一般隐患", "重大隐患") for r in hazards)
    assert len({r[0] for r in rows}) == len(rows)


def test_assets_and_bridges(demo_paths):
    rows = _csv(demo_paths["assets"])
    types = Counter(r["设施类型"] for r in rows)
    assert types["桥梁"] == 25
    assert sum(types.values()) >= 3000
    assert {"路灯", "排水设施", "道路", "绿地"} <= set(types)
    assert {r["所属街道"] for r in rows} == STREETS
    assert demo_paths["assets"].read_bytes().startswith(b"\xef\xbb\xbf")


def test_faults_meet_the_24_hour_limit_mostly(demo_paths):
    rows = _csv(demo_paths["faults"])
    assert 2000 <= len(rows) <= 5000
    status = Counter(r["处置状态"] for r in rows)
    assert status["已取消"] > 0 and status["已修复"] > 0.95 * len(rows)
    live = [r for r in rows if r["处置状态"] != "已取消"]
    on_time = sum(bool(r["修复时间"]) and r["修复时间"] <= (r["延期至"] or r["处置时限"]) for r in live)
    assert 0.97 <= on_time / len(live) <= 0.99
    assert sum(bool(r["延期至"]) for r in rows) > 0
    near_midnight = [r for r in rows if r["上报时间"][11:16] >= "23:30"]
    assert len(near_midnight) >= 20, "reports just before midnight fall due on the next local date"
    for r in rows:
        times = [r[c] for c in ("上报时间", "到场时间", "修复时间") if r[c]]
        assert times == sorted(times), r["故障编号"]
        assert all(t < "2026-11-01" for t in times)


def test_next_morning_export_brings_late_steps_of_open_faults(demo_paths, demo_raw, tmp_path):
    """--next-day: the faults export taken at NEXT_DAY_AT with only the faults whose state moved on after the
    main export: arrivals/repairs after midnight, and repairs of the last two weeks entered late (补录)."""
    assert main(["--out", str(tmp_path), "--next-day"]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(spec.NEXT_DAY_FILES.values())
    update = {r["故障编号"]: r for r in _csv(tmp_path / spec.NEXT_DAY_FILES["faults_next_day"])}
    exported = {r["故障编号"]: r for r in _csv(demo_paths["faults"])}
    assert update and set(update) <= set(exported)
    end = f"{spec.NEXT_DAY_AT:%Y-%m-%d %H:%M:%S}"
    back_filled = 0
    for fid, r in update.items():
        before = exported[fid]
        assert r != before and before["处置状态"] == "处置中", fid  # only open faults can move on
        assert all(r[c] < end for c in ("到场时间", "修复时间") if r[c])
        assert {c: r[c] for c in ("上报时间", "处置时限", "所属街道")} == {c: before[c] for c in ("上报时间", "处置时限", "所属街道")}
        back_filled += r["修复时间"] < "2026-11-01"  # done before the main export, entered after it
    assert back_filled >= 5
    again = tmp_path / "again"
    assert main(["--out", str(again), "--next-day"]) == 0
    assert _sha(again / spec.NEXT_DAY_FILES["faults_next_day"]) == _sha(tmp_path / spec.NEXT_DAY_FILES["faults_next_day"])


def test_complaints_file_is_gbk_not_utf8(demo_paths):
    data = demo_paths["complaints"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")
    assert text.startswith("工单编号,来源渠道,诉求类别")


def test_complaints_counts_channels_and_defects(demo_paths):
    rows = _csv(demo_paths["complaints"], "gbk")
    assert 2900 <= len(rows) <= 3100
    assert set(Counter(r["来源渠道"] for r in rows)) == {"12345热线", "微信", "微博", "抖音", "信访"}
    assert {r["所属街道"] for r in rows} == STREETS
    missing_id = [i for i, r in enumerate(rows) if not r["工单编号"]]
    assert missing_id == [1780]

    def impossible(text: str) -> bool:
        try:
            datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
            return False
        except ValueError:
            return True

    bad = [(c, r[c]) for r in rows for c in ("受理时间", "办结时限", "办结时间", "回访时间") if r[c] and impossible(r[c])]
    assert sorted(v[:10] for _, v in bad) == ["2025-11-31", "2026-02-30", "2026-04-31"]
    closed = [r for r in rows if r["办结时间"] and not impossible(r["办结时间"])]
    on_time = sum(r["办结时间"] <= r["办结时限"] for r in closed) / len(closed)
    assert 0.80 <= on_time <= 0.97
    assert set(r["满意度"] for r in rows) == {"", "满意", "基本满意", "不满意"}


def test_sensor_readings_and_alarms(demo_paths):
    lines = demo_paths["sensor_readings"].read_text(encoding="utf-8").splitlines()
    recs = [json.loads(x) for x in lines]
    assert {tuple(r) for r in recs} == {("device_id", "sensor_type", "ts", "value", "unit")}
    assert all(r["ts"].endswith("+08:00") for r in recs)
    assert {r["sensor_type"] for r in recs} == {"gas_leak", "water_level"}
    assert any(r["value"] == -9999 for r in recs), "some readings carry the device-fault sentinel"
    assert max(r["ts"] for r in recs) < "2026-11-01"
    assert len({(r["device_id"], r["ts"]) for r in recs}) == len(recs)
    alarms = _csv(demo_paths["sensor_alarms"])
    assert {r["解除原因"] for r in alarms if r["解除原因"]} == {"已处置", "误报", "设备故障"}
    assert {r["设备编号"] for r in alarms} <= {r["device_id"] for r in recs}
    gas_peaks = [r for r in recs if r["sensor_type"] == "gas_leak" and r["value"] >= 20]
    assert gas_peaks, "an alarm episode inside the readings window shows in the readings"
