"""The unit tests' KDC: the package's in-memory KDC for the realm EXAMPLE.TEST."""

from __future__ import annotations

from sspi_emu_kerberos.memory_kdc import MemoryKdc

REALM = "EXAMPLE.TEST"


class FakeKdc(MemoryKdc):
    """A :class:`MemoryKdc` for EXAMPLE.TEST."""

    def __init__(self, users: dict[str, str], services: dict[str, str], enctype: int = 18) -> None:
        super().__init__(REALM, users, services, enctype)
