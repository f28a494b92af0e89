"""``pywintypes``: the shared exception class, time objects and a handle stand-in."""

from __future__ import annotations

import datetime as _dt

__all__ = ["HANDLE", "HANDLEType", "Time", "TimeType", "datetime", "error", "from_filetime"]

_FILETIME_EPOCH = _dt.datetime(1601, 1, 1, tzinfo=_dt.timezone.utc)


class error(Exception):
    """A Windows API failure: ``error(winerror, funcname, strerror)``; each argument is optional.

    As in pywin32 the instance is not indexable; ``str()`` is the repr of the argument tuple.
    """

    winerror: object
    funcname: object
    strerror: object

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.winerror = args[0] if len(args) > 0 else None
        self.funcname = args[1] if len(args) > 1 else None
        self.strerror = args[2] if len(args) > 2 else None


class datetime(_dt.datetime):  # noqa: N801 - pywin32's name
    """pywin32's time type: a :class:`datetime.datetime` subclass (UTC for SSPI expiries)."""

    def Format(self, fmt: str = "%c") -> str:
        """The time formatted with ``strftime``."""
        return self.strftime(fmt)


TimeType = datetime


def Time(value: object) -> datetime:
    """A :class:`datetime` from a ``datetime``, a Unix timestamp or a time tuple."""
    if isinstance(value, _dt.datetime):
        tz = value.tzinfo
        return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                        value.microsecond, tzinfo=tz)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        d = _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
        return Time(d)
    if isinstance(value, tuple) and len(value) >= 6:
        parts = [int(v) for v in value[:6]]
        return datetime(*parts)  # type: ignore[arg-type]
    raise TypeError("Objects for conversion to a time must be datetime, a number or a time tuple")


def from_filetime(ticks: object) -> _dt.datetime:
    """A FILETIME (100 ns since 1601, UTC) as pywin32 returns it: ``datetime`` or naive ``datetime.max``.

    Years past 9999 (including the "never expires" value) give ``datetime.datetime.max``,
    as pywin32 does; a value that is not a valid FILETIME raises :class:`error`.
    """
    if not isinstance(ticks, int) or ticks < 0 or ticks >= 1 << 63:
        raise error(87, "FileTimeToSystemTime", "The parameter is incorrect.")
    try:
        value = _FILETIME_EPOCH + _dt.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return _dt.datetime.max
    return Time(value)


class HANDLE:
    """A stand-in for ``PyHANDLE``: an int-like handle with ``Close`` / ``Detach``; no OS object behind it."""

    __slots__ = ("handle", "__weakref__")

    def __init__(self, handle: int = 0) -> None:
        self.handle = int(handle)

    def __int__(self) -> int:
        return self.handle

    def __index__(self) -> int:
        return self.handle

    def __bool__(self) -> bool:
        return self.handle != 0

    def Close(self) -> None:
        """Close the handle (it becomes 0)."""
        self.handle = 0

    def Detach(self) -> int:
        """Return the handle value and stop owning it."""
        value, self.handle = self.handle, 0
        return value

    def __repr__(self) -> str:
        return f"<PyHANDLE:{self.handle}>"


HANDLEType = HANDLE
