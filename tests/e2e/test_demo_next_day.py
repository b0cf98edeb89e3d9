"""The demo's next morning: `python -m pipelines demo` adds the late-entered repairs of the faults export and
refreshes again; the restatement mart shows which past F1 设施故障日处置率 numbers they changed, by how much, and
that the next-day load caused it (hand-computed from the two raw exports)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from datetime import datetime

from pipelines.demo.spec import NEXT_DAY_FILES
from tests.e2e.conftest import cli, sql


def _rows(path) -> dict[str, dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["故障编号"]: r for r in csv.DictReader(fh)}


def _on_time(row: dict) -> bool:
    deadline = datetime.fromisoformat(row["延期至"] or row["处置时限"])
    return bool(row["修复时间"]) and not row["取消时间"] and datetime.fromisoformat(row["修复时间"]) <= deadline


def test_next_morning_restates_past_fault_disposal_rates(demo_published, tmp_path):
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(demo_published.raw, raw)
    shutil.copytree(demo_published.warehouse, warehouse)
    env = {"CSW_PII_SALT": demo_published.salt}
    before = {r["metric_id"] for r in sql(warehouse, "SELECT DISTINCT metric_id FROM marts.fct_metric_restatements")}
    assert before == set()  # one refresh of exports taken at one instant: nothing restated yet

    out = cli("demo", "--no-serve", "--raw-dir", str(raw), "--warehouse-dir", str(warehouse), env=env).stdout
    assert "next morning" in out
    next_day = raw / NEXT_DAY_FILES["faults_next_day"]
    main, update = _rows(raw / "demo/facility_faults.csv"), _rows(next_day)
    assert update and set(update) <= set(main)
    # F1 numerator gained per due date: faults open (or late) in the main export, on time in the next-day one
    gained = Counter(datetime.fromisoformat(r["延期至"] or r["处置时限"]).date().isoformat()
                     for fid, r in update.items() if _on_time(r) and not _on_time(main[fid]))
    assert gained  # the late-entered repairs were done on time

    load = sql(warehouse, f"SELECT load_id FROM ops.file_ledger WHERE path = '{NEXT_DAY_FILES['faults_next_day']}'")
    rows = sql(warehouse, """
        SELECT CAST(date_local AS VARCHAR) AS d, numerator_latest - numerator_then AS gained,
               denominator_latest - denominator_then AS due_change, value_delta, caused_by_loads
        FROM marts.fct_metric_restatements
        WHERE metric_id = 'F1' AND source_system = 'licheng'
          AND cutoff_at = (SELECT max(cutoff_at) FROM marts.fct_metric_restatements)""")
    assert {r["d"]: r["gained"] for r in rows} == dict(gained)
    assert all(r["due_change"] == 0 and r["value_delta"] > 0 for r in rows)
    assert {r["caused_by_loads"] for r in rows} == {load[0]["load_id"]}
