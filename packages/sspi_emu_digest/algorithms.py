"""The Digest hash algorithms (RFC 7616 §3.2 and §6.1): MD5, SHA-256, SHA-512-256 and their -sess forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import _sha512_256, hashes
from ._sha512_256 import Hash

__all__ = ["DigestAlgorithm", "ALGORITHMS", "lookup", "strongest"]


@dataclass(frozen=True)
class DigestAlgorithm:
    """One value of the ``algorithm`` directive."""

    name: str  # as sent on the wire, e.g. "SHA-256-sess"
    base: str  # the hash without "-sess", e.g. "SHA-256"
    sess: bool
    strength: int  # higher is stronger (used to choose among several challenges)
    factory: Callable[[bytes], Hash]
    #: H(data) in hex as one direct call (the hot paths use it instead of the method).
    hex: Callable[[bytes], str] = field(default=lambda data: "", repr=False, compare=False)
    #: H(method ":" uri) by a2 text, for requests without a body hash (bounded; see calc.http_response).
    ha2_cache: dict[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def digest(self, data: bytes) -> bytes:
        """H(data) as raw bytes."""
        return self.factory(data).digest()

    def hexdigest(self, data: bytes) -> str:
        """H(data) in lowercase hex, as Digest uses it."""
        return self.hex(data)

    @property
    def digest_size(self) -> int:
        """Length of a raw digest in bytes."""
        return len(self.digest(b""))


_md5 = hashes.md5
_sha256 = hashes.sha256


def _md5_hex(data: bytes) -> str:
    return _md5(data).hexdigest()


def _sha256_hex(data: bytes) -> str:
    return _sha256(data).hexdigest()


def _sha512_256_hex(data: bytes) -> str:
    return _sha512_256.new(data).hexdigest()


_BASES: tuple[tuple[str, int, Callable[[bytes], Hash], Callable[[bytes], str]], ...] = (
    ("MD5", 10, _md5, _md5_hex),
    ("SHA-256", 20, _sha256, _sha256_hex),
    ("SHA-512-256", 30, _sha512_256.new, _sha512_256_hex),
)

#: Every algorithm by upper-case wire name.
ALGORITHMS: dict[str, DigestAlgorithm] = {}
for _name, _strength, _factory, _hex in _BASES:
    ALGORITHMS[_name.upper()] = DigestAlgorithm(_name, _name, False, _strength, _factory, _hex)
    ALGORITHMS[f"{_name}-SESS"] = DigestAlgorithm(f"{_name}-sess", _name, True, _strength, _factory, _hex)


#: Every algorithm by its wire name exactly as sent (what nearly every peer sends).
_BY_WIRE_NAME = {alg.name: alg for alg in ALGORITHMS.values()}
_MD5 = ALGORITHMS["MD5"]


def lookup(name: str | None) -> DigestAlgorithm | None:
    """The algorithm for a directive value (absent means MD5, RFC 7616 §3.3); None if unknown."""
    if name is None:
        return _MD5
    return _BY_WIRE_NAME.get(name) or ALGORITHMS.get(name.strip().upper())


def strongest(names: list[DigestAlgorithm]) -> DigestAlgorithm | None:
    """The strongest algorithm of *names* (the first listed wins a tie)."""
    best: DigestAlgorithm | None = None
    for alg in names:
        if best is None or alg.strength > best.strength:
            best = alg
    return best
