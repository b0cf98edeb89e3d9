"""Reusable browser-test helpers: run the real Streamlit server on a warehouse and drive Chromium.

    from browser import serve_app, chromium_page
    with serve_app(warehouse_dir) as base_url, chromium_page() as page:
        page.goto(base_url + "/?lang=en")

``serve_app`` works on any warehouse folder (the hand-built fixture or a real pipeline-built one).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 768}


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(warehouse_dir: Path | str, timeout: float = 60.0) -> Iterator[str]:
    """Run ``streamlit run dashboards/app.py`` headless on a free port with ``CSW_WAREHOUSE_DIR``
    set to ``warehouse_dir``; yield the base URL (``http://127.0.0.1:<port>``).

    Waits for ``/_stcore/health``; raises RuntimeError with the server log if it does not come up
    within ``timeout`` seconds. The server process is stopped on exit.
    """
    port = free_port()
    env = dict(os.environ, CSW_WAREHOUSE_DIR=str(Path(warehouse_dir).resolve()),
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read()}")
            try:
                with urllib.request.urlopen(base_url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"streamlit did not answer on {base_url} in {timeout}s:\n{log.read()}")
            time.sleep(0.3)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        server_log = log.read()
        log.close()
        if "Traceback" in server_log:
            sys.stderr.write(f"--- streamlit server log ({base_url}) ---\n{server_log}\n")


@contextmanager
def chromium_page() -> Iterator[object]:
    """A Playwright page in the system Chromium (1366x768); closes the browser on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            yield page
        finally:
            browser.close()


def wait_for_app_idle(page, timeout_ms: int = 30000) -> None:
    """Wait until Streamlit has rendered the app and finished the current script run."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_ms)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=timeout_ms,
    )


def save_full_page(page, path: Path) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main section, so the viewport is
    grown to the content height for the shot and restored afterwards."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return Math.max(m ? m.scrollHeight : 0, document.body.scrollHeight); }"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
