"""Strict text decoding for JSON/JSONL files: a byte-order mark wins, else candidates in order.

Never decodes with errors="ignore"/"replace": the first candidate that decodes the whole file
strictly is used and reported. With a BOM (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) the BOM's encoding is
the only candidate (the BOM is authoritative; the codec strips it).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ._table import ReaderError

DEFAULT_ENCODINGS = ["utf-8-sig", "utf-8", "gb18030", "utf-16"]
"""Default candidates, as in docs/contracts.md (`encoding:`)."""

_BOMS = [  # UTF-32 first: its LE BOM starts with the UTF-16 LE BOM
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_CHUNK = 1 << 20


def bom_encoding(head: bytes) -> str | None:
    """Codec name implied by a byte-order mark at the start of `head`, or None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def candidate_encodings(path: Path, options: dict, head: bytes) -> list[str]:
    """Encodings to try for a file starting with `head` (BOM first, else options["encoding"])."""
    bom = bom_encoding(head)
    if bom:
        return [bom]
    wanted = options.get("encoding") or DEFAULT_ENCODINGS
    if isinstance(wanted, str):
        wanted = [wanted]
    for name in wanted:
        try:
            codecs.lookup(name)
        except (LookupError, TypeError) as exc:
            raise ReaderError(path, f"unknown encoding {name!r} in option encoding") from exc
    return list(wanted)


def _fail(path: Path, tried: list[str]) -> ReaderError:
    return ReaderError(path, "cannot decode strictly with any candidate encoding: " + "; ".join(tried))


def decode_bytes(path: Path, data: bytes, options: dict) -> tuple[str, str]:
    """Decode a whole file's bytes; returns (text, encoding). Raises ReaderError if none fits."""
    tried = []
    for name in candidate_encodings(path, options, data[:4]):
        try:
            return data.decode(name, errors="strict"), name
        except UnicodeDecodeError as exc:
            tried.append(f"{name}: {exc.reason} at byte {exc.start}")
    raise _fail(path, tried)


def stream_encoding(path: Path, options: dict) -> str:
    """Pick the encoding of a (possibly large) file by strictly decoding it in 1 MiB chunks."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    tried = []
    for name in candidate_encodings(path, options, head):
        decoder = codecs.getincrementaldecoder(name)(errors="strict")
        consumed = 0
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                    consumed += len(chunk)
                decoder.decode(b"", final=True)
            return name
        except UnicodeDecodeError as exc:
            tried.append(f"{name}: {exc.reason} near byte {consumed + max(exc.start, 0)}")
    raise _fail(path, tried)
