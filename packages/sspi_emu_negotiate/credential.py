"""The Negotiate credential: one inner credential per mechanism that could be acquired."""

from __future__ import annotations

import dataclasses
from typing import Any

from sspi_emu import api
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgCredentials_Names
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.handles import Box
from sspi_emu.spi import Credential

from .inner import InnerCredential

#: The packages Negotiate composes, most preferred first.
DEFAULT_MECHANISMS: tuple[str, ...] = ("Kerberos", "NTLM")


def parse_package_list(package_list: str | None, mechanisms: tuple[str, ...]) -> tuple[str, ...]:
    """Apply a ``SEC_WINNT_AUTH_IDENTITY_EX.PackageList`` (``"NTLM"``, ``"!Kerberos"``, ``"Kerberos,NTLM"``).

    Named packages restrict the set (order of preference stays Negotiate's); ``!name`` removes one.
    Unknown names are ignored, as Windows does.
    """
    if not package_list:
        return mechanisms
    wanted: set[str] = set()
    banned: set[str] = set()
    for item in package_list.split(","):
        name = item.strip()
        if name.startswith("!"):
            banned.add(name[1:].strip().casefold())
        elif name:
            wanted.add(name.casefold())
    chosen = [m for m in mechanisms if (not wanted or m.casefold() in wanted) and m.casefold() not in banned]
    return tuple(chosen)


def _inner_auth_data(auth_data: object) -> object:
    """The caller's auth data as the inner packages should see it (PackageList is Negotiate's)."""
    if dataclasses.is_dataclass(auth_data) and not isinstance(auth_data, type) and hasattr(auth_data, "PackageList"):
        if getattr(auth_data, "PackageList", None):
            return dataclasses.replace(auth_data, PackageList=None)
    return auth_data


class NegotiateCredential(Credential):
    """Inner credentials in order of preference (acquired through AcquireCredentialsHandle)."""

    def __init__(self, inners: list[InnerCredential], use: int, principal: str) -> None:
        self.inners = inners
        self.use = use
        self.principal = principal
        self.expiry = min((c.expiry for c in inners if c.expiry), default=C.TIMESTAMP_NEVER)

    @classmethod
    def acquire(
        cls, mechanisms: tuple[str, ...], principal: str | None, use: int, logon_id: object, auth_data: object
    ) -> NegotiateCredential:
        """Acquire every allowed mechanism's credential; fails only when none can be had."""
        allowed = parse_package_list(getattr(auth_data, "PackageList", None), mechanisms)
        inner_data = _inner_auth_data(auth_data)
        inners: list[InnerCredential] = []
        first_error: SspiError | None = None
        for name in allowed:
            try:
                inners.append(InnerCredential.acquire(name, principal, use, logon_id, inner_data))
            except SspiError as exc:
                if first_error is None or first_error.status == SecurityStatus.SEC_E_SECPKG_NOT_FOUND:
                    first_error = exc
        if not inners:
            status = SecurityStatus.SEC_E_NO_CREDENTIALS
            if first_error is not None and first_error.status != SecurityStatus.SEC_E_SECPKG_NOT_FOUND:
                status = first_error.status
            raise SspiError(status, "no mechanism Negotiate can use has credentials")
        name = principal or ""
        if not name and inner_data is not None:
            user = getattr(inner_data, "User", None)
            domain = getattr(inner_data, "Domain", None)
            if user:
                name = f"{domain}\\{user}" if domain else str(user)
        return cls(inners, use, name)

    def find(self, package: str) -> InnerCredential | None:
        """The inner credential for *package*, or None."""
        for c in self.inners:
            if c.package.casefold() == package.casefold():
                return c
        return None

    def query(self, attribute: int) -> object:
        """Credential attributes come from the most preferred inner credential."""
        box = Box()
        status = api.QueryCredentialsAttributes(self.inners[0].handle, attribute, box)
        if status != SecurityStatus.SEC_E_OK:
            raise SspiError(status)
        value = box.value
        if isinstance(value, SecPkgCredentials_Names) and not value.sUserName and self.principal:
            return SecPkgCredentials_Names(self.principal)
        return value

    def set_attribute(self, attribute: int, value: Any) -> SecurityStatus:
        """SetCredentialsAttributes goes to every inner credential (KDC proxy settings reach Kerberos, as on
        Windows); it succeeds when one of them takes it, else the first inner's status is returned."""
        statuses = [api.SetCredentialsAttributes(c.handle, attribute, value) for c in self.inners]
        if SecurityStatus.SEC_E_OK in statuses:
            return SecurityStatus.SEC_E_OK
        return statuses[0] if statuses else SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION

    def release(self) -> None:
        for c in self.inners:
            c.release()
        self.inners = []

    def __repr__(self) -> str:
        return f"NegotiateCredential(use={self.use}, mechanisms={[c.package for c in self.inners]!r})"
