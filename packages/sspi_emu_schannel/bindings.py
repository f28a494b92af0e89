"""Channel bindings (RFC 5929) in the SEC_CHANNEL_BINDINGS layout NTLM / Negotiate consume.

``tls-server-end-point``: a hash of the server certificate, with the certificate's signature
hash (SHA-256 when that is MD5 or SHA-1). ``tls-unique``: the first Finished message of a
TLS 1.2 handshake (not defined for TLS 1.3).
"""

from __future__ import annotations

import hashlib
import struct

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

_HEADER = struct.Struct("<8I")


def sec_channel_bindings(application_data: bytes) -> bytes:
    """A SEC_CHANNEL_BINDINGS structure with only application data (offset 32)."""
    return _HEADER.pack(0, 0, 0, 0, 0, 0, len(application_data), _HEADER.size) + application_data


def server_end_point_hash(certificate: x509.Certificate) -> bytes:
    """The RFC 5929 4.1 hash of *certificate*."""
    algorithm = certificate.signature_hash_algorithm
    name = algorithm.name if algorithm is not None else "sha256"
    if name in ("md5", "sha1"):
        name = "sha256"
    try:
        h = hashlib.new(name)
    except ValueError:
        h = hashlib.sha256()
    h.update(certificate.public_bytes(Encoding.DER))
    return h.digest()


def tls_server_end_point(certificate: x509.Certificate) -> bytes:
    """SEC_CHANNEL_BINDINGS for ``tls-server-end-point``."""
    return sec_channel_bindings(b"tls-server-end-point:" + server_end_point_hash(certificate))


def tls_unique(first_finished: bytes) -> bytes:
    """SEC_CHANNEL_BINDINGS for ``tls-unique``."""
    return sec_channel_bindings(b"tls-unique:" + first_finished)
