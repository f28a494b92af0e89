"""Randomness, time and third-party replies for security packages: the only source they may use.

Every nonce, key, challenge and timestamp a package produces comes from the *current*
:class:`EntropySource`. The default draws from the operating system; a
:class:`PinnedEntropy` (scripted values, or a seed) makes an exchange replay byte for
byte, and a :class:`RecordingEntropy` captures every value drawn so a live exchange
can be written to a vector file. A package's round trips to a third party (Kerberos to
its KDC) go through :func:`exchange` for the same reason: a recording keeps each request
and reply, and a replay answers from the recording instead of the network.

Scoping is per thread / async task (``contextvars``)::

    with entropy.pinned(PinnedEntropy(random=[challenge], clock=[t0])):
        ...  # every package call in here sees the pinned values
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol, Sequence

#: FILETIME (100 ns ticks since 1601-01-01) of the Unix epoch.
FILETIME_UNIX_EPOCH = 116444736000000000


def unix_to_filetime(seconds: float) -> int:
    """Convert Unix seconds to a Windows FILETIME tick count."""
    return int(round(seconds * 10_000_000)) + FILETIME_UNIX_EPOCH


def filetime_to_unix(filetime: int) -> float:
    """Convert a Windows FILETIME tick count to Unix seconds."""
    return (filetime - FILETIME_UNIX_EPOCH) / 10_000_000


class EntropySource(Protocol):
    """Where random bytes and the current time come from."""

    def random_bytes(self, n: int, label: str = "") -> bytes:
        """Return *n* random bytes; *label* names the use (recorded, never secret)."""
        ...

    def now(self) -> float:
        """Return the current time as Unix seconds."""
        ...


class SystemEntropy:
    """The operating system's CSPRNG and wall clock."""

    def random_bytes(self, n: int, label: str = "") -> bytes:
        return os.urandom(n)

    #: The wall clock itself (no Python frame between a package and the clock).
    now = staticmethod(time.time)

    def __repr__(self) -> str:
        return "SystemEntropy()"


class EntropyExhausted(RuntimeError):
    """A pinned source ran out of scripted values and has no seed to continue from."""


class PinnedEntropy:
    """Deterministic entropy: scripted values first, then a seeded generator.

    ``random`` is a sequence of byte strings handed out in order; a request for *n*
    bytes takes the next scripted value, which must be exactly *n* bytes long
    (a mismatch means the replay has diverged and raises :class:`EntropyExhausted`).
    When the script is used up, bytes come from SHA-256 in counter mode over
    ``seed`` (if given). ``clock`` is either a fixed time or a sequence of times
    (the last one repeats).
    """

    def __init__(
        self,
        random: Iterable[bytes] = (),
        *,
        seed: bytes | None = None,
        clock: float | Sequence[float] = 0.0,
    ) -> None:
        self._script: deque[bytes] = deque(bytes(v) for v in random)
        self._seed = seed
        self._counter = 0
        if isinstance(clock, (int, float)):
            self._times: deque[float] = deque([float(clock)])
        else:
            self._times = deque(float(t) for t in clock) or deque([0.0])
        self._lock = threading.Lock()

    def random_bytes(self, n: int, label: str = "") -> bytes:
        with self._lock:
            if self._script:
                value = self._script.popleft()
                if len(value) != n:
                    raise EntropyExhausted(
                        f"pinned value for {label or 'random'} has {len(value)} bytes, {n} wanted"
                    )
                return value
            if self._seed is None:
                raise EntropyExhausted(f"no pinned value left for {label or 'random'} ({n} bytes)")
            out = bytearray()
            while len(out) < n:
                self._counter += 1
                out += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            return bytes(out[:n])

    def now(self) -> float:
        with self._lock:
            if len(self._times) > 1:
                return self._times.popleft()
            return self._times[0]

    def __repr__(self) -> str:
        return f"PinnedEntropy(scripted={len(self._script)}, seeded={self._seed is not None})"


#: Carries one request to a third party and returns its reply (raises OSError when unreachable).
Send = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Draw:
    """One value handed out by a :class:`RecordingEntropy`.

    ``kind`` is "random", "time" or "exchange"; an exchange's ``label`` is ``"<kind> <where>"``
    and its ``value`` the ``(request, reply)`` pair (reply None: the third party was unreachable).
    """

    kind: str
    label: str
    value: bytes | float | tuple[bytes, bytes | None]


class RecordingEntropy:
    """Wraps another source and remembers every value it hands out, in order."""

    def __init__(self, inner: EntropySource | None = None) -> None:
        self.inner: EntropySource = inner or SystemEntropy()
        self.draws: list[Draw] = []
        self._lock = threading.Lock()

    def random_bytes(self, n: int, label: str = "") -> bytes:
        value = self.inner.random_bytes(n, label)
        with self._lock:
            self.draws.append(Draw("random", label, value))
        return value

    def now(self) -> float:
        value = self.inner.now()
        with self._lock:
            self.draws.append(Draw("time", "", value))
        return value

    def exchange(self, kind: str, where: str, request: bytes, send: Send) -> bytes:
        """Carry out the round trip through the wrapped source and remember request and reply."""
        label = f"{kind} {where}"
        token = _current.set(self.inner)  # a third party run in-process draws its own values, unrecorded
        try:
            reply = _exchange_with(self.inner, kind, where, request, send)
        except OSError:
            with self._lock:
                self.draws.append(Draw("exchange", label, (bytes(request), None)))
            raise
        finally:
            _current.reset(token)
        with self._lock:
            self.draws.append(Draw("exchange", label, (bytes(request), bytes(reply))))
        return reply

    def pinned(self) -> PinnedEntropy:
        """A source that hands out the recorded values again, in the same order."""
        randoms = [d.value for d in self.draws if d.kind == "random" and isinstance(d.value, bytes)]
        times = [float(d.value) for d in self.draws if d.kind == "time" and isinstance(d.value, float)]
        return PinnedEntropy(randoms, clock=times or 0.0)

    def __repr__(self) -> str:
        return f"RecordingEntropy(draws={len(self.draws)})"


_default: EntropySource = SystemEntropy()
_current: contextvars.ContextVar[EntropySource | None] = contextvars.ContextVar(
    "sspi_emu_entropy", default=None
)


def current() -> EntropySource:
    """The source in force for the calling thread / task."""
    return _current.get() or _default


def set_default(source: EntropySource | None) -> None:
    """Install a process-wide source (None restores the system source)."""
    global _default
    _default = source or SystemEntropy()


@contextlib.contextmanager
def pinned(source: EntropySource) -> Iterator[EntropySource]:
    """Use *source* for every package call made inside the ``with`` block."""
    token = _current.set(source)
    try:
        yield source
    finally:
        _current.reset(token)


def random_bytes(n: int, label: str = "") -> bytes:
    """Return *n* random bytes from the current source."""
    return (_current.get() or _default).random_bytes(n, label)


def now() -> float:
    """Return the current time (Unix seconds) from the current source."""
    return (_current.get() or _default).now()


def filetime_now() -> int:
    """Return the current time as a Windows FILETIME tick count."""
    return unix_to_filetime(now())


def _exchange_with(source: EntropySource, kind: str, where: str, request: bytes, send: Send) -> bytes:
    handler = getattr(source, "exchange", None)
    if handler is None:
        return send(request)
    reply: bytes = handler(kind, where, request, send)
    return reply


def exchange(kind: str, where: str, request: bytes, send: Send) -> bytes:
    """One round trip to a third party (*kind* e.g. "kdc", *where* e.g. the realm).

    *send* carries it out over the network; a source with an ``exchange`` method (recording,
    replay, or a test's simulated network) sees it first and may answer instead.
    """
    return _exchange_with(_current.get() or _default, kind, where, request, send)
