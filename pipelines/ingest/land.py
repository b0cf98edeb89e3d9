"""Land one raw file as an all-text DuckDB temp table with physical line numbers.

Output of :func:`land_file`: a temp table (or a view over one) with ``_line BIGINT`` (1-based physical
line of the record's first line; xlsx: the sheet row; json: the record index) and one VARCHAR column
``c<i>`` per header column, plus a temp table of records that could not be read at all (``_line, raw_text, reason,
reason_code``). Nothing is typed here (FAILURE_CLASSES.md #10): typing happens in SQL against the
contract, with an explicit rejects path.

CSV files take DuckDB's ``read_csv`` with the contract's explicit dialect and sniffing off (#12);
malformed records land in DuckDB's rejects table with their line. Accepted records get their physical
line from the gaps between rejected lines (with no rejects: from the row order, in a view over the
read table instead of a copy), which is exact when every record is one physical line; when
the counts show multi-line records or blank lines, the file is re-read with Python's ``csv`` module,
which tracks lines exactly. Other formats come through :mod:`pipelines.ingest.readers`.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.ingest.contract import Contract
from pipelines.ingest.decode import Fingerprint, detect_encoding, transcode_to_utf8
from pipelines.ingest.header import fold_line_breaks

BATCH_ROWS = 50_000


class LandingError(ValueError):
    """The file cannot be landed at all (e.g. empty, no header); the message names file and line."""


@dataclass
class Landed:
    """A landed file: temp table names, header labels and counts (see module docstring)."""

    table: str
    rejects_table: str
    labels: list[str | None]
    header_line: int
    encoding: str | None
    notes: list[str] = field(default_factory=list)
    backing: str | None = None  # when ``table`` is a view: the temp table it reads


def drop_landed(con: duckdb.DuckDBPyConnection, landed: Landed) -> None:
    """Drop the temp tables (and view) of ``landed`` once nothing reads them any more."""
    con.execute(f"DROP {'VIEW' if landed.backing else 'TABLE'} IF EXISTS {landed.table}")
    for name in (landed.backing, landed.rejects_table):
        if name:
            con.execute(f"DROP TABLE IF EXISTS {name}")


def _join_header_rows(rows: list[list[str | None]]) -> list[str | None]:
    """Join several header rows into one label per column: fill merged (blank) top cells to the right,
    then join non-empty, non-repeated parts with '-'."""
    width = max((len(r) for r in rows), default=0)
    filled: list[list[str]] = []
    for depth, row in enumerate(rows):
        cells = [(row[i] if i < len(row) and row[i] is not None else "").strip() for i in range(width)]
        if depth < len(rows) - 1:  # upper rows: a merged cell spans to the right until the next label
            last = ""
            for i, c in enumerate(cells):
                last = c or last
                cells[i] = last
        filled.append(cells)
    labels: list[str | None] = []
    for i in range(width):
        parts: list[str] = []
        for row in filled:
            if row[i] and (not parts or parts[-1] != row[i]):
                parts.append(row[i])
        labels.append("-".join(parts) if parts else None)
    return labels


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _create_rejects_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} (_line BIGINT, raw_text VARCHAR, reason VARCHAR, reason_code VARCHAR)"
    )


def land_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    contract: Contract,
    fp: Fingerprint,
    tmp_dir: Path,
    prefix: str,
    exact_csv: bool = False,
) -> Landed:
    """Land ``path`` per ``contract`` into temp tables named after ``prefix``.

    ``exact_csv`` skips DuckDB's fast CSV reader and lands with Python's ``csv`` module (used when the
    fast reader gave up on a file's bytes with an engine error).

    Raises:
        pipelines.ingest.decode.DecodeError: no candidate encoding fits.
        LandingError: the file has no header or cannot be opened as its format.
    """
    if contract.format == "csv":
        return _land_csv(con, path, contract, fp, tmp_dir, prefix, exact_csv)
    from pipelines.ingest.readers import read_table

    table = read_table(path, contract.format, contract.model_dump())
    return _land_rows(con, table.header, table.rows, getattr(table, "errors", []), contract, prefix,
                      table.encoding, getattr(table, "notes", []), header_line=contract.skip_rows + contract.header_rows)


def _read_header(text_path: Path, contract: Contract, label: str) -> tuple[list[str | None], int]:
    """The header labels (line breaks inside a cell folded, :func:`fold_line_breaks`) and the physical lines
    they end on: ``skip_rows`` title lines plus the lines the ``header_rows`` records took (an Excel Alt+Enter
    in a quoted header cell makes one record span several lines)."""
    skip, n = contract.skip_rows, contract.header_rows
    with text_path.open("r", encoding="utf-8-sig", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        d = contract.dialect
        reader = csv.reader(fh, delimiter=d.delimiter, quotechar=d.quote,
                            doublequote=d.escape == d.quote, escapechar=None if d.escape == d.quote else d.escape)
        rows = [[fold_line_breaks(c) for c in r] for r in itertools.islice(reader, n)]
        lines = reader.line_num
    if len(rows) < n or not any(c.strip() for r in rows for c in r):
        raise LandingError(f"{label}: the file is empty or has no header row (expected {n} header row(s))")
    return (_join_header_rows(rows) if n > 1 else [c for c in rows[0]]), skip + lines


@dataclass
class CsvText:
    """A CSV file ready for ``read_csv``: its UTF-8 text (the file itself, or a transcoded copy), the detected
    encoding, the header labels, the number of physical lines before the first record (``header_line``) and
    the number of records DuckDB's reader skips to get there (``skip_records``: ``skip_rows`` +
    ``header_rows``; fewer than ``header_line`` when a header cell holds a line break)."""

    path: Path
    encoding: str
    labels: list[str | None]
    header_line: int
    skip_records: int

    @property
    def line_shift(self) -> int:
        """Physical line minus DuckDB's ``line`` of a one-line data record (the header's extra lines)."""
        return self.header_line - self.skip_records


def open_csv(path: Path, contract: Contract, tmp_dir: Path, prefix: str, ascii_only: bool = False) -> CsvText:
    """Detect the encoding of ``path`` (strict, over the contract's candidates; ``ascii_only``: the file's
    fingerprint found only ASCII bytes), transcode it to UTF-8 under ``tmp_dir`` when needed, and read its
    header rows.

    Raises:
        pipelines.ingest.decode.DecodeError: no candidate encoding fits.
        LandingError: the file has no header row.
    """
    encoding = detect_encoding(path, contract.encoding, ascii_only)
    text_path = path
    if encoding not in ("utf-8", "utf-8-sig"):
        text_path = transcode_to_utf8(path, encoding, tmp_dir / f"{prefix}.utf8.csv")
    labels, header_line = _read_header(text_path, contract, path.name)
    return CsvText(text_path, encoding, labels, header_line, contract.skip_rows + contract.header_rows)


def read_csv_sql(src: CsvText, contract: Contract, prefix: str, types: dict[int, str] | None = None) -> str:
    """SQL ``read_csv(...)`` of ``src``'s records: columns ``c0..c<n-1>``, VARCHAR unless ``types`` maps
    the position to another DuckDB type; the contract's dialect, no sniffing, strict; records the reader
    cannot read (malformed, or a cell not of its declared type) go to the temp tables ``<prefix>_rj``
    (``line``, ``csv_line``, ``error_message`` ...) and ``<prefix>_rs``, which are dropped first."""
    types = types or {}
    cols = "{" + ", ".join(f"'c{i}': '{types.get(i, 'VARCHAR')}'" for i in range(len(src.labels))) + "}"
    d = contract.dialect
    return (f"""read_csv({_sql_str(src.path.as_posix())},
            header = false, skip = {src.skip_records}, columns = {cols}, delim = {_sql_str(d.delimiter)},
            quote = {_sql_str(d.quote)}, escape = {_sql_str(d.escape)}, auto_detect = false, strict_mode = true,
            null_padding = false, store_rejects = true, rejects_table = '{prefix}_rj', rejects_scan = '{prefix}_rs',
            max_line_size = 2097152, buffer_size = 4194304)""")


def _land_csv(con, path: Path, contract: Contract, fp: Fingerprint, tmp_dir: Path, prefix: str,
              exact: bool = False) -> Landed:
    src = open_csv(path, contract, tmp_dir, prefix, fp.ascii_only)
    labels, header_line, encoding = src.labels, src.header_line, src.encoding
    if exact:
        return _land_csv_python(con, src.path, contract, labels, header_line, prefix, encoding)
    table, rejects = f"{prefix}_landed", f"{prefix}_prejects"
    _create_rejects_table(con, rejects)
    rj = f"{prefix}_rj"
    con.execute(f"DROP TABLE IF EXISTS {rj}; DROP TABLE IF EXISTS {prefix}_rs;")
    # buffer_size bounds the reader's per-thread buffer (default 16x max_line_size = 32 MiB per thread),
    # so a small memory_limit still spills instead of failing (FAILURE_CLASSES.md #23)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_acc AS SELECT * FROM {read_csv_sql(src, contract, prefix)}")
    accepted = con.execute(f"SELECT count(*) FROM {prefix}_acc").fetchone()[0]
    con.execute(
        f"""INSERT INTO {rejects}
            SELECT line + {src.line_shift}, any_value(csv_line),
                   'malformed record: ' || arg_min(error_message, coalesce(column_idx, 0))
                   || CASE WHEN count(DISTINCT error_message) > 1
                           THEN ' (and ' || (count(DISTINCT error_message) - 1) || ' more reader errors on this line)'
                           ELSE '' END,
                   'malformed'
            FROM {rj} GROUP BY line"""  # one readable reason per line: the reader reports a short line once per column
    )
    rejected = con.execute(f"SELECT count(*) FROM {rejects}").fetchone()[0]
    data_lines = fp.lines - header_line
    if accepted + rejected != data_lines:
        # multi-line records or blank lines: line numbers from gaps would be wrong -> exact slow path
        con.execute(f"DROP TABLE {prefix}_acc")
        return _land_csv_python(con, src.path, contract, labels, header_line, prefix, encoding)
    if rejected == 0:
        # every record is one line, in order: number the lines in a view instead of copying the file
        first = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {prefix}_acc").fetchone()[0]
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT rowid + {header_line + 1 - first} AS _line, * "
                    f"FROM {prefix}_acc")
        return Landed(table, rejects, labels, header_line, encoding, backing=f"{prefix}_acc")
    else:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
                WITH free AS (
                    SELECT l, row_number() OVER (ORDER BY l) - 1 AS k
                    FROM range({header_line + 1}, {fp.lines + 1}) t(l)
                    WHERE l NOT IN (SELECT _line FROM {rejects}))
                SELECT free.l AS _line, a.* FROM (SELECT rowid - (SELECT min(rowid) FROM {prefix}_acc) AS k, *
                                                FROM {prefix}_acc) a
                JOIN free USING (k) ORDER BY _line"""
        )
        con.execute(f"ALTER TABLE {table} DROP COLUMN k")
    con.execute(f"DROP TABLE {prefix}_acc")
    return Landed(table, rejects, labels, header_line, encoding)


def _land_csv_python(con, text_path: Path, contract: Contract, labels, header_line: int, prefix: str,
                     encoding: str) -> Landed:
    """Exact-line CSV landing with Python's csv module (multi-line records, blank lines)."""
    d = contract.dialect
    errors: list[tuple[int, str, str]] = []

    def rows():
        with text_path.open("r", encoding="utf-8-sig", newline="") as fh:
            raw_lines: list[str] = []

            class Tap(io.TextIOBase):  # keep the raw text of the current record for rejects
                def __iter__(self):
                    return self

                def __next__(self):
                    line = fh.readline()
                    if not line:
                        raise StopIteration
                    raw_lines.append(line)
                    return line

            for _ in range(header_line):
                fh.readline()
            reader = csv.reader(Tap(), delimiter=d.delimiter, quotechar=d.quote, strict=True,
                                doublequote=d.escape == d.quote,
                                escapechar=None if d.escape == d.quote else d.escape)
            line_no = header_line
            while True:
                raw_lines.clear()
                start = line_no + 1
                try:
                    rec = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    line_no = header_line + reader.line_num
                    errors.append((start, "".join(raw_lines).rstrip("\r\n"), f"malformed record: {exc}"))
                    continue
                line_no = header_line + reader.line_num
                if not rec:
                    continue  # blank line: not a record
                if len(rec) != len(labels):
                    errors.append((start, "".join(raw_lines).rstrip("\r\n"),
                                   f"malformed record: expected {len(labels)} fields, found {len(rec)}"))
                    continue
                yield start, rec

    return _land_rows(con, labels, rows(), errors, contract, prefix, encoding, [], header_line)


def _land_rows(con, labels, rows, errors, contract: Contract, prefix: str, encoding, notes,
               header_line: int) -> Landed:
    """Land (line, cells) rows from a reader into the temp tables; ragged rows become rejects."""
    if not labels or not any(x for x in labels):
        raise LandingError(f"{contract.source}: the file has no header row")
    ncols = len(labels)
    table, rejects = f"{prefix}_landed", f"{prefix}_prejects"
    _create_rejects_table(con, rejects)
    schema = pa.schema([("_line", pa.int64())] + [(f"c{i}", pa.string()) for i in range(ncols)])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} (_line BIGINT, "
        + ", ".join(f"c{i} VARCHAR" for i in range(ncols)) + ")"
    )
    ragged: list[tuple[int, str, str]] = []

    def flush(batch: list[tuple[int, list]]) -> None:
        if not batch:
            return
        arrays = [pa.array([b[0] for b in batch], pa.int64())]
        for i in range(ncols):
            arrays.append(pa.array([b[1][i] for b in batch], pa.string()))
        con.register(f"{prefix}_batch", pa.Table.from_arrays(arrays, schema=schema))
        con.execute(f"INSERT INTO {table} SELECT * FROM {prefix}_batch")
        con.unregister(f"{prefix}_batch")

    batch: list[tuple[int, list]] = []
    for line, cells in rows:
        cells = [None if c is None else str(c) for c in cells]
        if len(cells) > ncols:
            extra = [c for c in cells[ncols:] if c not in (None, "")]
            if extra:
                ragged.append((line, ",".join(c or "" for c in cells),
                               f"malformed record: {len(cells)} cells for {ncols} header columns"))
                continue
            cells = cells[:ncols]
        elif len(cells) < ncols:
            cells = cells + [None] * (ncols - len(cells))
        batch.append((line, cells))
        if len(batch) >= BATCH_ROWS:
            flush(batch)
            batch = []
    flush(batch)
    all_errors = list(errors) + ragged
    if all_errors:
        con.register(f"{prefix}_errs", pa.table({
            "_line": pa.array([e[0] for e in all_errors], pa.int64()),
            "raw_text": pa.array([e[1] for e in all_errors], pa.string()),
            "reason": pa.array([e[2] for e in all_errors], pa.string()),
            "reason_code": pa.array(["malformed"] * len(all_errors), pa.string()),
        }))
        con.execute(f"INSERT INTO {rejects} SELECT * FROM {prefix}_errs")
        con.unregister(f"{prefix}_errs")
    return Landed(table, rejects, list(labels), header_line, encoding, list(notes))
