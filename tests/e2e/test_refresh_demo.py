"""The main job on the demo data, through the real CLI and Dagster: loads, publishes, is idempotent,
and its headline metric equals a hand computation from the raw export."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import datetime

from tests.e2e.conftest import cli, sql


def _serving_hashes(wh) -> dict[str, str]:
    tables = sql(wh, "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
                     "WHERE table_schema = 'marts' ORDER BY 1")
    out = {}
    for row in tables:
        t = row["t"]
        out[t] = sql(wh, f"SELECT md5(string_agg(CAST(x AS VARCHAR), '|' ORDER BY CAST(x AS VARCHAR))) AS h "
                         f"FROM {t} x")[0]["h"]
    return out


def test_status_lists_every_demo_file_with_counts(demo_warehouse):
    status = json.loads(cli("status", "--json", "--warehouse-dir", str(demo_warehouse)).stdout)
    assert status["published_version"]["version"] == 1
    files = {f["path"]: f for f in status["files"]}
    assert len(files) >= 20
    for f in files.values():
        assert {"path", "source", "status", "encoding", "rows_in_file", "rows_loaded", "rows_rejected"} <= set(f)
        assert f["rows_in_file"] == f["rows_loaded"] + f["rows_rejected"]
    complaints = files["demo/complaints.csv"]
    assert (complaints["encoding"], complaints["rows_rejected"]) == ("gb18030", 4)


def test_second_refresh_changes_nothing(demo_warehouse, demo_raw):
    """Same files again: nothing is loaded twice, and since the published version already holds every load
    and the dbt code is unchanged, dbt and publish are skipped (no identical version pushes a rollback point
    out); the run still succeeds and the status shows no failure."""
    before = _serving_hashes(demo_warehouse)
    pointer = (demo_warehouse / "serving" / "CURRENT.json").read_text(encoding="utf-8")
    versions = sorted(p.name for p in (demo_warehouse / "serving").glob("v*.duckdb"))
    out = cli("refresh", "--raw-dir", str(demo_raw), "--warehouse-dir", str(demo_warehouse)).stdout
    current = json.loads(pointer)["version"]
    assert f"Nothing new to build: v{current:06d}" in out and "dbt build and publish were skipped" in out, out
    assert "Published v" not in out
    assert (demo_warehouse / "serving" / "CURRENT.json").read_text(encoding="utf-8") == pointer
    assert sorted(p.name for p in (demo_warehouse / "serving").glob("v*.duckdb")) == versions
    ledger = sql(demo_warehouse, "SELECT count(*) AS n, count(DISTINCT sha256) AS d FROM ops.file_ledger")[0]
    assert ledger["n"] == ledger["d"]  # no file was loaded twice
    assert _serving_hashes(demo_warehouse) == before
    state = json.loads((demo_warehouse / "tmp" / "refresh_state.json").read_text(encoding="utf-8"))
    assert state["checked"]["version"] == current  # the stale alert can tell a quiet night from a dead pipeline
    status = json.loads(cli("status", "--json", "--warehouse-dir", str(demo_warehouse)).stdout)
    assert status["published_version"]["version"] == current and not status.get("last_failure")


def test_fault_disposal_rate_matches_hand_computation(demo_warehouse, demo_raw):
    """METRICS.md F1: faults repaired within their (extended) time limit / faults due, per due day."""
    due = defaultdict(int)
    on_time = defaultdict(int)
    with (demo_raw / "demo/facility_faults.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["取消时间"]:
                continue
            deadline = datetime.fromisoformat(row["延期至"] or row["处置时限"])
            key = (row["所属街道"], deadline.date().isoformat())
            due[key] += 1
            if row["修复时间"] and datetime.fromisoformat(row["修复时间"]) <= deadline:
                on_time[key] += 1
    busiest = max(due, key=lambda k: (due[k], k))
    street, day = busiest
    got = sql(demo_warehouse, f"""
        SELECT sum(faults_due) AS due, sum(faults_disposed_on_time) AS on_time
        FROM marts.fct_fault_disposal_daily
        WHERE source_system = 'licheng' AND street = '{street}' AND date_local = DATE '{day}'""")[0]
    assert (got["due"], got["on_time"]) == (due[busiest], on_time[busiest])
    year = sql(demo_warehouse, "SELECT sum(faults_disposed_on_time) / sum(faults_due) AS r "
                               "FROM marts.fct_fault_disposal_daily WHERE source_system = 'licheng'")[0]["r"]
    assert abs(year - sum(on_time.values()) / sum(due.values())) < 1e-12
    assert 0.95 < year < 1.0  # the demo district runs near its 98 % target


def test_sql_command_is_read_only(demo_warehouse):
    proc = cli("sql", "--warehouse-dir", str(demo_warehouse), "DROP TABLE marts.dim_metric", check=False)
    assert proc.returncode != 0 and "error" in proc.stderr


def test_status_piped_into_a_reader_that_quits_is_not_an_error(demo_warehouse):
    """`status | true`: the reader has gone before the first write (EPIPE); the command ends quietly, exit 0."""
    import subprocess
    import sys

    from tests.e2e.conftest import PROJECT

    proc = subprocess.run(
        f"{sys.executable} -m pipelines status --warehouse-dir {demo_warehouse} | true; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert (proc.returncode, proc.stderr) == (0, "")
