"""NTLM credentials: who the client is, or which accounts the server accepts."""

from __future__ import annotations

from sspi_emu import accounts as _accounts
from sspi_emu.accounts import Account, AccountStore, MemoryAccountStore
from sspi_emu.attributes import SecPkgCredentials_Names
from sspi_emu.constants import SECPKG_CRED_ATTR_NAMES, SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND, SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY
from sspi_emu.spi import Credential

from . import crypto
from .settings import NtlmSettings, computer_name, lm_compat_level

__all__ = ["NtlmCredential", "account_nt_hash", "account_ntowfv2", "split_user"]

_NT_CACHE_KEY = "ntlm:nt_hash"


def _text(value: object) -> str | None:
    """An identity field as text (ANSI identities may carry bytes)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    raise SspiError(SecurityStatus.SEC_E_INVALID_PARAMETER, "identity fields must be text")


def split_user(user: str, domain: str) -> tuple[str, str]:
    """Normalise ``DOMAIN\\user`` given as the user name; ``user@REALM`` stays whole (as Windows sends it)."""
    if "\\" in user and not domain:
        domain, user = user.split("\\", 1)
    return user, domain


def account_ntowfv2(account: Account, nt_hash: bytes, user: str, domain: str) -> bytes:
    """NTOWFv2 of an account for the names a client sent, cached on the account."""
    key = f"ntlm:ntowfv2:{user}\x00{domain}"
    cached = account.cache.get(key)
    if isinstance(cached, bytes):
        return cached
    value = crypto.ntowfv2(nt_hash, user, domain)
    if len(account.cache) < 64:  # bounded: clients choose the names
        account.cache[key] = value
    return value


def account_nt_hash(account: Account) -> bytes | None:
    """The account's NT hash, computed once and cached on the account."""
    if account.nt_hash is not None:
        return account.nt_hash
    cached = account.cache.get(_NT_CACHE_KEY)
    if isinstance(cached, bytes):
        return cached
    if account.password is None:
        return None
    value = crypto.ntowfv1(account.password)
    account.cache[_NT_CACHE_KEY] = value
    return value


class NtlmCredential(Credential):
    """An acquired NTLM credential. Secrets are kept out of repr."""

    __slots__ = ("user", "domain", "_password", "_nt_hash", "_lm_hash", "anonymous", "settings", "store",
                 "computer_name", "server_pairs", "lm_level", "_ntowf2", "negotiate_cache")

    def __init__(self, use: int, settings: NtlmSettings, identity: SEC_WINNT_AUTH_IDENTITY | None,
                 store: AccountStore | None) -> None:
        self.use = use
        self.settings = settings
        self.store = store
        self.user = ""
        self.domain = ""
        self._password: str | None = None
        self._nt_hash: bytes | None = None
        self._lm_hash: bytes | None = None
        self.anonymous = False
        #: This host's NetBIOS name, read once per credential.
        self.computer_name = settings.nb_computer_name or computer_name()
        #: The server's TargetInfo pairs without the timestamp (built on first use).
        self.server_pairs: bytes | None = None
        #: LmCompatibilityLevel for this credential (settings, else the environment at acquire time).
        self.lm_level = lm_compat_level(settings.lm_compat_level, server=not use & SECPKG_CRED_OUTBOUND)
        self._ntowf2: dict[tuple[str, str], bytes] = {}
        #: NEGOTIATE messages already built for this credential, by flags.
        self.negotiate_cache: dict[int, bytes] = {}
        if identity is not None:
            if identity.is_anonymous:
                self.anonymous = True
            else:
                self.user, self.domain = split_user(_text(identity.User) or "", _text(identity.Domain) or "")
                self._password = _text(identity.Password)
                if identity.NtHash is not None:
                    if len(identity.NtHash) != 16:
                        raise SspiError(SecurityStatus.SEC_E_INVALID_PARAMETER, "NtHash must be 16 bytes")
                    self._nt_hash = bytes(identity.NtHash)
        self.principal = "" if self.anonymous else (f"{self.domain}\\{self.user}" if self.domain else self.user)

    @property
    def outbound(self) -> bool:
        """True when the credential may start client contexts."""
        return bool(self.use & SECPKG_CRED_OUTBOUND)

    @property
    def inbound(self) -> bool:
        """True when the credential may accept contexts."""
        return bool(self.use & SECPKG_CRED_INBOUND)

    @property
    def has_secret(self) -> bool:
        """True when a password or NT hash is available."""
        return self._password is not None or self._nt_hash is not None

    def nt_hash(self) -> bytes:
        """NTOWFv1 of the password (cached for the life of the credential)."""
        if self._nt_hash is None:
            self._nt_hash = crypto.ntowfv1(self._password or "")
        return self._nt_hash

    def ntowfv2(self, user: str, domain: str) -> bytes:
        """NTOWFv2 for the names sent (cached)."""
        key = (user, domain)
        value = self._ntowf2.get(key)
        if value is None:
            value = self._ntowf2[key] = crypto.ntowfv2(self.nt_hash(), user, domain)
        return value

    def lm_hash(self) -> bytes:
        """LMOWFv1, computed only when an LM response or LM key is really needed."""
        if self._lm_hash is None:
            if self._password is None:
                # Only the NT hash is known: no LM hash (Windows sends the NT response twice then).
                self._lm_hash = b"\x00" * 16
            else:
                self._lm_hash = crypto.lmowfv1(self._password)
        return self._lm_hash

    @property
    def has_lm_secret(self) -> bool:
        """True when an LM hash can be derived (a password, not just an NT hash)."""
        return self._password is not None

    def query(self, attribute: int) -> object:
        if attribute == SECPKG_CRED_ATTR_NAMES:
            return SecPkgCredentials_Names(self.principal)
        return super().query(attribute)

    @classmethod
    def acquire(cls, principal: str | None, use: int, auth_data: object) -> NtlmCredential:
        """Build a credential from AcquireCredentialsHandle arguments."""
        settings = auth_data if isinstance(auth_data, NtlmSettings) else NtlmSettings()
        identity: SEC_WINNT_AUTH_IDENTITY | None = settings.identity
        store: AccountStore | None = settings.accounts
        if isinstance(auth_data, SEC_WINNT_AUTH_IDENTITY):
            identity = auth_data
        elif auth_data is not None and not isinstance(auth_data, NtlmSettings):
            if hasattr(auth_data, "lookup"):
                store = auth_data
            else:
                raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "unsupported NTLM auth data")
        if use & SECPKG_CRED_OUTBOUND and identity is None:
            default = _accounts.default_client_identity()
            if default is not None:
                identity = SEC_WINNT_AUTH_IDENTITY(User=default.user, Domain=default.domain,
                                                   Password=default.password or "")
            elif not use & SECPKG_CRED_INBOUND:
                raise SspiError(SecurityStatus.SEC_E_NO_CREDENTIALS, "no NTLM client credentials configured")
        if use & SECPKG_CRED_INBOUND and store is None:
            if identity is not None and not identity.is_anonymous and not isinstance(auth_data, NtlmSettings):
                # An acceptor given one identity accepts exactly that account (as sspi-rs does).
                user, domain = split_user(_text(identity.User) or "", _text(identity.Domain) or "")
                if "@" in user and not domain:
                    user, domain = user.split("@", 1)
                single = MemoryAccountStore()
                single.add(user, _text(identity.Password), domain, nt_hash=identity.NtHash)
                store = single
            else:
                store = _accounts.default_store()
        return cls(use, settings, identity, store)
