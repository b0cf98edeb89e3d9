"""Open311 reader: one row per request note (lifecycle), real Chicago file and small synthetic ones."""

from __future__ import annotations

import json
from collections import Counter

from pipelines.ingest.readers import read_table
from pipelines.ingest.readers.open311 import NOTE_COLUMNS


def test_chicago_open311_all_requests_with_their_notes(realdata):
    path = realdata / "chicago_open311" / "chicago_open311_requests.json"
    source = json.loads(path.read_text(encoding="utf-8"))
    table = read_table(path, "open311", {})
    rows = list(table.rows)
    col = {name: i for i, name in enumerate(table.header)}
    assert set(NOTE_COLUMNS) <= set(col) and "notes" not in col
    assert {"extended_attributes.channel", "attributes.WHEREIST", "note_summary",
            "note_extended_attributes.service_request_id"} <= set(col)
    ids = [c[col["service_request_id"]] for _, c in rows]
    assert len(set(ids)) == len(source) == 50
    assert len(rows) == sum(max(1, len(r.get("notes", []))) for r in source)
    # note types per request, in order, exactly as in the file
    for index, request in enumerate(source, 1):
        mine = [(c[col["note_index"]], c[col["note_type"]], c[col["note_datetime"]])
                for line, c in rows if line == index]
        assert mine == [(str(j), n["type"], n["datetime"]) for j, n in enumerate(request["notes"], 1)]
    types = Counter(c[col["note_type"]] for _, c in rows)
    assert set(types) == {"opened", "submitted", "activity", "follow_on_created", "follow_on_closed", "closed"}
    assert types["opened"] == 50
    first = rows[0][1]
    assert first[col["lat"]] == "41.74685764200721"  # number text as written
    assert first[col["requested_datetime"]] == "2014-05-09T19:02:21-05:00"
    assert table.errors == []


def test_request_without_notes_and_bad_note(tmp_path):
    data = [
        {"service_request_id": "1", "status": "open", "notes": []},
        {"service_request_id": "2", "status": "closed",
         "notes": [{"type": "opened", "datetime": "2024-01-01T08:00:00+08:00"}, "oops",
                   {"type": "closed", "datetime": "2024-01-02T08:00:00+08:00", "description": "done"}]},
        "not a request",
    ]
    path = tmp_path / "o311.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    table = read_table(path, "open311", {})
    assert table.header == ["service_request_id", "status"] + NOTE_COLUMNS
    assert list(table.rows) == [
        (1, ["1", "open", None, None, None, None]),
        (2, ["2", "closed", "1", "opened", "2024-01-01T08:00:00+08:00", None]),
        (2, ["2", "closed", "3", "closed", "2024-01-02T08:00:00+08:00", "done"]),
    ]
    assert [(line, raw) for line, raw, _ in table.errors] == [(2, '"oops"'), (3, '"not a request"')]
    assert "note 2" in table.errors[0][2]
