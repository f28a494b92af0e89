"""The NTLM security package object the entry point exposes."""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError

from .client import NtlmClientContext
from .credentials import NtlmCredential
from .info import NTLM_INFO
from .server import NtlmServerContext

__all__ = ["NtlmPackage"]


class NtlmPackage:
    """NTLM (MS-NLMP): NTLMv2 by default, v1/LM by LmCompatibilityLevel, sign and seal."""

    info: SecPkgInfo = NTLM_INFO
    aliases: tuple[str, ...] = ("MSV1_0", "NTLM SSP")

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> NtlmCredential:
        if not use & (C.SECPKG_CRED_INBOUND | C.SECPKG_CRED_OUTBOUND):
            raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "credential use must be INBOUND and/or OUTBOUND")
        return NtlmCredential.acquire(principal, use, auth_data)

    def client_context(self, cred: object, target: str | None, req: int, data_rep: int) -> NtlmClientContext:
        if not isinstance(cred, NtlmCredential) or not cred.outbound:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "an OUTBOUND NTLM credential is needed")
        return NtlmClientContext(cred, target, req)

    def server_context(self, cred: object, req: int, data_rep: int) -> NtlmServerContext:
        if not isinstance(cred, NtlmCredential) or not cred.inbound:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "an INBOUND NTLM credential is needed")
        return NtlmServerContext(cred, req)

    def __repr__(self) -> str:
        return "NtlmPackage()"
