"""AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from . import flags as F
from .payload import PayloadWriter
from .version import Version
from .wire import SIGNATURE, decode_str, encode_str, invalid

__all__ = ["MIC_OFFSET", "AuthenticateMessage"]

_HEAD = struct.Struct("<8sI8s8s8s8s8s8sI")
_TYPE = 3
#: Where the MIC sits when the message carries one.
MIC_OFFSET = 72
#: The six field descriptors (Len, MaxLen, Offset) from offset 12, then NegotiateFlags.
_FIELDS = struct.Struct("<" + "HHI" * 6 + "I")


@dataclass(slots=True)
class AuthenticateMessage:
    """The client's answer: responses, names, the encrypted session key and the MIC."""

    flags: int
    lm_response: bytes = field(default=b"", repr=False)
    nt_response: bytes = field(default=b"", repr=False)
    domain: str = ""
    user: str = ""
    workstation: str = ""
    encrypted_session_key: bytes = field(default=b"", repr=False)
    version: Version | None = None
    #: None: no MIC field; 16 bytes: the MIC (zeros while it is being computed).
    mic: bytes | None = field(default=None, repr=False)

    def pack(self) -> bytes:
        """The wire bytes (with a MIC field only when ``mic`` is set)."""
        flags = self.flags
        unicode = bool(flags & F.UNICODE)
        version = b""
        if flags & F.VERSION or self.mic is not None:
            version = (self.version or Version()).pack() if flags & F.VERSION else b"\x00" * 8
        mic = self.mic if self.mic is not None else b""
        w = PayloadWriter(64 + len(version) + len(mic))
        f_dom = w.add(encode_str(self.domain, unicode))
        f_user = w.add(encode_str(self.user, unicode))
        f_ws = w.add(encode_str(self.workstation, unicode))
        f_lm = w.add(self.lm_response)
        f_nt = w.add(self.nt_response)
        f_key = w.add(self.encrypted_session_key)
        head = _HEAD.pack(SIGNATURE, _TYPE, f_lm, f_nt, f_dom, f_user, f_ws, f_key, flags)
        return head + version + mic + w.payload()

    @classmethod
    def unpack(cls, data: bytes) -> AuthenticateMessage:
        """Parse; raises SspiError(SEC_E_INVALID_TOKEN) on malformed input."""
        data = bytes(data)
        if len(data) < 64:
            raise invalid("AUTHENTICATE message too short")
        if data[:8] != SIGNATURE or data[8:12] != b"\x03\x00\x00\x00":
            raise invalid("not an NTLM AUTHENTICATE message")
        fields = _FIELDS.unpack_from(data, 12)
        flags = fields[18]
        unicode = bool(flags & F.UNICODE)
        end = len(data)
        first = end
        blobs = []
        for i in range(0, 18, 3):
            length, offset = fields[i], fields[i + 2]
            if not length:
                blobs.append(b"")
                continue
            if offset + length > end:
                raise invalid("field points outside the message")
            if offset < first:
                first = offset
            blobs.append(data[offset : offset + length])
        lm, nt, raw_domain, raw_user, raw_ws, key = blobs
        domain = decode_str(raw_domain, unicode)
        user = decode_str(raw_user, unicode)
        ws = decode_str(raw_ws, unicode)
        version = None
        if flags & F.VERSION and first >= 72:
            version = Version.unpack(data[64:72])
        mic = data[MIC_OFFSET : MIC_OFFSET + 16] if first >= MIC_OFFSET + 16 else None
        return cls(flags, lm, nt, domain, user, ws, key, version, mic)
