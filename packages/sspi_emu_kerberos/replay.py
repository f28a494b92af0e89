"""The acceptor's replay cache: an authenticator is accepted once within the clock-skew window."""

from __future__ import annotations

import hashlib
import threading
from collections import deque

__all__ = ["ReplayCache"]


class ReplayCache:
    """Remembers (client, time, authenticator digest) until the entry can no longer be replayed."""

    def __init__(self, window: int = 300) -> None:
        self.window = window
        self._seen: dict[bytes, float] = {}
        self._order: deque[tuple[float, bytes]] = deque()
        self._lock = threading.Lock()

    def check_and_add(self, client: str, ctime: int, cusec: int, ciphertext: bytes, now: float) -> bool:
        """True when new (and now remembered); False for a replay."""
        digest = hashlib.sha256(f"{client}|{ctime}|{cusec}|".encode() + ciphertext).digest()
        with self._lock:
            while self._order and self._order[0][0] <= now:
                expiry, old = self._order.popleft()
                if self._seen.get(old) == expiry:
                    del self._seen[old]
            if digest in self._seen:
                return False
            expiry = max(float(ctime + self.window), now + self.window)
            self._seen[digest] = expiry
            self._order.append((expiry, digest))
            return True
