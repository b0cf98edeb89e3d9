"""Browser test: the real Streamlit server on the hand-built serving copy, driven by Chromium.

Visits every page in zh and en, checks that no exception or error element is shown, that the F1
tile shows the fixture's sum(num)/sum(den), and saves screenshots to test-artifacts/screenshots/.
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser import SCREENSHOTS, chromium_page, save_full_page, serve_app, wait_for_app_idle
from serving_fixture import SOURCE, build_serving_copy, expected_rate

PAGES = {"overview": "", "quality": "quality"}  # page -> URL path ("" = default page)
TITLES = {("overview", "zh"): "总览", ("overview", "en"): "Overview",
          ("quality", "zh"): "数据质量", ("quality", "en"): "Data quality"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    fx = build_serving_copy(tmp_path_factory.mktemp("browser") / "warehouse")
    with serve_app(fx.warehouse_dir) as base_url:
        yield fx, base_url


def _f1_expected(db_path) -> str:
    # default window: the last 30 days with data (2025-03-02 .. 2025-03-31)
    rate = expected_rate(
        db_path,
        "SELECT sum(faults_disposed_on_time) / sum(faults_due) FROM marts.fct_fault_disposal_daily "
        "WHERE source_system = ? AND date_local BETWEEN ? AND ?",
        [SOURCE, dt.date(2025, 3, 2), dt.date(2025, 3, 31)],
    )
    return f"{rate * 100:.1f} %"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_renders_in_browser(server, page_name, lang):
    fx, base_url = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    query = "?lang=en" if lang == "en" else ""
    with chromium_page() as page:
        page.goto(f"{base_url}/{PAGES[page_name]}{query}")
        wait_for_app_idle(page)
        if page_name == "overview":
            page.wait_for_selector(".js-plotly-plot", timeout=30000)
        else:
            page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30000)
        page.wait_for_timeout(800)  # let charts and data grids paint before the screenshot
        page.screenshot(path=str(SCREENSHOTS / f"{page_name}_{lang}.png"))
        save_full_page(page, SCREENSHOTS / f"{page_name}_{lang}_full.png")

        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip() \
            == TITLES[(page_name, lang)]
        body = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
        assert "v3" in body and "Asia/Shanghai" in body
        if page_name == "overview":
            tile = page.locator('[data-testid="stMetric"]').filter(has_text="F1")
            assert tile.locator('[data-testid="stMetricValue"]').inner_text().strip() == _f1_expected(fx.db_path)
            assert page.locator('[data-testid="stMetricValue"]').count() == 7
        else:
            assert "燃气检查_2025-03.xlsx" in body or page.locator('[data-testid="stDataFrame"]').count() >= 2
