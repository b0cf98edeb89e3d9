"""Safe read-only SQL for analysts against the published serving copy.

Guards, each one independent of the others:

1. Parsing with DuckDB's own parser (``duckdb.extract_statements``, same dialect as execution, no
   regexes): exactly one statement, and it must be a query (``SELECT`` / ``WITH ... SELECT`` /
   ``FROM t`` / ``VALUES`` / ``DESCRIBE`` / ``SHOW`` / ``SUMMARIZE``). COPY, ATTACH, INSTALL/LOAD, SET,
   PRAGMA, CALL, EXPLAIN, DDL and DML are refused with a message naming the statement type.
2. The file is opened ``read_only=True`` with ``enable_external_access=false`` (no file, network or
   extension access: ``read_csv('/etc/passwd')`` fails) and ``lock_configuration=true`` (a query cannot
   switch it back).
3. A row cap (default 10 000; the result says when it was truncated) and a timeout (default 30 s;
   the query is interrupted with ``connection.interrupt()``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines import settings

DEFAULT_MAX_ROWS = 10_000
DEFAULT_TIMEOUT_S = 30.0
QUERY_MEMORY_LIMIT = "1GB"


class QueryRefused(ValueError):
    """The SQL is not a single read-only query, or tried something the sandbox forbids."""


class QueryTimeout(TimeoutError):
    """The query ran longer than the timeout and was interrupted."""


@dataclass
class QueryResult:
    """Column names, rows (at most ``max_rows``) and whether more rows existed (``truncated``)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def check_query(sql: str) -> str:
    """Return the single statement's text if ``sql`` is one read-only query.

    Raises:
        QueryRefused: empty input, a parse error, more than one statement, or a non-query statement.
    """
    if not sql or not sql.strip():
        raise QueryRefused("empty SQL: give one SELECT statement")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"SQL does not parse: {_first_line(exc)}") from exc
    if not statements:
        raise QueryRefused("no SQL statement found: give one SELECT statement")
    if len(statements) > 1:
        kinds = ", ".join(s.type.name for s in statements)
        raise QueryRefused(f"only one statement is allowed, got {len(statements)} ({kinds})")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        kind = "INSTALL/LOAD" if statement.type == duckdb.StatementType.LOAD else statement.type.name
        raise QueryRefused(
            f"only read-only queries (SELECT / WITH ... SELECT) are allowed; refused statement type: {kind}"
        )
    return statement.query


def connect_sandboxed(db_path: Path, memory_limit: str = QUERY_MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """Open ``db_path`` read-only with external access disabled and the configuration locked."""
    con = duckdb.connect(
        str(db_path),
        read_only=True,
        config={"enable_external_access": False, "autoload_known_extensions": False, "autoinstall_known_extensions": False},
    )
    con.execute(f"SET TimeZone = '{settings.timezone_name()}'")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET lock_configuration = true")
    return con


def run_query(
    db_path: Path, sql: str, *, max_rows: int = DEFAULT_MAX_ROWS, timeout_s: float = DEFAULT_TIMEOUT_S
) -> QueryResult:
    """Run one read-only query against ``db_path`` with a row cap and a timeout.

    Raises:
        QueryRefused: not a single query, or the sandbox refused it (file access, settings ...).
        QueryTimeout: interrupted after ``timeout_s`` seconds.
        duckdb.Error: other SQL errors (unknown table, type errors), with DuckDB's message.
    """
    statement = check_query(sql)
    con = connect_sandboxed(db_path)
    timed_out = threading.Event()

    def _interrupt() -> None:
        timed_out.set()
        con.interrupt()

    timer = threading.Timer(timeout_s, _interrupt)
    timer.start()
    try:
        cur = con.execute(statement)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchmany(max_rows + 1)
    except duckdb.PermissionException as exc:
        raise QueryRefused(f"refused by the read-only sandbox: {_first_line(exc)}") from exc
    except duckdb.Error as exc:
        if timed_out.is_set():
            raise QueryTimeout(f"query interrupted after {timeout_s:g} s (use --timeout to allow longer)") from exc
        if "configuration has been locked" in str(exc):
            raise QueryRefused(f"refused by the read-only sandbox: {_first_line(exc)}") from exc
        raise
    finally:
        timer.cancel()
        con.close()
    return QueryResult(columns=columns, rows=rows[:max_rows], truncated=len(rows) > max_rows)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
