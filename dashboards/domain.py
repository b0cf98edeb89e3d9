"""The body every KPI page shares (overview and the domain pages), driven by a
:class:`dashboards.catalog.DomainSpec` and the metric registry ``marts.dim_metric``:

1. sidebar filters (data set, date range, streets, the page's category columns; in the URL);
2. KPI tiles: value, target, change against the previous period, sparkline, definition on hover,
   red/amber/green state (:mod:`dashboards.metrics`), with the tiles' data as CSV/XLSX;
3. one chosen indicator: trend, street bars (click a bar to drill into that street) and an offline
   street map, each with its data as CSV/XLSX;
4. drill-down: the events behind the chosen indicator (``marts.fct_event_lineage``) with source
   file and line.

Metrics or marts missing from the published copy are listed as "not yet available".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from dashboards import catalog, charts, data, filters, frame, i18n, maps, metrics, urlstate
from dashboards.i18n import t

log = logging.getLogger("dashboards")

RAG_BADGE = {"green": "green", "amber": "orange", "red": "red", "none": "gray", "notarget": "blue"}
TILES_PER_ROW = 4
DRILL_LIMIT = 2000


@dataclass
class PageData:
    """What the tiles were computed from: ``filters``, usable ``values`` (metric id ->
    MetricValue), filtered fact ``rows`` per model, ``unavailable`` (metric id -> reason) and
    ``unreported`` (metric id -> the evidence the data set never recorded, see
    :func:`dashboards.data.unreported_metrics`; shown as "not reported by this data set", never 0 %)."""

    filters: filters.Filters
    values: dict[str, metrics.MetricValue]
    rows: dict[str, pd.DataFrame]
    unavailable: dict[str, str]
    unreported: dict[str, str] = field(default_factory=dict)


def page_metrics(snap: data.Snapshot, ids: tuple[str, ...]) -> tuple[list[metrics.MetricDef], dict[str, str]]:
    """The registry entries of ``ids`` whose model is published; the others with a reason."""
    defs, bad = metrics.registry(data.metric_dim(snap))
    present = data.tables(snap)
    usable, unavailable = [], {}
    for mid in ids:
        if mid in bad:
            unavailable[mid] = bad[mid]
        elif mid not in defs:
            unavailable[mid] = "marts.dim_metric"
        elif f"marts.{defs[mid].model}" not in present:
            unavailable[mid] = f"marts.{defs[mid].model}"
        else:
            usable.append(defs[mid])
    return usable, unavailable


def dim_options(snap: data.Snapshot, models: list[str], dims: tuple[str, ...], source: str) -> dict[str, list[str]]:
    """Category filter options: distinct values of each column in ``dims`` over ``models``."""
    out: dict[str, list[str]] = {}
    for col in dims:
        values: set[str] = set()
        for model in models:
            values.update(data.distinct_values(snap, model, col, source))
        out[col] = sorted(values)
    return out


def restrict(rows: pd.DataFrame, f: filters.Filters) -> pd.DataFrame:
    """Rows of the chosen streets and category values (columns a fact lacks are not filtered)."""
    if f.streets and "street" in rows.columns:
        rows = rows[rows["street"].isin(f.streets)]
    for col, values in f.dims.items():
        if col in rows.columns:
            rows = rows[rows[col].astype(str).isin(values)]
    return rows


def load(snap: data.Snapshot, f: filters.Filters, defs: list[metrics.MetricDef],
         dims: tuple[str, ...]) -> PageData:
    """Load each model once (all columns its metrics need, over the widest load window) and
    compute every tile."""
    unreported = data.unreported_metrics(snap, f.source)
    by_model: dict[str, list[metrics.MetricDef]] = {}
    for m in defs:
        if m.metric_id not in unreported:
            by_model.setdefault(m.model, []).append(m)
    rows: dict[str, pd.DataFrame] = {}
    values: dict[str, metrics.MetricValue] = {}
    unavailable: dict[str, str] = {}
    for model, ms in by_model.items():
        date_col = ms[0].date_column
        lo = min(metrics.load_window(f.start, f.end, m.grain)[0] for m in ms)
        wanted = ["street", *dims] + [c for m in ms for c in m.needed_columns]
        try:
            df = data.fact_rows(snap, model, date_col, lo, f.end, f.source, wanted)
        except data.MartUnavailable as exc:
            for m in ms:
                unavailable[m.metric_id] = exc.table
            continue
        df = restrict(df, f)
        rows[model] = df
        for m in ms:
            missing = [c for c in m.needed_columns if c not in df.columns]
            if missing:
                unavailable[m.metric_id] = f"marts.{model}.{missing[0]}"
                continue
            values[m.metric_id] = metrics.compute(m, df, f.start, f.end)
    return PageData(f, values, rows, unavailable,
                    {m.metric_id: unreported[m.metric_id] for m in defs if m.metric_id in unreported})


def unit_label(m: metrics.MetricDef) -> str:
    """Axis title of the metric's unit (比率（%）, 分钟 ...), the unit code if unknown."""
    return t(f"unit.{m.unit}") if i18n.has(f"unit.{m.unit}") else m.unit


def period_text(mv: metrics.MetricValue) -> str:
    """``2025-03-02 至 2025-03-31`` / ``2025-03 月度`` / ``2025 年度`` for the tile caption."""
    if mv.period is None:
        return t("rag.none")
    grain = mv.metric.grain
    if grain == "month":
        return t("overview.period_month", month=mv.period[0].strftime("%Y-%m"))
    if grain == "year":
        return t("period.year", year=mv.period[0].year)
    return t("overview.period_days", start=mv.period[0], end=mv.period[1])


def target_text(m: metrics.MetricDef, lang: str) -> str:
    """``目标 98.0 %`` or ``无目标``."""
    if m.target is None:
        return t("rag.notarget")
    return t("overview.target", target=metrics.format_value(m, m.target, lang))


def state_text(mv: metrics.MetricValue, lang: str) -> str:
    """Badge text: state and target, e.g. ``未达标 · 目标 98.0 %``."""
    state = mv.state
    if state in ("notarget", "none") and mv.metric.target is None:
        return t("rag.notarget") if mv.value is not None else t("rag.none")
    return f"{t('rag.' + state)} · {target_text(mv.metric, lang)}"


def sparkline(mv: metrics.MetricValue) -> list[float] | None:
    """Values of the tile's series for st.metric's small chart (rates in percent); None if < 2."""
    vals = [v for v in mv.series["value"] if v is not None and pd.notna(v)]
    if len(vals) < 2:
        return None
    return [round(float(v) * 100, 2) if mv.metric.unit == "ratio" else float(v) for v in vals]


def render_tiles(values: list[metrics.MetricValue], lang: str) -> None:
    """KPI tiles, four per row: value, change vs previous period, sparkline, definition on hover
    (marts.dim_metric), state badge with target, period and numerator/denominator."""
    for row_start in range(0, len(values), TILES_PER_ROW):
        cols = st.columns(TILES_PER_ROW)
        for col, mv in zip(cols, values[row_start:row_start + TILES_PER_ROW]):
            m = mv.metric
            with col.container(border=True):
                delta = metrics.format_delta(m, mv.delta, lang)
                st.metric(f"{m.name(lang)} {m.metric_id}", metrics.format_value(m, mv.value, lang),
                          delta=delta, delta_color=metrics.delta_color(m, mv.delta) if delta else "normal",
                          help=m.help(lang, target_text(m, lang)), chart_data=sparkline(mv), chart_type="line")
                st.badge(state_text(mv, lang), color=RAG_BADGE[mv.state])
                caption = period_text(mv)
                if mv.period is not None and m.is_rate:
                    if m.unit == "ratio":
                        caption += " · " + t("overview.num_den", num=mv.numerator, den=mv.denominator or 0)
                    else:
                        caption += f" · n = {mv.denominator or 0:,.0f}"
                st.caption(caption)


def tiles_table(values: list[metrics.MetricValue], lang: str) -> pd.DataFrame:
    """The tiles as a table (for download): one row per metric."""
    return pd.DataFrame([{
        "metric_id": mv.metric.metric_id, "name": mv.metric.name(lang), "value": mv.value,
        "previous": mv.previous, "numerator": mv.numerator, "denominator": mv.denominator,
        "target": mv.metric.target, "unit": mv.metric.unit, "state": mv.state,
        "period_start": mv.period[0] if mv.period else None, "period_end": mv.period[1] if mv.period else None,
    } for mv in values])


def render_unavailable(unavailable: dict[str, str]) -> None:
    """The "not yet available" note listing metric ids and the missing mart/column."""
    if unavailable:
        items = "、".join(f"{mid}（{table}）" for mid, table in unavailable.items())
        st.info(t("state.metrics_not_available", items=items), icon=":material/construction:")


def render_unreported(unreported: dict[str, str]) -> None:
    """The note listing metrics the chosen data set cannot report, with the evidence each needs."""
    if unreported:
        items = "、".join(f"{mid}（{needs}）" for mid, needs in unreported.items())
        st.info(t("state.metrics_not_reported", items=items), icon=":material/block:")


def render_domain(ctx: frame.PageContext, spec: catalog.DomainSpec,
                  extra: Callable[[frame.PageContext, filters.Filters], None] | None = None) -> PageData | None:
    """The whole KPI page body for ``spec``; ``extra(ctx, filters)`` adds page-specific sections
    (tables, maps) at the end. Returns the computed :class:`PageData` (None without data)."""
    snap, lang = ctx.snapshot, ctx.lang
    defs, unavailable = page_metrics(snap, spec.metrics)
    models = list(dict.fromkeys(m.model for m in defs))
    f = filters.sidebar(snap, lang, lambda source: dim_options(snap, models, spec.dims, source))
    if f is None:
        return None
    if not defs:
        render_unavailable(unavailable)
        if extra is not None:
            extra(ctx, f)
        return None
    page = load(snap, f, defs, spec.dims)
    page.unavailable = {**unavailable, **page.unavailable}
    shown = [page.values[m] for m in spec.metrics if m in page.values]

    st.subheader(t("overview.kpis"))
    render_tiles(shown, lang)
    render_unavailable(page.unavailable)
    render_unreported(page.unreported)
    frame.downloads(frame.localize(tiles_table(shown, lang)), f"kpis_{spec.key}_{f.key()}", key=f"dl_{spec.key}_kpis")
    if shown:
        render_focus(ctx, spec, page, shown)
    if extra is not None:
        extra(ctx, f)
    return page


def render_focus(ctx: frame.PageContext, spec: catalog.DomainSpec, page: PageData,
                 shown: list[metrics.MetricValue]) -> None:
    """Trend, street bars, map and drill-down of the chosen indicator (``?<page>_m=<id>``)."""
    lang, f = ctx.lang, page.filters
    by_id = {mv.metric.metric_id: mv for mv in shown}
    options = list(by_id)
    default = spec.map_metric if spec.map_metric in by_id else options[0]
    key = f"{spec.key}_m"
    st.subheader(t("domain.focus"))
    urlstate.init_choice(key, options, default)
    mid = st.selectbox(t("overview.breakdown_metric"), options, key=key, persist_state="session",
                       format_func=lambda m: f"{by_id[m].metric.name(lang)} {m}")
    urlstate.sync_choice(key, mid, default)
    mv = by_id[mid]
    m = mv.metric
    fmt = lambda v: metrics.format_value(m, v, lang)  # noqa: E731
    streets = metrics.by_street(m, page.rows.get(m.model, pd.DataFrame()), mv)

    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{t('domain.trend', name=m.name(lang))}**")
        if len(mv.series):
            fig = charts.metric_trend(mv.series, f"{m.name(lang)} {mid}", m.unit, m.target,
                                      t("overview.trend_x", zone=f.zone), unit_label(m), t("overview.target_line"))
            st.plotly_chart(fig, key=f"{spec.key}_trend", config={"displaylogo": False})
            frame.downloads(frame.localize(mv.series), f"trend_{mid}_{f.key()}", key=f"dl_{spec.key}_trend")
        else:
            st.info(t("state.no_rows"))
    selected_street = None
    with c2:
        st.markdown(f"**{t('overview.breakdown')}** · {period_text(mv)}")
        if streets.empty:
            st.info(t("state.no_rows"))
        else:
            fig = charts.metric_bars(streets, m.unit, m.target, unit_label(m), t("overview.breakdown_y"),
                                     t("overview.target_line"), fmt)
            event = st.plotly_chart(fig, key=f"{spec.key}_bars", on_select="rerun", selection_mode="points",
                                    config={"displaylogo": False})
            selected_street = _clicked_street(event)
            st.caption(t("drill.click_hint"))
            frame.downloads(frame.localize(streets), f"streets_{mid}_{f.key()}", key=f"dl_{spec.key}_streets")

    geo = maps.geojson_for(f.source)
    lin = catalog.LINEAGE.get(m.model)
    pts = (data.points(ctx.snapshot, f.source, mv.period[0], mv.period[1], lin.aggregate_types, list(f.streets))
           if lin is not None and mv.period is not None else pd.DataFrame(columns=["lon", "lat", "label"]))
    if geo is not None and not streets.empty:
        st.markdown(f"**{t('map.title', name=m.name(lang))}**")
        fig = maps.street_map(streets, f"{m.name(lang)} · {period_text(mv)}", unit_label(m), fmt, geo,
                              points=pts, point_label=t("map.points"), scale=100.0 if m.unit == "ratio" else 1.0)
        st.plotly_chart(fig, key=f"{spec.key}_map", config={"displaylogo": False})
        st.caption(t("map.schematic"))
    elif not pts.empty:
        st.markdown(f"**{t('map.points')}**")
        st.plotly_chart(maps.point_map(pts, f"{m.name(lang)} · {period_text(mv)}", t("map.points")),
                        key=f"{spec.key}_points", config={"displaylogo": False})
        frame.downloads(frame.localize(pts), f"points_{mid}_{f.key()}", key=f"dl_{spec.key}_points")
    render_drill(ctx, spec, f, mv, list(streets["street"]) if not streets.empty else [], selected_street)


def _clicked_street(event) -> str | None:
    """The street of the first selected bar of a plotly selection event, if any."""
    try:
        points = event.selection.points  # type: ignore[union-attr]
    except AttributeError:
        try:
            points = event["selection"]["points"]  # type: ignore[index]
        except (KeyError, TypeError):
            return None
    for p in points or []:
        street = p.get("customdata") or p.get("y")
        if isinstance(street, list):
            street = street[0] if street else None
        if street:
            return str(street)
    return None


def render_drill(ctx: frame.PageContext, spec: catalog.DomainSpec, f: filters.Filters, mv: metrics.MetricValue,
                 street_options: list[str], clicked: str | None) -> None:
    """Drill-down: the events behind the indicator for its period (one street when a bar was
    clicked or a street chosen), with source file and line, as a table with CSV/XLSX."""
    m = mv.metric
    st.subheader(t("drill.title"))
    lin = catalog.LINEAGE.get(m.model)
    if lin is None or not lin.aggregate_types:
        st.info(t("drill.none_for_metric", metric=m.metric_id))
        return
    if mv.period is None:
        st.info(t("state.no_rows"))
        return
    key = f"{spec.key}_drill_street"
    options = [""] + street_options
    last_key = f"{spec.key}_drill_clicked"
    if clicked and clicked in options and st.session_state.get(last_key) != clicked:
        st.session_state[key] = clicked  # the widget below is created after this line
    st.session_state[last_key] = clicked
    if st.session_state.get(key) not in options:
        st.session_state[key] = ""
    lang = ctx.lang  # bound into format_func: AppTest calls it outside the session
    street = st.selectbox(t("drill.street"), options, key=key,
                          format_func=lambda s, lang=lang: s or t("drill.all_streets", lang))
    street_list = [street] if street else list(f.streets)
    equals = {lin.dims[c]: list(v) for c, v in f.dims.items() if c in lin.dims}
    start, end = mv.period
    events, total = data.lineage(ctx.snapshot, f.source, start, end, lin.aggregate_types, street_list,
                                 equals, DRILL_LIMIT)
    st.caption(t("drill.caption", metric=f"{m.name(ctx.lang)} {m.metric_id}", start=start, end=end,
                 shown=len(events), total=total))
    if events.empty:
        st.info(t("state.no_rows"))
        return
    if "occurred_at" in events.columns:
        events["occurred_at"] = frame.local_text(events["occurred_at"])
    shown = frame.localize(events)
    st.dataframe(shown, hide_index=True, key=f"{spec.key}_drill_table")
    frame.downloads(shown, f"events_{m.metric_id}_{street or 'all'}_{start}_{end}", key=f"dl_{spec.key}_drill")

