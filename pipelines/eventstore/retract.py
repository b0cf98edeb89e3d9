"""Withdraw a load from every projection without deleting it: ``python -m pipelines retract``.

A retraction is a supersession by nothing (schema.sql, ``events.load_retractions``): one row there with the
operator's reason and one row in ``events.load_supersessions`` (``superseded_by`` = the retraction id), in one
transaction. The load's events, readings and rejected rows stay in the store and in as-of builds before the
retraction; the next refresh drops them from the marts (incremental models re-rank the aggregates of a
superseded load like those of a corrected re-export).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb


class RetractError(ValueError):
    """The target names no load, several loads, or a load that cannot be retracted (refused file, already
    superseded or retracted). The message says which and what to do."""


@dataclass(frozen=True)
class Retraction:
    """What :func:`retract_load` recorded: ids, the load's path and source, how many events and readings leave
    the projections, and when (UTC-aware instant)."""

    retraction_id: str
    load_id: str
    path: str
    source: str
    events: int
    readings: int
    reason: str
    retracted_at: datetime


def retract_load(con: duckdb.DuckDBPyConnection, target: str, reason: str, *,
                 by: str | None = None, now: datetime | None = None) -> Retraction:
    """Retract the load ``target`` (a ``load_id``, or a raw-folder path whose one active load is meant).

    Args:
        con: writable connection on ``build.duckdb`` with the event store schema.
        target: ``L...`` load id from ``status``, or the file's path relative to the raw folder.
        reason: why (required, kept in the store; blank is refused).
        by: who (default: the OS user); ``now``: the retraction instant (default: now, UTC).

    Raises:
        RetractError: blank reason; no load or several active loads match; the load was refused as a whole,
            or is already superseded or retracted.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise RetractError("a retraction needs a --reason (it is kept in the event store)")
    load = _resolve(con, target)
    load_id, path, source, status = load
    if status != "loaded":
        raise RetractError(f"load {load_id} ({path}) has status {status!r}: it never counted, nothing to retract")
    done = con.execute("SELECT superseded_by FROM events.load_supersessions WHERE load_id = ?", [load_id]).fetchone()
    if done:
        how = "retracted" if done[0].startswith("R") else "superseded by load"
        raise RetractError(f"load {load_id} ({path}) is already {how} {done[0]}")
    at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    retraction_id = f"R{at:%Y%m%dT%H%M%S%fZ}-{load_id[-10:]}"
    events = con.execute("SELECT count(*) FROM events.events WHERE load_id = ?", [load_id]).fetchone()[0]
    readings = con.execute("SELECT count(*) FROM events.sensor_readings WHERE load_id = ?", [load_id]).fetchone()[0]
    con.begin()
    try:
        con.execute("INSERT INTO events.load_retractions VALUES (?, ?, ?, ?, ?)",
                    [retraction_id, load_id, reason, by or getpass.getuser(), at])
        con.execute("INSERT INTO events.load_supersessions VALUES (?, ?, ?)", [load_id, retraction_id, at])
        con.commit()
    except Exception:
        con.rollback()
        raise
    return Retraction(retraction_id, load_id, path, source, events, readings, reason, at)


def _resolve(con: duckdb.DuckDBPyConnection, target: str) -> tuple[str, str, str, str]:
    """``(load_id, path, source, status)`` of the load named by id, else of the one active load of that path."""
    row = con.execute("SELECT load_id, path, source, status FROM events.file_ledger WHERE load_id = ?",
                      [target]).fetchone()
    if row:
        return row
    rows = con.execute(
        """SELECT load_id, path, source, status FROM events.file_ledger
           WHERE path = ? AND status = 'loaded'
             AND load_id NOT IN (SELECT load_id FROM events.load_supersessions)
           ORDER BY recorded_at""", [target.replace("\\", "/")]).fetchall()
    if not rows:
        latest = con.execute(
            """SELECT l.load_id, l.status, s.superseded_by FROM events.file_ledger l
               LEFT JOIN events.load_supersessions s ON s.load_id = l.load_id
               WHERE l.path = ? ORDER BY l.recorded_at DESC LIMIT 1""", [target.replace("\\", "/")]).fetchone()
        if latest is None:
            raise RetractError(f"no load with id or path {target!r}: see `python -m pipelines status` "
                               "(paths are relative to the raw folder)")
        load_id, status, by = latest
        if status != "loaded":
            raise RetractError(f"{target!r} was never loaded (latest attempt {load_id}: status {status!r}): "
                               "nothing to retract")
        how = "retracted" if by.startswith("R") else "superseded by load"
        raise RetractError(f"{target!r} has no active load: its latest load {load_id} is already {how} {by}")
    if len(rows) > 1:
        ids = ", ".join(f"{r[0]} ({r[2]})" for r in rows)
        raise RetractError(f"{target!r} has {len(rows)} active loads ({ids}): retract one by its load id")
    return rows[0]
