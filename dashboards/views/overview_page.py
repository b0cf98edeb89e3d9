"""总览 Overview: the bureau's headline indicators (F1 设施故障日处置率, C16 结案率, C17 按期结案率,
G1-G4 燃气检查, C20 街道综合指标) with targets, trend, street breakdown, offline street map and
drill-down (:mod:`dashboards.domain`), plus the printable daily brief (:mod:`dashboards.brief`).

Query parameters: ``source``, ``range``, ``street`` (sidebar filters), ``overview_m`` (indicator).
"""

PAGE = {"order": 10, "title": "nav.overview", "icon": ":material/dashboard:", "url_path": "overview"}

import datetime as dt  # noqa: E402
import logging  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

from dashboards import brief, catalog, data, domain, frame  # noqa: E402
from dashboards.i18n import t  # noqa: E402

log = logging.getLogger("dashboards")


def render_brief(ctx: frame.PageContext) -> None:
    """On-demand daily brief: build HTML + PDF of the current version and offer both."""
    st.subheader(t("brief.title"))
    snap = ctx.snapshot
    if st.button(t("brief.build"), key="brief_build", icon=":material/print:"):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                html_path, pdf_path = brief.build_brief(snap.warehouse_dir, Path(tmp))
                st.session_state["brief_files"] = {
                    "version": snap.version, "html": html_path.read_bytes(), "pdf": pdf_path.read_bytes(),
                    "html_name": html_path.name, "pdf_name": pdf_path.name,
                    "when": dt.datetime.now(brief.ZONE).strftime("%Y-%m-%d %H:%M"),
                }
        except Exception:  # noqa: BLE001 - logged with a reference, never a traceback on the page
            ref = "ERR-" + uuid.uuid4().hex[:8]
            log.exception("brief failed [%s]", ref)
            st.warning(t("brief.failed", ref=ref))
    files = st.session_state.get("brief_files")
    if files and files["version"] == snap.version:
        st.caption(t("brief.ready", version=files["version"], when=files["when"]))
        c1, c2, _ = st.columns([1, 1, 3])
        c1.download_button(t("brief.html"), files["html"], file_name=files["html_name"], mime="text/html",
                           key="brief_dl_html", on_click="ignore", icon=":material/html:")
        c2.download_button(t("brief.pdf"), files["pdf"], file_name=files["pdf_name"], mime="application/pdf",
                           key="brief_dl_pdf", on_click="ignore", icon=":material/picture_as_pdf:")


def render(ctx: frame.PageContext) -> None:
    """Overview body: the shared KPI page, then the brief (leadership / all-street views only)."""
    domain.render_domain(ctx, catalog.OVERVIEW)
    if not data.current_scope().restricted:
        render_brief(ctx)


frame.run_page("nav.overview", render)
