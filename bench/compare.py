"""Do the product's marts and the bare baseline compute the same headline numbers on the same files?

``compare(product_db, product_schema, baseline_db)`` attaches both DuckDB files read-only and, for each
headline metric, compares the full grain (every key and every count; averages to 1e-9): rows only in the
product, rows only in the baseline, and the grand totals of both sides. The product side is restricted
to ``source_system = 'licheng'`` and, for F1, to rows with ``faults_due > 0`` (the mart also keeps
report-day rows with nothing due, which the baseline does not produce).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

# metric -> (mart table, baseline table, grain keys, compared measures, product-side filter)
CHECKS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], str]] = {
    "F1 fault disposal 设施故障日处置率": (
        "fct_fault_disposal_daily", "b_fault_disposal_daily", ("date_local", "street", "facility_type"),
        ("faults_due", "faults_disposed_on_time", "faults_disposed", "faults_overdue_open"), "faults_due > 0"),
    "C16/C17 complaint closure 结案率/按期结案率": (
        "fct_complaint_closure_daily", "b_complaint_closure_daily", ("date_local", "channel", "category", "street"),
        ("complaints_due", "complaints_closed", "complaints_closed_on_time"), "true"),
    "G1-G4 gas inspection coverage 检查覆盖率": (
        "fct_gas_inspection_coverage", "b_gas_inspection_coverage", ("period_month", "street", "subject_type"),
        ("units_registered", "units_inspected", "units_with_board", "units_with_alarm"), "true"),
    "sensor daily aggregates 监测日汇总": (
        "fct_sensor_readings_daily", "b_sensor_readings_daily", ("date_local", "device_id", "sensor_type", "unit"),
        ("readings", "readings_flagged", "round(avg_value, 9)", "min_value", "max_value"), "true"),
}


@dataclass
class MetricComparison:
    """One metric: grain rows on each side, rows differing (only in product / only in baseline), totals
    of each measure per side, and ``same`` (no differing rows and at least one row)."""

    metric: str
    product_rows: int
    baseline_rows: int
    only_in_product: int
    only_in_baseline: int
    product_totals: dict[str, float] = field(default_factory=dict)
    baseline_totals: dict[str, float] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return self.only_in_product == 0 and self.only_in_baseline == 0 and self.product_rows > 0

    def as_dict(self) -> dict:
        """JSON-ready dict including ``same``."""
        return {**asdict(self), "same": self.same}


def compare(product_db: Path, product_schema: str, baseline_db: Path) -> list[MetricComparison]:
    """Compare every metric of :data:`CHECKS` between ``product_db``.``product_schema`` (``marts`` in the
    serving copy, ``main_marts`` in build.duckdb) and the baseline tables in ``baseline_db``."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        con.execute(f"ATTACH '{Path(product_db).as_posix()}' AS p (READ_ONLY)")
        con.execute(f"ATTACH '{Path(baseline_db).as_posix()}' AS b (READ_ONLY)")
        out = []
        for metric, (mart, base, keys, measures, where) in CHECKS.items():
            cols = ", ".join([*keys, *(f"{m} AS m{i}" for i, m in enumerate(measures))])
            prod_sql = f"SELECT {cols} FROM p.{product_schema}.{mart} WHERE source_system = 'licheng' AND {where}"
            base_sql = f"SELECT {cols} FROM b.main.{base}"
            n_p = con.execute(f"SELECT count(*) FROM ({prod_sql})").fetchone()[0]
            n_b = con.execute(f"SELECT count(*) FROM ({base_sql})").fetchone()[0]
            only_p = con.execute(f"SELECT * FROM ({prod_sql} EXCEPT ALL {base_sql}) ORDER BY ALL LIMIT 3").fetchall()
            n_only_p = con.execute(f"SELECT count(*) FROM ({prod_sql} EXCEPT ALL {base_sql})").fetchone()[0]
            n_only_b = con.execute(f"SELECT count(*) FROM ({base_sql} EXCEPT ALL {prod_sql})").fetchone()[0]
            sums = ", ".join(f"sum(m{i})" for i in range(len(measures)))
            tp = con.execute(f"SELECT {sums} FROM ({prod_sql})").fetchone()
            tb = con.execute(f"SELECT {sums} FROM ({base_sql})").fetchone()
            names = [m.replace("round(", "").split(",")[0] for m in measures]
            out.append(MetricComparison(
                metric, n_p, n_b, n_only_p, n_only_b,
                {n: (float(v) if v is not None else None) for n, v in zip(names, tp)},
                {n: (float(v) if v is not None else None) for n, v in zip(names, tb)},
                [repr(r) for r in only_p]))
        return out
    finally:
        con.close()
