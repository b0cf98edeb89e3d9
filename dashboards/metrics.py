"""Generic KPI engine driven by the metric registry ``marts.dim_metric`` (pure pandas, no I/O).

Each registry row names the fact model, its numerator / denominator columns, its date column
(``date_local`` -> daily, ``period_month`` -> monthly, ``period_year`` -> yearly), an optional filter
``column = 'value'``, the target, unit and direction (METRICS.md; dbt YAML ``meta.metrics``).

Roll-up rules (mart contract: any roll-up is sum(num) / sum(den), None when the denominator is 0):

- daily metrics: the value over the selected window [start, end] against the same-length window
  before it;
- monthly / yearly metrics: the latest period inside the window that has rows, against the period
  before it (months are never summed: coverage-type numbers are distinct counts per period);
- metrics without a denominator (counts, amounts): sum of the numerator;
- metrics without numerator and denominator (C20 composite score): mean of the rate column over
  the selected streets.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from dashboards.kpis import AMBER_BAND, month_start, previous_month, previous_window

Grain = Literal["day", "month", "year"]
State = Literal["green", "amber", "red", "none", "notarget"]

GRAIN_BY_DATE_COLUMN: dict[str, Grain] = {"date_local": "day", "period_month": "month", "period_year": "year"}
_FILTER = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*=\s*'([^']*)'\s*$")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
SERIES_PERIODS = {"month": 12, "year": 6}


class MetricDefinitionError(ValueError):
    """A registry row cannot be used (bad identifier, filter or date column); message names the metric."""


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _float(value: object) -> float | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def parse_filter(text: str | None, metric_id: str = "?") -> tuple[str, str] | None:
    """``"shift = 'day'"`` -> ``("shift", "day")``; None for no filter.

    Raises :class:`MetricDefinitionError` for anything but a single ``column = 'value'``.
    """
    if text is None:
        return None
    m = _FILTER.match(text)
    if m is None:
        raise MetricDefinitionError(f"metric {metric_id}: unsupported filter {text!r} (want column = 'value')")
    return m.group(1), m.group(2)


@dataclass(frozen=True)
class MetricDef:
    """One metric of ``marts.dim_metric``.

    ``target`` is a 0..1 rate for unit ``ratio`` (98 is read as 98 %), else in the metric's unit;
    ``denominator_column`` None means a count/amount; ``grain`` follows ``date_column``.
    """

    metric_id: str
    name_zh: str
    name_en: str
    definition_zh: str | None
    definition_en: str | None
    formula: str | None
    target: float | None
    unit: str
    direction: str
    source: str | None
    model: str
    rate_column: str | None
    numerator_column: str | None
    denominator_column: str | None
    date_column: str
    filter: tuple[str, str] | None = None

    @property
    def grain(self) -> Grain:
        """day | month | year, from ``date_column``."""
        return GRAIN_BY_DATE_COLUMN[self.date_column]

    @property
    def is_rate(self) -> bool:
        """True when the value is sum(num) / sum(den)."""
        return self.numerator_column is not None and self.denominator_column is not None

    @property
    def needed_columns(self) -> list[str]:
        """Fact columns this metric reads (besides date and street)."""
        cols = [c for c in (self.numerator_column, self.denominator_column) if c]
        if not cols and self.rate_column:
            cols.append(self.rate_column)
        if self.filter:
            cols.append(self.filter[0])
        return cols

    def name(self, lang: str) -> str:
        """Display name in ``lang`` (zh / en)."""
        return self.name_zh if lang == "zh" else self.name_en

    def help(self, lang: str, target_text: str | None = None) -> str:
        """Hover text: definition, formula, source clause and target (Markdown)."""
        definition = self.definition_zh if lang == "zh" else self.definition_en
        parts = [p for p in (definition, f"`{self.formula}`" if self.formula else None, self.source) if p]
        if target_text:
            parts.append(target_text)
        return "\n\n".join(parts)


def metric_from_row(row: dict) -> MetricDef:
    """Build a :class:`MetricDef` from one ``marts.dim_metric`` row (a dict).

    Raises :class:`MetricDefinitionError` for a missing model / date column, an unknown date column,
    identifiers that are not plain SQL names or an unsupported filter.
    """
    metric_id = _text(row.get("metric_id")) or "?"
    model = _text(row.get("model"))
    date_column = _text(row.get("date_column"))
    if model is None or date_column is None:
        raise MetricDefinitionError(f"metric {metric_id}: model and date_column are required")
    if date_column not in GRAIN_BY_DATE_COLUMN:
        raise MetricDefinitionError(f"metric {metric_id}: unknown date column {date_column!r}")
    cols = {k: _text(row.get(k)) for k in ("rate_column", "numerator_column", "denominator_column")}
    for name in (model, *[c for c in cols.values() if c]):
        if not _IDENT.match(name):
            raise MetricDefinitionError(f"metric {metric_id}: {name!r} is not a plain identifier")
    if cols["numerator_column"] is None and cols["rate_column"] is None:
        raise MetricDefinitionError(f"metric {metric_id}: neither numerator_column nor rate_column")
    unit = _text(row.get("unit")) or "ratio"
    target = _float(row.get("target"))
    if target is not None and unit == "ratio" and target > 1.0:
        target = target / 100.0
    direction = _text(row.get("direction")) or ("higher_better" if unit == "ratio" else "none")
    return MetricDef(
        metric_id=metric_id,
        name_zh=_text(row.get("name_zh")) or metric_id,
        name_en=_text(row.get("name_en")) or metric_id,
        definition_zh=_text(row.get("definition_zh")),
        definition_en=_text(row.get("definition_en")),
        formula=_text(row.get("formula")),
        target=target,
        unit=unit,
        direction=direction,
        source=_text(row.get("source")),
        model=model,
        date_column=date_column,
        filter=parse_filter(_text(row.get("filter")), metric_id),
        **cols,
    )


def registry(dim: pd.DataFrame) -> tuple[dict[str, MetricDef], dict[str, str]]:
    """All usable metrics of a dim_metric frame, and the unusable ones with the reason."""
    good: dict[str, MetricDef] = {}
    bad: dict[str, str] = {}
    for row in dim.to_dict("records"):
        try:
            m = metric_from_row(row)
        except MetricDefinitionError as exc:
            bad[str(row.get("metric_id"))] = str(exc)
            continue
        good[m.metric_id] = m
    return good, bad


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


def period_start(day: dt.date, grain: Grain) -> dt.date:
    """First day of the period of ``day`` (the day itself for daily metrics)."""
    if grain == "month":
        return month_start(day)
    if grain == "year":
        return day.replace(month=1, day=1)
    return day


def period_end(start: dt.date, grain: Grain) -> dt.date:
    """Last day of the period starting at ``start``."""
    if grain == "month":
        return (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if grain == "year":
        return start.replace(month=12, day=31)
    return start


def previous_period(start: dt.date, grain: Grain) -> dt.date:
    """First day of the period before the one starting at ``start``."""
    if grain == "month":
        return previous_month(start)
    if grain == "year":
        return start.replace(year=start.year - 1)
    return start - dt.timedelta(days=1)


def load_window(start: dt.date, end: dt.date, grain: Grain) -> tuple[dt.date, dt.date]:
    """Date-column range to load for a metric of ``grain`` so the value, the previous period and
    the sparkline are covered: the previous window for daily metrics; 12 months / 6 years back
    from ``end`` for monthly / yearly ones (date columns hold period starts)."""
    if grain == "day":
        return previous_window(start, end)[0], end
    first = period_start(min(start, end), grain)
    last = period_start(end, grain)
    back = first
    for _ in range(SERIES_PERIODS[grain]):
        back = previous_period(back, grain)
    return back, last


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def apply_filter(metric: MetricDef, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``rows`` selected by the metric's own filter (e.g. shift = 'day')."""
    if metric.filter is None:
        return rows
    col, value = metric.filter
    if col not in rows.columns:
        return rows.iloc[0:0]
    return rows[rows[col].astype(str) == value]


def aggregate(metric: MetricDef, rows: pd.DataFrame) -> tuple[float | None, float, float | None]:
    """(value, numerator sum, denominator sum or None) of ``rows`` (already filtered).

    Rates: sum(num) / sum(den), None when the denominator is 0 or there are no rows (never 0 %).
    Counts/amounts: sum(num) (0 when rows exist but sum to 0; None without rows).
    Scores without num/den: mean of the rate column.
    """
    if rows.empty:
        return None, 0.0, None if not metric.is_rate else 0.0
    if metric.numerator_column is None:
        vals = pd.to_numeric(rows[metric.rate_column], errors="coerce").dropna()
        return (float(vals.mean()) if len(vals) else None), float(vals.sum()), float(len(vals))
    num = float(pd.to_numeric(rows[metric.numerator_column], errors="coerce").fillna(0).sum())
    if metric.denominator_column is None:
        return num, num, None
    den = float(pd.to_numeric(rows[metric.denominator_column], errors="coerce").fillna(0).sum())
    return (num / den if den else None), num, den


@dataclass(frozen=True)
class MetricValue:
    """A computed tile: ``value`` / ``previous`` in the metric's unit (rates 0..1) or None;
    ``period`` / ``previous_period`` (first, last day) they cover; numerator/denominator sums;
    ``series`` (columns ``period`` (date), ``value``) for the sparkline and trend chart."""

    metric: MetricDef
    value: float | None
    previous: float | None
    numerator: float
    denominator: float | None
    period: tuple[dt.date, dt.date] | None
    previous_period: tuple[dt.date, dt.date] | None
    series: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["period", "value"]))

    @property
    def delta(self) -> float | None:
        """value - previous (rate units for ratios), None if either is missing."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def state(self) -> State:
        """Red/amber/green against the target, see :func:`rag_state`."""
        return rag_state(self.metric, self.value)


def _in(rows: pd.DataFrame, col: str, lo: dt.date, hi: dt.date) -> pd.DataFrame:
    return rows[(rows[col] >= lo) & (rows[col] <= hi)]


def series(metric: MetricDef, rows: pd.DataFrame) -> pd.DataFrame:
    """Value per period (day / month / year) of the (filtered) rows: columns period, value,
    numerator, denominator; sorted by period."""
    col = metric.date_column
    out = []
    for period, part in rows.groupby(col, sort=True):
        value, num, den = aggregate(metric, part)
        out.append({"period": period, "value": value, "numerator": num, "denominator": den})
    return pd.DataFrame(out, columns=["period", "value", "numerator", "denominator"])


def compute(metric: MetricDef, rows: pd.DataFrame, start: dt.date, end: dt.date) -> MetricValue:
    """The tile of ``metric`` for the window [start, end] from fact ``rows`` (already restricted to
    the data set, streets and categories; loaded over :func:`load_window`)."""
    col = metric.date_column
    rows = apply_filter(metric, rows)
    if metric.grain == "day":
        p0, p1 = previous_window(start, end)
        cur = _in(rows, col, start, end)
        value, num, den = aggregate(metric, cur)
        prev, _, _ = aggregate(metric, _in(rows, col, p0, p1))
        return MetricValue(metric, value, prev, num, den, (start, end), (p0, p1), series(metric, cur))
    in_range = _in(rows, col, period_start(start, metric.grain), end)
    if in_range.empty:
        return MetricValue(metric, None, None, 0.0, None, None, None, series(metric, rows))
    latest = max(in_range[col])
    before = previous_period(latest, metric.grain)
    value, num, den = aggregate(metric, rows[rows[col] == latest])
    prev, _, _ = aggregate(metric, rows[rows[col] == before])
    shown = rows[rows[col] <= latest]
    return MetricValue(metric, value, prev, num, den, (latest, period_end(latest, metric.grain)),
                       (before, period_end(before, metric.grain)), series(metric, shown))


def by_street(metric: MetricDef, rows: pd.DataFrame, mv: MetricValue) -> pd.DataFrame:
    """Per street for the tile's period: columns street, numerator, denominator, value, state;
    the street most behind its target first (highest first for lower-is-better metrics)."""
    out_cols = ["street", "numerator", "denominator", "value", "state"]
    if mv.period is None or "street" not in rows.columns:
        return pd.DataFrame(columns=out_cols)
    part = _in(apply_filter(metric, rows), metric.date_column, mv.period[0], mv.period[1])
    out = []
    for street, grp in part.groupby("street", sort=True):
        value, num, den = aggregate(metric, grp)
        out.append({"street": street, "numerator": num, "denominator": den, "value": value,
                    "state": rag_state(metric, value)})
    df = pd.DataFrame(out, columns=out_cols)
    ascending = metric.direction != "lower_better"
    return df.sort_values(["value", "street"], ascending=[ascending, True], na_position="last").reset_index(drop=True)


def rag_state(metric: MetricDef, value: float | None, band: float = AMBER_BAND) -> State:
    """green at/above target (at/below for lower-is-better), amber within ``band`` of it (rates:
    5 percentage points; other units: 5 % of the target), else red; ``none`` without a value,
    ``notarget`` when the metric has no target."""
    if value is None:
        return "none"
    target = metric.target
    if target is None or metric.direction == "none" and metric.unit != "score":
        return "notarget"
    margin = band if metric.unit == "ratio" else abs(target) * band
    if metric.direction == "lower_better":
        if value <= target + 1e-12:
            return "green"
        return "amber" if value <= target + margin else "red"
    if value >= target - 1e-12:
        return "green"
    return "amber" if value >= target - margin else "red"


def format_value(metric: MetricDef, value: float | None, lang: str = "zh") -> str:
    """``97.5 %`` for rates, ``1,234`` for counts, ``¥12,345`` for amounts, ``12.3 分钟`` /
    ``12.3 min`` for durations, ``85.2`` for scores; ``—`` when None."""
    if value is None:
        return "—"
    unit = metric.unit
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "yuan":
        return f"¥{value:,.0f}"
    if unit == "minutes":
        return f"{value:,.1f} {'分钟' if lang == 'zh' else 'min'}"
    if unit == "hours":
        return f"{value:,.1f} {'小时' if lang == 'zh' else 'h'}"
    return f"{value:,.1f}"


def format_change(metric: MetricDef, delta: float | None, lang: str = "zh") -> str | None:
    """A signed change: ``+1.5 个百分点`` / ``+1.5 pp`` for rates, else ``+12`` in the unit; ``None`` when
    ``delta`` is None, ``""`` when it rounds to zero."""
    if delta is None:
        return None
    if metric.unit == "ratio":
        points = round(delta * 100, 1)
        if not points:
            return ""
        return f"{points:+.1f} 个百分点" if lang == "zh" else f"{points:+.1f} pp"
    if round(delta, 1) == 0:
        return ""
    sign = "+" if delta > 0 else "-"  # ASCII minus: st.metric reads the arrow from the sign
    return f"{sign}{format_value(metric, abs(delta), lang)}"


def format_delta(metric: MetricDef, delta: float | None, lang: str = "zh") -> str | None:
    """Change against the previous period: percentage points for rates, else in the unit."""
    change = format_change(metric, delta, lang)
    if change is None:
        return None
    if not change:
        return "持平（较上期）" if lang == "zh" else "unchanged vs previous period"
    return f"{change}（较上期）" if lang == "zh" else f"{change} vs previous period"


def delta_color(metric: MetricDef, delta: float | None) -> str:
    """st.metric delta colour: 'inverse' for lower-is-better metrics, 'off' without direction."""
    if delta is None or metric.direction == "none":
        return "off"
    return "inverse" if metric.direction == "lower_better" else "normal"
