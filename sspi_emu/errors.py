"""The exception of the Pythonic layer, also used by packages to report a status."""

from __future__ import annotations

from .constants import SecurityStatus


class SspiError(Exception):
    """An SSPI call failed with *status*.

    Packages raise it to end a call with a documented status; the dispatcher turns it
    into the return value of the C-shaped function. ``token`` and ``alert`` carry bytes
    that must still reach the peer (e.g. a TLS alert).
    """

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        token: bytes = b"",
        alert: bytes = b"",
    ) -> None:
        try:
            self.status: SecurityStatus = SecurityStatus.from_int(status)
        except ValueError:
            self.status = SecurityStatus.SEC_E_INTERNAL_ERROR
        self.message = message
        self.token = token
        self.alert = alert
        text = f"{self.status.name} (0x{int(self.status):08X})"
        super().__init__(f"{text}: {message}" if message else text)

    @property
    def winerror(self) -> int:
        """The signed status, as Windows error objects carry it."""
        return self.status.signed
