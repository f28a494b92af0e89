"""CertContext (Windows' PCCERT_CONTEXT stand-in): defined in the core, :mod:`sspi_emu.schannel_credentials`.

Kept importable from here for compatibility.
"""

from __future__ import annotations

from typing import Union

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sspi_emu.schannel_credentials import PKCS_7_ASN_ENCODING, X509_ASN_ENCODING, CertContext, as_certificates

PrivateKey = Union[ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]

__all__ = ["PKCS_7_ASN_ENCODING", "X509_ASN_ENCODING", "CertContext", "PrivateKey", "as_certificates"]
