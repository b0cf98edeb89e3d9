"""The serving copy and the SQL page cannot read files, attach, load extensions, change settings or
write, and a minutes-long query is interrupted by the time limit (issue 8).

Complements tests/pipeline/test_sql_readonly.py (COPY TO, ATTACH, INSTALL, SET, PRAGMA database_list,
CREATE, DELETE, several statements, read_csv/read_text/glob of /etc, a 0.5 s count): here the other
readers (parquet, json, blob, sniff), URLs (http/https/s3), the ``query()`` table function, CALL,
EXPORT/IMPORT DATABASE, LOAD of a file, settings through PRAGMA/RESET/USE, transactions, secrets, the
time limit on several kinds of long query (and that the file is usable right after), the CLI's
``--timeout``, and the same refusals through the dashboard SQL page (dashboards/views/sql_page.py or pages/,
which calls pipelines.sql_readonly) on a real published demo copy.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.sql_readonly import QueryRefused, QueryTimeout, run_query

PROJECT = Path(__file__).resolve().parents[2]

STATEMENT_REFUSALS = [
    ("CALL pragma_version()", "refused statement type: CALL"),
    ("CHECKPOINT", "refused statement type: CALL"),
    ("EXPORT DATABASE '/tmp/csw_export'", "refused statement type: EXPORT"),
    ("IMPORT DATABASE '/tmp/csw_export'", "refused statement type: PRAGMA"),
    ("LOAD '/tmp/evil.duckdb_extension'", "refused statement type: INSTALL/LOAD"),
    ("FORCE INSTALL httpfs FROM 'http://example.com'", "refused statement type: INSTALL/LOAD"),
    ("PRAGMA enable_profiling", "refused statement type: PRAGMA"),
    ("PRAGMA memory_limit = '100GB'", "refused statement type: SET"),
    ("SET GLOBAL enable_external_access = true", "refused statement type: SET"),
    ("RESET lock_configuration", "refused statement type: SET"),
    ("USE memory", "refused statement type: SET"),
    ("DETACH DATABASE IF EXISTS other", "refused statement type: DETACH"),
    ("BEGIN TRANSACTION", "refused statement type: TRANSACTION"),
    ("VACUUM", "refused statement type: VACUUM"),
    ("CREATE SECRET (TYPE s3, KEY_ID 'k', SECRET 's')", "refused statement type: CREATE"),
    ("CREATE TEMP TABLE t AS SELECT 1", "refused statement type: CREATE"),
    ("UPDATE marts.dim_metric SET name_zh = 'x'", "refused statement type: UPDATE"),
    ("WITH x AS (SELECT 1) INSERT INTO marts.dim_metric SELECT * FROM marts.dim_metric",
     "refused statement type: INSERT"),
    ("EXPLAIN ANALYZE SELECT 1", "refused statement type: EXPLAIN"),
    ("SELECT 1; COPY marts.dim_metric TO '/tmp/m.csv'", "only one statement is allowed, got 2 (SELECT, COPY)"),
    ("SELECT 1;\nATTACH '/tmp/x.duckdb'", "only one statement is allowed, got 2 (SELECT, ATTACH)"),
]

SANDBOX_REFUSALS = [
    "SELECT * FROM read_parquet('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM read_json_auto('/etc/hostname')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "FROM read_text('/proc/self/environ')",
    "SELECT * FROM 'https://example.com/data.csv'",
    "SELECT * FROM read_parquet('http://example.com/x.parquet')",
    "SELECT * FROM read_csv('s3://bucket/key.csv')",
    "SELECT * FROM glob('*')",
    "DESCRIBE SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM duckdb_secrets()",
]

LONG_QUERIES = [  # each would run for minutes (or forever) without the time limit
    "SELECT count(*) FROM range(100000) a, range(100000) b WHERE (a.range * b.range) % 7 = 3",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t",
    "SELECT a.event_id FROM ops.events a, ops.events b ORDER BY md5(a.event_id || b.event_id) LIMIT 1",
]


@pytest.fixture(scope="module")
def serving(demo_published):
    """Path of the published demo serving copy."""
    return demo_published.serving


@pytest.mark.parametrize(("sql", "message"), STATEMENT_REFUSALS)
def test_statements_other_than_one_query_are_refused(serving, sql, message):
    with pytest.raises(QueryRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_query(serving, sql)


@pytest.mark.parametrize("sql", SANDBOX_REFUSALS)
def test_file_url_and_secret_access_inside_a_query_is_refused(serving, sql):
    with pytest.raises(QueryRefused, match=r"refused by the read-only sandbox: Permission Error: .*"
                                           r"(file system operations are disabled|disabled by configuration)"):
        run_query(serving, sql)


def test_the_query_table_function_cannot_smuggle_a_statement(serving):
    """``query('...')`` runs SQL text from inside a SELECT: DuckDB accepts only a SELECT there."""
    with pytest.raises(duckdb.ParserException, match="Expected a single SELECT statement"):
        run_query(serving, "SELECT * FROM query('ATTACH ''/tmp/x.duckdb'' AS x')")
    with pytest.raises(duckdb.ParserException):
        run_query(serving, "SELECT * FROM query('COPY (SELECT 1) TO ''/tmp/y.csv''')")
    assert not os.path.exists("/tmp/y.csv") or os.path.getmtime("/tmp/y.csv") < time.time() - 60


def test_settings_stay_locked_and_sandboxed(serving):
    rows = run_query(serving, "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')")
    assert rows.rows == [(False, True)]
    flags = run_query(serving, "SELECT readonly FROM duckdb_databases() WHERE NOT internal").rows
    assert flags and all(r[0] is True for r in flags)


@pytest.mark.parametrize("sql", LONG_QUERIES)
def test_minutes_long_queries_are_interrupted_at_the_time_limit(serving, sql):
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="interrupted after 1.5 s"):
        run_query(serving, sql, timeout_s=1.5)
    assert time.monotonic() - started < 8, "the interrupt must stop the query promptly"
    # the connection was closed: the copy answers the next query at once
    assert run_query(serving, "SELECT count(*) FROM marts.dim_metric", timeout_s=5).rows[0][0] > 0


def test_cli_timeout_is_one_clear_line(demo_published):
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines", "sql", "--warehouse-dir", str(demo_published.warehouse),
         "--timeout", "1", LONG_QUERIES[0]],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1 and time.monotonic() - started < 60
    assert "interrupted after 1 s" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0, proc.stderr


# --- the dashboard SQL page: the same guards through its own code path ---------------------------------
PAGE_REFUSALS = {
    "SELECT * FROM read_parquet('/etc/passwd')": "sandbox",
    "SELECT * FROM 'https://example.com/data.csv'": "sandbox",
    "EXPORT DATABASE '/tmp/csw_export'": "EXPORT",
    "CALL pragma_version()": "CALL",
    "LOAD httpfs": "INSTALL/LOAD",
    "PRAGMA database_list": "PRAGMA",
    "SET enable_external_access = true": "SET",
    "SELECT 1; DROP TABLE marts.dim_metric": "only one statement",
}


@pytest.fixture
def sql_page(demo_published, monkeypatch):
    """An AppTest of the dashboard on the demo copy, switched to the SQL page (login off)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CSW_WAREHOUSE_DIR", str(demo_published.warehouse))
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    monkeypatch.delenv("CSW_AUTH_FILE", raising=False)  # login off: the page is open (roles: dashboard tests)
    at = AppTest.from_file(str(PROJECT / "dashboards" / "app.py"), default_timeout=90).run()
    at.switch_page("views/sql_page.py").run()  # the navigation path, as in tests/dashboards
    assert not at.exception, [e.value for e in at.exception]
    return at


def _run(at, sql: str):
    at.text_area(key="sql_text").set_value(sql)
    at.button(key="sql_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_sql_page_refuses_through_the_sandbox(sql_page):
    for sql, word in PAGE_REFUSALS.items():
        _run(sql_page, sql)
        assert len(sql_page.error) == 1, (sql, [e.value for e in sql_page.error])
        assert "查询被拒绝" in sql_page.error[0].value and word in sql_page.error[0].value, (sql, sql_page.error[0].value)


def _page_file() -> Path:
    """The dashboard's SQL page module (dashboards/<pages folder>/sql_page.py)."""
    found = sorted((PROJECT / "dashboards").rglob("sql_page.py"))
    assert len(found) == 1, found
    return found[0]


def _page_timeout() -> float:
    """TIMEOUT_S of dashboards/pages/sql_page.py, read from its source (importing the page runs it)."""
    tree = ast.parse(_page_file().read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TIMEOUT_S" for t in node.targets):
            return float(ast.literal_eval(node.value))
    raise AssertionError("sql_page.py defines no TIMEOUT_S")


def test_sql_page_interrupts_a_minutes_long_query(sql_page):
    limit = _page_timeout()
    started = time.monotonic()
    _run(sql_page, LONG_QUERIES[0])
    elapsed = time.monotonic() - started
    assert len(sql_page.error) == 1 and "查询超时" in sql_page.error[0].value, [e.value for e in sql_page.error]
    assert f"interrupted after {limit:g} s" in sql_page.error[0].value
    assert limit <= elapsed < limit + 20
