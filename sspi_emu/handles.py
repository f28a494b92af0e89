"""Credential and context handles, the thread-safe tables behind them, and out-parameter boxes."""

from __future__ import annotations

import datetime as _dt
import itertools
import os
import threading
from typing import Generic, TypeVar

from .constants import TIMESTAMP_NEVER
from .entropy import filetime_to_unix

T = TypeVar("T")

# Distinguishes this process's handles from foreign ones (not a secret, not randomness a
# protocol uses: it only makes a handle from another table or process fail lookup).
_TABLE_TAG = itertools.count((os.getpid() * 2654435761) & 0x7FFF0000 | 0x5EC0)


class SecHandle:
    """A ``SecHandle``: two opaque words, filled in by the API. Hashable; compares by value."""

    __slots__ = ("dwLower", "dwUpper")

    def __init__(self, dwLower: int = 0, dwUpper: int = 0) -> None:
        self.dwLower = dwLower
        self.dwUpper = dwUpper

    @property
    def is_set(self) -> bool:
        """True once the API has filled the handle."""
        return bool(self.dwLower or self.dwUpper)

    def _invalidate(self) -> None:
        self.dwLower = 0
        self.dwUpper = 0

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SecHandle)
            and type(other) is type(self)
            and other.dwLower == self.dwLower
            and other.dwUpper == self.dwUpper
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.dwLower, self.dwUpper))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dwLower=0x{self.dwLower:X}, dwUpper=0x{self.dwUpper:X})"


class CredHandle(SecHandle):
    """A credential handle (``CredHandle``)."""

    __slots__ = ()


class CtxtHandle(SecHandle):
    """A security context handle (``CtxtHandle``)."""

    __slots__ = ()


class Box:
    """An out-parameter: the API stores its result in ``.value``."""

    __slots__ = ("value",)

    def __init__(self, value: object = None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class ULONG(Box):
    """An unsigned long out-parameter (``pfContextAttr``, ``pfQOP``, ``pcPackages``)."""

    __slots__ = ()

    def __init__(self, value: int = 0) -> None:
        self.value = value  # Box.__init__, without the super() lookup (callers make one per call)


class TimeStamp(Box):
    """A ``TimeStamp`` out-parameter: ``.value`` is a FILETIME tick count (100 ns since 1601)."""

    __slots__ = ()

    def __init__(self, value: int = 0) -> None:
        self.value = value  # Box.__init__, without the super() lookup (callers make one per call)

    @property
    def never_expires(self) -> bool:
        """True for the "never expires" value."""
        return isinstance(self.value, int) and self.value >= TIMESTAMP_NEVER

    @property
    def datetime(self) -> _dt.datetime:
        """The time as an aware UTC datetime (``datetime.max`` for never)."""
        if not isinstance(self.value, int) or self.never_expires:
            return _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)
        try:
            return _dt.datetime.fromtimestamp(filetime_to_unix(self.value), _dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)


class HandleTable(Generic[T]):
    """Maps handle words to records. Insert takes a lock; removal and lookups are single (atomic) dict operations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[int, T] = {}
        self._next = itertools.count(1)
        self._tag = next(_TABLE_TAG) & 0xFFFFFFFF

    def add(self, record: T, handle: SecHandle) -> None:
        """Store *record* and write its handle words into *handle*."""
        with self._lock:
            lower = next(self._next)
            self._items[lower] = record
        handle.dwLower = lower
        handle.dwUpper = self._tag

    def get(self, handle: object) -> T | None:
        """The record for *handle*, or None if it is unknown, freed or foreign."""
        if not isinstance(handle, SecHandle) or handle.dwUpper != self._tag:
            return None
        return self._items.get(handle.dwLower)

    def remove(self, handle: object) -> T | None:
        """Forget *handle*; return its record (None if it was not live)."""
        if not isinstance(handle, SecHandle) or handle.dwUpper != self._tag:
            return None
        return self._items.pop(handle.dwLower, None)  # one atomic dict operation: no lock needed

    def __len__(self) -> int:
        return len(self._items)
