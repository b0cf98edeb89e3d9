"""总览 Overview: KPI tiles against targets, daily trend of 处置率/结案率, breakdown by street.

Query parameters: ``source`` (data set, default licheng), ``range`` (two ISO dates), ``breakdown``
(metric id of the street chart). KPI arithmetic lives in :mod:`dashboards.kpis`.
"""

PAGE = {"order": 10, "title": "nav.overview", "icon": ":material/dashboard:", "url_path": "overview"}

import datetime as dt  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboards import charts, data, frame, kpis, urlstate  # noqa: E402
from dashboards.i18n import t  # noqa: E402

RAG_BADGE = {"green": "green", "amber": "orange", "red": "red", "none": "gray"}
DEFAULT_DAYS = 30
TILES_PER_ROW = 3


def fmt_pct(value: float | None) -> str:
    """A 0..1 rate as ``97.5 %``; ``—`` when None."""
    return "—" if value is None else f"{value * 100:.1f} %"


def metric_meta(dim: pd.DataFrame, spec: kpis.KpiSpec, lang: str) -> tuple[str, str | None, float]:
    """(display name, hover definition, target 0..1) of ``spec`` from marts.dim_metric, with the
    spec's built-in names/target as fallback."""
    row = dim[dim["metric_id"] == spec.metric_id]
    name = spec.name_zh if lang == "zh" else spec.name_en
    help_text, target = None, spec.default_target
    if not row.empty:
        r = row.iloc[0]
        name = r.get(f"name_{lang}") if pd.notna(r.get(f"name_{lang}")) else name
        definition = r.get(f"definition_{lang}")
        formula = r.get("formula")
        parts = [str(p) for p in (definition, formula) if p is not None and pd.notna(p) and str(p)]
        help_text = "\n\n".join(parts) or None
        target = kpis.normalize_target(r.get("target"), spec.default_target)
    return str(name), help_text, target


def pick_range(bounds: tuple[dt.date, dt.date] | None, zone: str) -> tuple[dt.date, dt.date] | None:
    """Date-range filter (bound to ``?range=``); default: the last 30 days with data."""
    if bounds is None:
        from zoneinfo import ZoneInfo

        hi = dt.datetime.now(ZoneInfo(zone)).date()
        lo = hi - dt.timedelta(days=DEFAULT_DAYS - 1)
    else:
        lo, hi = bounds
    default = (max(lo, hi - dt.timedelta(days=DEFAULT_DAYS - 1)), hi)
    urlstate.init_range("range", default)
    picked = st.date_input(t("overview.range"), key="range", format="YYYY-MM-DD", persist_state="session")
    if not isinstance(picked, (tuple, list)) or len(picked) != 2:
        st.info(t("overview.range_incomplete"))
        return None
    urlstate.sync_range("range", picked, default)
    start, end = picked
    return (start, end) if start <= end else (end, start)


def render_tiles(values: list[tuple[kpis.KpiValue, str, str | None, float]]) -> None:
    """KPI tiles, three per row (long Chinese names stay readable at 1366 px): value, change vs
    previous period in percentage points, target and red/amber/green state."""
    for row_start in range(0, len(values), TILES_PER_ROW):
        cols = st.columns(TILES_PER_ROW)
        for col, (kv, name, help_text, target) in zip(cols, values[row_start:row_start + TILES_PER_ROW]):
            with col.container(border=True):
                delta, delta_color = None, "normal"
                if kv.delta is not None:
                    points = round(kv.delta * 100, 1)
                    delta = t("overview.delta", delta=points) if points else t("overview.delta_zero")
                    delta_color = "normal" if points else "off"
                st.metric(f"{name} {kv.spec.metric_id}", fmt_pct(kv.value), delta=delta,
                          delta_color=delta_color, help=help_text)
                state = kpis.rag_state(kv.value, target)
                st.badge(f"{t('rag.' + state)} · {t('overview.target', target=fmt_pct(target))}",
                         color=RAG_BADGE[state])
                if kv.period is not None:
                    period = (t("overview.period_month", month=kv.period[0].strftime("%Y-%m"))
                              if kv.spec.monthly else
                              t("overview.period_days", start=kv.period[0], end=kv.period[1]))
                    st.caption(f"{period} · {t('overview.num_den', num=kv.numerator, den=kv.denominator)}")


def render(ctx: frame.PageContext) -> None:
    """Overview body: data-set selector, range filter, tiles, trend and street breakdown."""
    snap, lang = ctx.snapshot, ctx.lang
    sources = data.source_systems(snap)
    if sources.empty:
        st.info(t("state.no_rows"))
        return
    names = dict(zip(sources["source_system"], sources[f"name_{lang}"]))
    zones = dict(zip(sources["source_system"], sources["time_zone"]))
    c1, c2 = st.columns([1, 1])
    with c1:
        options = list(sources["source_system"])
        urlstate.init_choice("source", options, options[0])
        source = st.selectbox(t("overview.dataset"), options, key="source", persist_state="session",
                              format_func=lambda s: s if names[s] == s else f"{names[s]} ({s})")
        urlstate.sync_choice("source", source, options[0])
    zone = zones[source]
    with c2:
        window = pick_range(data.date_bounds(snap, source), zone)
    if window is None:
        return
    start, end = window
    prev_start, _ = kpis.previous_window(start, end)

    dim = data.metric_dim(snap)
    frames = {
        "fault": data.fault_daily(snap, source, prev_start, end),
        "closure": data.closure_daily(snap, source, prev_start, end),
        "gas": data.gas_monthly(snap, source, kpis.previous_month(kpis.month_start(start)),
                                kpis.month_start(end)),
    }
    values = []
    for spec in kpis.KPIS:
        kv = (kpis.monthly_kpi(spec, frames["gas"], start, end) if spec.monthly
              else kpis.daily_kpi(spec, frames[spec.fact], start, end))
        values.append((kv, *metric_meta(dim, spec, lang)))

    st.subheader(t("overview.kpis"))
    render_tiles(values)
    tiles = pd.DataFrame([
        {"metric_id": kv.spec.metric_id, "name": name, "value": kv.value, "previous": kv.previous,
         "numerator": kv.numerator, "denominator": kv.denominator, "target": target,
         "state": kpis.rag_state(kv.value, target),
         "period_start": kv.period[0] if kv.period else None,
         "period_end": kv.period[1] if kv.period else None}
        for kv, name, _help, target in values
    ])
    frame.csv_download(tiles, f"kpis_{source}_{start}_{end}", key="dl_kpis")

    render_trend(values, frames, start, end, zone, source)
    render_breakdown(values, frames, start, end, source)


def render_trend(values, frames, start: dt.date, end: dt.date, zone: str, source: str) -> None:
    """Daily F1 disposal rate and C16 closure rate lines with targets, plus their CSV."""
    st.subheader(t("overview.trend"))
    meta = {kv.spec.metric_id: (kv.spec, name, target) for kv, name, _h, target in values}
    series, table = [], None
    for metric_id in ("F1", "C16"):
        spec, name, target = meta[metric_id]
        df = frames[spec.fact]
        df = df[(df["date_local"] >= start) & (df["date_local"] <= end)]
        daily = kpis.daily_series(df, spec.numerator, spec.denominator)
        series.append((f"{name} {metric_id}", daily, target))
        part = daily.rename(columns={c: f"{metric_id}_{c}" for c in ("numerator", "denominator", "rate")})
        table = part if table is None else table.merge(part, on="date_local", how="outer")
    if table is None or table.empty:
        st.info(t("state.no_rows"))
        return
    fig = charts.trend_figure(series, t("overview.trend_x", zone=zone), t("overview.trend_y"),
                              t("overview.target_line"))
    st.plotly_chart(fig, key="trend_chart", config={"displaylogo": False})
    frame.csv_download(table.sort_values("date_local"), f"trend_{source}_{start}_{end}", key="dl_trend")


def render_breakdown(values, frames, start: dt.date, end: dt.date, source: str) -> None:
    """Bar chart of the chosen KPI per street (lowest first) with its CSV."""
    st.subheader(t("overview.breakdown"))
    by_id = {kv.spec.metric_id: (kv, name, target) for kv, name, _h, target in values}
    options = list(by_id)
    urlstate.init_choice("breakdown", options, options[0])
    metric_id = st.selectbox(t("overview.breakdown_metric"), options, key="breakdown",
                             persist_state="session", format_func=lambda m: f"{by_id[m][1]} {m}")
    urlstate.sync_choice("breakdown", metric_id, options[0])
    kv, name, target = by_id[metric_id]
    spec = kv.spec
    df = kpis.rows_for(spec, frames[spec.fact])
    if spec.monthly:
        if kv.period is None:
            st.info(t("state.no_rows"))
            return
        df = df[df["period_month"] == kv.period[0]]
    else:
        df = df[(df["date_local"] >= start) & (df["date_local"] <= end)]
    streets = kpis.street_breakdown(df, spec.numerator, spec.denominator)
    if streets.empty:
        st.info(t("state.no_rows"))
        return
    states = [kpis.rag_state(None if pd.isna(r) else float(r), target) for r in streets["rate"]]
    fig = charts.street_figure(streets, states, target, t("overview.breakdown_x"),
                               t("overview.breakdown_y"), t("overview.target_line"))
    st.plotly_chart(fig, key="street_chart", config={"displaylogo": False})
    out = streets.assign(metric_id=metric_id, state=states)
    frame.csv_download(out, f"streets_{metric_id}_{source}_{start}_{end}", key="dl_streets")


frame.run_page("nav.overview", render)
