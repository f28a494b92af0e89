"""A minimal DER writer for the Kerberos messages this package sends (decoding uses pyasn1 specs)."""

from __future__ import annotations

import datetime
import functools
from typing import Iterable

from sspi_emu.der import tlv

__all__ = [
    "app",
    "bit_string",
    "ctx",
    "general_string",
    "generalized_time",
    "integer",
    "octet_string",
    "sequence",
    "sequence_of",
    "tlv",
]


@functools.lru_cache(maxsize=512)
def integer(value: int) -> bytes:
    """INTEGER, two's complement, minimal length."""
    n = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(0x02, value.to_bytes(n, "big", signed=True))


def octet_string(value: bytes) -> bytes:
    """OCTET STRING."""
    return tlv(0x04, bytes(value))


@functools.lru_cache(maxsize=512)
def general_string(value: str) -> bytes:
    """GeneralString (KerberosString), UTF-8 as MIT and Windows send it."""
    return tlv(0x1B, value.encode("utf-8"))


@functools.lru_cache(maxsize=512)
def generalized_time(unix_seconds: int) -> bytes:
    """KerberosTime: GeneralizedTime ``YYYYMMDDHHMMSSZ``."""
    t = datetime.datetime.fromtimestamp(int(unix_seconds), datetime.timezone.utc)
    return tlv(0x18, t.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


def bit_string(value: int, nbits: int = 32) -> bytes:
    """BIT STRING of *nbits* bits (KerberosFlags: bit 0 is the most significant)."""
    return tlv(0x03, b"\x00" + value.to_bytes(nbits // 8, "big"))


def sequence(*parts: bytes) -> bytes:
    """SEQUENCE of already-encoded parts (empty parts are left out)."""
    return tlv(0x30, b"".join(parts))


def sequence_of(items: Iterable[bytes]) -> bytes:
    """SEQUENCE OF already-encoded items."""
    return tlv(0x30, b"".join(items))


def ctx(n: int, inner: bytes | None) -> bytes:
    """An explicit context tag ``[n]`` around *inner*; nothing when *inner* is None."""
    if inner is None:
        return b""
    return tlv(0xA0 | n, inner)


def app(n: int, inner: bytes) -> bytes:
    """An explicit application tag ``[APPLICATION n]``."""
    if n < 31:
        return tlv(0x60 | n, inner)
    raise ValueError("application tags above 30 are not used by Kerberos")
