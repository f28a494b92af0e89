"""The hash constructors Digest uses give hashlib's digests (whichever implementation they picked)."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st
from sspi_emu_digest import hashes
from sspi_emu_digest.nonces import NonceIssuer


@given(data=st.binary(max_size=300))
def test_md5_and_sha256_match_hashlib(data: bytes) -> None:
    assert hashes.md5(data).hexdigest() == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert hashes.sha256(data).digest() == hashlib.sha256(data).digest()


def test_nonce_mac_is_hmac_sha256_over_label_and_body() -> None:
    issuer = NonceIssuer(b"k" * 32, 300, "http")
    body = bytes(range(16))
    assert issuer._mac(body) == hmac.new(b"k" * 32, b"http\x00" + body, "sha256").digest()[:16]


@given(key=st.binary(max_size=150), prefix=st.binary(max_size=20), rest=st.binary(max_size=200))
def test_prefixed_hmac_is_hmac_sha256(key: bytes, prefix: bytes, rest: bytes) -> None:
    keyed = hashes.PrefixedHmacSha256(key, prefix)
    assert keyed.mac(rest) == hmac.new(key, prefix + rest, "sha256").digest()
    assert keyed.mac(rest) == keyed.mac(rest)  # the keyed state is copied, never consumed
    assert repr(keyed) == "PrefixedHmacSha256(<key hidden>)"  # the same whatever the key
