"""Shared pieces of the NTLM wire format: signature, field descriptors, string codecs."""

from __future__ import annotations

import struct

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError

__all__ = [
    "FIELD",
    "SIGNATURE",
    "U32",
    "decode_str",
    "encode_str",
    "invalid",
    "read_field",
]

SIGNATURE = b"NTLMSSP\x00"
#: A payload field descriptor: Len, MaxLen, BufferOffset.
FIELD = struct.Struct("<HHI")
U32 = struct.Struct("<I")


def invalid(reason: str) -> SspiError:
    """The error every malformed NTLM message gives."""
    return SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, f"NTLM: {reason}")


def read_field(data: bytes, at: int) -> bytes:
    """The payload bytes a field descriptor at offset *at* points to (bounds checked)."""
    if at + 8 > len(data):
        raise invalid("truncated field descriptor")
    length, _max, offset = FIELD.unpack_from(data, at)
    if length == 0:
        return b""
    if offset + length > len(data):
        raise invalid("field points outside the message")
    return data[offset : offset + length]


def encode_str(text: str, unicode: bool) -> bytes:
    """Encode a name as UTF-16LE or as the OEM code page (cp437 stands in for it)."""
    if unicode:
        return text.encode("utf-16-le")
    return text.encode("cp437", "replace")


def decode_str(raw: bytes, unicode: bool) -> str:
    """Decode a name; malformed UTF-16 is an invalid token."""
    if unicode:
        if len(raw) % 2:
            raise invalid("odd-length UTF-16 string")
        return raw.decode("utf-16-le", "replace")
    return raw.decode("cp437")
