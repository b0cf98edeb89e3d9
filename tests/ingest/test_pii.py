"""Personal data is masked at ingest; a salted reporter hash keeps repeat complaints countable (issue 8)."""

from __future__ import annotations

import pytest

from pipelines.ingest.pii import id_check_digit_ok, mask_text, mask_value
from tests.ingest.helpers import ingest_all, write

# 11010519491231002X is the published sample number of GB 11643-1999 (valid check digit)
VALID_ID = "11010519491231002X"
INVALID_ID = "110105194912310021"

CONTRACT = """
source: t_pii
source_system: t
kind: complaints
match: ["pii/*"]
timezone: Asia/Shanghai
columns:
  case_id:  {aliases: [工单编号], required: true}
  received: {aliases: [受理时间], type: timestamp, required: true}
  name:     {aliases: [诉求人], pii: name}
  phone:    {aliases: [联系电话], pii: phone}
  id_no:    {aliases: [身份证号], pii: id_number}
  body:     {aliases: [诉求内容], pii: text}
reporter: [phone]
events:
  - type: complaint_received
    aggregate: {type: complaint, id: case_id}
    occurred_at: received
"""


def test_check_digit_and_text_masking():
    assert id_check_digit_ok(VALID_ID) and not id_check_digit_ok(INVALID_ID)
    text = f"电话13812345678，身份证{VALID_ID}，邮箱 zhang.san@example.com，编号{INVALID_ID}"
    masked = mask_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert VALID_ID not in masked and "110105********002X" in masked
    assert INVALID_ID in masked  # not a valid ID number: a case number, left alone
    assert "z***@example.com" in masked
    assert mask_value("name", "张三丰") == "张**"


def test_ingest_masks_everything_and_hashes_the_reporter(tmp_path, monkeypatch, store):
    monkeypatch.setenv("CSW_CONTRACTS_DIR", str(tmp_path / "contracts"))
    monkeypatch.setenv("CSW_PII_SALT", "test-salt")
    write(tmp_path / "contracts/pii.yaml", CONTRACT)
    write(tmp_path / "raw/pii/a.csv",
          "工单编号,受理时间,诉求人,联系电话,身份证号,诉求内容\n"
          f"A1,2026-03-08 10:00:00,张三丰,13812345678,{VALID_ID},请回电13812345678\n"
          f"A2,2026-03-09 10:00:00,张三丰,138 1234 5678,{VALID_ID},again\n"
          f"A3,2026-02-30 10:00:00,李四,13900001111,{VALID_ID},bad date\n")
    results = ingest_all(store, tmp_path / "raw")
    assert results["pii/a.csv"].rows_rejected == 1
    dump = " ".join(str(v) for row in store.execute(
        "SELECT * FROM events.events UNION ALL BY NAME SELECT * FROM events.rejected_rows").fetchall() for v in row)
    for secret in ("13812345678", "13900001111", VALID_ID, "张三丰", "李四"):
        assert secret not in dump
    hashes = store.execute("SELECT DISTINCT payload->>'reporter_hash' FROM events.events").fetchall()
    assert len(hashes) == 1 and len(hashes[0][0]) == 32  # same phone twice -> one reporter


def test_salt_never_defaults_to_a_constant(tmp_path, monkeypatch):
    from pipelines.ingest.pii import salt

    monkeypatch.delenv("CSW_PII_SALT", raising=False)
    a, b = salt(tmp_path / "w1"), salt(tmp_path / "w2")
    assert a != b and salt(tmp_path / "w1") == a
    assert oct((tmp_path / "w1/secrets/pii_salt").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("value", ["+86 138-1234-5678", "8613812345678"])
def test_mobile_variants(value):
    assert "1234" not in mask_text(value)
