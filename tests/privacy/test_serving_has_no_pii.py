"""No personal data in the published serving copy; repeat complainants stay countable (issue 8).

Runs on a real refresh of the demo data (conftest ``demo_published``). The demo complaints carry
names, mobiles, valid resident IDs and home addresses of invented complainants, and some 诉求内容
texts quote the phone, the ID or an e-mail inline (pipelines/demo/complaints.py). The scanner
(tests/privacy/scan.py) is independent of the masking code and is shown to find the data in the raw
file, so a clean serving copy means the masking worked, not that the scanner is blind.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import duckdb
import pytest

from pipelines.demo.spec import FILES
from pipelines.ingest.pii import reporter_hash
from tests.privacy.scan import scan_database, scan_texts, text_columns


def _rows(path, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


@pytest.fixture(scope="module")
def complaints(demo_published) -> list[dict[str, str]]:
    """The raw demo complaint rows (GBK CSV), as exported."""
    return _rows(demo_published.raw / FILES["complaints"], "gbk")


@pytest.fixture(scope="module")
def names(complaints) -> frozenset[str]:
    """The complainants' full names (three characters each)."""
    found = frozenset(r["诉求人"] for r in complaints)
    assert {len(n) for n in found} == {3}
    return found


def test_raw_export_really_holds_personal_data(demo_published, complaints, names):
    """The raw file is where personal data stays: the scanner finds every kind in it."""
    text = (demo_published.raw / FILES["complaints"]).read_bytes().decode("gbk")
    kinds = Counter(kind for kind, _ in scan_texts([text], names))
    assert kinds["mobile"] >= len(complaints)            # the 联系电话 column, plus inline mentions
    assert kinds["id_number"] >= len(complaints)         # every 身份证号 has a valid check digit
    assert kinds["email"] >= 10 and kinds["name"] >= len(complaints)
    inline = [r["诉求内容"] for r in complaints if scan_texts([r["诉求内容"]])]
    assert len(inline) >= 100, "some complaint texts quote a phone, an ID or an e-mail inline"
    phones = Counter(r["联系电话"] for r in complaints)
    assert sum(1 for n in phones.values() if n > 1) >= 50, "repeat complainants exist in the demo"


def test_serving_copy_has_no_unmasked_personal_data(demo_published, names):
    """Every text column of every table and view of the published copy: zero findings."""
    con = duckdb.connect(str(demo_published.serving), read_only=True)
    try:
        columns = text_columns(con)
        assert ("ops", "rejected_rows", "raw_text") in columns and ("ops", "events", "event_id") in columns
        assert len(columns) >= 50
        hits = scan_database(con, names)
    finally:
        con.close()
    report = {f"{s}.{t}.{c}": v[:5] for (s, t, c), v in hits.items()}
    assert hits == {}, f"unmasked personal data in the serving copy: {report}"


def test_masked_values_reach_the_serving_copy(demo_published, complaints):
    """The rejected complaint rows are kept (masked), not dropped: line, reason and masked raw text."""
    con = duckdb.connect(str(demo_published.serving), read_only=True)
    try:
        rejected = con.execute("SELECT source_line, raw_text FROM ops.rejected_rows "
                               "WHERE source = 'demo_complaints' ORDER BY source_line").fetchall()
    finally:
        con.close()
    assert len(rejected) == 4
    for line, raw_text in rejected:
        row = complaints[line - 2]
        phone, id_no, name = row["联系电话"], row["身份证号"], row["诉求人"]
        assert f"{phone[:3]}****{phone[-4:]}" in raw_text
        assert f"{id_no[:6]}********{id_no[-4:]}" in raw_text
        assert f"{name[0]}**" in raw_text
        assert phone not in raw_text and id_no not in raw_text and name not in raw_text
        assert row["联系地址"] not in raw_text and row["联系地址"][:6] in raw_text


def test_repeat_complaints_are_countable_by_reporter_hash(demo_published, complaints):
    """Per reporter_hash counts in the build database equal per-phone counts of the loaded raw rows,
    and the hash is the salted one from configuration (CSW_PII_SALT), not a repository default."""
    con = duckdb.connect(str(demo_published.build), read_only=True)
    try:
        bad_lines = {line for (line,) in con.execute(
            "SELECT source_line FROM events.rejected_rows WHERE source = 'demo_complaints'").fetchall()}
        hashes = dict(con.execute(
            "SELECT source_line, payload->>'reporter_hash' FROM events.events "
            "WHERE source = 'demo_complaints' AND event_type = 'complaint_received'").fetchall())
        payload_text = " ".join(p for (p,) in con.execute(
            "SELECT CAST(payload AS VARCHAR) FROM events.events WHERE source = 'demo_complaints'").fetchall())
    finally:
        con.close()
    loaded = {i + 2: r for i, r in enumerate(complaints) if i + 2 not in bad_lines}
    assert set(hashes) == set(loaded)
    by_phone = Counter(r["联系电话"] for r in loaded.values())
    by_hash = Counter(hashes.values())
    assert sorted(by_hash.values()) == sorted(by_phone.values())
    assert sum(n - 1 for n in by_hash.values()) >= 300, "repeat complaints show up as repeated hashes"
    line, row = next(iter(loaded.items()))
    assert hashes[line] == reporter_hash(demo_published.salt, row["联系电话"])
    assert hashes[line] != reporter_hash("another-salt", row["联系电话"])
    assert not (demo_published.warehouse / "secrets" / "pii_salt").exists(), "salt came from configuration"
    assert demo_published.salt not in payload_text
    assert scan_texts([payload_text]) == [], "the build database's events are masked too"
