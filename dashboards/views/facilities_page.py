"""市政设施与桥梁 Facilities and bridges: fault disposal (F1) and repair times (F2), bridge
condition, files and inspections (B1-B6), the bridge register (dim_bridge) and a map of bridges
per street.

Marts: fct_fault_disposal_daily, fct_fault_response_daily, fct_bridge_condition_yearly, dim_bridge.
"""

PAGE = {"order": 30, "title": "nav.facilities", "icon": ":material/construction:", "url_path": "facilities"}

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboards import catalog, data, domain, filters, frame, i18n, maps  # noqa: E402
from dashboards.i18n import t  # noqa: E402

BRIDGE_COLUMNS = ["bridge_id", "name", "street", "maintenance_class", "maintenance_grade", "latest_bci",
                  "latest_grade", "latest_assessed_at", "file_complete", "missing_items", "last_periodic_regular_at"]


def render_bridges(ctx: frame.PageContext, f: filters.Filters) -> None:
    """Bridge register of the data set (chosen streets) and the bridges-per-street map."""
    st.subheader(t("facilities.bridges"))
    if not data.has_table(ctx.snapshot, "marts.dim_bridge"):
        st.info(t("state.not_available", table="marts.dim_bridge"))
        return
    bridges = data.table_rows(ctx.snapshot, "marts.dim_bridge", f.source, order_by="bridge_id")
    if f.streets:
        bridges = bridges[bridges["street"].isin(f.streets)]
    if bridges.empty:
        st.info(t("state.no_rows"))
        return
    for col in ("latest_assessed_at", "last_periodic_regular_at"):
        if col in bridges.columns:
            bridges[col] = pd.to_datetime(bridges[col], utc=True).dt.tz_convert(data.DISPLAY_TZ).dt.date
    shown = frame.localize(bridges[[c for c in BRIDGE_COLUMNS if c in bridges.columns]])
    st.dataframe(shown, hide_index=True, key="bridges_table")
    frame.downloads(shown, f"bridges_{f.source}", key="dl_bridges")
    counts = bridges.groupby("street", as_index=False).size().rename(columns={"size": "value"})
    geo = maps.geojson_for(f.source)
    if geo is not None:
        st.markdown(f"**{t('map.assets')}**")
        fig = maps.street_map(counts, t("facilities.assets_by_street"), i18n.column_label("bridges"),
                              lambda v: "—" if v is None else f"{v:,.0f}", geo)
        st.plotly_chart(fig, key="bridges_map", config={"displaylogo": False})
        frame.downloads(frame.localize(counts.rename(columns={"value": "bridges"})), f"bridges_by_street_{f.source}",
                        key="dl_bridges_map")


def render(ctx: frame.PageContext) -> None:
    """The shared KPI page for :data:`catalog.FACILITIES`, then the bridge register."""
    domain.render_domain(ctx, catalog.FACILITIES, extra=render_bridges)


frame.run_page("nav.facilities", render)
