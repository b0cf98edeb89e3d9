"""Alert sensors run by the Dagster daemon (sinks and message format: :mod:`pipelines.alerts`).

- ``refresh_failure_alert_sensor`` (run-failure sensor on ``nightly_refresh``): one ``run_failed`` alert per
  failed run started by the schedule, the raw-files sensor or the UI. Runs of ``python -m pipelines refresh``
  (tag ``csw/launched_by=cli``) alert from the CLI itself, so they are skipped here, except a CLI run that
  was killed (marked failed later by the next refresh: nobody alerted for it).
- ``freshness_alert_sensor``: every ``CSW_FRESHNESS_INTERVAL_SECONDS`` (default 600) compares the published
  version's ``published_at`` with ``CSW_STALE_HOURS`` (default 26) and sends one ``stale_data`` alert per
  stale version, repeated every 24 h while it stays stale. Its cursor remembers what was alerted.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from dagster import (
    DagsterEventType,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from pipelines.alerts import failure_alert, freshness, stale_alert
from pipelines.defs.failures import summarize_failure
from pipelines.defs.runner import CLI_TAG, PID_TAG
from pipelines.defs.schedules import nightly_refresh
from pipelines.warehouse import Warehouse

KILLED_CLI_MESSAGE = "ended without finishing"
"""Part of the failure message :func:`pipelines.defs.runner.release_dead_cli_runs` writes for killed CLI runs."""
REPEAT_STALE_ALERT = timedelta(hours=24)


def freshness_interval_seconds() -> int:
    """``CSW_FRESHNESS_INTERVAL_SECONDS`` (default 600): how often the daemon checks the data's age."""
    return max(5, int(os.environ.get("CSW_FRESHNESS_INTERVAL_SECONDS", "600")))


def build_failure_alert_sensor(warehouse_root: Path) -> SensorDefinition:
    """Run-failure sensor ``refresh_failure_alert_sensor``: a ``run_failed`` alert per failed refresh run."""

    @run_failure_sensor(
        name="refresh_failure_alert_sensor",
        monitored_jobs=[nightly_refresh],
        default_status=DefaultSensorStatus.RUNNING,
        description="Send a run_failed alert (CSW_ALERT_URLS, CSW_ALERT_LOG) when a nightly_refresh run fails.",
    )
    def refresh_failure_alert_sensor(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        message = (context.failure_event.message or "") if context.failure_event else ""
        killed_cli = KILLED_CLI_MESSAGE in message
        if run.tags.get(CLI_TAG) == "cli" and not killed_cli:
            return  # the CLI sent its own alert
        wh = Warehouse(Path(warehouse_root))
        if killed_cli:
            stage, problems = "killed", [f"the refresh process (pid {run.tags.get(PID_TAG, '?')}) was killed "
                                         "before it finished; the next refresh loaded what it had not committed"]
        else:
            events = [
                e.dagster_event
                for e in context.instance.all_logs(run.run_id)
                if e.dagster_event is not None
                and e.dagster_event.event_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.ASSET_CHECK_EVALUATION)
            ]
            failure = summarize_failure(events, dbt_target=wh.tmp_dir / "dbt_target", build_db=wh.build_db)
            stage, problems = failure.stage, failure.problems or [message or "the run failed (see the Dagster run log)"]
        failure_alert(wh, stage, problems, run_id=run.run_id, trigger=run.tags.get("csw/trigger", "dagster"))

    return refresh_failure_alert_sensor


def evaluate_freshness(warehouse: Warehouse, cursor: str | None, now: datetime | None = None) -> tuple[bool, str, str]:
    """Decide whether to send a stale alert now. Returns ``(alert_sent, cursor, reason)``.

    The cursor is JSON ``{"version": N, "alerted_at": ISO}`` of the last stale alert; a new alert goes out
    when the current version is stale and was not alerted, or was alerted more than 24 h ago.
    """
    state = json.loads(cursor) if cursor else {}
    fresh = freshness(warehouse, now)
    if fresh.version is None:
        return False, cursor or "", "nothing published yet"
    if not fresh.stale:
        return False, json.dumps({}), f"v{fresh.version:06d} is {fresh.age_hours:.1f} h old (limit {fresh.limit_hours:g} h)"
    now = now or datetime.now(fresh.published_at.tzinfo)
    last = state.get("alerted_at")
    if state.get("version") == fresh.version and last and now - datetime.fromisoformat(last) < REPEAT_STALE_ALERT:
        return False, cursor or "", f"v{fresh.version:06d} stale, alert already sent at {last}"
    stale_alert(warehouse, fresh)
    return True, json.dumps({"version": fresh.version, "alerted_at": now.isoformat()}), f"stale alert sent for v{fresh.version:06d}"


def build_freshness_sensor(warehouse_root: Path) -> SensorDefinition:
    """Sensor ``freshness_alert_sensor`` (no runs; alerts only)."""

    @sensor(
        name="freshness_alert_sensor",
        minimum_interval_seconds=freshness_interval_seconds(),
        default_status=DefaultSensorStatus.RUNNING,
        description="Send a stale_data alert when the published version is older than CSW_STALE_HOURS (default 26).",
    )
    def freshness_alert_sensor(context: SensorEvaluationContext) -> SensorResult:
        sent, cursor, reason = evaluate_freshness(Warehouse(Path(warehouse_root)), context.cursor)
        if sent:
            context.log.warning(reason)
        return SensorResult(skip_reason=SkipReason(reason), cursor=cursor)

    return freshness_alert_sensor
