"""sspi-emu Negotiate package: SPNEGO (RFC 4178, MS-SPNG) over the other security packages.

Negotiate drives Kerberos (when a Kerberos package and credentials exist) and NTLM through the
public SSPI, never by importing them. ``package`` is the entry point object.
"""

from __future__ import annotations

from .package import MAX_TOKEN, RPC_ID, NegotiatePackage, package

__all__ = ["MAX_TOKEN", "RPC_ID", "NegotiatePackage", "package"]
