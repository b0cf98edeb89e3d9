"""Turn a worksheet (rows of cell texts + merged ranges) into a `RawTable`; shared by xlsx and xls.

Header resolution (docs/internals.md, section Readers):
1. Physical rows 1..`skip_rows` (title rows above the header) are ignored, then leading empty rows.
2. The next `header_rows` rows are the header. A merged range touching those rows has its top-left
   value copied into every cell of the range, then each column's parts are stripped and joined
   top-to-bottom with "-", skipping empty parts and a part equal to the one above it:
   "基本信息" over "街道" -> "基本信息-街道"; a cell merged down both rows -> just its text. A line break
   inside a header cell (Alt+Enter) is folded first (`pipelines.ingest.header.fold_line_breaks`):
   "检查\n时间" -> "检查时间", "unit\n(单位)" -> "unit (单位)".
3. A column without any header text is labelled "Column<N>" (N = 1-based sheet column, Excel's
   own naming). Columns whose label is such a placeholder (blank, or literally "Column<N>" as
   some exports write) and that hold no data in any data row are dropped (noted); columns with a
   real label are always kept, even when empty.
4. Repeated labels get "_2", "_3", ... (noted).
Data rows: every later row; rows whose cells are all empty are skipped (counted in notes).
Merged ranges inside the data are left as Excel stores them (value in the top-left cell only)
unless the option `fill_merged_data: true` copies the value into the whole range.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

from pipelines.ingest.header import fold_line_breaks

from ._table import RawTable, ReaderError

Cells = list[str | None]
RowSource = Callable[[], Iterator[tuple[int, Cells]]]
Merged = tuple[int, int, int, int]  # (first_row, first_col, last_row, last_col), 0-based, inclusive


def _int_option(path: Path, options: dict, key: str, default: int, minimum: int) -> int:
    value = options.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ReaderError(path, f"option {key} must be an integer >= {minimum}, got {value!r}")
    return value


def _is_empty(cells: Cells) -> bool:
    return all(c is None for c in cells)


def _resolve_labels(header: list[Cells], first_row: int, width: int, merged: list[Merged]) -> list[str]:
    """Labels of `width` columns from the header rows (first header row = 0-based sheet row)."""
    grid = [list(r) + [None] * (width - len(r)) for r in header]
    last_row = first_row + len(grid) - 1
    for r1, c1, r2, c2 in merged:
        if not (first_row <= r1 <= last_row) or c1 >= width:
            continue
        value = grid[r1 - first_row][c1]
        for r in range(r1, min(r2, last_row) + 1):
            for c in range(c1, min(c2, width - 1) + 1):
                grid[r - first_row][c] = value
    labels = []
    for c in range(width):
        parts: list[str] = []
        for row in grid:
            part = fold_line_breaks(row[c] or "").strip()
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        labels.append("-".join(parts))
    return labels


def _placeholder(label: str, col: int) -> bool:
    return label == "" or re.fullmatch(rf"(?i)column ?{col + 1}", label) is not None


def _spans(cols: list[int]) -> str:
    """1-based column spans of sorted 0-based indexes: [0, 1, 2, 5] -> "1-3, 6"."""
    parts, first = [], None
    for i, c in enumerate(cols):
        if first is None:
            first = c
        if i + 1 == len(cols) or cols[i + 1] != c + 1:
            parts.append(f"{first + 1}" if first == c else f"{first + 1}-{c + 1}")
            first = None
    return ", ".join(parts)


def table_from_grid(
    path: Path,
    rows: RowSource,
    width: int,
    merged: list[Merged],
    options: dict,
    notes: list[str] | None = None,
    on_close: Callable[[], None] | None = None,
) -> RawTable:
    """Build a RawTable from a sheet.

    rows:   factory returning a fresh iterator of (Excel row number 1-based, cell texts from
            column A) in sheet order; called a second time only when placeholder columns must be
            checked for data.
    width:  number of columns of the sheet's used range counted from column A.
    merged: the sheet's merged ranges. options: header_rows (default 1), skip_rows (default 0),
            fill_merged_data (default False). on_close: called when the rows are exhausted.
    Raises ReaderError when there is no header row or an option is invalid.
    """
    notes = notes if notes is not None else []
    header_rows = _int_option(path, options, "header_rows", 1, 1)
    skip_rows = _int_option(path, options, "skip_rows", 0, 0)
    fill_data = bool(options.get("fill_merged_data", False))

    it = rows()
    header: list[Cells] = []
    header_first = None  # 0-based sheet row of the first header row
    blank_before = 0
    for row_no, cells in it:
        if row_no <= skip_rows:
            continue
        if not header and _is_empty(cells):
            blank_before += 1
            continue
        if header_first is None:
            header_first = row_no - 1
        header.append(cells)
        if len(header) == header_rows:
            break
    if len(header) < header_rows:
        if on_close:
            on_close()
        raise ReaderError(path, f"sheet has no header: expected {header_rows} header row(s) after skipping "
                          f"{skip_rows} row(s), found {len(header)}")
    assert header_first is not None
    if blank_before:
        notes.append(f"skipped {blank_before} empty row(s) above the header")
    header_last = header_first + header_rows - 1  # 0-based
    width = max([width] + [len(r) for r in header])
    labels = _resolve_labels(header, header_first, width, merged)
    has_text = [label != "" for label in labels]

    placeholders = [c for c in range(width) if _placeholder(labels[c], c)]
    keep_cols = list(range(width))
    if placeholders:
        unseen = set(placeholders)
        for _, cells in it:
            found = [c for c in unseen if c < len(cells) and cells[c] is not None]
            unseen.difference_update(found)
            if not unseen:
                break
        if unseen:
            keep_cols = [c for c in range(width) if c not in unseen]
            dropped = sorted(unseen)
            notes.append(f"dropped {len(dropped)} column(s) without header text or data "
                         f"(sheet columns {_spans(dropped)}, e.g. {labels[dropped[0]] or 'blank'!r})")
        it = (item for item in rows() if item[0] - 1 > header_last)
    labels = [labels[c] or f"Column{c + 1}" for c in keep_cols]
    for c, label in zip(keep_cols, labels):
        if label == f"Column{c + 1}" and not has_text[c]:
            notes.append(f"column {c + 1} has no header text; labelled {label!r}")
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        if label in seen:
            seen[label] += 1
            labels[i] = f"{label}_{seen[label]}"
            notes.append(f"header label {label!r} repeats; column {keep_cols[i] + 1} labelled {labels[i]!r}")
        else:
            seen[label] = 1

    data_merges = [m for m in merged if m[0] > header_last and m[1] < width]
    if data_merges and not fill_data:
        notes.append(f"{len(data_merges)} merged range(s) in the data rows were not filled "
                     "(value only in the top-left cell; set fill_merged_data: true to fill)")

    def generate() -> Iterator[tuple[int, Cells]]:
        empty = 0
        pending: dict[tuple[int, int], str | None] = {}
        starts = {(m[0], m[1]): m for m in data_merges} if fill_data else {}
        try:
            for row_no, cells in it:
                r = row_no - 1
                if r <= header_last:
                    continue
                cells = list(cells[:width]) + [None] * (width - len(cells))
                if starts:
                    for c in range(width):
                        m = starts.get((r, c))
                        if m is not None:
                            for rr in range(m[0], m[2] + 1):
                                for cc in range(m[1], min(m[3], width - 1) + 1):
                                    if (rr, cc) != (r, c):
                                        pending[(rr, cc)] = cells[c]
                    for c in range(width):
                        if (r, c) in pending:
                            value = pending.pop((r, c))
                            if cells[c] is None:
                                cells[c] = value
                out = [cells[c] for c in keep_cols]
                if _is_empty(out):
                    empty += 1
                    continue
                yield row_no, out
        finally:
            if empty:
                notes.append(f"skipped {empty} empty row(s) inside the data")
            if on_close:
                on_close()

    return RawTable(header=labels, rows=generate(), encoding=None, notes=notes, line_unit="excel_row")
