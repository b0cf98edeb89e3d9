"""Helpers for the operations tests: real CLI processes, a real webhook receiver, warehouse inspection.

The fault and service tests use a small raw folder (two demo exports: complaints and facility faults)
so that each real refresh (ingest -> checks -> dbt build -> publish) stays short.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

PROJECT = Path(__file__).resolve().parents[2]
BASE_FILES = ("demo/complaints.csv", "demo/facility_faults.csv")
"""The raw files of the baseline publish."""


@pytest.fixture(scope="session")
def demo_exports(tmp_path_factory) -> Path:
    """The full deterministic demo exports (generated once per session)."""
    from pipelines.demo.generate import generate

    out = tmp_path_factory.mktemp("ops_demo")
    generate(out)
    return out


@pytest.fixture(scope="session")
def baseline(demo_exports, tmp_path_factory) -> Path:
    """A warehouse refreshed once by the real CLI from :data:`BASE_FILES` (v1 published). Read-only for
    tests: copy it with :func:`copy_warehouse` (one real refresh shared by the fault and service tests)."""
    root = tmp_path_factory.mktemp("ops_baseline")
    raw, wh = root / "raw", root / "wh"
    for rel in BASE_FILES:
        land(demo_exports, raw, rel)
    refresh_ok(raw, wh)
    assert current_version(wh) == 1
    return wh


def copy_warehouse(baseline: Path, dest: Path) -> Path:
    """Copy the (idle) baseline warehouse folder to ``dest``: DuckDB files, serving copies, Dagster home."""
    shutil.copytree(baseline, dest)
    return dest


def land(demo_exports: Path, raw: Path, rel: str) -> Path:
    """Copy one demo export into ``raw`` the documented way: under a ``.part`` name, then rename."""
    dest = raw / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    shutil.copyfile(demo_exports / rel, part)
    os.replace(part, dest)
    return dest


def write_bad_complaints(raw: Path, rows: int = 10) -> Path:
    """A complaints export whose every 受理时间 is an impossible date: all rows rejected -> the audit fails."""
    dest = raw / "demo" / "complaints_bad.csv"
    dest.parent.mkdir(parents=True, exist_ok=True)
    lines = ["工单编号,来源渠道,诉求类别,诉求内容,所属街道,受理时间"]
    lines += [f"BAD{i:04d},12345热线,燃气安全,测试,东街街道,2026-02-30 10:00:00" for i in range(rows)]
    part = dest.with_name(dest.name + ".part")
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(part, dest)
    return dest


def cli(*args: str, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """``python -m pipelines ARGS`` from the project root (output captured)."""
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=PROJECT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def refresh_ok(raw: Path, wh: Path, env: dict | None = None) -> str:
    """A refresh that must succeed; returns its stdout."""
    proc = cli("refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh), env=env)
    assert proc.returncode == 0, f"refresh failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def spawn(args: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    """Start ``python ARGS`` in its own process group (so a test can kill -9 all of it), output to ``log``."""
    fh = open(log, "wb")
    proc = subprocess.Popen([sys.executable, *args], cwd=PROJECT, stdout=fh, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    fh.close()
    return proc


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid`` (from /proc)."""
    out = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = entry.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            out.append(int(entry.parent.name))
    return out


def kill9_group(proc: subprocess.Popen) -> list[int]:
    """``kill -9`` every process of ``proc``'s group (the refresh and its dbt child); returns the pids killed."""
    pids = group_members(proc.pid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not group_members(proc.pid), "processes survived kill -9"
    return pids


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.2,
             alive: subprocess.Popen | None = None) -> Any:
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` s (or when ``alive`` exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if alive is not None and alive.poll() is not None:
            pytest.fail(f"process exited ({alive.returncode}) while waiting for {what}")
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def serving_state(wh: Path) -> dict[str, str]:
    """``{file name: sha256}`` of everything under ``serving/`` (pointer, versions, manifests, failure marker)."""
    serving = wh / "serving"
    return {str(p.relative_to(serving)): sha256_file(p) for p in sorted(serving.rglob("*")) if p.is_file()}


def event_store_audit(wh: Path) -> dict[str, Any]:
    """Consistency of the event store in ``build.duckdb`` (opened read-only, after any crash recovery).

    Returns ``events``, ``sum_events_written`` (over ledger rows with status loaded), ``per_load_mismatch``
    (loads whose events differ from their events_written), ``orphan_events`` (events of no ledger row),
    ``ledger`` (path -> list of statuses, one per ledger row) and ``loaded_sha`` (sha256 -> loaded rows).
    """
    con = duckdb.connect(str(wh / "build.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        events = con.execute("SELECT count(*) FROM events.events").fetchone()[0]
        written = con.execute("SELECT coalesce(sum(events_written), 0) FROM events.file_ledger "
                              "WHERE status = 'loaded'").fetchone()[0]
        mismatch = con.execute("""
            SELECT l.load_id, l.path, l.events_written, count(e.load_id) AS n
            FROM events.file_ledger l LEFT JOIN events.events e USING (load_id)
            GROUP BY ALL HAVING count(e.load_id) <> coalesce(l.events_written, 0)""").fetchall()
        orphans = con.execute("SELECT count(*) FROM events.events WHERE load_id NOT IN "
                              "(SELECT load_id FROM events.file_ledger)").fetchone()[0]
        ledger: dict[str, list[str]] = {}
        for path, status in con.execute("SELECT path, status FROM events.file_ledger ORDER BY recorded_at").fetchall():
            ledger.setdefault(path, []).append(status)
        loaded_sha = dict(con.execute("SELECT sha256, count(*) FROM events.file_ledger WHERE status = 'loaded' "
                                      "GROUP BY 1").fetchall())
    finally:
        con.close()
    return {"events": events, "sum_events_written": written, "per_load_mismatch": mismatch,
            "orphan_events": orphans, "ledger": ledger, "loaded_sha": loaded_sha}


def current_version(wh: Path) -> int | None:
    """Version named by ``serving/CURRENT.json`` or None."""
    try:
        return json.loads((wh / "serving" / "CURRENT.json").read_text(encoding="utf-8"))["version"]
    except FileNotFoundError:
        return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 recording every POST body (JSON) it receives, for apprise ``json://``."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append({"path": self.path, "json": json.loads(body.decode("utf-8"))})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The apprise URL posting JSON here."""
        return f"json://127.0.0.1:{self.server.server_port}/alerts"

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def matching(self, text: str) -> list[dict]:
        """Received messages whose title contains ``text``."""
        return [m for m in self.received if text in m["json"].get("title", "")]


@pytest.fixture
def webhook():
    """A running :class:`WebhookReceiver`."""
    with WebhookReceiver() as receiver:
        yield receiver
