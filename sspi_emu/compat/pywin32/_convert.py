"""Argument and result conventions of pywin32's C code: 32-bit ints, strings, errors, times."""

from __future__ import annotations

import datetime as _dt
from typing import NoReturn

from ...constants import TIMESTAMP_NEVER, SecurityStatus, to_signed
from .pywintypes import error, from_filetime

__all__ = ["api_error", "as_long", "as_str", "check_ok", "raise_api", "signed", "timestamp"]

_LONG_MIN = -(1 << 31)
_ULONG_MAX = (1 << 32) - 1

#: FormatMessage-style texts for the statuses SSPI callers meet most; others get a generic text.
_MESSAGES = {
    0x80090300: "Not enough memory is available to complete this request",
    0x80090301: "The handle specified is invalid",
    0x80090302: "The function requested is not supported",
    0x80090303: "The specified target is unknown or unreachable",
    0x80090304: "The Local Security Authority cannot be contacted",
    0x80090305: "The requested security package does not exist",
    0x80090308: "The token supplied to the function is invalid",
    0x8009030B: "No impersonation is allowed for this context",
    0x8009030C: "The logon attempt failed",
    0x8009030D: "The credentials supplied to the package were not recognized",
    0x8009030E: "No credentials are available in the security package",
    0x8009030F: "The message or signature supplied for verification has been altered",
    0x80090310: "The message supplied for verification is out of sequence",
    0x80090311: "No authority could be contacted for authentication.",
    0x80090317: "The context has expired and can no longer be used.",
    0x80090318: "The supplied message is incomplete.  The signature was not verified.",
    0x80090321: "The buffers supplied to a function was too small.",
    0x80090322: "The target principal name is incorrect.",
    0x80090326: "The message received was unexpected or badly formatted.",
    0x80090346: "Client's supplied SSPI channel bindings were incorrect.",
    0x8009035D: "One or more of the parameters passed to the function was invalid.",
    0x00090317: "The context has expired and can no longer be used.",
    0x00090321: "The context data must be renegotiated with the peer.",
}


def signed(value: int) -> int:
    """The signed 32-bit form pywin32 hands back for a 32-bit value."""
    return to_signed(int(value))


def as_long(value: object, name: str = "argument") -> int:
    """Parse a C ``long`` argument: signed or unsigned 32-bit accepted; returns the unsigned form."""
    if not isinstance(value, int):
        raise TypeError(f"{name}: an integer is required (got type {type(value).__name__})")
    if not _LONG_MIN <= value <= _ULONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    return value & _ULONG_MAX


def as_str(value: object, none_ok: bool) -> str | None:
    """A Unicode string argument (``PyWinObject_AsWCHAR``): ``bytes`` are refused as pywin32 does."""
    if value is None:
        if none_ok:
            return None
        raise TypeError("None is not a valid string in this context")
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        raise TypeError("Objects of type 'bytes' can not be converted to Unicode.")
    raise TypeError(f"Objects of type '{type(value).__name__}' can not be converted to Unicode.")


def message(status: int) -> str:
    """A FormatMessage-like text for *status*."""
    code = status & _ULONG_MAX
    text = _MESSAGES.get(code)
    if text is not None:
        return text
    try:
        name = SecurityStatus(code).name
    except ValueError:
        return f"Unknown error 0x{code:08X}"
    return f"{name.replace('_', ' ').lower()} (0x{code:08X})"


def api_error(status: int, funcname: str) -> error:
    """``pywintypes.error(winerror, funcname, strerror)`` for an API status (winerror signed)."""
    return error(signed(status), funcname, message(status))


def raise_api(status: int, funcname: str) -> NoReturn:
    """Raise :func:`api_error`."""
    raise api_error(status, funcname)


def check_ok(status: int, funcname: str) -> None:
    """Raise unless *status* is SEC_E_OK (the rule of most pywin32 wrappers)."""
    if int(status) != 0:
        raise_api(status, funcname)


def timestamp(value: object) -> _dt.datetime:
    """A TimeStamp out-value as pywin32 returns it (``datetime.max`` for "never")."""
    if not isinstance(value, int):
        value = TIMESTAMP_NEVER
    return from_filetime(value)
