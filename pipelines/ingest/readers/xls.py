"""Read a legacy Excel 97-2003 (BIFF) .xls sheet with xlrd.

Same header/row rules as xlsx (`_grid`). Cell texts: text as stored; numbers as in `_cells.number_text`
("1", "88", "0.5"); date-formatted numbers converted with the workbook's datemode to "YYYY-MM-DD"
(whole days), "YYYY-MM-DD HH:MM:SS" or "HH:MM:SS" (fraction of a day only); booleans "true"/"false";
error cells (#N/A ...) read as empty and counted in notes. A file that is really an xlsx (zip) is
read by the xlsx reader (noted); an HTML page saved as .xls is rejected with a clear ReaderError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import xlrd

from ._cells import datetime_text, number_text, time_text
from ._grid import Cells, table_from_grid
from ._table import RawTable, ReaderError
from .xlsx import read_xlsx


_EMPTY = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)


def _cell_text(cell: "xlrd.sheet.Cell", datemode: int, counters: dict, where: tuple[int, int]) -> str | None:
    """Text of one xlrd cell; error cells and out-of-range dates are recorded in `counters`."""
    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_TEXT:
        return cell.value if cell.value != "" else None
    if kind == xlrd.XL_CELL_NUMBER:
        return number_text(cell.value)
    if kind == xlrd.XL_CELL_DATE:
        value = cell.value
        try:
            moment = xlrd.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            counters.setdefault("bad_dates", set()).add(where)
            return number_text(value)
        if 0 <= value < 1:
            return time_text(moment.time())
        if float(value).is_integer():
            return moment.date().isoformat()
        return datetime_text(moment)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "true" if cell.value else "false"
    if kind == xlrd.XL_CELL_ERROR:
        counters.setdefault("errors", set()).add(where)
        return None
    return str(cell.value)


def read_xls(path: Path, options: dict) -> RawTable:
    """Read one sheet of a BIFF .xls workbook into a RawTable (line = Excel row number).

    options: sheet (index or name, default 0), header_rows (default 1), skip_rows (default 0:
    physical rows above the header to ignore, e.g. title rows), fill_merged_data (default False).
    Raises ReaderError when the file is not a readable .xls or the sheet/header is missing.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK\x03\x04"):  # an .xlsx saved with an .xls name (common in exports)
        table = read_xlsx(path, options)
        table.notes.insert(0, "file is an xlsx (zip) workbook despite format xls; read as xlsx")
        return table
    if magic.lstrip().lower().startswith((b"<", b"\xef\xbb\xbf<")):
        raise ReaderError(path, "file is HTML/XML text, not a binary .xls workbook (an 'Excel' export "
                          "that is really a web page); convert it or use another format")
    try:
        try:
            book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        except NotImplementedError:  # formatting_info unsupported for this BIFF version
            book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:
        raise ReaderError(path, f"cannot open as an .xls workbook: {type(exc).__name__}: {exc}") from exc
    names = book.sheet_names()
    sheet_opt = options.get("sheet", 0)
    sheet_opt = 0 if sheet_opt is None else sheet_opt
    try:
        if isinstance(sheet_opt, int) and not isinstance(sheet_opt, bool):
            if not 0 <= sheet_opt < len(names):
                raise ReaderError(path, f"sheet index {sheet_opt} out of range; sheets: {names}")
            sheet = book.sheet_by_index(sheet_opt)
        elif isinstance(sheet_opt, str):
            if sheet_opt not in names:
                raise ReaderError(path, f"sheet {sheet_opt!r} not found; sheets: {names}")
            sheet = book.sheet_by_name(sheet_opt)
        else:
            raise ReaderError(path, f"option sheet must be an index or a name, got {sheet_opt!r}")
    except ReaderError:
        book.release_resources()
        raise
    except Exception as exc:
        book.release_resources()
        raise ReaderError(path, f"cannot read sheet {sheet_opt!r}: {type(exc).__name__}: {exc}") from exc

    merged = [(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in getattr(sheet, "merged_cells", [])]
    notes = [f"sheet {sheet.name!r}"]
    counters: dict = {}

    def rows() -> Iterator[tuple[int, Cells]]:
        for r in range(sheet.nrows):
            types = sheet.row_types(r)
            end = len(types)
            while end and types[end - 1] in _EMPTY:  # many exports pad rows with blank cells
                end -= 1
            yield r + 1, [_cell_text(sheet.cell(r, i), book.datemode, counters, (r, i)) for i in range(end)]

    def close() -> None:
        if counters.get("errors"):
            notes.append(f"{len(counters['errors'])} error cell(s) (#N/A, #DIV/0! ...) read as empty")
        if counters.get("bad_dates"):
            notes.append(f"{len(counters['bad_dates'])} date cell(s) out of range kept as serial numbers")
        book.release_resources()

    return table_from_grid(path, rows, sheet.ncols, merged, options, notes=notes, on_close=close)
