"""One-machine service: Dagster webserver + Dagster daemon (schedule, sensors, run queue) + Streamlit dashboards.

``python -m pipelines service --warehouse-dir DIR --raw-dir DIR`` (``make serve-all``) runs a small
supervisor in the foreground:

- environment of every child: ``DAGSTER_HOME=<warehouse>/dagster_home`` (``dagster.yaml`` installed from
  the project's template when missing), ``CSW_WAREHOUSE_DIR``, ``CSW_RAW_DIR``; the dbt manifest is
  refreshed first (``dbt parse``) so the code location loads with the dbt code on disk;
- children: ``dagster-webserver -w workspace.yaml`` (UI, default http://127.0.0.1:3000),
  ``dagster-daemon run -w workspace.yaml`` (the 02:00 schedule, ``raw_files_sensor``, failure and
  freshness alert sensors, the queued run coordinator) and ``streamlit run dashboards/app.py``
  (default http://127.0.0.1:8501);
- logs in one place, ``<warehouse>/logs/``: ``service.log`` (this supervisor), ``dagster-webserver.log``,
  ``dagster-daemon.log`` (also the runs it launches), ``dashboards.log``, ``alerts.log``;
- each child runs in its own process group and gets SIGTERM if the supervisor dies (``PR_SET_PDEATHSIG``);
  Ctrl+C, SIGTERM or SIGHUP stop every child (SIGTERM to its group, SIGKILL after ``stop_timeout``) and the
  supervisor exits 0; a child that exits on its own sends a ``service`` alert, stops the others and the
  supervisor exits 1 (systemd ``Restart=on-failure`` starts it again).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from pipelines import settings
from pipelines.warehouse import Warehouse

WORKSPACE = settings.PROJECT_ROOT / "workspace.yaml"
DAGSTER_YAML_TEMPLATE = settings.PROJECT_ROOT / "dagster.yaml"
DASHBOARD_APP = settings.PROJECT_ROOT / "dashboards" / "app.py"
_PR_SET_PDEATHSIG = 1


class ServiceError(RuntimeError):
    """The service could not start (missing executable, port in use, dbt parse failed ...)."""


@dataclass
class ServiceConfig:
    """What to run and where.

    Attributes:
        warehouse_root: the warehouse folder (created when missing).
        raw_dir: the landing folder the raw-files sensor watches (must exist).
        host: address the webserver and the dashboards bind (default 127.0.0.1: this machine only).
        dagster_port: Dagster UI port (default 3000).
        dashboard_port: Streamlit port (default 8501); None = do not start the dashboards.
        stop_timeout: seconds a child gets after SIGTERM before SIGKILL.
    """

    warehouse_root: Path
    raw_dir: Path
    host: str = "127.0.0.1"
    dagster_port: int = 3000
    dashboard_port: int | None = 8501
    stop_timeout: float = 30.0

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(Path(self.warehouse_root).resolve())

    @property
    def log_dir(self) -> Path:
        return self.warehouse.root / "logs"


@dataclass
class Child:
    """One supervised process: ``name``, command line, log file, and the Popen once started."""

    name: str
    cmd: list[str]
    log_path: Path
    ready_url: str | None = None
    proc: subprocess.Popen | None = None
    log_fh: IO[bytes] | None = field(default=None, repr=False)


def executable(name: str) -> str:
    """The console script ``name`` next to the running Python (the project venv), else from PATH.

    Raises:
        ServiceError: not found.
    """
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ServiceError(f"{name} not found next to {sys.executable} or on PATH: run ./setup.sh")
    return found


def service_env(config: ServiceConfig) -> dict[str, str]:
    """The environment every child gets (``os.environ`` plus the warehouse, raw folder and Dagster home)."""
    wh = config.warehouse
    return {
        **os.environ,
        "DAGSTER_HOME": str(wh.dagster_home),
        "CSW_WAREHOUSE_DIR": str(wh.root),
        "CSW_RAW_DIR": str(Path(config.raw_dir).resolve()),
        "PYTHONUNBUFFERED": "1",
    }


def children(config: ServiceConfig) -> list[Child]:
    """The processes of the service, in start order (webserver, daemon, dashboards)."""
    logs = config.log_dir
    out = [
        Child("dagster-webserver",
              [executable("dagster-webserver"), "-w", str(WORKSPACE), "-h", config.host, "-p", str(config.dagster_port)],
              logs / "dagster-webserver.log", f"http://{_http_host(config.host)}:{config.dagster_port}/server_info"),
        Child("dagster-daemon", [executable("dagster-daemon"), "run", "-w", str(WORKSPACE)], logs / "dagster-daemon.log"),
    ]
    if config.dashboard_port is not None:
        out.append(Child(
            "dashboards",
            [sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP), "--server.address", config.host,
             "--server.port", str(config.dashboard_port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            logs / "dashboards.log", f"http://{_http_host(config.host)}:{config.dashboard_port}/_stcore/health"))
    return out


class Service:
    """The supervisor. ``run()`` blocks until a stop signal or a child's death; see the module docstring."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.children = children(config)
        self._stop_requested: str | None = None
        self._log_fh: IO[str] | None = None
        self._lock: IO[str] | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create folders, install ``dagster.yaml`` in the Dagster home, refresh the dbt manifest.

        Raises:
            ServiceError: raw folder missing, port busy, or ``dbt parse`` failed.
        """
        from pipelines.defs.dbt_project import DbtManifestError, dbt_project, ensure_manifest

        cfg = self.config
        raw = Path(cfg.raw_dir)
        if not raw.is_dir():
            raise ServiceError(f"raw folder {raw} does not exist (--raw-dir or CSW_RAW_DIR)")
        wh = cfg.warehouse.ensure()
        cfg.log_dir.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_warehouse(cfg.log_dir / "service.lock")
        self._log_fh = open(cfg.log_dir / "service.log", "a", encoding="utf-8")
        yaml = wh.dagster_home / "dagster.yaml"
        if not yaml.exists():
            shutil.copyfile(DAGSTER_YAML_TEMPLATE, yaml)
            self.log(f"installed {yaml} from {DAGSTER_YAML_TEMPLATE}")
        for port in (cfg.dagster_port, cfg.dashboard_port):
            if port is not None and _port_busy(cfg.host, port):
                raise ServiceError(f"port {port} on {cfg.host} is already in use (another service running?)")
        released = release_orphaned_runs(wh)
        if released:
            self.log(f"marked {len(released)} run(s) left running by an earlier service or a killed refresh as "
                     f"failed and freed their writer slot: {', '.join(released)}", echo=True)
        self.log("refreshing the dbt manifest (dbt parse) ...")
        try:
            ensure_manifest(dbt_project(), refresh=True, warehouse_root=wh.root)
        except DbtManifestError as exc:
            raise ServiceError(str(exc)) from exc

    def start(self) -> None:
        """Start every child (own process group, output appended to its log file)."""
        env = service_env(self.config)
        for child in self.children:
            child.log_fh = open(child.log_path, "ab")
            child.log_fh.write(f"\n===== {_now()} starting: {' '.join(child.cmd)}\n".encode())
            child.log_fh.flush()
            child.proc = subprocess.Popen(
                child.cmd, cwd=settings.PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                stdout=child.log_fh, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
            )
            self.log(f"started {child.name} (pid {child.proc.pid}), log {child.log_path}")

    def wait_ready(self, timeout: float = 180.0) -> bool:
        """Poll each child's HTTP health URL until it answers 200 or ``timeout`` passes; True when all did."""
        deadline = time.monotonic() + timeout
        pending = [c for c in self.children if c.ready_url]
        while pending and time.monotonic() < deadline and not self._stop_requested:
            for child in list(pending):
                if child.proc and child.proc.poll() is not None:
                    return False
                if _http_ok(child.ready_url):
                    self.log(f"{child.name} ready ({child.ready_url} answers)")
                    pending.remove(child)
            if pending:
                time.sleep(0.5)
        return not pending

    def run(self) -> int:
        """Prepare, start, supervise; return the exit code (0 after a stop signal, 1 when a child died)."""
        self._install_signal_handlers()
        self.prepare()
        if self._stop_requested:
            return 0
        cfg = self.config
        self.log(f"service starting: warehouse {cfg.warehouse.root}, raw {Path(cfg.raw_dir).resolve()}, "
                 f"DAGSTER_HOME {cfg.warehouse.dagster_home}")
        self.start()
        return self.supervise()

    def supervise(self) -> int:
        """After :meth:`start`: report readiness, then wait for a stop signal or a child's death, stop
        everything and return the exit code (0 stopped on request, 1 a child died)."""
        cfg = self.config
        if self.wait_ready():
            urls = [f"Dagster UI http://{_http_host(cfg.host)}:{cfg.dagster_port}"]
            if cfg.dashboard_port is not None:
                urls.append(f"dashboards http://{_http_host(cfg.host)}:{cfg.dashboard_port}")
            self.log("ready: " + ", ".join(urls) + f"; logs in {cfg.log_dir} (Ctrl+C stops)", echo=True)
        elif not self._stop_requested:
            self.log(f"not every process answered within 180 s; still supervising - see the logs in {cfg.log_dir}",
                     echo=True)
        code = 0
        while not self._stop_requested:
            dead = next((c for c in self.children if c.proc and c.proc.poll() is not None), None)
            if dead is not None:
                code = 1
                self._child_died(dead)
                break
            time.sleep(0.5)
        if self._stop_requested:
            self.log(f"{self._stop_requested} received: stopping", echo=True)
        self.stop()
        self.log(f"service stopped (exit {code})", echo=True)
        if self._log_fh:
            self._log_fh.close()
            self._log_fh = None
        return code

    def stop(self) -> None:
        """SIGTERM every child's whole process group (code servers and run workers included), wait until
        every process of the groups ended (a run worker uses that time to record its run as failed and
        roll back), SIGKILL what is left after ``stop_timeout`` seconds, and close the log files."""
        started = [c for c in self.children if c.proc]
        for child in reversed(started):
            _signal_group(child.proc, signal.SIGTERM)
        deadline = time.monotonic() + self.config.stop_timeout
        for child in reversed(started):
            while time.monotonic() < deadline:
                child.proc.poll()
                if child.proc.returncode is not None and not _group_members(child.proc.pid):
                    break
                time.sleep(0.2)
            if child.proc.poll() is None or _group_members(child.proc.pid):
                self.log(f"{child.name}: processes {_group_members(child.proc.pid) or [child.proc.pid]} still running "
                         f"{self.config.stop_timeout:.0f} s after SIGTERM: SIGKILL")
                _signal_group(child.proc, signal.SIGKILL)
            child.proc.wait(timeout=30)
            self.log(f"{child.name} stopped (exit {child.proc.returncode})")
            if child.log_fh:
                child.log_fh.close()

    # -- helpers ------------------------------------------------------------------------------------

    def log(self, message: str, *, echo: bool = False) -> None:
        """Append a time-stamped line to ``service.log`` (and print it when ``echo``)."""
        line = f"{_now()} {message}"
        if self._log_fh:
            self._log_fh.write(line + "\n")
            self._log_fh.flush()
        if echo:
            print(line, flush=True)

    def _child_died(self, child: Child) -> None:
        from pipelines.alerts import send_alert

        code = child.proc.returncode if child.proc else None
        tail = _tail(child.log_path, 20)
        self.log(f"{child.name} exited on its own (exit {code}); stopping the service", echo=True)
        send_alert(self.config.warehouse, "service", f"城管数据仓库 service: {child.name} exited ({code})",
                   f"{child.name} exited with code {code}; the service stopped (systemd restarts it when "
                   f"Restart=on-failure). Last lines of {child.log_path}:\n{tail}",
                   details={"child": child.name, "exit_code": code, "log": str(child.log_path)})

    def _install_signal_handlers(self) -> None:
        def handler(signum, _frame):
            self._stop_requested = signal.Signals(signum).name

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, handler)


ORPHANED_RUN_MESSAGE = ("the service stopped while this run was in progress (its worker ended); nothing it had not "
                        "committed is visible, and the next run loads the rest")


def release_orphaned_runs(warehouse: Warehouse) -> list[str]:
    """At service start: mark runs still STARTING/STARTED/CANCELING as failed and free their pool slots.

    Runs launched by the daemon run in process groups the previous service stopped (or that died with it),
    so none can still be running when a new service starts (one service per warehouse: ``service.lock``).
    CLI runs are checked by pid (:func:`pipelines.defs.runner.release_dead_cli_runs`). Without this a
    run left STARTED would hold the ``csw/writer`` run slot and the ``duckdb_writer`` pool forever.
    Returns the run ids released.
    """
    from dagster import DagsterRunStatus, RunsFilter

    from pipelines.defs.runner import CLI_TAG, instance_for, release_dead_cli_runs

    instance = instance_for(warehouse)
    released = release_dead_cli_runs(instance)
    active = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
    for run in instance.get_runs(filters=RunsFilter(statuses=active)):
        if run.tags.get(CLI_TAG) == "cli":
            continue
        instance.report_run_failed(run, ORPHANED_RUN_MESSAGE)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def _lock_warehouse(path: Path) -> IO[str]:
    """Hold an exclusive lock on ``path`` for the supervisor's life: one service per warehouse.

    Raises:
        ServiceError: another service holds it.
    """
    import fcntl

    fh = open(path, "a+", encoding="utf-8")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        fh.seek(0)
        raise ServiceError(f"another service already runs on this warehouse ({path}: pid {fh.read().strip() or '?'})") from exc
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def run_service(config: ServiceConfig) -> int:
    """Run the service in the foreground; return its exit code. Raises :class:`ServiceError` on start-up."""
    return Service(config).run()


def _die_with_parent() -> None:
    """preexec_fn: ask Linux to SIGTERM this child when the supervisor dies (even by kill -9)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: children then outlive a killed supervisor


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``, from /proc; [] when none or not Linux."""
    members = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = entry.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            members.append(int(entry.parent.name))
    return sorted(members)


def _signal_group(proc: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _port_busy(host: str, port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((_http_host(host), port)) == 0


def _http_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(log not readable)"


def _now() -> str:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(settings.timezone_name())).replace(microsecond=0).isoformat()
