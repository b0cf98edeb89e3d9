"""Command line: ``python -m pipelines <command>`` (refresh, status, rejects, sql, retract, rollback, serve,
service, check-freshness, demo, contracts).

Errors are one clear line on stderr and a non-zero exit code; ``--verbose`` adds the traceback and the
Dagster run log. Exit codes: 0 ok, 1 a stage or query failed, 2 bad usage, 3 refresh in progress
(build database locked), 4 nothing published yet, 130 a refresh stopped by SIGINT (Ctrl+C) or SIGTERM.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines import settings
from pipelines.warehouse import Warehouse, WarehouseBusyError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_UNPUBLISHED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
"""A refresh stopped by SIGINT or SIGTERM (128 + SIGINT, the shell's code for Ctrl+C)."""


class CliError(Exception):
    """An expected failure: message for people plus the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------------------
# commands


def cmd_refresh(args: argparse.Namespace) -> int:
    """Run ingest -> audit -> dbt build -> publish through Dagster and print a summary.

    SIGINT (Ctrl+C) and SIGTERM stop it promptly: the Dagster run is marked failed, the ingest transaction
    rolls back, dbt is terminated, nothing is published; exit :data:`EXIT_INTERRUPTED` with one message.
    """
    from pipelines.defs.runner import RefreshInterrupted, stop_on_signals

    wh = Warehouse(args.warehouse_dir)
    try:
        with stop_on_signals():
            return _refresh(args, wh)
    except RefreshInterrupted as exc:
        from pipelines.publish import read_current

        current = read_current(wh)
        still = f"v{current['version']:06d}" if current else "nothing (no version published yet)"
        print(f"Refresh INTERRUPTED by {exc.signal_name} outside the Dagster run (while starting or "
              f"summarizing); readers see {still}. See `python -m pipelines status`.", file=sys.stderr)
        return EXIT_INTERRUPTED


def _refresh(args: argparse.Namespace, wh: Warehouse) -> int:
    from pipelines.defs.runner import run_refresh
    from pipelines.ingest.contract import ContractError

    if not Path(args.raw_dir).is_dir():
        raise CliError(f"raw folder {args.raw_dir} does not exist (--raw-dir or CSW_RAW_DIR)")
    if args.as_of:
        settings.parse_as_of(args.as_of)  # ValueError with the accepted forms
    print(f"Refreshing {wh.root} from {args.raw_dir}" + (f" as of {args.as_of}" if args.as_of else "") + " ...", flush=True)
    log_file = wh.tmp_dir / "last_refresh.log"
    try:
        if args.verbose:
            outcome = run_refresh(args.warehouse_dir, args.raw_dir, args.as_of, log_level="INFO")
        else:
            with _output_to(log_file):  # dbt and Dagster logs go to the file; the summary below to the terminal
                outcome = run_refresh(args.warehouse_dir, args.raw_dir, args.as_of, log_level="WARNING")
    except ContractError as exc:  # before any Dagster run: record and alert it like a failed run
        from pipelines.alerts import failure_alert
        from pipelines.publish import record_failure

        wh.ensure()
        record_failure(wh, "contracts", str(exc))
        failure_alert(wh, "contracts", [str(exc)], trigger="cli")
        raise
    from pipelines.status import render_table

    if outcome.ingest:
        keys = ("files_loaded", "files_skipped", "files_rejected", "rows_loaded", "rows_rejected")
        rows = [[name, *(t.get(k, 0) for k in keys)] for name, t in sorted(outcome.ingest.items())]
        total = ["total", *(sum(t.get(k, 0) for t in outcome.ingest.values()) for k in keys)]
        print(render_table(["source kind", "files loaded", "skipped (seen)", "files rejected", "rows loaded",
                            "rows rejected"], [*rows, total]))
    print_unmatched(outcome.unmatched)
    if outcome.run_id:
        print(f"Dagster run {outcome.run_id} (home {wh.dagster_home})")
    if outcome.success and outcome.up_to_date:
        cur = outcome.up_to_date
        print(f"Nothing new to build: v{int(cur['version']):06d} (published {cur.get('published_at')}) already holds "
              f"every load with the same dbt code, so dbt build and publish were skipped; readers still see it.")
        return EXIT_OK
    if outcome.success:
        pub = outcome.published or {}
        print(f"Published v{int(pub.get('version', 0)):06d} at {pub.get('published_at')} "
              f"({pub.get('tables')} tables, {pub.get('loads_included')} loads).")
        if any(t.get("files_rejected") or t.get("rows_rejected") for t in outcome.ingest.values()):
            where = f"--warehouse-dir {wh.root}"
            print(f"Some rows or files were rejected: see `python -m pipelines status {where}` and "
                  f"`python -m pipelines rejects {where}`.")
        return EXIT_OK
    from pipelines.publish import read_current

    current = read_current(wh)
    still = f"v{current['version']:06d}" if current else "nothing (no version published yet)"
    failure = outcome.failure
    if outcome.interrupted:
        lines = [f"Refresh INTERRUPTED in stage '{failure.stage}' (SIGINT/Ctrl+C or SIGTERM) and stopped: the "
                 f"Dagster run is marked failed, uncommitted loads were rolled back"
                 f"{', dbt was stopped' if failure.stage == 'dbt build' else ''}. "
                 f"Nothing new was published; readers still see {still}."]
    else:
        lines = [f"Refresh FAILED in stage '{failure.stage}'. Nothing new was published; readers still see {still}."]
    lines += [f"  - {p}" for p in failure.problems] or [f"  - {failure.message}"]
    lines.append(f"Recorded in {wh.last_failure}. Details: `python -m pipelines status --warehouse-dir {wh.root}`"
                 + ("" if args.verbose else f", the run log {log_file}, or rerun with --verbose") + ".")
    from pipelines.alerts import alert_log_path, failure_alert

    alert = failure_alert(wh, failure.stage, failure.problems or [failure.message], run_id=outcome.run_id, trigger="cli")
    lines.append(f"Alert written to {alert_log_path(wh)}"
                 + (f" and sent to {', '.join(alert.delivered)}" if alert.delivered else "")
                 + (f"; NOT delivered to {', '.join(alert.failed)}" if alert.failed else "") + ".")
    print("\n".join(lines), file=sys.stderr)
    return EXIT_INTERRUPTED if outcome.interrupted else EXIT_FAILED


UNMATCHED_SHOWN = 20


def print_unmatched(unmatched: list[str], shown: int = UNMATCHED_SHOWN) -> None:
    """Print the raw files no source contract matched: the first ``shown`` paths, then how many more.

    Many unmatched files usually mean ``--raw-dir`` points one level too high or too low, so the tail says so.
    """
    if not unmatched:
        return
    print(f"{len(unmatched)} file(s) in the raw folder match no source contract (not loaded):")
    for p in unmatched[:shown]:
        print(f"  {p}")
    if len(unmatched) > shown:
        print(f"  ... and {len(unmatched) - shown} more (is --raw-dir the folder the contracts expect?)")


def cmd_status(args: argparse.Namespace) -> int:
    """Published version, last failure and the file ledger."""
    from pipelines.status import render_status, status_report

    report = status_report(_existing(Warehouse(args.warehouse_dir)))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=_json_default))
    else:
        print(render_status(report))
    return EXIT_OK


def _existing(wh: Warehouse) -> Warehouse:
    """``wh`` when its folder exists; a mistyped --warehouse-dir is an error, not "nothing yet"."""
    if not wh.root.is_dir():
        raise CliError(f"no warehouse folder at {wh.root}: check --warehouse-dir (or CSW_WAREHOUSE_DIR)")
    return wh


def cmd_rejects(args: argparse.Namespace) -> int:
    """Rejected raw lines with file, line and reason."""
    from pipelines.status import rejected_rows, render_rejects

    rows, source = rejected_rows(_existing(Warehouse(args.warehouse_dir)), file=args.file, limit=args.limit)
    if args.json:
        print(json.dumps({"ledger_source": source.kind, "rows": rows}, ensure_ascii=False, indent=2, default=_json_default))
    else:
        print(f"Rejected rows ({source.note}; at most {args.limit}):")
        print(render_rejects(rows))
    return EXIT_OK


def cmd_sql(args: argparse.Namespace) -> int:
    """One read-only query against the published serving copy."""
    from pipelines.publish import current_serving
    from pipelines.sql_readonly import QueryRefused, QueryTimeout, run_query

    sql = args.query if args.query != "-" else sys.stdin.read()
    pointer, path = current_serving(Warehouse(args.warehouse_dir))
    try:
        result = run_query(path, sql, max_rows=args.max_rows, timeout_s=args.timeout)
    except (QueryRefused, QueryTimeout) as exc:
        raise CliError(f"query refused: {exc}" if isinstance(exc, QueryRefused) else str(exc)) from exc
    except duckdb.Error as exc:
        raise CliError(f"query failed: {' '.join(str(exc).split())}") from exc
    if args.format == "json":
        records = [dict(zip(result.columns, row)) for row in result.rows]
        print(json.dumps(records, ensure_ascii=False, indent=2, default=_json_default))
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_csv_cell(v) for v in row] for row in result.rows)
    note = f"{len(result.rows)} row(s) from v{pointer['version']:06d}"
    if result.truncated:
        note += f"; TRUNCATED at --max-rows {args.max_rows}"
    print(note, file=sys.stderr)
    return EXIT_OK


def cmd_retract(args: argparse.Namespace) -> int:
    """Withdraw one load from the projections (kept in the event store); the next refresh applies it."""
    from pipelines.eventstore.retract import retract_load

    wh = Warehouse(args.warehouse_dir)
    if not wh.build_db.exists():
        raise CliError(f"no build database at {wh.build_db}: nothing was loaded yet")
    try:
        con = wh.connect_build()
    except duckdb.IOException as exc:
        from pipelines.warehouse import is_lock_error

        if is_lock_error(exc):
            raise WarehouseBusyError(f"{wh.build_db.name} is locked: try again when the refresh has finished") from exc
        raise
    with con:
        done = retract_load(con, args.target, args.reason)
    print(f"Retracted load {done.load_id} ({done.path}, contract {done.source}): {done.events} events and "
          f"{done.readings} readings leave the projections; recorded as {done.retraction_id}.")
    print("The dashboards change at the next refresh (the nightly one, or run your refresh command now, with the "
          "same --raw-dir and --warehouse-dir as always).")
    return EXIT_OK


def cmd_rollback(args: argparse.Namespace) -> int:
    """Point CURRENT.json at an earlier kept version."""
    from pipelines.publish import rollback

    pointer = rollback(Warehouse(args.warehouse_dir), args.version)
    print(f"CURRENT is now v{pointer['version']:06d} ({pointer['file']}, published {pointer['published_at']}); "
          f"it was v{pointer['rolled_back_from']:06d}.")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the Streamlit dashboards (localhost by default)."""
    app = settings.PROJECT_ROOT / "dashboards" / "app.py"
    if not app.exists():
        raise CliError(f"dashboard entry {app} is missing")
    env = {**os.environ, "CSW_WAREHOUSE_DIR": str(Path(args.warehouse_dir).resolve())}
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", args.host,
           "--server.port", str(args.port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if not _port_free(args.host, args.port):
        raise CliError(f"port {args.port} on {args.host} is already in use (another dashboard still running?); "
                       f"stop it or choose --port", EXIT_BUSY)
    print(f"Serving dashboards on http://{args.host}:{args.port} (Ctrl+C to stop)", flush=True)
    return _run_until_stopped(cmd, env)


def _port_free(host: str, port: int) -> bool:
    """True when a TCP listener could bind ``host:port`` now (nothing else is serving there)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _run_until_stopped(cmd: list[str], env: dict[str, str], grace_seconds: float = 10.0) -> int:
    """Run the server ``cmd`` in the foreground; SIGTERM or Ctrl+C stops it too (terminate, then kill after
    ``grace_seconds``), so no orphaned server keeps the port. Returns the server's exit code, 0 when we stopped it."""
    proc = subprocess.Popen(cmd, env=env, cwd=settings.PROJECT_ROOT)
    stopped: list[int] = []

    def _stop(signum: int, _frame: object) -> None:
        stopped.append(signum)
        proc.terminate()

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            stopped.append(signal.SIGINT)
            proc.terminate()
        if stopped:
            try:
                proc.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return EXIT_OK
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_service(args: argparse.Namespace) -> int:
    """Dagster webserver + daemon + dashboards in the foreground (pipelines/service.py)."""
    from pipelines.service import ServiceConfig, ServiceError, run_service

    config = ServiceConfig(warehouse_root=args.warehouse_dir, raw_dir=Path(args.raw_dir).resolve(), host=args.host,
                           dagster_port=args.dagster_port, dashboard_port=None if args.no_dashboards else args.port,
                           stop_timeout=args.stop_timeout)
    try:
        return run_service(config)
    except ServiceError as exc:
        raise CliError(f"service not started: {exc}") from exc


def cmd_check_freshness(args: argparse.Namespace) -> int:
    """Exit 1 (and send a stale_data alert with --alert) when the published data is older than CSW_STALE_HOURS."""
    from pipelines.alerts import freshness, stale_alert

    wh = Warehouse(args.warehouse_dir)
    fresh = freshness(wh)
    if fresh.version is None:
        raise CliError(f"nothing published yet in {wh.serving_dir}", EXIT_UNPUBLISHED)
    state = "STALE" if fresh.stale else "fresh"
    print(f"v{fresh.version:06d} published {fresh.published_at.isoformat()}: {fresh.age_hours:.1f} h old, "
          f"limit {fresh.limit_hours:g} h (CSW_STALE_HOURS): {state}")
    if fresh.stale and args.alert:
        alert = stale_alert(wh, fresh)
        print("stale_data alert written" + (f" and sent to {', '.join(alert.delivered)}" if alert.delivered else ""))
    return EXIT_FAILED if fresh.stale else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Write the demo exports into the raw folder (unless present), refresh; then the next morning's exports
    (late repairs, unless present) and a second refresh, so the restatement mart has numbers to show; then serve
    the dashboards."""
    from pipelines.demo.generate import generate, generate_next_day
    from pipelines.demo.spec import NEXT_DAY_FILES

    raw = Path(args.raw_dir)
    if not (raw / "demo").is_dir():
        print(f"Writing the demo exports into {raw / 'demo'} ...", flush=True)
        generate(raw)
    args.as_of = None
    code = cmd_refresh(args)
    if code != EXIT_OK:
        return code
    if not all((raw / rel).exists() for rel in NEXT_DAY_FILES.values()):
        print("Writing the next morning's exports (late-entered repairs) and refreshing again ...", flush=True)
        generate_next_day(raw)
        code = cmd_refresh(args)
        if code != EXIT_OK:
            return code
    return EXIT_OK if args.no_serve else cmd_serve(args)


def audited_fields(staging_dir: Path | None = None) -> dict[str, list[str]]:
    """Event type -> the envelope hot fields (contract ``fields:``) its staging model tests as not null.

    Read from the dbt project (``dbt/models/staging``): a model selecting one event type
    (``where event_type = 'T'``) maps envelope columns to its own names (``subject_id as gas_user_id``) and
    lists error-level ``not_null_columns`` in its YAML; those that are hot fields (HOT_FIELDS) fail the
    refresh's audit when an event of type T lacks them (e.g. ``inspection_performed`` needs ``subject_id``).
    The aggregate id and ``occurred_at`` are not listed: the ingest writes no event without them.
    """
    import re

    from pipelines.ingest.contract import HOT_FIELDS

    staging_dir = staging_dir or settings.PROJECT_ROOT / "dbt" / "models" / "staging"
    out: dict[str, list[str]] = {}
    for sql_path in sorted(staging_dir.glob("stg_*.sql")):
        sql = sql_path.read_text(encoding="utf-8")
        yml_path = sql_path.with_suffix(".yml")
        one_type = re.search(r"\bwhere\s+event_type\s*=\s*'(\w+)'", sql)
        if not one_type or not yml_path.is_file():
            continue
        renamed = {alias: column for column, alias in re.findall(r"^\s*(\w+)\s+as\s+(\w+)\s*,?\s*$", sql, re.M)}
        for listed in re.findall(r"not_null_columns:\s*\{arguments:\s*\{columns:\s*\[([^\]]*)\]\}\}\s*$",
                                 yml_path.read_text(encoding="utf-8"), re.M):
            for name in (n.strip() for n in listed.split(",")):
                column = renamed.get(name, name)
                if column in HOT_FIELDS and column not in out.setdefault(one_type.group(1), []):
                    out[one_type.group(1)].append(column)
    return {t: cols for t, cols in out.items() if cols}


def cmd_contracts(args: argparse.Namespace) -> int:
    """Validate contracts; with a data file, dry-run its load into a scratch database and report."""
    import tempfile

    from pipelines.ingest.contract import load_contract, load_contracts
    from pipelines.ingest.load import ingest_file

    contracts = [load_contract(Path(args.contract))] if args.contract else load_contracts()
    for c in contracts:
        print(f"ok  {c.source:32} kind={c.kind:12} format={c.format:8} {c.path}")
    if not args.data_file:
        return EXIT_OK
    if len(contracts) != 1:
        raise CliError("give the contract file together with the data file")
    data = Path(args.data_file).resolve()
    if not data.is_file():
        raise CliError(f"data file {data} does not exist")
    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "warehouse")
        with wh.connect_build() as con:
            r = ingest_file(con, data.parent, data, contracts[0])
            print(json.dumps(r.as_dict(), ensure_ascii=False, indent=2, default=str))
            if r.rows_rejected:
                print("first rejected rows:")
                for line, code, reason in con.execute(
                        "SELECT source_line, reason_code, reason FROM events.rejected_rows ORDER BY 1 LIMIT 10"
                ).fetchall():
                    print(f"  line {line}: [{code}] {reason}")
            counts = con.execute("SELECT event_type, count(*) FROM events.events GROUP BY 1 ORDER BY 1").fetchall()
            for event_type, n in counts:
                print(f"  {n:8} {event_type}")
            audited = audited_fields()
            for event_type, _ in counts:
                for column in audited.get(event_type, []):
                    n_null, first = con.execute(
                        f"SELECT count(*), min(source_line) FROM events.events WHERE event_type = ? AND {column} IS NULL",
                        [event_type]).fetchone()
                    if n_null:
                        print(f"warning: {n_null} {event_type} event(s) without {column} (first at line {first}): "
                              f"the refresh's audit fails on them (dbt staging tests {column} not null for "
                              f"{event_type}); map a column to it under the event's fields:")
    return EXIT_OK if r.status == "loaded" else EXIT_FAILED


# ---------------------------------------------------------------------------------------------------
# parser


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with one sub-command per operation."""
    def common_options(default: Any) -> argparse.ArgumentParser:
        # sub-commands use SUPPRESS so an option given before the command is not reset by their default
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--warehouse-dir", type=Path, default=default,
                            help="warehouse folder (build.duckdb, serving/, dagster_home/); "
                                 "default $CSW_WAREHOUSE_DIR or ./warehouse")
        common.add_argument("-v", "--verbose", action="store_true", default=default if default is not None else False,
                            help="show tracebacks and the Dagster run log")
        return common

    parser = argparse.ArgumentParser(
        prog="python -m pipelines",
        description="City safety data warehouse (城市管理和综合执法局 数据仓库): refresh, inspect and query.",
        parents=[common_options(None)],
    )
    common = common_options(argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("refresh", parents=[common], help="ingest raw files, audit, dbt build, publish (via Dagster)",
                       description="Run the nightly_refresh job now, in this process, recorded in <warehouse>/dagster_home: "
                                   "ingest new raw files into the event store, run the audit (ledger checks, reject "
                                   "ratio, dbt tests), build the marts and publish a new serving version. Exits 1 with "
                                   "the failing stage when anything fails; the previous version stays published.")
    p.add_argument("--raw-dir", type=Path, default=None, help="landing folder; default $CSW_RAW_DIR or ./raw")
    p.add_argument("--as-of", default=None,
                   help="recorded_at cut-off, ISO 8601 (no offset = deployment zone): rebuild marts as known then")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("status", parents=[common], help="published version, last failure, file ledger",
                       description="Show the published version, the last failed refresh (if any) and every file "
                                   "load: status, encoding, rows in file / loaded / rejected, top reject reasons.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("rejects", parents=[common], help="list rejected raw lines with reasons",
                       description="List rejected rows: raw file, line, reason code, reason and raw text.")
    p.add_argument("--file", default=None, help="only rows of this raw file (path relative to the raw folder)")
    p.add_argument("--limit", type=_positive_int, default=50, help="at most N rows (default 50)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_rejects)

    p = sub.add_parser("sql", parents=[common], help="one read-only SELECT on the published copy",
                       description="Run one SELECT (or WITH ... SELECT) on the published serving copy (schemas marts "
                                   "and ops), read-only, without file or network access, with a row cap and a timeout.")
    p.add_argument("query", help='the SQL, e.g. "SELECT * FROM marts.fct_fault_disposal_daily LIMIT 5"; - reads stdin')
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default csv)")
    p.add_argument("--max-rows", type=_positive_int, default=10_000, help="row cap (default 10000)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds before the query is interrupted (default 30)")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("retract", parents=[common], help="withdraw a wrongly loaded file from every number",
                       description="Withdraw one load (a file loaded by mistake: wrong file, wrong contract) from every "
                                   "projection. Nothing is deleted: the load stays in the event store and in as-of "
                                   "builds before the retraction, with the reason. The next refresh rebuilds the marts "
                                   "without it; once a wrong contract is fixed, it loads the same file again under "
                                   "the new contract. A corrected file needs no retraction: it supersedes the old load itself.")
    p.add_argument("target", help="the load id (L..., from `status`) or the file's path relative to the raw folder")
    p.add_argument("--reason", required=True, help="why (kept in the event store and shown by `status`)")
    p.set_defaults(func=cmd_retract)

    p = sub.add_parser("rollback", parents=[common], help="switch CURRENT to an earlier kept version",
                       description="Point serving/CURRENT.json at an earlier published version still kept "
                                   "(default: the newest one older than the current).")
    p.add_argument("--version", type=_positive_int, default=None, help="version number to make current")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("serve", parents=[common], help="start the Streamlit dashboards",
                       description="Run the Streamlit app (dashboards/app.py) reading the published copy.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("service", parents=[common], help="Dagster UI + daemon (schedule, sensors) + dashboards",
                       description="Run the whole service on this machine in the foreground: dagster-webserver, "
                                   "dagster-daemon (02:00 schedule, raw-files sensor, failure and freshness alerts) "
                                   "with DAGSTER_HOME=<warehouse>/dagster_home, and the Streamlit dashboards. Logs go "
                                   "to <warehouse>/logs/*.log. Ctrl+C or SIGTERM stops every process; exits 1 when "
                                   "one of them dies on its own.")
    p.add_argument("--raw-dir", type=Path, default=None, help="landing folder; default $CSW_RAW_DIR or ./raw")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--dagster-port", type=int, default=3000, help="Dagster UI port (default 3000)")
    p.add_argument("--port", type=int, default=8501, help="dashboards port (default 8501)")
    p.add_argument("--no-dashboards", action="store_true", help="do not start the Streamlit dashboards")
    p.add_argument("--stop-timeout", type=float, default=30.0,
                   help="seconds each process gets to stop after SIGTERM before SIGKILL (default 30)")
    p.set_defaults(func=cmd_service)

    p = sub.add_parser("check-freshness", parents=[common], help="is the published data older than CSW_STALE_HOURS?",
                       description="Compare the published version's published_at with CSW_STALE_HOURS (default 26). "
                                   "Exit 0 fresh, 1 stale, 4 nothing published. With --alert a stale result also "
                                   "sends a stale_data alert (CSW_ALERT_URLS, CSW_ALERT_LOG); for cron or systemd "
                                   "timers when the Dagster daemon (which checks this itself) does not run.")
    p.add_argument("--alert", action="store_true", help="send a stale_data alert when stale")
    p.set_defaults(func=cmd_check_freshness)

    p = sub.add_parser("demo", parents=[common], help="demo exports -> refresh -> serve (the README's first command)",
                       description="Write the deterministic demo exports into <raw>/demo (when missing), run the "
                                   "refresh on the raw folder, add the next morning's exports (when missing) and "
                                   "refresh again, then serve the dashboards.")
    p.add_argument("--raw-dir", type=Path, default=None, help="landing folder; default $CSW_RAW_DIR or ./raw")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--no-serve", action="store_true", help="stop after the refresh")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("contracts", parents=[common], help="validate source contracts; dry-run one on a file",
                       description="Validate every contract (or CONTRACT), and with DATA_FILE load that file "
                                   "through the contract into a scratch database and show the counts, the first "
                                   "rejected rows and the events it yields. Nothing is written to the warehouse.")
    p.add_argument("contract", nargs="?", help="a contract YAML file (default: all shipped contracts)")
    p.add_argument("data_file", nargs="?", help="a raw export to try the contract on")
    p.set_defaults(func=cmd_contracts)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the command, return the exit code (errors as one line on stderr)."""
    args = build_parser().parse_args(argv)
    args.warehouse_dir = (args.warehouse_dir or settings.warehouse_dir()).resolve()
    if getattr(args, "raw_dir", None) is None and args.command in ("refresh", "demo", "service"):
        args.raw_dir = settings.raw_dir()
    if not args.verbose:
        warnings.simplefilter("ignore")
        logging.getLogger("dagster").setLevel(logging.ERROR)
    from pipelines.publish import NothingPublishedError, PublishError, RollbackError
    from pipelines.ingest.contract import ContractError
    from pipelines.sql_readonly import QueryRefused

    try:
        return args.func(args)
    except BrokenPipeError:  # the reader of our output went away (`... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return EXIT_OK
    except CliError as exc:
        return _fail(args, exc, str(exc), exc.code)
    except WarehouseBusyError as exc:
        return _fail(args, exc, f"refresh in progress: {exc}", EXIT_BUSY)
    except NothingPublishedError as exc:
        return _fail(args, exc, str(exc), EXIT_UNPUBLISHED)
    except (PublishError, RollbackError, QueryRefused, FileNotFoundError, ValueError, duckdb.Error,
            ContractError) as exc:
        return _fail(args, exc, str(exc), EXIT_FAILED)
    except Exception as exc:  # anything unexpected: still one line unless --verbose
        hint = "" if args.verbose else " (rerun with --verbose for the traceback)"
        return _fail(args, exc, f"unexpected {type(exc).__name__}: {exc}{hint}", EXIT_FAILED)


def _fail(args: argparse.Namespace, exc: BaseException, message: str, code: int) -> int:
    if args.verbose:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"error: {message}", file=sys.stderr)
    return code


@contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Send everything written to file descriptors 1 and 2 (also by subprocesses) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "w", encoding="utf-8") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value
