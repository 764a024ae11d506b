"""Bytes to text: UTF-8 first, then cp1252/Latin-1, rejecting binary data with a reason."""

from __future__ import annotations

import codecs

import charset_normalizer

from search.ingest.records import RejectedRecord

# Share of control characters (other than tab/newline/carriage return/form feed) above which
# a file is treated as binary rather than text.
MAX_CONTROL_SHARE = 0.01
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:20000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in _ALLOWED_CONTROLS)
    return bad / len(sample)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). Raise RejectedRecord for binary or undecodable data."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise RejectedRecord(f"invalid UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data[:8192]:
        raise RejectedRecord("binary file (contains NUL bytes), not text")
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            best = charset_normalizer.from_bytes(data).best()
            if best is None:
                raise RejectedRecord("not decodable as text in any known encoding") from None
            text, encoding = str(best), best.encoding
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise RejectedRecord(f"binary file (control characters after decoding as {encoding})")
    return text, encoding
