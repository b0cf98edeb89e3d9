"""群众诉求 Complaints: volume (C1), closure (C16/C17, H5), response (H4, H2), return visits and
satisfaction (H6, H7), reopen and repeat rates (H9), reward tips (H12), with channel and category
filters and a map of complaints per street.

Marts: fct_complaints_received_daily, fct_complaint_closure_daily, fct_complaint_service_daily,
fct_complaint_feedback_daily, fct_tips_monthly.
"""

PAGE = {"order": 60, "title": "nav.complaints", "icon": ":material/support_agent:", "url_path": "complaints"}

from dashboards import catalog, domain, frame  # noqa: E402


def render(ctx: frame.PageContext) -> None:
    """The shared KPI page for :data:`catalog.COMPLAINTS`."""
    domain.render_domain(ctx, catalog.COMPLAINTS)


frame.run_page("nav.complaints", render)
