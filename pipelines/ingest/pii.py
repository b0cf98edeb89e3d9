"""Personal data: masking at ingest and a salted reporter hash (issue 8).

Declared personal columns (``pii:`` in a contract column) are masked by kind before any value reaches
the event store; free text (``pii: text``) is scanned for mobile numbers, 18-digit resident ID numbers
with a valid check digit (GB 11643-1999, ISO 7064 MOD 11-2) and e-mail addresses. The raw text of
rejected rows is scanned the same way. A contract's ``reporter`` fields give a salted SHA-256
``reporter_hash`` in the payload, so repeat complaints stay countable without the person.

The salt comes from ``CSW_PII_SALT``; without it, a random salt is created once in the warehouse
(``<warehouse>/secrets/pii_salt``, mode 600) so hashes stay stable across loads. Never in the repository.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import secrets
from pathlib import Path

import duckdb

MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
RESIDENT_ID = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3})([\dXx])(?![\dA-Za-z])")
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{0,63}@([A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24})")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
KINDS = ("name", "phone", "id_number", "email", "address", "text")


def id_check_digit_ok(number: str) -> bool:
    """True when an 18-character resident ID number has a valid check digit (GB 11643-1999)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS))
    return _CHECK[total % 11] == number[17].upper()


def mask_text(text: str | None) -> str | None:
    """Mask mobile numbers (138****5678), valid resident IDs (350502********123X) and e-mails in free text."""
    if text is None:
        return None
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = RESIDENT_ID.sub(
        lambda m: f"{m.group(1)}********{m.group(3)}{m.group(4)}" if id_check_digit_ok(m.group(0)) else m.group(0),
        text,
    )
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


def mask_value(kind: str, value: str | None) -> str | None:
    """Mask one declared personal value by ``kind`` (one of :data:`KINDS`)."""
    if value is None or value == "":
        return value
    if kind == "name":
        return value[0] + "*" * max(1, len(value) - 1)
    if kind == "address":
        keep = max(1, min(6, len(value) // 2))
        return value[:keep] + "*" * (len(value) - keep)
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "*" * len(value)
    if kind == "id_number":
        return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) >= 10 else "*" * len(value)
    if kind == "email":
        return mask_text(value) if "@" in value else "*" * len(value)
    return mask_text(value)


_READABLE = re.compile(r"[0-9A-Za-z:./+\-_ ]*")


def mask_record(text: str | None, delimiter: str, quote: str, positions: dict[int, str], ncols: int) -> str | None:
    """Mask the raw text of a malformed record (one that could not be split into the contract's columns).

    ``positions`` maps a 0-based cell position to the declared ``pii`` kind of the column there, ``ncols``
    is the header width. The text is split with the file's ``delimiter``/``quote`` (on a parse error: by
    the delimiter alone). When the record has ``ncols`` cells, declared cells are masked by kind and the
    rest by :func:`mask_text`. Otherwise cells cannot be attributed to columns: a cell stays readable only
    when it looks like an id, number or time (ASCII digits and punctuation, at most 3 letters), else it
    is masked like a name. Cells are re-joined with the delimiter (diagnostic text, not CSV).
    """
    if text is None:
        return None
    try:
        cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote or '"')
                 for c in row]
    except (csv.Error, TypeError):  # unbalanced quotes, or a delimiter the csv module cannot take
        cells = text.split(delimiter)
    out = []
    for i, cell in enumerate(cells):
        if len(cells) == ncols:
            out.append(mask_value(positions[i], cell) if i in positions else mask_text(cell))
        elif _READABLE.fullmatch(cell) and sum(ch.isalpha() for ch in cell) <= 3:
            out.append(mask_text(cell))
        else:
            out.append(mask_value("name", cell))
    return delimiter.join(o or "" for o in out)


def salt(warehouse_root: Path | None = None) -> str:
    """The hashing salt: ``CSW_PII_SALT``, else one created once under ``<warehouse>/secrets/``."""
    env = os.environ.get("CSW_PII_SALT")
    if env:
        return env
    root = warehouse_root or Path(os.environ.get("CSW_WAREHOUSE_DIR", "warehouse")).resolve()
    path = root / "secrets" / "pii_salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def reporter_hash(salt_value: str, *parts: str | None) -> str | None:
    """Salted SHA-256 (hex, 32 chars) of the normalised reporter parts; None when all parts are empty."""
    clean = [re.sub(r"\s+", "", p).lower() for p in parts if p]
    if not clean:
        return None
    return hashlib.sha256((salt_value + "|" + "|".join(clean)).encode("utf-8")).hexdigest()[:32]


def register_udfs(con: duckdb.DuckDBPyConnection, salt_value: str) -> None:
    """Register ``csw_mask(kind, text)``, ``csw_mask_text(text)`` and ``csw_reporter_hash(text)`` on ``con``."""
    for name in ("csw_mask", "csw_mask_text", "csw_reporter_hash"):
        try:
            con.remove_function(name)
        except Exception:  # not registered yet
            pass
    con.create_function("csw_mask", mask_value, ["VARCHAR", "VARCHAR"], "VARCHAR", null_handling="special")
    con.create_function("csw_mask_text", mask_text, ["VARCHAR"], "VARCHAR", null_handling="special")
    con.create_function("csw_reporter_hash", lambda v: reporter_hash(salt_value, v), ["VARCHAR"], "VARCHAR",
                        null_handling="special")
