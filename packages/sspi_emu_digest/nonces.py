"""Server nonces: HMAC-authenticated timestamps (no per-nonce state needed to check them), and a
bounded nonce-count tracker that rejects a replayed ``nc``."""

from __future__ import annotations

import binascii
import enum
import hmac
import struct
import threading
from collections import OrderedDict

from sspi_emu import entropy

from . import hashes

__all__ = ["NonceIssuer", "NonceState", "NonceCounter", "CountResult"]

_RANDOM_LEN = 8
_MAC_LEN = 16
_BODY = struct.Struct(">Q")  # issue time, milliseconds since the Unix epoch
#: A nonce dated this far in the future (clock steps) is still accepted.
_SKEW_MS = 60_000


class NonceState(enum.Enum):
    """What a nonce check found."""

    VALID = "valid"
    STALE = "stale"  # ours, but too old (or its count can no longer be tracked)
    FORGED = "forged"  # not issued under this secret


# Read on every check (an Enum class attribute costs ~50 ns a read).
_VALID, _STALE = NonceState.VALID, NonceState.STALE


class NonceIssuer:
    """Issues nonces ``base64(time ‖ random ‖ HMAC-SHA256(secret, label ‖ time ‖ random)[:16])``.

    A nonce is valid for ``lifetime`` seconds after it was issued; checking one needs
    only the secret, so any context of the same credential can check it.
    """

    def __init__(self, secret: bytes, lifetime: float, label: str) -> None:
        self.lifetime_ms = int(lifetime * 1000)
        # Keyed once, with the label already absorbed: each MAC copies this state.
        self._keyed = hashes.PrefixedHmacSha256(secret, label.encode("utf-8") + b"\x00")

    def _mac(self, body: bytes) -> bytes:
        return self._keyed.mac(body)[:_MAC_LEN]

    def issue(self) -> str:
        """A fresh nonce (time and randomness from :mod:`sspi_emu.entropy`)."""
        return self.issue_ascii().decode("ascii")

    def issue_ascii(self) -> bytes:
        """:meth:`issue` as ASCII bytes."""
        return self.issue_timed()[0]

    def issue_timed(self) -> tuple[bytes, int]:
        """:meth:`issue_ascii` and the issue time it carries (ms), for an issuer that remembers it."""
        issued = int(entropy.now() * 1000) & 0xFFFFFFFFFFFFFFFF
        body = _BODY.pack(issued) + entropy.random_bytes(_RANDOM_LEN, "digest-nonce")
        return binascii.b2a_base64(body + self._mac(body), newline=False), issued

    def freshness(self, issued: int) -> NonceState:
        """VALID or STALE for a nonce of ours issued at *issued* (ms)."""
        now = int(entropy.now() * 1000)
        if issued > now + _SKEW_MS or now - issued > self.lifetime_ms:
            return _STALE
        return _VALID

    def check(self, nonce: str) -> tuple[NonceState, int]:
        """Whether *nonce* is ours and fresh; also its issue time (ms), 0 when forged."""
        try:
            raw = binascii.a2b_base64(nonce)
        except (binascii.Error, ValueError):  # ValueError: not ASCII
            return NonceState.FORGED, 0
        if len(raw) != _BODY.size + _RANDOM_LEN + _MAC_LEN:
            return NonceState.FORGED, 0
        # Only the exact text issue() makes: the lenient decoder skips junk and ignores spare bits.
        if binascii.b2a_base64(raw, newline=False) != nonce.encode("ascii"):
            return NonceState.FORGED, 0
        body, mac = raw[:-_MAC_LEN], raw[-_MAC_LEN:]
        if not hmac.compare_digest(mac, self._mac(body)):
            return NonceState.FORGED, 0
        (issued,) = _BODY.unpack_from(body)
        return self.freshness(issued), issued


class CountResult(enum.Enum):
    """What the nonce-count tracker decided."""

    ACCEPTED = "accepted"
    REPLAYED = "replayed"
    UNTRACKED = "untracked"  # forgotten to stay bounded: the client must get a new nonce


_ACCEPTED = CountResult.ACCEPTED


class NonceCounter:
    """Remembers which ``nc`` values each nonce has used, in bounded memory.

    At most ``max_nonces`` nonces are tracked (least recently used ones are dropped);
    each keeps the highest count seen and a ``window``-bit map below it, so requests
    may arrive slightly out of order. A dropped nonce cannot be tracked any more:
    every nonce issued no later than the newest dropped one is answered with
    :attr:`CountResult.UNTRACKED` (the server then sends ``stale=true``), so forgetting
    never re-opens a replay.
    """

    def __init__(self, max_nonces: int = 4096, window: int = 64) -> None:
        self.max_nonces = max_nonces
        self.window = window
        self._mask = (1 << window) - 1
        self._seen: OrderedDict[str, tuple[int, int, int]] = OrderedDict()  # nonce -> (issued, highest, bitmap)
        self._floor = -1
        self._lock = threading.Lock()

    def use(self, nonce: str, issued: int, nc: int) -> CountResult:
        """Record that *nonce* was used with count *nc* (>= 1)."""
        with self._lock:
            seen = self._seen
            entry = seen.get(nonce)
            if entry is None:  # a nonce's first use (the usual case): added as the newest entry
                if issued <= self._floor:
                    return CountResult.UNTRACKED
                seen[nonce] = (issued, nc, 1)
                while len(seen) > self.max_nonces:  # one in, one out: the busy server's steady state
                    _, (old_issued, _, _) = seen.popitem(last=False)
                    if old_issued > self._floor:
                        self._floor = old_issued
                return _ACCEPTED
            _, high, bits = entry
            if nc > high:
                shift = nc - high
                bits = ((bits << shift) | 1) & self._mask if shift < self.window else 1
                high = nc
            else:
                offset = high - nc
                if offset >= self.window or (bits >> offset) & 1:
                    return CountResult.REPLAYED
                bits |= 1 << offset
            seen[nonce] = (issued, high, bits)
            seen.move_to_end(nonce)
            return CountResult.ACCEPTED

    def __len__(self) -> int:
        return len(self._seen)
