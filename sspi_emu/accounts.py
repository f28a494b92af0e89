"""Where secrets come from: server-side account stores and default client credentials.

An :class:`AccountStore` maps (user, domain) to an :class:`Account` holding a password
and/or precomputed secrets (an NT hash, Digest HA1 values). Stores:

* :class:`MemoryAccountStore` - built in code (tests, the demo);
* :class:`FileAccountStore` - a text file, one ``DOMAIN:USER:PASSWORD`` per line (the
  ``NTLM_USER_FILE`` format of gss-ntlmssp and pyspnego). ``#`` starts a comment. A
  password written as ``$NT$`` + 32 hex digits is an NT hash instead.

The default server store is the one installed with :func:`set_default_store`, else the
file named by ``SSPI_EMU_ACCOUNTS`` or ``NTLM_USER_FILE``. Default client credentials
(used when AcquireCredentialsHandle gets no auth data) come from ``SSPI_EMU_USER``
(``DOMAIN\\user`` or ``user@REALM``) and ``SSPI_EMU_PASSWORD``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Iterable, Protocol


class AccountFileError(ValueError):
    """An account file has a line that cannot be read (the message names file and line)."""


@dataclass(eq=False)
class Account:
    """One account. Secrets never appear in repr; ``cache`` lets packages memoise derived keys."""

    user: str
    domain: str = ""
    password: str | None = field(default=None, repr=False)
    nt_hash: bytes | None = field(default=None, repr=False)
    #: Extra precomputed secrets, e.g. ``{"digest-ha1:MD5:realm": b"..."}``.
    secrets: dict[str, bytes] = field(default_factory=dict, repr=False)
    cache: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """``DOMAIN\\user`` (or just ``user`` without a domain)."""
        return f"{self.domain}\\{self.user}" if self.domain else self.user


class AccountStore(Protocol):
    """Looks up accounts by user and domain (both case-insensitive)."""

    def lookup(self, user: str, domain: str | None = None) -> Account | None:
        """The account, or None when unknown."""
        ...


def split_principal(principal: str) -> tuple[str, str]:
    """Split ``DOMAIN\\user`` into (user, domain); other forms (``user@REALM``, ``user``) give (principal, "")."""
    if "\\" in principal:
        domain, user = principal.split("\\", 1)
        return user, domain
    return principal, ""


class MemoryAccountStore:
    """An in-memory store. Thread-safe."""

    def __init__(self, accounts: Iterable[Account] = ()) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], Account] = {}
        self._by_user: dict[str, list[Account]] = {}
        for a in accounts:
            self._insert(a)

    def _insert(self, account: Account) -> None:
        key = (account.user.casefold(), account.domain.casefold())
        with self._lock:
            old = self._by_key.get(key)
            self._by_key[key] = account
            lst = self._by_user.setdefault(key[0], [])
            if old is not None:
                lst.remove(old)
            lst.append(account)

    def add(
        self,
        user: str,
        password: str | None = None,
        domain: str = "",
        *,
        nt_hash: bytes | None = None,
        secrets: dict[str, bytes] | None = None,
    ) -> Account:
        """Add (or replace) an account and return it. ``user`` may be ``DOMAIN\\user``."""
        if "\\" in user and not domain:
            user, domain = split_principal(user)
        account = Account(user, domain, password, nt_hash, dict(secrets or {}))
        self._insert(account)
        return account

    def lookup(self, user: str, domain: str | None = None) -> Account | None:
        ukey = user.casefold()
        dkey = (domain or "").casefold()
        by_key = self._by_key
        hit = by_key.get((ukey, dkey)) or (by_key.get((ukey, "")) if dkey else None)  # dict reads: atomic, no lock
        if hit is not None:
            return hit
        with self._lock:
            if not dkey or dkey == ".":
                candidates = self._by_user.get(ukey, [])
                if len(candidates) == 1:
                    return candidates[0]
            return None

    def __iter__(self) -> "Iterable[Account]":
        with self._lock:
            return iter(list(self._by_key.values()))

    def __len__(self) -> int:
        return len(self._by_key)

    def __repr__(self) -> str:
        return f"MemoryAccountStore({len(self)} accounts)"


def parse_account_line(line: str, where: str) -> Account | None:
    """Parse one ``DOMAIN:USER:PASSWORD`` line (None for blank lines and comments)."""
    text = line.rstrip("\r\n")
    if not text.strip() or text.lstrip().startswith("#"):
        return None
    parts = text.split(":", 2)
    if len(parts) != 3:
        raise AccountFileError(f"{where}: expected DOMAIN:USER:PASSWORD, found {len(parts)} field(s)")
    domain, user, password = parts
    if not user:
        raise AccountFileError(f"{where}: the user name is empty")
    if password.startswith("$NT$"):
        hexpart = password[4:]
        try:
            digest = bytes.fromhex(hexpart)
        except ValueError:
            digest = b""
        if len(digest) != 16:
            raise AccountFileError(f"{where}: $NT$ must be followed by 32 hex digits")
        return Account(user, domain, None, digest)
    return Account(user, domain, password)


class FileAccountStore(MemoryAccountStore):
    """Accounts read from a ``DOMAIN:USER:PASSWORD`` file; re-read when the file changes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = os.fspath(path)
        self._mtime: float | None = None
        self._reload()

    def _reload(self) -> None:
        st = os.stat(self.path)
        accounts = []
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                acct = parse_account_line(line, f"{self.path}:{n}")
                if acct is not None:
                    accounts.append(acct)
        with self._lock:
            self._by_key.clear()
            self._by_user.clear()
        for a in accounts:
            self._insert(a)
        self._mtime = st.st_mtime

    def lookup(self, user: str, domain: str | None = None) -> Account | None:
        try:
            if os.stat(self.path).st_mtime != self._mtime:
                self._reload()
        except OSError:
            pass  # keep serving the accounts read last time
        return super().lookup(user, domain)

    def __repr__(self) -> str:
        return f"FileAccountStore({self.path!r}, {len(self)} accounts)"


_default_store: AccountStore | None = None


def set_default_store(store: AccountStore | None) -> None:
    """Install the process-wide default server store (None: back to the environment)."""
    global _default_store
    _default_store = store


def default_store() -> AccountStore | None:
    """The store servers use when their credential names none."""
    if _default_store is not None:
        return _default_store
    path = os.environ.get("SSPI_EMU_ACCOUNTS") or os.environ.get("NTLM_USER_FILE")
    if path:
        return FileAccountStore(path)
    return None


@dataclass(frozen=True)
class DefaultIdentity:
    """Client credentials from the environment (the emulator's "logged-on user")."""

    user: str
    domain: str
    password: str | None = field(default=None, repr=False)


def default_client_identity() -> DefaultIdentity | None:
    """``SSPI_EMU_USER`` / ``SSPI_EMU_PASSWORD`` as an identity, or None when unset."""
    name = os.environ.get("SSPI_EMU_USER")
    if not name:
        return None
    user, domain = split_principal(name)
    return DefaultIdentity(user, domain, os.environ.get("SSPI_EMU_PASSWORD"))
