"""Read an .xlsx/.xlsm sheet with python-calamine (Rust; fast and light on bloated "used ranges").

calamine keeps only cells holding a value, so a sheet that declares 65k formatted-but-empty rows
(附件2.xlsx) costs no more than its real 496 rows. Merged ranges come from calamine too
(`CalamineSheet.merged_cell_ranges`), so openpyxl is not needed. Cell texts follow `_cells.value_text`:
numbers in a date/time number format arrive as dates (ISO text), plain numbers stay numbers
("42894.7300925926"); error cells (#N/A) and formulas without a cached value read as empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import python_calamine

from ._cells import value_text
from ._grid import Cells, table_from_grid
from ._table import RawTable, ReaderError


def _select_sheet(path: Path, book: "python_calamine.CalamineWorkbook", sheet: object):
    names = list(book.sheet_names)
    if sheet is None:
        sheet = 0
    try:
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise ReaderError(path, f"sheet index {sheet} out of range; sheets: {names}")
            return book.get_sheet_by_index(sheet)
        if isinstance(sheet, str):
            if sheet not in names:
                raise ReaderError(path, f"sheet {sheet!r} not found; sheets: {names}")
            return book.get_sheet_by_name(sheet)
    except python_calamine.CalamineError as exc:
        raise ReaderError(path, f"cannot read sheet {sheet!r}: {exc}") from exc
    raise ReaderError(path, f"option sheet must be an index or a name, got {sheet!r}")


def read_xlsx(path: Path, options: dict) -> RawTable:
    """Read one sheet of an Excel 2007+ workbook into a RawTable (line = Excel row number).

    options: sheet (index or name, default 0), header_rows (default 1), skip_rows (default 0),
    fill_merged_data (default False); see `_grid.table_from_grid` for header rules.
    Raises ReaderError when the file is not a readable workbook (e.g. truncated zip) or the
    sheet/header is missing.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:  # from_filelike sniffs the content; from_path trusts the suffix
            book = python_calamine.CalamineWorkbook.from_filelike(fh)
    except Exception as exc:  # calamine raises several unrelated types (ZipError, XmlError, OSError)
        raise ReaderError(path, f"cannot open as an xlsx workbook: {type(exc).__name__}: {exc}") from exc
    try:
        sheet = _select_sheet(path, book, options.get("sheet", 0))
        first_col = sheet.start[1] if sheet.start else 0
        width = (sheet.end[1] + 1) if sheet.end else 0
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
    except ReaderError:
        book.close()
        raise
    except Exception as exc:
        book.close()
        raise ReaderError(path, f"cannot read sheet: {type(exc).__name__}: {exc}") from exc

    lead: Cells = [None] * first_col

    def rows() -> Iterator[tuple[int, Cells]]:
        if not sheet.end:
            return
        # python-calamine's iter_rows yields `start` row count of empty rows first, so rows are
        # absolute, while columns start at the first used column (hence `lead`).
        for index, values in enumerate(sheet.iter_rows()):
            yield index + 1, lead + [value_text(v) for v in values]

    return table_from_grid(path, rows, width, merged, options, notes=[f"sheet {sheet.name!r}"],
                           on_close=book.close)
