"""Schannel: TLS 1.3 (RFC 8446) and TLS 1.2 (RFC 5246) as an SSPI security package.

The TLS protocol is the sans-I/O engine in :mod:`sspi_emu_schannel.tls`; this module is
the package object the dispatcher loads through the ``sspi_emu.packages`` entry point.
Credentials are :class:`SCH_CREDENTIALS` or :class:`SCHANNEL_CRED` with
:class:`CertContext` certificates; :mod:`sspi_emu_schannel.testcerts` makes a CA and a
server certificate on the fly.

Where this emulation knowingly differs from Windows:

- ``hRootStore`` also adds trust roots for a *client* (Windows uses the system store only).
- A server issues TLS 1.3 session tickets, TLS 1.2 session ids and (to clients that send
  the session_ticket extension, as this client does) TLS 1.2 RFC 5077 tickets by default, as Windows does
  (the credential's ``issue_session_tickets=False``, an sspi-emu extension, turns that off):
  a caller sends the server's last token and handles SEC_I_RENEGOTIATE on the client.
- After SEC_I_RENEGOTIATE, SECBUFFER_EXTRA starts with the post-handshake message(s) in the
  clear (then the bytes after their record); the caller hands it to ISC/ASC as the TOKEN.
- TLS 1.3 post-handshake client authentication: a client whose credential holds a
  certificate offers post_handshake_auth; a server context asks once, on the first leg after
  the handshake whose fContextReq newly has ASC_REQ_MUTUAL_AUTH (SEC_E_OK with the
  CertificateRequest as the token). The request and the answer travel as post-handshake
  messages (SEC_I_RENEGOTIATE, then ISC/ASC).
- SECBUFFER_PKG_PARAMS (no Schannel layout is documented): with ISC_REQ_USE_SUPPLIED_CREDS, a
  4-byte little-endian index into the credential's ``paCred`` picks the client certificate
  to present (0xFFFFFFFF: none).
- With a pinned or recording entropy source, RSA-PSS signatures take their salt from the
  entropy source (RSA private operation done here with the CRT numbers) and ECDSA uses
  RFC 6979 nonces, so exchanges replay byte for byte; with the system source ``cryptography``
  signs as usual.
- ChaCha20-Poly1305 has no ALG_ID in wincrypt.h: CONNECTION_INFO reports aiCipher 0 for it.
"""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.errors import SspiError
from sspi_emu.spi import Credential, DemoProfile, PackageContext

from .certs import CertContext
from .context import SchannelContext
from .credentials import SCH_CREDENTIALS, SCHANNEL_CRED, TLS_PARAMETERS, SchannelCredential
from .cryptopolicy import CRYPTO_SETTINGS
from .exporter import SecPkgContext_KeyingMaterialInfo

__all__ = [
    "CRYPTO_SETTINGS",
    "SCHANNEL_CRED",
    "SCH_CREDENTIALS",
    "TLS_PARAMETERS",
    "CertContext",
    "SchannelCredential",
    "SchannelPackage",
    "SecPkgContext_KeyingMaterialInfo",
    "package",
]

#: Schannel's fCapabilities as Windows reports them.
CAPABILITIES = (
    C.SECPKG_FLAG_INTEGRITY
    | C.SECPKG_FLAG_PRIVACY
    | C.SECPKG_FLAG_CONNECTION
    | C.SECPKG_FLAG_MULTI_REQUIRED
    | C.SECPKG_FLAG_EXTENDED_ERROR
    | C.SECPKG_FLAG_IMPERSONATION
    | C.SECPKG_FLAG_ACCEPT_WIN32_NAME
    | C.SECPKG_FLAG_STREAM
    | C.SECPKG_FLAG_MUTUAL_AUTH
)
MAX_TOKEN = 24576

_UNSUPPORTED_ISC = C.ISC_REQ_DATAGRAM | C.ISC_REQ_USE_DCE_STYLE
_UNSUPPORTED_ASC = C.ASC_REQ_DATAGRAM | C.ASC_REQ_USE_DCE_STYLE | C.ASC_REQ_DELEGATE


class SchannelPackage:
    """The Schannel package: credentials and client/server contexts."""

    def __init__(self) -> None:
        self.info = SecPkgInfo(
            fCapabilities=CAPABILITIES,
            wVersion=1,
            wRPCID=C.UNISP_RPC_ID,
            cbMaxToken=MAX_TOKEN,
            Name=C.SCHANNEL_NAME,
            Comment="Schannel Security Package",
        )
        self.aliases: tuple[str, ...] = (C.UNISP_NAME,)

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> Credential:
        return SchannelCredential(use, auth_data)

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        if not isinstance(cred, SchannelCredential):
            raise SspiError(S.SEC_E_WRONG_CREDENTIAL_HANDLE, "not a Schannel credential")
        if req & _UNSUPPORTED_ISC:
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "DTLS / DCE style are not supported")
        return SchannelContext(self.info, cred, False, target, req)

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        if not isinstance(cred, SchannelCredential):
            raise SspiError(S.SEC_E_WRONG_CREDENTIAL_HANDLE, "not a Schannel credential")
        if req & _UNSUPPORTED_ASC:
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "DTLS, DCE style and delegation are not supported")
        return SchannelContext(self.info, cred, True, None, req)

    def demo_profile(self) -> list[DemoProfile]:
        """``sspi-emu demo``: TLS 1.3 and TLS 1.2 with a CA and server certificate made on the fly."""
        from .testcerts import make_ca_and_server

        pki = make_ca_and_server("localhost")
        profiles = []
        for version, disabled in (("TLS 1.3", C.SP_PROT_TLS1_2), ("TLS 1.2", C.SP_PROT_TLS1_3)):
            params = [TLS_PARAMETERS(grbitDisabledProtocols=disabled)]
            profiles.append(
                DemoProfile(
                    client_auth_data=SCH_CREDENTIALS(hRootStore=[pki.ca.certificate], pTlsParameters=params),
                    server_auth_data=SCH_CREDENTIALS(paCred=[pki.server]),
                    target="localhost",
                    name=version,
                    note="CA and server certificate generated on the fly; the client checks the chain and name",
                )
            )
        return profiles

    def __repr__(self) -> str:
        return "SchannelPackage()"


package = SchannelPackage()
