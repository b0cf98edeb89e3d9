"""The refresh stops its dbt subprocess when the dbt step fails (bench/RESULTS.md finding 4): a `dbt build` left
running after its Dagster step failed kept build.duckdb locked for minutes. `stop_process` is what the
`city_safety_dbt` asset calls on the way out; these run it on real child processes."""

from __future__ import annotations

import signal
import subprocess
import sys

from pipelines.defs.dbt import stop_process

# Python's own SIGINT handler, set explicitly: a pytest started in the background by a shell inherits SIGINT
# ignored, and so would a plain child (the refresh's dbt child starts with the default: the runner handles SIGINT)
SLEEPER = ("import signal, time; signal.signal(signal.SIGINT, signal.default_int_handler); print('ready', flush=True); "
           "time.sleep(120)")
# ignores SIGINT, as a process busy in a C call may: only SIGKILL ends it
STUBBORN = "import signal, sys, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print('ready', flush=True); time.sleep(120)"


def test_running_process_is_interrupted():
    proc = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    # Python ends on an unhandled KeyboardInterrupt by re-raising SIGINT, so the exit code names the signal
    assert stop_process(proc, grace_seconds=60) == -signal.SIGINT
    proc.stdout.close()


def test_process_ignoring_sigint_is_killed_after_the_grace_period():
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"  # the handler is installed
    assert stop_process(proc, grace_seconds=0.5) == -signal.SIGKILL
    proc.stdout.close()


def test_finished_process_is_left_alone():
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    assert stop_process(proc) == 3
