"""A scanner for unmasked personal data in text, independent of the masking code (issue 8).

Patterns are written here on purpose rather than imported from ``pipelines.ingest.pii``: a test that
used the masker's own regexes could not notice when they miss something.

- mobile numbers: 11 digits ``1[3-9]xxxxxxxxx``, optionally ``+86``/``86`` and ``-``/space separated,
  not inside a longer run of letters or digits (so md5 event ids do not count);
- resident ID numbers: 18 characters (17 digits + digit or X) whose GB 11643-1999 check digit is valid;
- e-mail addresses whose local part is not masked (more than one visible character before ``@``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import duckdb

MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9A-Za-z])")
ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{2,}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id(number: str) -> bool:
    """True when ``number`` (18 chars) carries a valid ISO 7064 MOD 11-2 check character."""
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS))
    return "10X98765432"[total % 11] == number[17].upper()


def findings(text: str, names: frozenset[str] = frozenset(), name_len: int = 3) -> Iterator[tuple[str, str]]:
    """(kind, match) for every unmasked mobile, valid ID, e-mail, and every name of ``names`` (all of
    length ``name_len``) occurring in ``text``."""
    for m in MOBILE.finditer(text):
        yield "mobile", m.group(0)
    for m in ID18.finditer(text):
        if valid_id(m.group(0)):
            yield "id_number", m.group(0)
    for m in EMAIL.finditer(text):
        yield "email", m.group(0)
    if names:
        for i in range(len(text) - name_len + 1):
            if text[i:i + name_len] in names:
                yield "name", text[i:i + name_len]


def text_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(schema, table, column) of every column of every table and view whose values can hold text
    (VARCHAR, JSON, lists and structs: anything but numbers, booleans, dates and times)."""
    skip = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "DOUBLE", "FLOAT",
            "BOOLEAN", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "INTERVAL")
    rows = con.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() ORDER BY ALL"
    ).fetchall()
    return [(s, t, c) for s, t, c, ty in rows if ty not in skip and not ty.startswith("DECIMAL")]


def scan_database(con: duckdb.DuckDBPyConnection, names: frozenset[str] = frozenset()
                  ) -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    """{(schema, table, column): [(kind, match), ...]} over the distinct text of every text column."""
    hits: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for schema, table, column in text_columns(con):
        values = con.execute(
            f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
        ).fetchall()
        found = [f for (v,) in values for f in findings(v, names)]
        if found:
            hits[(schema, table, column)] = found
    return hits


def scan_texts(texts: Iterable[str], names: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """All findings over ``texts``."""
    return [f for t in texts for f in findings(t, names)]
