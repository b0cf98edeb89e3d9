"""Read JSON (an array of records) and JSON Lines (one object per line) into a RawTable.

Header = union of the flattened keys of all records in first-seen order ("a.b" for nested
objects, lists as JSON text; see `_jsonparse`). Records that cannot be read go to RawTable.errors.
- json:  line = 1-based record index in the array (line_unit "record_index"); a truncated file
         yields every complete record before the break plus one error.
- jsonl: line = physical line (line_unit "physical_line"); blank lines are skipped; a line that is
         not valid JSON or not an object becomes an error (line, raw line text, reason).
Encoding: BOM first, else options["encoding"] candidates strictly in order (`_encoding`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from . import _jsonparse as jp
from ._encoding import decode_bytes, stream_encoding
from ._table import RawTable, ReaderError, RecordError, clip


def read_json(path: Path, options: dict) -> RawTable:
    """Read a JSON document whose records are the top-level array or the array at records_path.

    All records are parsed and flattened once and kept in memory (the document is in memory anyway).
    Raises ReaderError for an undecodable file or a document that has no records array.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReaderError(path, f"cannot read file: {exc}") from exc
    doc, encoding = decode_bytes(path, data, options)
    del data
    errors: list[RecordError] = []
    records: list[tuple[int, dict]] = []
    keys: dict[str, None] = {}
    for index, value in jp.iter_records(path, doc, options.get("records_path"), errors):
        if not isinstance(value, dict):
            errors.append((index, clip(jp.dump(value)), f"record {index} is a JSON {jp.kind(value)}, not an object"))
            continue
        flat = jp.flatten(value)
        keys.update(dict.fromkeys(flat))
        records.append((index, flat))
    header = list(keys)
    notes = ["line numbers are 1-based record indexes in the JSON array"]

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        for index, flat in records:
            yield index, [flat.get(k) for k in header]

    return RawTable(header=header, rows=rows(), encoding=encoding, notes=notes, errors=errors,
                    line_unit="record_index")


def _parse_line(line: str) -> tuple[dict | None, str | None]:
    """(object, None) for a good line, (None, reason) for a bad one, (None, None) for a blank one."""
    body = line.strip(" \t\r\n")
    if not body:
        return None, None
    try:
        value = jp.DECODER.decode(body)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(value, dict):
        return None, f"line holds a JSON {jp.kind(value)}, not an object"
    return value, None


def read_jsonl(path: Path, options: dict) -> RawTable:
    """Read a JSON Lines file in two streaming passes (keys + errors, then rows); memory stays small.

    Raises ReaderError when the file cannot be opened or decoded with any candidate encoding.
    """
    path = Path(path)
    try:
        encoding = stream_encoding(path, options)
    except OSError as exc:
        raise ReaderError(path, f"cannot read file: {exc}") from exc
    errors: list[RecordError] = []
    keys: dict[str, None] = {}
    blank = 0
    with open(path, encoding=encoding, errors="strict", newline="") as fh:
        for lineno, line in enumerate(fh, 1):
            value, reason = _parse_line(line)
            if reason:
                errors.append((lineno, clip(line.rstrip("\r\n")), reason))
            elif value is None:
                blank += 1
            else:
                keys.update(dict.fromkeys(jp.flatten(value)))
    header = list(keys)
    notes = ["line numbers are physical lines of the file"]
    if blank:
        notes.append(f"skipped {blank} blank line(s)")

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        with open(path, encoding=encoding, errors="strict", newline="") as fh:
            for lineno, line in enumerate(fh, 1):
                value, _ = _parse_line(line)
                if value is not None:
                    flat = jp.flatten(value)
                    yield lineno, [flat.get(k) for k in header]

    return RawTable(header=header, rows=rows(), encoding=encoding, notes=notes, errors=errors,
                    line_unit="physical_line")
