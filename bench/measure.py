"""Wall time and peak memory of a command and all its descendants (Linux ``/proc`` polling, no psutil).

``run_measured(cmd)`` starts ``cmd`` in a new session, samples every ``interval`` s the resident set
size (VmRSS, from ``/proc/<pid>/status``) of the process and every descendant, and returns a
:class:`Measurement`: wall seconds, peak of the summed tree RSS (MiB), the largest single-process
peak seen by the kernel (``ru_maxrss`` of the waited children, MiB) and the exit code with the output
tail. Shared pages are counted once per process, so the tree sum is an upper bound; short-lived peaks
between samples can be missed, ``max_single_rss_mib`` cannot miss them.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Measurement:
    """Outcome of one measured command (times in seconds, memory in MiB)."""

    cmd: list[str]
    seconds: float
    peak_tree_rss_mib: float
    max_single_rss_mib: float
    returncode: int
    output_tail: str
    lingering_seconds: float = 0.0  # how long descendants ran on after the command itself exited

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def as_dict(self) -> dict:
        """JSON-ready dict (``ok`` included)."""
        return {**asdict(self), "ok": self.ok}


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # fields after the parenthesised command: state ppid ...
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != b"Z":
            pids.append(int(entry.name))
    return pids


def _group_alive(pgid: int) -> bool:
    return bool(_group_pids(pgid))


def _group_rss_mib(pgid: int) -> float:
    return sum(_rss_kib(p) for p in _group_pids(pgid)) / 1024


def tree_rss_mib(root: int) -> float:
    """Summed VmRSS (MiB) of ``root`` and all its descendants right now."""
    kids = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kib(pid)
        stack.extend(kids.get(pid, ()))
    return total / 1024


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
                 interval: float = 0.2, log_file: Path | None = None, timeout: float | None = None,
                 linger_timeout: float = 600.0) -> Measurement:
    """Run ``cmd`` to completion and measure it (see module docstring).

    Output (stdout and stderr together) goes to ``log_file`` when given, else is kept in memory; the
    last 2,000 characters are returned in ``output_tail``. A ``timeout`` (s) kills the process group and
    returns code -9. Descendants still running after the command exits are waited for (up to
    ``linger_timeout`` s, then their process group is sent SIGTERM) and reported in ``lingering_seconds``;
    ``seconds`` is the command's own wall time. Never raises for a failing command (check ``returncode``).
    """
    out = open(log_file, "w+b") if log_file else None
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out or subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    peak = 0.0
    captured: list[bytes] = []
    if out is None:
        reader = threading.Thread(target=lambda: captured.append(proc.stdout.read()), daemon=True)
        reader.start()
    deadline = None if timeout is None else t0 + timeout
    while True:
        # wait4 (not Popen.poll) so the kernel's rusage of this very child comes back with its status
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        peak = max(peak, tree_rss_mib(proc.pid))
        if deadline is not None and time.perf_counter() > deadline:
            os.killpg(proc.pid, 9)
        time.sleep(interval)
    seconds = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    # descendants that outlive the command (e.g. a dbt subprocess still finishing) keep the warehouse busy:
    # wait for the whole process group, still sampling memory; after linger_timeout stop that group
    lingering = 0.0
    while _group_alive(proc.pid):
        peak = max(peak, _group_rss_mib(proc.pid))
        lingering = time.perf_counter() - t0 - seconds
        if lingering > linger_timeout:
            os.killpg(proc.pid, 15)
            time.sleep(2)
            break
        time.sleep(interval)
    proc.returncode = rc
    if out is None:
        reader.join()
        text = b"".join(captured)
    else:
        out.flush()
        out.seek(0)
        text = out.read()
        out.close()
    # ru_maxrss (KiB) of a reaped child: the largest RSS of it and of every descendant it waited for
    single = usage.ru_maxrss / 1024
    return Measurement(list(map(str, cmd)), seconds, peak, single, rc,
                       text.decode("utf-8", "replace")[-2000:], round(lingering, 3))
