"""`refresh` through Dagster when the audit fails: nothing published, LAST_FAILURE written, clear message.

The raw folder is empty, so the real ingest assets load nothing; the ledger already holds a file whose
rejected share is 50 % and one that does not reconcile, so the blocking checks fail and dbt and
publish never start. Also: `refresh` and `status` while another process holds build.duckdb.
"""

from __future__ import annotations

import json

import duckdb
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, build_run_status_sensor_context

from pipelines.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK, main
from pipelines.defs.checks import ledger_mismatches, refused_files, reject_ratio_violations
from pipelines.defs.sensors import build_failure_sensor
from pipelines.publish import publish, read_current, read_last_failure

from .conftest import add_ledger_row


def _add_bad_files(wh) -> None:
    with wh.connect_build() as con:
        add_ledger_row(con, "L3", "demo/bad.csv", rows_in_file=10, rows_loaded=5, rows_rejected=5)
        add_ledger_row(con, "L4", "demo/odd.csv", rows_in_file=10, rows_loaded=7, rows_rejected=2)
        add_ledger_row(con, "L5", "demo/garbled.xlsx", rows_in_file=None, rows_loaded=0, status="rejected_file",
                       error="demo/garbled.xlsx line 1: no header row")


def test_check_queries_on_a_real_ledger(built_warehouse):
    wh = built_warehouse
    _add_bad_files(wh)
    con = wh.connect_build_readonly()
    try:
        checked, bad = ledger_mismatches(con, "complaints")
        assert checked == 4 and [b["path"] for b in bad] == ["demo/odd.csv"]
        assert bad[0]["rows_in_file"] == 10 and bad[0]["rows_loaded"] + bad[0]["rows_rejected"] == 9
        checked, bad = reject_ratio_violations(con, "complaints", 0.2)
        assert checked == 4 and [(b["path"], b["reject_ratio"]) for b in bad] == [("demo/bad.csv", 0.5)]
        assert reject_ratio_violations(con, "complaints", 0.5)[1] == []
        assert [r["path"] for r in refused_files(con, "complaints")] == ["demo/garbled.xlsx"]
        assert ledger_mismatches(con, "sensors") == (0, [])
    finally:
        con.close()


def test_failed_audit_blocks_dbt_and_publish(built_warehouse, tmp_path, monkeypatch, capsys):
    wh = built_warehouse
    monkeypatch.setenv("DAGSTER_HOME", str(wh.dagster_home))
    monkeypatch.delenv("CSW_MAX_REJECT_RATIO", raising=False)
    first = publish(wh)
    _add_bad_files(wh)
    raw = tmp_path / "raw"
    raw.mkdir()

    code = main(["refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh.root)])
    out = capsys.readouterr()
    assert code == EXIT_FAILED
    assert "Refresh FAILED in stage 'audit'" in out.err
    assert "readers still see v000001" in out.err
    assert "raw_complaints.reject_ratio_under_threshold failed: reject ratio above 20%: demo/bad.csv (5/10 = 50%)" in out.err
    assert "raw_complaints.ledger_reconciles failed" in out.err and "demo/odd.csv" in out.err
    assert "Traceback" not in out.err

    assert read_current(wh) == first
    failure = read_last_failure(wh)
    assert failure["stage"] == "audit" and "demo/bad.csv" in failure["message"] and failure["run_id"]
    with duckdb.connect(str(wh.build_db), read_only=True) as con:
        schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
    assert "main_staging" not in schemas, "dbt must not run after a failed blocking check"

    instance = DagsterInstance.get()
    runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].status == DagsterRunStatus.FAILURE
    assert runs[0].job_name == "nightly_refresh"

    # the daemon path: the run-failure sensor writes the same record from the stored run events
    wh.last_failure.unlink()
    failure_event = next(e.dagster_event for e in instance.all_logs(runs[0].run_id, of_type=DagsterEventType.RUN_FAILURE))
    context = build_run_status_sensor_context(sensor_name="refresh_failure_sensor", dagster_event=failure_event,
                                              dagster_instance=instance, dagster_run=runs[0]).for_run_failure()
    build_failure_sensor(wh.root)(context)
    again = read_last_failure(wh)
    assert again["stage"] == "audit" and again["message"] == failure["message"]

    # status shows the failure next to the still-published version
    assert main(["status", "--json", "--warehouse-dir", str(wh.root)]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["published_version"]["version"] == 1
    assert report["last_failure"]["stage"] == "audit"
    assert {f["path"] for f in report["files"]} == {"demo/complaints.csv", "demo/complaints_feb.csv",
                                                     "demo/bad.csv", "demo/odd.csv", "demo/garbled.xlsx"}


def test_refresh_and_status_while_another_process_writes(built_warehouse, hold_write_lock, tmp_path, monkeypatch, capsys):
    wh = built_warehouse
    monkeypatch.setenv("DAGSTER_HOME", str(wh.dagster_home))
    publish(wh)
    raw = tmp_path / "raw"
    raw.mkdir()
    hold_write_lock(wh.build_db)

    assert main(["refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh.root)]) == EXIT_BUSY
    assert "refresh in progress" in capsys.readouterr().err

    assert main(["status", "--json", "--warehouse-dir", str(wh.root)]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["refresh_in_progress"] is True and report["ledger_source"] == "serving"
    assert report["ledger_note"] == "ledger as published in v000001 (refresh in progress)"
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == {"demo/complaints.csv", "demo/complaints_feb.csv"}
    c = files["demo/complaints.csv"]
    assert (c["rows_in_file"], c["rows_loaded"], c["rows_rejected"]) == (100, 97, 3)
    assert {r["reason_code"]: r["count"] for r in c["top_reject_reasons"]} == {"parse_error": 2, "missing_required": 1}

    assert main(["status", "--warehouse-dir", str(wh.root)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "Refresh in progress" in text and "parse_error×2" in text

    assert main(["rejects", "--warehouse-dir", str(wh.root), "--file", "complaints.csv", "--json"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["source_file"], r["source_line"]) for r in rows] == [("demo/complaints.csv", n) for n in (2, 3, 4)]
    assert all("cannot parse" in r["reason"] for r in rows)


def test_rollback_cli(built_warehouse, capsys):
    wh = built_warehouse
    args = ["--warehouse-dir", str(wh.root)]
    assert main(["rollback", *args]) == 4  # nothing published
    publish(wh)
    publish(wh)
    assert main(["rollback", *args]) == EXIT_OK
    assert "CURRENT is now v000001" in capsys.readouterr().out
    assert main(["rollback", *args, "--version", "7"]) == EXIT_FAILED
    assert "version 7 is not kept (kept: v000001, v000002)" in capsys.readouterr().err
