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
