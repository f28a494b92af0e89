"""A Kerberos key: an encryption type number and the key bytes (never shown in repr)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Key"]


@dataclass(frozen=True)
class Key:
    """An ``EncryptionKey`` (RFC 4120 5.2.9): ``enctype`` and the secret ``contents``."""

    enctype: int
    contents: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Key(enctype={self.enctype}, length={len(self.contents)})"
