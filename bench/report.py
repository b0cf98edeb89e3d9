"""Targets and the two report files (bench/out/report.json, bench/out/report.md) of a benchmark run.

Targets (reported, never asserted; ``met`` is None when the figure is missing):

| id | target |
|---|---|
| full_vs_baseline | full refresh <= 2x the bare baseline, at the largest scale |
| incremental_share | incremental day <= 5 % of the full refresh, 365-day history, largest scale |
| incremental_long_vs_short | incremental day on 730 days <= 1.2x on 365 days (same daily volume) |
| dashboard_p95 | every dashboard page query p95 <= 200 ms (per call, cold cache), largest scale |
| peak_memory | peak RSS of the refresh process tree <= 2 GiB, full refresh at the largest scale |
| ingest_speed | ingest_kind >= 0.5x the rows/s of bare read_csv on the largest sensor CSV |
"""

from __future__ import annotations

import json
import math
from pathlib import Path

SECTIONS = ("machine", "scales", "generation", "full_refresh", "baseline", "agreement", "noop_refresh",
            "incremental", "incremental_long_vs_short", "dashboard", "ingest_speed", "huge", "targets")


def _target(tid: str, text: str, measured: float | None, limit: float, higher_is_better: bool = False,
            unit: str = "") -> dict:
    if measured is None or (isinstance(measured, float) and math.isnan(measured)):
        met = None
    else:
        met = measured >= limit if higher_is_better else measured <= limit
    return {"id": tid, "target": text, "measured": measured, "limit": limit, "unit": unit, "met": met}


def evaluate_targets(r: dict) -> list[dict]:
    """The six targets of the module docstring, from report dict ``r`` (see bench/run.py)."""
    scales = list(r.get("scales", {}))
    largest = scales[-1] if scales else None
    base = r.get("baseline", {}).get(largest, {})
    inc = next((v for k, v in r.get("incremental", {}).items() if k.startswith(f"{largest}@")
                and v.get("days") == min(x.get("days", 0) for x in r["incremental"].values())), {})
    full = r.get("full_refresh", {}).get(largest, {})
    dash = r.get("dashboard", {})
    ing = r.get("ingest_speed", {})
    lv = r.get("incremental_long_vs_short", {})
    return [
        _target("full_vs_baseline", f"full refresh <= 2x bare DuckDB baseline ({largest})",
                base.get("product_over_baseline"), 2.0, unit="x"),
        _target("incremental_share", f"incremental day <= 5% of full refresh ({largest}, {inc.get('days', '-')} days)",
                inc.get("share_of_full") if inc.get("ok") else None, 0.05, unit="share"),
        _target("incremental_long_vs_short", f"incremental day on {lv.get('long_days', '-')} days <= 1.2x on "
                f"{lv.get('short_days', '-')} days ({lv.get('scale', '-')} daily rate)", lv.get("ratio"), 1.2, unit="x"),
        _target("dashboard_p95", f"dashboard query p95 <= 200 ms ({dash.get('scale')}, worst page call)",
                dash.get("worst_call_p95_ms"), 200.0, unit="ms"),
        _target("peak_memory", f"peak RSS of the refresh process tree <= 2 GiB ({largest} full refresh)",
                full.get("peak_tree_rss_mib") if full else None, 2048.0, unit="MiB"),
        _target("ingest_speed", "ingest_kind >= 0.5x bare read_csv rows/s", ing.get("speed_ratio"), 0.5,
                higher_is_better=True, unit="x"),
    ]


def _f(v, digits: int = 1, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}{unit}"
    return f"{v:,}{unit}" if isinstance(v, int) else f"{v}{unit}"


def _ok(m: dict) -> str:
    if not m or "skipped" in m:
        return "skipped"
    return "ok" if m.get("ok") else f"FAILED (rc {m.get('returncode')})"


def render_markdown(r: dict) -> str:
    """The human-readable report (Markdown) of report dict ``r``."""
    m = r.get("machine", {})
    lines = [f"# Benchmark report ({r.get('mode')})", "",
             f"Machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gib')} GiB, {m.get('os')}; "
             f"Python {m.get('python')}, DuckDB {m.get('duckdb')}; DuckDB memory_limit {m.get('duckdb_memory_limit')}, "
             f"threads {m.get('duckdb_threads')}.",
             f"Commit measured: `{m.get('commit')}` ({m.get('uncommitted_files')} uncommitted files); "
             f"started {m.get('started_at')}; total {_f(r.get('total_seconds'), 0)} s; load average (1/5/15 min) "
             f"{m.get('load_average_at_start')} at start, {m.get('load_average_at_end')} at end (load from other "
             f"processes inflates every figure).", "",
             "## Targets (reported, not asserted)", "", "| target | measured | limit | met |", "|---|---|---|---|"]
    for t in r.get("targets", []):
        met = {True: "yes", False: "**NO**", None: "n/a"}[t["met"]]
        lines.append(f"| {t['target']} | {_f(t['measured'], 3)} {t['unit']} | {t['limit']} {t['unit']} | {met} |")
    lines += ["", "## Data sets", "", "| scale | readings | devices | days | complaints | faults | inspections | "
              "generation s | bytes |", "|---|---|---|---|---|---|---|---|---|"]
    for s, d in r.get("scales", {}).items():
        g = r.get("generation", {}).get(s, {})
        lines.append(f"| {s} | {_f(d['readings'])} | {d['devices']} | {d['days']} | {_f(d['complaints'])} | "
                     f"{_f(d['faults'])} | {_f(d['inspections'])} | {_f(g.get('seconds'))} | "
                     f"{_f(sum(g.get('files', {}).values()))} |")
    lines += ["", "## Full refresh vs bare DuckDB baseline", "",
              "| scale | refresh s | refresh peak tree RSS MiB | baseline s | baseline peak MiB | ratio | status |",
              "|---|---|---|---|---|---|---|"]
    for s in r.get("scales", {}):
        f, b = r["full_refresh"].get(s, {}), r["baseline"].get(s, {})
        lines.append(f"| {s} | {_f(f.get('seconds'))} | {_f(f.get('peak_tree_rss_mib'), 0)} | {_f(b.get('seconds'))} | "
                     f"{_f(b.get('peak_tree_rss_mib'), 0)} | {_f(b.get('product_over_baseline'), 2)}x | "
                     f"{_ok(f)} / {_ok(b)} |")
    for s in r.get("scales", {}):
        steps = r["full_refresh"].get(s, {}).get("dagster_steps", {}).get("steps", {})
        if steps:
            top = sorted(steps.items(), key=lambda kv: -kv[1])[:8]
            lines.append(f"\nDagster steps, {s} full refresh (s): " + ", ".join(f"{k} {v:.1f}" for k, v in top))
        dbt = r["full_refresh"].get(s, {}).get("dbt", {})
        if "elapsed" in dbt:
            lines.append(f"\ndbt build, {s} full refresh: {dbt['elapsed']:.1f} s for {dbt['nodes']} nodes "
                         f"({dbt['nodes_by_type']}); seconds by type {dbt['seconds_by_type']}; slowest: "
                         + ", ".join(f"{x['node'].split('.')[-1]} {x['seconds']:.1f}" for x in dbt["slowest"][:5]))
        internal = r["baseline"].get(s, {}).get("internal", {}).get("steps", {})
        if internal:
            lines.append(f"\nBaseline steps, {s} (s): " + ", ".join(f"{k} {v:.2f}" for k, v in internal.items()))
    lines += ["", "## Product vs baseline: same headline numbers", "",
              *([str(r["notes"]["agreement"]), ""] if r.get("notes", {}).get("agreement") else []),
              "| scale | metric | product rows | baseline rows | differing rows | same |", "|---|---|---|---|---|---|"]
    for s, comps in r.get("agreement", {}).items():
        if not isinstance(comps, (dict, list)):
            continue
        if isinstance(comps, dict):
            lines.append(f"| {s} | - | - | - | - | {comps.get('skipped')} |")
            continue
        for c in comps:
            lines.append(f"| {s} | {c['metric']} | {_f(c['product_rows'])} | {_f(c['baseline_rows'])} | "
                         f"{c['only_in_product'] + c['only_in_baseline']} | {'yes' if c['same'] else '**NO**'} |")
    lines += ["", "## Incremental (one new day) and fixed overhead", "",
              "| history | day readings | incremental s | full s | share of full | peak MiB | status |",
              "|---|---|---|---|---|---|---|"]
    for k, v in r.get("incremental", {}).items():
        lines.append(f"| {k} | {_f(v.get('day_files', {}).get('rows', {}).get('readings'))} | {_f(v.get('seconds'))} | "
                     f"{_f(v.get('full_seconds'))} | {_f(v.get('share_of_full'), 3)} | "
                     f"{_f(v.get('peak_tree_rss_mib'), 0)} | {_ok(v)} |")
    lv = r.get("incremental_long_vs_short", {})
    lines.append(f"\nIncremental on {lv.get('long_days')} vs {lv.get('short_days')} days ({lv.get('scale')} daily "
                 f"rate): {_f(lv.get('ratio'), 2)}x." if "skipped" not in lv else f"\nIncremental: skipped: {lv['skipped']}")
    for s, v in r.get("noop_refresh", {}).items():
        steps = v.get("dagster_steps", {}).get("steps", {})
        lines.append(f"\nNo-op refresh (no new files), {s}: {_f(v.get('seconds'))} s ({_ok(v)}); Dagster steps sum "
                     f"{_f(sum(steps.values()))} s: "
                     + ", ".join(f"{k} {x:.1f}" for k, x in sorted(steps.items(), key=lambda kv: -kv[1])[:5])
                     + (f"; dbt {v['dbt']['elapsed']:.1f} s for {v['dbt']['nodes']} nodes" if "elapsed" in v.get("dbt", {})
                        else ""))
    d = r.get("dashboard", {})
    lines += ["", f"## Dashboard queries ({d.get('scale', '-')}, cold cache, {d.get('repeats', '-')} repeats)", ""]
    if d.get("note"):
        lines.append(f"{d['note']}\n")
    if "skipped" in d:
        lines.append(f"skipped: {d['skipped']}")
    else:
        lines += ["| page call | p50 ms | p95 ms |", "|---|---|---|"]
        for k, v in d.get("calls", {}).items():
            lines.append(f"| {k} | {_f(v.get('p50_ms'))} | {_f(v.get('p95_ms'))} |" if "p50_ms" in v
                         else f"| {k} | error | {v.get('error')} |")
        lines += ["", "| statement (slowest first) | p50 ms | p95 ms | used by |", "|---|---|---|---|"]
        for st in d.get("statements", [])[:15]:
            sql = st["sql"][:110].replace("|", "\\|")
            lines.append(f"| `{sql}` | {_f(st['p50_ms'])} | {_f(st['p95_ms'])} | {', '.join(st['calls'])} |")
        if d.get("not_measured"):
            lines.append(f"\nNot measured (no page scenario calls them): {', '.join(d['not_measured'])}")
    i = r.get("ingest_speed", {})
    pr, br = i.get("product", {}).get("result", {}), i.get("bare", {}).get("result", {})
    lines += ["", f"## Raw ingest speed ({i.get('scale')}: {_f(i.get('rows'))} readings, {_f(i.get('csv_bytes'))} bytes)", "",
              "| path | in-process s | rows/s | process wall s | peak tree RSS MiB |", "|---|---|---|---|---|",
              f"| ingest_kind (contract bench_sensor_csv) | {_f(pr.get('seconds'))} | {_f(pr.get('rows_per_s'), 0)} | "
              f"{_f(i.get('product', {}).get('seconds'))} | {_f(i.get('product', {}).get('peak_tree_rss_mib'), 0)} |",
              f"| bare CREATE TABLE AS read_csv | {_f(br.get('seconds'))} | {_f(br.get('rows_per_s'), 0)} | "
              f"{_f(i.get('bare', {}).get('seconds'))} | {_f(i.get('bare', {}).get('peak_tree_rss_mib'), 0)} |",
              f"\nSpeed ratio (product / bare rows per second): {_f(i.get('speed_ratio'), 2)}x.", "",
              "Slowest statements inside ingest_kind (bench/profile_ingest.py):", "",
              "| s | share | caller | statement |", "|---|---|---|---|"]
    for x in pr.get("slowest_statements", [])[:8]:
        sql = x["sql"][:90].replace("|", "\\|")
        lines.append(f"| {_f(x['seconds'], 2)} | {_f(x.get('share'), 3)} | {x['caller']} | `{sql}` |")
    h = r.get("huge", {})
    lines += ["", "## 100M readings under a memory limit", ""]
    if "skipped" in h:
        lines.append(f"skipped: {h['skipped']}")
    else:
        lines.append(f"{_f(h.get('readings'))} readings ({_f(h.get('csv_bytes'))} bytes), CSW_DUCKDB_MEMORY_LIMIT="
                     f"{h.get('memory_limit')}: completed = {h.get('completed')}, {_f(h.get('seconds'))} s, peak tree "
                     f"RSS {_f(h.get('peak_tree_rss_mib'), 0)} MiB.")
    return "\n".join(lines) + "\n"


def write_reports(r: dict, out_dir: Path) -> None:
    """Write ``report.json`` (everything) and ``report.md`` (render_markdown) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(r, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(r), encoding="utf-8")
