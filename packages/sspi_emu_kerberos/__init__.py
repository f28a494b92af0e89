"""Kerberos security package for sspi-emu (RFC 4120 / 4121 / 3961 / 3962 / 8009).

The entry point ``sspi_emu_kerberos:package`` registers it as ``Kerberos``. Configure
it with krb5.conf (``KRB5_CONFIG``), ``SSPI_EMU_REALM`` / ``SSPI_EMU_KDC``, or pass a
:class:`KerberosSettings` (or a ``SEC_WINNT_AUTH_IDENTITY``) as the credential's auth data.
Without a realm and KDC, acquiring client credentials fails fast with SEC_E_NO_CREDENTIALS.
A ``kdc`` that is an ``https://`` URL (krb5.conf, ``SSPI_EMU_KDC``, ``KerberosSettings.kdc_proxy``)
is an MS-KKDCP KDC proxy, reached over TLS by the Schannel package (see :mod:`.kdc_proxy`).
"""

from __future__ import annotations

from .credentials import KerberosSettings
from .kdc_client import TicketGrant
from .keytab import KeytabEntry, read_keytab, write_keytab
from .package import KerberosPackage
from .server import KerberosAccessToken

__all__ = [
    "KerberosAccessToken",
    "KerberosPackage",
    "KerberosSettings",
    "KeytabEntry",
    "TicketGrant",
    "package",
    "read_keytab",
    "write_keytab",
]

package = KerberosPackage()
