"""Alerts for unattended operation: a failed refresh or stale published data sends a message.

Sinks (both configured by environment variables, read when an alert is sent):

| variable | default | meaning |
|---|---|---|
| ``CSW_ALERT_LOG`` | ``<warehouse>/logs/alerts.log`` | JSON-lines file, one alert per line (always written) |
| ``CSW_ALERT_URLS`` | empty | apprise URLs, separated by spaces, commas or newlines, e.g. ``json://127.0.0.1:8080/alerts``, ``mailtos://user:pass@mail.example.com``, ``dingtalk://token`` |
| ``CSW_STALE_HOURS`` | ``26`` | published data older than this many hours is stale (one missed 02:00 refresh) |

Every alert line is ``{"sent_at", "kind", "severity", "title", "body", "warehouse", "details", "delivered",
"failed"}`` (``sent_at`` in the deployment zone). Sending never raises: an unreachable webhook is
recorded in the line's ``failed`` list and logged, so an alert problem cannot hide the failure it
reports. Webhook bodies are apprise's (for ``json://``: ``{"version", "title", "message", "type"}``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines import settings
from pipelines.warehouse import Warehouse

log = logging.getLogger(__name__)

KINDS = ("run_failed", "stale_data", "service")
"""Alert kinds: a refresh run failed; published data is older than CSW_STALE_HOURS; a service process died."""


def alert_log_path(warehouse: Warehouse) -> Path:
    """The JSON-lines alert file: ``CSW_ALERT_LOG`` or ``<warehouse>/logs/alerts.log``."""
    env = os.environ.get("CSW_ALERT_LOG", "").strip()
    return Path(env).resolve() if env else warehouse.root / "logs" / "alerts.log"


def alert_urls() -> list[str]:
    """The apprise URLs of ``CSW_ALERT_URLS`` (split on whitespace and commas; empty = file sink only)."""
    return [u for u in re.split(r"[\s,]+", os.environ.get("CSW_ALERT_URLS", "")) if u]


def stale_hours() -> float:
    """``CSW_STALE_HOURS`` (default 26: one missed nightly refresh plus two hours of slack).

    Raises:
        ValueError: not a positive number.
    """
    text = os.environ.get("CSW_STALE_HOURS", "26")
    try:
        value = float(text)
    except ValueError as exc:
        raise ValueError(f"CSW_STALE_HOURS={text!r} is not a number of hours") from exc
    if value <= 0:
        raise ValueError(f"CSW_STALE_HOURS={text!r} must be positive")
    return value


@dataclass
class AlertRecord:
    """One alert as written to the alert log; ``delivered`` / ``failed`` name the apprise URLs (secrets masked)."""

    kind: str
    severity: str
    title: str
    body: str
    warehouse: str
    sent_at: str
    details: dict[str, Any] = field(default_factory=dict)
    delivered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def send_alert(warehouse: Warehouse, kind: str, title: str, body: str, *, severity: str = "failure",
               details: dict[str, Any] | None = None) -> AlertRecord:
    """Send one alert to every configured sink and append it to the alert log; never raises.

    Args:
        warehouse: the warehouse the alert is about (its folder names the installation in the message).
        kind: one of :data:`KINDS`.
        title: one line, e.g. ``"城管数据仓库 refresh FAILED (audit)"``.
        body: the details for people (what failed, what readers still see, what to do).
        severity: ``failure`` or ``warning`` (apprise notify type).
        details: extra JSON-ready fields for the log line (run_id, stage, version ...).
    Returns:
        The :class:`AlertRecord` written.
    """
    record = AlertRecord(kind=kind, severity=severity, title=title, body=body, warehouse=str(warehouse.root),
                         sent_at=_now_iso(), details=dict(details or {}))
    host = socket.gethostname()
    full_body = f"{body}\n\nhost {host}, warehouse {warehouse.root}"
    for url in alert_urls():
        shown = _mask(url)
        try:
            ok = _notify(url, title, full_body, severity)
        except Exception as exc:  # a broken URL or plugin must not hide the alert itself
            log.warning("alert to %s failed: %s", shown, exc)
            ok = False
        (record.delivered if ok else record.failed).append(shown)
        if not ok:
            log.warning("alert to %s was not delivered", shown)
    path = alert_log_path(warehouse)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record.__dict__, ensure_ascii=False, default=str) + "\n")
    except OSError as exc:
        log.error("could not write the alert log %s: %s (alert: %s)", path, exc, title)
    log.warning("ALERT [%s] %s", kind, title)
    return record


def read_alerts(warehouse: Warehouse) -> list[dict[str, Any]]:
    """All alerts in the alert log, oldest first (empty when none was sent)."""
    path = alert_log_path(warehouse)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------------
# freshness


@dataclass(frozen=True)
class Freshness:
    """Age of the published serving copy.

    ``version`` / ``published_at`` are None when nothing was published; ``age_hours`` is then None and
    ``stale`` False (a new installation has nothing to be late with; the first refresh failing alerts).
    """

    version: int | None
    published_at: datetime | None
    age_hours: float | None
    limit_hours: float
    stale: bool


def freshness(warehouse: Warehouse, now: datetime | None = None) -> Freshness:
    """Compare ``CURRENT.json``'s ``published_at`` with ``now`` (default: the current instant).

    Raises:
        ValueError: ``CSW_STALE_HOURS`` is invalid, or CURRENT.json has an unreadable ``published_at``.
    """
    from pipelines.publish import read_current

    limit = stale_hours()
    pointer = read_current(warehouse)
    if pointer is None:
        return Freshness(None, None, None, limit, False)
    try:
        published = datetime.fromisoformat(pointer["published_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{warehouse.current_pointer}: unreadable published_at: {exc}") from exc
    now = now or datetime.now(published.tzinfo)
    age = (now - published) / timedelta(hours=1)
    return Freshness(int(pointer["version"]), published, round(age, 3), limit, age > limit)


def stale_alert(warehouse: Warehouse, fresh: Freshness) -> AlertRecord:
    """Send the ``stale_data`` alert for ``fresh`` (which must be stale)."""
    from pipelines.publish import read_last_failure

    failure = read_last_failure(warehouse)
    body = (f"The published data (v{fresh.version:06d}, published {fresh.published_at.isoformat()}) is "
            f"{fresh.age_hours:.1f} h old, more than CSW_STALE_HOURS={fresh.limit_hours:g}. "
            "The dashboards still show it with a stale notice.")
    from pipelines.defs.build_state import last_checked

    checked = last_checked(warehouse)
    if failure:
        body += f"\nLast failed refresh: {failure.get('failed_at')} in stage '{failure.get('stage')}': {failure.get('message')}"
    elif checked is not None and checked > fresh.published_at:
        body += (f"\nThe refresh runs (last at {checked.isoformat()}) but found no new export since this version: "
                 "check that the source systems still deliver their files to the raw folder.")
    else:
        body += "\nNo refresh failure is recorded: check that the Dagster daemon (or the refresh timer) runs."
    body += "\nCheck: python -m pipelines status --warehouse-dir " + str(warehouse.root)
    return send_alert(warehouse, "stale_data", f"城管数据仓库 data STALE: v{fresh.version:06d} is {fresh.age_hours:.0f} h old",
                      body, severity="warning",
                      details={"version": fresh.version, "published_at": fresh.published_at.isoformat(),
                               "age_hours": fresh.age_hours, "limit_hours": fresh.limit_hours})


def failure_alert(warehouse: Warehouse, stage: str, problems: list[str], *, run_id: str | None = None,
                  trigger: str | None = None) -> AlertRecord:
    """Send the ``run_failed`` alert: which stage failed, why, and which version readers still see."""
    from pipelines.publish import read_current

    current = read_current(warehouse)
    still = f"v{current['version']:06d} (published {current['published_at']})" if current else "nothing (no version published yet)"
    lines = [f"The refresh failed in stage '{stage}'. Nothing new was published; readers still see {still}."]
    lines += [f"- {p}" for p in problems[:10]]
    if len(problems) > 10:
        lines.append(f"- ... and {len(problems) - 10} more")
    if run_id:
        lines.append(f"Dagster run {run_id}" + (f" (started by {trigger})" if trigger else ""))
    lines.append("Check: python -m pipelines status --warehouse-dir " + str(warehouse.root))
    return send_alert(warehouse, "run_failed", f"城管数据仓库 refresh FAILED ({stage})", "\n".join(lines),
                      details={"stage": stage, "problems": problems, "run_id": run_id, "trigger": trigger,
                               "current_version": current["version"] if current else None})


# ---------------------------------------------------------------------------------------------------
# helpers


def _notify(url: str, title: str, body: str, severity: str) -> bool:
    import apprise  # heavy-ish import; only when a URL is configured

    sender = apprise.Apprise()
    if not sender.add(url):
        raise ValueError(f"not a valid apprise URL: {_mask(url)}")
    notify_type = apprise.NotifyType.FAILURE if severity == "failure" else apprise.NotifyType.WARNING
    return bool(sender.notify(title=title, body=body, notify_type=notify_type))


def _mask(url: str) -> str:
    """The URL without credentials (``user:secret@`` -> ``***@``) for logs and the alert file."""
    return re.sub(r"//[^/@]+@", "//***@", url)


def _now_iso() -> str:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(settings.timezone_name())).replace(microsecond=0).isoformat()
