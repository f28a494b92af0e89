"""Server nonces: unforgeable, time-bounded, and nonce counts tracked in bounded memory."""

from __future__ import annotations

import pytest
from sspi_emu_digest import _sha512_256
from sspi_emu_digest.algorithms import ALGORITHMS, lookup
from sspi_emu_digest.nonces import CountResult, NonceCounter, NonceIssuer, NonceState

from sspi_emu import entropy
from sspi_emu.entropy import PinnedEntropy


def test_nonce_is_valid_then_stale() -> None:
    issuer = NonceIssuer(b"k" * 32, lifetime=10, label="http")
    with entropy.pinned(PinnedEntropy(seed=b"x", clock=100.0)):
        nonce = issuer.issue()
        assert issuer.check(nonce) == (NonceState.VALID, 100_000)
    with entropy.pinned(PinnedEntropy(seed=b"x", clock=111.0)):
        assert issuer.check(nonce)[0] is NonceState.STALE


def test_issue_timed_matches_what_check_reads() -> None:
    issuer = NonceIssuer(b"k" * 32, lifetime=10, label="http")
    with entropy.pinned(PinnedEntropy(seed=b"x", clock=100.0)):
        nonce, issued = issuer.issue_timed()
        assert issued == 100_000
        assert issuer.check(nonce.decode("ascii")) == (NonceState.VALID, issued)
        assert issuer.freshness(issued) is NonceState.VALID
    with entropy.pinned(PinnedEntropy(seed=b"x", clock=111.0)):
        assert issuer.freshness(issued) is NonceState.STALE
    with entropy.pinned(PinnedEntropy(seed=b"x", clock=0.0)):  # dated too far in the future
        assert issuer.freshness(issued) is NonceState.STALE


@pytest.mark.parametrize("bad", ["", "!!!", "AAAA", "A" * 44, "é" * 56, "A" * 55 + "=", "A" * 52 + "=AAA", " " + "A" * 56])
def test_forged_nonces(bad: str) -> None:
    assert NonceIssuer(b"k" * 32, 10, "http").check(bad)[0] is NonceState.FORGED


def test_nonce_with_junk_is_forged() -> None:
    issuer = NonceIssuer(b"k" * 32, 10, "http")
    nonce = issuer.issue()
    assert issuer.check(nonce)[0] is NonceState.VALID
    for bad in (nonce + "=", nonce + "A", nonce[:-1], "*" + nonce[1:], nonce.replace("=", "") + "\n",
                nonce[:10] + "\n" + nonce[10:], nonce[:10] + "*" + nonce[10:]):
        assert issuer.check(bad)[0] is NonceState.FORGED
    # The same bytes in another spelling (spare low bits set in the last character) are not the nonce.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    assert nonce.endswith("=") and not nonce.endswith("==")  # 32 bytes: the last character has 2 spare bits
    other = nonce[:-2] + alphabet[alphabet.index(nonce[-2]) ^ 1] + "="
    assert other != nonce and issuer.check(other)[0] is NonceState.FORGED


def test_nonce_bound_to_secret_and_label() -> None:
    nonce = NonceIssuer(b"k" * 32, 10, "http").issue()
    assert NonceIssuer(b"j" * 32, 10, "http").check(nonce)[0] is NonceState.FORGED
    assert NonceIssuer(b"k" * 32, 10, "sasl").check(nonce)[0] is NonceState.FORGED


def test_counter_rejects_replay_and_allows_reordering() -> None:
    c = NonceCounter(max_nonces=10, window=8)
    assert c.use("n", 1, 1) is CountResult.ACCEPTED
    assert c.use("n", 1, 3) is CountResult.ACCEPTED
    assert c.use("n", 1, 2) is CountResult.ACCEPTED
    assert c.use("n", 1, 2) is CountResult.REPLAYED
    assert c.use("n", 1, 3) is CountResult.REPLAYED
    assert c.use("n", 1, 20) is CountResult.ACCEPTED
    assert c.use("n", 1, 5) is CountResult.REPLAYED  # fell out of the window


def test_counter_memory_is_bounded_and_forgetting_never_reopens_replay() -> None:
    c = NonceCounter(max_nonces=100)
    for i in range(1000):
        assert c.use(f"n{i}", i, 1) is CountResult.ACCEPTED
    assert len(c) == 100
    assert c.use("n5", 5, 1) is CountResult.UNTRACKED
    assert c.use("n5", 5, 2) is CountResult.UNTRACKED
    assert c.use("n999", 999, 1) is CountResult.REPLAYED
    assert c.use("new", 2000, 1) is CountResult.ACCEPTED


def test_algorithm_lookup() -> None:
    assert lookup(None) is ALGORITHMS["MD5"]
    assert lookup("sha-256-SESS") is ALGORITHMS["SHA-256-SESS"]
    assert lookup("SHA3") is None


@pytest.mark.parametrize("data", [b"", b"abc", b"a" * 111, b"a" * 112, b"x" * 1000])
def test_pure_python_sha512_256_fallback(data: bytes) -> None:
    import hashlib

    expected = hashlib.new("sha512_256", data).hexdigest()
    assert _sha512_256.PurePythonSha512_256(data).hexdigest() == expected
    h = _sha512_256.PurePythonSha512_256()
    h.update(data[:7])
    h.update(data[7:])
    assert h.hexdigest() == expected
