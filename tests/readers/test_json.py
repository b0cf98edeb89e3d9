"""json / jsonl readers: flattening, broken and truncated records, strict encodings."""

from __future__ import annotations

import json

import pytest

from pipelines.ingest.readers import ReaderError, read_table

RECORDS = [
    {"id": "C-1", "time": "2024-01-02 08:00:00", "score": 87.0, "geo": {"lat": 39.9, "street": "东城街道"}},
    {"id": "C-2", "tags": ["噪音", "夜间"], "closed": True, "geo": {"lat": 40}, "note": None},
]


def test_json_array_flattened_with_exact_number_text(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(RECORDS, ensure_ascii=False), encoding="utf-8")
    table = read_table(path, "json", {})
    assert table.header == ["id", "time", "score", "geo.lat", "geo.street", "tags", "closed", "note"]
    assert list(table.rows) == [
        (1, ["C-1", "2024-01-02 08:00:00", "87.0", "39.9", "东城街道", None, None, None]),
        (2, ["C-2", None, None, "40", None, '["噪音","夜间"]', "true", None]),
    ]
    assert table.encoding == "utf-8" and table.line_unit == "record_index"
    assert table.errors == []


def test_records_path_and_not_an_array(tmp_path):
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"meta": {"n": 2}, "data": {"items": RECORDS}}), encoding="utf-8")
    table = read_table(path, "json", {"records_path": "data.items"})
    assert [line for line, _ in table.rows] == [1, 2]
    with pytest.raises(ReaderError, match="wrapped.json.*not an array.*'meta', 'data'"):
        read_table(path, "json", {})
    with pytest.raises(ReaderError, match="'nope' not found"):
        read_table(path, "json", {"records_path": "data.nope"})


def test_truncated_json_keeps_complete_records_and_reports_the_break(tmp_path):
    text = json.dumps(RECORDS + [{"id": "C-3", "geo": {"lat": 41}}], ensure_ascii=False, indent=1)
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"C-3"') + 3], encoding="utf-8")  # cut inside record 3
    table = read_table(path, "json", {})
    assert [c[0] for _, c in table.rows] == ["C-1", "C-2"]
    assert len(table.errors) == 1
    line, raw, reason = table.errors[0]
    assert line == 3 and raw.lstrip().startswith("{") and "truncated" in reason


def test_utf8_bom_json_wins_over_candidates(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"街道": "东城"}], ensure_ascii=False).encode("utf-8"))
    # candidates without utf-8-sig: the BOM still decides, so the first key is not "\ufeff街道"
    table = read_table(path, "json", {"encoding": ["gb18030", "utf-8"]})
    assert table.encoding == "utf-8-sig"
    assert table.header == ["街道"]
    assert list(table.rows) == [(1, ["东城"])]


def test_jsonl_broken_line_blank_line_and_non_object(tmp_path):
    lines = [json.dumps(RECORDS[0], ensure_ascii=False), "", '{"id": "C-2", "geo": {"lat": 40',
             "[1, 2]", json.dumps({"id": "C-4", "extra": 1})]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_table(path, "jsonl", {})
    rows = list(table.rows)
    assert table.header == ["id", "time", "score", "geo.lat", "geo.street", "extra"]
    assert [(line, c[0]) for line, c in rows] == [(1, "C-1"), (5, "C-4")]
    assert rows[1][1] == ["C-4", None, None, None, None, "1"]
    assert [(line, raw) for line, raw, _ in table.errors] == [(3, lines[2]), (4, "[1, 2]")]
    assert "invalid JSON" in table.errors[0][2] and "not an object" in table.errors[1][2]
    assert any("1 blank line" in n for n in table.notes)


def test_gb18030_jsonl_detected_strictly(tmp_path):
    path = tmp_path / "gbk.jsonl"
    body = '{"事件": "占道经营", "街道": "东城街道"}\r\n{"事件": "噪音扰民", "街道": "西城街道"}\r\n'
    path.write_bytes(body.encode("gb18030"))
    table = read_table(path, "jsonl", {})  # default candidates: utf-8-sig, utf-8 fail; gb18030 decodes
    assert table.encoding == "gb18030"
    assert list(table.rows) == [(1, ["占道经营", "东城街道"]), (2, ["噪音扰民", "西城街道"])]
    with pytest.raises(ReaderError, match="gbk.jsonl.*decodes under none.*utf-8: invalid byte at offset"):
        read_table(path, "jsonl", {"encoding": ["utf-8"]})


def test_read_table_rejects_unknown_and_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with pytest.raises(ReaderError, match="DuckDB"):
        read_table(path, "csv", {})
    with pytest.raises(ReaderError, match="unknown format"):
        read_table(path, "parquet", {})
    with pytest.raises(ReaderError, match="file not found"):
        read_table(tmp_path / "missing.json", "json", {})
