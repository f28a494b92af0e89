"""The Kerberos package description, as Windows 10/11 reports it."""

from __future__ import annotations

from sspi_emu.attributes import SecPkgInfo

__all__ = ["KERBEROS_CAPABILITIES", "KERBEROS_INFO", "KERBEROS_RPCID", "MAX_TOKEN", "package_info"]

#: INTEGRITY | PRIVACY | TOKEN_ONLY | DATAGRAM | CONNECTION | MULTI_REQUIRED | EXTENDED_ERROR
#: | IMPERSONATION | ACCEPT_WIN32_NAME | NEGOTIABLE | GSS_COMPATIBLE | LOGON | MUTUAL_AUTH | DELEGATION
#: | READONLY_WITH_CHECKSUM | RESTRICTED_TOKENS | APPCONTAINER_CHECKS | APPLY_LOOPBACK (42941375).
KERBEROS_CAPABILITIES = 0x028F3BBF
KERBEROS_RPCID = 16  # RPC_C_AUTHN_GSS_KERBEROS
MAX_TOKEN = 48000  # 0xBB80

KERBEROS_INFO = SecPkgInfo(
    fCapabilities=KERBEROS_CAPABILITIES,
    wVersion=1,
    wRPCID=KERBEROS_RPCID,
    cbMaxToken=MAX_TOKEN,
    Name="Kerberos",
    Comment="Microsoft Kerberos V1.0",
)


def package_info() -> SecPkgInfo:
    """A fresh copy of the package description."""
    i = KERBEROS_INFO
    return SecPkgInfo(i.fCapabilities, i.wVersion, i.wRPCID, i.cbMaxToken, i.Name, i.Comment)
