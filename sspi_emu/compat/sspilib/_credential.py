"""``UserCredential`` and ``KeytabCredential``: credential handles built from a user name (or the current user)."""

from __future__ import annotations

import datetime
import pathlib
from typing import Literal

from . import raw
from ._filetime import filetime_to_datetime

__all__ = ["KeytabCredential", "UserCredential"]

Usage = Literal["initiate", "accept", "both"]
_USES = {
    "initiate": raw.CredentialUse.SECPKG_CRED_OUTBOUND,
    "accept": raw.CredentialUse.SECPKG_CRED_INBOUND,
    "both": raw.CredentialUse.SECPKG_CRED_BOTH,
}


def _acquire(target: raw.CredHandle, protocol: str, usage: str, identity: raw.AuthIdentity) -> datetime.datetime:
    try:
        use = _USES[usage]
    except KeyError:
        raise ValueError(f"usage must be one of {sorted(_USES)}") from None
    res = raw.acquire_credentials_handle(principal=None, package=protocol, credential_use=use, auth_data=identity)
    target._adopt(res.credential)
    return filetime_to_datetime(res.expiry)


class _NamedCredential(raw.CredHandle):
    _expiry: datetime.datetime
    _protocol: str
    _username: str

    def __str__(self) -> str:
        return f"{self.username} - {self.protocol}"

    @property
    def expiry(self) -> datetime.datetime:
        """When the credential expires."""
        return self._expiry

    @property
    def protocol(self) -> str:
        """The security package the credential is for."""
        return self._protocol

    @property
    def username(self) -> str:
        """The user name (``DOMAIN\\user`` when a domain was given; ``CurrentUser`` by default)."""
        return self._username


class UserCredential(_NamedCredential):
    """A password credential; with no user name, the emulated logged-on user (``SSPI_EMU_USER``)."""

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        domain: str | None = None,
        protocol: str = "Negotiate",
        usage: Usage = "initiate",
        *,
        protocol_list: list[str] | None = None,
    ) -> None:
        identity = raw.WinNTAuthIdentity(username=username, domain=domain, password=password,
                                         package_list=":".join(protocol_list) if protocol_list else None)
        self._expiry = _acquire(self, protocol, usage, identity)
        self._protocol = protocol
        self._username = username or "CurrentUser"
        if domain:
            self._username = f"{domain}\\{self._username}"


class KeytabCredential(_NamedCredential):
    """A keytab credential (passed to the package as a packed KEYTAB credential)."""

    def __init__(
        self,
        username: str,
        keytab: bytes | bytearray | memoryview | str | pathlib.Path,
        domain: str | None = None,
        protocol: str = "Negotiate",
        usage: Usage = "initiate",
        *,
        protocol_list: list[str] | None = None,
    ) -> None:
        data = pathlib.Path(keytab).read_bytes() if isinstance(keytab, (str, pathlib.Path)) else bytes(keytab)
        identity = raw.WinNTAuthIdentityPackedCredential(
            credential_type=raw.WinNTAuthCredentialType.SEC_WINNT_AUTH_DATA_TYPE_KEYTAB, credential=data,
            username=username, domain=domain, package_list=":".join(protocol_list) if protocol_list else None)
        self._expiry = _acquire(self, protocol, usage, identity)
        self._protocol = protocol
        self._username = f"{domain}\\{username}" if domain else username
