"""Resolve a file's header labels to a contract's canonical fields (FAILURE_CLASSES.md #18, #19).

Header cells arrive with their line breaks folded (:func:`fold_line_breaks`, applied by the CSV landing and
the xlsx/xls readers). Labels and aliases are compared after folding: trimmed, full-width spaces and runs of white space
folded, case-insensitive (NFKC). A merged two-row header arrives joined as ``上-下``; an alias may name
the joined label or its last part. A required field without a column rejects the file; columns that
no field claims are kept as extras (in the payload) and reported as a warning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipelines.ingest.contract import Contract

_WS = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\s*[\n\r\v\f\x85\u2028\u2029]\s*")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def fold_line_breaks(label: str) -> str:
    """A header cell's text with its line breaks (Excel's Alt+Enter: ``\\n``, ``\\r\\n``) folded: removed
    between two wide (CJK) characters (``检查\\n时间`` -> ``检查时间``), a single space elsewhere
    (``unit\\n(单位)`` -> ``unit (单位)``), dropped at either end. Applied to CSV, xlsx and xls header cells
    before labels are joined or matched."""

    def fold_one(m: re.Match) -> str:
        before, after = label[m.start() - 1: m.start()], label[m.end(): m.end() + 1]
        if not before or not after:
            return ""
        return "" if _wide(before) and _wide(after) else " "

    return _LINE_BREAK.sub(fold_one, label)


class HeaderError(ValueError):
    """The header lacks a required column or is ambiguous; the message names file, line and column."""


def fold(label: str | None) -> str:
    """Fold a header label for comparison: NFKC, trimmed, inner white space single, lower case."""
    text = unicodedata.normalize("NFKC", label or "")
    return _WS.sub(" ", text).strip().casefold()


@dataclass
class HeaderMap:
    """Result of resolving a header.

    ``positions`` maps canonical field -> column index in the file; ``extras`` maps a kept unknown
    label -> column index; ``warnings`` are human-readable notes for the ledger.
    """

    positions: dict[str, int] = field(default_factory=dict)
    extras: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def resolve_header(labels: list[str | None], contract: Contract, file_label: str, header_line: int) -> HeaderMap:
    """Map ``labels`` (one per column, in file order) to the contract's fields.

    Raises:
        HeaderError: a required field has no column, or one label is claimed by two fields.
    """
    folded = [fold(x) for x in labels]
    last_part = [f.rsplit("-", 1)[-1].strip() if f else "" for f in folded]
    result = HeaderMap()
    claimed: dict[int, str] = {}
    for name, col in contract.columns.items():
        if col.constant is not None:
            continue
        wanted = [fold(a) for a in [name, *col.aliases]]
        idx = next((i for w in wanted for i, f in enumerate(folded) if f and f == w), None)
        if idx is None:
            hits = [i for w in wanted for i, f in enumerate(last_part) if f and f == w]
            if len(set(hits)) == 1:
                idx = hits[0]
        if idx is None:
            if col.required:
                raise HeaderError(
                    f"{file_label}, line {header_line}: required column {name!r} is missing "
                    f"(looked for {', '.join(repr(a) for a in [name, *col.aliases])}; "
                    f"labels found: {', '.join(repr(x) for x in labels if x) or 'none'})"
                )
            continue
        if idx in claimed:
            raise HeaderError(
                f"{file_label}, line {header_line}: column {labels[idx]!r} is claimed by both "
                f"{claimed[idx]!r} and {name!r}"
            )
        claimed[idx] = name
        result.positions[name] = idx
    for i, label in enumerate(labels):
        if i in claimed or not fold(label):
            continue
        key = str(label).strip()
        if key in result.extras:
            key = f"{key}#{i}"
        result.extras[key] = i
    if result.extras:
        result.warnings.append(
            f"{file_label}: unknown column(s) kept in payload extras: {', '.join(result.extras)}"
        )
    return result
