"""What a SASL DIGEST-MD5 client remembers for subsequent authentication (RFC 2831 §2.2).

After a successful qop=auth authentication the client keeps, per digest-uri, the values that
authentication used (user name, realm, nonce, cnonce, nonce count, H(A1)). The next context
for the same digest-uri may then open with an initial digest-response on that nonce with the
nonce count one higher, and skip the server's challenge. Only qop=auth sessions are kept:
reusing nonce and cnonce would give a new security layer the old layer's keys, so auth-int and
auth-conf always authenticate afresh.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sspi_emu import entropy

__all__ = ["SaslSession", "SaslSessionCache"]


@dataclass(frozen=True)
class SaslSession:
    """One remembered authentication (H(A1) is as secret as the password)."""

    username: str
    realm: str
    nonce: str
    cnonce: str
    nc: int
    charset_utf8: bool
    authzid: str | None
    maxbuf: int | None
    ha1: bytes = field(repr=False)
    at: float = 0.0  # when it was last used (Unix seconds)


class SaslSessionCache:
    """Sessions by digest-uri: at most *size*, none older than *max_age* seconds. Thread-safe."""

    def __init__(self, size: int = 64, max_age: float = 3600.0) -> None:
        self.size = size
        self.max_age = max_age
        self._items: OrderedDict[str, SaslSession] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, digest_uri: str, session: SaslSession) -> None:
        """Keep *session* as the newest for *digest_uri*."""
        with self._lock:
            self._items[digest_uri] = session
            self._items.move_to_end(digest_uri)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def next_use(self, digest_uri: str) -> SaslSession | None:
        """The session for *digest_uri* with its nonce count advanced (and remembered so), or None.

        The count moves on when it is handed out, so no count is ever sent twice.
        """
        now = entropy.now()
        with self._lock:
            session = self._items.get(digest_uri)
            if session is None:
                return None
            if now - session.at > self.max_age or session.nc >= 0xFFFFFFFF:
                del self._items[digest_uri]
                return None
            advanced = dataclasses.replace(session, nc=session.nc + 1, at=now)
            self._items[digest_uri] = advanced
            return advanced

    def forget(self, digest_uri: str) -> None:
        """Drop the session for *digest_uri* (the server would not take it)."""
        with self._lock:
            self._items.pop(digest_uri, None)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"SaslSessionCache({len(self)} sessions)"
