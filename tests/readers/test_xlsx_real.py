"""xlsx reader against the real 问政 message-board workbooks (china_gov_messages)."""

from __future__ import annotations

import re
import time

from pipelines.ingest.readers import read_table

ISO_DT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
TEXT_DT = re.compile(r"^\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}:\d{2}$")


def test_bloated_used_range_gives_495_rows_fast(realdata):
    path = realdata / "china_gov_messages" / "附件2.xlsx"
    start = time.perf_counter()
    table = read_table(path, "xlsx", {})
    rows = list(table.rows)
    elapsed = time.perf_counter() - start
    assert table.header == ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"]
    assert len(rows) == 495
    assert [line for line, _ in rows] == list(range(2, 497))  # Excel row numbers
    assert elapsed < 5, f"reading 附件2 took {elapsed:.1f}s"
    line, cells = rows[0]
    assert cells[0] == "24"  # integral float id -> "24", not "24.0"
    assert cells[3] == "2020/1/6 12:09:38"  # text dates stay text
    assert cells[4].startswith("\n\t\t\t\t\t")  # raw text, not trimmed by the reader
    ids = [c[0] for _, c in rows]
    assert len(set(ids)) == 494  # the known duplicated 留言编号 is passed through, not dropped
    assert all(len(c) == 6 for _, c in rows)
    assert table.errors == []


def test_date_formatted_serials_become_iso_text(realdata):
    # 附件3 stores 留言时间 as numbers (42894.7300925926) in a yyyy-mm-dd hh:mm:ss number format,
    # i.e. Excel datetime cells: the reader gives ISO text (docs/internals.md: datetime cells as ISO).
    table = read_table(realdata / "china_gov_messages" / "附件3.xlsx", "xlsx", {})
    rows = list(table.rows)
    assert table.header == ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"]
    assert len(rows) == 30
    assert rows[0][1][3] == "2017-06-08 17:31:20"  # serial 42894.730092592603
    assert all(ISO_DT.match(c[3]) for _, c in rows)
    assert rows[0][1][5:] == ["9", "0"]


def test_reply_columns_and_mixed_date_column(realdata):
    table = read_table(realdata / "china_gov_messages" / "附件4.xlsx", "xlsx", {"sheet": "Sheet1"})
    rows = dict(table.rows)
    assert table.header[5:] == ["答复意见", "答复时间"]
    assert len(rows) == 120
    assert all(c[5] and c[6] for c in rows.values())
    # the one date-formatted number among 119 text dates (Excel row 7)
    assert rows[7][3] == "2019-04-08 08:37:20"
    others = [c[3] for line, c in rows.items() if line != 7]
    assert all(TEXT_DT.match(v) for v in others)
    assert rows[2][6] == "2019/5/10 14:56:53"


def test_category_tree_sheet(realdata):
    table = read_table(realdata / "china_gov_messages" / "附件1.xlsx", "xlsx", {"sheet": 0})
    rows = list(table.rows)
    assert table.header == ["一级分类", "二级分类", "三级分类"]
    assert len(rows) == 517
    assert rows[0] == (2, ["城乡建设", "安全生产", "事故处理"])
