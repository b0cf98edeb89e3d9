"""Read an Open311 GeoReport v2 service-request response (with extensions=true notes) as note rows.

Shape: one row per NOTE of each request, so the request lifecycle (opened, activity,
follow_on_created, follow_on_closed, closed ...) can become events; a request without notes
gives one row whose note columns are empty.
Columns: the request's flattened fields in first-seen order (everything except "notes", e.g.
service_request_id, requested_datetime, lat, long, attributes.WHEREIST, extended_attributes.channel),
then note_index (1-based position in the request's notes, as text), note_type, note_datetime,
note_description, then every other note key prefixed "note_" (note_summary,
note_extended_attributes.service_request_id, ...).
Line = 1-based index of the request in the array (line_unit "record_index"); all rows of one
request share it. Records that are not objects, and notes that are not objects, go to errors.
Options: records_path (if the array is wrapped in an object), encoding (as for json).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from . import _jsonparse as jp
from ._encoding import decode_bytes
from ._table import RawTable, ReaderError, RecordError, clip

NOTE_COLUMNS = ["note_index", "note_type", "note_datetime", "note_description"]


def read_open311(path: Path, options: dict) -> RawTable:
    """Read an Open311 JSON array of requests into note rows (see module docstring).

    Raises ReaderError for an undecodable file or a document without a records array.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReaderError(path, f"cannot read file: {exc}") from exc
    doc, encoding = decode_bytes(path, data, options)
    del data
    errors: list[RecordError] = []
    requests: list[tuple[int, dict, list[dict]]] = []
    request_keys: dict[str, None] = {}
    note_keys: dict[str, None] = dict.fromkeys(NOTE_COLUMNS)
    without_notes = 0
    for index, value in jp.iter_records(path, doc, options.get("records_path"), errors):
        if not isinstance(value, dict):
            errors.append((index, clip(jp.dump(value)), f"request {index} is a JSON {jp.kind(value)}, not an object"))
            continue
        raw_notes = value.pop("notes", None)
        flat = jp.flatten(value)
        request_keys.update(dict.fromkeys(flat))
        label = flat.get("service_request_id") or f"#{index}"
        notes: list[dict] = []
        if isinstance(raw_notes, list):
            for j, note in enumerate(raw_notes, 1):
                if isinstance(note, dict):
                    fn = {"note_index": str(j)}
                    fn.update(jp.flatten(note, "note_"))
                    note_keys.update(dict.fromkeys(fn))
                    notes.append(fn)
                else:
                    errors.append((index, clip(jp.dump(note)),
                                   f"request {label}: note {j} is a JSON {jp.kind(note)}, not an object"))
        elif raw_notes is not None:
            errors.append((index, clip(jp.dump(raw_notes)),
                           f"request {label}: notes is a JSON {jp.kind(raw_notes)}, not an array"))
        if not notes:
            without_notes += 1
        requests.append((index, flat, notes))
    clash = [k for k in note_keys if k in request_keys]
    if clash:
        raise ReaderError(path, f"request fields clash with note columns: {clash}")
    header = list(request_keys) + list(note_keys)
    table_notes = ["one row per request note; line numbers are 1-based request indexes in the array",
                   f"{len(requests)} request(s), {without_notes} without notes (one row each)"]

    def rows() -> Iterator[tuple[int, list[str | None]]]:
        req_cols = list(request_keys)
        note_cols = list(note_keys)
        for index, flat, notes in requests:
            base = [flat.get(k) for k in req_cols]
            for note in notes or [{}]:
                yield index, base + [note.get(k) for k in note_cols]

    return RawTable(header=header, rows=rows(), encoding=encoding, notes=table_notes, errors=errors,
                    line_unit="record_index")
