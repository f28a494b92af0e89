"""Digest credentials: what a client authenticates with and what a server checks against.

Client ``pAuthData``: a :class:`~sspi_emu.identity.SEC_WINNT_AUTH_IDENTITY` (user, domain,
password), or a :class:`DigestIdentity` (the same plus Digest options), or None for the
default identity from the environment.

Server ``pAuthData``: a :class:`DigestServerOptions`, an account store, or None (the
default store). Server secrets come from :class:`sspi_emu.accounts.Account`: the clear
password, or a stored H(A1) in ``Account.secrets`` under the key
``"digest-ha1:<ALGORITHM>:<realm>"`` (ALGORITHM is MD5, SHA-256 or SHA-512-256; the value
is the raw digest of ``username:realm:password`` or its lowercase hex). The same MD5 entry
serves SASL DIGEST-MD5.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from typing import Iterable, cast

from sspi_emu import entropy
from sspi_emu.accounts import Account, AccountStore, default_client_identity, default_store, split_principal
from sspi_emu.attributes import SecPkgCredentials_Names
from sspi_emu.constants import (
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_BOTH,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SecurityStatus,
)
from sspi_emu.errors import SspiError
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY
from sspi_emu.spi import Credential

from .algorithms import ALGORITHMS, DigestAlgorithm
from .calc import encode_http, userhash
from .nonces import NonceCounter, NonceIssuer
from .sasl_sessions import SaslSessionCache

__all__ = [
    "DigestIdentity",
    "DigestServerOptions",
    "DigestCredential",
    "ha1_secret_key",
    "CNONCE_ALPHABET",
]

#: Client nonces are drawn from :mod:`sspi_emu.entropy` (label ``digest-cnonce``), one byte
#: per character, each mapped to ``CNONCE_ALPHABET[byte % 64]``. A test pins a given cnonce
#: by supplying the alphabet indexes of its characters.
CNONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CNONCE_TABLE = bytes(ord(CNONCE_ALPHABET[b % 64]) for b in range(256))


def ha1_secret_key(algorithm: str, realm: str) -> str:
    """The ``Account.secrets`` key holding a stored H(username:realm:password)."""
    return f"digest-ha1:{algorithm.upper()}:{realm}"


@dataclass
class DigestIdentity(SEC_WINNT_AUTH_IDENTITY):
    """A client identity with Digest options.

    ``cnonce_length``: characters in each client nonce. ``authzid``: SASL authorization
    identity. ``prefer_qop``: "auth" or "auth-int" to override the choice made from the
    context flags. ``sasl_maxbuf``: the largest SASL security-layer buffer this client takes
    (sent as ``maxbuf``; RFC 2831's default, 65536, when None). ``sasl_subsequent``: remember
    each SASL qop=auth authentication and open the next context for the same digest-uri with
    RFC 2831 subsequent authentication (an initial response on the first ISC call, no
    challenge needed); only for protocols whose SASL profile allows an initial response.
    """

    cnonce_length: int = 32
    authzid: str | None = None
    prefer_qop: str | None = None
    sasl_maxbuf: int | None = None
    sasl_subsequent: bool = False


@dataclass
class DigestServerOptions:
    """How a server credential challenges and checks (all optional)."""

    store: AccountStore | None = None
    realm: str | None = None
    #: HTTP algorithms offered, one challenge each, in order. MD5 alone by default, as
    #: Windows' Digest does and every client understands; add "SHA-256" etc. to offer more.
    algorithms: tuple[str, ...] = ("MD5",)
    #: HTTP qop values offered.
    qop: tuple[str, ...] = ("auth", "auth-int")
    #: SASL qop values offered (restricted further by ASC_REQ_INTEGRITY / CONFIDENTIALITY).
    sasl_qop: tuple[str, ...] = ("auth", "auth-int", "auth-conf")
    sasl_ciphers: tuple[str, ...] = ("3des", "rc4", "des", "rc4-56", "rc4-40")
    #: The largest SASL security-layer buffer this server takes (``maxbuf`` in its challenge).
    sasl_maxbuf: int = 65536
    userhash: bool = False
    charset_utf8: bool = True
    opaque: str | None = None
    nonce_lifetime: float = 300.0
    #: Send a fresh nonce as ``nextnonce`` in every Authentication-Info (RFC 7616 §3.5): the
    #: handshake's, and each one MakeSignature makes for a further request.
    nextnonce: bool = False
    #: Key for nonce MACs; share it between servers that must accept each other's nonces.
    secret: bytes | None = field(default=None, repr=False)
    max_tracked_nonces: int = 4096


@dataclass(eq=False)
class _ClientSecrets:
    user: str
    domain: str
    password: str = field(repr=False)


class DigestCredential(Credential):
    """A credential handle's Digest state (client identity and/or server configuration)."""

    def __init__(self, use: int, principal: str | None, auth_data: object) -> None:
        if use & SECPKG_CRED_BOTH == 0:
            raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "credential use must be INBOUND and/or OUTBOUND")
        self.use = use
        self.client: _ClientSecrets | None = None
        self.identity: DigestIdentity | None = None
        self.options = DigestServerOptions()
        is_identity = isinstance(auth_data, SEC_WINNT_AUTH_IDENTITY)
        if isinstance(auth_data, DigestServerOptions):
            self.options = auth_data
        elif auth_data is not None and hasattr(auth_data, "lookup") and not is_identity:
            self.options = DigestServerOptions(store=cast(AccountStore, auth_data))
        if use & SECPKG_CRED_OUTBOUND:
            self._init_client(principal, auth_data)
        inbound = bool(use & SECPKG_CRED_INBOUND)
        self.principal = self.client.user if self.client else (principal or "")
        self.store: AccountStore | None = None
        self.realm = self.options.realm or (principal if principal and inbound else None) or "sspi-emu"
        secret = b"\x00" * 32
        self.http_algorithms: list[DigestAlgorithm] = []
        if inbound:
            self.store = self.options.store or default_store()
            for name in self.options.algorithms:
                if name.upper() not in ALGORITHMS:
                    raise SspiError(SecurityStatus.SEC_E_INVALID_PARAMETER, f"unknown algorithm {name!r}")
                self.http_algorithms.append(ALGORITHMS[name.upper()])
            secret = self.options.secret or entropy.random_bytes(32, "digest-server-secret")
        self.issuer = NonceIssuer(secret, self.options.nonce_lifetime, "http")
        self.sasl_issuer = NonceIssuer(secret, self.options.nonce_lifetime, "sasl")
        self.counter = NonceCounter(self.options.max_tracked_nonces)
        #: The client's remembered SASL sessions (RFC 2831 subsequent authentication).
        self.sasl_sessions = SaslSessionCache()
        self.opaque: str | None = self.options.opaque
        if self.opaque is None and inbound:
            self.opaque = hmac.new(secret, b"digest-opaque", hashlib.sha256).hexdigest()[:32]
        self._userhash_lock = threading.Lock()
        self._userhash_cache: dict[tuple[str, str, str], Account] = {}
        self._ha1_cache: dict[tuple[str, str, bool], str] = {}
        #: HTTP challenges by (realm, stale) with a placeholder for the nonce.
        self.challenge_templates: dict[tuple[str, bool], bytes] = {}

    def _init_client(self, principal: str | None, auth_data: object) -> None:
        if isinstance(auth_data, SEC_WINNT_AUTH_IDENTITY):
            if isinstance(auth_data, DigestIdentity):
                self.identity = auth_data
            user = auth_data.User or ""
            domain = auth_data.Domain or ""
            if "\\" in user and not domain:
                user, domain = split_principal(user)
            if not user or auth_data.Password is None:
                raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "Digest needs a user name and a password")
            self.client = _ClientSecrets(user, domain, auth_data.Password)
            return
        server_data = isinstance(auth_data, DigestServerOptions) or hasattr(auth_data, "lookup")
        if auth_data is not None and not server_data:
            raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "unsupported auth data for Digest")
        ident = default_client_identity()
        if ident is not None and ident.password is not None:
            self.client = _ClientSecrets(ident.user, ident.domain, ident.password)
        elif not self.use & SECPKG_CRED_INBOUND:
            raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "no Digest client credentials")

    def client_ha1(self, alg: DigestAlgorithm, realm: str, utf8: bool) -> str:
        """H(user:realm:password) in hex for the client identity (memoised per algorithm, realm and
        charset: the identity's password is fixed for the credential's life)."""
        assert self.client is not None
        key = (alg.base, realm, utf8)
        hit = self._ha1_cache.get(key)
        if hit is None:
            if len(self._ha1_cache) >= 64:
                self._ha1_cache.clear()
            user = encode_http(self.client.user, utf8)
            hit = alg.hex(user + b":" + encode_http(realm, utf8) + b":" + encode_http(self.client.password, utf8))
            self._ha1_cache[key] = hit
        return hit

    @property
    def cnonce_length(self) -> int:
        """Characters in each client nonce."""
        return self.identity.cnonce_length if self.identity else 32

    def cnonce(self) -> str:
        """A fresh client nonce."""
        ident = self.identity
        raw = entropy.random_bytes(ident.cnonce_length if ident else 32, "digest-cnonce")
        return raw.translate(_CNONCE_TABLE).decode("ascii")

    def lookup(self, user: str, realm: str) -> Account | None:
        """The account for a Digest user name (``DOMAIN\\user`` accepted) in *realm*."""
        store = self.store
        if store is None:
            return None
        if "\\" in user:
            name, domain = split_principal(user)
            if domain:
                return store.lookup(name, domain)
            user = name
        return store.lookup(user, realm) or store.lookup(user, None)

    def lookup_userhash(self, alg: DigestAlgorithm, hashed: str, realm: str) -> Account | None:
        """The account whose H(user:realm) is *hashed* (needs an iterable store)."""
        key = (alg.base, realm, hashed.lower())
        with self._userhash_lock:
            cached: Account | None = self._userhash_cache.get(key)
        if cached is not None:
            return cached
        accounts: list[Account] = []
        if self.store is not None and hasattr(self.store, "__iter__"):
            accounts = list(cast(Iterable[Account], self.store))
        for acct in accounts:
            for utf8 in (True, False):
                if userhash(alg, encode_http(acct.user, utf8), encode_http(realm, utf8)) == key[2]:
                    with self._userhash_lock:
                        if len(self._userhash_cache) > 4096:
                            self._userhash_cache.clear()
                        self._userhash_cache[key] = acct
                    return acct
        return None

    def query(self, attribute: int) -> object:
        if attribute == SECPKG_CRED_ATTR_NAMES:
            return SecPkgCredentials_Names(self.principal)
        return super().query(attribute)


def stored_ha1(account: Account, alg: DigestAlgorithm, realm: str) -> bytes | None:
    """A stored raw H(user:realm:password) for *alg* / *realm*, if the account has one."""
    if not account.secrets:
        return None
    value = account.secrets.get(ha1_secret_key(alg.base, realm))
    if value is None:
        return None
    size = alg.digest_size
    if len(value) == size:
        return bytes(value)
    if len(value) == 2 * size:
        try:
            return bytes.fromhex(value.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return None
    return None
