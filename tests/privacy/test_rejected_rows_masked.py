"""Rejected rows keep their line and reason but no personal data, however the row is broken (issue 8).

Rows that parse but fail typing were already masked cell by cell. A malformed record (wrong number of
fields, a broken JSON line) cannot be split into the contract's columns, so its raw text used to get
only the pattern masking of free text: a complainant's name or address in it reached
``events.rejected_rows`` and the serving copy. These tests pin the fix
(``pipelines.ingest.pii.mask_record``).
"""

from __future__ import annotations

from pipelines.ingest.pii import mask_record
from tests.ingest.helpers import ingest_all, write

CONTRACT = """
source: t_pii_malformed_{fmt}
source_system: t
kind: complaints
match: ["pii_{fmt}/*"]
format: {fmt}
timezone: Asia/Shanghai
columns:
  case_id:  {{aliases: [工单编号], required: true}}
  received: {{aliases: [受理时间], type: timestamp, required: true}}
  name:     {{aliases: [诉求人], pii: name}}
  home:     {{aliases: [联系地址], pii: address}}
  phone:    {{aliases: [联系电话], pii: phone}}
  body:     {{aliases: [诉求内容], pii: text}}
reporter: [phone]
events:
  - type: complaint_received
    aggregate: {{type: complaint, id: case_id}}
    occurred_at: received
"""
SECRETS = ("欧阳娜娜", "鲤城区新华路88号3幢502室", "13912345678")


def _rejected_text(store) -> str:
    return " ".join(r[0] or "" for r in store.execute("SELECT raw_text FROM events.rejected_rows").fetchall())


def test_malformed_csv_records_are_masked(tmp_path, monkeypatch, store):
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(tmp_path / "contracts"))
    monkeypatch.setenv("CSW_PII_SALT", "s")
    write(tmp_path / "contracts/c.yaml", CONTRACT.format(fmt="csv"))
    write(tmp_path / "raw/pii_csv/a.csv",
          "工单编号,受理时间,诉求人,联系地址,联系电话,诉求内容\n"
          "A1,2026-03-08 10:00:00,欧阳娜娜,鲤城区新华路88号3幢502室,13912345678,ok\n"
          "A2,2026-03-08 10:00:00,欧阳娜娜,鲤城区新华路88号3幢502室,13912345678,extra,field\n"
          "A3,2026-03-08 10:00:00,欧阳娜娜,鲤城区新华路88号3幢502室\n")
    result = ingest_all(store, tmp_path / "raw")["pii_csv/a.csv"]
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)
    rows = store.execute("SELECT source_line, reason_code, raw_text FROM events.rejected_rows ORDER BY 1").fetchall()
    assert [(line, code) for line, code, _ in rows] == [(3, "malformed"), (4, "malformed")]
    text = _rejected_text(store)
    for secret in SECRETS:
        assert secret not in text, (secret, text)
    assert "A2" in text and "2026-03-08 10:00:00" in text, "ids and times stay readable for diagnosis"


def test_malformed_jsonl_lines_are_masked(tmp_path, monkeypatch, store):
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(tmp_path / "contracts"))
    monkeypatch.setenv("CSW_PII_SALT", "s")
    write(tmp_path / "contracts/c.yaml", CONTRACT.format(fmt="jsonl"))
    write(tmp_path / "raw/pii_jsonl/a.jsonl",
          '{"工单编号": "A1", "受理时间": "2026-03-08 10:00:00", "诉求人": "欧阳娜娜"}\n'
          '{"工单编号": "A2", "受理时间": "2026-03-08 10:00:00", "诉求人": "欧阳娜娜", "联系地址": "鲤城区新华路88号3幢502室", '
          '"联系电话": "13912345678"\n')
    result = ingest_all(store, tmp_path / "raw")["pii_jsonl/a.jsonl"]
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    text = _rejected_text(store)
    for secret in SECRETS:
        assert secret not in text, (secret, text)


def test_mask_record_keeps_structure_and_masks_cells():
    positions = {2: "name", 3: "address"}
    same = mask_record("A1,2026-03-08,欧阳娜娜,鲤城区新华路88号,x", ",", '"', positions, 5)
    assert same == "A1,2026-03-08,欧***,鲤城区新*****,x"
    shifted = mask_record("A1,2026-03-08,,欧阳娜娜,鲤城区新华路88号,13912345678", ",", '"', positions, 5)
    assert "欧阳娜娜" not in shifted and "新华路88号" not in shifted and "13912345678" not in shifted
    assert shifted.startswith("A1,2026-03-08,,")
    assert mask_record(None, ",", '"', positions, 5) is None
