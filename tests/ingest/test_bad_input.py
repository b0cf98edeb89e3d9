"""Bad input, one test per ingestion failure class of FAILURE_CLASSES.md (8, 10, 11, 12, 18, 19, 23)
plus truncated, empty and header-only files. Each input is a small file written here; the contract is a
small test contract in a temporary contracts folder (CSW_CONTRACTS_DIR)."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone

import openpyxl
import pytest

from tests.ingest.helpers import ingest_all, rejects, write

CONTRACT = """
source: t_{name}
source_system: t
kind: complaints
match: ["{name}/*"]
format: {fmt}
header_rows: {header_rows}
timezone: Asia/Shanghai
columns:
  case_id:     {{aliases: [工单编号, CaseID], required: true}}
  received_at: {{aliases: [受理时间, Received], type: timestamp, formats: ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y", "%Y年%m月%d日", yyyymmdd, excel_serial], required: true}}
  street:      {{aliases: [所属街道, Street]}}
  amount:      {{aliases: [金额, Amount], type: float}}
key: [case_id]
events:
  - type: complaint_received
    aggregate: {{type: complaint, id: case_id}}
    occurred_at: received_at
    fields: {{street: street, amount: amount}}
"""


@pytest.fixture
def env(tmp_path, monkeypatch, store):
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))
    raw = tmp_path / "raw"

    def contract(name, fmt="csv", header_rows=1):
        write(contracts / f"{name}.yaml", CONTRACT.format(name=name, fmt=fmt, header_rows=header_rows))

    return store, raw, contract


def _one(results):
    assert len(results) == 1
    return next(iter(results.values()))


def test_gbk_file_is_decoded_strictly_and_encoding_recorded(env):  # class 8
    con, raw, contract = env
    contract("gbk")
    write(raw / "gbk/a.csv", "工单编号,受理时间,所属街道\nA1,2026-03-08 09:00:00,鲤中街道\n", encoding="gbk")
    r = _one(ingest_all(con, raw))
    assert (r.status, r.encoding, r.rows_loaded) == ("loaded", "gb18030", 1)
    assert con.execute("SELECT street FROM events.events").fetchone()[0] == "鲤中街道"


def test_undecodable_file_is_rejected_with_byte_offset(env):  # class 8
    con, raw, contract = env
    contract("bad")
    write(raw / "bad/a.csv", b"CaseID,Received\nA1,2026-03-08\n\xff\xfe\xfa\n")
    r = _one(ingest_all(con, raw))
    assert r.status == "rejected_file"
    assert "utf-8: invalid byte at offset 30, line 3; gb18030: invalid byte at offset 30, line 3" in r.error
    assert "a.csv" in r.error


@pytest.mark.parametrize("tail, utf8_bad, gb18030_bad", [
    (b"\xe4\xb8\xad" + b"x" * 10, None, None),  # a character cut by the chunk boundary, then ASCII
    (b"\xe4" + b"x" * 10, 0, None),               # a lone UTF-8 lead byte, then ASCII (in GB18030 a pair)
    (b"x" * 10 + b"\xff", 10, 10),                # ASCII chunks before an invalid byte
])
def test_strict_decoding_across_ascii_chunks(tmp_path, tail, utf8_bad, gb18030_bad):  # class 8
    """Pure-ASCII chunks are checked by ``isascii`` instead of being decoded; a character cut by the chunk
    boundary, or an invalid byte after such chunks, is still found at its byte offset."""
    from pipelines.ingest.decode import CHUNK, _decodes
    head = b"a,b\n" + b"y" * (CHUNK - 5)  # CHUNK - 1 bytes: the tail's first byte ends the first chunk
    path = write(tmp_path / "f.csv", head + tail + b"\n" + b"z" * (2 * CHUNK))
    at = lambda bad: None if bad is None else CHUNK - 1 + bad  # noqa: E731
    assert (_decodes(path, "utf-8"), _decodes(path, "gb18030")) == (at(utf8_bad), at(gb18030_bad))


def test_undecodable_json_lines_file_counts_its_rows_as_rejected(env):  # class 8, 12
    """A JSON-lines file refused whole still accounts for its rows: rows_in_file = rows_rejected = its lines."""
    con, raw, contract = env
    contract("jl", fmt="jsonl", header_rows=0)
    lines = [f'{{"CaseID": "A{i}", "Received": "2026-03-08", "Street": "鲤中街道"}}' for i in range(20)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    write(raw / "jl/a.jsonl", data.replace(b"A7", b"A\xff7"))  # one byte no candidate decodes
    r = _one(ingest_all(con, raw))
    assert r.status == "rejected_file"
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (20, 0, 20)
    assert r.error.count("a.jsonl") == 1 and "line 8" in r.error  # the file named once, the bad line given


def test_workbook_saved_under_a_text_extension_is_named(env):
    """An .xlsx renamed to .csv is refused as what it is (a ZIP container), not as an encoding failure."""
    import openpyxl

    con, raw, contract = env
    contract("bad")
    wb = openpyxl.Workbook()
    wb.active.append(["CaseID", "Received"])
    wb.active.append(["A1", "2026-03-08"])
    (raw / "bad").mkdir(parents=True, exist_ok=True)
    wb.save(raw / "bad/a.csv")
    r = _one(ingest_all(con, raw))
    assert r.status == "rejected_file"
    assert "a.csv: not a text file but a ZIP container" in r.error


def test_bom_file_loads_without_bom_in_header(env):  # class 8
    con, raw, contract = env
    contract("bom")
    write(raw / "bom/a.csv", "\ufeffCaseID,Received\nA1,2026-03-08\n")
    r = _one(ingest_all(con, raw))
    assert (r.encoding, r.rows_loaded) == ("utf-8-sig", 1)


def test_late_non_numeric_value_rejects_only_that_row(env):  # class 10
    con, raw, contract = env
    contract("late")
    lines = ["CaseID,Received,Amount"] + [f"A{i},2026-03-08,{i}.5" for i in range(3000)] + ["B1,2026-03-08,n/a"]
    write(raw / "late/a.csv", "\n".join(lines) + "\n")
    r = _one(ingest_all(con, raw))
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (3001, 3000, 1)
    line, code, reason = rejects(con, "late/a.csv")[0]
    assert line == 3002 and code == "parse_error"
    assert reason == "column amount ('Amount'): cannot parse 'n/a' as float"


def test_mixed_date_formats_parse_and_unparsed_are_rejected_with_raw_text(env):  # class 11
    con, raw, contract = env
    contract("dates")
    write(raw / "dates/a.csv", textwrap.dedent("""\
        CaseID,Received
        A1,2024-03-08
        A2,03/09/2024
        A3,2024年3月2日
        A4,20240302
        A5,45359
        A6,2024-02-30
        A7,next tuesday
        """))
    r = _one(ingest_all(con, raw))
    assert (r.rows_loaded, r.rows_rejected) == (5, 2)
    days = [d for (d,) in con.execute(
        "SELECT strftime(occurred_at, '%Y-%m-%d') FROM events.events ORDER BY source_line").fetchall()]
    assert days == ["2024-03-08", "2024-03-09", "2024-03-02", "2024-03-02", "2024-03-08"]
    assert [(line, "'2024-02-30'" in reason or "'next tuesday'" in reason)
            for line, _, reason in rejects(con, "dates/a.csv")] == [(7, True), (8, True)]


def test_ragged_rows_and_quoted_newlines_keep_exact_lines(env):  # class 12
    con, raw, contract = env
    contract("ragged")
    write(raw / "ragged/a.csv", 'CaseID,Received,Street\r\nA1,2026-03-08,"multi\r\nline"\r\nA2,2026-03-08\r\n'
                                'A3,2026-03-08,x,extra\r\n\r\nA4,2026-03-08,ok\r\n')
    r = _one(ingest_all(con, raw))
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    assert con.execute("SELECT aggregate_id, source_line FROM events.events ORDER BY 2").fetchall() == [
        ("A1", 2), ("A4", 7)]
    assert [(line, code) for line, code, _ in rejects(con, "ragged/a.csv")] == [(4, "malformed"), (5, "malformed")]


def test_ragged_rows_fast_path_lines(env):  # class 12, one record per line: DuckDB reader with line gaps
    con, raw, contract = env
    contract("ragfast")
    write(raw / "ragfast/a.csv", "CaseID,Received\nA1,2026-03-08\nA2\nA3,2026-03-08,x\nA4,2026-03-08\n")
    r = _one(ingest_all(con, raw))
    assert con.execute("SELECT aggregate_id, source_line FROM events.events ORDER BY 2").fetchall() == [
        ("A1", 2), ("A4", 5)]
    assert [line for line, _, _ in rejects(con, "ragfast/a.csv")] == [3, 4]
    assert r.rows_in_file == 4


def test_merged_two_row_chinese_header_in_xlsx(env):  # class 18
    con, raw, contract = env
    contract("merged", fmt="xlsx", header_rows=2)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["基本信息", None, "所属街道"])
    ws.append(["工单编号", "受理时间", None])
    ws.append(["A1", "2026年3月8日", "海滨街道"])
    ws.merge_cells("A1:B1")
    ws.merge_cells("C1:C2")
    (raw / "merged").mkdir(parents=True)
    wb.save(raw / "merged/a.xlsx")
    r = _one(ingest_all(con, raw))
    assert (r.status, r.rows_loaded) == ("loaded", 1), r.error
    assert con.execute("SELECT street, source_line FROM events.events").fetchone() == ("海滨街道", 3)


def test_missing_required_column_rejects_file_and_names_it(env):  # class 19
    con, raw, contract = env
    contract("drift")
    write(raw / "drift/a.csv", "CaseID,Street\nA1,x\n")
    r = _one(ingest_all(con, raw))
    assert r.status == "rejected_file"
    assert "required column 'received_at' is missing" in r.error and "line 1" in r.error
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (1, 0, 1)


def test_unknown_column_kept_in_extras_with_warning(env):  # class 19
    con, raw, contract = env
    contract("extra")
    write(raw / "extra/a.csv", "CaseID,Received,NewColumn\nA1,2026-03-08,hello\n")
    r = _one(ingest_all(con, raw))
    assert any("NewColumn" in w for w in r.warnings)
    assert con.execute("SELECT payload->'extras'->>'NewColumn' FROM events.events").fetchone()[0] == "hello"


@pytest.mark.parametrize("content,status,rows", [
    (b"", "rejected_file", 0),                                   # empty file
    (b"CaseID,Received\n", "loaded", 0),                         # header only: a clean, empty load
    (b"CaseID,Received\nA1,2026-03-08\nA2,2026-0", "loaded", 2),  # truncated last record
])
def test_empty_header_only_and_truncated_files(env, content, status, rows):
    con, raw, contract = env
    contract("edge")
    write(raw / "edge/a.csv", content)
    r = _one(ingest_all(con, raw))
    assert r.status == status
    assert r.rows_in_file == rows == r.rows_loaded + r.rows_rejected
    if status == "rejected_file":
        assert "empty" in r.error and "a.csv" in r.error
    else:
        assert ("no data rows (header only)" in r.warnings) == (rows == 0)
        # a file cut short is told even where its last record still parses
        cut = [w for w in r.warnings if "has no line end" in w]
        assert cut == ([] if content.endswith(b"\n") else [
            "the last line (3) has no line end: if the export was cut short, check that line's record against the source"])


def test_short_line_gets_one_readable_reason(env):
    """A line cut short in the middle of a file is rejected with its line number and one reason, not one reader
    message per missing column."""
    con, raw, contract = env
    contract("short")
    write(raw / "short/a.csv", "CaseID,Received,Street,Amount\nA1,2026-03-08,s,1\nA2,2026\nA3,2026-03-09,s,2\n")
    r = _one(ingest_all(con, raw))
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("loaded", 2, 1)
    ((line, code, reason),) = rejects(con, "short/a.csv")
    assert (line, code) == (3, "malformed")
    assert reason.startswith("malformed record: ") and reason.count("Expected Number of Columns") == 1, reason


def test_rest_of_batch_loads_when_one_file_is_bad(env):
    con, raw, contract = env
    contract("batch")
    write(raw / "batch/a.csv", b"\xff\xfe\xfa")
    write(raw / "batch/b.csv", "CaseID,Received\nA1,2026-03-08\n")
    results = ingest_all(con, raw)
    assert results["batch/a.csv"].status == "rejected_file"
    assert results["batch/b.csv"].status == "loaded"


def test_file_larger_than_memory_limit_spills_and_loads(env, tmp_path):  # class 23
    con, raw, contract = env
    contract("big")
    con.execute("SET memory_limit = '64MB'")
    con.execute(f"SET temp_directory = '{tmp_path / 'spill'}'")
    path = raw / "big/a.csv"
    path.parent.mkdir(parents=True)
    with path.open("w") as fh:
        fh.write("CaseID,Received,Street,Amount\n")
        for i in range(800_000):
            fh.write(f"C{i:07d},2026-03-{1 + i % 28:02d} 10:00:00,street-{i % 97}-{'x' * 60},{i}\n")
    assert path.stat().st_size > 64 * 1024 * 1024
    r = _one(ingest_all(con, raw))
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("loaded", 800_000, 0), r.error


def test_same_file_twice_changes_nothing(env):
    con, raw, contract = env
    contract("twice")
    write(raw / "twice/a.csv", "CaseID,Received\nA1,2026-03-08\n")
    first = _one(ingest_all(con, raw))
    second = _one(ingest_all(con, raw))
    assert second.skipped and second.load_id == first.load_id
    assert con.execute("SELECT count(*) FROM events.events").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM events.file_ledger").fetchone()[0] == 1


def test_corrected_file_supersedes_and_history_stays(env):
    con, raw, contract = env
    contract("fix")
    path = write(raw / "fix/a.csv", "CaseID,Received,Amount\nA1,2026-03-08,1\n")
    first = _one(ingest_all(con, raw, recorded_at=datetime(2026, 3, 9, tzinfo=timezone.utc)))
    write(path, "CaseID,Received,Amount\nA1,2026-03-08,2\nA2,2026-03-08,3\nA3,2026-03-08,4\n")
    second = _one(ingest_all(con, raw, recorded_at=datetime(2026, 3, 10, tzinfo=timezone.utc)))
    assert con.execute("SELECT * FROM events.load_supersessions").fetchall()[0][:2] == (first.load_id,
                                                                                        second.load_id)
    # both loads stay queryable
    assert con.execute("SELECT load_id, count(*) FROM events.events GROUP BY 1 ORDER BY 1").fetchall() == [
        (first.load_id, 1), (second.load_id, 3)]
    assert second.warnings == [f"supersedes load {first.load_id} of the same path"]
    # a re-export with less than half the rows (cut short?) still supersedes, with a warning
    write(path, "CaseID,Received,Amount\nA1,2026-03-08,2\n")
    third = _one(ingest_all(con, raw, recorded_at=datetime(2026, 3, 11, tzinfo=timezone.utc)))
    assert third.warnings == [f"supersedes load {second.load_id} of the same path",
                              "loaded 1 rows where the load it supersedes had 3: if this export was cut short, land "
                              "the complete file at the same path (the earlier load stays in the history)"]


def test_events_do_not_depend_on_session_time_zone(tmp_path, monkeypatch):  # class 14
    import duckdb

    from pipelines.eventstore.store import ensure_schema

    contracts = tmp_path / "contracts"
    write(contracts / "tz.yaml", CONTRACT.format(name="tz", fmt="csv", header_rows=1))
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))
    raw = tmp_path / "raw"
    write(raw / "tz/a.csv", "CaseID,Received\nA1,2026-03-08 23:30:00\nA2,2026-03-09\n")
    hashes = []
    for zone in ("UTC", "Asia/Shanghai", "America/Los_Angeles"):
        con = duckdb.connect(str(tmp_path / f"{zone.replace('/', '_')}.duckdb"))
        con.execute(f"SET TimeZone = '{zone}'")
        ensure_schema(con)
        ingest_all(con, raw, recorded_at=datetime(2026, 3, 10, tzinfo=timezone.utc))
        hashes.append(con.execute(
            """SELECT md5(string_agg(concat_ws('|', event_id, epoch_us(occurred_at), payload::VARCHAR), ','
                                     ORDER BY event_id)) FROM events.events""").fetchone()[0])
        con.close()
    assert len(set(hashes)) == 1


def test_a_huge_rejected_line_is_kept_shortened_with_its_length(env):
    """A 5-million-character line (over DuckDB's buffer, so read by the exact Python reader) is rejected
    with its line number; the stored raw text is cut at MAX_RAW_TEXT with a note of the full
    length, so it is not copied whole into every published version."""
    from pipelines.ingest.readers._table import MAX_RAW_TEXT

    con, raw, contract = env
    contract("huge")
    big = "A" * 5_000_000
    write(raw / "huge/a.csv", f"CaseID,Received\nA1,2026-03-08\nA2,2026-03-09,{big},extra\nA3,2026-03-10\n")
    r = _one(ingest_all(con, raw))
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    line, text = con.execute("SELECT source_line, raw_text FROM events.rejected_rows").fetchone()
    assert line == 3
    assert text.endswith(" characters; the whole line is in the raw file]"), (len(text), text[-80:])
    assert MAX_RAW_TEXT < len(text) < MAX_RAW_TEXT + 100
    assert text.startswith("A2,2026-03-09,AAAA")


def test_demo_sensor_contract_rejects_nan_and_flags_foreign_sentinels(store, tmp_path, monkeypatch):  # class 11
    """The shipped demo sensor contract: NaN / Infinity (valid JSON numbers to Python, DOUBLE to DuckDB) are no
    measurement and are rejected with their line (they broke every later dbt build when loaded); a value outside
    the contract's valid_range, such as another device family's sentinel -99999.992, is flagged, never averaged."""
    monkeypatch.delenv("CSW_CONTRACTS_DIR", raising=False)
    raw = tmp_path / "raw"
    rows = [("GL-1", "2026-11-20T10:00:00+08:00", "1.5"), ("GL-1", "2026-11-20T10:05:00+08:00", "NaN"),
            ("GL-1", "2026-11-20T10:10:00+08:00", "-99999.992"), ("GL-1", "2026-11-20T10:15:00+08:00", "Infinity")]
    write(raw / "demo/sensor_readings_trial.jsonl", "".join(
        f'{{"device_id": "{d}", "sensor_type": "gas_leak", "ts": "{ts}", "value": {v}, "unit": "%LEL"}}\n'
        for d, ts, v in rows))
    r = ingest_all(store, raw)["demo/sensor_readings_trial.jsonl"]
    assert (r.status, r.rows_in_file, r.rows_loaded, r.rows_rejected) == ("loaded", 4, 2, 2)
    assert [(line, code) for line, code, _ in rejects(store, "demo/sensor_readings_trial.jsonl")] == [
        (2, "parse_error"), (4, "parse_error")]
    assert store.execute("SELECT source_line, quality, value FROM events.sensor_readings ORDER BY 1").fetchall() == [
        (1, "ok", 1.5), (3, "out_of_range", None)]


def test_dangling_link_is_refused_and_the_rest_loads(env):  # class 12
    """A file that cannot be opened (here a link to nowhere; also one removed or locked mid-refresh) is refused with
    its path and the OS reason; the other files of the batch load."""
    con, raw, contract = env
    contract("lk")
    write(raw / "lk/good.csv", "CaseID,Received,Street\nA1,2026-03-08,鲤中街道\n")
    (raw / "lk/gone.csv").symlink_to(raw / "lk/nowhere.csv")
    results = ingest_all(con, raw)
    assert (results["lk/good.csv"].status, results["lk/good.csv"].rows_loaded) == ("loaded", 1)
    gone = results["lk/gone.csv"]
    assert gone.status == "rejected_file" and "lk/gone.csv: cannot read the file: No such file or directory" in gone.error
    assert con.execute("SELECT status, rows_in_file FROM events.file_ledger WHERE path = 'lk/gone.csv'").fetchall() == [
        ("rejected_file", 0)]


def _lines_of(con, path: str) -> list[tuple[str, int]]:
    return con.execute("SELECT aggregate_id, source_line FROM events.events WHERE source_file = ? ORDER BY 2",
                       [path]).fetchall()


@pytest.mark.parametrize("typed_csv", ["1", "0"])
def test_header_cells_with_line_breaks_count_as_physical_lines(env, monkeypatch, typed_csv):  # class 12, 18
    # Excel's Alt+Enter in three header cells: the header record takes four physical lines
    con, raw, contract = env
    monkeypatch.setenv("CSW_INGEST_TYPED_CSV", typed_csv)
    contract("nlhead")
    header = 'CaseID,"受理\n时间","所属\r\n街道","unit\n(单位)"\n'
    write(raw / "nlhead/clean.csv", header + "".join(f"A{i},2026-03-08 09:00:00,s,{i}\n" for i in range(1000)))
    write(raw / "nlhead/dirty.csv", header + "B1,2026-03-08 09:00:00,s,1\nB2,someday,s,2\nB3\n"
                                    'B4,2026-03-08 09:00:00,"two\nlines",4\nB5,2026-03-08 09:00:00,s,5\n')
    results = ingest_all(con, raw)
    clean, dirty = results["nlhead/clean.csv"], results["nlhead/dirty.csv"]
    assert (clean.status, clean.rows_in_file, clean.rows_loaded, clean.rows_rejected) == ("loaded", 1000, 1000, 0)
    assert rejects(con, "nlhead/clean.csv") == []
    lines = _lines_of(con, "nlhead/clean.csv")
    assert lines[0] == ("A0", 5) and lines[-1] == ("A999", 1004)
    assert any("unit (单位)" in w for w in clean.warnings)  # the line break folded to a space
    assert con.execute("SELECT street, payload->'extras'->>'unit (单位)' FROM events.events "
                       "WHERE aggregate_id = 'A7'").fetchone() == ("s", "7")
    assert (dirty.rows_in_file, dirty.rows_loaded, dirty.rows_rejected) == (5, 3, 2)
    assert _lines_of(con, "nlhead/dirty.csv") == [("B1", 5), ("B4", 8), ("B5", 10)]
    assert [(line, code) for line, code, _ in rejects(con, "nlhead/dirty.csv")] == [
        (6, "parse_error"), (7, "malformed")]


def test_one_record_per_line_after_a_multi_line_header(env):  # rejects found by DuckDB's reader, lines from gaps
    con, raw, contract = env
    contract("nlgap")
    write(raw / "nlgap/a.csv", 'CaseID,"受理\n时间"\nA1,2026-03-08\nA2\nA3,2026-03-08,x\nA4,2026-03-08\n')
    r = _one(ingest_all(con, raw))
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    assert _lines_of(con, "nlgap/a.csv") == [("A1", 3), ("A4", 6)]
    assert [line for line, _, _ in rejects(con, "nlgap/a.csv")] == [4, 5]


def test_xlsx_header_cell_with_line_break_matches_its_alias(env):  # class 18
    con, raw, contract = env
    contract("nlxlsx", fmt="xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单\n编号", "受理\r\n时间", "unit\n(单位)"])
    ws.append(["A1", "2026年3月8日", "5"])
    ws.append(["A2", "2026年3月9日", "6"])
    (raw / "nlxlsx").mkdir(parents=True)
    wb.save(raw / "nlxlsx/a.xlsx")
    r = _one(ingest_all(con, raw))
    assert (r.status, r.rows_loaded) == ("loaded", 2), r.error
    assert _lines_of(con, "nlxlsx/a.xlsx") == [("A1", 2), ("A2", 3)]
    assert con.execute("SELECT payload->'extras'->>'unit (单位)' FROM events.events "
                       "WHERE aggregate_id = 'A2'").fetchone()[0] == "6"


def test_missing_required_column_lists_the_labels_found(env):  # class 19: a hidden character becomes visible
    con, raw, contract = env
    contract("hidden")
    write(raw / "hidden/a.csv", "CaseID,Rece\u200bived\nA1,2026-03-08\n")
    r = _one(ingest_all(con, raw))
    assert r.status == "rejected_file"
    assert "required column 'received_at' is missing" in r.error
    assert "labels found: 'CaseID', 'Rece\\u200bived'" in r.error


def test_fill_merged_data_copies_a_merged_cell_down(env, tmp_path):  # class 18: the contract key reaches the reader
    con, raw, contract = env
    contract("mergedata", fmt="xlsx")
    path = tmp_path / "contracts/mergedata.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "fill_merged_data: true\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "受理时间", "所属街道"])
    ws.append(["A1", "2026年3月8日", "海滨街道"])
    ws.append(["A2", "2026年3月9日", None])
    ws.merge_cells("C2:C3")
    (raw / "mergedata").mkdir(parents=True)
    wb.save(raw / "mergedata/a.xlsx")
    r = _one(ingest_all(con, raw))
    assert (r.status, r.rows_loaded) == ("loaded", 2), r.error
    assert con.execute("SELECT aggregate_id, street FROM events.events ORDER BY 1").fetchall() == [
        ("A1", "海滨街道"), ("A2", "海滨街道")]
