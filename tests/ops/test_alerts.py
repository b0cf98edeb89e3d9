"""Alerts: real webhook deliveries (apprise json:// to a local HTTP server), the alert log, the freshness
sensor and CLI, the failure sensor for killed CLI runs, the CLI refresh failure alert, and the publish error
messages for a full disk and missing permissions."""

from __future__ import annotations

import errno
import json
import time
from datetime import datetime, timedelta

import pytest
from dagster import DagsterInstance, build_run_status_sensor_context, build_sensor_context, job, op

from pipelines import publish as pub
from pipelines.alerts import failure_alert, freshness, read_alerts, send_alert
from pipelines.defs.alerts import build_failure_alert_sensor, build_freshness_sensor, evaluate_freshness
from pipelines.publish import PublishError, publish, read_current, read_last_failure
from pipelines.warehouse import Warehouse
from tests.ops.conftest import cli, free_port, write_bad_complaints
from tests.pipeline.conftest import add_ledger_row, make_marts


@pytest.fixture
def published(tmp_path, monkeypatch) -> Warehouse:
    """A warehouse with a real build database (ledger + marts) and v1 published."""
    monkeypatch.setenv("CSW_TIMEZONE", "Asia/Shanghai")
    for var in ("CSW_ALERT_URLS", "CSW_ALERT_LOG", "CSW_STALE_HOURS", "CSW_KEEP_VERSIONS"):
        monkeypatch.delenv(var, raising=False)
    wh = Warehouse(tmp_path / "wh").ensure()
    with wh.connect_build() as con:
        add_ledger_row(con, "L1", "demo/complaints.csv", rows_in_file=100, rows_loaded=97, rows_rejected=3)
        make_marts(con)
    publish(wh)
    return wh


def test_failure_alert_reaches_the_webhook_and_the_alert_log(published, webhook, monkeypatch):
    monkeypatch.setenv("CSW_ALERT_URLS", webhook.url)
    record = failure_alert(published, "audit", ["check raw_complaints.reject_ratio_under_threshold failed: x.csv 90%"],
                           run_id="r-123", trigger="raw_files_sensor")
    assert record.delivered == [webhook.url] and record.failed == []
    [got] = webhook.received
    assert got["path"] == "/alerts" and got["json"]["type"] == "failure"
    assert got["json"]["title"] == "城管数据仓库 refresh FAILED (audit)"
    body = got["json"]["message"]
    assert "readers still see v000001" in body and "x.csv 90%" in body and "r-123" in body
    [line] = read_alerts(published)
    assert line["kind"] == "run_failed" and line["details"]["stage"] == "audit" and line["sent_at"].endswith("+08:00")
    assert (published.root / "logs" / "alerts.log").exists()


def test_unreachable_webhook_is_recorded_never_raised_and_secrets_are_masked(published, monkeypatch, tmp_path):
    dead = f"json://ops:s3cret@127.0.0.1:{free_port()}/alerts"
    monkeypatch.setenv("CSW_ALERT_URLS", dead)
    monkeypatch.setenv("CSW_ALERT_LOG", str(tmp_path / "elsewhere" / "alerts.jsonl"))
    record = send_alert(published, "service", "title", "body")
    assert record.delivered == [] and record.failed == [f"json://***@127.0.0.1:{dead.rsplit(':', 1)[1]}"]
    text = (tmp_path / "elsewhere" / "alerts.jsonl").read_text(encoding="utf-8")
    assert "s3cret" not in text and json.loads(text)["failed"] == record.failed
    assert not (published.root / "logs" / "alerts.log").exists()  # CSW_ALERT_LOG moved the file sink


def test_freshness_sensor_alerts_once_per_stale_version(published, webhook, monkeypatch):
    monkeypatch.setenv("CSW_ALERT_URLS", webhook.url)
    published_at = datetime.fromisoformat(read_current(published)["published_at"])

    fresh = freshness(published, published_at + timedelta(hours=25))
    assert (fresh.version, fresh.stale, fresh.limit_hours, fresh.age_hours) == (1, False, 26.0, 25.0)
    sent, cursor, reason = evaluate_freshness(published, None, published_at + timedelta(hours=25))
    assert not sent and "25.0 h old" in reason
    sent, cursor, _ = evaluate_freshness(published, cursor, published_at + timedelta(hours=27))
    assert sent and json.loads(cursor)["version"] == 1
    sent, cursor2, reason = evaluate_freshness(published, cursor, published_at + timedelta(hours=30))
    assert not sent and "already sent" in reason and cursor2 == cursor
    sent, cursor, _ = evaluate_freshness(published, cursor, published_at + timedelta(hours=52))
    assert sent  # still stale a day later: reminded
    assert [m["json"]["type"] for m in webhook.received] == ["warning", "warning"]
    assert "v000001 is 27 h old" in webhook.received[0]["json"]["title"]
    assert "No refresh failure is recorded" in webhook.received[0]["json"]["message"]

    # the Dagster sensor itself, with real time and a limit of under a second
    monkeypatch.setenv("CSW_STALE_HOURS", "0.0001")
    time.sleep(0.5)  # real time past the 0.36 s limit even when the fixture published a moment ago
    sensor_def = build_freshness_sensor(published.root)
    result = sensor_def(build_sensor_context(cursor=None))
    assert "stale alert sent for v000001" in result.skip_reason.skip_message
    assert len(webhook.received) == 3
    again = sensor_def(build_sensor_context(cursor=result.cursor))
    assert "already sent" in again.skip_reason.skip_message and len(webhook.received) == 3


def test_stale_alert_says_when_the_refresh_runs_but_no_new_export_arrives(published, webhook, monkeypatch):
    """Quiet nights publish nothing (nothing new to build); the stale alert then says the pipeline is alive and
    the exports stopped, instead of pointing at the daemon."""
    from pipelines.defs.build_state import last_checked, record_checked

    monkeypatch.setenv("CSW_ALERT_URLS", webhook.url)
    published_at = datetime.fromisoformat(read_current(published)["published_at"])
    record_checked(published, 1, published_at + timedelta(hours=24))
    assert last_checked(published) == published_at + timedelta(hours=24)
    record_checked(published, 7)  # a check for another version says nothing about the current one
    assert last_checked(published) is None
    record_checked(published, 1, published_at + timedelta(hours=24))
    sent, _, _ = evaluate_freshness(published, None, published_at + timedelta(hours=27))
    assert sent
    message = webhook.received[0]["json"]["message"]
    assert "found no new export since this version" in message and "No refresh failure is recorded" not in message


def test_check_freshness_cli(published, webhook, tmp_path):
    wh = str(published.root)
    ok = cli("check-freshness", "--warehouse-dir", wh, env={"CSW_STALE_HOURS": "26"})
    assert ok.returncode == 0 and "fresh" in ok.stdout
    stale = cli("check-freshness", "--alert", "--warehouse-dir", wh,
                env={"CSW_STALE_HOURS": "0.0001", "CSW_ALERT_URLS": webhook.url})
    assert stale.returncode == 1 and "STALE" in stale.stdout and webhook.url in stale.stdout
    assert len(webhook.matching("STALE")) == 1
    empty = cli("check-freshness", "--warehouse-dir", str(tmp_path / "none"))
    assert empty.returncode == 4 and "nothing published" in empty.stderr


def test_failure_sensor_reports_a_killed_cli_run_but_not_a_cli_run_that_alerted(published, webhook, monkeypatch):
    monkeypatch.setenv("CSW_ALERT_URLS", webhook.url)

    @op
    def noop():
        return None

    @job(name="nightly_refresh")
    def fake_nightly():
        noop()

    sensor_def = build_failure_alert_sensor(published.root)
    with DagsterInstance.ephemeral() as instance:
        for message, tags in (
            ("the refresh process ended without finishing the run", {"csw/launched_by": "cli", "csw/pid": "4242"}),
            ("step failed", {"csw/launched_by": "cli", "csw/pid": "4243"}),
        ):
            run = instance.create_run_for_job(job_def=fake_nightly, tags=tags)
            instance.report_run_failed(run, message)
            event = [e for e in instance.all_logs(run.run_id) if e.is_dagster_event][-1].dagster_event
            context = build_run_status_sensor_context(
                sensor_name=sensor_def.name, dagster_event=event, dagster_instance=instance,
                dagster_run=instance.get_run_by_id(run.run_id)).for_run_failure()
            sensor_def(context)
    [alert] = webhook.received  # the second CLI run alerted from the CLI itself: skipped here
    assert alert["json"]["title"] == "城管数据仓库 refresh FAILED (killed)"
    assert "pid 4242" in alert["json"]["message"]


def test_cli_refresh_failure_sends_an_alert(tmp_path, webhook):
    raw = tmp_path / "raw"
    write_bad_complaints(raw)
    wh = tmp_path / "wh"
    proc = cli("refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh), env={"CSW_ALERT_URLS": webhook.url})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"sent to {webhook.url}" in proc.stderr
    [got] = webhook.received
    assert got["json"]["title"] == "城管数据仓库 refresh FAILED (audit)"
    assert "complaints_bad.csv" in got["json"]["message"] and "no version published yet" in got["json"]["message"]
    assert [a["kind"] for a in read_alerts(Warehouse(wh))] == ["run_failed"]


def test_cli_refresh_with_a_broken_contract_records_and_alerts(tmp_path):
    """A contract error stops the refresh before any Dagster run: still LAST_FAILURE.json (status, dashboards) and a
    run_failed alert, not only a line on the terminal."""
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    (contracts / "bad.yaml").write_text("source: x\ncolumns: [unclosed\n", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    wh = tmp_path / "wh"
    proc = cli("refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh), env={"CSW_CONTRACTS_DIR": str(contracts)})
    assert proc.returncode == 1 and "bad.yaml" in proc.stderr, proc.stdout + proc.stderr
    failure = read_last_failure(Warehouse(wh))
    assert failure["stage"] == "contracts" and "bad.yaml" in failure["message"]
    [alert] = read_alerts(Warehouse(wh))
    assert alert["kind"] == "run_failed" and "bad.yaml" in alert["body"]


@pytest.mark.parametrize("error, expected", [
    (OSError(errno.ENOSPC, "No space left on device"), "disk full"),
    (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
])
def test_publish_failure_says_disk_full_or_permission_denied_and_keeps_the_last_version(published, monkeypatch, error, expected):
    before = read_current(published)

    def failing_copy(*args, **kwargs):
        raise error

    monkeypatch.setattr(pub, "_copy_into", failing_copy)
    with pytest.raises(PublishError) as info:
        publish(published)
    text = str(info.value)
    assert text.startswith("publish of version 2 failed at stage 'copy': " + expected), text
    assert str(published.serving_dir) in text and "Readers still see v000001" in text
    assert read_current(published) == before
    assert read_last_failure(published)["message"].startswith(expected)
    assert sorted(p.name for p in published.serving_dir.iterdir() if p.is_file()) == \
        ["CURRENT.json", "LAST_FAILURE.json", "v000001.duckdb"]


def test_code_location_registers_the_alert_sensors_and_runs_in_one_process(tmp_path, monkeypatch):
    from dagster import DefaultSensorStatus

    from pipelines.definitions import make_definitions

    monkeypatch.setenv("CSW_SENSOR_INTERVAL_SECONDS", "7")
    defs = make_definitions(tmp_path / "wh", tmp_path / "raw")
    repo = defs.get_repository_def()
    sensors = {s.name: s for s in repo.sensor_defs}
    assert {"refresh_failure_alert_sensor", "freshness_alert_sensor"} <= set(sensors)
    assert all(s.default_status == DefaultSensorStatus.RUNNING for s in sensors.values())
    assert sensors["raw_files_sensor"].minimum_interval_seconds == 7
    assert sensors["freshness_alert_sensor"].minimum_interval_seconds == 600
    assert repo.get_job("nightly_refresh").executor_def.name == "in_process"
