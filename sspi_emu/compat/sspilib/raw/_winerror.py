"""``WindowsError`` as sspilib defines it off Windows: one argument, ``.winerror`` signed."""

from __future__ import annotations

from typing import NoReturn

from ....constants import SecurityStatus, to_signed

__all__ = ["WindowsError", "check", "raise_status"]

_MESSAGES = {
    0x80090301: "The handle specified is invalid.",
    0x80090302: "The function requested is not supported.",
    0x80090305: "The requested security package does not exist.",
    0x80090308: "The token supplied to the function is invalid.",
    0x8009030C: "The logon attempt failed.",
    0x8009030D: "The credentials supplied to the package were not recognized.",
    0x8009030E: "No credentials are available in the security package.",
    0x8009030F: "The message or signature supplied for verification has been altered.",
    0x80090310: "The message supplied for verification is out of sequence.",
    0x80090318: "The supplied message is incomplete. The signature was not verified.",
    0x80090321: "The buffers supplied to a function was too small.",
    0x80090346: "Client's supplied SSPI channel bindings were incorrect.",
    0x8009035D: "One or more of the parameters passed to the function was invalid.",
    0x00090317: "The context has expired and can no longer be used.",
    0x00090320: "The credentials supplied were not complete and could not be verified.",
    0x00090321: "The context data must be renegotiated with the peer.",
}


class WindowsError(OSError):
    """An SSPI failure: ``WindowsError(winerror)``; ``args == (winerror, strerror)``."""

    winerror: int

    def __init__(self, winerror: int) -> None:
        code = winerror & 0xFFFFFFFF
        try:
            name = SecurityStatus(code).name
        except ValueError:
            name = "UNKNOWN_ERROR_CODE"
        text = _MESSAGES.get(code, "Error is unknown" if name == "UNKNOWN_ERROR_CODE" else name.replace("_", " "))
        super().__init__(winerror, f"Received SSPI Error {name} 0x{code:08X}: {text}")
        self.winerror = winerror


def raise_status(status: int) -> NoReturn:
    """Raise :class:`WindowsError` for *status* (winerror signed)."""
    raise WindowsError(to_signed(int(status)))


def check(status: int) -> None:
    """Raise unless *status* is SEC_E_OK."""
    if int(status) != 0:
        raise_status(status)
