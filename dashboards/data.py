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

import contextvars
import datetime as dt
import json
import re
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
        """True when the copy is older than :func:`stale_after` (``CSW_STALE_HOURS``, default 26 h)."""
        return self.age(now) > stale_after()


@dataclass(frozen=True)
class Failure:
    """Content of ``serving/LAST_FAILURE.json``: when, which stage and why the last refresh failed."""

    failed_at: str
    stage: str
    message: str


def stale_after() -> dt.timedelta:
    """Age after which published data is stale: ``CSW_STALE_HOURS`` (default 26 h), the same setting as
    ``python -m pipelines check-freshness`` and the daemon's stale_data alert (``pipelines.alerts.stale_hours``).

    Raises:
        ValueError: ``CSW_STALE_HOURS`` is not a positive number.
    """
    from pipelines.alerts import stale_hours

    return dt.timedelta(hours=stale_hours())


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


# ---------------------------------------------------------------------------------------------
# Street scope (access control, issue 8): enforced here, below every query
# ---------------------------------------------------------------------------------------------

# Tables without a ``street`` column that carry no street-specific rows: visible to every role.
STREET_NEUTRAL: frozenset[str] = frozenset({
    "marts.dim_metric", "marts.dim_source_system", "ops.file_ledger", "ops.load_supersessions",
    "ops.load_retractions", "ops.publish_info",
})


@dataclass(frozen=True)
class Scope:
    """Which rows a reader may see: ``street`` None = every street (leadership, analyst, login off);
    a street name = that street only (street office, 街道办)."""

    street: str | None = None

    @property
    def restricted(self) -> bool:
        """True when the reader is limited to one street."""
        return self.street is not None


ALL_STREETS = Scope()


_SERVICE_SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("csw_service_scope", default=None)


@contextmanager
def service_scope(scope: Scope = ALL_STREETS) -> Iterator[None]:
    """Run code outside a user session (the nightly brief job) with an explicit ``scope``."""
    token = _SERVICE_SCOPE.set(scope)
    try:
        yield
    finally:
        _SERVICE_SCOPE.reset(token)


class NotAuthorized(Exception):
    """Login is required (``CSW_AUTH_FILE`` set) and nobody is logged in: no data may be read."""


def current_scope() -> Scope:
    """The scope of the logged-in user of this session (:func:`dashboards.auth.session_scope`).

    Raises :class:`NotAuthorized` when login is on and nobody is logged in.
    """
    override = _SERVICE_SCOPE.get()
    if override is not None:
        return override
    from dashboards import auth  # local import: auth has no DuckDB dependency

    scope = auth.session_scope()
    if scope is None:
        raise NotAuthorized("login required")
    return scope


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _install_street_views(con: duckdb.DuckDBPyConnection, street: str) -> None:
    """Shadow every table and view of the attached serving copy ``src`` with a view in the
    in-memory catalog: rows of ``street`` only when the table has a ``street`` column, all rows for
    :data:`STREET_NEUTRAL` tables, no rows for anything else (e.g. rejected raw text, per-device
    readings without a street). Queries written as ``marts.x`` / ``ops.x`` resolve to these views."""
    objects = con.execute(
        """
        SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src'
        UNION
        SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'src' AND NOT internal
        """
    ).fetchall()
    with_street = {
        (s, t)
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_columns() "
            "WHERE database_name = 'src' AND column_name = 'street'"
        ).fetchall()
    }
    schemas = sorted({s for s, _ in objects})
    for schema in schemas:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{_quote_ident(schema)}")
    for schema, table in objects:
        target = f"memory.{_quote_ident(schema)}.{_quote_ident(table)}"
        source = f"src.{_quote_ident(schema)}.{_quote_ident(table)}"
        if (schema, table) in with_street:
            where = f"WHERE street = {_quote_literal(street)}"
        elif f"{schema}.{table}" in STREET_NEUTRAL:
            where = ""
        else:
            where = "WHERE false"
        con.execute(f"CREATE VIEW {target} AS SELECT * FROM {source} {where}")


@contextmanager
def _connect(path: str, scope: Scope = ALL_STREETS) -> Iterator[duckdb.DuckDBPyConnection]:
    """Short-lived read-only connection with the session zone set; lock/IO errors -> RefreshInProgress.

    For a restricted ``scope`` the serving file is attached read-only as ``src`` to an in-memory
    database whose ``marts`` / ``ops`` schemas hold street-filtered views of every table
    (:func:`_install_street_views`), so every statement run here sees one street only.
    """
    try:
        if scope.restricted:
            con = duckdb.connect(":memory:")
        else:
            con = duckdb.connect(path, read_only=True)
    except _TRANSIENT_ERRORS as exc:
        raise RefreshInProgress(f"{path}: {exc}") from exc
    try:
        con.execute(f"SET TimeZone = '{DISPLAY_TZ}'")
        if scope.restricted:
            try:
                con.execute(f"ATTACH {_quote_literal(path)} AS src (READ_ONLY)")
            except _TRANSIENT_ERRORS as exc:
                raise RefreshInProgress(f"{path}: {exc}") from exc
            _install_street_views(con, str(scope.street))
        yield con
    finally:
        con.close()


def run_query(path: str, sql: str, params: Sequence[Any] = (), scope: Scope = ALL_STREETS) -> pd.DataFrame:
    """Run one SQL statement on the serving file at ``path`` within ``scope`` (uncached).

    Raises :class:`RefreshInProgress` on lock/IO errors and :class:`ServingContractError` when a
    table or column named by the contract is missing.
    """
    with _connect(path, scope) as con:
        try:
            return con.execute(sql, list(params)).df()
        except _TRANSIENT_ERRORS as exc:
            raise RefreshInProgress(f"{path}: {exc}") from exc
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            raise ServingContractError(f"{Path(path).name}: {exc}") from exc


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_query(path: str, version: int, sql: str, params: tuple[Any, ...], street: str | None) -> pd.DataFrame:
    """Cache of :func:`run_query` keyed on (file, published version, SQL, parameters, street scope)."""
    del version  # part of the cache key only
    return run_query(path, sql, params, Scope(street))


def query(snap: Snapshot, sql: str, params: Sequence[Any] = (), scope: Scope | None = None) -> pd.DataFrame:
    """Cached query on the snapshot's serving file; returns a copy the caller may modify.

    ``scope`` defaults to the session's :func:`current_scope` (the logged-in user's street); only
    code running outside a user session (the nightly brief) passes :data:`ALL_STREETS` explicitly.
    """
    scope = current_scope() if scope is None else scope
    return _cached_query(str(snap.path), snap.version, sql, tuple(params), scope.street).copy()


# ---------------------------------------------------------------------------------------------
# Domain queries (mart contract, /tmp/marts.md; table names are the contract's)
# ---------------------------------------------------------------------------------------------


def tables(snap: Snapshot) -> set[str]:
    """Qualified names ``schema.table`` of every table in the serving copy."""
    df = query(snap, "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
                     "WHERE table_catalog = current_database()")
    return set(df["t"])


def columns(snap: Snapshot, qualified: str) -> list[str]:
    """Column names of table ``schema.table`` (empty list when it does not exist)."""
    schema, _, name = qualified.partition(".")
    df = query(
        snap,
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
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
    target, unit, source, model, direction, rate_column, numerator_column, denominator_column,
    date_column, filter); an empty frame with those columns when not published (missing columns
    are NULL)."""
    cols = ["metric_id", "name_zh", "name_en", "definition_zh", "definition_en", "formula", "target",
            "unit", "source", "model", "direction", "rate_column", "numerator_column", "denominator_column",
            "date_column", "filter"]
    if "marts.dim_metric" not in tables(snap):
        return pd.DataFrame(columns=cols)
    present = set(columns(snap, "marts.dim_metric"))
    select = ", ".join(c if c in present else f"NULL AS {c}" for c in cols)
    return query(snap, f"SELECT {select} FROM marts.dim_metric ORDER BY metric_id")


# Facts dated by when something happened (received / reported), not by a deadline: their last date
# is the last day with activity. Deadline-dated facts (F1, C16) run into the future (due dates after
# the export), so they only give the first date.
ACTIVITY_FACTS = ("marts.fct_complaints_received_daily", "marts.fct_fault_response_daily")
DUE_FACTS = ("marts.fct_fault_disposal_daily", "marts.fct_complaint_closure_daily")


def date_bounds(snap: Snapshot, source: str) -> tuple[dt.date, dt.date] | None:
    """(first, last) local date with data of ``source``: first from the daily facts (F1, C16/C17 and
    the activity facts), last from the activity facts (:data:`ACTIVITY_FACTS`: the last day something
    was received or reported) when published, else from the deadline facts; None when empty."""
    present = tables(snap)
    due = [t for t in DUE_FACTS if t in present]
    activity = [t for t in ACTIVITY_FACTS if t in present]
    if not due and not activity:
        return None
    parts = [f"SELECT min(date_local) AS lo, max(date_local) AS hi, {int(t in activity)} AS act FROM {t} "
             "WHERE source_system = ?" for t in due + activity]
    df = query(snap, "SELECT min(lo) AS lo, coalesce(max(hi) FILTER (WHERE act = 1), max(hi)) AS hi "
                     f"FROM ({' UNION ALL '.join(parts)})", (source,) * len(parts))
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
    rows_in_file, rows_loaded, rows_rejected, top_reasons, error, recorded_at. A load an operator withdrew
    (``ops.load_retractions``, copies published since that table exists) has status ``retracted`` and its reason
    in ``error``."""
    retracted = ("SELECT load_id, reason FROM ops.load_retractions" if has_table(snap, "ops.load_retractions")
                 else "SELECT NULL::VARCHAR AS load_id, NULL::VARCHAR AS reason WHERE false")
    return query(
        snap,
        f"""
        WITH reasons AS (
            SELECT load_id, reason_code, count(*) AS n FROM ops.rejected_rows GROUP BY ALL
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY load_id ORDER BY n DESC, reason_code) AS rk
            FROM reasons
        ), top AS (
            SELECT load_id, string_agg(reason_code || ' ×' || n, ', ' ORDER BY rk) AS top_reasons
            FROM ranked WHERE rk <= 3 GROUP BY load_id
        )
        SELECT l.load_id, l.path, l.source, l.source_kind,
               CASE WHEN r.load_id IS NULL THEN l.status ELSE 'retracted' END AS status, l.encoding,
               l.rows_in_file, l.rows_loaded, l.rows_rejected, coalesce(t.top_reasons, '') AS top_reasons,
               coalesce(l.error, 'retracted: ' || r.reason) AS error, l.recorded_at
        FROM ops.file_ledger l LEFT JOIN top t USING (load_id) LEFT JOIN ({retracted}) r USING (load_id)
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


# ---------------------------------------------------------------------------------------------
# Generic mart access for the domain pages (tables and columns named by marts.dim_metric)
# ---------------------------------------------------------------------------------------------

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
LINEAGE_TABLE = "marts.fct_event_lineage"
LINEAGE_COLUMNS = ("event_id", "event_type", "aggregate_type", "aggregate_id", "occurred_at", "date_local",
                   "street", "category", "channel", "subject_type", "source_file", "source_line", "load_id")


class MartUnavailable(Exception):
    """A mart (or a column of it) that a page needs is not in the published copy yet (尚未提供).

    ``table`` names it (``marts.x`` or ``marts.x.column``); pages show a "not yet available" state.
    """

    def __init__(self, table: str):
        super().__init__(f"{table} is not in the published serving copy")
        self.table = table


def ident(name: str) -> str:
    """``name`` if it is a plain lower-case SQL identifier, else :class:`ServingContractError`
    (identifiers come from marts.dim_metric and page code, never from the URL)."""
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ServingContractError(f"not a plain identifier: {name!r}")
    return name


def has_table(snap: Snapshot, qualified: str) -> bool:
    """True when ``schema.table`` is in the serving copy."""
    return qualified in tables(snap)


def require_columns(snap: Snapshot, qualified: str, wanted: Sequence[str]) -> list[str]:
    """Columns of ``qualified``; raises :class:`MartUnavailable` naming the table, or the first
    missing column of ``wanted``."""
    if qualified not in tables(snap):
        raise MartUnavailable(qualified)
    present = columns(snap, qualified)
    for col in wanted:
        if col not in present:
            raise MartUnavailable(f"{qualified}.{col}")
    return present


def streets(snap: Snapshot, source: str) -> list[str]:
    """Streets (街道) of ``source`` from marts.dim_street (only the user's own street for a street
    office; the view layer filters); falls back to the streets of the daily facts."""
    if has_table(snap, "marts.dim_street"):
        df = query(snap, "SELECT DISTINCT street FROM marts.dim_street WHERE source_system = ? "
                         "AND street IS NOT NULL ORDER BY street", (source,))
        if not df.empty:
            return list(df["street"])
    parts = [f"SELECT DISTINCT street FROM {t} WHERE source_system = ?"
             for t in ("marts.fct_fault_disposal_daily", "marts.fct_complaint_closure_daily") if has_table(snap, t)]
    if not parts:
        return []
    df = query(snap, f"SELECT DISTINCT street FROM ({' UNION '.join(parts)}) WHERE street IS NOT NULL "
                     "ORDER BY street", (source,) * len(parts))
    return list(df["street"])


def unreported_metrics(snap: Snapshot, source: str) -> dict[str, str]:
    """Metrics ``source`` cannot report: metric id -> the evidence it requires that the source never recorded
    (an event type such as ``first_contact_made``, or ``event_type.payload_key``), from
    ``marts.dim_metric_source`` (``reported = false``). Such a metric is unknown for the source, not 0 %.
    Empty when the mart is not published."""
    if not has_table(snap, "marts.dim_metric_source"):
        return {}
    df = query(snap, "SELECT metric_id, requires FROM marts.dim_metric_source WHERE source_system = ? "
                     "AND NOT reported ORDER BY metric_id", (source,))
    return dict(zip(df["metric_id"], df["requires"]))


def fact_rows(snap: Snapshot, model: str, date_column: str, start: dt.date, end: dt.date, source: str,
              wanted: Sequence[str]) -> pd.DataFrame:
    """Rows of ``marts.<model>`` for ``source`` with ``date_column`` in [start, end] (inclusive):
    the columns ``wanted`` that exist (plus ``date_column``; dates as ``datetime.date``).

    Raises :class:`MartUnavailable` when the table or its date column is missing.
    """
    table = f"marts.{ident(model)}"
    present = require_columns(snap, table, [ident(date_column), "source_system"])
    cols = [date_column] + [ident(c) for c in dict.fromkeys(wanted) if c in present and c != date_column]
    df = query(
        snap,
        f"SELECT {', '.join(cols)} FROM {table} WHERE source_system = ? AND {date_column} BETWEEN ? AND ?",
        (source, start, end),
    )
    df[date_column] = pd.to_datetime(df[date_column]).dt.date
    return df


def distinct_values(snap: Snapshot, model: str, column: str, source: str, limit: int = 200) -> list[str]:
    """Distinct non-NULL values of ``marts.<model>.<column>`` for ``source`` (sorted, at most
    ``limit``); empty when the table or column does not exist."""
    table = f"marts.{ident(model)}"
    if table not in tables(snap) or ident(column) not in columns(snap, table):
        return []
    df = query(snap, f"SELECT DISTINCT CAST({column} AS VARCHAR) AS v FROM {table} WHERE source_system = ? "
                     f"AND {column} IS NOT NULL ORDER BY 1 LIMIT {int(limit)}", (source,))
    return list(df["v"])


def table_rows(snap: Snapshot, table: str, source: str | None = None, order_by: str | None = None,
               limit: int = 5000) -> pd.DataFrame:
    """All columns of ``schema.table`` (optionally of one ``source_system``), at most ``limit`` rows.

    Raises :class:`MartUnavailable` when the table is missing.
    """
    schema, _, name = table.partition(".")
    qualified = f"{ident(schema)}.{ident(name)}"
    present = require_columns(snap, qualified, [])
    where, params = ("", [])
    if source is not None and "source_system" in present:
        where, params = "WHERE source_system = ?", [source]
    order = f"ORDER BY {ident(order_by)}" if order_by and order_by in present else ""
    return query(snap, f"SELECT * FROM {qualified} {where} {order} LIMIT {int(limit)}", params)


def lineage(snap: Snapshot, source: str, start: dt.date, end: dt.date, aggregate_types: Sequence[str],
            street_list: Sequence[str] = (), equals: dict[str, Sequence[str]] | None = None,
            limit: int = 2000) -> tuple[pd.DataFrame, int]:
    """Events behind a figure (drill-down): rows of :data:`LINEAGE_TABLE` of ``source`` whose
    ``aggregate_type`` is in ``aggregate_types``, local date in [start, end], street in
    ``street_list`` (all when empty) and each ``equals`` column (a lineage column) in its values.

    Returns (at most ``limit`` rows ordered by time, file and line; the total count). Raises
    :class:`MartUnavailable` when the lineage mart is not published.
    """
    present = require_columns(snap, LINEAGE_TABLE, ["aggregate_type", "date_local", "source_file", "source_line"])
    if not aggregate_types:
        return pd.DataFrame(columns=[c for c in LINEAGE_COLUMNS if c in present]), 0
    conds = ["source_system = ?", "date_local BETWEEN ? AND ?",
             f"aggregate_type IN ({', '.join('?' * len(aggregate_types))})"]
    params: list[Any] = [source, start, end, *aggregate_types]
    if street_list:
        conds.append(f"street IN ({', '.join('?' * len(street_list))})")
        params.extend(street_list)
    for col, values in (equals or {}).items():
        if values and ident(col) in present:
            conds.append(f"{col} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    where = " AND ".join(conds)
    cols = ", ".join(c for c in LINEAGE_COLUMNS if c in present)
    total = int(query(snap, f"SELECT count(*) AS n FROM {LINEAGE_TABLE} WHERE {where}", params).iloc[0]["n"])
    rows = query(snap, f"SELECT {cols} FROM {LINEAGE_TABLE} WHERE {where} "
                       f"ORDER BY occurred_at, source_file, source_line LIMIT {int(limit)}", params)
    if "date_local" in rows.columns:
        rows["date_local"] = pd.to_datetime(rows["date_local"]).dt.date
    return rows, total


def points(snap: Snapshot, source: str, start: dt.date, end: dt.date, aggregate_types: Sequence[str],
           street_list: Sequence[str] = (), limit: int = 5000) -> pd.DataFrame:
    """Located events for maps: columns lon, lat, label (event type and aggregate id) of the
    lineage events selected as in :func:`lineage`; empty when the published lineage carries no
    ``lon``/``lat`` columns (the demo marts do not; real exports with coordinates may)."""
    if LINEAGE_TABLE not in tables(snap) or not aggregate_types:
        return pd.DataFrame(columns=["lon", "lat", "label"])
    present = columns(snap, LINEAGE_TABLE)
    if "lon" not in present or "lat" not in present:
        return pd.DataFrame(columns=["lon", "lat", "label"])
    conds = ["source_system = ?", "date_local BETWEEN ? AND ?", "lon IS NOT NULL", "lat IS NOT NULL",
             f"aggregate_type IN ({', '.join('?' * len(aggregate_types))})"]
    params: list[Any] = [source, start, end, *aggregate_types]
    if street_list:
        conds.append(f"street IN ({', '.join('?' * len(street_list))})")
        params.extend(street_list)
    return query(snap, f"SELECT lon, lat, event_type || ' ' || aggregate_id AS label FROM {LINEAGE_TABLE} "
                       f"WHERE {' AND '.join(conds)} ORDER BY occurred_at LIMIT {int(limit)}", params)


def schema_catalog(snap: Snapshot) -> pd.DataFrame:
    """Schema browser rows: table_schema, table_name, column_name, data_type (ordinal order)."""
    return query(
        snap,
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema IN ('marts', 'ops') "
        "ORDER BY table_schema, table_name, ordinal_position",
    )


def restatements(snap: Snapshot) -> pd.DataFrame:
    """Restated headline numbers (口径回溯, ``marts.fct_metric_restatements``): one row per source_system, metric,
    local day and earlier load cut-off whose number changed because of late or corrected data. Columns:
    source_system, metric_id, date_local, cutoff_at, value_then, value_latest, value_delta (rates 0..1; C1 a
    count), numerator_then, denominator_then, numerator_latest, denominator_latest, caused_by (paths of the
    loads that caused it, from the ledger); newest cut-off first. Empty when the mart is not published."""
    if not has_table(snap, "marts.fct_metric_restatements"):
        return pd.DataFrame(columns=["source_system", "metric_id", "date_local", "cutoff_at", "value_then",
                                     "value_latest", "value_delta", "numerator_then", "denominator_then",
                                     "numerator_latest", "denominator_latest", "caused_by"])
    return query(snap, """
        WITH causes AS (
            SELECT r.source_system, r.metric_id, r.date_local, r.cutoff_at,
                   string_agg(DISTINCT l.path, ', ' ORDER BY l.path) AS caused_by
            FROM marts.fct_metric_restatements r, unnest(string_split(r.caused_by_loads, ',')) AS c(load_id)
            JOIN ops.file_ledger l ON l.load_id = c.load_id
            GROUP BY ALL
        )
        SELECT r.source_system, r.metric_id, r.date_local, r.cutoff_at, r.value_then, r.value_latest,
               r.value_delta, r.numerator_then, r.denominator_then, r.numerator_latest, r.denominator_latest,
               coalesce(c.caused_by, r.caused_by_loads) AS caused_by
        FROM marts.fct_metric_restatements r
        LEFT JOIN causes c USING (source_system, metric_id, date_local, cutoff_at)
        ORDER BY r.cutoff_at DESC, r.source_system, r.metric_id, r.date_local
        """)


def latest_dates(snap: Snapshot) -> pd.DataFrame:
    """Freshness per mart: table, source_system, latest local date (``date_local``,
    ``period_month`` or ``period_year``) and n_rows; only marts that have such a column."""
    cat = schema_catalog(snap)
    parts = []
    for (schema, table), cols in cat.groupby(["table_schema", "table_name"])["column_name"]:
        names = set(cols)
        if schema != "marts" or "source_system" not in names:
            continue
        date_col = next((c for c in ("date_local", "period_month", "period_year") if c in names), None)
        if date_col is None or table == "fct_event_lineage":
            continue
        parts.append(f"SELECT '{ident(table)}' AS mart, source_system, max({date_col}) AS latest, "
                     f"count(*) AS n_rows FROM marts.{ident(table)} GROUP BY source_system")
    if not parts:
        return pd.DataFrame(columns=["mart", "source_system", "latest", "n_rows"])
    df = query(snap, " UNION ALL ".join(parts) + " ORDER BY mart, source_system")
    df["latest"] = pd.to_datetime(df["latest"]).dt.date
    return df
