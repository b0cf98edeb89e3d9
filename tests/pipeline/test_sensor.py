"""The raw-folder sensor decides by content (sha256), never by modification time."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from dagster import SensorResult, build_sensor_context

from pipelines.defs.schedules import NIGHTLY_JOB
from pipelines.defs.sensors import build_raw_files_sensor, evaluate_raw_folder, sha256_of

OLD = 978307200  # 2001-01-01: older than any cursor could be


def _tick(sensor, cursor: str | None) -> SensorResult:
    result = sensor(build_sensor_context(cursor=cursor))
    assert isinstance(result, SensorResult)
    return result


def test_new_content_triggers_even_with_an_old_mtime(tmp_path):
    raw = tmp_path / "raw"
    (raw / "demo").mkdir(parents=True)
    first = raw / "demo" / "complaints.csv"
    first.write_text("工单编号,受理时间\nC1,2026-03-01 08:00\n", encoding="utf-8")
    sensor = build_raw_files_sensor(raw)
    assert sensor.job_name == NIGHTLY_JOB

    r1 = _tick(sensor, None)  # nothing seen yet: the existing file is new
    assert len(r1.run_requests) == 1 and r1.run_requests[0].run_key.startswith("raw-")
    assert json.loads(r1.cursor)["seen"] == [sha256_of(first)]

    r2 = _tick(sensor, r1.cursor)  # nothing changed
    assert not r2.run_requests and "no new content" in r2.skip_reason.skip_message

    # an export copied with `cp -p` keeps its old mtime: still new content, so it triggers
    src = tmp_path / "outside.csv"
    src.write_text("工单编号,受理时间\nC2,2026-03-02 09:00\n", encoding="utf-8")
    os.utime(src, (OLD, OLD))
    shutil.copy2(src, raw / "demo" / "complaints_0302.csv")
    assert (raw / "demo" / "complaints_0302.csv").stat().st_mtime == OLD
    r3 = _tick(sensor, r2.cursor)
    assert len(r3.run_requests) == 1
    assert r3.run_requests[0].run_key != r1.run_requests[0].run_key

    # touching a file (new mtime, same bytes) or copying known content under a new name: no run
    os.utime(first, None)
    shutil.copy(first, raw / "demo" / "complaints_copy.csv")
    r4 = _tick(sensor, r3.cursor)
    assert not r4.run_requests

    # rewriting a known file in place with same-size content and its old mtime restored: triggers
    st = first.stat()
    first.write_text("工单编号,受理时间\nC9,2026-03-01 08:00\n", encoding="utf-8")
    os.utime(first, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (first.stat().st_size, first.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    r5 = _tick(sensor, r4.cursor)
    assert len(r5.run_requests) == 1


def test_partial_and_documentation_files_are_ignored(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in (".hidden.csv", "~$book.xlsx", "big.csv.part", "README.md", "notes.txt"):
        (raw / name).write_text("x", encoding="utf-8")
    new, cursor = evaluate_raw_folder(raw, None)
    assert new == [] and json.loads(cursor)["seen"] == []
    (raw / "big.csv.part").rename(raw / "big.csv")  # the copy finished
    new, _ = evaluate_raw_folder(raw, cursor)
    assert new == ["big.csv"]


def test_a_txt_export_a_contract_names_is_watched(tmp_path, monkeypatch):
    """A fixed-width ``*.txt`` export triggers like any export when a contract's pattern names ``.txt``."""
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    (contracts / "fw.yaml").write_text(
        'source: t_fw\nsource_system: t\nkind: complaints\nmatch: ["fw/*.txt"]\nformat: fixed_width\n'
        'fixed_width: {columns: {id: [1, 4], at: [5, 14]}}\ntimezone: Asia/Shanghai\n'
        'columns:\n  id: {required: true}\n  at: {type: timestamp, required: true}\nkey: [id]\n'
        'events:\n  - {type: complaint_received, aggregate: {type: complaint, id: id}, occurred_at: at}\n',
        encoding="utf-8")
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))
    raw = tmp_path / "raw"
    (raw / "fw").mkdir(parents=True)
    (raw / "fw" / "cases.txt").write_text("id  at\nA1  2026-03-08\n", encoding="utf-8")
    (raw / "notes.txt").write_text("x", encoding="utf-8")
    new, _ = evaluate_raw_folder(raw, None)
    assert new == ["fw/cases.txt"]


def test_missing_raw_folder_is_not_an_error(tmp_path):
    new, cursor = evaluate_raw_folder(Path(tmp_path / "nope"), None)
    assert new == [] and json.loads(cursor) == {"seen": [], "stat": {}}
