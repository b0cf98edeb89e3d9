"""The refresh summary's list of raw files no contract matched (pipelines.cli.print_unmatched)."""

from __future__ import annotations

from pipelines.cli import print_unmatched


def test_unmatched_list_is_capped_and_says_how_many_more(capsys):
    files = [f"raw/x/export_{i:02d}.csv" for i in range(25)]
    print_unmatched(files, shown=20)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "25 file(s) in the raw folder match no source contract (not loaded):"
    assert lines[1:21] == [f"  {f}" for f in files[:20]]
    assert lines[21] == "  ... and 5 more (is --raw-dir the folder the contracts expect?)"
    assert len(lines) == 22


def test_short_or_empty_unmatched_list(capsys):
    print_unmatched(["raw/a.csv"])
    assert capsys.readouterr().out.splitlines() == [
        "1 file(s) in the raw folder match no source contract (not loaded):", "  raw/a.csv"]
    print_unmatched([])
    assert capsys.readouterr().out == ""


def test_status_text_shows_each_files_warnings():
    from pipelines.status import render_status

    file = dict(path="demo/tips.csv", source="demo_tips", status="loaded", superseded=False, encoding="utf-8",
                rows_in_file=0, rows_loaded=0, rows_rejected=0, top_reject_reasons=[], error=None,
                warnings=["no data rows (header only)", "unknown column 备注 kept in extras"],
                loaded_at="2026-11-30T09:00:00+08:00", load_id="L20261130T010000000000Z-0123456789")
    text = render_status({"published_version": None, "last_failure": None, "refresh_in_progress": False,
                          "ledger_note": "ledger of build.duckdb", "files": [file]})
    header, _, row = text.splitlines()[2:5]
    assert "warnings" in header
    assert "no data rows (header only); unknown column 备注" in row  # cells are clipped at 48 columns
    assert "load id" in header and row.rstrip().endswith("L20261130T010000000000Z-0123456789")  # what `retract` takes


def test_refresh_refuses_a_raw_folder_with_nothing_to_load(tmp_path, capsys):
    """A --raw-dir one level too low (no contract matches) on a never-published warehouse: exit 1, one clear line,
    nothing published, no Dagster run."""
    from pipelines.cli import EXIT_FAILED, main

    raw = tmp_path / "raw" / "demo"
    raw.mkdir(parents=True)
    (raw / "complaints.csv").write_text("工单编号,受理时间\nA1,2026-03-08\n", encoding="utf-8")
    wh = tmp_path / "wh"
    assert main(["refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh)]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "no file under" in err and "matches a source contract" in err and "complaints.csv" in err
    assert "is --raw-dir the folder the contracts expect" in err
    assert not (wh / "serving" / "CURRENT.json").exists()
