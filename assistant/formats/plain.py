"""Plain text, stored exactly as written (decoded, nothing else); files without a suffix (``LICENSE``,
``README``) are read the same way when their bytes are text."""

from __future__ import annotations

import codecs

from .base import Extracted, Unreadable

_SNIFF_BYTES = 8192
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM) or UTF-16 with a BOM; anything with NUL characters is binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise Unreadable(f"not {encoding.upper().removesuffix('-SIG')} (byte {exc.start})") from None
            break
    else:
        if b"\x00" in data[:_SNIFF_BYTES]:
            raise Unreadable("binary, not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unreadable(f"not UTF-8 (byte {exc.start})") from None
    if "\x00" in text:
        raise Unreadable("binary, not text")
    return text


def read_text(data: bytes, max_bytes: int | None) -> Extracted:
    return Extracted(text=decode_text(data))
