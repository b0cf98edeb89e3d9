"""Byte-for-byte reproducible writers for the demo files (CSV, XLSX, JSON Lines).

openpyxl stamps the save time into ``docProps/core.xml`` and every zip member; :func:`write_xlsx`
rewrites both with a fixed time so the same workbook gives the same sha256 on every run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

# Fixed document/zip time for every workbook (the demo export instant).
_FIXED_ZIP_TIME = (2026, 11, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2026-10-31T16:00:00Z"


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str) -> None:
    """Write a CSV (comma, double-quote quoting when needed, ``\\r\\n`` line ends) in ``encoding``.

    ``None`` cells become empty fields. Encoding is strict: a character the codec cannot encode
    raises ``UnicodeEncodeError`` naming it (the GBK export must really be GBK).
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding, errors="strict"))


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    """Write one compact JSON object per line (UTF-8, keys in the given order, ``\\n`` line ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")


def write_xlsx(
    path: Path,
    sheet_title: str,
    header_rows: Sequence[Sequence[object]],
    rows: Iterable[Sequence[object]],
    merges: Sequence[str] = (),
    number_formats: dict[int, str] | None = None,
    widths: dict[str, float] | None = None,
) -> None:
    """Write one worksheet: ``header_rows`` (bold), then data ``rows``, then ``merges`` (A1 ranges).

    ``number_formats`` maps a 0-based column index to an Excel number format applied to data cells
    (e.g. dates). Cells holding ``None`` stay empty. The file is made reproducible by
    :func:`_normalise_zip`.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center")
    for r, header in enumerate(header_rows, start=1):
        for c, label in enumerate(header, start=1):
            if label is not None:
                cell = ws.cell(row=r, column=c, value=label)
                cell.font = bold
                cell.alignment = centre
    for rng in merges:
        ws.merge_cells(rng)
    start = len(header_rows) + 1
    formats = number_formats or {}
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            fmt = formats.get(c - 1)
            if fmt:
                cell.number_format = fmt
    for col, width in (widths or {}).items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(row=start, column=1)
    wb.properties.creator = "鲤城区城市管理和综合执法局"
    wb.properties.created = datetime(2026, 10, 31, 16, 0, 0)
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Re-pack an xlsx with fixed member times and fixed created/modified document properties."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)",
                    lambda m: m.group(1) + _FIXED_DOC_TIME + m.group(2),
                    text,
                )
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body, compresslevel=6)
    return out.getvalue()
