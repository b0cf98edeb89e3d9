"""The benchmark: ``python -m bench.run [--smoke] [--huge]`` writes bench/out/report.json and report.md.

Sections of the report (every one present, ``{"skipped": reason}`` when not run):

1. ``full_refresh``: ``python -m pipelines refresh`` on a fresh warehouse at each scale (default 1M and
   10M readings, proportional complaints / faults / inspections, 365 days): wall time, peak RSS of the
   process tree, Dagster step durations.
2. ``baseline``: ``python -m bench.baseline`` (bare DuckDB, bench/baseline.sql) on the same files; the
   product / baseline time ratio; ``agreement``: the marts and the baseline give the same headline numbers
   (bench/compare.py) on the same data.
3. ``incremental``: one new day's files added to the raw folder, refresh again; on the 365-day history of
   every scale and on a 730-day history at the smallest scale's daily rate; ratio to the full refresh and
   730 vs 365.
4. ``dashboard``: p50/p95 of every page query on the largest scale's serving copy (bench/dashboard_latency.py).
5. ``noop_refresh``: a refresh with no new files (the fixed overhead).
6. ``ingest_speed``: the largest sensor CSV through ``ingest_kind`` vs bare ``CREATE TABLE AS read_csv``.
7. ``huge`` (``--huge``): 100M readings through ``ingest_kind`` under ``CSW_DUCKDB_MEMORY_LIMIT``
   (``--huge-memory-limit``): did it complete (by spilling)?
Plus ``machine`` (cores, memory, commit) and ``targets`` (reported, never asserted).

``--smoke`` runs everything at a tiny scale (20k readings over 30 days, 60 for the long history); its
duration is dominated by the product's fixed per-refresh overhead (reported in ``noop_refresh``).
``--published-warehouse DIR`` (quick mode, with ``--smoke`` the default test suite's smoke run) runs no
refresh: generation, baseline (its totals checked against the generated counts), the dashboard queries on
the already published warehouse ``DIR`` and the ingest speed; sections needing a refresh say ``skipped``.
Every command is a subprocess measured by bench/measure.py; logs go to ``<work>/logs/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from bench import scale
from bench.measure import Measurement, run_measured
from bench.report import evaluate_targets, write_reports
from pipelines import settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "out"
SCALES = {"tiny": 20_000, "1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(extra)
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


def _py(*args: str) -> list[str]:
    return [sys.executable, *args]


def machine_info() -> dict:
    """Cores, memory (GiB), OS, Python / DuckDB versions, git commit measured and whether the tree was dirty."""
    mem_kib = 0
    try:
        with open("/proc/meminfo") as fh:
            mem_kib = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass

    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kib / 1024 ** 2, 1),
            "os": platform.platform(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "commit": git("rev-parse", "HEAD"), "uncommitted_files": len(git("status", "--porcelain").splitlines()),
            "duckdb_memory_limit": settings.duckdb_memory_limit(),
            "duckdb_threads": os.environ.get("CSW_DUCKDB_THREADS", "0 (DuckDB default)"),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


class Bench:
    """One benchmark session: scratch folder ``work``, the report dict, progress on stderr."""

    def __init__(self, work: Path, repeats: int, verbose: bool = True):
        self.work = work
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.repeats = repeats
        self.verbose = verbose
        self.t0 = time.perf_counter()

    def say(self, msg: str) -> None:
        if self.verbose:
            print(f"[bench {time.perf_counter() - self.t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    def measured(self, name: str, cmd: list[str], env: dict | None = None) -> Measurement:
        self.say(f"{name}: {' '.join(cmd[1:])}")
        m = run_measured(cmd, env=env or _env(), cwd=ROOT, log_file=self.logs / f"{name}.log")
        self.say(f"{name}: {'ok' if m.ok else 'FAILED rc=%d' % m.returncode} in {m.seconds:.1f}s, "
                 f"peak tree RSS {m.peak_tree_rss_mib:.0f} MiB")
        return m

    def refresh(self, name: str, raw: Path, wh: Path) -> dict:
        from bench.stages import dbt_node_times, latest_run_steps

        started = time.time()
        m = self.measured(name, _py("-m", "pipelines", "refresh", "--raw-dir", str(raw), "--warehouse-dir", str(wh)))
        return {**m.as_dict(), "dagster_steps": latest_run_steps(wh), "dbt": dbt_node_times(wh, since=started)}


def _cutoff(wh: Path) -> str | None:
    """The product's as-of cut-off (latest active load's recorded_at) from the current serving copy."""
    pointer = wh / "serving" / "CURRENT.json"
    if not pointer.exists():
        return None
    path = pointer.parent / json.loads(pointer.read_text(encoding="utf-8"))["file"]
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        value = con.execute("SELECT max(recorded_at) FROM ops.file_ledger WHERE status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    return value.isoformat() if value else None


def _serving_path(wh: Path) -> Path:
    pointer = wh / "serving" / "CURRENT.json"
    return pointer.parent / json.loads(pointer.read_text(encoding="utf-8"))["file"]


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _ok_ratio(a: dict, b: dict) -> float | None:
    """seconds of measurement ``a`` / seconds of ``b``, only when both commands succeeded."""
    return _ratio(a["seconds"], b["seconds"]) if a.get("ok") and b.get("ok") else None


NO_REFRESH = "quick mode (--published-warehouse): no refresh runs; the opt-in smoke (make bench-smoke) measures it"


def run(out_dir: Path, work: Path, scales: list[str], long_days: int, short_days: int, repeats: int,
        huge: bool, huge_memory_limit: str, smoke: bool, published: Path | None = None) -> dict:
    """Run every section (module docstring) and write the reports into ``out_dir``; returns the report.

    ``published`` (quick mode): run no refresh; the sections that need one (full_refresh, agreement,
    noop_refresh, incremental, incremental_long_vs_short) are ``{"skipped": reason}`` or empty, and the
    dashboard section measures the current serving copy of the already published warehouse ``published``.
    """
    b = Bench(work, repeats)
    report: dict = {"mode": "quick" if published else "smoke" if smoke else "full", "machine": machine_info(),
                    "scales": {}, "generation": {}, "full_refresh": {}, "baseline": {}, "agreement": {},
                    "noop_refresh": {}, "incremental": {}, "dashboard": {}, "ingest_speed": {},
                    "huge": {"skipped": "run with --huge"}}
    specs = {s: scale.ScaleSpec.proportional(SCALES[s], days=short_days) for s in scales}
    for s in scales:
        spec = specs[s]
        raw, wh = work / f"raw_{s}", work / f"wh_{s}"
        shutil.rmtree(raw, ignore_errors=True)
        shutil.rmtree(wh, ignore_errors=True)
        b.say(f"generating {s}: {spec}")
        report["scales"][s] = {"readings": spec.actual_readings, "devices": spec.devices, "days": spec.days,
                               "complaints": spec.complaints, "faults": spec.faults, "inspections": spec.inspections,
                               "gas_users": spec.n_gas_users, "assets": spec.n_assets}
        report["generation"][s] = scale.generate(raw, spec).as_dict()
        if published is None:
            full = report["full_refresh"][s] = b.refresh(f"full_refresh_{s}", raw, wh)
        else:
            full = report["full_refresh"][s] = {"skipped": NO_REFRESH}
        _baseline(b, report, s, raw, wh, full)
        if published is None:
            report["noop_refresh"][s] = b.refresh(f"noop_refresh_{s}", raw, wh)
            day = scale.add_day(raw, spec, 0)
            inc = b.refresh(f"incremental_{s}_{spec.days}d", raw, wh)
            report["incremental"][f"{s}@{spec.days}d"] = {
                "scale": s, "days": spec.days, "day_files": day.as_dict(), **inc,
                "full_seconds": full["seconds"], "share_of_full": _ok_ratio(inc, full)}
    largest = scales[-1]
    if published is not None:
        report["dashboard"] = _dashboard(b, published, f"published warehouse {published}", repeats)
        report["incremental_long_vs_short"] = {"skipped": NO_REFRESH}
    else:
        report["dashboard"] = _dashboard(b, work / f"wh_{largest}", largest, repeats)
        _long_history(b, report, work, scales[0], specs[scales[0]], long_days, short_days, smoke)
    _ingest_speed(b, report, work, largest, specs[largest])
    if huge:
        report["huge"] = run_huge(b, work, huge_memory_limit)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["targets"] = evaluate_targets(report)
    report["total_seconds"] = time.perf_counter() - b.t0
    write_reports(report, out_dir)
    b.say(f"wrote {out_dir / 'report.json'} and report.md")
    return report


def _baseline(b: Bench, report: dict, s: str, raw: Path, wh: Path, full: dict) -> None:
    """``baseline[s]`` (bare DuckDB on ``raw``, as of the product's cut-off when ``wh`` was published,
    with the grand totals of readings and complaints due read back from its tables) and ``agreement[s]``
    (bench/compare.py, when the full refresh ``full`` and the baseline both succeeded)."""
    db = b.work / f"baseline_{s}.duckdb"
    base = b.measured(f"baseline_{s}", _py("-m", "bench.baseline", "--raw-dir", str(raw), "--db", str(db),
                                           *(["--cutoff", c] if (c := _cutoff(wh)) else [])))
    steps, totals = {}, {}
    if base.ok:
        try:
            steps = json.loads(base.output_tail.strip().splitlines()[-1])
        except (ValueError, IndexError):
            steps = {}
        con = duckdb.connect(str(db), read_only=True)
        try:
            totals = {"readings": con.execute("SELECT sum(readings) FROM b_sensor_readings_daily").fetchone()[0],
                      "complaints_due": con.execute(
                          "SELECT sum(complaints_due) FROM b_complaint_closure_daily").fetchone()[0]}
        finally:
            con.close()
    ran = full.get("ok") and base.ok
    report["baseline"][s] = {**base.as_dict(), "internal": steps, "totals": totals,
                             "product_over_baseline": _ratio(full["seconds"], base.seconds) if ran else None}
    if ran:
        from bench.compare import compare

        report["agreement"][s] = [c.as_dict() for c in compare(_serving_path(wh), "marts", db)]
    else:
        report["agreement"][s] = {"skipped": full.get("skipped") or "full refresh or baseline failed"}


def _dashboard(b: Bench, wh: Path, label: str, repeats: int) -> dict:
    """The dashboard section on the current serving copy of ``wh`` (skipped when nothing is published)."""
    if not (wh / "serving" / "CURRENT.json").exists():  # the latest refresh may have failed: any version will do
        return {"skipped": f"no published copy at {label}"}
    b.say(f"dashboard latency on {label}")
    from bench.dashboard_latency import measure_dashboard

    return {"scale": label, **measure_dashboard(wh, repeats)}


def _long_history(b: Bench, report: dict, work: Path, small: str, small_spec: scale.ScaleSpec, long_days: int,
                  short_days: int, keep: bool) -> None:
    """Full refresh and one incremental day on ``long_days`` of history at scale ``small``'s daily rate."""
    long_spec = replace(scale.ScaleSpec.proportional(SCALES[small] * long_days // short_days, days=long_days),
                        complaints=small_spec.complaints * long_days // short_days,
                        faults=small_spec.faults * long_days // short_days,
                        inspections=small_spec.inspections * long_days // short_days)
    raw, wh = work / f"raw_{small}_long", work / f"wh_{small}_long"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(wh, ignore_errors=True)
    b.say(f"generating long history {long_spec}")
    report["generation"][f"{small}_long"] = scale.generate(raw, long_spec).as_dict()
    full_long = b.refresh(f"full_refresh_{small}_{long_days}d", raw, wh)
    day = scale.add_day(raw, long_spec, 0)
    inc = b.refresh(f"incremental_{small}_{long_days}d", raw, wh)
    short_inc = report["incremental"][f"{small}@{short_days}d"]
    report["incremental"][f"{small}@{long_days}d"] = {
        "scale": small, "days": long_days, "readings": long_spec.actual_readings, "day_files": day.as_dict(), **inc,
        "full_seconds": full_long["seconds"], "full_refresh": full_long,
        "share_of_full": _ok_ratio(inc, full_long), "vs_short_history": _ok_ratio(inc, short_inc)}
    report["incremental_long_vs_short"] = {"scale": small, "short_days": short_days, "long_days": long_days,
                                           "ratio": _ok_ratio(inc, short_inc)}
    if not keep:
        shutil.rmtree(raw, ignore_errors=True)
        shutil.rmtree(wh, ignore_errors=True)


def _ingest_speed(b: Bench, report: dict, work: Path, largest: str, spec: scale.ScaleSpec) -> None:
    """``ingest_speed``: the largest scale's sensor CSV through ``ingest_kind`` vs bare ``read_csv``."""
    csv = work / f"raw_{largest}" / "bench_sensors" / "readings_history.csv"
    results = {mode: work / "logs" / f"ingest_{mode}.json" for mode in ("product", "bare")}
    prod = b.measured("ingest_product", _py("-m", "bench.ingest_speed", "--mode", "product", "--csv", str(csv),
                                            "--work", str(work / "ingest_product"), "--json-out", str(results["product"])))
    bare = b.measured("ingest_bare", _py("-m", "bench.ingest_speed", "--mode", "bare", "--csv", str(csv),
                                         "--work", str(work / "ingest_bare"), "--json-out", str(results["bare"])))
    report["ingest_speed"] = {"scale": largest, "rows": spec.actual_readings,
                              "csv_bytes": csv.stat().st_size, "product": _with_json(prod, results["product"]),
                              "bare": _with_json(bare, results["bare"])}
    pi, bi = report["ingest_speed"]["product"].get("result", {}), report["ingest_speed"]["bare"].get("result", {})
    report["ingest_speed"]["speed_ratio"] = _ratio(pi.get("rows_per_s"), bi.get("rows_per_s"))
    report["ingest_speed"]["wall_ratio"] = _ratio(bare.seconds, prod.seconds) if prod.ok else None
    shutil.rmtree(work / "ingest_product", ignore_errors=True)
    shutil.rmtree(work / "ingest_bare", ignore_errors=True)


def _with_json(m: Measurement, json_file: Path | None = None) -> dict:
    d = m.as_dict()
    try:
        text = json_file.read_text(encoding="utf-8") if json_file else m.output_tail.strip().splitlines()[-1]
        d["result"] = json.loads(text)
    except (OSError, ValueError, IndexError):
        d["result"] = {}
    return d


def run_huge(b: Bench, work: Path, memory_limit: str) -> dict:
    """100M readings (CSV only) through ``ingest_kind`` with ``CSW_DUCKDB_MEMORY_LIMIT=memory_limit``."""
    spec = scale.ScaleSpec.proportional(SCALES["100M"])
    raw = work / "raw_100M"
    shutil.rmtree(raw, ignore_errors=True)
    t0 = time.perf_counter()
    rel, rows = scale.write_readings(raw, spec)
    gen_s = time.perf_counter() - t0
    csv = raw / rel
    b.say(f"huge: wrote {rows:,} readings ({csv.stat().st_size / 1e9:.1f} GB) in {gen_s:.0f}s")
    result = work / "logs" / "huge_ingest.json"
    m = b.measured("huge_ingest", _py("-m", "bench.ingest_speed", "--mode", "product", "--csv", str(csv),
                                      "--work", str(work / "ingest_huge"), "--json-out", str(result)),
                   env=_env(CSW_DUCKDB_MEMORY_LIMIT=memory_limit))
    d = _with_json(m, result)
    spill = work / "ingest_huge" / "wh" / "tmp"
    out = {"readings": rows, "csv_bytes": csv.stat().st_size, "generate_seconds": gen_s, "memory_limit": memory_limit,
           "completed": m.ok and d["result"].get("rows") == rows, **d}
    shutil.rmtree(work / "ingest_huge", ignore_errors=True)
    shutil.rmtree(raw, ignore_errors=True)
    out["spill_dir"] = str(spill)
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI entry; exit 0 when the report was written (targets are reported, not asserted)."""
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="tiny scale, everything once (for tests)")
    p.add_argument("--published-warehouse", type=Path, default=None, metavar="DIR",
                   help="quick mode: run no refresh, measure the dashboard on this already published warehouse "
                        "(with --smoke: the default test suite's smoke run, well under a minute)")
    p.add_argument("--scales", default=None, help="comma list of tiny,1M,10M (default 1M,10M; smoke: tiny)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report folder (default bench/out)")
    p.add_argument("--work", type=Path, default=None, help="scratch folder (default a temp dir, removed)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    p.add_argument("--repeats", type=int, default=None, help="dashboard query repeats (default 30; smoke 5; quick 1)")
    p.add_argument("--huge", action="store_true", help="also load 100M readings under a memory limit (slow)")
    p.add_argument("--huge-memory-limit", default="1GB")
    a = p.parse_args(argv)
    scales = (a.scales or ("tiny" if a.smoke else "1M,10M")).split(",")
    unknown = [s for s in scales if s not in SCALES or s == "100M"]
    if unknown:
        p.error(f"unknown scale(s) {unknown}; use tiny, 1M, 10M")
    short_days, long_days = (30, 60) if a.smoke else (365, 730)
    if a.published_warehouse is not None and not (a.published_warehouse / "serving" / "CURRENT.json").exists():
        p.error(f"--published-warehouse {a.published_warehouse}: nothing published there (no serving/CURRENT.json)")
    repeats = a.repeats or (1 if a.published_warehouse else 5 if a.smoke else 30)
    work = a.work or Path(tempfile.mkdtemp(prefix="csw-bench-"))
    try:
        run(a.out, work, scales, long_days, short_days, repeats, a.huge,
            a.huge_memory_limit, a.smoke, a.published_warehouse)
    finally:
        if not a.keep and a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
