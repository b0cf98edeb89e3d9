"""The service supervisor (pipelines/service.py) on real processes standing in for Dagster and Streamlit:
a child that dies stops the service with exit 1 and a ``service`` alert; a stop request ends every process
of every child's group, with SIGKILL for one that ignores SIGTERM; one service per warehouse."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from pipelines.alerts import read_alerts
from pipelines.service import Child, Service, ServiceConfig, ServiceError, _lock_warehouse
from tests.ops.conftest import group_members

# a child that starts a grandchild (like a code server) and then sleeps
PARENT_OF_GRANDCHILD = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
                        "print('up', flush=True); time.sleep(120)")
IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(120)"


def _service(tmp_path, monkeypatch, scripts: dict[str, str], stop_timeout: float = 5.0) -> Service:
    for var in ("CSW_ALERT_URLS", "CSW_ALERT_LOG"):
        monkeypatch.delenv(var, raising=False)
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    config = ServiceConfig(warehouse_root=tmp_path / "wh", raw_dir=raw, dashboard_port=None, stop_timeout=stop_timeout)
    config.warehouse.ensure()
    config.log_dir.mkdir(parents=True, exist_ok=True)
    service = Service(config)
    service.children = [Child(name, [sys.executable, "-c", code], config.log_dir / f"{name}.log")
                        for name, code in scripts.items()]
    service._log_fh = open(config.log_dir / "service.log", "a", encoding="utf-8")
    return service


def _wait_up(service: Service) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(c.log_path.exists() and "up" in c.log_path.read_text().splitlines() for c in service.children):
            return
        time.sleep(0.1)
    pytest.fail("children did not start")


def test_a_dying_child_stops_the_service_with_exit_1_and_an_alert(tmp_path, monkeypatch):
    service = _service(tmp_path, monkeypatch, {
        "worker": PARENT_OF_GRANDCHILD,
        "crasher": "import sys, time; print('up', flush=True); time.sleep(2); print('boom: cannot bind', flush=True); sys.exit(3)",
    })
    service.start()
    _wait_up(service)
    pgids = [c.proc.pid for c in service.children]
    assert len(group_members(pgids[0])) == 2  # the worker and its grandchild
    assert service.supervise() == 1
    assert all(not group_members(p) for p in pgids), "a process survived the stop"
    [alert] = read_alerts(service.config.warehouse)
    assert alert["kind"] == "service" and alert["details"] == {
        "child": "crasher", "exit_code": 3, "log": str(service.config.log_dir / "crasher.log")}
    assert "boom: cannot bind" in alert["body"]
    log = (service.config.log_dir / "service.log").read_text(encoding="utf-8")
    assert "crasher exited on its own (exit 3)" in log and "service stopped (exit 1)" in log


def test_stop_request_ends_every_process_and_kills_one_that_ignores_sigterm(tmp_path, monkeypatch):
    service = _service(tmp_path, monkeypatch, {"worker": PARENT_OF_GRANDCHILD, "stubborn": IGNORES_SIGTERM},
                       stop_timeout=2.0)
    service.start()
    _wait_up(service)
    pgids = [c.proc.pid for c in service.children]
    threading.Timer(1.0, lambda: setattr(service, "_stop_requested", "SIGTERM")).start()
    started = time.monotonic()
    assert service.supervise() == 0
    assert time.monotonic() - started < 15
    assert all(not group_members(p) for p in pgids)
    assert service.children[1].proc.returncode == -9  # SIGKILL after the stop timeout
    assert service.children[0].proc.returncode == -15  # stopped by SIGTERM
    log = (service.config.log_dir / "service.log").read_text(encoding="utf-8")
    assert "SIGTERM received: stopping" in log and "still running 2 s after SIGTERM: SIGKILL" in log
    assert read_alerts(service.config.warehouse) == []  # a requested stop is not an incident


def test_one_service_per_warehouse(tmp_path):
    held = _lock_warehouse(tmp_path / "service.lock")
    try:
        with pytest.raises(ServiceError, match="another service already runs on this warehouse"):
            _lock_warehouse(tmp_path / "service.lock")
    finally:
        held.close()
    _lock_warehouse(tmp_path / "service.lock").close()  # free again once the holder is gone
