"""Throw-away certificates for HTTPS test servers: a CA and server certificates it signs."""

from __future__ import annotations

import datetime
import ipaddress
import os
import tempfile
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .. import entropy

__all__ = ["CertificateAuthority", "IssuedCertificate"]


def _serial() -> int:
    return int.from_bytes(entropy.random_bytes(16, "certificate-serial"), "big") >> 1 or 1


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.fromtimestamp(entropy.now(), datetime.timezone.utc)
    return now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)


@dataclass
class IssuedCertificate:
    """A certificate with its private key (PEM and DER at hand)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def der(self) -> bytes:
        """The certificate, DER."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def cert_pem(self) -> bytes:
        """The certificate, PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """The private key, unencrypted PKCS#8 PEM."""
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def write(self, directory: str | None = None) -> tuple[str, str]:
        """Write certificate and key to files; return (cert path, key path)."""
        folder = directory or tempfile.mkdtemp(prefix="sspi-emu-cert-")
        cert_path = os.path.join(folder, "cert.pem")
        key_path = os.path.join(folder, "key.pem")
        with open(cert_path, "wb") as fh:
            fh.write(self.cert_pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.key_pem)
        return cert_path, key_path


class CertificateAuthority:
    """A self-signed CA (P-256 / ECDSA-SHA256) issuing server and client certificates."""

    def __init__(self, name: str = "sspi-emu test CA") -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        start, end = _validity()
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(_serial()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        self.issued = IssuedCertificate(cert, key)

    @property
    def cert_pem(self) -> bytes:
        """The CA certificate, PEM (a trust anchor for clients)."""
        return self.issued.cert_pem

    def write_ca(self, path: str) -> str:
        """Write the CA certificate to *path*; return it."""
        with open(path, "wb") as fh:
            fh.write(self.cert_pem)
        return path

    def issue(self, common_name: str = "localhost", *, hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
              client: bool = False) -> IssuedCertificate:
        """A certificate for *hosts* (DNS names or IP addresses), for a server unless ``client``."""
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        start, end = _validity()
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.issued.certificate.subject).public_key(key.public_key())
            .serial_number(_serial()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.issued.key.public_key()),
                           critical=False)
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return IssuedCertificate(builder.sign(self.issued.key, hashes.SHA256()), key)
