"""TLS channel bindings for HTTP authentication (RFC 5929 ``tls-server-end-point``)."""

from __future__ import annotations

import hashlib
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes

__all__ = ["channel_bindings_from_certificate", "sec_channel_bindings", "tls_server_end_point"]

_PREFIX = b"tls-server-end-point:"


def tls_server_end_point(cert_der: bytes) -> bytes:
    """The RFC 5929 hash of the server certificate (SHA-256 when it is signed with MD5 / SHA-1)."""
    cert = x509.load_der_x509_certificate(cert_der)
    algo = cert.signature_hash_algorithm
    name = "sha256" if algo is None or isinstance(algo, (hashes.MD5, hashes.SHA1)) else algo.name
    try:
        return hashlib.new(name, cert_der).digest()
    except ValueError:
        return hashlib.sha256(cert_der).digest()


def sec_channel_bindings(application_data: bytes) -> bytes:
    """A SEC_CHANNEL_BINDINGS structure carrying only application data (no addresses)."""
    return struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(application_data), 32) + application_data


def channel_bindings_from_certificate(cert_der: bytes) -> bytes:
    """SEC_CHANNEL_BINDINGS for a TLS server certificate, as an SSPI SECBUFFER_CHANNEL_BINDINGS."""
    return sec_channel_bindings(_PREFIX + tls_server_end_point(cert_der))
