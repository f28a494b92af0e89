"""The Negotiate security package object: its description and factories.

``cbMaxToken`` is 48256, what current Windows reports for Negotiate: the Kerberos
MaxTokenSize default since Windows 8 / Server 2012 (48000) plus 256 bytes of SPNEGO framing.
(Windows 7 and earlier report 12256 = 12000 + 256.) ``fCapabilities`` is Windows' 0x00083BB3.
"""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import Credential, PackageContext

from .client import NegotiateClient
from .credential import DEFAULT_MECHANISMS, NegotiateCredential
from .exported import import_context
from .server import NegotiateServer

#: RPC_C_AUTHN_GSS_NEGOTIATE.
RPC_ID = 9
MAX_TOKEN = 48256
CAPABILITIES = (
    C.SECPKG_FLAG_INTEGRITY
    | C.SECPKG_FLAG_PRIVACY
    | C.SECPKG_FLAG_CONNECTION
    | C.SECPKG_FLAG_MULTI_REQUIRED
    | C.SECPKG_FLAG_EXTENDED_ERROR
    | C.SECPKG_FLAG_IMPERSONATION
    | C.SECPKG_FLAG_ACCEPT_WIN32_NAME
    | C.SECPKG_FLAG_NEGOTIABLE
    | C.SECPKG_FLAG_GSS_COMPATIBLE
    | C.SECPKG_FLAG_LOGON
    | C.SECPKG_FLAG_RESTRICTED_TOKENS
)
assert CAPABILITIES == 0x00083BB3


class NegotiatePackage:
    """Negotiate: SPNEGO over the other packages, reached through the SSPI by name."""

    aliases: tuple[str, ...] = ("SPNEGO",)

    def __init__(self, mechanisms: tuple[str, ...] = DEFAULT_MECHANISMS) -> None:
        self.info = SecPkgInfo(CAPABILITIES, 1, RPC_ID, MAX_TOKEN, "Negotiate", "Microsoft Package Negotiator")
        self.mechanisms = mechanisms

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> Credential:
        """Acquire the inner packages' credentials (Kerberos first, then NTLM; PackageList honoured)."""
        return NegotiateCredential.acquire(self.mechanisms, principal, use, logon_id, auth_data)

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        if not isinstance(cred, NegotiateCredential):
            raise SspiError(SecurityStatus.SEC_E_INVALID_HANDLE, "not a Negotiate credential")
        return NegotiateClient(self.info, cred, target, req, data_rep)

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        if not isinstance(cred, NegotiateCredential):
            raise SspiError(SecurityStatus.SEC_E_INVALID_HANDLE, "not a Negotiate credential")
        return NegotiateServer(self.info, cred, req, data_rep)

    def import_context(self, data: bytes) -> PackageContext:
        """ImportSecurityContext: the mechanism's context is imported through the SSPI by its package."""
        return import_context(data, self.info)

    def __repr__(self) -> str:
        return f"NegotiatePackage(mechanisms={self.mechanisms!r})"


package = NegotiatePackage()
