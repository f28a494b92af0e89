"""The Kerberos security package object the entry point exposes."""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import DemoProfile

from .client import KerberosClientContext
from .credentials import KerberosCredential
from .exported import KerberosImportedContext, import_context
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
        return KerberosClientContext(cred, target, req)

    def server_context(self, cred: object, req: int, data_rep: int) -> KerberosServerContext:
        if not isinstance(cred, KerberosCredential) or not cred.inbound:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "an INBOUND Kerberos credential is needed")
        if req & C.ASC_REQ_DELEGATE:
            raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "ASC_REQ_DELEGATE is not supported (Windows)")
        return KerberosServerContext(cred, req)

    def demo_profile(self) -> list[DemoProfile]:
        """``sspi-emu demo``: a mutual exchange and a sealed round trip against an in-memory KDC."""
        from .credentials import KerberosSettings
        from .keytab import KeytabEntry
        from .memory_kdc import MemoryKdc

        realm, spn = "DEMO.EXAMPLE", "HTTP/demo.example"
        kdc = MemoryKdc(realm, {"alice": "Passw0rd!"}, {spn: "service-Passw0rd!"})
        keytab = [KeytabEntry(realm, ("HTTP", "demo.example"), 1, kdc.service_key(spn), 2)]
        note = ("in-memory KDC for DEMO.EXAMPLE; for a real realm set KRB5_CONFIG (or SSPI_EMU_REALM and "
                "SSPI_EMU_KDC=host:port), give the client a password or a kinit ccache and the server a keytab")
        return [DemoProfile(
            name="AP exchange", note=note, target=spn,
            client_auth_data=KerberosSettings(user=f"alice@{realm}", password="Passw0rd!", transport=kdc),  # noqa: S106
            server_auth_data=KerberosSettings(keytab=keytab),
            client_req=C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY
            | C.ISC_REQ_SEQUENCE_DETECT,
        )]

    def import_context(self, data: bytes) -> KerberosImportedContext:
        """ImportSecurityContext: a context from ExportSecurityContext's bytes."""
        return import_context(data)

    def __repr__(self) -> str:
        return "KerberosPackage()"
