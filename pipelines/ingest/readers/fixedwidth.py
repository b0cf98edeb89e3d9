"""Read a fixed-width text file (mainframe, 银行 and 政务 layouts) into a RawTable.

The layout is the contract's `fixed_width` block (`pipelines.ingest.contract.FixedWidth`): header label ->
[start, end], 1-based inclusive positions, in characters of the decoded text (`units: characters`, the
default) or in bytes of the file's encoding (`units: bytes`, for layouts that count a GBK Chinese
character as two positions). The header labels are the layout's keys, in declared order.

Lines are physical lines ending in "\\n" (a "\\r" before it is dropped), numbered from 1 like the file's
fingerprint; line_unit "physical_line". The first `skip_rows` + `header_rows` lines are not data (their
text is not read). Every later line is exactly one of:
- blank (empty or only spaces/tabs): skipped, not a row (counted in notes);
- malformed, in RawTable.errors with its raw text and the reason: shorter than the start of the last
  span ("line has N characters, the layout needs at least M"), text after the last span unless
  `allow_extra: true`, or (units: bytes) a span that cuts a multi-byte character;
- a row: one cell per span, the span's text as is (a span past the end of a line gives ""); the typing
  code trims cells as it trims CSV cells.
Encoding: BOM first, else options["encoding"] candidates strictly in order (`_encoding`); a file no
candidate decodes is refused whole (ReaderError with byte offset and line), as a CSV file is.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError

from pipelines.ingest.contract import FixedWidth
from pipelines.ingest.decode import ASCII_SAFE

from ._encoding import stream_encoding
from ._table import RawTable, ReaderError, RecordError, clip


def _layout(path: Path, options: dict) -> FixedWidth:
    """The validated `fixed_width` option; ReaderError when it is missing or invalid."""
    raw = options.get("fixed_width")
    if raw is None:
        raise ReaderError(path, "format fixed_width needs the option fixed_width: {columns: {label: [start, end]}}")
    try:
        return raw if isinstance(raw, FixedWidth) else FixedWidth.model_validate(raw)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'fixed_width'}: {e['msg']}" for e in exc.errors())
        raise ReaderError(path, f"invalid fixed_width option: {reasons}") from None


def _count(path: Path, options: dict, key: str, default: int) -> int:
    value = options.get(key, default)
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReaderError(path, f"option {key} must be an integer >= 0, got {value!r}")
    return value


def _decode_cells(cells: list, labels: list[str], spans: list[tuple[int, int]],
                  codec: str) -> tuple[list[str | None], str | None]:
    """Decode byte cells strictly: (texts, None), or ([], reason) naming the span that cuts a character."""
    out: list[str | None] = []
    for cell, label, (a, b) in zip(cells, labels, spans):
        try:
            out.append(cell.decode(codec, errors="strict"))
        except UnicodeDecodeError:
            return [], (f"the span of {label!r} [{a + 1}, {b}] cuts a multi-byte {codec} character: "
                        "check the layout's byte positions")
    return out, None


def read_fixed_width(path: Path, options: dict) -> RawTable:
    """Read `path` by the layout in options["fixed_width"] in one streaming pass (constant memory).

    options: fixed_width (required; see module docstring), header_rows (default 1), skip_rows (default 0),
    encoding (candidates). Malformed lines are appended to RawTable.errors and blank lines counted in
    RawTable.notes while `rows` is consumed: read them afterwards.
    Raises ReaderError for a missing/invalid layout or option, a file no candidate encoding decodes, a
    file with fewer lines than skip_rows + header_rows, or units: bytes with an encoding whose ASCII
    characters are not single bytes (UTF-16/32).
    """
    path = Path(path)
    layout = _layout(path, options)
    before = _count(path, options, "skip_rows", 0) + _count(path, options, "header_rows", 1)
    try:
        encoding = stream_encoding(path, options)
    except OSError as exc:
        raise ReaderError(path, f"cannot read file: {exc}") from exc
    in_bytes = layout.units == "bytes"
    byte_codec = codecs.lookup(encoding).name
    if in_bytes and byte_codec not in ASCII_SAFE:
        raise ReaderError(path, f"units: bytes needs an encoding with one byte per ASCII character; the file is "
                          f"{encoding}: declare the spans in characters")
    if byte_codec == "utf-8-sig":
        byte_codec = "utf-8"  # the BOM is not part of the first line's positions
    labels = list(layout.columns)
    spans = [(start - 1, end) for start, end in layout.columns.values()]  # 0-based slice bounds
    need = max(start for start, _ in layout.columns.values())
    last_end = max(end for _, end in layout.columns.values())
    unit = "bytes" if in_bytes else "characters"
    errors: list[RecordError] = []
    notes: list[str] = []  # reported as ledger warnings: only what an operator should look at

    def reason(line: str | bytes) -> str | None:
        """Why a non-blank line is malformed, or None."""
        if len(line) < need:
            return f"line has {len(line)} {unit}, the layout needs at least {need}"
        extra = line[last_end:]
        if extra.strip() and not layout.allow_extra:
            shown = extra.decode(byte_codec, errors="backslashreplace") if in_bytes else extra
            return (f"line has {len(line)} {unit}, the layout ends at {last_end}: text after it "
                    f"({shown.strip()[:40]!r}); set fixed_width.allow_extra: true to ignore it")
        return None

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        blank = 0
        lineno = 0
        try:
            with open(path, encoding=encoding, errors="strict", newline="\n") as fh:
                for lineno, text in enumerate(fh, 1):
                    if lineno <= before:
                        continue
                    text = text.removesuffix("\n").removesuffix("\r")
                    if not text.strip(" \t"):
                        blank += 1
                        continue
                    line: str | bytes = text.encode(byte_codec) if in_bytes else text
                    why = reason(line)
                    cells = [] if why else [line[a:b] for a, b in spans]
                    if in_bytes and not why:
                        cells, why = _decode_cells(cells, labels, spans, byte_codec)
                    if why:
                        errors.append((lineno, clip(text), f"malformed record: {why}"))
                        continue
                    yield lineno, cells
        finally:
            if blank:
                notes.append(f"skipped {blank} blank line(s)")
        if lineno < before:
            raise ReaderError(path, f"the file has {lineno} line(s), fewer than skip_rows + header_rows = {before}")

    return RawTable(header=labels, rows=rows(), encoding=encoding, notes=notes, errors=errors,
                    line_unit="physical_line")
