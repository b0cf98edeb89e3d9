"""File-format readers: non-CSV raw exports -> `RawTable` (docs/internals.md, section Readers).

    from pipelines.ingest.readers import read_table, RawTable, ReaderError
    table = read_table(path, "xlsx", {"header_rows": 2, "sheet": 0})
    for line, cells in table.rows: ...      # then look at table.errors / table.notes

Formats: xlsx (python-calamine), xls (xlrd), json, jsonl, open311 (note rows), fixed_width (column spans). CSV is not read
here: it is landed by DuckDB `read_csv`. Options are the contract's keys; unknown keys are ignored:
  header_rows (int, default 1), skip_rows (int, default 0; rows above the header),
  sheet (index or name, default 0), fill_merged_data (bool, default False)   -- xlsx/xls
  records_path (dotted path to the records array, default top-level array) -- json/open311
  fixed_width ({columns: {label: [start, end]}, units, allow_extra}; header_rows/skip_rows >= 0) -- fixed_width
  encoding (list of candidates, default utf-8-sig, utf-8, gb18030, utf-16)  -- json/jsonl/open311/fixed_width
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ._table import RawTable, ReaderError, RecordError, Row
from .fixedwidth import read_fixed_width
from .jsonfile import read_json, read_jsonl
from .open311 import read_open311
from .xls import read_xls
from .xlsx import read_xlsx

READERS: dict[str, Callable[[Path, dict], RawTable]] = {
    "xlsx": read_xlsx,
    "xls": read_xls,
    "json": read_json,
    "jsonl": read_jsonl,
    "open311": read_open311,
    "fixed_width": read_fixed_width,
}
"""Contract `format:` value -> reader function."""

FORMATS = frozenset(READERS)


def read_table(path: Path, fmt: str, options: dict | None = None) -> RawTable:
    """Read `path` in format `fmt` (one of FORMATS) with contract `options`.

    Returns a RawTable whose `rows` iterator yields (source line, cell texts). Raises ReaderError
    (message: file, line when known, reason) for an unknown format, a missing/unreadable file,
    bad options, or a file that cannot be read at all. Record-level problems go to RawTable.errors.
    """
    path = Path(path)
    key = (fmt or "").lower()
    if key == "csv":
        raise ReaderError(path, "format csv has no reader: CSV is landed by DuckDB read_csv")
    reader = READERS.get(key)
    if reader is None:
        raise ReaderError(path, f"unknown format {fmt!r}; readers exist for {sorted(READERS)}")
    if not path.is_file():
        raise ReaderError(path, "file not found")
    return reader(path, dict(options or {}))


__all__ = ["FORMATS", "READERS", "RawTable", "ReaderError", "RecordError", "Row", "read_table"]
