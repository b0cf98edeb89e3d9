"""违建巡查 Illegal construction: patrol check-ins by grid level and shift (I1), imagery spot
verification (I3), early detection (I4), removal (I5) and enforcement cases (E1-E4), with grid
level and enforcement domain filters.

Marts: fct_patrol_checkin_daily, fct_illegal_construction_monthly, fct_enforcement_monthly.
"""

PAGE = {"order": 50, "title": "nav.construction", "icon": ":material/domain_disabled:", "url_path": "construction"}

from dashboards import catalog, domain, frame  # noqa: E402


def render(ctx: frame.PageContext) -> None:
    """The shared KPI page for :data:`catalog.CONSTRUCTION`."""
    domain.render_domain(ctx, catalog.CONSTRUCTION)


frame.run_page("nav.construction", render)
