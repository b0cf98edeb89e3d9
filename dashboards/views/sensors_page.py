"""感知设备 Sensors and alarms: alarm acknowledgement time and false alarms (G12), devices offline
(D1), a map of alarms per street and the readings summary per sensor type.

Marts: fct_sensor_alarms_daily, fct_sensor_devices_daily, fct_sensor_readings_daily.
"""

PAGE = {"order": 70, "title": "nav.sensors", "icon": ":material/sensors:", "url_path": "sensors"}

import streamlit as st  # noqa: E402

from dashboards import catalog, data, domain, filters, frame  # noqa: E402
from dashboards.i18n import t  # noqa: E402


def render_readings(ctx: frame.PageContext, f: filters.Filters) -> None:
    """Readings per sensor type and unit in the date range (flagged readings never averaged)."""
    st.subheader(t("sensors.readings"))
    snap = ctx.snapshot
    if not data.has_table(snap, "marts.fct_sensor_readings_daily"):
        st.info(t("state.not_available", table="marts.fct_sensor_readings_daily"))
        return
    rows = data.fact_rows(snap, "fct_sensor_readings_daily", "date_local", f.start, f.end, f.source,
                          ["device_id", "sensor_type", "unit", "readings", "readings_flagged", "avg_value",
                           "min_value", "max_value"])
    if f.dims.get("sensor_type") and "sensor_type" in rows.columns:
        rows = rows[rows["sensor_type"].isin(f.dims["sensor_type"])]
    if rows.empty:
        st.info(t("state.no_rows"))
        return
    rows["weighted"] = rows["avg_value"] * (rows["readings"] - rows["readings_flagged"])
    g = rows.groupby(["sensor_type", "unit"], as_index=False, dropna=False).agg(
        devices_reporting=("device_id", "nunique"), readings=("readings", "sum"),
        readings_flagged=("readings_flagged", "sum"), weighted=("weighted", "sum"),
        min_value=("min_value", "min"), max_value=("max_value", "max"))
    good = g["readings"] - g["readings_flagged"]
    g["avg_value"] = (g["weighted"] / good.where(good > 0)).round(3)
    shown = frame.localize(g.drop(columns="weighted"))
    st.dataframe(shown, hide_index=True, key="readings_table")
    frame.downloads(shown, f"sensor_readings_{f.key()}", key="dl_readings")


def render(ctx: frame.PageContext) -> None:
    """The shared KPI page for :data:`catalog.SENSORS`, then the readings summary."""
    domain.render_domain(ctx, catalog.SENSORS, extra=render_readings)


frame.run_page("nav.sensors", render)
