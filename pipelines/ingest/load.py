"""Load raw files into the event store, one transaction per file (the ingest driver).

For each file matched by a contract (docs/contracts.md): fingerprint -> skip if this content was
already loaded -> land -> type and check -> find declared duplicates (these stages write only temp
tables, before the transaction) -> begin -> append events, readings and rejected rows -> ledger row ->
commit. Each stage logs its rows and seconds (progress of long loads). Every record of a file is either loaded or recorded in
``events.rejected_rows`` with its line and reason, so ``rows_in_file = rows_loaded + rows_rejected``.
A file that cannot be read at all (undecodable, no header, missing required column) gets a ledger row
with status ``rejected_file`` and an error naming file, line and reason; the rest of the batch loads.
A changed file at the same path supersedes the earlier load in the same transaction (both stay in
the history; projections use the newest).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.eventstore.store import active_load_for_path
from pipelines.ingest.contract import Contract, ContractError, load_contracts
from pipelines.ingest.decode import DecodeError, Fingerprint, fingerprint
from pipelines.ingest.events_sql import json_value, event_select, raw_fields, readings_select
from pipelines.ingest.header import HeaderError, HeaderMap, resolve_header
from pipelines.ingest.land import Landed, LandingError, drop_landed, land_file, open_csv, read_csv_sql
from pipelines.ingest import pii
from pipelines.ingest.pii import register_udfs
from pipelines.ingest.readers import ReaderError
from pipelines.ingest.readers._table import MAX_RAW_TEXT
from pipelines.ingest.typing_sql import lit, raw_text_sql, reader_typed, typed_select

log = logging.getLogger(__name__)
IGNORED_SUFFIXES = {".md", ".txt", ".yaml", ".yml"}
# a correction of the same path keeping less than this share of the earlier load's rows is worth a warning
SHRUNK_CORRECTION = 0.5
KEY_CHECK_IN_MEMORY_ROWS = 50_000_000  # 400 MB of key hashes at most (see _count_problems)


@dataclass
class FileResult:
    """Outcome of one file. ``skipped``: the same content (sha256) was already handled by this contract."""

    path: str
    source: str
    status: str
    encoding: str | None = None
    rows_in_file: int | None = None
    rows_loaded: int | None = None
    rows_rejected: int | None = None
    events_written: int = 0
    readings_written: int = 0
    error: str | None = None
    skipped: bool = False
    load_id: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready dict of all fields."""
        return asdict(self)


def _raw_files(raw_dir: Path) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(raw_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            p = Path(root) / name
            if name.startswith("."):
                continue
            out.append(p)
    return out


def matching_contracts(rel: str, contracts: list[Contract]) -> list[Contract]:
    """The contracts that read the file at ``rel`` (relative to the raw folder, '/' separated): their patterns
    match it, and for a documentation suffix (.md, .txt, .yaml) the pattern also names that suffix (a fixed-width
    ``*.txt`` export), so a README beside the exports is never read as one."""
    suffix = Path(rel).suffix.lower()
    return [c for c in contracts if c.matches(rel)
            and (suffix not in IGNORED_SUFFIXES or any(g.lower().endswith(suffix) for g in c.match))]


def plan(raw_dir: Path, contracts: list[Contract] | None = None) -> tuple[list[tuple[Path, Contract]], list[Path]]:
    """Match every file under ``raw_dir`` to its contract.

    Returns (matched pairs in path order, unmatched files). Hidden files are ignored, and so are documentation
    files (.md, .txt, .yaml) unless a contract's pattern names their suffix (a fixed-width export ``*.txt``).

    Raises:
        ContractError: a file matches more than one contract.
    """
    contracts = load_contracts() if contracts is None else contracts
    matched, unmatched = [], []
    for p in _raw_files(raw_dir):
        rel = p.relative_to(raw_dir).as_posix()
        hits = matching_contracts(rel, contracts)
        if not hits and p.suffix.lower() in IGNORED_SUFFIXES:
            continue
        if len(hits) > 1:
            raise ContractError(f"{rel} matches several contracts: {', '.join(c.source for c in hits)}")
        if hits:
            matched.append((p, hits[0]))
        else:
            unmatched.append(p)
    return matched, unmatched


def unmatched_files(raw_dir: Path) -> list[str]:
    """Paths (relative to ``raw_dir``) that no contract matches: reported, never loaded."""
    return [p.relative_to(raw_dir).as_posix() for p in plan(raw_dir)[1]]


def ingest_kind(con: duckdb.DuckDBPyConnection, raw_dir: Path, kind: str,
                recorded_at: datetime | None = None) -> list[FileResult]:
    """Load every not-yet-loaded file of contracts of ``kind`` under ``raw_dir``.

    ``recorded_at`` (aware datetime) stamps the loads; default now. Returns one result per matched file.
    """
    raw_dir = Path(raw_dir).resolve()
    pairs, _ = plan(raw_dir)
    return [ingest_file(con, raw_dir, p, c, recorded_at) for p, c in pairs if c.kind == kind]


def _previous(con, sha: str, contract: Contract) -> tuple | None:
    """The ledger row that makes this content already handled, or None: a load of it that counts, or any
    handling by this contract version. A retracted load counts no longer, so once its contract is fixed
    (``python -m pipelines retract`` for a wrong contract) the same file loads again; under the same contract
    version it stays retracted."""
    return con.execute(
        """SELECT load_id, status, encoding, rows_in_file, rows_loaded, rows_rejected, events_written,
                  readings_written, error
           FROM events.file_ledger
           WHERE sha256 = ? AND (contract_sha256 = ?
                                 OR (status = 'loaded'
                                     AND load_id NOT IN (SELECT load_id FROM events.load_retractions)))
           ORDER BY recorded_at DESC LIMIT 1""",
        [sha, contract.sha256],
    ).fetchone()


def ingest_file(con: duckdb.DuckDBPyConnection, raw_dir: Path, path: Path, contract: Contract,
                recorded_at: datetime | None = None) -> FileResult:
    """Load one file per ``contract`` in one transaction; see the module docstring."""
    rel = path.relative_to(raw_dir).as_posix()
    try:
        fp = fingerprint(path)
    except OSError as exc:  # a dangling link, a file removed or unreadable meanwhile: refuse it, load the rest
        return _unreadable(con, rel, contract, recorded_at, exc)
    prev = _previous(con, fp.sha256, contract)
    if prev:
        return FileResult(rel, contract.source, prev[1], prev[2], prev[3], prev[4], prev[5], prev[6] or 0,
                          prev[7] or 0, prev[8], skipped=True, load_id=prev[0])
    started = datetime.now(timezone.utc)
    recorded = recorded_at or started
    if recorded.tzinfo is None:
        raise ValueError("recorded_at must be timezone-aware")
    load_id = f"L{recorded.astimezone(timezone.utc):%Y%m%dT%H%M%S%fZ}-{fp.sha256[:10]}"
    prefix = f"ld_{fp.sha256[:12]}"
    tmp_dir = Path(os.environ.get("CSW_INGEST_TMP", raw_dir.parent / ".ingest_tmp"))
    result = FileResult(rel, contract.source, "loaded", load_id=load_id)
    log.info("loading %s (%s, %.1f MB) ...", rel, contract.source, fp.size_bytes / 1e6)
    register_udfs(con, pii.salt(_warehouse_root(con)))
    try:
        try:
            _load(con, path, rel, contract, fp, tmp_dir, prefix, load_id, recorded, result)
        except duckdb.InvalidInputException as exc:
            if contract.format != "csv":
                raise
            # DuckDB's fast CSV reader gave up on these bytes (e.g. "state machine reached an invalid
            # state" on mixed line ends): redo the file with the exact reader
            log.warning("%s: fast CSV reader failed (%s); loading with the exact reader", rel, str(exc).splitlines()[0])
            _rollback(con)
            _drop_temp(con, prefix)
            result = FileResult(rel, contract.source, "loaded", load_id=load_id)
            _load(con, path, rel, contract, fp, tmp_dir, prefix, load_id, recorded, result, exact_csv=True)
        _ledger(con, result, contract, fp, started, recorded)
        con.commit()
        seconds = max((datetime.now(timezone.utc) - started).total_seconds(), 1e-6)
        log.info("loaded %s (%s): %s rows (%.0f rows/s), %s rejected, %s events, %s readings", rel, contract.source,
                 result.rows_in_file, (result.rows_in_file or 0) / seconds, result.rows_rejected,
                 result.events_written, result.readings_written)
    except (DecodeError, LandingError, HeaderError, ReaderError) as exc:  # the file cannot be read: a clear refusal
        _rollback(con)
        _file_rejected(con, result, contract, fp, started, recorded, str(exc))
    except Exception as exc:  # a bug or an engine error: keep the batch going, record it loudly
        _rollback(con)
        log.exception("internal error loading %s", rel)
        _file_rejected(con, result, contract, fp, started, recorded,
                       f"{rel}: internal error while loading: {type(exc).__name__}: {exc}")
    finally:
        _drop_temp(con, prefix)
        for leftover in tmp_dir.glob(f"{prefix}*") if tmp_dir.exists() else []:
            leftover.unlink(missing_ok=True)
    return result


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the file's transaction if it was opened (a failure while staging leaves none open)."""
    try:
        con.rollback()
    except duckdb.TransactionException:  # no transaction is active
        pass


def _warehouse_root(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The folder of the database file ``con`` writes (the warehouse), or None for in-memory."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0]).resolve().parent if rows and rows[0][0] else None


def _unreadable(con, rel: str, contract: Contract, recorded_at: datetime | None, exc: OSError) -> FileResult:
    """Record a file that cannot be opened as refused (ledger status ``rejected_file``, sha256 ``unreadable``: no
    content was read, 0 rows), naming the file and the OS reason; the next refresh tries it again."""
    started = datetime.now(timezone.utc)
    recorded = recorded_at or started
    fp = Fingerprint(sha256="unreadable", size_bytes=0, lines=0, ends_with_newline=False)
    result = FileResult(rel, contract.source, "loaded",
                        load_id=f"L{recorded.astimezone(timezone.utc):%Y%m%dT%H%M%S%fZ}-unreadable")
    reason = exc.strerror or type(exc).__name__
    log.warning("%s: cannot read (%s)", rel, reason)
    _file_rejected(con, result, contract, fp, started, recorded,
                   f"{rel}: cannot read the file: {reason} (a dangling link, or removed or locked while the refresh "
                   f"ran?); put it back readable, the next refresh loads it")
    return result


def _file_rejected(con, result: FileResult, contract: Contract, fp, started, recorded, message: str) -> None:
    result.status, result.error = "rejected_file", message
    # text formats with one record per line can say how many rows the refused file held (blank JSON lines are no
    # records but are counted here: an upper bound); workbooks and JSON documents cannot without being read
    text_rows = {"csv": fp.lines - contract.skip_rows - contract.header_rows, "jsonl": fp.lines,
                 "fixed_width": fp.lines - contract.skip_rows - contract.header_rows}
    data_rows = max(0, text_rows.get(contract.format, 0))
    if result.rows_in_file is None:
        result.rows_in_file = data_rows
    result.rows_loaded, result.rows_rejected = 0, result.rows_in_file
    result.events_written = result.readings_written = 0
    con.begin()
    con.execute(
        "INSERT INTO events.rejected_rows VALUES (?, ?, ?, ?, ?, ?, 'file_rejected')",
        [result.load_id, contract.source, result.path, None, None, message],
    )
    _ledger(con, result, contract, fp, started, recorded)
    con.commit()
    log.error("rejected file %s: %s", result.path, message)


def _ledger(con, r: FileResult, contract: Contract, fp, started, recorded) -> None:
    """Insert the file's ledger row (in the caller's transaction); ``readings_from`` / ``readings_to`` are the
    span of the readings this load wrote (NULL when none)."""
    con.execute(
        """INSERT INTO events.file_ledger (load_id, sha256, path, source, source_kind, contract_sha256, size_bytes,
               encoding, rows_in_file, rows_loaded, rows_rejected, events_written, readings_written, status, error,
               warnings, started_at, recorded_at, source_system, readings_from, readings_to)
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, min(measured_at), max(measured_at)
           FROM events.sensor_readings WHERE load_id = ?""",
        [r.load_id, fp.sha256, r.path, contract.source, contract.kind, contract.sha256, fp.size_bytes, r.encoding,
         r.rows_in_file, r.rows_loaded, r.rows_rejected, r.events_written, r.readings_written, r.status, r.error,
         r.warnings, started, recorded, contract.system, r.load_id],
    )


def _drop_temp(con, prefix: str) -> None:
    """Drop every temp view, then every temp table, named ``<prefix>...``."""
    for kind, catalog in (("VIEW", "duckdb_views()"), ("TABLE", "duckdb_tables()")):
        rows = con.execute(
            f"SELECT {kind.lower()}_name FROM {catalog} WHERE temporary AND {kind.lower()}_name LIKE ?", [f"{prefix}%"]
        ).fetchall()
        for (name,) in rows:
            con.execute(f"DROP {kind} IF EXISTS temp.{name}")


def _split_fields(contract: Contract) -> dict[str, str]:
    r = contract.readings
    return {r.value: r.split} if r and r.value and r.split else {}


@dataclass
class _Staged:
    """A file staged in temp tables, ready to append (see :func:`_load`).

    ``checked`` (table or view) has ``_line``, ``r_<f>``/``t_<f>`` and ``_reason`` per record; ``landed`` is
    the text landing (raw text of rejected rows, malformed records), None on the typed CSV path, which is
    only taken when no record is malformed, unparsed or a duplicate. On that path ``checked`` has no
    ``_line``: a row's line is its ``rowid`` + ``line_from_rowid``.
    """

    checked: str
    header: HeaderMap
    encoding: str | None
    notes: list[str]
    n_landed: int
    n_malformed: int
    n_unparsed: int
    dups: str | None
    landed: Landed | None = None
    line_from_rowid: int | None = None


def _stage_text(con, path: Path, rel: str, contract: Contract, fp, tmp_dir: Path, prefix: str, stage: _Stages,
                exact_csv: bool) -> _Staged:
    """Land the file as text (any format), then type and check it in SQL (every record loads or is rejected)."""
    landed: Landed = land_file(con, path, contract, fp, tmp_dir, prefix, exact_csv)
    n_landed = con.execute(f"SELECT count(*) FROM {landed.table}").fetchone()[0]
    n_malformed = con.execute(f"SELECT count(*) FROM {landed.rejects_table}").fetchone()[0]
    stage.done("landed", n_landed, f"{n_malformed} malformed")
    header = resolve_header(landed.labels, contract, rel, landed.header_line)
    checked = f"{prefix}_checked"
    con.execute(f"CREATE TEMP TABLE {checked} AS "
                + typed_select(contract, header, landed.labels, landed.table, _split_fields(contract),
                               raw_fields(contract)))
    n_unparsed, dups = _check_rows(con, contract, prefix, checked)
    return _Staged(checked, header, landed.encoding, landed.notes, n_landed, n_malformed, n_unparsed, dups, landed)


def _stage_typed_csv(con, path: Path, rel: str, contract: Contract, fp, tmp_dir: Path,
                     prefix: str) -> _Staged | None:
    """The fast path for a clean CSV: one parallel scan reads, types and checks the file into the checked table.

    DuckDB's CSV reader types the ISO timestamp columns itself (``reader_typed``; the session's TimeZone is
    the contract's zone meanwhile) and :func:`typed_select` checks the other cells in the same statement, so
    no text copy of the file is kept. The scan keeps the file's order, so a record's line is its row
    position in the checked table (``rowid``, read by :func:`_load`); that is exact because the path is kept
    only when every line of the file is one record and the reader rejected none (``row_number() OVER ()`` on
    the reader would run single-threaded). Returns None, with every temp table dropped, when any record is
    malformed, has a cell the reader cannot type, fails a check or repeats a key: the caller then lands the
    file as text, which gives those rows their raw text, lines and reasons. Rows loaded and their values and
    lines are the same on both paths (tests/ingest/test_typed_csv.py).
    """
    src = open_csv(path, contract, tmp_dir, prefix, fp.ascii_only)
    header = resolve_header(src.labels, contract, rel, src.header_line)
    typed = frozenset(n for n, c in contract.columns.items() if n in header.positions and reader_typed(c))
    reader = read_csv_sql(src, contract, prefix, {header.positions[n]: "TIMESTAMPTZ" for n in typed})
    checked = f"{prefix}_checked"
    con.execute(f"DROP TABLE IF EXISTS {prefix}_rj; DROP TABLE IF EXISTS {prefix}_rs;")
    create = f"CREATE TEMP TABLE {checked} AS " + typed_select(
        contract, header, src.labels, reader, _split_fields(contract), raw_fields(contract), typed, with_line=False)
    if not _keeps_order(con, create):
        log.info("%s: the typed CSV path would not keep the file's row order; landing it as text", rel)
        return None
    session_tz = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
    con.execute(f"SET TimeZone = {lit(contract.timezone)}")
    try:  # a parallel scan that keeps the file's order: rowid = record index
        con.execute(create)
    finally:
        con.execute(f"SET TimeZone = {lit(session_tz)}")
    n_rows, first = con.execute(f"SELECT count(*), coalesce(min(rowid), 0) FROM {checked}").fetchone()
    n_bad = con.execute(f"SELECT count(DISTINCT line) FROM {prefix}_rj").fetchone()[0]
    if n_bad or n_rows != fp.lines - src.header_line:
        why = f"{n_bad} records the reader could not read or type, {n_rows} of {fp.lines - src.header_line} lines"
    else:
        n_unparsed, repeats = _count_problems(con, contract, prefix, checked)
        if not n_unparsed and not repeats:
            return _Staged(checked, header, src.encoding, [], n_rows, 0, 0, None,
                           line_from_rowid=src.header_line + 1 - first)
        why = f"{n_unparsed} rows with a problem, {'some' if repeats else 'no'} repeated keys"
    log.info("%s: not clean for the typed CSV path (%s); landing it as text", rel, why)
    _drop_temp(con, prefix)
    return None


def _keeps_order(con, create_table_as: str) -> bool:
    """True when DuckDB plans ``create_table_as`` as an order-preserving batch insert (its plan's root is
    ``BATCH_CREATE_TABLE_AS``): the rows are then stored in the source's order. An operator that cannot keep
    the order (a join, e.g. from an IN list of many constants) makes it a plain parallel insert."""
    plan = json.loads(con.execute("EXPLAIN (FORMAT json) " + create_table_as).fetchall()[0][1])
    return plan[0]["name"] == "BATCH_CREATE_TABLE_AS"


def _load(con, path: Path, rel: str, contract: Contract, fp, tmp_dir: Path, prefix: str, load_id: str,
          recorded: datetime, result: FileResult, exact_csv: bool = False) -> None:
    """Stage one file in temp tables, then open the file's transaction and append it (module docstring);
    the caller writes the ledger row and commits.

    Staging (land, type and check, key check, rejected rows) runs before the transaction, so the landed
    text is really freed when it is dropped, before the large append; it writes only ``<prefix>_*``
    temp tables, which the caller drops. A CSV file is first tried on the typed path
    (:func:`_stage_typed_csv`, unless ``CSW_INGEST_TYPED_CSV=0``), which keeps it only when clean; else, and
    for other formats, the file is landed as text (:func:`_stage_text`). The rows loaded are read straight
    from the checked table (no copy); duplicates are ranked, and raw text rebuilt for rejected rows by line
    number, only for the rows concerned.
    """
    stage = _Stages(rel)
    staged = None
    if contract.format == "csv" and not exact_csv and settings.ingest_typed_csv():
        staged = _stage_typed_csv(con, path, rel, contract, fp, tmp_dir, prefix)
    if staged is None:
        staged = _stage_text(con, path, rel, contract, fp, tmp_dir, prefix, stage, exact_csv)
    header, checked, landed, dups = staged.header, staged.checked, staged.landed, staged.dups
    n_landed, n_unparsed = staged.n_landed, staged.n_unparsed
    result.encoding = staged.encoding
    result.rows_in_file = n_landed + staged.n_malformed
    result.warnings = header.warnings + staged.notes
    if result.rows_in_file == 0:  # loads cleanly, but an export with a header and no rows is worth a look
        result.warnings.append("no data rows (header only)")
    if contract.format in ("csv", "jsonl", "fixed_width") and fp.size_bytes and not fp.ends_with_newline:
        # most exports end their last line; one cut short mid-record may still parse (a shorter last value)
        result.warnings.append(f"the last line ({fp.lines}) has no line end: if the export was cut short, "
                               f"check that line's record against the source")
    n_dups = con.execute(f"SELECT count(*) FROM {dups}").fetchall()[0][0] if dups else 0
    stage.done("typed and checked", n_landed, f"{n_unparsed} rejected, {n_dups} duplicates")
    src = (load_id, contract.source, rel)
    rejected = f"{prefix}_rejected"
    con.execute(f"CREATE TEMP TABLE {rejected} AS SELECT * FROM events.rejected_rows LIMIT 0")
    if landed:
        _register_record_mask(con, contract, header.positions, len(landed.labels))
        con.execute(
            f"""INSERT INTO {rejected}
                SELECT ?, ?, ?, _line, csw_mask_record(raw_text), reason, reason_code FROM {landed.rejects_table}""",
            [*src])
    if n_unparsed or n_dups:
        raw = raw_text_sql(contract, header, len(landed.labels))
        parts = [f"""SELECT _line, _reason AS reason,
                            CASE WHEN _reason LIKE '%required value missing%' THEN 'missing_required'
                                 ELSE 'parse_error' END AS reason_code
                     FROM {checked} WHERE _reason IS NOT NULL"""] if n_unparsed else []
        if n_dups:
            parts.append(f"""SELECT _line, 'duplicate of line ' || _first || ' (key ' || _keytext || ')' AS reason,
                                    'duplicate' AS reason_code FROM {dups}""")
        con.execute(
            f"""INSERT INTO {rejected}
                SELECT ?, ?, ?, r._line, csw_mask_text({raw}), r.reason, r.reason_code
                FROM ({' UNION ALL '.join(parts)}) r JOIN {landed.table} l ON l._line = r._line""",
            [*src])
    if landed:
        drop_landed(con, landed)
    result.rows_loaded = n_landed - n_unparsed - n_dups
    result.rows_rejected = result.rows_in_file - result.rows_loaded
    extras = "" if header.extras else ", NULL::JSON AS _extras"
    if staged.line_from_rowid is not None:  # typed CSV path: every row is clean
        ok = f"(SELECT *, rowid + {staged.line_from_rowid} AS _line{extras} FROM {checked})"
    else:
        ok = (f"(SELECT *{extras} FROM {checked} WHERE _reason IS NULL"
              + (f" AND _line NOT IN (SELECT _line FROM {dups}))" if n_dups else ")"))
    ctx = {"load_id": load_id, "source_file": rel, "recorded_at": recorded.isoformat()}
    con.begin()
    # a multi-megabyte line is not copied whole into every published version: its line leads to the raw file
    con.execute(f"""INSERT INTO events.rejected_rows SELECT * REPLACE (
                        CASE WHEN length(raw_text) > {MAX_RAW_TEXT}
                             THEN left(raw_text, {MAX_RAW_TEXT}) || ' ...[' || length(raw_text)
                                  || ' characters; the whole line is in the raw file]'
                             ELSE raw_text END AS raw_text) FROM {rejected}""")
    for spec in contract.events:
        inserted = con.execute(
            "INSERT INTO events.events BY NAME " + event_select(contract, spec, ok, ctx)).fetchone()
        result.events_written += inserted[0] if inserted else 0
    if contract.readings:
        inserted = con.execute("INSERT INTO events.sensor_readings BY NAME "
                               + readings_select(contract, contract.readings, ok, ctx)).fetchone()
        result.readings_written = inserted[0] if inserted else 0
    stage.done("appended", result.rows_loaded, f"{result.events_written} events, {result.readings_written} readings")
    if contract.supersede == "same_path":
        previous = active_load_for_path(con, contract.source, rel)
        if previous:
            con.execute("INSERT INTO events.load_supersessions VALUES (?, ?, ?)", [previous, load_id, recorded])
            result.warnings.append(f"supersedes load {previous} of the same path")
            before = con.execute("SELECT rows_loaded FROM events.file_ledger WHERE load_id = ?", [previous]).fetchone()
            if before and before[0] and result.rows_loaded < before[0] * SHRUNK_CORRECTION:
                result.warnings.append(
                    f"loaded {result.rows_loaded} rows where the load it supersedes had {before[0]}: if this export "
                    f"was cut short, land the complete file at the same path (the earlier load stays in the history)")


class _Stages:
    """Progress of one file's load: a log line per finished stage with its rows and seconds."""

    def __init__(self, rel: str):
        self.rel = rel
        self.t0 = self.last = time.perf_counter()

    def done(self, stage: str, rows: int, note: str = "") -> None:
        """Log that ``stage`` finished over ``rows`` rows (``note``: counts worth showing)."""
        now = time.perf_counter()
        log.info("%s: %s %s rows in %.1f s%s (%.1f s so far)", self.rel, stage, rows, now - self.last,
                 f", {note}" if note else "", now - self.t0)
        self.last = now


def _register_record_mask(con, contract: Contract, positions: dict[str, int], ncols: int) -> None:
    """Register ``csw_mask_record(text)`` for this file's malformed records (issue 8).

    Contracts declaring personal columns (``pii`` other than ``text``) get :func:`pii.mask_record`
    (cells masked by position, unattributable cells masked unless they look like ids or times);
    others get the free-text masking :func:`pii.mask_text` only.
    """
    kinds = {positions[n]: c.pii for n, c in contract.columns.items() if c.pii and n in positions}
    if any(k != "text" for k in kinds.values()):
        delim = contract.dialect.delimiter if contract.format == "csv" else ","
        quote = contract.dialect.quote if contract.format == "csv" else '"'
        fn = lambda t: pii.mask_record(t, delim, quote, kinds, ncols)  # noqa: E731
    else:
        fn = pii.mask_text
    try:
        con.remove_function("csw_mask_record")
    except Exception:  # not registered yet on this connection
        pass
    con.create_function("csw_mask_record", fn, ["VARCHAR"], "VARCHAR", null_handling="special")


def _count_problems(con, contract: Contract, prefix: str, checked: str) -> tuple[int, bool]:
    """Count the rows of ``checked`` with a ``_reason``, and tell whether the 64-bit hash of a clean row's
    natural key repeats (a duplicate candidate: a hash collision of two different keys also counts, see
    :func:`_rank_duplicates`).

    Up to ``KEY_CHECK_IN_MEMORY_ROWS`` clean rows, the hashes are sorted in memory (numpy; 8 bytes a row,
    a few times cheaper than a DuckDB hash table of one group per row); beyond, and whenever a hash
    repeats, DuckDB groups them into the temp table ``<prefix>_hits`` (``h``: each repeated hash; it
    spills under the memory limit). NULL key parts compare equal (a NULL hashes to one value, so a NULL in
    a composite key can never hide a duplicate: FAILURE_CLASSES.md #6). Returns (rows with a reason,
    whether any hash repeats).
    """
    n_unparsed, n_rows = con.execute(f"SELECT count(*) FILTER (_reason IS NOT NULL), count(*) FROM {checked}").fetchone()
    if not contract.key:
        return int(n_unparsed), False
    key = f"hash({', '.join(f't_{k}' for k in contract.key)})"
    if n_rows - n_unparsed <= KEY_CHECK_IN_MEMORY_ROWS:
        h = con.execute(f"SELECT {key} AS h FROM {checked} WHERE _reason IS NULL").fetchnumpy()["h"]
        h.sort()
        if not (h[1:] == h[:-1]).any():
            return int(n_unparsed), False
    con.execute(f"""CREATE TEMP TABLE {prefix}_hits AS SELECT {key} AS h FROM {checked} WHERE _reason IS NULL
                    GROUP BY h HAVING count(*) > 1""")
    return int(n_unparsed), con.execute(f"SELECT count(*) FROM {prefix}_hits").fetchone()[0] > 0


def _check_rows(con, contract: Contract, prefix: str, checked: str) -> tuple[int, str | None]:
    """Count the rows of ``checked`` with a ``_reason`` and find the clean rows whose natural key repeats
    an earlier kept row (:func:`_count_problems`, then :func:`_rank_duplicates` when a key hash repeats).

    Returns (rows with a reason, the temp table ``<prefix>_dups`` or None when no row repeats a key).
    """
    n_unparsed, repeats = _count_problems(con, contract, prefix, checked)
    return n_unparsed, (_rank_duplicates(con, contract, prefix, checked) if repeats else None)


def _rank_duplicates(con, contract: Contract, prefix: str, checked: str) -> str:
    """Rank the clean rows of ``checked`` whose key hash is in ``<prefix>_hits`` exactly by the key itself
    and keep the first row by line unless ``duplicates`` says otherwise (a hash collision of two different
    keys ranks each alone, so it never drops a row); NULL key parts compare equal (PARTITION BY).

    Returns the temp table ``<prefix>_dups``: ``_line`` of each dropped row, ``_first`` (line of the kept
    row) and ``_keytext`` (the key as text).
    """
    keys = contract.key
    part = ", ".join(f"t_{k}" for k in keys)
    dup = contract.duplicates
    direction = "DESC" if dup and dup.keep == "last" else "ASC"
    order = f"_line {direction}"
    if dup and dup.order_by:
        order = f"t_{dup.order_by} {direction} NULLS FIRST, {order}"
    keytext = ("concat_ws(', ', " + ", ".join(f"'{k}=' || coalesce({json_value(contract, k)}, 'NULL')" for k in keys)
               + ")")
    con.execute(
        f"""CREATE TEMP TABLE {prefix}_dups AS
            SELECT _line, _first, _keytext FROM (
                SELECT _line, row_number() OVER w AS _rn, first_value(_line) OVER w AS _first, {keytext} AS _keytext
                FROM {checked}
                WHERE _reason IS NULL AND hash({part}) IN (SELECT h FROM {prefix}_hits)
                WINDOW w AS (PARTITION BY {part} ORDER BY {order}))
            WHERE _rn > 1"""
    )
    return f"{prefix}_dups"
