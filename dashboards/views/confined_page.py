"""有限空间 Confined space: unit ledger coverage, permits, training, ventilation/gas test and
guardian (S1-S5), the unit ledger and the non-compliant operations.

Marts: fct_confined_space_compliance_monthly, fct_confined_space_work, dim_confined_space_unit.
"""

PAGE = {"order": 40, "title": "nav.confined", "icon": ":material/warning:", "url_path": "confined"}

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboards import catalog, data, domain, filters, frame  # noqa: E402
from dashboards.i18n import t  # noqa: E402

UNIT_COLUMNS = ["unit_id", "unit_name", "unit_type", "street", "is_registered", "worker_count", "workers_trained",
                "operations", "ledger_status"]
WORK_COLUMNS = ["work_id", "unit_id", "street", "space_type", "started_at", "is_unit_registered", "is_permitted",
                "workers", "workers_trained", "is_ventilated_tested", "o2_pct", "is_guarded"]


def _streets(df: pd.DataFrame, f: filters.Filters) -> pd.DataFrame:
    return df[df["street"].isin(f.streets)] if f.streets and "street" in df.columns else df


def render_tables(ctx: frame.PageContext, f: filters.Filters) -> None:
    """Unit ledger and the operations in the date range that broke a rule."""
    snap = ctx.snapshot
    st.subheader(t("confined.units"))
    if data.has_table(snap, "marts.dim_confined_space_unit"):
        units = _streets(data.table_rows(snap, "marts.dim_confined_space_unit", f.source, order_by="unit_id"), f)
        shown = frame.localize(units[[c for c in UNIT_COLUMNS if c in units.columns]])
        st.dataframe(shown, hide_index=True, key="units_table")
        frame.downloads(shown, f"confined_units_{f.source}", key="dl_units")
    else:
        st.info(t("state.not_available", table="marts.dim_confined_space_unit"))
    st.subheader(t("confined.violations"))
    if not data.has_table(snap, "marts.fct_confined_space_work"):
        st.info(t("state.not_available", table="marts.fct_confined_space_work"))
        return
    work = data.fact_rows(snap, "fct_confined_space_work", "date_local", f.start, f.end, f.source, WORK_COLUMNS)
    work = _streets(work, f)
    flags = [c for c in ("is_unit_registered", "is_permitted", "is_ventilated_tested", "is_guarded") if c in work.columns]
    bad = work[~work[flags].fillna(False).astype(bool).all(axis=1)] if flags else work.iloc[0:0]
    if "workers_trained" in bad.columns and "workers" in work.columns:
        untrained = work[work["workers_trained"] < work["workers"]]
        bad = pd.concat([bad, untrained]).drop_duplicates("work_id")
    if bad.empty:
        st.info(t("state.no_rows"))
        return
    if "started_at" in bad.columns:
        bad = bad.assign(started_at=frame.local_text(bad["started_at"]))
    shown = frame.localize(bad[[c for c in WORK_COLUMNS if c in bad.columns]].sort_values("work_id"))
    st.dataframe(shown, hide_index=True, key="violations_table")
    frame.downloads(shown, f"confined_violations_{f.key()}", key="dl_violations")


def render(ctx: frame.PageContext) -> None:
    """The shared KPI page for :data:`catalog.CONFINED`, then the ledgers."""
    domain.render_domain(ctx, catalog.CONFINED, extra=render_tables)


frame.run_page("nav.confined", render)
