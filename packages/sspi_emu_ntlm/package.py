"""The NTLM security package object the entry point exposes."""

from __future__ import annotations

import struct

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import DemoProfile

from .client import NtlmClientContext
from .credentials import NtlmCredential
from .exported import NtlmImportedContext, import_context
from .info import NTLM_INFO
from .server import NtlmServerContext

__all__ = ["NtlmPackage"]

#: Characters of pszTargetName that still fit an AV_PAIR (UTF-16, 65535 bytes).
_MAX_TARGET = 0x7FFF


class NtlmPackage:
    """NTLM (MS-NLMP): NTLMv2 by default, v1/LM by LmCompatibilityLevel, sign and seal."""

    info: SecPkgInfo = NTLM_INFO
    aliases: tuple[str, ...] = ()

    def acquire_credentials(
        self, principal: str | None, use: int, logon_id: object, auth_data: object
    ) -> NtlmCredential:
        if not use & (C.SECPKG_CRED_INBOUND | C.SECPKG_CRED_OUTBOUND):
            raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "credential use must be INBOUND and/or OUTBOUND")
        return NtlmCredential.acquire(principal, use, auth_data)

    def client_context(self, cred: object, target: str | None, req: int, data_rep: int) -> NtlmClientContext:
        if not isinstance(cred, NtlmCredential) or not cred.outbound:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "an OUTBOUND NTLM credential is needed")
        if target is not None and len(target) > _MAX_TARGET:
            raise SspiError(SecurityStatus.SEC_E_INVALID_PARAMETER, "target name too long for NTLM")
        return NtlmClientContext(cred, target, req)

    def server_context(self, cred: object, req: int, data_rep: int) -> NtlmServerContext:
        if not isinstance(cred, NtlmCredential) or not cred.inbound:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "an INBOUND NTLM credential is needed")
        return NtlmServerContext(cred, req)

    def import_context(self, data: bytes) -> NtlmImportedContext:
        """ImportSecurityContext: a context from ExportSecurityContext's bytes."""
        return import_context(data)

    def demo_profile(self) -> list[DemoProfile]:
        """``sspi-emu demo``: NTLMv2 with MIC, the same with channel bindings required, and connectionless."""
        from sspi_emu.accounts import MemoryAccountStore
        from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY

        from .settings import CB_ALWAYS, NtlmSettings

        store = MemoryAccountStore()
        store.add("alice", "Passw0rd!", "DEMO")
        ident = SEC_WINNT_AUTH_IDENTITY("alice", "DEMO", "Passw0rd!")
        app = b"tls-server-end-point:" + bytes(range(32))
        blob = struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(app), 32) + app  # SEC_CHANNEL_BINDINGS
        cb = ((C.SECBUFFER_CHANNEL_BINDINGS, blob),)
        return [
            DemoProfile(name="NTLMv2", client_auth_data=ident, server_auth_data=store, target="HTTP/demo.example",
                        note="NTLMv2, extended session security, KEY_EXCH, MIC, MsvAvTargetName"),
            DemoProfile(name="channel bindings", client_auth_data=ident,
                        server_auth_data=NtlmSettings(accounts=store, channel_bindings=CB_ALWAYS),
                        target="HTTP/demo.example", client_buffers=cb, server_buffers=cb,
                        note="MsvAvChannelBindings checked by a server that requires them"),
            DemoProfile(name="connectionless", client_auth_data=ident, server_auth_data=store,
                        target="host/demo.example", server_first=True,
                        client_req=C.ISC_REQ_DATAGRAM | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY,
                        server_req=C.ASC_REQ_DATAGRAM | C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_INTEGRITY,
                        note="datagram NTLM: no NEGOTIATE, the server's CHALLENGE comes first, per-message keys"),
        ]

    def __repr__(self) -> str:
        return "NtlmPackage()"
