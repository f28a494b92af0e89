"""The Kerberos security package object the entry point exposes."""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError

from .client import KerberosClientContext
from .credentials import KerberosCredential
from .info import KERBEROS_INFO
from .server import KerberosServerContext

__all__ = ["KerberosPackage"]


class KerberosPackage:
    """Kerberos V5 (RFC 4120 / 4121): AS, TGS and AP exchanges, RFC 4121 wrap and MIC tokens."""

    info: SecPkgInfo = KERBEROS_INFO
    aliases: tuple[str, ...] = ("Kerberos V5",)

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object,
                            auth_data: object) -> KerberosCredential:
        if not use & (C.SECPKG_CRED_INBOUND | C.SECPKG_CRED_OUTBOUND):
            raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "credential use must be INBOUND and/or OUTBOUND")
        return KerberosCredential.acquire(principal, use, auth_data)

    def client_context(self, cred: object, target: str | None, req: int, data_rep: int) -> KerberosClientContext:
        if not isinstance(cred, KerberosCredential) or not cred.outbound or cred.client is None:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "an OUTBOUND Kerberos credential is needed")
        if req & C.ISC_REQ_USE_SESSION_KEY:
            raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "user-to-user is not supported")
        return KerberosClientContext(cred, target, req)

    def server_context(self, cred: object, req: int, data_rep: int) -> KerberosServerContext:
        if not isinstance(cred, KerberosCredential) or not cred.inbound:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "an INBOUND Kerberos credential is needed")
        if req & (C.ASC_REQ_DELEGATE | C.ASC_REQ_USE_SESSION_KEY):
            raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "delegation / user-to-user not supported")
        return KerberosServerContext(cred, req)

    def __repr__(self) -> str:
        return "KerberosPackage()"
