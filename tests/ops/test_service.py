"""The service end to end: ``python -m pipelines service`` with a real Dagster daemon, webserver and Streamlit.

Starting from a copy of the baseline warehouse (v1) and an empty raw folder, the test checks that the
webserver serves the 02:00 Asia/Shanghai schedule as RUNNING, drops a demo export into the raw folder and
waits for the daemon's raw_files_sensor to launch a run that publishes v2; drops a bad export and waits for
the run-failure alert on a local webhook (the audit stops the run, v2 stays current); receives one stale-data alert per
version (CSW_STALE_HOURS set to ~14 s); then stops the service with SIGTERM and checks that every
process ended and the logs are in ``<warehouse>/logs``. Bounded: each wait has a deadline.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from datetime import datetime, timezone

from tests.ops.conftest import (
    copy_warehouse,
    current_version,
    free_port,
    group_members,
    land,
    spawn,
    wait_for,
    write_bad_complaints,
)

NEW_FILE = "demo/hotline_tips.csv"
SCHEDULE_QUERY = """
query {
  scheduleOrError(scheduleSelector: {repositoryLocationName: "city_safety", repositoryName: "__repository__",
                                     scheduleName: "nightly_refresh_schedule"}) {
    __typename
    ... on Schedule { cronSchedule executionTimezone scheduleState { status } futureTicks(limit: 1) { results { timestamp } } }
  }
}
"""


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["data"]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read().decode()


def test_service_runs_sensor_publishes_alerts_and_stops_cleanly(demo_exports, baseline, webhook, tmp_path):
    wh = copy_warehouse(baseline, tmp_path / "wh")
    raw = tmp_path / "raw"
    raw.mkdir()
    dagster_port, dash_port = free_port(), free_port()
    env = {"CSW_SENSOR_INTERVAL_SECONDS": "5", "CSW_FRESHNESS_INTERVAL_SECONDS": "5", "CSW_STALE_HOURS": "0.004",
           "CSW_ALERT_URLS": webhook.url}
    out = tmp_path / "service.out"
    proc = spawn(["-m", "pipelines", "service", "--raw-dir", str(raw), "--warehouse-dir", str(wh),
                  "--dagster-port", str(dagster_port), "--port", str(dash_port), "--stop-timeout", "30"], out, env)
    try:
        wait_for(lambda: "ready:" in out.read_text(encoding="utf-8"), 240, "the service to be ready", alive=proc)
        assert _get(f"http://127.0.0.1:{dash_port}/_stcore/health") == (200, "ok")

        # schedules on: the webserver sees the nightly schedule RUNNING, next tick 02:00 Shanghai = 18:00 UTC
        sched = _graphql(dagster_port, SCHEDULE_QUERY)["scheduleOrError"]
        assert sched["__typename"] == "Schedule", sched
        assert (sched["cronSchedule"], sched["executionTimezone"]) == ("0 2 * * *", "Asia/Shanghai")
        assert sched["scheduleState"]["status"] == "RUNNING"
        next_tick = datetime.fromtimestamp(sched["futureTicks"]["results"][0]["timestamp"], timezone.utc)
        assert (next_tick.hour, next_tick.minute) == (18, 0)

        # a new export -> the daemon's sensor launches nightly_refresh -> v2 is published
        land(demo_exports, raw, NEW_FILE)
        wait_for(lambda: current_version(wh) == 2, 300, "the sensor-launched run to publish v2", interval=1, alive=proc)
        from dagster import DagsterInstance, DagsterRunStatus

        instance = DagsterInstance.from_config(str(wh / "dagster_home"))
        run = instance.get_runs(limit=1)[0]
        assert run.tags.get("csw/trigger") == "raw_files_sensor"
        wait_for(lambda: instance.get_run_by_id(run.run_id).status == DagsterRunStatus.SUCCESS, 60, "run success")
        beats = instance.get_daemon_heartbeats()
        for daemon in ("SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING"):
            assert daemon in beats and not beats[daemon].errors, f"daemon {daemon} not healthy: {beats.get(daemon)}"
            assert time.time() - beats[daemon].timestamp < 120

        # a bad export -> the audit stops the run -> run_failed alert on the webhook; v2 stays current
        write_bad_complaints(raw)
        failed = wait_for(lambda: webhook.matching("refresh FAILED"), 300, "the run-failure alert", interval=1, alive=proc)
        message = failed[0]["json"]
        assert message["type"] == "failure" and "(audit)" in message["title"]
        assert "reject_ratio_under_threshold" in message["message"] and "complaints_bad.csv" in message["message"]
        assert "readers still see v000002" in message["message"]
        assert current_version(wh) == 2

        # CSW_STALE_HOURS is ~14 s: the freshness sensor alerted for v1 (old at start), then for v2, once each
        wait_for(lambda: webhook.matching("v000002 is"), 120, "the stale-data alert for v2", interval=1, alive=proc)
        time.sleep(12)  # more freshness ticks: no repeated alert for the same version
        stale = webhook.matching("STALE")
        assert sorted(m["json"]["title"].split(": ")[1].split(" is")[0] for m in stale) == ["v000001", "v000002"]
        assert all(m["json"]["type"] == "warning" and "CSW_STALE_HOURS=0.004" in m["json"]["message"] for m in stale)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
    assert code == 0
    logs = wh / "logs"
    service_log = (logs / "service.log").read_text(encoding="utf-8")
    assert "SIGTERM received: stopping" in service_log and "service stopped (exit 0)" in service_log
    pids = [int(line.split("(pid ")[1].split(")")[0]) for line in service_log.splitlines() if "started " in line and "(pid " in line]
    assert len(pids) == 3
    assert all(not group_members(pid) for pid in pids), "a process of the service survived the stop"
    assert "raw_files_sensor" in (logs / "dagster-daemon.log").read_text(encoding="utf-8")
    assert (logs / "dagster-webserver.log").stat().st_size > 0 and (logs / "dashboards.log").stat().st_size > 0
    alerts = [json.loads(line) for line in (logs / "alerts.log").read_text(encoding="utf-8").splitlines()]
    assert sorted(a["kind"] for a in alerts) == ["run_failed", "stale_data", "stale_data"]
    assert all(a["delivered"] == [webhook.url] and not a["failed"] for a in alerts)
