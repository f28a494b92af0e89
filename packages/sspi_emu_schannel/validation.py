"""Server-certificate validation with ``cryptography.x509.verification``, mapped to Schannel statuses."""

from __future__ import annotations

import ipaddress
import ssl
import threading
import warnings
from datetime import datetime, timezone

from cryptography import x509
from cryptography.x509 import DNSName, IPAddress
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from sspi_emu import entropy
from sspi_emu.constants import SecurityStatus

from .tls.codec import TlsError
from .tls.constants import AlertDescription

_lock = threading.Lock()
_system: list[x509.Certificate] | None = None


def system_roots() -> list[x509.Certificate]:
    """The operating system's trusted roots (the OpenSSL default CA file), loaded once."""
    global _system
    with _lock:
        if _system is None:
            roots: list[x509.Certificate] = []
            paths = ssl.get_default_verify_paths()
            for path in (paths.cafile, paths.openssl_cafile):
                if not path:
                    continue
                try:
                    with open(path, "rb") as fh, warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        roots = list(x509.load_pem_x509_certificates(fh.read()))
                    break
                except (OSError, ValueError):
                    continue
            _system = roots
        return _system


def _subject(name: str) -> DNSName | IPAddress:
    if not (":" in name or name.replace(".", "").isdigit()):
        return DNSName(name)
    try:
        return IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return DNSName(name)


def _leaf_name(leaf: x509.Certificate) -> str | None:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    for n in san.get_values_for_type(x509.DNSName):
        return n.replace("*.", "wildcard.", 1)
    for ip in san.get_values_for_type(x509.IPAddress):
        return str(ip)
    return None


def _verify(store: Store, when: datetime, name: str, chain: list[x509.Certificate]) -> None:
    verifier = PolicyBuilder().store(store).time(when).build_server_verifier(_subject(name))
    verifier.verify(chain[0], chain[1:])


def verify_server(chain: list[x509.Certificate], target: str | None, store: Store, check_name: bool = True) -> None:
    """Check the server chain against *store* and *target*; raise TlsError carrying the Schannel status.

    Expired leaf → SEC_E_CERT_EXPIRED; chain not ending in a trusted root → SEC_E_UNTRUSTED_ROOT;
    name not in the certificate → SEC_E_WRONG_PRINCIPAL.
    """
    when = datetime.fromtimestamp(entropy.now(), timezone.utc)
    leaf = chain[0]
    if when > leaf.not_valid_after_utc or when < leaf.not_valid_before_utc:
        raise TlsError(AlertDescription.CERTIFICATE_EXPIRED, "certificate expired", SecurityStatus.SEC_E_CERT_EXPIRED)
    own_name = None if (target and check_name) else _leaf_name(leaf)
    name = target if (target and check_name) else own_name
    if name is None:
        raise TlsError(AlertDescription.BAD_CERTIFICATE, "certificate names nothing", SecurityStatus.SEC_E_CERT_UNKNOWN)
    try:
        _verify(store, when, name, chain)
        return
    except (VerificationError, ValueError) as exc:
        first = str(exc)
    if own_name is None:
        own_name = _leaf_name(leaf)
    if own_name is not None and own_name != name:
        try:
            _verify(store, when, own_name, chain)
        except (VerificationError, ValueError):
            pass
        else:
            raise TlsError(
                AlertDescription.BAD_CERTIFICATE, f"name mismatch for {name!r}", SecurityStatus.SEC_E_WRONG_PRINCIPAL
            )
    if "expired" in first or "not yet valid" in first or "validity" in first:
        raise TlsError(AlertDescription.CERTIFICATE_EXPIRED, first, SecurityStatus.SEC_E_CERT_EXPIRED)
    raise TlsError(AlertDescription.UNKNOWN_CA, first, SecurityStatus.SEC_E_UNTRUSTED_ROOT)


def verify_client(chain: list[x509.Certificate], store: Store) -> None:
    """Check a client certificate chain against *store*; a rejected one gives SEC_E_LOGON_DENIED."""
    when = datetime.fromtimestamp(entropy.now(), timezone.utc)
    leaf = chain[0]
    if when > leaf.not_valid_after_utc or when < leaf.not_valid_before_utc:
        raise TlsError(
            AlertDescription.CERTIFICATE_EXPIRED, "client certificate expired", SecurityStatus.SEC_E_CERT_EXPIRED
        )
    try:
        PolicyBuilder().store(store).time(when).build_client_verifier().verify(leaf, chain[1:])
    except (VerificationError, ValueError) as exc:
        raise TlsError(AlertDescription.UNKNOWN_CA, str(exc), SecurityStatus.SEC_E_LOGON_DENIED) from None
