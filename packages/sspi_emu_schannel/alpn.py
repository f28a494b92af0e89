"""SEC_APPLICATION_PROTOCOLS: the ALPN list a caller passes in a SECBUFFER_APPLICATION_PROTOCOLS buffer.

Layout (sspi.h, little-endian, packed): ULONG ProtocolListsSize, then lists of
{ SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ProtoNegoExt (ULONG); USHORT ProtocolListSize;
  UCHAR ProtocolList[] } where ProtocolList is the ALPN wire form (length-prefixed names).
"""

from __future__ import annotations

import struct

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError

SecApplicationProtocolNegotiationExt_None = 0
SecApplicationProtocolNegotiationExt_NPN = 1
SecApplicationProtocolNegotiationExt_ALPN = 2

SecApplicationProtocolNegotiationStatus_None = 0
SecApplicationProtocolNegotiationStatus_Success = 1
SecApplicationProtocolNegotiationStatus_SelectedClientOnly = 2


def encode_application_protocols(protocols: list[bytes]) -> bytes:
    """A SEC_APPLICATION_PROTOCOLS blob carrying one ALPN list."""
    wire = b"".join(bytes((len(p),)) + p for p in protocols)
    entry = struct.pack("<IH", SecApplicationProtocolNegotiationExt_ALPN, len(wire)) + wire
    return struct.pack("<I", len(entry)) + entry


def decode_application_protocols(blob: bytes) -> list[bytes]:
    """The ALPN protocol names in a SEC_APPLICATION_PROTOCOLS blob (other extensions are ignored)."""
    bad = SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, "malformed SEC_APPLICATION_PROTOCOLS")
    if len(blob) < 4:
        raise bad
    (size,) = struct.unpack_from("<I", blob)
    if size > len(blob) - 4:
        raise bad
    pos, end = 4, 4 + size
    out: list[bytes] = []
    while pos < end:
        if pos + 6 > end:
            raise bad
        ext, length = struct.unpack_from("<IH", blob, pos)
        pos += 6
        if pos + length > end:
            raise bad
        wire = blob[pos : pos + length]
        pos += length
        if ext != SecApplicationProtocolNegotiationExt_ALPN:
            continue
        i = 0
        while i < len(wire):
            n = wire[i]
            if n == 0 or i + 1 + n > len(wire):
                raise bad
            out.append(bytes(wire[i + 1 : i + 1 + n]))
            i += 1 + n
    return out
