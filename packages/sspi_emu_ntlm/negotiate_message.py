"""NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from . import flags as F
from .payload import PayloadWriter
from .version import Version
from .wire import FIELD, SIGNATURE, invalid

__all__ = ["NegotiateMessage"]

_HEAD = struct.Struct("<8sII")  # signature, type, flags
_TYPE = 1


@dataclass(slots=True)
class NegotiateMessage:
    """The client's opening message: its flags and, optionally, OEM domain/workstation names."""

    flags: int
    domain: str = ""
    workstation: str = ""
    version: Version | None = None

    def pack(self) -> bytes:
        """The wire bytes."""
        flags = self.flags
        dom = self.domain.encode("cp437", "replace")
        ws = self.workstation.encode("cp437", "replace")
        if dom:
            flags |= F.OEM_DOMAIN_SUPPLIED
        if ws:
            flags |= F.OEM_WORKSTATION_SUPPLIED
        version = b""
        if flags & F.VERSION:
            version = (self.version or Version()).pack()
        w = PayloadWriter(32 + len(version))
        f_dom = w.add(dom)
        f_ws = w.add(ws)
        return _HEAD.pack(SIGNATURE, _TYPE, flags) + f_dom + f_ws + version + w.payload()

    @classmethod
    def unpack(cls, data: bytes) -> NegotiateMessage:
        """Parse; raises SspiError(SEC_E_INVALID_TOKEN) on malformed input."""
        data = bytes(data)
        if len(data) < 16:
            raise invalid("NEGOTIATE message too short")
        sig, mtype, flags = _HEAD.unpack_from(data)
        if sig != SIGNATURE or mtype != _TYPE:
            raise invalid("not an NTLM NEGOTIATE message")
        domain = workstation = ""
        version = None
        if len(data) >= 32:
            fields = ((16, F.OEM_DOMAIN_SUPPLIED), (24, F.OEM_WORKSTATION_SUPPLIED))
            for at, supplied in fields:
                if not flags & supplied:
                    continue
                length, _m, offset = FIELD.unpack_from(data, at)
                if offset + length > len(data):
                    raise invalid("NEGOTIATE field points outside the message")
                text = data[offset : offset + length].decode("cp437")
                if at == 16:
                    domain = text
                else:
                    workstation = text
            if flags & F.VERSION and len(data) >= 40:
                version = Version.unpack(data[32:40])
        return cls(flags, domain, workstation, version)
