"""FILETIME to datetime as sspilib's high-level API converts it (out of range: the Unix epoch)."""

from __future__ import annotations

import datetime

__all__ = ["EPOCH", "filetime_to_datetime"]

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_UNIX_EPOCH_FILETIME = 116444736000000000


def filetime_to_datetime(filetime: int) -> datetime.datetime:
    """UTC datetime of a FILETIME; values Python cannot represent (e.g. "never") give the epoch."""
    try:
        return EPOCH + datetime.timedelta(microseconds=(filetime - _UNIX_EPOCH_FILETIME) // 10)
    except OverflowError:
        return EPOCH
