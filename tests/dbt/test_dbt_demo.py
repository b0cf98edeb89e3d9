"""Integration: the deterministic demo data set (pipelines.demo) generated, ingested with the real contracts
into a temporary build database, and the whole dbt project built on it. Every mart must have rows for the demo
source system, and the registry-driven marts must agree with the facts they are built from.

One module-scoped fixture does the expensive part once (generate ~8 MB, ingest, dbt build: about a minute).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from conftest import MARTS, query, run_dbt
from pipelines.demo.generate import generate
from pipelines.demo.spec import CONTRACTS
from pipelines.ingest.load import ingest_kind
from pipelines.warehouse import Warehouse

# marts without a source_system column
NO_SOURCE_COLUMN = {"dim_metric", "fct_metric_restatements"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(build.duckdb path, dbt output) after generate -> ingest (one load per ingest kind, 02:00-02:04 on
    2026-11-01 +08:00) -> dbt build."""
    root = tmp_path_factory.mktemp("demo_build")
    raw = root / "raw"
    generate(raw)
    wh = Warehouse(root / "warehouse").ensure()
    kinds = sorted({kind for _, kind in CONTRACTS.values()})
    with wh.connect_build() as con:
        for i, kind in enumerate(kinds):
            results = ingest_kind(con, raw, kind, recorded_at=dt.datetime(2026, 11, 1, 2, i, tzinfo=ZoneInfo("Asia/Shanghai")))
            bad = [r for r in results if r.status != "loaded"]
            assert not bad, [(r.path, r.error) for r in bad]
    run = run_dbt(["build"], wh.build_db, root, {"TZ": "Asia/Shanghai"})
    assert run.returncode == 0, run.output[-5000:]
    return wh.build_db, run.output


def test_build_passes_every_model_test_and_unit_test(demo):
    _, output = demo
    assert "ERROR=0" in output and "WARN=0" in output, output[-3000:]


def test_every_mart_has_demo_rows(demo):
    db, _ = demo
    for name in MARTS:
        where = "" if name in NO_SOURCE_COLUMN else " WHERE source_system = 'licheng'"
        (n,) = query(db, f"SELECT count(*) FROM main_marts.{name}{where}")[0]
        assert n > 0, name


def test_every_metric_has_demo_values(demo):
    db, _ = demo
    registry = {r[0] for r in query(db, "SELECT metric_id FROM main_marts.dim_metric WHERE numerator_column IS NOT NULL")}
    with_values = {r[0] for r in query(db, "SELECT DISTINCT metric_id FROM main_marts.fct_metric_values "
                                           "WHERE source_system = 'licheng' AND numerator IS NOT NULL")}
    assert registry - with_values == set()


def test_bridge_inventory_and_grades(demo):
    db, _ = demo
    # the 25-bridge inventory; the bridges with a BCI (24 had a 常规定期检测) graded by METRICS.md B2 bands
    ((n, graded, with_bci),) = query(db, "SELECT count(*), count(latest_grade), count(latest_bci) FROM main_marts.dim_bridge")
    assert n == 25 and graded == with_bci >= 24
    rows = query(db, "SELECT latest_bci, latest_grade FROM main_marts.dim_bridge WHERE latest_bci IS NOT NULL")
    for bci, grade in rows:
        expected = "A" if bci >= 90 else "B" if bci >= 80 else "C" if bci >= 66 else "D" if bci >= 50 else "E"
        assert grade == expected, (bci, grade)


def test_registry_marts_agree_with_their_facts(demo):
    db, _ = demo
    # F1 over all streets and months equals the fact's own sums; S2 likewise from the operation ledger
    assert query(db, "SELECT sum(numerator), sum(denominator) FROM main_marts.fct_metric_values "
                     "WHERE metric_id = 'F1' AND source_system = 'licheng'") == \
        query(db, "SELECT cast(sum(faults_disposed_on_time) AS DOUBLE), cast(sum(faults_due) AS DOUBLE) "
                  "FROM main_marts.fct_fault_disposal_daily WHERE source_system = 'licheng'")
    assert query(db, "SELECT sum(numerator), sum(denominator) FROM main_marts.fct_metric_values WHERE metric_id = 'S2'") == \
        query(db, "SELECT cast(count(*) FILTER (WHERE is_permitted) AS DOUBLE), cast(count(*) AS DOUBLE) "
                  "FROM main_marts.fct_confined_space_work")
    # composite: a score and an A-E grade for every street in a month with full data; grade matches its band
    graded = query(db, "SELECT composite_score, grade FROM main_marts.fct_street_composite_monthly "
                       "WHERE period_month = DATE '2026-06-01'")
    assert len(graded) == 8
    for score, grade in graded:
        assert grade == ("A" if score >= 90 else "B" if score >= 75 else "C" if score >= 60 else "D" if score >= 40 else "E")


def test_restatements_name_the_loads_that_changed_them(demo):
    db, _ = demo
    # the five loads (one per ingest kind) committed a minute apart: at the earlier cut-offs the later kinds'
    # numbers were not known yet, so they are restated, each naming loads committed after its cut-off
    rows = query(db, "SELECT r.cutoff_at, r.caused_by_loads, r.metric_id FROM main_marts.fct_metric_restatements AS r")
    assert rows and {m for _, _, m in rows} <= {"F1", "C16", "C17", "C1"}
    recorded = dict(query(db, "SELECT load_id, recorded_at FROM events.file_ledger"))
    for cutoff, causes, _ in rows:
        assert causes, cutoff
        assert all(recorded[load] > cutoff for load in causes.split(","))
