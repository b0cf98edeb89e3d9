"""The printable daily brief: dashboards.brief.build_brief(warehouse_dir, out_dir) -> (html, pdf) on the
hand-built serving copy, with the PDF printed by the real headless Chromium."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zlib

from serving_fixture import SOURCE, build_serving_copy, expected_rate

from dashboards import brief

HEADING = "城市安全每日简报"


def pdf_unicode_text(pdf: bytes) -> str:
    """All ToUnicode CMap targets of the PDF as text (the characters the embedded fonts draw)."""
    chars = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            body = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        if b"begincmap" not in body:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", body, re.S):
            for code in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block):
                text = code.decode()
                chars.extend(chr(int(text[i:i + 4], 16)) for i in range(0, len(text), 4))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", body, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                start = int(dst[:4], 16)
                chars.extend(chr(start + k) for k in range(int(hi, 16) - int(lo, 16) + 1))
    # NFKC: a glyph shared with a Kangxi radical (日 / U+2F47) may be mapped to the radical
    return unicodedata.normalize("NFKC", "".join(chars))


def test_brief_html_and_pdf_with_chinese_text(tmp_path):
    fx = build_serving_copy(tmp_path / "wh", failure={"failed_at": "2025-04-02T02:05:00+08:00", "stage": "audit",
                                                      "message": "行数核对失败"})
    html_path, pdf_path = brief.build_brief(fx.warehouse_dir, tmp_path / "out")
    today = dt.datetime.now(brief.ZONE).date()
    assert html_path.name == f"brief_{today}_v3.html" and pdf_path.name == f"brief_{today}_v3.pdf"
    html = html_path.read_text(encoding="utf-8")
    assert HEADING in html and "数据版本 v3" in html  # failure notice printed too, stage in Chinese, message kept
    assert "阶段：数据审核" in html and "行数核对失败" in html
    # the F1 row equals sum(num)/sum(den) over the default window (last 30 days with data)
    f1 = expected_rate(fx.db_path, "SELECT sum(faults_disposed_on_time) / sum(faults_due) FROM "
                                   "marts.fct_fault_disposal_daily WHERE source_system = ? AND date_local "
                                   "BETWEEN '2025-03-02' AND '2025-03-31'", [SOURCE])
    row = re.search(r"<tr><td>[^<]*<span class='id'>F1</span></td><td class='num'>([^<]+)</td>", html)
    assert row and row.group(1) == f"{f1 * 100:.1f} %"
    assert "街道综合指标" in html
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF")
    fonts = set(re.findall(rb"/FontName /[A-Z]{6}\+([A-Za-z-]+)", pdf))
    assert fonts and all(f.startswith(b"NotoSansCJK") for f in fonts), fonts  # no fallback font, no boxes
    drawn = pdf_unicode_text(pdf)
    assert set(HEADING) <= set(drawn) and set("设施故障日处置率") <= set(drawn)
