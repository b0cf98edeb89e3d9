"""The ``nightly_refresh`` job (every asset: ingest -> checks -> dbt build -> publish) and its schedule.

The schedule runs at 02:00 in the deployment zone (``CSW_TIMEZONE``, default Asia/Shanghai, i.e. 18:00 UTC
the day before) and is on by default, so a running daemon never silently skips it (FAILURE_CLASSES.md #22).
"""

from __future__ import annotations

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from pipelines import settings

NIGHTLY_JOB = "nightly_refresh"
NIGHTLY_CRON = "0 2 * * *"
WRITER_RUN_TAG = {"csw/writer": "build.duckdb"}
"""Run tag limited to one concurrent run by ``concurrency.runs.tag_concurrency_limits`` in dagster.yaml."""

nightly_refresh: UnresolvedAssetJobDefinition = define_asset_job(
    NIGHTLY_JOB,
    selection=AssetSelection.all(),
    tags=WRITER_RUN_TAG,
    description="Ingest new raw files, audit, dbt build (models + tests), publish a serving snapshot.",
)


def nightly_schedule(timezone: str | None = None) -> ScheduleDefinition:
    """Schedule ``nightly_refresh_schedule``: cron ``0 2 * * *`` in ``timezone`` (default ``CSW_TIMEZONE``)."""
    return ScheduleDefinition(
        name=f"{NIGHTLY_JOB}_schedule",
        job=nightly_refresh,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=timezone or settings.timezone_name(),
        default_status=DefaultScheduleStatus.RUNNING,
        description="Nightly refresh at 02:00 local time (城管局 nightly data refresh).",
    )
