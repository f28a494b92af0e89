"""The client session cache: a session is offered again only for the same target name and credential
handle (in this process), and only while it has not expired."""

from __future__ import annotations

import threading

from sspi_emu import entropy

from .tls.resumption import ResumableSession

_lock = threading.Lock()
_cache: dict[tuple[str, int], list[ResumableSession]] = {}
MAX_PER_KEY = 4


def _key(target: str, credential: object) -> tuple[str, int]:
    # Each credential carries a process-unique serial (never reused, unlike id()).
    serial = getattr(credential, "serial", None)
    if not isinstance(serial, int):
        raise TypeError("the credential has no serial number")
    return (target.lower(), serial)


def store(target: str | None, credential: object, sessions: list[ResumableSession], lifespan: float) -> None:
    """Remember *sessions* (newest last), capped at *lifespan* seconds."""
    if not target or not sessions:
        return
    with _lock:
        entries = _cache.setdefault(_key(target, credential), [])
        for s in sessions:
            s.lifetime = int(min(s.lifetime, lifespan))
            entries.append(s)
        del entries[:-MAX_PER_KEY]


def take(target: str | None, credential: object) -> ResumableSession | None:
    """The newest unexpired session for *target* and *credential*, removed from the cache (tickets are single-use)."""
    if not target:
        return None
    with _lock:
        entries = _cache.get(_key(target, credential), [])
        if not entries:
            return None
        now = entropy.now()
        while entries:
            s = entries.pop()
            if s.received <= now < s.expires():
                return s
        return None


def forget(credential: object) -> None:
    """Drop every session of a credential (FreeCredentialsHandle)."""
    with _lock:
        serial = getattr(credential, "serial", None)
        for key in [k for k in _cache if k[1] == serial]:
            del _cache[key]


def clear() -> None:
    """Empty the cache."""
    with _lock:
        _cache.clear()
