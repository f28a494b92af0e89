"""WDigest: HTTP Digest (RFC 7616, RFC 2617) and SASL DIGEST-MD5 (RFC 2831), client and server.

Registered as ``WDigest`` (alias ``Digest``). ``ISC_REQ_HTTP`` / ``ASC_REQ_HTTP`` select HTTP
Digest; without them the package is the SASL mechanism. See :mod:`.base` for the input
buffer convention, :mod:`.credentials` for credentials and stored secrets,
:mod:`.http_subsequent` for further HTTP requests (MakeSignature / VerifySignature both ways,
``nextnonce``) and :mod:`.sasl_sessions` for SASL subsequent authentication.
"""

from __future__ import annotations

from .credentials import CNONCE_ALPHABET, DigestCredential, DigestIdentity, DigestServerOptions, ha1_secret_key
from .package import PACKAGE_INFO, DigestPackage

__all__ = [
    "package",
    "DigestPackage",
    "DigestIdentity",
    "DigestServerOptions",
    "DigestCredential",
    "ha1_secret_key",
    "CNONCE_ALPHABET",
    "PACKAGE_INFO",
]

#: The package object the ``sspi_emu.packages`` entry point loads.
package = DigestPackage()
