"""Registries of the demo district: gas users (restaurants, LPG stations) and municipal assets.

Pure data: functions take a ``random.Random`` and return lists of dataclasses; writing to files is
``pipelines.demo.generate``'s job.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import names
from .spec import ASSET_COUNTS, N_BRIDGES, N_LPG_STATIONS, N_RESTAURANTS, STREET_WEIGHT, STREETS, YEAR_START

# Rough centre (lon, lat, WGS84) of each street in old-town Quanzhou.
STREET_CENTRE = {
    "鲤中街道": (118.590, 24.912), "海滨街道": (118.597, 24.905), "临江街道": (118.590, 24.900),
    "开元街道": (118.580, 24.915), "浮桥街道": (118.570, 24.900), "江南街道": (118.560, 24.880),
    "金龙街道": (118.540, 24.890), "常泰街道": (118.530, 24.910),
}

GAS_USER_TYPE_LABEL = {"restaurant": "餐饮场所", "lpg_station": "瓶装燃气供应站"}
ASSET_TYPE_LABEL = {
    "streetlight": "路灯", "drain": "排水设施", "manhole_cover": "井盖",
    "road_segment": "道路", "greenery": "绿地", "bridge": "桥梁",
}
ASSET_ID_PREFIX = {
    "streetlight": "LD", "drain": "PS", "manhole_cover": "JG",
    "road_segment": "DL", "greenery": "LH", "bridge": "QL",
}
ASSET_KEEPER = {
    "streetlight": "区路灯管理所", "drain": "区市政工程养护中心", "manhole_cover": "区市政工程养护中心",
    "road_segment": "区市政工程养护中心", "greenery": "区园林绿化中心", "bridge": "区桥梁养护所",
}


@dataclass(frozen=True)
class GasUser:
    """One registered gas user: a restaurant using gas or a bottled-LPG supply station."""

    unit_id: str
    name: str
    subject_type: str  # restaurant | lpg_station
    street: str
    address: str
    licence_no: str
    registered: datetime  # local date (midnight) of registration
    lon: float
    lat: float


@dataclass(frozen=True)
class Asset:
    """One municipal facility (street light, drain, manhole cover, road segment, greenery, bridge)."""

    asset_id: str
    facility_type: str
    name: str
    street: str
    address: str
    lon: float
    lat: float
    built: datetime  # local date the asset entered the register
    spec: str
    maintenance_class: str | None = None  # bridges: 养护类别 Ⅱ类..Ⅴ类
    maintenance_grade: str | None = None  # bridges: 养护等级 Ⅰ等..Ⅲ等


def allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` over the keys of ``weights`` proportionally (largest remainder, stable order)."""
    wsum = sum(weights.values())
    exact = {k: total * w / wsum for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = total - sum(counts.values())
    for k in sorted(weights, key=lambda k: (-(exact[k] - counts[k]), list(weights).index(k)))[:rest]:
        counts[k] += 1
    return counts


def _point(rng: random.Random, street: str) -> tuple[float, float]:
    lon0, lat0 = STREET_CENTRE[street]
    return round(lon0 + rng.uniform(-0.008, 0.008), 6), round(lat0 + rng.uniform(-0.006, 0.006), 6)


def _street_sequence(rng: random.Random, total: int) -> list[str]:
    seq = [s for s, n in allocate(total, STREET_WEIGHT).items() for _ in range(n)]
    rng.shuffle(seq)
    return seq


def make_gas_users(rng: random.Random) -> list[GasUser]:
    """1,600 gas-using restaurants (about 6 % registered during the reference year) and 30 LPG stations."""
    users: list[GasUser] = []
    used: set[str] = set()
    for i, street in enumerate(_street_sequence(rng, N_RESTAURANTS), start=1):
        if rng.random() < 0.06:
            registered = YEAR_START + timedelta(days=rng.randrange(0, 350))
        else:
            registered = datetime(2012, 1, 1) + timedelta(days=rng.randrange(0, (YEAR_START - datetime(2012, 1, 1)).days))
        lon, lat = _point(rng, street)
        users.append(GasUser(
            unit_id=f"LC-CY-{i:04d}",
            name=names.shop_name(rng, used),
            subject_type="restaurant",
            street=street,
            address=names.address(rng, street),
            licence_no=f"JY1350502{rng.randrange(10**6, 10**7):07d}",
            registered=registered,
            lon=lon, lat=lat,
        ))
    station_streets = [s for s, n in allocate(N_LPG_STATIONS, {s: 1 for s in STREETS}).items() for _ in range(n)]
    for i, street in enumerate(station_streets, start=1):
        lon, lat = _point(rng, street)
        short = street.removesuffix("街道")
        users.append(GasUser(
            unit_id=f"LC-QZ-{i:03d}",
            name=f"{rng.choice(names.LPG_PREFIX)}燃气有限公司{short}瓶装液化气供应站（{i}号）",
            subject_type="lpg_station",
            street=street,
            address=names.address(rng, street),
            licence_no=f"闽2019{rng.randrange(10**5, 10**6)}L",
            registered=datetime(2008, 1, 1) + timedelta(days=rng.randrange(0, 5000)),
            lon=lon, lat=lat,
        ))
    return users


def _asset_spec(rng: random.Random, ftype: str) -> str:
    if ftype == "streetlight":
        return f"LED {rng.choice((60, 90, 120, 150, 200))}W"
    if ftype == "drain":
        return f"{rng.choice(('雨水口', '检查井', '排水管'))} DN{rng.choice((300, 400, 600, 800, 1000))}"
    if ftype == "manhole_cover":
        return rng.choice(("球墨铸铁 Φ700", "复合材料 Φ700", "球墨铸铁 Φ800"))
    if ftype == "road_segment":
        return f"长{rng.randrange(80, 900)}米 宽{rng.choice((7, 9, 12, 16, 24))}米"
    if ftype == "greenery":
        return f"面积{rng.randrange(200, 20000)}平方米"
    return ""


def make_assets(rng: random.Random) -> list[Asset]:
    """Several thousand municipal assets (ASSET_COUNTS) plus the 25 bridges, ids per type prefix."""
    assets: list[Asset] = []
    for ftype, total in ASSET_COUNTS.items():
        for i, street in enumerate(_street_sequence(rng, total), start=1):
            road = rng.choice(names.ROADS[street])
            if ftype == "streetlight":
                name = f"{road}{rng.randint(1, 120)}号灯杆"
            elif ftype == "drain":
                name = f"{road}排水设施{i}"
            elif ftype == "manhole_cover":
                name = f"{road}井盖{i}"
            elif ftype == "road_segment":
                name = f"{road}第{rng.randint(1, 9)}段"
            else:
                name = f"{road}绿化带{i}"
            if rng.random() < 0.02:
                built = YEAR_START + timedelta(days=rng.randrange(0, 360))
            else:
                built = datetime(1995, 1, 1) + timedelta(days=rng.randrange(0, (YEAR_START - datetime(1995, 1, 1)).days))
            lon, lat = _point(rng, street)
            assets.append(Asset(
                asset_id=f"{ASSET_ID_PREFIX[ftype]}-{i:05d}", facility_type=ftype, name=name, street=street,
                address=f"{road}{rng.randint(1, 399)}号附近", lon=lon, lat=lat, built=built,
                spec=_asset_spec(rng, ftype),
            ))
    bridge_streets = _street_sequence(rng, N_BRIDGES)
    for i, (bname, street) in enumerate(zip(names.BRIDGE_NAMES, bridge_streets), start=1):
        lon, lat = _point(rng, street)
        big = i <= 5
        assets.append(Asset(
            asset_id=f"QL-{i:03d}", facility_type="bridge", name=bname, street=street,
            address=f"{rng.choice(names.ROADS[street])}跨河处", lon=lon, lat=lat,
            built=datetime(1985, 1, 1) + timedelta(days=rng.randrange(0, 12000)),
            spec=f"长{rng.randrange(300, 1200) if big else rng.randrange(8, 60)}米",
            maintenance_class="Ⅱ类" if big else rng.choice(("Ⅲ类", "Ⅳ类", "Ⅴ类")),
            maintenance_grade="Ⅰ等" if big else rng.choice(("Ⅱ等", "Ⅲ等")),
        ))
    return assets
