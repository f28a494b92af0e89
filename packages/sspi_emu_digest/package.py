"""The WDigest security package: HTTP Digest with ISC_REQ_HTTP / ASC_REQ_HTTP, else SASL DIGEST-MD5."""

from __future__ import annotations

from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_DELEGATE,
    ASC_REQ_HTTP,
    ASC_REQ_MUTUAL_AUTH,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_DELEGATE,
    ISC_REQ_HTTP,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_REQ_PROMPT_FOR_CREDS,
    SECBUFFER_PKG_PARAMS,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECPKG_FLAG_ACCEPT_WIN32_NAME,
    SECPKG_FLAG_APPCONTAINER_CHECKS,
    SECPKG_FLAG_IMPERSONATION,
    SECPKG_FLAG_INTEGRITY,
    SECPKG_FLAG_PRIVACY,
    SECPKG_FLAG_TOKEN_ONLY,
    SecurityStatus,
)
from sspi_emu.errors import SspiError
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY
from sspi_emu.spi import Credential, DemoProfile, PackageContext

from .base import DigestContextBase
from .credentials import DigestCredential
from .exported import import_context
from .http_context import HttpClientContext, HttpServerContext
from .sasl_context import SaslClientContext, SaslServerContext

__all__ = ["DigestPackage", "PACKAGE_INFO", "RPC_C_AUTHN_DIGEST"]

#: The RPC authentication service id of Digest (``RPC_C_AUTHN_DIGEST``), which Windows reports.
RPC_C_AUTHN_DIGEST = 21

#: What Windows' WDigest reports (Get-SecurityPackages: TOKEN_ONLY, IMPERSONATION,
#: ACCEPT_WIN32_NAME, APPCONTAINER_CHECKS; version 1; RPC id 21; max token 4096), plus
#: INTEGRITY and PRIVACY, which the SASL security layer provides here.
PACKAGE_INFO = SecPkgInfo(
    fCapabilities=(
        SECPKG_FLAG_TOKEN_ONLY
        | SECPKG_FLAG_IMPERSONATION
        | SECPKG_FLAG_ACCEPT_WIN32_NAME
        | SECPKG_FLAG_APPCONTAINER_CHECKS
        | SECPKG_FLAG_INTEGRITY
        | SECPKG_FLAG_PRIVACY
    ),
    wVersion=1,
    wRPCID=RPC_C_AUTHN_DIGEST,
    cbMaxToken=4096,
    Name="WDigest",
    Comment="Digest Authentication for Windows",
)
DigestContextBase.package_info = PACKAGE_INFO


class DigestPackage:
    """The package object the entry point ``sspi_emu_digest:package`` names."""

    info = PACKAGE_INFO
    aliases: tuple[str, ...] = ("Digest",)

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> Credential:
        """AcquireCredentialsHandle (Digest)."""
        return DigestCredential(use, principal, auth_data)

    @staticmethod
    def _cred(cred: Credential, need: int) -> DigestCredential:
        if not isinstance(cred, DigestCredential):
            raise SspiError(SecurityStatus.SEC_E_INVALID_HANDLE, "not a Digest credential")
        if not cred.use & need:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "credential direction does not allow this")
        return cred

    def import_context(self, data: bytes) -> PackageContext:
        """ImportSecurityContext (Digest): an established context from ExportSecurityContext's bytes."""
        return import_context(data)

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        """InitializeSecurityContext (Digest): a new client context."""
        dc = self._cred(cred, SECPKG_CRED_OUTBOUND)
        if req & (ISC_REQ_DELEGATE | ISC_REQ_PROMPT_FOR_CREDS):
            raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "Digest cannot delegate or prompt")
        if req & ISC_REQ_HTTP:
            return HttpClientContext(dc, target, req)
        return SaslClientContext(dc, target, req)

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        """AcceptSecurityContext (Digest): a new server context."""
        dc = self._cred(cred, SECPKG_CRED_INBOUND)
        if req & ASC_REQ_DELEGATE:
            raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "Digest cannot delegate")
        if req & ASC_REQ_HTTP:
            return HttpServerContext(dc, req)
        return SaslServerContext(dc, req)

    def demo_profile(self) -> list[DemoProfile]:
        """``sspi-emu demo``: HTTP Digest with mutual authentication, then SASL DIGEST-MD5 with auth-conf."""
        def profile(name: str, note: str, **kw: object) -> DemoProfile:
            store = MemoryAccountStore()
            store.add("alice", "Passw0rd!", "DEMO")
            ident = SEC_WINNT_AUTH_IDENTITY("alice", "DEMO", "Passw0rd!")
            return DemoProfile(name=name, note=note, client_auth_data=ident, server_auth_data=store,
                               server_first=True, **kw)  # type: ignore[arg-type]

        http_params = ((SECBUFFER_PKG_PARAMS, b"GET"), (SECBUFFER_PKG_PARAMS, b"/index.html"))
        return [
            profile(
                "HTTP", "RFC 7616 challenge / Authorization / Authentication-Info (rspauth checked)",
                target="/index.html", client_req=ISC_REQ_HTTP | ISC_REQ_MUTUAL_AUTH,
                server_req=ASC_REQ_HTTP | ASC_REQ_MUTUAL_AUTH, client_buffers=http_params,
                server_buffers=http_params, wrap=False,
            ),
            profile(
                "SASL", "RFC 2831 DIGEST-MD5, qop=auth-conf, then a sealed round trip",
                target="imap/demo.example", client_req=ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY,
                server_req=ASC_REQ_CONFIDENTIALITY, wrap=True,
            ),
        ]

    def __repr__(self) -> str:
        return "DigestPackage(WDigest)"
