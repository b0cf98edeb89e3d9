"""Strict text decoding for JSON/JSONL files, through the one decoder of the ingest
(:func:`pipelines.ingest.decode.detect_encoding`: BOM first, then candidates strictly in order, never
``errors="ignore"``). Failures become :class:`ReaderError` naming the file and byte offsets.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest.decode import DEFAULT_CANDIDATES, DecodeError, detect_encoding

from ._table import ReaderError


def _candidates(options: dict) -> list[str]:
    wanted = options.get("encoding") or DEFAULT_CANDIDATES
    return [wanted] if isinstance(wanted, str) else list(wanted)


def stream_encoding(path: Path, options: dict) -> str:
    """The encoding of ``path`` (streamed, constant memory). Raises ReaderError if none fits."""
    try:
        return detect_encoding(path, _candidates(options))
    except (DecodeError, LookupError) as exc:
        reason = str(exc)  # DecodeError names the file itself; ReaderError adds the path in front
        raise ReaderError(path, reason.removeprefix(f"{path.name}: ")) from None


def decode_bytes(path: Path, data: bytes, options: dict) -> tuple[str, str]:
    """Decode a whole file's bytes (already read from ``path``); returns (text, encoding)."""
    encoding = stream_encoding(path, options)
    return data.decode(encoding, errors="strict"), encoding
