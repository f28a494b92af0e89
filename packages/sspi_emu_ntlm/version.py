"""The VERSION structure (MS-NLMP 2.2.2.10)."""

from __future__ import annotations

import struct
from typing import NamedTuple

__all__ = ["NTLMSSP_REVISION_W2K3", "Version"]

NTLMSSP_REVISION_W2K3 = 0x0F
_FMT = struct.Struct("<BBH3xB")


class Version(NamedTuple):
    """Windows product version and NTLM revision, 8 bytes on the wire."""

    major: int = 10
    minor: int = 0
    build: int = 20348
    revision: int = NTLMSSP_REVISION_W2K3

    def pack(self) -> bytes:
        """The 8 wire bytes."""
        return _FMT.pack(self.major, self.minor, self.build, self.revision)

    @classmethod
    def unpack(cls, data: bytes) -> Version:
        """Read 8 bytes (the caller checks the length)."""
        return cls._make(_FMT.unpack(data[:8]))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.build} (NTLM rev {self.revision})"
