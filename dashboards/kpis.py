"""KPI definitions and roll-up arithmetic for the overview tiles (pure pandas, no Streamlit, no I/O).

Every rate is rolled up as sum(numerator) / sum(denominator) over the selected rows (mart contract:
"any roll-up is sum(num)/sum(den)"), None when the denominator sums to 0 (never 0 %). Metric ids,
names and formulas follow /work/shared/design/METRICS.md:

- F1 设施故障日处置率 daily fault-disposal rate = faults_disposed_on_time / faults_due (target 98 %)
- G2 餐饮场所燃气安全检查覆盖率 restaurant inspection coverage = units_inspected / units_registered
- G1 瓶装燃气供应站检查覆盖率 LPG station inspection coverage (same, subject_type lpg_station)
- G3 可燃气体报警装置安装率 gas-leak-alarm installation rate = units_with_alarm / units_registered
- G4 燃气安全使用信息牌张贴率 info-board posting rate = units_with_board / units_registered
- C16 结案率 closure rate = complaints_closed / complaints_due (target 95 %)
- C17 按期结案率 on-time closure rate = complaints_closed_on_time / complaints_due (target 95 %)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Fact = Literal["fault", "closure", "gas"]
State = Literal["green", "amber", "red", "none"]

AMBER_BAND = 0.05  # within 5 percentage points below target -> amber (接近目标)


@dataclass(frozen=True)
class KpiSpec:
    """One KPI tile: which fact rows feed it and how.

    ``fact`` selects the frame (fault / closure daily facts, gas monthly fact); ``numerator`` and
    ``denominator`` are its column names; ``subject_type`` filters the gas fact; ``default_target``
    (0..1) is used when marts.dim_metric has no target; ``name_zh``/``name_en`` are fallbacks for
    dim_metric names.
    """

    metric_id: str
    fact: Fact
    numerator: str
    denominator: str
    default_target: float
    name_zh: str
    name_en: str
    subject_type: str | None = None

    @property
    def monthly(self) -> bool:
        """True for month-grain facts (gas coverage), False for daily facts."""
        return self.fact == "gas"


KPIS: tuple[KpiSpec, ...] = (
    KpiSpec("F1", "fault", "faults_disposed_on_time", "faults_due", 0.98, "设施故障日处置率",
            "Daily fault disposal rate"),
    KpiSpec("C16", "closure", "complaints_closed", "complaints_due", 0.95, "结案率", "Closure rate"),
    KpiSpec("C17", "closure", "complaints_closed_on_time", "complaints_due", 0.95, "按期结案率",
            "On-time closure rate"),
    KpiSpec("G2", "gas", "units_inspected", "units_registered", 1.0, "餐饮场所燃气安全检查覆盖率",
            "Restaurant gas inspection coverage", subject_type="restaurant"),
    KpiSpec("G1", "gas", "units_inspected", "units_registered", 1.0, "瓶装燃气供应站检查覆盖率",
            "LPG station inspection coverage", subject_type="lpg_station"),
    KpiSpec("G3", "gas", "units_with_alarm", "units_registered", 1.0, "可燃气体报警装置安装率",
            "Gas-leak alarm installation rate", subject_type="restaurant"),
    KpiSpec("G4", "gas", "units_with_board", "units_registered", 1.0, "燃气安全使用信息牌张贴率",
            "Safety info-board posting rate", subject_type="restaurant"),
)
KPI_BY_ID: dict[str, KpiSpec] = {k.metric_id: k for k in KPIS}


def ratio(df: pd.DataFrame, num: str, den: str) -> float | None:
    """sum(num) / sum(den) over ``df``; None when ``df`` is empty or the denominator sums to 0."""
    if df.empty:
        return None
    d = float(df[den].fillna(0).sum())
    if d == 0:
        return None
    return float(df[num].fillna(0).sum()) / d


def rows_for(spec: KpiSpec, df: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``df`` that feed ``spec`` (filters gas rows by subject_type)."""
    if spec.subject_type is not None and "subject_type" in df.columns:
        return df[df["subject_type"] == spec.subject_type]
    return df


def previous_window(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The window of the same length ending the day before ``start`` (inclusive bounds)."""
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def month_start(day: dt.date) -> dt.date:
    """First day of ``day``'s month."""
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    """First day of the month before ``month`` (a first-of-month date)."""
    return (month - dt.timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class KpiValue:
    """A computed tile: ``value`` and ``previous`` are rates in 0..1 or None; ``period`` /
    ``previous_period`` are (first, last) dates they cover; ``numerator``/``denominator`` sums."""

    spec: KpiSpec
    value: float | None
    previous: float | None
    numerator: float
    denominator: float
    period: tuple[dt.date, dt.date] | None
    previous_period: tuple[dt.date, dt.date] | None

    @property
    def delta(self) -> float | None:
        """value - previous in rate units (0.01 = one percentage point), None if either is None."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def daily_kpi(spec: KpiSpec, df: pd.DataFrame, start: dt.date, end: dt.date) -> KpiValue:
    """Tile of a daily fact: rate over [start, end] vs the same-length window before it.

    ``df`` holds rows with ``date_local`` covering both windows (load them together).
    """
    cur = df[(df["date_local"] >= start) & (df["date_local"] <= end)]
    p0, p1 = previous_window(start, end)
    prev = df[(df["date_local"] >= p0) & (df["date_local"] <= p1)]
    return KpiValue(
        spec,
        ratio(cur, spec.numerator, spec.denominator),
        ratio(prev, spec.numerator, spec.denominator),
        float(cur[spec.numerator].fillna(0).sum()),
        float(cur[spec.denominator].fillna(0).sum()),
        (start, end),
        (p0, p1),
    )


def monthly_kpi(spec: KpiSpec, df: pd.DataFrame, start: dt.date, end: dt.date) -> KpiValue:
    """Tile of the monthly gas fact: the latest month within [``start``'s month, ``end``'s month]
    that has rows of ``spec``, vs the month before it (``df`` should hold that month too).
    Coverage is a per-month distinct count, so months are never summed."""
    rows = rows_for(spec, df)
    in_range = rows[(rows["period_month"] >= month_start(start)) & (rows["period_month"] <= month_start(end))]
    if in_range.empty:
        return KpiValue(spec, None, None, 0.0, 0.0, None, None)
    month = max(in_range["period_month"])
    before = previous_month(month)
    cur = rows[rows["period_month"] == month]
    prev = rows[rows["period_month"] == before]
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return KpiValue(
        spec,
        ratio(cur, spec.numerator, spec.denominator),
        ratio(prev, spec.numerator, spec.denominator),
        float(cur[spec.numerator].fillna(0).sum()),
        float(cur[spec.denominator].fillna(0).sum()),
        (month, next_month - dt.timedelta(days=1)),
        (before, month - dt.timedelta(days=1)),
    )


def normalize_target(value: object, default: float) -> float:
    """A target as a 0..1 rate: dim_metric may state 98 (percent) or 0.98; missing -> ``default``."""
    try:
        target = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    if target != target:  # NaN
        return default
    return target / 100.0 if target > 1.0 else target


def rag_state(value: float | None, target: float, band: float = AMBER_BAND) -> State:
    """Red/amber/green: green at or above target, amber within ``band`` below it, else red;
    ``none`` when there is no value."""
    if value is None:
        return "none"
    if value >= target - 1e-12:
        return "green"
    if value >= target - band:
        return "amber"
    return "red"


def daily_series(df: pd.DataFrame, num: str, den: str) -> pd.DataFrame:
    """Per ``date_local``: columns date_local, numerator, denominator, rate (None when den is 0)."""
    g = df.groupby("date_local", as_index=False)[[num, den]].sum().sort_values("date_local")
    g = g.rename(columns={num: "numerator", den: "denominator"})
    g["rate"] = [n / d if d else None for n, d in zip(g["numerator"], g["denominator"])]
    return g


def street_breakdown(df: pd.DataFrame, num: str, den: str) -> pd.DataFrame:
    """Per ``street``: numerator, denominator, rate; lowest rate first (the street most behind),
    streets with no denominator last."""
    g = df.groupby("street", as_index=False)[[num, den]].sum()
    g = g.rename(columns={num: "numerator", den: "denominator"})
    g["rate"] = [n / d if d else None for n, d in zip(g["numerator"], g["denominator"])]
    return g.sort_values(["rate", "street"], na_position="last").reset_index(drop=True)
