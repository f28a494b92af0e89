"""``win32api``: the two names SSPI code uses (``error``, ``GetUserName``) and a few neighbours."""

from __future__ import annotations

import getpass
import os
import socket

from ...accounts import default_client_identity
from .pywintypes import error

__all__ = ["GetComputerName", "GetDomainName", "GetUserName", "error"]


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
