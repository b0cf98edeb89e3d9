"""The worked example of docs/contracts.md loads exactly as the page says, through the documented command."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT


def test_worked_example_dry_run_matches_the_docs():
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines", "contracts", "docs/examples/szcg_cases.yaml", "docs/examples/szcg_cases.csv"],
        cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    result = json.loads(out[out.index("{"):out.index("\n}") + 2])
    assert (result["encoding"], result["rows_in_file"], result["rows_loaded"], result["rows_rejected"]) == (
        "gb18030", 3, 2, 1)
    assert "line 5: [parse_error] column reported_at ('时间-上报时间'): cannot parse '2026-02-30 10:00:00'" in out
    assert "13905951234" not in out


INSPECTIONS = """
source: t_insp
kind: inspections
match: ["*.csv"]
columns:
  inspection_id: {aliases: [检查编号], required: true}
  inspected_at:  {aliases: [检查时间], type: timestamp, required: true}
  gas_user_id:   {aliases: [用户编号]}
events:
  - type: inspection_performed
    aggregate: {type: inspection, id: inspection_id}
    occurred_at: inspected_at
    fields: {SUBJECT}
"""


def test_dry_run_warns_about_fields_the_audit_tests_not_null(tmp_path, capsys):
    from pipelines.cli import audited_fields, main

    # derived from dbt: stg_events__inspections tests gas_user_id (= subject_id) not null
    assert audited_fields()["inspection_performed"] == ["subject_id"]
    data = tmp_path / "a.csv"
    data.write_text("检查编号,检查时间,用户编号\nI1,2026-03-08 09:00:00,G1\nI2,2026-03-08 10:00:00,\n", encoding="utf-8")
    for subject, warned in [("{}", "2 inspection_performed event(s) without subject_id (first at line 2)"),
                            ("{subject_id: gas_user_id}", "1 inspection_performed event(s) without subject_id (first at line 3)")]:
        contract = tmp_path / "insp.yaml"
        contract.write_text(INSPECTIONS.replace("{SUBJECT}", subject), encoding="utf-8")
        assert main(["contracts", str(contract), str(data), "--warehouse-dir", str(tmp_path / "wh")]) == 0
        out = capsys.readouterr().out
        assert f"warning: {warned}: the refresh's audit fails on them" in out
