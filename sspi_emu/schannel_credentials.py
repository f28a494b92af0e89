"""Schannel credential structures an application builds for AcquireCredentialsHandle.

:class:`SCH_CREDENTIALS` (with :class:`TLS_PARAMETERS` and :class:`CRYPTO_SETTINGS`), the
legacy :class:`SCHANNEL_CRED`, and :class:`CertContext`, the stand-in for Windows'
``PCCERT_CONTEXT`` (a certificate, optionally its private key and the chain to send), built
from ``cryptography`` objects, PEM or PKCS#12. They are Windows API data structures like
:class:`~sspi_emu.identity.SEC_WINNT_AUTH_IDENTITY`, so they live in the core: code that
only builds a credential (``sspi-emu serve --tls --cert``) needs no security package.
The Schannel package reads them; ``cryptography`` is imported only when a certificate is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence, Union

from . import constants as C

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]

__all__ = [
    "CRYPTO_SETTINGS",
    "PKCS_7_ASN_ENCODING",
    "SCHANNEL_CRED",
    "SCH_CREDENTIALS",
    "TLS_PARAMETERS",
    "CertContext",
    "TlsEngineSettings",
    "TlsParametersCngAlgUsageCertSig",
    "TlsParametersCngAlgUsageCipher",
    "TlsParametersCngAlgUsageDigest",
    "TlsParametersCngAlgUsageKeyExchange",
    "TlsParametersCngAlgUsageSignature",
    "X509_ASN_ENCODING",
    "as_certificates",
]

X509_ASN_ENCODING = 0x00000001
PKCS_7_ASN_ENCODING = 0x00010000

# eTlsAlgorithmUsage
TlsParametersCngAlgUsageKeyExchange = 0
TlsParametersCngAlgUsageSignature = 1
TlsParametersCngAlgUsageCipher = 2
TlsParametersCngAlgUsageDigest = 3
TlsParametersCngAlgUsageCertSig = 4


def _check_key(key: object) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if key is not None and not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise TypeError("only RSA and ECDSA private keys are supported")


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
        _check_key(private_key)
        self.certificate = certificate
        self.private_key = private_key
        self.chain = list(chain)

    @classmethod
    def from_pem(
        cls, certificate_pem: bytes, key_pem: bytes | None = None, password: bytes | None = None
    ) -> CertContext:
        """From PEM: the first certificate is the leaf, the rest the chain; the key may be in either blob."""
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        certs = x509.load_pem_x509_certificates(certificate_pem)
        key = None
        source = key_pem if key_pem is not None else certificate_pem
        if b"PRIVATE KEY" in source:
            loaded = load_pem_private_key(source, password)
            _check_key(loaded)
            key = loaded
        return cls(certs[0], key, certs[1:])  # type: ignore[arg-type]

    @classmethod
    def from_files(
        cls, certificate_file: str, key_file: str | None = None, password: bytes | None = None
    ) -> CertContext:
        """From PEM files (the key may be in the certificate file), or a PKCS#12 file (.pfx / .p12)."""
        with open(certificate_file, "rb") as fh:
            data = fh.read()
        if certificate_file.lower().endswith((".pfx", ".p12")):
            return cls.from_pkcs12(data, password)
        key = None
        if key_file is not None:
            with open(key_file, "rb") as fh:
                key = fh.read()
        return cls.from_pem(data, key, password)

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None = None) -> CertContext:
        """From a PKCS#12 (PFX) blob."""
        from cryptography.hazmat.primitives.serialization import pkcs12

        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        if cert is None:
            raise ValueError("the PKCS#12 blob holds no certificate")
        _check_key(key)
        return cls(cert, key, extra or [])  # type: ignore[arg-type]

    @property
    def pbCertEncoded(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

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
    from cryptography import x509

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


@dataclass
class CRYPTO_SETTINGS:
    """One algorithm to disable (SCH_CREDENTIALS / TLS_PARAMETERS ``pDisabledCrypto``).

    With ``dwMinBitLength`` / ``dwMaxBitLength`` both 0 the algorithm is disabled; otherwise only
    key lengths outside that range are.
    """

    eAlgorithmUsage: int = TlsParametersCngAlgUsageCipher
    strCngAlgId: str = ""
    cChainingModes: int = 0
    rgstrChainingModes: list[str] = field(default_factory=list)
    dwMinBitLength: int = 0
    dwMaxBitLength: int = 0


@dataclass
class TLS_PARAMETERS:
    """One TLS_PARAMETERS entry of SCH_CREDENTIALS (protocols and crypto to disable)."""

    cAlpnIds: int = 0
    rgstrAlpnIds: list[bytes] = field(default_factory=list)
    grbitDisabledProtocols: int = 0
    cDisabledCrypto: int = 0
    pDisabledCrypto: list[CRYPTO_SETTINGS] = field(default_factory=list)
    dwFlags: int = 0


@dataclass
class TlsEngineSettings:
    """sspi-emu extension with no Windows counterpart: TLS engine knobs for reproducing a published handshake.

    Set as ``SCH_CREDENTIALS.EngineSettings`` (or ``SCHANNEL_CRED.EngineSettings``) to make
    the handshake messages match a specification's trace byte for byte (RFC 8448). Real
    Schannel has no such field and chooses these values itself; ``None`` / the defaults
    leave sspi-emu's own choices. Code points are IANA TLS values.
    """

    #: Cipher suites in preference order (offered by a client, preferred by a server); suites the
    #: rest of the credential disables are dropped.
    cipher_suites: tuple[int, ...] | None = None
    #: Client: the groups to send key shares for (each must be enabled).
    key_share_groups: tuple[int, ...] | None = None
    #: The supported_groups list as sent (ClientHello; a server's EncryptedExtensions when
    #: ``send_groups_in_encrypted_extensions``); it may name groups sspi-emu does not implement.
    advertised_groups: tuple[int, ...] | None = None
    #: Client: the signature_algorithms list as sent; it may name schemes sspi-emu does not implement.
    advertised_schemes: tuple[int, ...] | None = None
    #: Client: the order of ClientHello extensions (extension type code points).
    client_extension_order: tuple[int, ...] | None = None
    #: RFC 8449 record_size_limit to announce (None: not sent).
    record_size_limit: int | None = None
    #: Client: send an empty session_ticket extension (RFC 5077) in a TLS 1.3 ClientHello.
    send_session_ticket_extension: bool = False
    #: Server: repeat supported_groups in EncryptedExtensions.
    send_groups_in_encrypted_extensions: bool = False
    #: Server: TLS 1.3 tickets are ``ticket_length`` random bytes (entropy label ``ticket``)
    #: instead of sealed session state; such tickets cannot be resumed.
    random_tickets: bool = False
    #: Server: the length of random tickets.
    ticket_length: int = 32
    #: Server: max_early_data_size announced in tickets (None: no early_data extension).
    ticket_max_early_data: int | None = None


@dataclass
class SCH_CREDENTIALS:
    """The modern Schannel credential (``SCH_CREDENTIALS_VERSION``)."""

    dwVersion: int = C.SCH_CREDENTIALS_VERSION
    dwCredFormat: int = 0
    cCreds: int | None = None
    paCred: list[CertContext] = field(default_factory=list)
    hRootStore: Any = None
    cMappers: int = 0
    aphMappers: list[Any] = field(default_factory=list)
    dwSessionLifespan: int = 0
    dwFlags: int = 0
    cTlsParameters: int | None = None
    pTlsParameters: list[TLS_PARAMETERS] = field(default_factory=list)
    #: sspi-emu extension: False stops a server issuing TLS 1.3 session tickets / TLS 1.2 session ids.
    issue_session_tickets: bool = True
    #: sspi-emu extension (not a Windows field): TLS engine knobs, see :class:`TlsEngineSettings`.
    EngineSettings: TlsEngineSettings | None = None


@dataclass
class SCHANNEL_CRED:
    """The legacy Schannel credential (``SCHANNEL_CRED_VERSION``)."""

    dwVersion: int = C.SCHANNEL_CRED_VERSION
    cCreds: int | None = None
    paCred: list[CertContext] = field(default_factory=list)
    hRootStore: Any = None
    cMappers: int = 0
    aphMappers: list[Any] = field(default_factory=list)
    cSupportedAlgs: int = 0
    palgSupportedAlgs: list[int] = field(default_factory=list)
    grbitEnabledProtocols: int = 0
    dwMinimumCipherStrength: int = 0
    dwMaximumCipherStrength: int = 0
    dwSessionLifespan: int = 0
    dwFlags: int = 0
    dwCredFormat: int = 0
    #: sspi-emu extension: False stops a server issuing TLS 1.3 session tickets / TLS 1.2 session ids.
    issue_session_tickets: bool = True
    #: sspi-emu extension (not a Windows field): TLS engine knobs, see :class:`TlsEngineSettings`.
    EngineSettings: TlsEngineSettings | None = None
