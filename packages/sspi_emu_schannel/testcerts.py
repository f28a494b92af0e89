"""Certificates made on the fly: a CA and a server (or client) certificate it issued, for demos and tests.

Serial numbers and validity come from :mod:`sspi_emu.entropy`; EC keys are derived from
entropy bytes too (so a pinned source gives the same certificates), RSA keys are generated.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sspi_emu import entropy

from .certs import CertContext, PrivateKey

_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
}


def make_key(kind: str = "p256") -> PrivateKey:
    """A private key: "p256", "p384" (derived from entropy) or "rsa2048"."""
    if kind in ("p256", "p384"):
        curve: ec.EllipticCurve = ec.SECP256R1() if kind == "p256" else ec.SECP384R1()
        order = _ORDERS[curve.name]
        seed = int.from_bytes(entropy.random_bytes(curve.key_size // 8 + 8, f"testcert-{kind}"), "big")
        return ec.derive_private_key(seed % (order - 1) + 1, curve)
    if kind == "rsa2048":
        return rsa.generate_private_key(65537, 2048)
    raise ValueError(f"unknown key kind {kind!r}")


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def _serial() -> int:
    return int.from_bytes(entropy.random_bytes(16, "testcert-serial"), "big") >> 1 | 1


def _now() -> datetime:
    return datetime.fromtimestamp(entropy.now(), timezone.utc).replace(microsecond=0)


def make_ca(name: str = "sspi-emu test CA", key_kind: str = "p256", days: int = 30) -> CertContext:
    """A self-signed CA certificate with its key."""
    key = make_key(key_kind)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, _hash_for(key))
    )
    return CertContext(cert, key)


def issue(
    ca: CertContext,
    name: str,
    key_kind: str = "p256",
    *,
    client: bool = False,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> CertContext:
    """A leaf certificate for *name* (DNS name or IP address) signed by *ca*."""
    assert ca.private_key is not None
    key = make_key(key_kind)
    now = _now()
    try:
        san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        san = x509.DNSName(name)
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(not_before or now - timedelta(hours=1))
        .not_valid_after(not_after or now + timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([san]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca.private_key, _hash_for(ca.private_key))
    )
    return CertContext(cert, key)


@dataclass
class TestPki:
    """A CA and a server certificate issued by it."""

    ca: CertContext
    server: CertContext


def make_ca_and_server(name: str = "localhost", key_kind: str = "p256") -> TestPki:
    """A fresh CA and a server certificate for *name*: ``pki.server`` goes in the server's SCH_CREDENTIALS,
    ``pki.ca.certificate`` in the client's ``hRootStore``."""
    ca = make_ca(key_kind=key_kind)
    return TestPki(ca, issue(ca, name, key_kind))
