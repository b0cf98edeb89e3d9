"""What the marts were last built and published from, so a refresh that brings nothing new does no work.

A refresh whose ingest loaded nothing (no new file, no correction, no newly refused file) and whose dbt code
is unchanged would rebuild the same marts and publish an identical copy, pushing a real rollback point out
of the ``CSW_KEEP_VERSIONS`` window. The dbt asset therefore compares the **build inputs fingerprint**
(:func:`inputs_fingerprint`: the whole file ledger, the supersessions, the dbt project files, the
deployment zone, the as-of cut-off) with the fingerprint the current published version was built from,
and skips ``dbt build`` (hence publish) when they are equal.

State file ``<warehouse>/tmp/refresh_state.json`` (:func:`read_state`): ``{"built": fingerprint of the last
successful dbt build, "built_project": its dbt project files hash, "tested_through": the ledger high-water
mark its data tests covered (None after an as-of build), "published": {"fingerprint": ..., "version": N},
"checked": {"at": ISO instant, "version": N} (the last refresh that found nothing new)}``.
The dbt asset writes ``built`` after ``dbt build`` succeeded, the publish asset copies it to ``published``
after the pointer switched. The incremental models only track new data, not new code, so a build whose dbt
project differs from the last successful one (or with no record of it) runs with ``--full-refresh``
(:func:`needs_full_refresh`). Losing the file only costs one full rebuild and publish (nothing is skipped
unless the file proves the current version matches), and a ``--as-of`` run is never skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipelines import settings
from pipelines.publish import read_current
from pipelines.warehouse import Warehouse

STATE_FILE = "refresh_state.json"
"""Name of the state file inside ``<warehouse>/tmp``."""

_LEDGER_SQL = """
SELECT
    (SELECT count(*) || ':' || coalesce(md5(string_agg(CAST(l AS VARCHAR), '|' ORDER BY l.load_id)), '')
     FROM events.file_ledger AS l),
    (SELECT count(*) || ':' || coalesce(md5(string_agg(CAST(s AS VARCHAR), '|' ORDER BY s.load_id, s.superseded_by)), '')
     FROM events.load_supersessions AS s)
"""


def inputs_fingerprint(warehouse: Warehouse, project_hash: str, as_of: str | None) -> str:
    """sha256 hex of everything the dbt build reads or is defined by: every row of ``events.file_ledger``
    and ``events.load_supersessions`` (the event store is append-only by load, so its ledger identifies its
    content), the dbt project files (``project_hash``, :func:`pipelines.defs.dbt_project.project_files_hash`),
    ``CSW_TIMEZONE`` and ``as_of`` (dbt var text or None). Opens ``build.duckdb`` read-only for a moment.

    Raises:
        FileNotFoundError: no build database yet.
    """
    con = warehouse.connect_build_readonly()
    try:
        ledger, supersessions = con.execute(_LEDGER_SQL).fetchone()
    finally:
        con.close()
    parts = {"ledger": ledger, "supersessions": supersessions, "dbt": project_hash,
             "timezone": settings.timezone_name(), "as_of": as_of}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def ledger_high_water(warehouse: Warehouse) -> str | None:
    """The latest ``recorded_at`` / ``superseded_at`` in the ledger (ISO text with offset), or None when empty:
    every load committed or superseded after it is new to a build that saw the ledger now."""
    con = warehouse.connect_build_readonly()
    try:
        value = con.execute(
            "SELECT greatest((SELECT max(recorded_at) FROM events.file_ledger), "
            "(SELECT max(superseded_at) FROM events.load_supersessions))"
        ).fetchone()[0]
    finally:
        con.close()
    return value.isoformat() if value is not None else None


def tested_through(warehouse: Warehouse, project_hash: str) -> str | None:
    """The ledger high-water mark of the last successful (fully tested) build when it used the same dbt project
    (``project_hash``), else None: the data tests scoped with ``__touched__`` (dbt/macros/test_scope.sql) then
    examine only loads committed or superseded after it."""
    state = read_state(warehouse)
    if state.get("built_project") != project_hash:
        return None
    return state.get("tested_through")


def _state_path(warehouse: Warehouse) -> Path:
    return warehouse.tmp_dir / STATE_FILE


def read_state(warehouse: Warehouse) -> dict[str, Any]:
    """The state file's content, ``{}`` when missing or unreadable (then nothing is skipped)."""
    try:
        data = json.loads(_state_path(warehouse).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(warehouse: Warehouse, state: dict[str, Any]) -> None:
    path = _state_path(warehouse)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def record_built(warehouse: Warehouse, fingerprint: str, project_hash: str, high_water: str | None) -> None:
    """Remember that ``dbt build`` (models and tests) succeeded on inputs ``fingerprint`` with the dbt project
    files hashing to ``project_hash``, its data tests covering the ledger up to ``high_water``
    (:func:`ledger_high_water`; None when they did not cover every load, e.g. an as-of build)."""
    _write_state(warehouse, {**read_state(warehouse), "built": fingerprint, "built_project": project_hash,
                             "tested_through": high_water})


def needs_full_refresh(warehouse: Warehouse, project_hash: str) -> bool:
    """True unless the last successful ``dbt build`` used the same dbt project files (``project_hash``)."""
    return read_state(warehouse).get("built_project") != project_hash


def record_published(warehouse: Warehouse, version: int) -> None:
    """Remember that ``version`` was published from the last successful build (``built``)."""
    state = read_state(warehouse)
    _write_state(warehouse, {**state, "published": {"fingerprint": state.get("built"), "version": version}})


def record_checked(warehouse: Warehouse, version: int, at: datetime | None = None) -> None:
    """Remember that a refresh at ``at`` (default now, aware) found nothing new for the current ``version``:
    the pipeline is alive even though ``published_at`` does not move (read by the stale-data alert)."""
    at = at or datetime.now(timezone.utc)
    _write_state(warehouse, {**read_state(warehouse), "checked": {"at": at.isoformat(), "version": version}})


def last_checked(warehouse: Warehouse) -> datetime | None:
    """When a refresh last found nothing new for the current version (:func:`record_checked`), else None."""
    checked = read_state(warehouse).get("checked") or {}
    current = read_current(warehouse)
    if not current or checked.get("version") != int(current["version"]):
        return None
    try:
        return datetime.fromisoformat(checked["at"])
    except (KeyError, TypeError, ValueError):
        return None


def up_to_date_version(warehouse: Warehouse, fingerprint: str) -> dict[str, Any] | None:
    """The current ``CURRENT.json`` pointer when that version was published from inputs ``fingerprint``
    (a rebuild would publish the same marts), else None (never published, another version rolled back to or
    published since, new data, changed dbt code, a different zone or cut-off)."""
    published = read_state(warehouse).get("published") or {}
    current = read_current(warehouse)
    if not current or not fingerprint or published.get("fingerprint") != fingerprint:
        return None
    return current if int(current["version"]) == published.get("version") else None
