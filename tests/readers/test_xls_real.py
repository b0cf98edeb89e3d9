"""xls (BIFF, xlrd) reader against the real Lexington restaurant-score export."""

from __future__ import annotations

import re

import xlrd

from pipelines.ingest.readers import read_table


def test_lexington_xls_header_rows_and_dates(realdata):
    path = realdata / "lexington_lives" / "Jan2014_Restaurant Scores.xls"
    table = read_table(path, "xls", {})
    rows = list(table.rows)
    assert table.header == ["Premise Name", "Premise Address 1", "Status", "Inspection Type", "Score",
                            "Inspection Date", "Violation List", "Followup Required"]
    # the 248 "Column9".."Column256" header cells have no data: dropped, and said so
    assert any("dropped 248 column(s)" in n for n in table.notes)
    book = xlrd.open_workbook(str(path), on_demand=True)
    sheet = book.sheet_by_index(0)
    assert len(rows) == sheet.nrows - 1
    assert rows[0] == (2, ["#1 CHINA BUFFET", "125 E. REYNOLDS ROAD, STE. 120", "ACTIVE", "1", "88",
                           xlrd.xldate_as_datetime(sheet.cell_value(1, 5), book.datemode).date().isoformat(),
                           "   1   8  15  19  23  27  30", "YES"])
    assert rows[0][1][5] == "2013-05-16"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", c[5]) for _, c in rows)
    assert all(re.fullmatch(r"\d+", c[4]) for _, c in rows)  # scores 88.0 -> "88"
    assert rows[-1][0] == sheet.nrows
    assert table.errors == []


def test_skip_rows_moves_the_header(realdata):
    path = realdata / "lexington_lives" / "Jan2014_Restaurant Scores.xls"
    table = read_table(path, "xls", {"skip_rows": 1})
    first = next(table.rows)
    assert table.header[0] == "#1 CHINA BUFFET"  # row 2 used as header when told to skip row 1
    assert first[0] == 3
