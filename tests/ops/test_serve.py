"""`python -m pipelines serve`: a busy port is refused before anything claims to serve, and SIGTERM stops the
Streamlit server with it (no orphan keeps the port and the old warehouse)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


def _serve(warehouse: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "pipelines", "serve", "--warehouse-dir", str(warehouse), "--port", str(port)]


def test_sigterm_stops_the_server_and_a_busy_port_is_refused(tmp_path):
    port = _free_port()
    server = subprocess.Popen(_serve(tmp_path / "wh", port), cwd=PROJECT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait(lambda: _answers(port), 90), "the dashboards never answered"
        second = subprocess.run(_serve(tmp_path / "other", port), cwd=PROJECT, capture_output=True, text=True,
                                timeout=120)
        assert second.returncode == 3
        assert f"port {port}" in second.stderr and "already in use" in second.stderr
        assert "Serving dashboards" not in second.stdout
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert _wait(lambda: not _answers(port), 15), "a Streamlit process still holds the port"
    finally:
        if server.poll() is None:
            server.kill()
