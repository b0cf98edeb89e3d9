"""Read-only access to the published serving copy: the only dashboard module that touches DuckDB.

Layout read (docs/internals.md, "Warehouse folder"):

- ``$CSW_WAREHOUSE_DIR/serving/CURRENT.json`` -> ``{"version": N, "file": "v00000N.duckdb",
  "published_at": ISO-8601 with offset, "row_counts": {...}}``
- ``$CSW_WAREHOUSE_DIR/serving/LAST_FAILURE.json`` -> ``{"failed_at", "stage", "message"}`` when the
  latest refresh failed (the current version is then the last good one).
- tables ``marts.*`` (mart contract), ``ops.file_ledger`` (columns of ``events.file_ledger``) and
  ``ops.rejected_rows`` (columns of ``events.rejected_rows``).

Every query opens the current serving file with ``duckdb.connect(path, read_only=True)``, sets
``TimeZone`` to :data:`DISPLAY_TZ`, runs one statement and closes the connection, so a reader never
holds a lock for long (FAILURE_CLASSES.md #1). Results are cached with ``st.cache_data`` keyed on the
file path and the published version, so a new publish is picked up at once (FAILURE_CLASSES.md #3).

Errors: :class:`NoWarehouse` when nothing has been published yet; :class:`RefreshInProgress` for lock
and I/O errors (the pointer or file is being replaced); :class:`ServingContractError` when the
serving copy does not match the contract (missing key or table) - the pages turn all three into
friendly messages, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import streamlit as st

WAREHOUSE_ENV = "CSW_WAREHOUSE_DIR"
DEFAULT_WAREHOUSE_DIR = "warehouse"
DISPLAY_TZ = "Asia/Shanghai"
STALE_AFTER = dt.timedelta(hours=26)

# Fallback local zones of the source systems (mart contract; seed `source_systems` is authoritative
# when the serving copy carries marts.dim_source_system with a time_zone column).
SOURCE_ZONES: dict[str, str] = {
    "licheng": "Asia/Shanghai",
    "la311": "America/Los_Angeles",
    "lexington": "America/New_York",
    "chicago_beach": "America/Chicago",
    "chicago_open311": "America/Chicago",
    "china_gov": "Asia/Shanghai",
    "uk_ea": "Europe/London",
}
DEFAULT_SOURCE = "licheng"
# Fallback display names (zh, en) when the serving copy has no marts.dim_source_system.
SOURCE_NAMES: dict[str, tuple[str, str]] = {
    "licheng": ("历城区（演示数据）", "Licheng (demo data)"),
    "la311": ("洛杉矶 311", "Los Angeles 311"),
    "lexington": ("列克星敦", "Lexington"),
    "chicago_beach": ("芝加哥湖滩水质", "Chicago beach water"),
    "chicago_open311": ("芝加哥 Open311", "Chicago Open311"),
    "china_gov": ("政府公开数据", "China government open data"),
    "uk_ea": ("英国环境署", "UK Environment Agency"),
}

# Errors that mean "the file is locked, being replaced or briefly unreadable".
_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    duckdb.IOException,
    duckdb.ConnectionException,
    OSError,
)


class ServingUnavailable(Exception):
    """Base class: the serving copy cannot be read right now (message is for the log, not the page)."""


class NoWarehouse(ServingUnavailable):
    """Nothing has been published yet: ``serving/CURRENT.json`` does not exist."""


class RefreshInProgress(ServingUnavailable):
    """A lock or I/O error while reading the serving copy (数据刷新中): retry in a moment."""


class ServingContractError(Exception):
    """The serving copy does not match the contract (bad pointer JSON, missing table or column)."""


@dataclass(frozen=True)
class Snapshot:
    """The currently published serving copy.

    Attributes: ``warehouse_dir`` and ``path`` (absolute paths), ``version`` (int, from
    CURRENT.json), ``published_at`` (aware datetime in :data:`DISPLAY_TZ`), ``row_counts``
    (table name -> rows, as published).
    """

    warehouse_dir: Path
    version: int
    path: Path
    published_at: dt.datetime
    row_counts: dict[str, Any] = field(default_factory=dict)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """Time since publication (``now`` defaults to the current instant)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        return now - self.published_at

    def is_stale(self, now: dt.datetime | None = None) -> bool:
        """True when the copy is older than :data:`STALE_AFTER` (26 h: one missed nightly refresh)."""
        return self.age(now) > STALE_AFTER


@dataclass(frozen=True)
class Failure:
    """Content of ``serving/LAST_FAILURE.json``: when, which stage and why the last refresh failed."""

    failed_at: str
    stage: str
    message: str


def warehouse_dir() -> Path:
    """The warehouse folder: env ``CSW_WAREHOUSE_DIR``, default ``./warehouse`` (absolute path)."""
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE_DIR).resolve()


def _parse_instant(text: str, where: str) -> dt.datetime:
    """Parse an ISO-8601 instant; a naive value is read in :data:`DISPLAY_TZ` (deployment zone)."""
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise ServingContractError(f"{where}: published_at {text!r} is not ISO-8601") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(DISPLAY_TZ))
    return value.astimezone(ZoneInfo(DISPLAY_TZ))


def current_snapshot(wdir: Path | None = None) -> Snapshot:
    """Read ``serving/CURRENT.json`` and return the published :class:`Snapshot`.

    Raises :class:`NoWarehouse` (no pointer), :class:`RefreshInProgress` (pointer unreadable or
    the named file missing, e.g. mid-publish) or :class:`ServingContractError` (missing keys).
    """
    wdir = wdir or warehouse_dir()
    pointer = wdir / "serving" / "CURRENT.json"
    if not pointer.exists():
        raise NoWarehouse(f"{pointer} does not exist")
    try:
        raw = json.loads(pointer.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RefreshInProgress(f"{pointer}: cannot read the version pointer: {exc}") from exc
    if not isinstance(raw, dict):
        raise ServingContractError(f"{pointer}: expected a JSON object")
    missing = [k for k in ("version", "file", "published_at") if k not in raw]
    if missing:
        raise ServingContractError(f"{pointer}: missing key(s) {', '.join(missing)}")
    try:
        version = int(raw["version"])
    except (TypeError, ValueError) as exc:
        raise ServingContractError(f"{pointer}: version {raw['version']!r} is not an integer") from exc
    path = (pointer.parent / str(raw["file"])).resolve()
    if not path.exists():
        raise RefreshInProgress(f"{pointer} names {path.name}, which does not exist (yet)")
    return Snapshot(
        warehouse_dir=wdir,
        version=version,
        path=path,
        published_at=_parse_instant(raw["published_at"], str(pointer)),
        row_counts=dict(raw.get("row_counts") or {}),
    )


def last_failure(wdir: Path | None = None) -> Failure | None:
    """Content of ``serving/LAST_FAILURE.json``, or None when the last refresh succeeded.

    An unreadable file still counts as a failure (its read error becomes the message).
    """
    wdir = wdir or warehouse_dir()
    marker = wdir / "serving" / "LAST_FAILURE.json"
    if not marker.exists():
        return None
    try:
        raw = json.loads(marker.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("expected a JSON object")
    except (OSError, ValueError) as exc:
        return Failure(failed_at="?", stage="?", message=f"{marker.name} unreadable: {exc}")
    return Failure(
        failed_at=str(raw.get("failed_at", "?")),
        stage=str(raw.get("stage", "?")),
        message=str(raw.get("message", "")),
    )


@contextmanager
def _connect(path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """Short-lived read-only connection with the session zone set; lock/IO errors -> RefreshInProgress."""
    try:
        con = duckdb.connect(path, read_only=True)
    except _TRANSIENT_ERRORS as exc:
        raise RefreshInProgress(f"{path}: {exc}") from exc
    try:
        con.execute(f"SET TimeZone = '{DISPLAY_TZ}'")
        yield con
    finally:
        con.close()


def run_query(path: str, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one SQL statement on the serving file at ``path`` and return a DataFrame (uncached).

    Raises :class:`RefreshInProgress` on lock/IO errors and :class:`ServingContractError` when a
    table or column named by the contract is missing.
    """
    with _connect(path) as con:
        try:
            return con.execute(sql, list(params)).df()
        except _TRANSIENT_ERRORS as exc:
            raise RefreshInProgress(f"{path}: {exc}") from exc
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            raise ServingContractError(f"{Path(path).name}: {exc}") from exc


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, version: int, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    """Cache of :func:`run_query` keyed on (file, published version, SQL, parameters)."""
    del version  # part of the cache key only
    return run_query(path, sql, params)


def query(snap: Snapshot, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Cached query on the snapshot's serving file; returns a copy the caller may modify."""
    return _cached_query(str(snap.path), snap.version, sql, tuple(params)).copy()


# ---------------------------------------------------------------------------------------------
# Domain queries (mart contract, /tmp/marts.md; table names are the contract's)
# ---------------------------------------------------------------------------------------------


def tables(snap: Snapshot) -> set[str]:
    """Qualified names ``schema.table`` of every table in the serving copy."""
    df = query(snap, "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables")
    return set(df["t"])


def columns(snap: Snapshot, qualified: str) -> list[str]:
    """Column names of table ``schema.table`` (empty list when it does not exist)."""
    schema, _, name = qualified.partition(".")
    df = query(
        snap,
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        (schema, name),
    )
    return list(df["column_name"])


def source_systems(snap: Snapshot) -> pd.DataFrame:
    """Data sets present in the facts: columns ``source_system, name_zh, name_en, time_zone``.

    Names and zones come from ``marts.dim_source_system`` (the seed) when published, else
    :data:`SOURCE_NAMES` (or the code itself) and :data:`SOURCE_ZONES`. Ordered with ``licheng`` first.
    """
    present = tables(snap)
    facts = [
        t
        for t in ("marts.fct_fault_disposal_daily", "marts.fct_complaint_closure_daily",
                  "marts.fct_gas_inspection_coverage")
        if t in present
    ]
    if not facts:
        return pd.DataFrame(columns=["source_system", "name_zh", "name_en", "time_zone"])
    union = " UNION ".join(f"SELECT DISTINCT source_system FROM {t}" for t in facts)
    df = query(snap, f"SELECT DISTINCT source_system FROM ({union}) ORDER BY 1")
    df["name_zh"] = [SOURCE_NAMES.get(s, (s, s))[0] for s in df["source_system"]]
    df["name_en"] = [SOURCE_NAMES.get(s, (s, s))[1] for s in df["source_system"]]
    df["time_zone"] = df["source_system"].map(SOURCE_ZONES).fillna(DISPLAY_TZ)
    if "marts.dim_source_system" in present:
        cols = set(columns(snap, "marts.dim_source_system"))
        wanted = [c for c in ("name_zh", "name_en", "time_zone") if c in cols]
        if wanted:
            seed = query(snap, f"SELECT source_system, {', '.join(wanted)} FROM marts.dim_source_system")
            seed = seed.drop_duplicates("source_system").set_index("source_system")
            for col in wanted:
                df[col] = df["source_system"].map(seed[col]).fillna(df[col])
    df["_first"] = df["source_system"] != DEFAULT_SOURCE
    return df.sort_values(["_first", "source_system"]).drop(columns="_first").reset_index(drop=True)


def metric_dim(snap: Snapshot) -> pd.DataFrame:
    """``marts.dim_metric`` (metric_id, name_zh, name_en, definition_zh, definition_en, formula,
    target, unit, source, model); an empty frame with those columns when not published."""
    cols = ["metric_id", "name_zh", "name_en", "definition_zh", "definition_en", "formula", "target",
            "unit", "source", "model"]
    if "marts.dim_metric" not in tables(snap):
        return pd.DataFrame(columns=cols)
    present = set(columns(snap, "marts.dim_metric"))
    select = ", ".join(c if c in present else f"NULL AS {c}" for c in cols)
    return query(snap, f"SELECT {select} FROM marts.dim_metric ORDER BY metric_id")


def date_bounds(snap: Snapshot, source: str) -> tuple[dt.date, dt.date] | None:
    """(first, last) local date of the daily facts (F1, C16/C17) of ``source``; None when empty."""
    parts = [
        f"SELECT min(date_local) AS lo, max(date_local) AS hi FROM {t} WHERE source_system = ?"
        for t in ("marts.fct_fault_disposal_daily", "marts.fct_complaint_closure_daily")
        if t in tables(snap)
    ]
    if not parts:
        return None
    df = query(snap, f"SELECT min(lo) AS lo, max(hi) AS hi FROM ({' UNION ALL '.join(parts)})",
               (source,) * len(parts))
    lo, hi = df.iloc[0]["lo"], df.iloc[0]["hi"]
    if pd.isna(lo) or pd.isna(hi):
        return None
    return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()


def fault_daily(snap: Snapshot, source: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """METRICS.md F1 rows per (date_local, street) within [start, end]: columns ``date_local``
    (date), ``street``, ``faults_due``, ``faults_disposed_on_time``, ``faults_disposed``,
    ``faults_overdue_open`` (integer sums over facility types)."""
    if "marts.fct_fault_disposal_daily" not in tables(snap):
        return pd.DataFrame(columns=["date_local", "street", "faults_due", "faults_disposed_on_time",
                                     "faults_disposed", "faults_overdue_open"])
    df = query(
        snap,
        """
        SELECT date_local, coalesce(street, '') AS street,
               sum(faults_due)::BIGINT AS faults_due,
               sum(faults_disposed_on_time)::BIGINT AS faults_disposed_on_time,
               sum(faults_disposed)::BIGINT AS faults_disposed,
               sum(faults_overdue_open)::BIGINT AS faults_overdue_open
        FROM marts.fct_fault_disposal_daily
        WHERE source_system = ? AND date_local BETWEEN ? AND ?
        GROUP BY ALL ORDER BY date_local, street
        """,
        (source, start, end),
    )
    df["date_local"] = pd.to_datetime(df["date_local"]).dt.date
    return df


def closure_daily(snap: Snapshot, source: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """METRICS.md C16/C17 rows per (date_local, street) within [start, end]: columns
    ``date_local`` (date), ``street``, ``complaints_due``, ``complaints_closed``,
    ``complaints_closed_on_time`` (integer sums over channels and categories)."""
    if "marts.fct_complaint_closure_daily" not in tables(snap):
        return pd.DataFrame(columns=["date_local", "street", "complaints_due", "complaints_closed",
                                     "complaints_closed_on_time"])
    df = query(
        snap,
        """
        SELECT date_local, coalesce(street, '') AS street,
               sum(complaints_due)::BIGINT AS complaints_due,
               sum(complaints_closed)::BIGINT AS complaints_closed,
               sum(complaints_closed_on_time)::BIGINT AS complaints_closed_on_time
        FROM marts.fct_complaint_closure_daily
        WHERE source_system = ? AND date_local BETWEEN ? AND ?
        GROUP BY ALL ORDER BY date_local, street
        """,
        (source, start, end),
    )
    df["date_local"] = pd.to_datetime(df["date_local"]).dt.date
    return df


def gas_monthly(snap: Snapshot, source: str, first_month: dt.date, last_month: dt.date) -> pd.DataFrame:
    """METRICS.md G1-G4 rows per (period_month, street, subject_type) with period_month in
    [first_month, last_month]: columns ``period_month`` (date, first of month), ``street``,
    ``subject_type`` (restaurant | lpg_station), ``units_registered``, ``units_inspected``,
    ``units_with_board``, ``units_with_alarm``."""
    if "marts.fct_gas_inspection_coverage" not in tables(snap):
        return pd.DataFrame(columns=["period_month", "street", "subject_type", "units_registered",
                                     "units_inspected", "units_with_board", "units_with_alarm"])
    df = query(
        snap,
        """
        SELECT period_month, coalesce(street, '') AS street, subject_type,
               sum(units_registered)::BIGINT AS units_registered,
               sum(units_inspected)::BIGINT AS units_inspected,
               sum(units_with_board)::BIGINT AS units_with_board,
               sum(units_with_alarm)::BIGINT AS units_with_alarm
        FROM marts.fct_gas_inspection_coverage
        WHERE source_system = ? AND period_month BETWEEN ? AND ?
        GROUP BY ALL ORDER BY period_month, street, subject_type
        """,
        (source, first_month, last_month),
    )
    df["period_month"] = pd.to_datetime(df["period_month"]).dt.date
    return df


def file_ledger(snap: Snapshot) -> pd.DataFrame:
    """``ops.file_ledger`` newest first, with ``top_reasons`` (text: the three most frequent
    ``reason_code`` of the load's rejected rows with counts) and ``recorded_at`` in
    :data:`DISPLAY_TZ`. Columns: load_id, path, source, source_kind, status, encoding,
    rows_in_file, rows_loaded, rows_rejected, top_reasons, error, recorded_at."""
    return query(
        snap,
        """
        WITH reasons AS (
            SELECT load_id, reason_code, count(*) AS n FROM ops.rejected_rows GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY load_id ORDER BY n DESC, reason_code) AS rk
            FROM reasons
        ), top AS (
            SELECT load_id, string_agg(reason_code || ' ×' || n, ', ' ORDER BY rk) AS top_reasons
            FROM ranked WHERE rk <= 3 GROUP BY load_id
        )
        SELECT l.load_id, l.path, l.source, l.source_kind, l.status, l.encoding,
               l.rows_in_file, l.rows_loaded, l.rows_rejected, coalesce(t.top_reasons, '') AS top_reasons,
               l.error, l.recorded_at
        FROM ops.file_ledger l LEFT JOIN top t USING (load_id)
        ORDER BY l.recorded_at DESC, l.path
        """,
    )


def rejected_rows(snap: Snapshot, load_id: str | None = None, limit: int = 5000) -> pd.DataFrame:
    """``ops.rejected_rows`` (optionally of one load), at most ``limit`` rows ordered by file and
    line: columns load_id, source, source_file, source_line, reason_code, reason, raw_text."""
    where, params = ("WHERE load_id = ?", [load_id]) if load_id else ("", [])
    return query(
        snap,
        f"""
        SELECT load_id, source, source_file, source_line, reason_code, reason, raw_text
        FROM ops.rejected_rows {where}
        ORDER BY source_file, source_line NULLS LAST LIMIT {int(limit)}
        """,
        params,
    )


def rejected_count(snap: Snapshot, load_id: str | None = None) -> int:
    """Number of rows in ``ops.rejected_rows`` (optionally of one load)."""
    where, params = ("WHERE load_id = ?", [load_id]) if load_id else ("", [])
    df = query(snap, f"SELECT count(*) AS n FROM ops.rejected_rows {where}", params)
    return int(df.iloc[0]["n"])
