"""Generate seed ``dbt/seeds/dim_calendar.csv``: China's official working-day calendar (法定工作日历).

Usage (from the repository root)::

    .venv/bin/python dbt/scripts/make_calendar.py [--start 2014] [--end 2030] [--out dbt/seeds/dim_calendar.csv]

One row per date from Jan 1 of ``--start`` to Dec 31 of ``--end``. Holidays and make-up workdays (调休上班)
come from the maintained ``chinese_calendar`` package (State Council notices); years it does not cover yet
(it raises ``NotImplementedError``, e.g. years after the latest published notice) fall back to Monday-Friday
and carry ``is_official = false`` so nobody mistakes them for the official calendar. Re-run and commit the
output after upgrading ``chinese-calendar`` each December.

Columns: date_day (YYYY-MM-DD), is_workday, is_holiday (statutory holiday), is_makeup_workday (weekend day that
is a working day), holiday_name (English name from the package, empty otherwise), is_official,
workday_seq (number of working days from ``--start`` up to and including the date; used by dbt to add N
working days: the N-th working day after date d is the working day with workday_seq = seq(d) + N).
Deterministic: same package version -> same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import chinese_calendar

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "seeds" / "dim_calendar.csv"
HEADER = ("date_day", "is_workday", "is_holiday", "is_makeup_workday", "holiday_name", "is_official", "workday_seq")


def day_row(day: dt.date) -> tuple[bool, bool, bool, str, bool]:
    """(is_workday, is_holiday, is_makeup_workday, holiday_name, is_official) of one date.

    Uses ``chinese_calendar`` when it covers the year, else the Monday-Friday rule (is_official False).
    """
    weekend = day.weekday() >= 5
    try:
        workday = chinese_calendar.is_workday(day)
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return (not weekend, False, False, "", False)
    statutory = bool(holiday and name)  # a plain weekend is a "holiday" without a name
    return (workday, statutory, workday and weekend, name or "" if statutory else "", True)


def rows(start_year: int, end_year: int):
    """Yield the CSV rows (HEADER order) for Jan 1 ``start_year`` .. Dec 31 ``end_year``."""
    day, last, seq = dt.date(start_year, 1, 1), dt.date(end_year, 12, 31), 0
    while day <= last:
        workday, holiday, makeup, name, official = day_row(day)
        seq += int(workday)
        yield (day.isoformat(), _b(workday), _b(holiday), _b(makeup), name, _b(official), seq)
        day += dt.timedelta(days=1)


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def main(argv: list[str] | None = None) -> int:
    """CLI entry; writes the CSV and prints the number of rows and the official years covered."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=int, default=2014)
    parser.add_argument("--end", type=int, default=2030)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error(f"--end {args.end} is before --start {args.start}")
    data = list(rows(args.start, args.end))
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    official = sorted({r[0][:4] for r in data if r[5] == "true"})
    print(f"{len(data)} days written to {args.out}; official calendar for {official[0]}-{official[-1]}" if official
          else f"{len(data)} days written to {args.out}; no official years covered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
