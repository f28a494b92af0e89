"""CertContext: a certificate (and optionally its private key and chain) standing for Windows' PCCERT_CONTEXT."""

from __future__ import annotations

from typing import Sequence, Union

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key, pkcs12

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]

X509_ASN_ENCODING = 0x00000001
PKCS_7_ASN_ENCODING = 0x00010000


class CertContext:
    """A certificate, its private key (for local certificates) and the intermediates to send with it.

    Build one from ``cryptography`` objects, from PEM (:meth:`from_pem`) or from PKCS#12
    (:meth:`from_pkcs12`). ``pbCertEncoded`` / ``cbCertEncoded`` / ``dwCertEncodingType`` are
    there as Windows names them. The private key never appears in ``repr``.
    """

    __slots__ = ("certificate", "private_key", "chain")

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: PrivateKey | None = None,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        if private_key is not None and not isinstance(private_key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise TypeError("only RSA and ECDSA private keys are supported")
        self.certificate = certificate
        self.private_key = private_key
        self.chain = list(chain)

    @classmethod
    def from_pem(
        cls, certificate_pem: bytes, key_pem: bytes | None = None, password: bytes | None = None
    ) -> CertContext:
        """From PEM: the first certificate is the leaf, the rest the chain; the key may be in either blob."""
        certs = x509.load_pem_x509_certificates(certificate_pem)
        key = None
        source = key_pem if key_pem is not None else certificate_pem
        if b"PRIVATE KEY" in source:
            loaded = load_pem_private_key(source, password)
            if not isinstance(loaded, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
                raise TypeError("only RSA and ECDSA private keys are supported")
            key = loaded
        return cls(certs[0], key, certs[1:])

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None = None) -> CertContext:
        """From a PKCS#12 (PFX) blob."""
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        if cert is None:
            raise ValueError("the PKCS#12 blob holds no certificate")
        if key is not None and not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise TypeError("only RSA and ECDSA private keys are supported")
        return cls(cert, key, extra or [])

    @property
    def pbCertEncoded(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)

    @property
    def cbCertEncoded(self) -> int:
        return len(self.pbCertEncoded)

    @property
    def dwCertEncodingType(self) -> int:
        return X509_ASN_ENCODING | PKCS_7_ASN_ENCODING

    @property
    def has_private_key(self) -> bool:
        return self.private_key is not None

    def __repr__(self) -> str:
        return (
            f"CertContext(subject={self.certificate.subject.rfc4514_string()!r}, "
            f"private_key={'yes' if self.private_key is not None else 'no'}, chain={len(self.chain)})"
        )


def as_certificates(items: object) -> list[x509.Certificate]:
    """Certificates from a root-store argument: None, a certificate, a CertContext, PEM bytes, or a list of those."""
    if items is None:
        return []
    if isinstance(items, x509.Certificate):
        return [items]
    if isinstance(items, CertContext):
        return [items.certificate]
    if isinstance(items, (bytes, bytearray)):
        return list(x509.load_pem_x509_certificates(bytes(items)))
    if isinstance(items, (list, tuple)):
        out: list[x509.Certificate] = []
        for item in items:
            out.extend(as_certificates(item))
        return out
    raise TypeError(f"cannot use {type(items).__name__} as a certificate store")
