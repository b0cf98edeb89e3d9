"""Offline maps (no tile server, no CDN): street polygons from the GeoJSON the project ships in
``dashboards/geo/`` drawn as filled Plotly scatter traces on plain lon/lat axes, coloured by a value
per street (choropleth), optionally with points (lon/lat) on top.

Plotly's ``geo`` traces are avoided on purpose: plotly.js fetches its base-map topojson from a CDN,
which an offline deployment cannot reach. Axes keep 1:1 degree aspect at this latitude closely
enough for a schematic. No Streamlit, no I/O besides reading the GeoJSON file.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboards.charts import FONT_FAMILY

GEO_DIR = Path(__file__).resolve().parent / "geo"
DEFAULT_GEOJSON = GEO_DIR / "licheng_streets.geojson"
GEOJSON_BY_SOURCE = {"licheng": DEFAULT_GEOJSON}
COLORSCALE = "Blues"
NO_DATA_FILL = "#eeeeee"


class GeoJSONError(ValueError):
    """The GeoJSON file is not a FeatureCollection of (Multi)Polygons with a ``name`` property."""


@lru_cache(maxsize=8)
def load_streets(path: Path = DEFAULT_GEOJSON) -> dict[str, list[list[tuple[float, float]]]]:
    """Street name -> list of outer rings [(lon, lat), ...] from a GeoJSON FeatureCollection.

    Raises :class:`GeoJSONError` naming the file and feature for anything else.
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoJSONError(f"{path}: cannot read GeoJSON: {exc}") from exc
    if doc.get("type") != "FeatureCollection":
        raise GeoJSONError(f"{path}: not a FeatureCollection")
    out: dict[str, list[list[tuple[float, float]]]] = {}
    for i, feat in enumerate(doc.get("features", [])):
        name = (feat.get("properties") or {}).get("name")
        geom = feat.get("geometry") or {}
        if not name:
            raise GeoJSONError(f"{path}: feature {i} has no properties.name")
        if geom.get("type") == "Polygon":
            polys = [geom["coordinates"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["coordinates"]
        else:
            raise GeoJSONError(f"{path}: feature {i} ({name}) is {geom.get('type')}, not a polygon")
        out[name] = [[(float(x), float(y)) for x, y in poly[0]] for poly in polys]
    return out


def geojson_for(source: str) -> Path | None:
    """The shipped GeoJSON of a data set, or None (real data without boundaries: points only)."""
    return GEOJSON_BY_SOURCE.get(source)


def _color(value: float, lo: float, hi: float) -> str:
    pos = 0.5 if hi <= lo else (value - lo) / (hi - lo)
    return sample_colorscale(COLORSCALE, [0.15 + 0.85 * pos])[0]


def street_map(values: pd.DataFrame, title: str, value_label: str, fmt, geojson: Path = DEFAULT_GEOJSON,
               points: pd.DataFrame | None = None, point_label: str = "", scale: float = 1.0) -> go.Figure:
    """Choropleth of ``values`` (columns ``street``, ``value``) on the street polygons of
    ``geojson``; streets without a value are grey. ``fmt`` turns a value into hover text; the
    colour bar shows value × ``scale`` (100 for rates in percent).
    ``points`` (columns lon, lat, optional label) are drawn on top as markers."""
    shapes = load_streets(geojson)
    by_street = {s: float(v) * scale for s, v in zip(values["street"], values["value"])
                 if v is not None and pd.notna(v)}
    lo = min(by_street.values(), default=0.0)
    hi = max(by_street.values(), default=1.0)
    fig = go.Figure()
    for name, rings in shapes.items():
        value = by_street.get(name)
        fill = NO_DATA_FILL if value is None else _color(float(value), float(lo), float(hi))
        shown = None if value is None else value / scale
        text = f"{name}<br>{value_label}: {fmt(shown)}"
        for ring in rings:
            xs, ys = zip(*ring)
            fig.add_trace(go.Scatter(x=list(xs), y=list(ys), mode="lines", fill="toself", fillcolor=fill,
                                     line={"color": "#455a64", "width": 1}, hoverinfo="text", text=text,
                                     hoveron="fills", name=name, showlegend=False))
        cx = sum(x for x, _ in rings[0][:-1]) / max(len(rings[0]) - 1, 1)
        cy = sum(y for _, y in rings[0][:-1]) / max(len(rings[0]) - 1, 1)
        dark = value is not None and hi > lo and (value - lo) / (hi - lo) > 0.6
        fig.add_annotation(x=cx, y=cy, text=f"{name}<br><b>{fmt(shown)}</b>", showarrow=False,
                           font={"size": 11, "family": FONT_FAMILY, "color": "white" if dark else "#212121"})
    if by_street:
        # invisible marker trace carrying the colour bar
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker={"colorscale": [[0, _color(lo, lo, hi)], [1, _color(hi, lo, hi)]],
                                         "cmin": lo, "cmax": hi, "color": [lo],
                                         "colorbar": {"title": {"text": value_label}, "thickness": 12}}))
    if points is not None and not points.empty:
        fig.add_trace(go.Scatter(x=points["lon"], y=points["lat"], mode="markers", name=point_label,
                                 marker={"size": 5, "color": "#c62828", "opacity": 0.7},
                                 text=points.get("label"), hoverinfo="text" if "label" in points else "x+y"))
    fig.update_layout(
        title={"text": title}, font={"family": FONT_FAMILY}, height=420,
        margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white",
        xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1.1},
    )
    return fig


def point_map(points: pd.DataFrame, title: str, label: str) -> go.Figure:
    """Scatter of ``points`` (lon, lat, optional label) with no base map (real data with
    coordinates but no shipped boundaries)."""
    fig = go.Figure(go.Scatter(x=points["lon"], y=points["lat"], mode="markers", name=label,
                               marker={"size": 5, "color": "#1565c0", "opacity": 0.6},
                               text=points.get("label"), hoverinfo="text" if "label" in points else "x+y"))
    fig.update_layout(title={"text": title}, font={"family": FONT_FAMILY}, height=420,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="white",
                      xaxis={"title": {"text": "lon"}}, yaxis={"title": {"text": "lat"}, "scaleanchor": "x"})
    return fig
