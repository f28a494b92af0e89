"""Kerberos credentials: the client's identity, TGT and ticket cache, or the acceptor's keys."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sspi_emu import accounts, entropy
from sspi_emu.attributes import SecPkgCredentials_KdcProxySettings, SecPkgCredentials_Names
from sspi_emu.constants import (
    KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY,
    KDC_PROXY_SETTINGS_V1,
    SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
)
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.context import Credential as SspiCredential
from sspi_emu.errors import SspiError
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY
from sspi_emu.spi import Credential

from . import enctypes
from .ccache import CachedCredential, Ccache, CcacheError, default_ccache_path, read_ccache, write_ccache
from .config import KerberosConfig, add_kdc, load_config
from .kdc_client import KdcClient, TicketGrant, kdc_realm
from .kdc_proxy import (
    DIRECT_FIRST,
    PROXY_FIRST,
    PROXY_ONLY,
    KdcProxyError,
    KdcProxyTransport,
    RealmTransport,
    parse_proxy_url,
)
from .keys import Key
from .keytab import KeytabEntry, KeytabError, read_keytab
from .messages import PrincipalName, Ticket
from .principal import NT_SRV_INST, format_principal, parse_spn, parse_user
from .replay import ReplayCache
from .transport import KdcTransport, SocketTransport

log = logging.getLogger("sspi_emu.kerberos")

#: The most realms a service ticket request walks through (cross-realm TGTs and referrals).
MAX_REALM_HOPS = 5

__all__ = ["KerberosCredential", "KerberosSettings"]


@dataclass
class KerberosSettings:
    """What a caller may pass as ``pAuthData`` to configure Kerberos (all optional).

    ``user`` / ``password`` (or ``keytab`` entries for the client) name the client;
    ``realm`` and ``kdc`` ("host:port" strings) override the configuration; ``transport``
    replaces the network (a callable ``(realm, request) -> reply``). For an acceptor,
    ``keytab`` (a path or entries) or ``service`` + ``password`` give the service keys.
    ``ccache`` names an MIT FILE credential cache (default: ``KRB5CCNAME``) used when no
    password is given; ``tgt`` is a TGT to use directly (e.g. one delegated to a server).
    ``ccache_out`` names a FILE cache this client writes its TGT and service tickets to as it
    gets them (as ``kinit`` and the GSS-API do), for MIT tools and libraries to use.
    ``enforce_ok_as_delegate`` (Windows' behaviour) delegates only to services whose ticket
    carries OK-AS-DELEGATE; set it False to delegate whenever ISC_REQ_DELEGATE is asked (MIT's).

    KDC proxy (MS-KKDCP, what Windows sets with SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS): ``kdc_proxy``
    is an ``https://host[:port]/path`` URL, or Windows' ``host[:port[:path]]`` form, or a list of
    them; the realm's KDC is then reached through it over TLS by the Schannel package. (A ``kdc``
    entry that is an https URL does the same.) ``kdc_proxy_roots`` are extra trust roots for the
    proxy's certificate (x509 certificates or PEM bytes); ``kdc_proxy_credential`` is a ready
    outbound ``sspi_emu.Credential("Schannel", ...)`` to use instead.
    """

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    realm: str | None = None
    kdc: list[str] | None = None
    transport: KdcTransport | None = field(default=None, repr=False)
    keytab: str | list[KeytabEntry] | None = field(default=None, repr=False)
    service: str | None = None
    ccache: str | None = None
    ccache_out: str | None = None
    tgt: TicketGrant | None = field(default=None, repr=False)
    enforce_ok_as_delegate: bool = True
    clock_skew: int = 300
    timeout: float = 1.5
    etypes: tuple[int, ...] = enctypes.DEFAULT_ENCTYPES
    kdc_proxy: str | list[str] | None = None
    kdc_proxy_roots: list[object] | None = field(default=None, repr=False)
    kdc_proxy_credential: SspiCredential | None = field(default=None, repr=False)


def _proxy_url(text: str) -> str:
    """An https URL from a KDC proxy setting (Windows' ``host[:port[:path]]`` accepted)."""
    text = text.strip()
    if not text.lower().startswith("https://"):
        host, _, rest = text.partition(":")
        port, _, path = rest.partition(":")
        text = f"https://{host}:{port or 443}/{path or 'KdcProxy'}"
    try:
        parse_proxy_url(text)
    except KdcProxyError as exc:
        raise SspiError(S.SEC_E_UNKNOWN_CREDENTIALS, str(exc)) from None
    return text


def _load_keytab(source: str | list[KeytabEntry]) -> list[KeytabEntry]:
    if isinstance(source, list):
        return source
    try:
        return read_keytab(source)
    except (OSError, KeytabError) as exc:
        raise SspiError(S.SEC_E_NO_CREDENTIALS, f"keytab unusable: {type(exc).__name__}") from None


class KerberosCredential(Credential):
    """An acquired Kerberos credential. Secrets and tickets stay out of repr."""

    def __init__(self, use: int, settings: KerberosSettings, config: KerberosConfig) -> None:
        self.use = use
        self.settings = settings
        self.config = config
        self.client: PrincipalName | None = None
        self.realm: str | None = None
        self._password: str | None = None
        self._client_keys: list[Key] = []
        self._tgt: TicketGrant | None = None
        self._tickets: dict[tuple[str, str], TicketGrant] = {}
        self._lock = threading.Lock()
        self.acceptor_keys: list[KeytabEntry] = []
        self.acceptor_service: tuple[PrincipalName, str] | None = None
        self._acceptor_password: str | None = None
        self._derived: dict[tuple[int, str], Key] = {}
        self.replay = ReplayCache(settings.clock_skew)
        #: KDC proxy URLs set with SetCredentialsAttributes (they replace the configured ones).
        self._proxy_override: list[str] | None = None
        self._realm_transport: RealmTransport | None = None
        transport = settings.transport
        if transport is None:
            direct = SocketTransport(self._locate, settings.timeout, config.udp_preference_limit)
            tls = settings.kdc_proxy_credential
            if tls is not None and not isinstance(tls, SspiCredential):
                raise SspiError(S.SEC_E_UNKNOWN_CREDENTIALS, "kdc_proxy_credential must be an sspi_emu.Credential")
            roots = list(settings.kdc_proxy_roots or []) + list(config.anchor_pems())
            proxy = KdcProxyTransport(self._proxies_for, settings.timeout, tls, roots or None)
            if settings.kdc_proxy_roots and tls is None:
                _ = proxy.credential  # unusable roots fail AcquireCredentialsHandle, not the first ISC
            transport = self._realm_transport = RealmTransport(self._proxies_for, proxy, direct, config.kdcs_for)
        self.kdc = KdcClient(transport, settings.etypes)

    def _locate(self, realm: str) -> list[tuple[str, int]]:
        return self.config.kdcs_for(realm)

    def _proxies_for(self, realm: str) -> list[str]:
        override = self._proxy_override
        return override if override is not None else self.config.proxies_for(realm)

    def _reachable(self, realm: str) -> bool:
        """True when a transport was given or a KDC or KDC proxy is configured for *realm*."""
        return (self.settings.transport is not None or bool(self.config.kdcs_for(realm))
                or bool(self._proxies_for(realm)))

    def set_attribute(self, attribute: int, value: Any) -> S:
        """SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS: reach the KDC through an MS-KKDCP proxy, as Windows does.

        Without ``KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY`` the realm's KDCs are tried first and the
        proxy when they cannot be reached; with it, only the proxy. An empty ``ProxyServer``
        goes back to the configured proxies.
        """
        if attribute != SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS:
            return S.SEC_E_UNSUPPORTED_FUNCTION
        if not isinstance(value, SecPkgCredentials_KdcProxySettings) or value.Version != KDC_PROXY_SETTINGS_V1:
            return S.SEC_E_INVALID_PARAMETER
        if value.ClientTlsCred:
            log.debug("Kerberos: a client certificate for the KDC proxy is not supported")
            return S.SEC_E_UNSUPPORTED_FUNCTION
        transport = self._realm_transport
        if transport is None:
            return S.SEC_E_UNSUPPORTED_FUNCTION  # a transport given in the settings replaces the network
        server = (value.ProxyServer or "").strip()
        if not server:
            self._proxy_override = None
            transport.order = PROXY_FIRST
            return S.SEC_E_OK
        try:
            url = _proxy_url(server)
        except SspiError:
            return S.SEC_E_INVALID_PARAMETER
        self._proxy_override = [url]
        transport.order = PROXY_ONLY if value.Flags & KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY else DIRECT_FIRST
        return S.SEC_E_OK

    @property
    def outbound(self) -> bool:
        """True when the credential may start client contexts."""
        return bool(self.use & SECPKG_CRED_OUTBOUND)

    @property
    def inbound(self) -> bool:
        """True when the credential may accept contexts."""
        return bool(self.use & SECPKG_CRED_INBOUND)

    # -- client -------------------------------------------------------------------------

    def tgt(self) -> TicketGrant:
        """The TGT, from the cache or a fresh AS exchange."""
        with self._lock:
            now = entropy.now()
            if self._tgt is not None and self._tgt.valid_at(now):
                return self._tgt
            assert self.client is not None and self.realm is not None
            self._tgt = self.kdc.as_exchange(self.client, self.realm, self._password, self._client_keys)
            self._store_tickets()
            return self._tgt

    def service_ticket(self, service: PrincipalName, realm: str | None) -> TicketGrant:
        """A service ticket for *service*, from the cache or TGS exchanges.

        The service's realm is *realm*, else what [domain_realm] says of its host, else the
        client's. Another realm is reached through cross-realm TGTs (krbtgt/REALM), and a KDC's
        referral (a TGT where a service ticket was asked for) is followed, up to
        :data:`MAX_REALM_HOPS` realms.
        """
        tgt = self.tgt()
        host = service.components[1] if len(service.components) >= 2 else ""
        realm = realm or (self.config.realm_for_host(host) if host else None) or tgt.crealm
        cache_key = (str(service), realm)
        with self._lock:
            hit = self._tickets.get(cache_key)
            if hit is not None and hit.valid_at(entropy.now()):
                return hit
        grant = self._walk_realms(tgt, service, realm)
        with self._lock:
            self._tickets[cache_key] = grant
            self._store_tickets()
        return grant

    def _store_tickets(self) -> None:
        """Write the TGT and service tickets to ``ccache_out`` (caller holds the lock)."""
        path = self.settings.ccache_out
        tgt = self._tgt
        if not path or tgt is None:
            return
        creds = [CachedCredential(g.client, g.crealm, g.server, g.srealm, g.key, g.authtime, g.authtime, g.endtime,
                                  0, g.flags, g.ticket) for g in (tgt, *self._tickets.values())]
        try:
            write_ccache(path, Ccache(tgt.client, tgt.crealm, creds))
        except CcacheError as exc:
            log.warning("Kerberos: tickets not stored in %s (%s)", path, exc)

    def _walk_realms(self, tgt: TicketGrant, service: PrincipalName, target: str) -> TicketGrant:
        current = tgt
        for _ in range(MAX_REALM_HOPS):
            here = kdc_realm(current)
            want = service if here == target else PrincipalName(NT_SRV_INST, ("krbtgt", target))
            grant = self.kdc.tgs_exchange(current, want, here)
            comps = grant.server.components
            if comps[:1] != ("krbtgt",) or service.components[:1] == ("krbtgt",):
                return grant
            if len(comps) != 2 or comps[1] == here:
                raise SspiError(S.SEC_E_TARGET_UNKNOWN, f"the KDC of {here} sent an unusable referral")
            if want is service:
                target = comps[1]  # a referral: the service lives in (or through) that realm
            current = grant
        raise SspiError(S.SEC_E_TARGET_UNKNOWN, f"no path to the realm of {service} within {MAX_REALM_HOPS} realms")

    def user_to_user_ticket(self, server: PrincipalName, realm: str | None, server_tgt: Ticket) -> TicketGrant:
        """A ticket for *server* encrypted in the session key of the server's own TGT (never cached)."""
        tgt = self.tgt()
        return self.kdc.tgs_exchange(tgt, server, realm or tgt.crealm, additional_ticket=server_tgt)

    def forwarded_tgt(self) -> TicketGrant | None:
        """A forwarded TGT for delegation (None when the TGT is not forwardable)."""
        return self.kdc.forwarded_tgt(self.tgt())

    # -- acceptor -----------------------------------------------------------------------

    def keys_for(self, sname: PrincipalName, realm: str, enctype: int, kvno: int | None) -> list[Key]:
        """Candidate long-term keys for a ticket issued to *sname*@*realm*."""
        out: list[Key] = []
        for e in self.acceptor_keys:
            if e.key.enctype != enctype or e.components != sname.components:
                continue
            if e.realm.upper() != realm.upper():
                continue
            if kvno is not None and e.kvno != kvno:
                out.append(e.key)  # kept as a fallback after exact matches
                continue
            out.insert(0, e.key)
        if self._acceptor_password is not None and self.acceptor_service is not None:
            name, srealm = self.acceptor_service
            if name.components == sname.components and srealm.upper() == realm.upper():
                cache_key = (enctype, realm)
                key = self._derived.get(cache_key)
                if key is None:
                    try:
                        salt = realm + "".join(sname.components)
                        key = enctypes.string_to_key(enctype, self._acceptor_password, salt)
                    except enctypes.UnsupportedEnctype:
                        return out
                    self._derived[cache_key] = key
                out.append(key)
        return out

    @property
    def principal_name(self) -> str:
        """The name QueryCredentialsAttributes(NAMES) reports."""
        if self.client is not None and self.realm is not None:
            return format_principal(self.client, self.realm)
        if self.acceptor_service is not None:
            return format_principal(*self.acceptor_service)
        return ""

    def query(self, attribute: int) -> object:
        if attribute == SECPKG_CRED_ATTR_NAMES:
            return SecPkgCredentials_Names(self.principal_name)
        return super().query(attribute)

    def release(self) -> None:
        with self._lock:
            self._tgt = None
            self._tickets.clear()
            self._derived.clear()

    # -- acquisition --------------------------------------------------------------------

    @classmethod
    def acquire(cls, principal: str | None, use: int, auth_data: object) -> KerberosCredential:
        """Build a credential from AcquireCredentialsHandle arguments (SEC_E_NO_CREDENTIALS when unusable)."""
        if isinstance(auth_data, KerberosSettings):
            settings = auth_data
        elif isinstance(auth_data, SEC_WINNT_AUTH_IDENTITY):
            settings = KerberosSettings(user=auth_data.User, password=auth_data.Password,
                                        realm=auth_data.Domain or None)
        elif auth_data is None:
            settings = KerberosSettings()
        else:
            raise SspiError(S.SEC_E_UNKNOWN_CREDENTIALS, "unsupported Kerberos auth data")
        config = load_config()
        user_realm = settings.user.rpartition("@")[2] if settings.user and "@" in settings.user else None
        realm = (settings.realm or user_realm or config.default_realm or "").upper()
        if settings.kdc and realm:
            config.kdcs.pop(realm, None)
            config.kdc_proxies.pop(realm, None)
            for a in settings.kdc:
                add_kdc(config, realm, a)
        if settings.kdc_proxy and realm:
            urls = [settings.kdc_proxy] if isinstance(settings.kdc_proxy, str) else list(settings.kdc_proxy)
            config.kdc_proxies[realm] = [_proxy_url(u) for u in urls]
        cred = cls(use, settings, config)
        if use & SECPKG_CRED_OUTBOUND:
            cred._init_client(principal)
        if use & SECPKG_CRED_INBOUND:
            cred._init_acceptor(principal)
        return cred

    def _from_ccache(self, user: str | None) -> bool:
        """Adopt the TGT (and service tickets) of a FILE ccache; False when there is none usable."""
        path = self.settings.ccache or default_ccache_path()
        if not path:
            return False
        try:
            cache = read_ccache(path)
        except CcacheError:
            return False
        if user is not None:
            name, realm = parse_user(user, self.settings.realm)
            if name.components != cache.principal.components or (realm and realm != cache.realm):
                return False
        now = entropy.now()
        tgt: TicketGrant | None = None
        services: dict[tuple[str, str], TicketGrant] = {}
        for c in cache.credentials:
            if c.endtime <= now + 60:
                continue
            grant = TicketGrant(c.client, c.crealm, c.server, c.srealm, c.ticket, c.key, c.endtime, c.flags, c.authtime)
            if c.server.components == ("krbtgt", cache.realm):
                tgt = grant
            else:
                services[(str(c.server), c.srealm)] = grant
        if tgt is None:
            return False
        if not self._reachable(cache.realm):
            return False
        self.client, self.realm, self._tgt, self._tickets = cache.principal, cache.realm, tgt, services
        return True

    def _init_client(self, principal: str | None) -> None:
        s = self.settings
        user = s.user or principal
        password = s.password
        if s.tgt is not None:
            grant = s.tgt
            if not self._reachable(grant.crealm):
                raise SspiError(S.SEC_E_NO_CREDENTIALS, f"no KDC configured for realm {grant.crealm}")
            self.client, self.realm, self._tgt = grant.client, grant.crealm, grant
            return
        if password is None and s.keytab is None and self._from_ccache(user):
            return
        if not user:
            default = accounts.default_client_identity()
            if default is not None:
                user = f"{default.user}@{default.domain}" if default.domain else default.user
                password = default.password
        if not user:
            if self.inbound:
                return
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no Kerberos client identity or credential cache")
        name, realm = parse_user(user, s.realm)
        realm = realm or (self.config.default_realm.upper() if self.config.default_realm else None)
        if realm is None:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no Kerberos realm configured")
        if not self._reachable(realm):
            raise SspiError(S.SEC_E_NO_CREDENTIALS, f"no KDC configured for realm {realm}")
        keys: list[Key] = []
        if password is None and s.keytab is not None:
            keys = [e.key for e in _load_keytab(s.keytab) if e.components == name.components]
        if password is None and not keys:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no password or key for the Kerberos client")
        self.client, self.realm, self._password, self._client_keys = name, realm, password, keys

    def _init_acceptor(self, principal: str | None) -> None:
        s = self.settings
        if s.keytab is not None:
            self.acceptor_keys = _load_keytab(s.keytab)
        elif s.password is not None and (s.service or s.user or principal):
            spn = s.service or s.user or principal or ""
            name, realm = parse_spn(spn) if "/" in spn else parse_user(spn, s.realm)
            realm = (realm or s.realm or self.config.default_realm or "").upper()
            if not realm:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "no realm for the acceptor's password key")
            self.acceptor_service = (name, realm)
            self._acceptor_password = s.password
        else:
            kt_name = os.environ.get("KRB5_KTNAME", "/etc/krb5.keytab")
            kt_path = kt_name.split(":", 1)[1] if kt_name.startswith(("FILE:", "WRFILE:")) else kt_name
            if Path(kt_path).is_file():
                try:
                    self.acceptor_keys = read_keytab(kt_path)
                except (OSError, KeytabError):
                    self.acceptor_keys = []
        if s.service and self.acceptor_keys:
            want, _ = parse_spn(s.service)
            self.acceptor_keys = [e for e in self.acceptor_keys if e.components == want.components]
        if not self.acceptor_keys and self._acceptor_password is None:
            if self.outbound and self.client is not None:
                return
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no Kerberos service keys (keytab or password)")
        if self.acceptor_service is None and self.acceptor_keys:
            e = self.acceptor_keys[0]
            self.acceptor_service = (PrincipalName(e.name_type, e.components), e.realm)

    def __repr__(self) -> str:
        return f"KerberosCredential(use={self.use}, principal={self.principal_name!r})"
