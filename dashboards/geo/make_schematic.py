"""Write ``licheng_streets.geojson``: a SCHEMATIC map of the 8 demo streets (街道) of 鲤城区.

Not survey data. Each street is the Voronoi cell of its rough centre (``pipelines.demo.registry.
STREET_CENTRE``, WGS84 lon/lat) clipped to a box around the district, so demo points (which the
generator scatters around those centres) fall inside or near their street. Deterministic; run
``python -m dashboards.geo.make_schematic`` after changing the street list. Feature property
``name`` is the street name used in every mart's ``street`` column.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.demo.registry import STREET_CENTRE
from pipelines.demo.spec import STREETS

OUT = Path(__file__).resolve().parent / "licheng_streets.geojson"
BOX = (118.515, 24.868, 118.610, 24.927)  # lon_min, lat_min, lon_max, lat_max


def _clip(poly: list[tuple[float, float]], a: tuple[float, float], b: tuple[float, float]):
    """Keep the half of ``poly`` closer to ``a`` than to ``b`` (Sutherland-Hodgman on the bisector)."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    nx, ny = b[0] - a[0], b[1] - a[1]

    def side(p):
        return (p[0] - mx) * nx + (p[1] - my) * ny  # <= 0: a's side

    out = []
    for i, cur in enumerate(poly):
        prev = poly[i - 1]
        sc, sp = side(cur), side(prev)
        if sc <= 0:
            if sp > 0:
                t = sp / (sp - sc)
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            out.append(cur)
        elif sp <= 0:
            t = sp / (sp - sc)
            out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
    return out


def build() -> dict:
    """The FeatureCollection (one Polygon per street, ring closed, 6 decimals)."""
    x0, y0, x1, y1 = BOX
    features = []
    for name in STREETS:
        cell = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for other in STREETS:
            if other != name:
                cell = _clip(cell, STREET_CENTRE[name], STREET_CENTRE[other])
        ring = [[round(x, 6), round(y, 6)] for x, y in cell]
        ring.append(ring[0])
        lon, lat = STREET_CENTRE[name]
        features.append({
            "type": "Feature",
            "id": name,
            "properties": {"name": name, "centre_lon": lon, "centre_lat": lat},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })
    return {"type": "FeatureCollection",
            "name": "鲤城区街道示意图 (schematic, not survey data)",
            "features": features}


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
