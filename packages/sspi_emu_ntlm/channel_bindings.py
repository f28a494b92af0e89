"""SEC_CHANNEL_BINDINGS parsing and the MD5 hash NTLM puts in MsvAvChannelBindings."""

from __future__ import annotations

import hashlib
import struct

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError

__all__ = ["ZERO_BINDINGS", "bindings_hash", "parse_bindings"]

ZERO_BINDINGS = b"\x00" * 16
_HDR32 = struct.Struct("<8I")
_HDR64 = struct.Struct("<8Q")
_U32 = struct.Struct("<I")
_U32x2 = struct.Struct("<II")


def _bad(reason: str) -> SspiError:
    return SspiError(SecurityStatus.SEC_E_BAD_BINDINGS, f"channel bindings: {reason}")


def _slice(blob: bytes, offset: int, length: int) -> bytes | None:
    if length == 0:
        return b""
    if offset + length > len(blob):
        return None
    return blob[offset : offset + length]


def parse_bindings(blob: bytes) -> tuple[int, bytes, int, bytes, bytes]:
    """(initiator type, initiator address, acceptor type, acceptor address, application data).

    Accepts the Windows layout (eight 32-bit fields, offsets from the start) and the
    64-byte header that code packing the struct with native ``L`` produces on LP64 Unix.
    """
    blob = bytes(blob)
    if len(blob) < 32:
        raise _bad("shorter than the 32-byte header")
    it, il, io, at, al, ao, pl, po = _HDR32.unpack_from(blob)
    ini = _slice(blob, io, il)
    acc = _slice(blob, ao, al)
    app = _slice(blob, po, pl)
    layout_ok = ini is not None and acc is not None and app is not None
    if layout_ok and not (pl == 0 and len(blob) > 32 and len(blob) >= 64):
        assert ini is not None and acc is not None and app is not None
        return it, ini, at, acc, app
    if len(blob) >= 64:
        it, il, io, at, al, ao, pl, po = _HDR64.unpack_from(blob)
        if il == 0 and al == 0 and 64 + pl == len(blob):
            return it & 0xFFFFFFFF, b"", at & 0xFFFFFFFF, b"", blob[64:]
        ini, acc, app = _slice(blob, io, il), _slice(blob, ao, al), _slice(blob, po, pl)
        if ini is not None and acc is not None and app is not None and max(it, at) <= 0xFFFFFFFF:
            return it, ini, at, acc, app
    if layout_ok:
        assert ini is not None and acc is not None and app is not None
        return it, ini, at, acc, app
    raise _bad("a field points outside the structure")


def bindings_hash(blob: bytes) -> bytes:
    """MD5 over the gss_channel_bindings_struct form of a SEC_CHANNEL_BINDINGS blob (MS-NLMP 3.1.5.1.2)."""
    it, ini, at, acc, app = parse_bindings(blob)
    flat = (
        _U32x2.pack(it, len(ini)) + ini + _U32x2.pack(at, len(acc)) + acc + _U32.pack(len(app)) + app
    )
    return hashlib.md5(flat).digest()  # noqa: S324 - MS-NLMP mandates MD5
