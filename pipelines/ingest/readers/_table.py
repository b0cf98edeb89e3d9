"""The value every reader returns (`RawTable`) and the error it raises for unreadable files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

Row = tuple[int, list[str | None]]
"""(source line, cell texts aligned with `RawTable.header`; None = empty cell / absent key)."""

RecordError = tuple[int, str, str]
"""(source line, raw text of the record (at most 10,000 chars), reason)."""


@dataclass
class RawTable:
    """A non-CSV file turned into text rows (docs/internals.md, section Readers).

    header:    resolved column labels, unique within the table.
    rows:      lazy iterator of (source line, cells); cells are `str` or None, one per header label.
               It can be consumed once.
    encoding:  the text encoding that decoded the file (json/jsonl/open311), None for workbooks.
    notes:     human-readable remarks (skipped empty rows, dropped placeholder columns, ...).
               Workbook readers append some notes while `rows` is consumed: read them afterwards.
    errors:    records that could not be read, as (line, raw_text, reason). Rows and errors together
               cover every record of the file. JSON readers fill this list before returning;
               workbook readers may append while `rows` is consumed.
    line_unit: what the line numbers count: "excel_row" (1-based sheet row), "physical_line"
               (1-based line of the text file), "record_index" (1-based position in the JSON array;
               0 in `errors` = the file as a whole).
    """

    header: list[str]
    rows: Iterator[Row]
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    line_unit: str = "physical_line"


class ReaderError(ValueError):
    """A file that cannot be read at all (cannot be opened, no header, bad options, undecodable).

    The message names the file, the line when known, and the reason.
    """

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {reason}")


MAX_RAW_TEXT = 10_000


def clip(text: str) -> str:
    """Shorten raw record text kept in `RawTable.errors` to MAX_RAW_TEXT characters."""
    return text if len(text) <= MAX_RAW_TEXT else text[:MAX_RAW_TEXT] + "…[truncated]"
