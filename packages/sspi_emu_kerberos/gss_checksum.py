"""The authenticator checksum of type 0x8003 (RFC 4121 4.1.1) and the channel-binding hash in it."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

__all__ = [
    "GSS_C_CONF_FLAG",
    "GSS_C_DELEG_FLAG",
    "GSS_C_INTEG_FLAG",
    "GSS_C_MUTUAL_FLAG",
    "GSS_C_REPLAY_FLAG",
    "GSS_C_SEQUENCE_FLAG",
    "GSS_CHECKSUM_TYPE",
    "BindingsError",
    "GssChecksum",
    "bindings_hash",
    "parse_gss_checksum",
]

GSS_CHECKSUM_TYPE = 0x8003
GSS_C_DELEG_FLAG = 1
GSS_C_MUTUAL_FLAG = 2
GSS_C_REPLAY_FLAG = 4
GSS_C_SEQUENCE_FLAG = 8
GSS_C_CONF_FLAG = 16
GSS_C_INTEG_FLAG = 32
GSS_C_DCE_STYLE = 0x1000
ZERO_BINDINGS = bytes(16)


class BindingsError(Exception):
    """A SEC_CHANNEL_BINDINGS blob whose offsets or lengths are wrong."""


def bindings_hash(blob: bytes | None) -> bytes:
    """MD5 of the gss_channel_bindings_struct form of a SEC_CHANNEL_BINDINGS blob (zeros when None)."""
    if blob is None:
        return ZERO_BINDINGS
    blob = bytes(blob)
    if len(blob) < 32:
        raise BindingsError("shorter than the 32-byte header")
    it, il, io, at, al, ao, pl, po = struct.unpack_from("<8I", blob)

    def part(off: int, n: int) -> bytes:
        if n == 0:
            return b""
        if off + n > len(blob):
            raise BindingsError("a field points outside the structure")
        return blob[off : off + n]

    ini, acc, app = part(io, il), part(ao, al), part(po, pl)
    flat = struct.pack("<II", it, len(ini)) + ini + struct.pack("<II", at, len(acc)) + acc
    flat += struct.pack("<I", len(app)) + app
    return hashlib.md5(flat).digest()  # noqa: S324 - RFC 4121 fixes MD5 here


@dataclass
class GssChecksum:
    """The 0x8003 checksum contents: channel-binding hash, GSS flags, optional KRB-CRED."""

    bindings: bytes
    flags: int
    delegation: bytes | None = None

    def encode(self) -> bytes:
        out = struct.pack("<I", 16) + self.bindings + struct.pack("<I", self.flags)
        if self.delegation is not None:
            out += struct.pack("<HH", 1, len(self.delegation)) + self.delegation
        return out


def parse_gss_checksum(value: bytes) -> GssChecksum:
    """Parse a 0x8003 checksum (ValueError when malformed)."""
    if len(value) < 24:
        raise ValueError("GSS checksum shorter than 24 bytes")
    (lgth,) = struct.unpack_from("<I", value)
    if lgth != 16:
        raise ValueError("GSS checksum binding length is not 16")
    bnd = bytes(value[4:20])
    (flags,) = struct.unpack_from("<I", value, 20)
    deleg = None
    if flags & GSS_C_DELEG_FLAG and len(value) >= 28:
        opt, dlen = struct.unpack_from("<HH", value, 24)
        if opt == 1 and len(value) >= 28 + dlen:
            deleg = bytes(value[28 : 28 + dlen])
    return GssChecksum(bnd, flags, deleg)
