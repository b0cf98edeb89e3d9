"""Plotly figures for the pages (no Streamlit, no I/O).

Dates are local wall-clock dates passed as ``YYYY-MM-DD`` text, so no time-zone shift can occur in
the browser; axis titles name the zone (FAILURE_CLASSES.md #16). Rates are plotted in percent.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
RAG_COLORS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "none": "#9e9e9e"}
LINE_COLORS = ("#1565c0", "#6a1b9a", "#00838f", "#ef6c00")


def _pct(values: pd.Series) -> list[float | None]:
    return [None if v is None or pd.isna(v) else round(float(v) * 100, 2) for v in values]


def trend_figure(
    series: list[tuple[str, pd.DataFrame, float]], x_title: str, y_title: str, target_label: str
) -> go.Figure:
    """Daily rate lines.

    ``series``: (legend label, frame with ``date_local`` (date) and ``rate`` (0..1 or None),
    target 0..1). Each series gets a dotted target line in its colour.
    """
    fig = go.Figure()
    lows = [target for _l, _d, target in series]
    for i, (label, df, target) in enumerate(series):
        lows.extend(float(v) for v in df["rate"] if v is not None and not pd.isna(v))
        color = LINE_COLORS[i % len(LINE_COLORS)]
        x = [d.isoformat() for d in df["date_local"]]
        fig.add_trace(go.Scatter(x=x, y=_pct(df["rate"]), name=label, mode="lines+markers",
                                 line={"color": color}, connectgaps=False,
                                 hovertemplate="%{x}<br>%{y:.1f} %<extra>" + label + "</extra>"))
        if x:
            fig.add_trace(go.Scatter(x=[x[0], x[-1]], y=[target * 100, target * 100],
                                     name=f"{target_label} {label} {target:.0%}", mode="lines",
                                     line={"color": color, "dash": "dot", "width": 1},
                                     hoverinfo="skip"))
    fig.update_layout(
        font={"family": FONT_FAMILY},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": x_title}, "type": "date", "tickformat": "%Y-%m-%d"},
        # zoom on the band that matters (targets are 95-100 %), never hiding a low day
        yaxis={"title": {"text": y_title}, "range": [max(0.0, min(lows) * 100 - 5), 101]},
        height=380,
    )
    return fig


def street_figure(df: pd.DataFrame, states: list[str], target: float, x_title: str, y_title: str,
                  target_label: str) -> go.Figure:
    """Horizontal bars of ``rate`` (0..1) per ``street``, coloured by red/amber/green ``states``
    (one per row), with a dashed target line; the first row (most behind) is drawn on top."""
    fig = go.Figure(
        go.Bar(
            x=_pct(df["rate"]),
            y=list(df["street"]),
            orientation="h",
            marker={"color": [RAG_COLORS.get(s, RAG_COLORS["none"]) for s in states]},
            text=[None if pd.isna(r) else f"{r * 100:.1f} %" for r in df["rate"]],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
        )
    )
    fig.add_vline(x=target * 100, line_dash="dash", line_color="#424242",
                  annotation_text=f"{target_label} {target:.0%}", annotation_position="top")
    fig.update_layout(
        font={"family": FONT_FAMILY},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": {"text": x_title}, "range": [0, 105]},
        yaxis={"title": {"text": y_title}, "autorange": "reversed", "type": "category"},
        height=max(260, 40 * len(df) + 120),
        showlegend=False,
    )
    return fig


def _scaled(values, unit: str) -> list[float | None]:
    """Values for plotting: rates in percent, other units as they are."""
    out = []
    for v in values:
        if v is None or pd.isna(v):
            out.append(None)
        else:
            out.append(round(float(v) * 100, 2) if unit == "ratio" else float(v))
    return out


def metric_trend(series: pd.DataFrame, name: str, unit: str, target: float | None, x_title: str,
                 y_title: str, target_label: str) -> go.Figure:
    """One metric over time: ``series`` has ``period`` (date) and ``value`` (rates 0..1, plotted in
    percent); a dotted target line when ``target`` is set. Dates are passed as text (no zone shift)."""
    x = [d.isoformat() for d in series["period"]]
    y = _scaled(series["value"], unit)
    suffix = " %" if unit == "ratio" else ""
    fig = go.Figure(go.Scatter(x=x, y=y, name=name, mode="lines+markers", line={"color": LINE_COLORS[0]},
                               connectgaps=False, hovertemplate="%{x}<br>%{y:,.1f}" + suffix + "<extra></extra>"))
    if target is not None and x:
        t = target * 100 if unit == "ratio" else target
        fig.add_trace(go.Scatter(x=[x[0], x[-1]], y=[t, t], mode="lines", name=f"{target_label} {t:g}{suffix}",
                                 line={"color": "#424242", "dash": "dot", "width": 1}, hoverinfo="skip"))
    fig.update_layout(
        font={"family": FONT_FAMILY}, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": x_title}, "type": "date", "tickformat": "%Y-%m-%d"},
        yaxis={"title": {"text": y_title}}, height=340,
    )
    return fig


def metric_bars(df: pd.DataFrame, unit: str, target: float | None, x_title: str, y_title: str,
                target_label: str, fmt) -> go.Figure:
    """Horizontal bars of ``value`` per ``street`` coloured by ``state`` (red/amber/green/none), the
    first row (most behind) on top; a dashed target line. Clicking a bar selects the street
    (the page uses it for drill-down)."""
    fig = go.Figure(go.Bar(
        x=_scaled(df["value"], unit), y=list(df["street"]), orientation="h",
        marker={"color": [RAG_COLORS.get(s, RAG_COLORS["none"]) for s in df["state"]]},
        text=[fmt(None if pd.isna(v) else v) for v in df["value"]], textposition="auto",
        customdata=list(df["street"]), hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    if target is not None:
        t = target * 100 if unit == "ratio" else target
        fig.add_vline(x=t, line_dash="dash", line_color="#424242", annotation_text=f"{target_label} {t:g}",
                      annotation_position="top")
    fig.update_layout(
        font={"family": FONT_FAMILY}, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": {"text": x_title}}, yaxis={"title": {"text": y_title}, "autorange": "reversed",
                                                   "type": "category"},
        height=max(260, 36 * len(df) + 120), showlegend=False, clickmode="event+select",
    )
    return fig
