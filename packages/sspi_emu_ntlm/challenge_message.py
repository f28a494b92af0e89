"""CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from . import flags as F
from .av_pairs import TargetInfo
from .payload import PayloadWriter
from .version import Version
from .wire import SIGNATURE, decode_str, encode_str, invalid, read_field

__all__ = ["ChallengeMessage"]

#: signature, type, target name field, flags, challenge, reserved, target info field
_HEAD = struct.Struct("<8sI8sI8s8x8s")
_TYPE = 2


@dataclass(slots=True)
class ChallengeMessage:
    """The server's challenge: flags, 8-byte server challenge, target name and target info."""

    flags: int
    server_challenge: bytes
    target_name: str = ""
    target_info: TargetInfo | None = None
    version: Version | None = None
    #: The exact bytes of the TargetInfo field as received (the NTLMv2 blob repeats them);
    #: when packing without ``target_info``, these bytes are sent as they are.
    raw_target_info: bytes = field(default=b"", repr=False)

    def pack(self) -> bytes:
        """The wire bytes."""
        flags = self.flags
        unicode = bool(flags & F.UNICODE)
        name = encode_str(self.target_name, unicode)
        info = self.target_info.pack() if self.target_info is not None else self.raw_target_info
        if info:
            flags |= F.TARGET_INFO
        version = b""
        if flags & F.VERSION:
            version = (self.version or Version()).pack()
        w = PayloadWriter(48 + len(version), empty_offset_zero=True)
        f_name = w.add(name)
        f_info = w.add(info)
        head = _HEAD.pack(SIGNATURE, _TYPE, f_name, flags, self.server_challenge, f_info)
        return head + version + w.payload()

    @classmethod
    def unpack(cls, data: bytes) -> ChallengeMessage:
        """Parse; raises SspiError(SEC_E_INVALID_TOKEN) on malformed input."""
        data = bytes(data)
        if len(data) < 32:
            raise invalid("CHALLENGE message too short")
        if data[:8] != SIGNATURE or data[8:12] != b"\x02\x00\x00\x00":
            raise invalid("not an NTLM CHALLENGE message")
        flags = int.from_bytes(data[20:24], "little")
        challenge = data[24:32]
        unicode = bool(flags & F.UNICODE)
        name = decode_str(read_field(data, 12), unicode)
        raw_info = b""
        info = None
        version = None
        if len(data) >= 48:
            raw_info = read_field(data, 40)
            if raw_info:
                info = TargetInfo.unpack(raw_info)
            if flags & F.VERSION and len(data) >= 56:
                version = Version.unpack(data[48:56])
        return cls(flags, challenge, name, info, version, raw_info)
