"""The acquired Schannel credential, read from SCH_CREDENTIALS / SCHANNEL_CRED.

The structures themselves are defined in :mod:`sspi_emu.schannel_credentials` (the core) and
are re-exported here for compatibility.
"""

from __future__ import annotations

import itertools
from typing import Any

from cryptography.x509.verification import Store

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.constants import SecurityStatus
from sspi_emu.entropy import unix_to_filetime
from sspi_emu.errors import SspiError
from sspi_emu.schannel_credentials import SCH_CREDENTIALS, SCHANNEL_CRED, TLS_PARAMETERS
from sspi_emu.spi import Credential

from . import session_cache
from .certs import CertContext, as_certificates
from .cryptopolicy import CRYPTO_SETTINGS, allowed_groups, allowed_suites
from .engine_settings import checked_engine_settings
from .tls.constants import TLS12, TLS13
from .tls.resumption import SessionStore12, TicketProtector
from .validation import system_roots

__all__ = ["SCHANNEL_CRED", "SCH_CREDENTIALS", "TLS_PARAMETERS", "SchannelCredential"]

#: Protocols used when the credential does not say (TLS 1.2 and 1.3, both directions).
DEFAULT_PROTOCOLS = C.SP_PROT_TLS1_2 | C.SP_PROT_TLS1_3
_SERIALS = itertools.count(1)
#: Schannel's default session lifespan (ten hours).
DEFAULT_SESSION_LIFESPAN_MS = 36_000_000


def _roots(store: object) -> list[Any]:
    try:
        return as_certificates(store)
    except (TypeError, ValueError) as exc:
        raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, f"hRootStore: {exc}") from None


def _creds(data: SCH_CREDENTIALS | SCHANNEL_CRED) -> list[CertContext]:
    count = len(data.paCred) if data.cCreds is None else data.cCreds
    if count < 0 or count > len(data.paCred):
        raise SspiError(SecurityStatus.SEC_E_INVALID_PARAMETER, "cCreds does not match paCred")
    out = list(data.paCred[:count])
    for item in out:
        if not isinstance(item, CertContext):
            raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "paCred entries must be CertContext objects")
    return out


class SchannelCredential(Credential):
    """An acquired Schannel credential: certificate(s), enabled protocols, flags and trust roots."""

    def __init__(self, use: int, auth_data: object) -> None:
        self.serial = next(_SERIALS)
        self.use = use
        self.flags = 0
        self.certificates: list[CertContext] = []
        self.extra_roots: list[Any] = []
        disabled: list[CRYPTO_SETTINGS] = []
        algs: list[int] | None = None
        strength = (0, 0)
        protocols = DEFAULT_PROTOCOLS
        lifespan_ms = 0
        #: Whether a server context issues TLS 1.3 session tickets and TLS 1.2 session ids (on, as on
        #: Windows; ``issue_session_tickets=False`` turns it off). A caller must then deliver the server's
        #: final token and handle SEC_I_RENEGOTIATE on the client, as Windows callers do.
        self.issue_tickets = bool(getattr(auth_data, "issue_session_tickets", True))
        #: sspi-emu's TLS engine knobs (``EngineSettings``, not a Windows field), or None.
        self.engine_settings = checked_engine_settings(getattr(auth_data, "EngineSettings", None))
        if auth_data is None:
            pass
        elif isinstance(auth_data, SCH_CREDENTIALS):
            if auth_data.dwVersion != C.SCH_CREDENTIALS_VERSION:
                raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "bad SCH_CREDENTIALS dwVersion")
            self.certificates = _creds(auth_data)
            self.flags = auth_data.dwFlags
            lifespan_ms = auth_data.dwSessionLifespan
            count = len(auth_data.pTlsParameters) if auth_data.cTlsParameters is None else auth_data.cTlsParameters
            for params in auth_data.pTlsParameters[:count]:
                if not params.cAlpnIds and not params.rgstrAlpnIds:
                    protocols &= ~params.grbitDisabledProtocols
                    n = len(params.pDisabledCrypto) if not params.cDisabledCrypto else params.cDisabledCrypto
                    disabled += list(params.pDisabledCrypto[:n])
            self.extra_roots = _roots(auth_data.hRootStore)
        elif isinstance(auth_data, SCHANNEL_CRED):
            if auth_data.dwVersion not in (C.SCHANNEL_CRED_VERSION, C.SCH_CRED_V3, C.SCH_CRED_V2, C.SCH_CRED_V1):
                raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "bad SCHANNEL_CRED dwVersion")
            self.certificates = _creds(auth_data)
            self.flags = auth_data.dwFlags
            lifespan_ms = auth_data.dwSessionLifespan
            if auth_data.grbitEnabledProtocols:
                protocols = auth_data.grbitEnabledProtocols
            n = auth_data.cSupportedAlgs or len(auth_data.palgSupportedAlgs)
            algs = list(auth_data.palgSupportedAlgs[:n]) or None
            strength = (auth_data.dwMinimumCipherStrength, auth_data.dwMaximumCipherStrength)
            self.extra_roots = _roots(auth_data.hRootStore)
        else:
            raise SspiError(
                SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "pAuthData must be SCH_CREDENTIALS or SCHANNEL_CRED"
            )
        self.protocols = protocols
        #: How long sessions stay resumable, in seconds (dwSessionLifespan; 0 means Windows' ten hours).
        self.session_lifespan = (lifespan_ms or DEFAULT_SESSION_LIFESPAN_MS) / 1000
        self._ticket_protector: TicketProtector | None = None
        self._session_store: SessionStore12 | None = None
        for item in disabled:
            if not isinstance(item, CRYPTO_SETTINGS):
                raise SspiError(
                    SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "pDisabledCrypto entries must be CRYPTO_SETTINGS"
                )
        #: Cipher suites and groups this credential allows, in preference order.
        self.cipher_suites = allowed_suites(disabled, algs, *strength)
        self.groups = allowed_groups(disabled)
        if use & C.SECPKG_CRED_INBOUND:
            if not any(c.private_key is not None for c in self.certificates):
                raise SspiError(
                    SecurityStatus.SEC_E_NO_CREDENTIALS, "a server credential needs a certificate with a key"
                )
        cert = self.certificate
        if cert is not None:
            self.principal = cert.certificate.subject.rfc4514_string()
            # AcquireCredentialsHandle's ptsExpiry: the certificate's expiry.
            self.expiry = unix_to_filetime(cert.certificate.not_valid_after_utc.timestamp())
        self._store: Store | None = None

    @property
    def certificate(self) -> CertContext | None:
        """The first certificate with a private key, if any."""
        for c in self.certificates:
            if c.private_key is not None:
                return c
        return None

    def versions(self, server: bool) -> tuple[int, ...]:
        """The TLS versions this credential enables for one side, newest first."""
        if server:
            bits = ((C.SP_PROT_TLS1_3_SERVER, TLS13), (C.SP_PROT_TLS1_2_SERVER, TLS12))
        else:
            bits = ((C.SP_PROT_TLS1_3_CLIENT, TLS13), (C.SP_PROT_TLS1_2_CLIENT, TLS12))
        return tuple(v for bit, v in bits if self.protocols & bit)

    def trust_store(self) -> Store:
        """System roots plus the roots given in ``hRootStore`` (built once per credential)."""
        if self._store is None:
            roots = list(self.extra_roots)
            if not self.flags & C.SCH_CRED_RESTRICTED_ROOTS or not roots:
                roots += system_roots()
            self._store = Store(roots)
        return self._store

    @property
    def reconnects(self) -> bool:
        """False when SCH_CRED_DISABLE_RECONNECTS turns session resumption off."""
        return not self.flags & C.SCH_CRED_DISABLE_RECONNECTS

    def ticket_protector(self) -> TicketProtector:
        """The key this (server) credential seals its session tickets with, made on first use."""
        if self._ticket_protector is None:
            self._ticket_protector = TicketProtector(entropy.random_bytes(32, "ticket-key"))
        return self._ticket_protector

    def session_store(self) -> SessionStore12:
        """This (server) credential's TLS 1.2 session cache, made on first use."""
        if self._session_store is None:
            self._session_store = SessionStore12()
        return self._session_store

    def release(self) -> None:
        self.certificates = []
        self._store = None
        self._ticket_protector = None
        self._session_store = None
        session_cache.forget(self)

    def __repr__(self) -> str:
        return (
            f"SchannelCredential(use={self.use}, certificates={len(self.certificates)}, protocols=0x{self.protocols:X})"
        )
