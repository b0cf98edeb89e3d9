"""Browser tests: the real Streamlit server driven by Debian's Chromium (Playwright) at 1366x768.

Every page in zh and en renders with no error element, shows the data version and zone, and is
saved as ``test-artifacts/screenshots/<page>_<lang>.png`` (viewport) and ``..._full.png`` (whole
page). Key numbers are checked against the marts with oracle SQL; a filter is changed in the UI and
a table is downloaded as CSV and XLSX (Chinese headers intact).

By default the server runs on the hand-built serving copy (tests/dashboards/serving_fixture.py).
Set ``CSW_BROWSER_WAREHOUSE=/path/to/warehouse`` to run the same tests on a real pipeline-built
warehouse (its ``serving/CURRENT.json``); screenshots then go to ``screenshots/real/``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import duckdb
import openpyxl
import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, VIEWPORT, save_full_page, serve_app, wait_for_app_idle
from serving_fixture import build_serving_copy

from dashboards import i18n, registry

REAL = os.environ.get("CSW_BROWSER_WAREHOUSE")
PAGES = [(m.url_path, m.title_key) for m in registry.discover()]
KPI_PAGES = {"overview", "gas", "facilities", "confined", "construction", "complaints", "sensors"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if REAL:
        wdir = Path(REAL).resolve()
    else:
        wdir = build_serving_copy(tmp_path_factory.mktemp("browser") / "warehouse").warehouse_dir
    pointer = json.loads((wdir / "serving" / "CURRENT.json").read_text(encoding="utf-8"))
    with serve_app(wdir) as base_url:
        yield wdir, wdir / "serving" / pointer["file"], int(pointer["version"]), base_url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def page(browser):
    """One tab for the module (a fresh browser context per test re-parses Streamlit's JS bundle,
    several seconds on 2 cores); every ``goto`` still starts a new Streamlit session."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def shots_dir() -> Path:
    out = SCREENSHOTS / "real" if REAL else SCREENSHOTS
    out.mkdir(parents=True, exist_ok=True)
    return out


def oracle(db_path: Path, sql: str, params=()):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()
    finally:
        con.close()


def default_view(db_path: Path) -> tuple[str, dt.date, dt.date]:
    """The app's default data set (licheng if present) and window (last 30 days with F1/C16 data)."""
    sources = [r[0] for r in duckdb.connect(str(db_path), read_only=True).execute(
        "SELECT DISTINCT source_system FROM marts.fct_fault_disposal_daily UNION "
        "SELECT DISTINCT source_system FROM marts.fct_complaint_closure_daily ORDER BY 1").fetchall()]
    source = "licheng" if "licheng" in sources else sources[0]
    # first day: of any daily fact; last day: last day something was received or reported (not a deadline)
    lo = oracle(db_path, "SELECT min(lo) FROM (SELECT min(date_local) lo FROM marts.fct_fault_disposal_daily "
                         "WHERE source_system = ? UNION ALL SELECT min(date_local) FROM "
                         "marts.fct_complaint_closure_daily WHERE source_system = ?)", (source, source))[0]
    hi = oracle(db_path, "SELECT max(hi) FROM (SELECT max(date_local) hi FROM marts.fct_complaints_received_daily "
                         "WHERE source_system = ? UNION ALL SELECT max(date_local) FROM marts.fct_fault_response_daily "
                         "WHERE source_system = ?)", (source, source))[0]
    return source, max(lo, hi - dt.timedelta(days=29)), hi


def tile_value(page, metric_id: str) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(has_text=f" {metric_id}").first
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def goto(page, url: str) -> None:
    page.goto(url)
    wait_for_app_idle(page, timeout_ms=60000)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("url_path", "title_key"), PAGES)
def test_page_renders_in_browser(server, page, url_path, title_key, lang):
    _wdir, _db, version, base_url = server
    path = "" if url_path == "overview" else url_path
    goto(page, f"{base_url}/{path}" + ("?lang=en" if lang == "en" else ""))
    if url_path in KPI_PAGES:
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=30000)
        if page.locator('[data-testid="stPlotlyChart"]').count():
            page.wait_for_selector(".js-plotly-plot", timeout=30000)
    elif url_path == "quality":
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30000)
    page.wait_for_timeout(1000)  # let charts and data grids paint before the screenshot
    out = shots_dir()
    page.screenshot(path=str(out / f"{url_path}_{lang}.png"))
    save_full_page(page, out / f"{url_path}_{lang}_full.png")

    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    main = page.locator('[data-testid="stMainBlockContainer"]')
    assert main.locator("h1").first.inner_text().strip() == i18n.STRINGS[lang][title_key]
    body = main.inner_text()
    assert f"v{version}" in body and "Asia/Shanghai" in body
    assert "Traceback" not in body
    if url_path in KPI_PAGES:
        values = [v.strip() for v in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]
        assert values and all(values)


def test_key_numbers_match_the_marts(server, page):
    _wdir, db, _version, base_url = server
    source, start, end = default_view(db)
    goto(page, f"{base_url}/")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=30000)
    f1 = oracle(db, "SELECT sum(faults_disposed_on_time) / nullif(sum(faults_due), 0) FROM "
                    "marts.fct_fault_disposal_daily WHERE source_system = ? AND date_local BETWEEN ? AND ?",
                (source, start, end))[0]
    assert tile_value(page, "F1") == ("—" if f1 is None else f"{f1 * 100:.1f} %")
    goto(page, f"{base_url}/complaints")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=30000)
    c1 = oracle(db, "SELECT sum(complaints_received) FROM marts.fct_complaints_received_daily "
                    "WHERE source_system = ? AND date_local BETWEEN ? AND ?", (source, start, end))[0]
    assert tile_value(page, "C1") == ("—" if c1 is None else f"{c1:,.0f}")


def test_change_a_filter_then_download_csv_and_xlsx(server, page):
    _wdir, db, _version, base_url = server
    source, start, end = default_view(db)
    goto(page, f"{base_url}/")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=30000)
    street = oracle(db, "SELECT street FROM marts.fct_fault_disposal_daily WHERE source_system = ? AND date_local "
                        "BETWEEN ? AND ? GROUP BY street ORDER BY sum(faults_due) DESC, street LIMIT 1",
                    (source, start, end))[0]
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    picker.click()
    page.keyboard.type(street)
    page.get_by_role("option", name=street).first.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => new URL(location.href).searchParams.getAll('street').length == 1", timeout=30000)
    wait_for_app_idle(page, timeout_ms=60000)
    assert page.evaluate("() => new URL(location.href).searchParams.get('street')") == street
    f1 = oracle(db, "SELECT sum(faults_disposed_on_time) / nullif(sum(faults_due), 0) FROM "
                    "marts.fct_fault_disposal_daily WHERE source_system = ? AND street = ? AND date_local "
                    "BETWEEN ? AND ?", (source, street, start, end))[0]
    expected = "—" if f1 is None else f"{f1 * 100:.1f} %"
    page.wait_for_function(
        "([v]) => [...document.querySelectorAll('[data-testid=\"stMetric\"]')].some("
        "m => m.innerText.includes(' F1') && m.querySelector('[data-testid=\"stMetricValue\"]').innerText.trim() == v)",
        arg=[expected], timeout=30000)
    page.screenshot(path=str(shots_dir() / "overview_filtered_zh.png"))

    with page.expect_download(timeout=30000) as dl:
        page.get_by_role("button", name="下载 CSV").first.click()
    csv_text = Path(dl.value.path()).read_bytes().decode("utf-8-sig")
    header, *rows = csv_text.splitlines()
    assert header.split(",")[:3] == ["指标编号", "名称", "数值"]
    f1_row = next(r.split(",") for r in rows if r.startswith("F1,"))
    assert f1 is not None and abs(float(f1_row[2]) - f1) < 1e-9
    with page.expect_download(timeout=30000) as dl:
        page.get_by_role("button", name="下载 Excel").first.click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    assert [c.value for c in ws[1]][:3] == ["指标编号", "名称", "数值"]
    assert any(r[0].value == "F1" and abs(r[2].value - f1) < 1e-9 for r in ws.iter_rows(min_row=2))


def test_click_a_street_bar_drills_into_its_events(server, page):
    _wdir, db, _version, base_url = server
    source, start, end = default_view(db)
    goto(page, f"{base_url}/complaints?complaints_m=C1")
    page.wait_for_selector(".js-plotly-plot", timeout=30000)
    bars = page.locator('[data-testid="stPlotlyChart"]').nth(1)
    bars.scroll_into_view_if_needed()
    bars.locator("g.point path").first.click(force=True)
    drill = page.locator('input[role="combobox"][aria-label^="街道（点击"]')
    page.wait_for_function(
        "() => { const i = document.querySelector('input[role=\"combobox\"][aria-label^=\"街道（点击\"]');"
        " return i && i.value && i.value != '全部街道'; }", timeout=30000)
    wait_for_app_idle(page, timeout_ms=60000)
    street = drill.input_value().strip()
    total = oracle(db, "SELECT count(*) FROM marts.fct_event_lineage WHERE source_system = ? AND "
                       "aggregate_type = 'complaint' AND street = ? AND date_local BETWEEN ? AND ?",
                   (source, street, start, end))[0]
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="条事件").inner_text()
    assert f"共 {total} 条事件" in caption, (street, caption)
    page.screenshot(path=str(shots_dir() / "complaints_drill_zh.png"))
