"""燃气安全 Gas safety: inspection coverage (G1-G4), hazard rectification (G5-G8), black gas
points (G9) and gas enforcement (G10), with subject type and hazard severity filters.

Marts: fct_gas_inspection_coverage, fct_gas_hazard_rectification_monthly,
fct_black_gas_seizures_monthly, fct_enforcement_monthly (METRICS.md 3.3).
"""

PAGE = {"order": 20, "title": "nav.gas", "icon": ":material/local_fire_department:", "url_path": "gas"}

from dashboards import catalog, domain, frame  # noqa: E402


def render(ctx: frame.PageContext) -> None:
    """The shared KPI page for :data:`catalog.GAS`."""
    domain.render_domain(ctx, catalog.GAS)


frame.run_page("nav.gas", render)
