"""`format: fixed_width` end to end: contract validation, a GB18030 export with Chinese labels and dates,
short, over-long and undecodable lines, blank lines, byte positions. Each input is a small file written here;
the contract is a small test contract in a temporary contracts folder (CSW_CONTRACTS_DIR)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipelines.ingest.contract import ContractError, load_contract
from tests.ingest.helpers import ingest_all, rejects, write

# 工单编号 1-10, 受理时间 11-22 (11 characters + a space), 所属街道 23-30, filler 31-32, 金额 33-42 (right-aligned)
LAYOUT = "{工单编号: [1, 10], 受理时间: [11, 22], 所属街道: [23, 30], 金额: [33, 42]}"
CONTRACT = """
source: t_{name}
source_system: t
kind: complaints
match: ["{name}/*"]
format: fixed_width
encoding: [utf-8, gb18030]
header_rows: {header_rows}
fixed_width: {{columns: {layout}{more}}}
timezone: Asia/Shanghai
columns:
  case_id:     {{aliases: [工单编号], required: true}}
  received_at: {{aliases: [受理时间], type: timestamp, formats: ["%Y年%m月%d日"], required: true}}
  street:      {{aliases: [所属街道]}}
  amount:      {{aliases: [金额], type: float}}
key: [case_id]
events:
  - type: complaint_received
    aggregate: {{type: complaint, id: case_id}}
    occurred_at: received_at
    fields: {{street: street, amount: amount}}
"""
STREETS = ["鲤中街道", "开元街道", "浮桥镇", "常泰街道办", "江南街道"]
HEADER = "工单编号".ljust(10) + "受理时间".ljust(12) + "所属街道".ljust(8) + "  " + "金额".rjust(10)


def record(case: str, day: date, street: str, amount: str) -> str:
    """One line of the layout above (positions in characters)."""
    return f"{case:<10}{day:%Y年%m月%d日} {street:<8}  {amount:>10}"


@pytest.fixture
def env(tmp_path, monkeypatch, store):
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(contracts))
    raw = tmp_path / "raw"

    def contract(name, header_rows=1, layout=LAYOUT, more=""):
        return write(contracts / f"{name}.yaml", CONTRACT.format(name=name, header_rows=header_rows,
                                                                layout=layout, more=more))

    return store, raw, contract


def _one(results):
    assert len(results) == 1
    return next(iter(results.values()))


def test_gb18030_export_of_12345_cases_loads_with_values_and_lines(env):
    con, raw, contract = env
    contract("gd")
    start = date(2026, 1, 1)
    lines = [HEADER] + [record(f"GD{i:08d}", start + timedelta(days=i % 90), STREETS[i % len(STREETS)],
                               f"{i * 1.5:.2f}") for i in range(1, 12346)]
    write(raw / "gd/export.dat", "\r\n".join(lines) + "\r\n", encoding="gb18030")
    r = _one(ingest_all(con, raw))
    assert (r.status, r.encoding) == ("loaded", "gb18030"), r.error
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (12345, 12345, 0)
    got = con.execute(
        """SELECT aggregate_id, occurred_at, street, amount, source_line FROM events.events
           WHERE aggregate_id IN ('GD00000001', 'GD00000093', 'GD00012345') ORDER BY aggregate_id""").fetchall()
    zone = ZoneInfo("Asia/Shanghai")

    def expected(i):
        day = start + timedelta(days=i % 90)
        return (f"GD{i:08d}", datetime(day.year, day.month, day.day, tzinfo=zone), STREETS[i % len(STREETS)],
                i * 1.5, i + 1)  # the header is line 1

    assert [(a, o.astimezone(zone), s, float(m), ln) for a, o, s, m, ln in got] == [
        expected(1), expected(93), expected(12345)]
    assert con.execute("SELECT count(DISTINCT street) FROM events.events").fetchone()[0] == len(STREETS)


def test_short_and_long_lines_are_rejected_with_line_and_reason_blank_lines_skipped(env):
    con, raw, contract = env
    contract("bad")
    day = date(2026, 3, 8)
    lines = [
        HEADER,
        record("A1", day, "鲤中街道", "1.00"),
        "",                                           # blank: not a row
        record("A2", day, "开元街道", "2.00")[:31],     # ends inside the filler, before 金额 starts (33)
        "   \t",                                      # blank (white space only)
        record("A3", day, "浮桥镇", "")[:32] + "7.5",  # ends inside 金额 (35 < 42): a row, 金额 "7.5"
        record("A4", day, "江南街道", "4.00") + "  extra",
        record("A5", day, "鲤中街道", "5.00").replace("2026年03月08日", "2026年13月08日"),  # no 13th month
    ]
    write(raw / "bad/a.dat", "\n".join(lines) + "\n", encoding="gb18030")
    r = _one(ingest_all(con, raw))
    assert r.status == "loaded", r.error
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (5, 2, 3)
    assert "skipped 2 blank line(s)" in r.warnings
    got = rejects(con, "bad/a.dat")
    assert [(line, code) for line, code, _ in got] == [
        (4, "malformed"), (7, "malformed"), (8, "parse_error")]
    assert got[0][2] == "malformed record: line has 31 characters, the layout needs at least 33"
    assert got[1][2].startswith("malformed record: line has 49 characters, the layout ends at 42: text after it "
                                "('extra')")
    assert "received_at" in got[2][2]
    raw_texts = dict(con.execute("SELECT source_line, raw_text FROM events.rejected_rows").fetchall())
    assert raw_texts[4].startswith("A2")
    assert con.execute("SELECT aggregate_id, source_line, amount FROM events.events ORDER BY 2").fetchall() == [
        ("A1", 2, 1.0), ("A3", 6, 7.5)]


def test_allow_extra_ignores_text_after_the_last_span(env):
    con, raw, contract = env
    contract("extra", header_rows=0, more=", allow_extra: true")
    write(raw / "extra/a.dat", record("A1", date(2026, 3, 8), "鲤中街道", "1.00") + "FILLER\n")
    r = _one(ingest_all(con, raw))
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("loaded", 1, 0), r.error
    assert con.execute("SELECT aggregate_id, source_line, amount FROM events.events").fetchone() == ("A1", 1, 1.0)


def test_undecodable_byte_rejects_the_file_with_offset_and_line(env):
    con, raw, contract = env
    contract("undec")
    good = (HEADER + "\n" + record("A1", date(2026, 3, 8), "鲤中街道", "1.00") + "\n").encode("gb18030")
    write(raw / "undec/a.dat", good + b"A2\xff" + b" " * 40 + b"\n")
    r = _one(ingest_all(con, raw))
    assert r.status == "rejected_file"
    offset = len(good) + 2
    assert f"gb18030: invalid byte at offset {offset}, line 3" in r.error and "a.dat" in r.error
    assert con.execute("SELECT count(*) FROM events.events").fetchone()[0] == 0
    assert (r.rows_in_file, r.rows_rejected) == (2, 2)  # its two data lines are accounted as rejected


def test_a_txt_export_loads_when_the_pattern_names_the_suffix(env, tmp_path):
    """.txt is documentation in the raw folder unless a contract's pattern names the suffix."""
    con, raw, contract = env
    path = contract("txt")
    path.write_text(path.read_text(encoding="utf-8").replace('match: ["txt/*"]', 'match: ["txt/*.txt"]'),
                    encoding="utf-8")
    write(raw / "txt/cases.txt", HEADER + "\n" + record("A1", date(2026, 3, 8), "鲤中街道", "1.00") + "\n")
    write(raw / "notes/README.txt", "how these exports are made\n")
    from pipelines.ingest.load import unmatched_files
    results = ingest_all(con, raw)
    assert list(results) == ["txt/cases.txt"] and results["txt/cases.txt"].rows_loaded == 1
    assert unmatched_files(raw) == []  # the README is documentation, not an unmatched export


def test_byte_positions_count_a_gbk_character_as_two(env):
    """`units: bytes`: the layout of a GBK system that counts a Chinese character as two positions."""
    con, raw, contract = env
    layout = "{工单编号: [1, 6], 所属街道: [7, 14], 受理时间: [15, 32]}"
    contract("bytes", header_rows=0, layout=layout, more=", units: bytes")

    def line(case, street, when):
        return case.ljust(6).encode("gbk") + street.encode("gbk").ljust(8) + when.encode("gbk")

    data = b"\n".join([
        line("A1", "鲤中街道", "2026年03月08日"),  # 16 bytes of date
        line("A2", "浮桥镇", "2026年03月09日"),
        line("A3", "x鲤中街道", "2026年03月09日"),  # 所属街道 (bytes 7-14) ends inside 道
    ]) + b"\n"
    write(raw / "bytes/a.dat", data)
    r = _one(ingest_all(con, raw))
    assert (r.status, r.encoding) == ("loaded", "gb18030"), r.error
    assert (r.rows_in_file, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    assert con.execute("SELECT aggregate_id, street, occurred_at::DATE FROM events.events ORDER BY 1").fetchall() == [
        ("A1", "鲤中街道", date(2026, 3, 8)), ("A2", "浮桥镇", date(2026, 3, 9))]
    ((line_no, code, reason),) = rejects(con, "bytes/a.dat")
    assert (line_no, code) == (3, "malformed")
    assert "the span of '所属街道' [7, 14] cuts a multi-byte gb18030 character" in reason


@pytest.mark.parametrize("body, key, message", [
    ("", "(top)", "format fixed_width needs a `fixed_width` block"),
    ("fixed_width: {columns: {a: [0, 3]}}", "fixed_width.columns", "positions are 1-based and positive"),
    ("fixed_width: {columns: {a: [5, 3]}}", "fixed_width.columns", "start is after end"),
    ("fixed_width: {columns: {a: [1, 5], b: [5, 8]}}", "fixed_width.columns", "spans of 'a' [1, 5] and 'b' [5, 8] overlap"),
    ("fixed_width: {columns: {}}", "fixed_width.columns", "give at least one column span"),
    ("fixed_width: {columns: {a: [1, 5]}, units: words}", "fixed_width.units", "'characters' or 'bytes'"),
])
def test_contract_validation_names_file_and_key(tmp_path, body, key, message):
    path = write(tmp_path / "fw.yaml", f"""
source: fw
kind: complaints
match: ["fw/*"]
format: fixed_width
{body}
columns: {{case_id: {{aliases: [a], required: true}}}}
events: [{{type: complaint_received, aggregate: {{type: complaint, id: case_id}}, occurred_at: case_id}}]
""")
    with pytest.raises(ContractError) as exc:
        load_contract(path)
    text = str(exc.value)
    assert str(path) in text and f"  {key}: " in text and message in text, text


def test_fixed_width_block_is_refused_on_another_format(tmp_path):
    path = write(tmp_path / "c.yaml", """
source: c
kind: complaints
match: ["c/*"]
format: csv
fixed_width: {columns: {a: [1, 5]}}
columns: {case_id: {aliases: [a]}}
events: [{type: complaint_received, aggregate: {type: complaint, id: case_id}, occurred_at: case_id}]
""")
    with pytest.raises(ContractError, match="`fixed_width` applies only to format: fixed_width"):
        load_contract(path)
