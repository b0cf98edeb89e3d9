"""xlsx reader on small workbooks built with openpyxl: merged two-row Chinese headers and edge cases."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from pipelines.ingest.readers import ReaderError, read_table


def _two_row_header(ws, top: int = 1) -> None:
    ws.cell(top, 1, "编号")
    ws.cell(top, 2, "基本信息")
    ws.cell(top, 4, "时间")
    ws.cell(top + 1, 2, "街道")
    ws.cell(top + 1, 3, "社区")
    ws.cell(top + 1, 4, "受理时间")
    ws.cell(top + 1, 5, "办结时间")
    ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)  # 编号 down both rows
    ws.merge_cells(start_row=top, start_column=2, end_row=top, end_column=3)  # 基本信息 over 街道/社区
    ws.merge_cells(start_row=top, start_column=4, end_row=top, end_column=5)  # 时间 over two times


LABELS = ["编号", "基本信息-街道", "基本信息-社区", "时间-受理时间", "时间-办结时间"]


def test_merged_two_row_header_and_cell_texts(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    _two_row_header(ws)
    ws.append([1, " 东城街道 ", "和平社区", dt.datetime(2024, 1, 2, 3, 4, 5), dt.date(2024, 1, 9)])
    ws.append([])  # an empty row inside the data: not a record
    ws.append([2.5, "西城街道", None, 42894.7300925926, True])
    for r in range(6, 300):  # formatted but empty rows (the "used range" bloat)
        ws.cell(r, 1).number_format = "0.00"
    path = tmp_path / "merged.xlsx"
    wb.save(path)

    table = read_table(path, "xlsx", {"header_rows": 2})
    rows = list(table.rows)
    assert table.header == LABELS
    assert rows == [
        (3, ["1", " 东城街道 ", "和平社区", "2024-01-02 03:04:05", "2024-01-09"]),
        (5, ["2.5", "西城街道", None, "42894.7300925926", "true"]),  # plain-number serial stays a number
    ]
    assert any("1 empty row" in n for n in table.notes)


def test_title_row_skipped_and_vertical_data_merge(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.cell(1, 1, "某区城市管理和综合执法局 2024年1月案件台账")
    ws.merge_cells("A1:E1")
    _two_row_header(ws, top=2)
    ws.append(["A1", "东城街道", "和平社区", "2024/1/2 8:00", None])
    ws.append(["A2", None, "新华社区", "2024/1/3 9:00", None])
    ws.merge_cells("B4:B5")  # 街道 merged down two data rows
    path = tmp_path / "title.xlsx"
    wb.save(path)

    plain = read_table(path, "xlsx", {"header_rows": 2, "skip_rows": 1})
    assert plain.header == LABELS
    rows = list(plain.rows)
    assert [line for line, _ in rows] == [4, 5]
    assert rows[1][1][1] is None  # not filled by default, and the notes say so
    assert any("merged range" in n for n in plain.notes)

    filled = read_table(path, "xlsx", {"header_rows": 2, "skip_rows": 1, "fill_merged_data": True})
    assert [c[1] for _, c in filled.rows] == ["东城街道", "东城街道"]


def test_blank_and_repeated_labels(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["状态", None, "状态", None])
    ws.append(["处置中", "x", "已结案", None])
    path = tmp_path / "labels.xlsx"
    wb.save(path)
    table = read_table(path, "xlsx", {})
    assert table.header == ["状态", "Column2", "状态_2"]
    assert list(table.rows) == [(2, ["处置中", "x", "已结案"])]
    assert any("Column2" in n for n in table.notes) and any("状态_2" in n for n in table.notes)


def test_sheet_errors_and_broken_file(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "案件"
    wb.active.append(["编号"])
    path = tmp_path / "one.xlsx"
    wb.save(path)
    with pytest.raises(ReaderError, match="sheet '不存在' not found.*案件"):
        read_table(path, "xlsx", {"sheet": "不存在"})
    with pytest.raises(ReaderError, match="no header"):
        read_table(path, "xlsx", {"header_rows": 2})
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ReaderError, match="broken.xlsx.*cannot open"):
        read_table(broken, "xlsx", {})


def test_table_not_starting_at_a1_keeps_excel_row_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"] = "案件编号", "处置时长"
    ws["C4"], ws["D4"] = "A-1", dt.timedelta(hours=30)
    ws["D6"] = "孤立值"
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    table = read_table(path, "xlsx", {})
    assert table.header == ["案件编号", "处置时长"]  # blank columns A-B dropped (noted)
    assert list(table.rows) == [(4, ["A-1", "30:00:00"]), (6, [None, "孤立值"])]
    assert any("sheet columns 1-2" in n for n in table.notes)


def test_xlsx_saved_with_xls_name_and_html_disguised_xls(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["编号", "街道"])
    wb.active.append(["A-1", "东城街道"])
    fake = tmp_path / "export.xls"
    wb.save(fake)
    table = read_table(fake, "xls", {})
    assert table.header == ["编号", "街道"] and list(table.rows) == [(2, ["A-1", "东城街道"])]
    assert "read as xlsx" in table.notes[0]
    html = tmp_path / "page.xls"
    html.write_text("<html><table><tr><td>编号</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(ReaderError, match="page.xls.*HTML"):
        read_table(html, "xls", {})
