"""IoT devices of the demo district: gas-leak detectors and waterlogging level gauges.

Devices: 10 gas-leak detectors (%LEL; 6 at LPG stations, 4 in large restaurants) and 6 water-level
gauges (cm of standing water, at drains in low-lying streets). The alarm log covers the whole year;
readings cover only the last 44 days (hourly for 30 days, then every 15 minutes for 14 days) to keep
the file under 4 MB. Alarm episodes inside that window show up in the readings (values above the
threshold; ``-9999`` sentinels while a device was faulty).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from .registry import Asset, GasUser
from .spec import EXPORT_AT, READINGS_COARSE_START, READINGS_FINE_START, YEAR_END, YEAR_START, fmt_offset

SENTINEL = -9999.0
THRESHOLD = {"gas_leak": 20.0, "water_level": 25.0}
UNIT = {"gas_leak": "%LEL", "water_level": "cm"}
TYPE_LABEL = {"gas_leak": "可燃气体", "water_level": "积水水位"}
CLEAR_LABEL = {"fixed": "已处置", "false_alarm": "误报", "device_fault": "设备故障"}
WET_MONTH_WEIGHT = {1: 1, 2: 1, 3: 2, 4: 3, 5: 5, 6: 7, 7: 7, 8: 8, 9: 6, 10: 3, 11: 1, 12: 1}


@dataclass(frozen=True)
class Device:
    """One sensor: id, type, the unit or drain it watches (id, name) and its street."""

    device_id: str
    sensor_type: str
    target_id: str
    target_name: str
    street: str


@dataclass
class Alarm:
    """One alarm-log row; times naive local, ``None`` when the step had not happened at export."""

    alarm_id: str
    device: Device
    raised_at: datetime
    peak: float
    acknowledged_at: datetime | None
    cleared_at: datetime | None
    clear_reason: str | None  # fixed | false_alarm | device_fault

    @property
    def level(self) -> str:
        """报警级别: 二级 when the peak is at least twice the threshold, else 一级."""
        return "二级" if self.peak >= 2 * THRESHOLD[self.device.sensor_type] else "一级"


def make_devices(rng: random.Random, users: list[GasUser], assets: list[Asset]) -> list[Device]:
    """10 gas-leak detectors and 6 water-level gauges, ids GL-01.. and WL-01.."""
    stations = [u for u in users if u.subject_type == "lpg_station"]
    restaurants = [u for u in users if u.subject_type == "restaurant" and u.registered < YEAR_START]
    gas_sites = rng.sample(stations, 6) + rng.sample(restaurants, 4)
    low = ("临江街道", "浮桥街道", "江南街道", "海滨街道")
    drains = [a for a in assets if a.facility_type == "drain" and a.street in low and a.built < YEAR_START]
    devices = [Device(f"GL-{i:02d}", "gas_leak", u.unit_id, u.name, u.street) for i, u in enumerate(gas_sites, 1)]
    devices += [Device(f"WL-{i:02d}", "water_level", a.asset_id, a.name, a.street)
                for i, a in enumerate(rng.sample(drains, 6), 1)]
    return devices


def make_storms(rng: random.Random) -> list[tuple[datetime, float, float]]:
    """Rain events of the year: (start, hours, intensity 0..1); a typhoon lands inside the readings window."""
    out = []
    day = YEAR_START
    while day < YEAR_END:
        if rng.random() < WET_MONTH_WEIGHT[day.month] / 60:
            out.append((day + timedelta(hours=rng.randrange(24)), rng.uniform(2, 10), rng.random()))
        day += timedelta(days=1)
    out.append((READINGS_FINE_START + timedelta(days=4, hours=15), 9.0, 0.95))  # late-season typhoon
    out.append((READINGS_COARSE_START + timedelta(days=9, hours=6), 5.0, 0.7))
    return sorted(out)


def make_alarms(rng: random.Random, devices: list[Device], storms: list[tuple[datetime, float, float]]) -> list[Alarm]:
    """Alarm log of the year (gas detectors at random, gauges during ``storms``), sorted by raise time,
    ids ``BJ<yyyymmdd><seq>``."""
    alarms: list[Alarm] = []
    for dev in devices:
        if dev.sensor_type == "gas_leak":
            n = rng.randint(2, 6)
            raises = [YEAR_START + timedelta(minutes=rng.randrange(int((YEAR_END - YEAR_START).total_seconds() // 60)))
                      for _ in range(n)]
            # one alarm inside the fine readings window for the first three detectors
            if dev.device_id in ("GL-01", "GL-02", "GL-03"):
                raises.append(READINGS_FINE_START + timedelta(days=rng.randint(1, 12), hours=rng.randint(8, 20)))
            for at in raises:
                reason = rng.choices(("false_alarm", "fixed", "device_fault"), weights=(55, 30, 15))[0]
                peak = round(rng.uniform(21, 30) if reason == "false_alarm" else rng.uniform(22, 60), 1)
                alarms.append(_episode(rng, dev, at, peak, reason, hours=(0.3, 3)))
        else:
            for start, hours, intensity in storms:
                peak = round(5 + intensity * 45 + rng.uniform(-8, 8), 1)
                if peak >= THRESHOLD["water_level"] and rng.random() < 0.7:
                    at = start + timedelta(hours=hours * 0.4, minutes=rng.randrange(30))
                    alarms.append(_episode(rng, dev, at, peak, "fixed", hours=(hours * 0.5, hours * 1.5)))
            if rng.random() < 0.5:
                at = YEAR_START + timedelta(days=rng.randrange(365), hours=rng.randrange(24))
                alarms.append(_episode(rng, dev, at, 999.0, "device_fault", hours=(2, 12)))
    alarms.sort(key=lambda a: (a.raised_at, a.device.device_id))
    alarms = [a for a in alarms if a.raised_at < EXPORT_AT]
    seq: dict = {}
    for a in alarms:
        d = a.raised_at.date()
        seq[d] = seq.get(d, 0) + 1
        a.alarm_id = f"BJ{d:%Y%m%d}{seq[d]:02d}"
    return alarms


def _episode(rng: random.Random, dev: Device, at: datetime, peak: float, reason: str,
             hours: tuple[float, float]) -> Alarm:
    at = at.replace(second=rng.randrange(60), microsecond=0)
    ack = at + timedelta(minutes=rng.randint(1, 25), seconds=rng.randrange(60)) if rng.random() < 0.95 else None
    cleared = at + timedelta(hours=rng.uniform(*hours))
    cleared = cleared.replace(microsecond=0)
    if ack and ack >= EXPORT_AT:
        ack = None
    if cleared >= EXPORT_AT:
        cleared, reason = None, None
    return Alarm("", dev, at, peak, ack, cleared, reason)


def _timestamps() -> Iterator[datetime]:
    t = READINGS_COARSE_START
    while t < READINGS_FINE_START:
        yield t
        t += timedelta(hours=1)
    while t < YEAR_END:
        yield t
        t += timedelta(minutes=15)


def make_readings(rng: random.Random, devices: list[Device], alarms: list[Alarm],
                  storms: list[tuple[datetime, float, float]]) -> Iterator[dict]:
    """Readings as JSON-ready dicts {device_id, sensor_type, ts (+08:00), value, unit}, by time then device.

    Outside alarm episodes values are background noise (gas 0-2 %LEL; water 0-6 cm plus sub-threshold
    rain bumps). During an episode the value decays linearly from the alarm peak to background;
    during a ``device_fault`` episode the device reports the sentinel -9999.
    """
    storms = [s for s in storms if s[0] >= READINGS_COARSE_START - timedelta(days=1)]
    episodes: dict[str, list[Alarm]] = {d.device_id: [] for d in devices}
    for a in alarms:
        if a.raised_at >= READINGS_COARSE_START - timedelta(days=1):
            episodes[a.device.device_id].append(a)
    for t in _timestamps():
        for dev in devices:
            value = _background(rng, dev, t, storms)
            for a in episodes[dev.device_id]:
                end = a.cleared_at or EXPORT_AT
                if a.raised_at <= t < end:
                    if a.clear_reason == "device_fault":
                        value = SENTINEL
                    else:
                        frac = (t - a.raised_at) / (end - a.raised_at)
                        value = round(a.peak - (a.peak - value) * frac, 1)
            yield {"device_id": dev.device_id, "sensor_type": dev.sensor_type, "ts": fmt_offset(t),
                   "value": value, "unit": UNIT[dev.sensor_type]}


def _background(rng: random.Random, dev: Device, t: datetime, storms: list) -> float:
    if dev.sensor_type == "gas_leak":
        return round(abs(rng.gauss(0.4, 0.4)), 1)
    level = max(0.0, rng.gauss(2.0, 1.0))
    for start, hours, intensity in storms:
        dt = (t - start).total_seconds() / 3600
        if 0 <= dt <= hours * 2:
            level += 18 * intensity * math.sin(math.pi * dt / (hours * 2))
    return round(level, 1)
