"""Cell values -> cell text, the same for every reader (docs/internals.md, section Readers).

Rules: None and "" -> None; strings kept exactly as stored (no trimming); booleans -> "true"/"false";
ints -> decimal text; floats -> "42" when integral (|v| < 2**53), else Python `repr` ("42894.7300925926");
date -> "YYYY-MM-DD"; datetime -> "YYYY-MM-DD HH:MM:SS" (".fff" added only when milliseconds are
non-zero); time -> "HH:MM:SS"; timedelta (Excel durations) -> "H:MM:SS" with hours not wrapped at 24.
"""

from __future__ import annotations

import datetime as dt
import math


def number_text(value: float | int) -> str:
    """Format a number read from a workbook (Excel stores every number as a float)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def datetime_text(value: dt.datetime) -> str:
    """ISO text with a space separator, rounded to the millisecond (Excel's own precision)."""
    ms = round(value.microsecond / 1000)
    value = value.replace(microsecond=0) + dt.timedelta(milliseconds=ms)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text


def time_text(value: dt.time) -> str:
    """HH:MM:SS (".fff" when milliseconds are non-zero)."""
    return datetime_text(dt.datetime.combine(dt.date(2000, 1, 1), value))[11:]


def duration_text(value: dt.timedelta) -> str:
    """H:MM:SS of a duration; hours are not wrapped at 24 ("30:00:00")."""
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def value_text(value: object) -> str | None:
    """Text of a Python cell value as produced by python-calamine (see module docstring)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, (bool, int, float)):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return time_text(value)
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    return str(value)
