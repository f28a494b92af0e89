"""The acceptor's replay cache: an authenticator is accepted once within the clock-skew window."""

from __future__ import annotations

import hashlib
import threading

__all__ = ["ReplayCache"]


class ReplayCache:
    """Remembers (client, time, authenticator digest) until the entry can no longer be replayed."""

    def __init__(self, window: int = 300) -> None:
        self.window = window
        self._seen: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def check_and_add(self, client: str, ctime: int, cusec: int, ciphertext: bytes, now: float) -> bool:
        """True when new (and now remembered); False for a replay."""
        digest = hashlib.sha256(f"{client}|{ctime}|{cusec}|".encode() + ciphertext).digest()
        with self._lock:
            if len(self._seen) > 4096:
                self._seen = {k: v for k, v in self._seen.items() if v > now}
            expiry = self._seen.get(digest)
            if expiry is not None and expiry > now:
                return False
            self._seen[digest] = ctime + 2 * self.window
            return True
