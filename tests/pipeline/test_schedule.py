"""The nightly schedule fires at 02:00 Asia/Shanghai (18:00 UTC the day before), every day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dagster import DefaultScheduleStatus
# The daemon's own tick iterator: the times below are exactly what the scheduler would use.
from dagster._utils.schedules import cron_string_iterator

from pipelines.defs.schedules import NIGHTLY_CRON, NIGHTLY_JOB, nightly_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_schedule_definition():
    schedule = nightly_schedule("Asia/Shanghai")
    assert schedule.name == "nightly_refresh_schedule"
    assert schedule.job_name == NIGHTLY_JOB
    assert schedule.cron_schedule == NIGHTLY_CRON == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING  # never silently off (FAILURE_CLASSES #22)


def test_next_ticks_are_0200_shanghai_which_is_1800_utc_the_day_before():
    schedule = nightly_schedule("Asia/Shanghai")
    start = datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)  # 20:00 in Shanghai on 9 March
    ticks = cron_string_iterator(start.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
    first_three = [next(ticks) for _ in range(3)]
    utc = [t.astimezone(timezone.utc) for t in first_three]
    assert utc == [datetime(2026, 3, 9, 18, 0, tzinfo=timezone.utc),
                   datetime(2026, 3, 10, 18, 0, tzinfo=timezone.utc),
                   datetime(2026, 3, 11, 18, 0, tzinfo=timezone.utc)]
    local = [t.astimezone(SHANGHAI) for t in first_three]
    assert [(t.day, t.hour, t.minute) for t in local] == [(10, 2, 0), (11, 2, 0), (12, 2, 0)]
    # independent check with zoneinfo: 02:00 local is 8 hours ahead of UTC
    assert all(t.utcoffset() == timedelta(hours=8) for t in local)


def test_schedule_follows_the_deployment_zone(monkeypatch):
    monkeypatch.setenv("CSW_TIMEZONE", "America/Chicago")
    schedule = nightly_schedule()
    assert schedule.execution_timezone == "America/Chicago"
    start = datetime(2026, 7, 1, 0, 0, tzinfo=timezone.utc)
    tick = next(cron_string_iterator(start.timestamp(), schedule.cron_schedule, schedule.execution_timezone))
    assert tick.astimezone(timezone.utc) == datetime(2026, 7, 1, 7, 0, tzinfo=timezone.utc)  # CDT = UTC-5
