"""``win32api``: the two names SSPI code uses (``error``, ``GetUserName``) and a few neighbours."""

from __future__ import annotations

import getpass
import os
import socket

from ...accounts import default_client_identity
from .pywintypes import error

__all__ = ["GetComputerName", "GetDomainName", "GetUserName", "GetUserNameEx", "NameSamCompatible", "error"]

NameUnknown = 0
NameFullyQualifiedDN = 1
NameSamCompatible = 2
NameDisplay = 3
NameUserPrincipal = 8


def GetUserName() -> str:
    """The emulated logged-on user: the user part of ``SSPI_EMU_USER``, else the OS login name."""
    ident = default_client_identity()
    if ident is not None:
        return ident.user
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in this environment
        return os.environ.get("USER", "user")


def GetDomainName() -> str:
    """The emulated logon domain: the domain part of ``SSPI_EMU_USER``, else the host name in capitals."""
    ident = default_client_identity()
    if ident is not None and ident.domain:
        return ident.domain
    return GetComputerName()


def GetComputerName() -> str:
    """The host name in capitals, as NetBIOS names are."""
    return socket.gethostname().split(".")[0].upper()[:15]


def GetUserNameEx(NameFormat: int) -> str:
    """The emulated user in a few of Windows' formats (SamCompatible, Display, UserPrincipal); others: error."""
    user, domain = GetUserName(), GetDomainName()
    if NameFormat == NameSamCompatible:
        return f"{domain}\\{user}"
    if NameFormat == NameDisplay:
        return user
    if NameFormat == NameUserPrincipal:
        return f"{user}@{domain.lower()}"
    raise error(1332, "GetUserNameEx", "No mapping between account names and security IDs was done.")
