"""``sspilib`` on sspi-emu: the high-level API (credentials, client/server contexts) and ``sspilib.raw``.

Importable as ``sspilib`` only after ``sspi_emu.compat.install("sspilib")`` (see
:mod:`sspi_emu.compat`). With no user name, :class:`UserCredential` uses the emulated
logged-on user from ``SSPI_EMU_USER`` / ``SSPI_EMU_PASSWORD``.
"""

from __future__ import annotations

from . import raw
from ._context import ClientSecurityContext, SecurityContext, ServerSecurityContext, UnwrapResult
from ._credential import KeytabCredential, UserCredential
from .raw import AscReq, AscRet, IscReq, IscRet, SecChannelBindings, WindowsError

__all__ = [
    "AscReq",
    "AscRet",
    "ClientSecurityContext",
    "IscReq",
    "IscRet",
    "KeytabCredential",
    "SecChannelBindings",
    "SecurityContext",
    "ServerSecurityContext",
    "UnwrapResult",
    "UserCredential",
    "WindowsError",
    "raw",
]
