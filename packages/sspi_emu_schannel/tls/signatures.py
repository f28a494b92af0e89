"""Handshake signatures: choosing a scheme, signing and verifying (ECDSA, RSA-PSS, RSA PKCS#1 v1.5).

When :mod:`sspi_emu.entropy` is not the operating system's source (a pinned or recording
source), signatures are made reproducible: RSA-PSS is encoded here with a salt drawn from
the entropy source and the RSA private operation done with the CRT numbers, and ECDSA uses
RFC 6979 deterministic nonces. With the system source, ``cryptography`` signs as usual
(blinded, constant time).
"""

from __future__ import annotations

import hashlib
from typing import Union

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from sspi_emu import entropy

from .constants import SignatureScheme

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]
PublicKey = Union[ec.EllipticCurvePublicKey, rsa.RSAPublicKey]

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

#: scheme -> (kind, hash name, curve name for ECDSA in TLS 1.3)
SCHEMES: dict[int, tuple[str, str, str]] = {
    SignatureScheme.ECDSA_SECP256R1_SHA256: ("ecdsa", "sha256", "secp256r1"),
    SignatureScheme.ECDSA_SECP384R1_SHA384: ("ecdsa", "sha384", "secp384r1"),
    SignatureScheme.ECDSA_SECP521R1_SHA512: ("ecdsa", "sha512", "secp521r1"),
    SignatureScheme.RSA_PSS_RSAE_SHA256: ("pss", "sha256", ""),
    SignatureScheme.RSA_PSS_RSAE_SHA384: ("pss", "sha384", ""),
    SignatureScheme.RSA_PSS_RSAE_SHA512: ("pss", "sha512", ""),
    SignatureScheme.RSA_PKCS1_SHA256: ("pkcs1", "sha256", ""),
    SignatureScheme.RSA_PKCS1_SHA384: ("pkcs1", "sha384", ""),
    SignatureScheme.RSA_PKCS1_SHA512: ("pkcs1", "sha512", ""),
}

#: What we offer in signature_algorithms, in preference order.
DEFAULT_SCHEMES: tuple[int, ...] = (
    SignatureScheme.ECDSA_SECP256R1_SHA256,
    SignatureScheme.ECDSA_SECP384R1_SHA384,
    SignatureScheme.RSA_PSS_RSAE_SHA256,
    SignatureScheme.RSA_PSS_RSAE_SHA384,
    SignatureScheme.RSA_PSS_RSAE_SHA512,
    SignatureScheme.RSA_PKCS1_SHA256,
    SignatureScheme.RSA_PKCS1_SHA384,
    SignatureScheme.RSA_PKCS1_SHA512,
    SignatureScheme.ECDSA_SECP521R1_SHA512,
)


def _deterministic() -> bool:
    return not isinstance(entropy.current(), entropy.SystemEntropy)


def usable_schemes(key: PrivateKey | PublicKey, tls13: bool) -> list[int]:
    """The schemes (in our preference order) a key can make or check signatures with."""
    out: list[int] = []
    for scheme in DEFAULT_SCHEMES:
        kind, _h, curve = SCHEMES[scheme]
        if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
            if kind == "ecdsa" and (not tls13 or key.curve.name == curve):
                out.append(scheme)
        elif isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
            if kind == "pss" or (kind == "pkcs1" and not tls13):
                out.append(scheme)
    return out


def choose_scheme(key: PrivateKey, peer_schemes: list[int], tls13: bool) -> int | None:
    """The first scheme we prefer that the peer accepts and the key can use."""
    for scheme in usable_schemes(key, tls13):
        if scheme in peer_schemes:
            return scheme
    return None


def _mgf1(seed: bytes, length: int, hash_name: str) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.new(hash_name, seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _pss_sign_pinned(key: rsa.RSAPrivateKey, data: bytes, hash_name: str) -> bytes:
    """EMSA-PSS-ENCODE (RFC 8017 9.1.1) with a salt from the entropy source, then RSASP1 via CRT."""
    numbers = key.private_numbers()
    pub = numbers.public_numbers
    mod_bits = pub.n.bit_length()
    em_bits = mod_bits - 1
    em_len = (em_bits + 7) // 8
    m_hash = hashlib.new(hash_name, data).digest()
    h_len = len(m_hash)
    salt = entropy.random_bytes(h_len, "rsa-pss-salt")
    h = hashlib.new(hash_name, bytes(8) + m_hash + salt).digest()
    db = bytes(em_len - 2 * h_len - 2) + b"\x01" + salt
    mask = _mgf1(h, em_len - h_len - 1, hash_name)
    masked = bytearray(a ^ b for a, b in zip(db, mask, strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    em = int.from_bytes(bytes(masked) + h + b"\xbc", "big")
    p, q = numbers.p, numbers.q
    m1 = pow(em, numbers.dmp1, p)
    m2 = pow(em, numbers.dmq1, q)
    s = m2 + q * ((numbers.iqmp * (m1 - m2)) % p)
    sig = s.to_bytes((mod_bits + 7) // 8, "big")
    # Check the result with the public key, so a fault never leaks the key.
    key.public_key().verify(sig, data, padding.PSS(padding.MGF1(_HASHES[hash_name]()), h_len), _HASHES[hash_name]())
    return sig


def sign(key: PrivateKey, scheme: int, data: bytes) -> bytes:
    """Sign *data* with *scheme*."""
    kind, hash_name, _curve = SCHEMES[scheme]
    algorithm = _HASHES[hash_name]()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(algorithm, deterministic_signing=_deterministic()))
    if kind == "pss":
        if _deterministic():
            return _pss_sign_pinned(key, data, hash_name)
        return key.sign(data, padding.PSS(padding.MGF1(algorithm), algorithm.digest_size), algorithm)
    return key.sign(data, padding.PKCS1v15(), algorithm)


def verify(key: object, scheme: int, signature: bytes, data: bytes, tls13: bool) -> bool:
    """True if *signature* over *data* is valid for *key* under *scheme* (and the scheme fits the key)."""
    entry = SCHEMES.get(scheme)
    if entry is None:
        return False
    kind, hash_name, curve = entry
    algorithm = _HASHES[hash_name]()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            if kind != "ecdsa" or (tls13 and key.curve.name != curve):
                return False
            key.verify(signature, data, ec.ECDSA(algorithm))
            return True
        if isinstance(key, rsa.RSAPublicKey):
            if kind == "pss":
                key.verify(signature, data, padding.PSS(padding.MGF1(algorithm), algorithm.digest_size), algorithm)
                return True
            if kind == "pkcs1" and not tls13:
                key.verify(signature, data, padding.PKCS1v15(), algorithm)
                return True
        return False
    except (InvalidSignature, ValueError):
        return False


def certificate_verify_input(transcript_hash: bytes, server: bool) -> bytes:
    """The content a TLS 1.3 CertificateVerify signature covers (RFC 8446 4.4.3)."""
    context = b"TLS 1.3, server CertificateVerify" if server else b"TLS 1.3, client CertificateVerify"
    return b"\x20" * 64 + context + b"\x00" + transcript_hash
