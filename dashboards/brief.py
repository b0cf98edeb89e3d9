"""Printable daily brief of the overview (每日简报): one self-contained HTML page and its PDF.

    from dashboards.brief import build_brief
    html_path, pdf_path = build_brief(warehouse_dir, out_dir)

Used by the nightly job (after publish) and by the overview page's "make brief" button. Reads the
published serving copy of ``warehouse_dir`` with every street in scope (a service job, not a user
session), computes the overview indicators with :mod:`dashboards.metrics` over the default window
(the last 30 days with data) and, when published, the street composite index (C20). Chinese text:
the HTML names the Noto CJK fonts (fonts-noto-cjk) and the PDF is printed by headless Chromium
(``/usr/bin/chromium --headless --print-to-pdf``), which embeds them.

Command line: ``python -m dashboards.brief --warehouse-dir warehouse --out-dir briefs``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from dashboards import catalog, data, i18n, metrics
from dashboards.filters import default_range
from dashboards.i18n import t

ZONE = ZoneInfo(data.DISPLAY_TZ)
CHROMIUM = os.environ.get("CSW_CHROMIUM", "/usr/bin/chromium")
PDF_TIMEOUT_S = 90
LANG = "zh"
STATE_COLORS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "none": "#9e9e9e", "notarget": "#1565c0"}
BRIEF_METRICS = catalog.OVERVIEW.metrics + ("G6", "G7", "I1", "S4", "H4", "H7", "G12F")


class BriefError(RuntimeError):
    """The brief could not be made (no published data, Chromium failed); message says why."""


def _rows_for(snap: data.Snapshot, source: str, start: dt.date, end: dt.date,
              defs: list[metrics.MetricDef]) -> list[metrics.MetricValue]:
    values = []
    unreported = data.unreported_metrics(snap, source)  # unknown for this source, never shown as 0 %
    by_model: dict[str, list[metrics.MetricDef]] = {}
    for m in defs:
        if m.metric_id not in unreported:
            by_model.setdefault(m.model, []).append(m)
    for model, ms in by_model.items():
        lo = min(metrics.load_window(start, end, m.grain)[0] for m in ms)
        try:
            rows = data.fact_rows(snap, model, ms[0].date_column, lo, end, source,
                                  ["street"] + [c for m in ms for c in m.needed_columns])
        except data.MartUnavailable:
            continue
        values.extend(metrics.compute(m, rows, start, end) for m in ms
                      if all(c in rows.columns for c in m.needed_columns))
    order = {mid: i for i, mid in enumerate(BRIEF_METRICS)}
    return sorted(values, key=lambda mv: order.get(mv.metric.metric_id, 999))


def _period(mv: metrics.MetricValue) -> str:
    if mv.period is None:
        return "—"
    if mv.metric.grain == "month":
        return t("overview.period_month", LANG, month=mv.period[0].strftime("%Y-%m"))
    if mv.metric.grain == "year":
        return t("period.year", LANG, year=mv.period[0].year)
    return t("overview.period_days", LANG, start=mv.period[0], end=mv.period[1])


def _kpi_table(values: list[metrics.MetricValue]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ("指标", "数值", "目标", "较上期", "状态", "统计期"))
    body = []
    for mv in values:
        m = mv.metric
        state = mv.state
        target = "—" if m.target is None else metrics.format_value(m, m.target, LANG)
        label = t("rag." + state, LANG) if state in ("green", "amber", "red", "none", "notarget") else state
        body.append(
            "<tr>"
            f"<td>{html.escape(m.name_zh)} <span class='id'>{html.escape(m.metric_id)}</span></td>"
            f"<td class='num'>{html.escape(metrics.format_value(m, mv.value, LANG))}</td>"
            f"<td class='num'>{html.escape(target)}</td>"
            f"<td class='num'>{html.escape(metrics.format_delta(m, mv.delta, LANG) or '—')}</td>"
            f"<td><span class='dot' style='background:{STATE_COLORS.get(state, '#9e9e9e')}'></span>"
            f"{html.escape(label)}</td>"
            f"<td>{html.escape(_period(mv))}</td>"
            "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _composite_table(snap: data.Snapshot, source: str) -> str:
    if not data.has_table(snap, "marts.fct_street_composite_monthly"):
        return ""
    df = data.query(snap, "SELECT street, composite_score, grade, period_month FROM marts.fct_street_composite_monthly "
                          "WHERE source_system = ? AND period_month = (SELECT max(period_month) FROM "
                          "marts.fct_street_composite_monthly WHERE source_system = ?) "
                          "ORDER BY composite_score DESC NULLS LAST, street", (source, source))
    if df.empty:
        return ""
    month = pd.Timestamp(df["period_month"].iloc[0]).strftime("%Y-%m")
    rows = "".join(
        f"<tr><td>{html.escape(str(r.street))}</td><td class='num'>"
        f"{'—' if pd.isna(r.composite_score) else f'{r.composite_score:.1f}'}</td>"
        f"<td>{html.escape('' if pd.isna(r.grade) else str(r.grade))}</td></tr>"
        for r in df.itertuples())
    return (f"<h2>{html.escape(t('brief.street_index', LANG))}（{month}）</h2>"
            f"<table><thead><tr><th>街道</th><th>综合指标值</th><th>等级</th></tr></thead><tbody>{rows}</tbody></table>")


CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif; color: #212121;
       font-size: 11pt; }
h1 { font-size: 18pt; margin: 0 0 4pt 0; } h2 { font-size: 13pt; margin: 14pt 0 6pt 0; }
.meta { color: #555; font-size: 9.5pt; margin-bottom: 8pt; }
.warn { border: 1px solid #f9a825; background: #fff8e1; padding: 6pt; margin: 6pt 0; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #cfd8dc; padding: 4pt 6pt; }
th { background: #eceff1; text-align: left; } td.num { text-align: right; white-space: nowrap; }
.id { color: #78909c; font-size: 8.5pt; } .dot { display: inline-block; width: 8pt; height: 8pt;
border-radius: 4pt; margin-right: 4pt; vertical-align: middle; }
footer { margin-top: 12pt; color: #777; font-size: 8.5pt; }
"""


def render_html(snap: data.Snapshot, failure: data.Failure | None, now: dt.datetime | None = None,
                source: str | None = None) -> str:
    """The brief as one HTML document (UTF-8, inline CSS, no external resources)."""
    now = (now or dt.datetime.now(ZONE)).astimezone(ZONE)
    with data.service_scope(data.ALL_STREETS):
        sources = data.source_systems(snap)
        if sources.empty:
            raise BriefError(f"{snap.path}: no facts published yet")
        row = sources.iloc[0] if source is None else sources[sources["source_system"] == source].iloc[0]
        source = str(row["source_system"])
        start, end = default_range(data.date_bounds(snap, source), str(row["time_zone"]))
        defs, _bad = metrics.registry(data.metric_dim(snap))
        chosen = [defs[m] for m in BRIEF_METRICS if m in defs and data.has_table(snap, f"marts.{defs[m].model}")]
        values = _rows_for(snap, source, start, end, chosen)
        composite = _composite_table(snap, source)
    published = snap.published_at.strftime("%Y-%m-%d %H:%M")
    notes = []
    if snap.is_stale(now):
        notes.append(t("banner.stale", LANG, hours=snap.age(now).total_seconds() / 3600,
                       limit=data.stale_after().total_seconds() / 3600))
    if failure is not None:
        notes.append(f"{i18n.failure_notice(failure.failed_at, failure.stage, snap.version, LANG)} "
                     f"{t('banner.failure_details', LANG)}: {failure.message}")
    warn = "".join(f"<div class='warn'>{html.escape(n)}</div>" for n in notes)
    title = f"{t('brief.heading', LANG)} · {row['name_zh']}"
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} {now:%Y-%m-%d}</title><style>{CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<div class='meta'>{now:%Y年%m月%d日} · 统计区间 {start} 至 {end}（当地日期，{html.escape(str(row['time_zone']))}）"
        f" · 数据版本 v{snap.version}</div>{warn}"
        f"<h2>{html.escape(t('overview.kpis', LANG))}</h2>{_kpi_table(values)}{composite}"
        f"<footer>{html.escape(t('brief.footer', LANG, version=snap.version, published=published, zone=data.DISPLAY_TZ, generated=now.strftime('%Y-%m-%d %H:%M')))}"
        " · 月度指标取区间内最近一个月；比率 = Σ分子 ÷ Σ分母。</footer></body></html>"
    )


def print_pdf(html_path: Path, pdf_path: Path, chromium: str = CHROMIUM) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (fonts embedded).

    Raises :class:`BriefError` with Chromium's output when it fails or times out.
    """
    exe = shutil.which(chromium) or chromium
    with tempfile.TemporaryDirectory(prefix="csw-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               f"--user-data-dir={profile}", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
               f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT_S,
                                  env={**os.environ, "HOME": profile})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BriefError(f"{exe}: cannot print {html_path.name} to PDF: {exc}") from exc
    if not pdf_path.exists() or pdf_path.stat().st_size == 0 or not pdf_path.read_bytes().startswith(b"%PDF"):
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        raise BriefError(f"{exe} exited {proc.returncode} without a PDF for {html_path.name}: {' | '.join(tail)}")


def build_brief(warehouse_dir: Path | str, out_dir: Path | str) -> tuple[Path, Path]:
    """Make the daily brief of the currently published version.

    Writes ``out_dir/brief_<YYYY-MM-DD>_v<version>.html`` and ``.pdf`` (date = today in
    Asia/Shanghai; files of the same day and version are replaced) and returns their paths.
    Raises :class:`dashboards.data.NoWarehouse` when nothing is published and :class:`BriefError`
    when there are no facts or the PDF cannot be printed.
    """
    wdir = Path(warehouse_dir).resolve()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    snap = data.current_snapshot(wdir)
    now = dt.datetime.now(ZONE)
    doc = render_html(snap, data.last_failure(wdir), now)
    stem = f"brief_{now:%Y-%m-%d}_v{snap.version}"
    html_path, pdf_path = out / f"{stem}.html", out / f"{stem}.pdf"
    tmp_html = out / f".{stem}.html.tmp"
    tmp_html.write_text(doc, encoding="utf-8")
    os.replace(tmp_html, html_path)
    tmp_pdf = out / f".{stem}.tmp.pdf"
    try:
        print_pdf(html_path, tmp_pdf)
        os.replace(tmp_pdf, pdf_path)
    finally:
        tmp_pdf.unlink(missing_ok=True)
    return html_path, pdf_path


def main(argv: list[str] | None = None) -> int:
    """Command line: build the brief and print the two paths."""
    ap = argparse.ArgumentParser(description="Make the daily brief (HTML + PDF) of the published data.")
    ap.add_argument("--warehouse-dir", default=str(data.warehouse_dir()))
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args(argv)
    html_path, pdf_path = build_brief(args.warehouse_dir, args.out_dir)
    print(html_path)
    print(pdf_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
