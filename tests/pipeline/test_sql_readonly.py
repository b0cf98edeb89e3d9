"""Read-only SQL on the published copy: refusals with clear messages, row cap, timeout, CLI output."""

from __future__ import annotations

import csv
import io
import json

import pytest

from pipelines.cli import EXIT_FAILED, EXIT_OK, EXIT_UNPUBLISHED, main
from pipelines.publish import current_serving, publish
from pipelines.sql_readonly import QueryRefused, QueryTimeout, check_query, run_query


@pytest.fixture
def serving(built_warehouse):
    publish(built_warehouse)
    return current_serving(built_warehouse)[1]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("COPY marts.dim_street TO '/tmp/streets.csv'", "refused statement type: COPY"),
        ("ATTACH '/tmp/other.duckdb' AS other", "refused statement type: ATTACH"),
        ("INSTALL httpfs", "refused statement type: INSTALL/LOAD"),
        ("LOAD httpfs", "refused statement type: INSTALL/LOAD"),
        ("SET enable_external_access = true", "refused statement type: SET"),
        ("PRAGMA database_list", "refused statement type: PRAGMA"),
        ("CREATE TABLE marts.x AS SELECT 1", "refused statement type: CREATE"),
        ("DELETE FROM marts.dim_street", "refused statement type: DELETE"),
        ("SELECT 1; DROP TABLE marts.dim_street", "only one statement is allowed, got 2 (SELECT, DROP)"),
        ("SELECT 1; SELECT 2", "only one statement is allowed, got 2"),
        ("SELEC * FROM marts.dim_street", "SQL does not parse"),
        ("   ", "empty SQL"),
    ],
)
def test_refused_statements_name_the_reason(serving, sql, message):
    with pytest.raises(QueryRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_query(serving, sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM '/etc/exports.csv'",  # replacement scan of a file name
        "SELECT * FROM glob('/etc/*')",
    ],
)
def test_file_access_inside_a_select_is_refused_by_the_sandbox(serving, sql):
    with pytest.raises(QueryRefused, match="refused by the read-only sandbox: .*file system operations are disabled"):
        run_query(serving, sql)


def test_a_select_cannot_unlock_the_configuration(serving):
    # the only way to reach SET from inside a query would be a table function; the configuration is locked
    assert check_query("WITH s AS (SELECT 1 AS a) SELECT a FROM s") == "WITH s AS (SELECT 1 AS a) SELECT a FROM s"
    with pytest.raises(QueryRefused):
        run_query(serving, "SET lock_configuration = false")


def test_select_returns_rows_with_cap_and_timeout(serving):
    result = run_query(serving, "SELECT street FROM marts.dim_street ORDER BY street")
    assert result.columns == ["street"] and [r[0] for r in result.rows] == ["街道0", "街道1", "街道2"]
    assert not result.truncated
    capped = run_query(serving, "SELECT * FROM marts.fct_fault_disposal_daily", max_rows=4)
    assert len(capped.rows) == 4 and capped.truncated
    with pytest.raises(QueryTimeout, match="interrupted after 0.5 s"):
        run_query(serving, "SELECT count(*) FROM range(1000000000000) a", timeout_s=0.5)


def test_cli_sql_csv_and_json(built_warehouse, serving, capsys):
    wh = ["--warehouse-dir", str(built_warehouse.root)]
    assert main(["sql", *wh, "SELECT street, count(*) AS n FROM marts.fct_fault_disposal_daily "
                              "GROUP BY street ORDER BY street"]) == EXIT_OK
    out = capsys.readouterr()
    rows = list(csv.reader(io.StringIO(out.out)))
    assert rows == [["street", "n"], ["街道0", "5"], ["街道1", "5"], ["街道2", "5"]]
    assert "3 row(s) from v000001" in out.err

    assert main(["sql", *wh, "--format", "json", "SELECT occurred_at, date_local FROM ops.events "
                                                 "ORDER BY occurred_at LIMIT 1"]) == EXIT_OK
    records = json.loads(capsys.readouterr().out)
    assert records == [{"occurred_at": "2026-03-01T08:00:00+08:00", "date_local": "2026-03-01"}]


def test_cli_sql_refusal_is_one_clear_line(built_warehouse, serving, capsys):
    code = main(["sql", "--warehouse-dir", str(built_warehouse.root), "SELECT * FROM read_csv('/etc/passwd')"])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert err.startswith("error: query refused: refused by the read-only sandbox")
    assert "Traceback" not in err and err.count("\n") == 1


def test_cli_sql_before_any_publish(tmp_path, capsys):
    assert main(["sql", "--warehouse-dir", str(tmp_path / "empty"), "SELECT 1"]) == EXIT_UNPUBLISHED
    assert "nothing published yet" in capsys.readouterr().err
