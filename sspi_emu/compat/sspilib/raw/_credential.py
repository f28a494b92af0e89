"""Credentials in ``sspilib.raw``: ``CredHandle``, the auth-identity classes and ``acquire_credentials_handle``."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from .... import api
from ....accounts import default_client_identity
from ....handles import CredHandle as CoreCredHandle
from ....handles import TimeStamp
from ....identity import SEC_WINNT_AUTH_IDENTITY
from ._args import check_type, uint
from ._enums import WinNTAuthFlags
from ._winerror import check

__all__ = [
    "AcquireCredentialsResult",
    "AuthIdentity",
    "CredHandle",
    "WinNTAuthCredentialType",
    "WinNTAuthIdentity",
    "WinNTAuthIdentityPackedCredential",
    "acquire_credentials_handle",
]


class CredHandle:
    """A credentials handle; freed when the object is collected. Subclassable (``UserCredential``)."""

    _h: CoreCredHandle

    def __new__(cls, *args: Any, **kwargs: Any) -> CredHandle:
        self = super().__new__(cls)
        self._h = CoreCredHandle()
        return self

    def _adopt(self, other: CredHandle) -> None:
        """Take over *other*'s live handle (it becomes empty)."""
        self._release()
        self._h, other._h = other._h, CoreCredHandle()

    def _release(self) -> None:
        if self._h.is_set:
            api.FreeCredentialsHandle(self._h)
            self._h = CoreCredHandle()

    def __del__(self) -> None:
        try:
            self._release()
        except Exception:  # noqa: BLE001, S110 - collection at interpreter exit
            pass


class AuthIdentity:
    """Base of the ``auth_data`` classes accepted by :func:`acquire_credentials_handle`."""

    def _to_auth_data(self) -> object:
        raise NotImplementedError


class WinNTAuthIdentity(AuthIdentity):
    """User, domain and password (``SEC_WINNT_AUTH_IDENTITY_EXW``); all None means the current user."""

    def __init__(
        self,
        username: str | None = None,
        domain: str | None = None,
        password: str | None = None,
        *,
        flags: int = 0,
        package_list: str | None = None,
    ) -> None:
        for name, value in (("username", username), ("domain", domain), ("password", password),
                            ("package_list", package_list)):
            check_type(value, str, name, none_ok=True)
        self.username = username
        self.domain = domain
        self._password = password
        self.flags = WinNTAuthFlags(uint(flags, "flags") | WinNTAuthFlags.SEC_WINNT_AUTH_IDENTITY_UNICODE)
        self.package_list = package_list

    @property
    def password(self) -> str | None:
        return self._password

    def __str__(self) -> str:
        return f"{self.domain}\\{self.username or ''}" if self.domain else (self.username or "")

    def __repr__(self) -> str:
        return f"WinNTAuthIdentity(username={self.username!r}, domain={self.domain!r}, password=<hidden>)"

    def _to_auth_data(self) -> object:
        if self.username is None and self.domain is None and self._password is None:
            if self.package_list is None:
                return None  # the package's default ("logged-on user") credentials
            ident = default_client_identity()
            if ident is None:
                return SEC_WINNT_AUTH_IDENTITY(PackageList=self.package_list)
            return SEC_WINNT_AUTH_IDENTITY(ident.user, ident.domain, ident.password, PackageList=self.package_list)
        return SEC_WINNT_AUTH_IDENTITY(self.username, self.domain, self._password, PackageList=self.package_list)


class WinNTAuthCredentialType:
    """GUIDs naming packed credential types (``SEC_WINNT_AUTH_DATA_TYPE_*``)."""

    SEC_WINNT_AUTH_DATA_TYPE_PASSWORD = uuid.UUID("28bfc32f-10f6-4738-98d1-1ac061df716a")
    SEC_WINNT_AUTH_DATA_TYPE_CERT = uuid.UUID("235f69ad-73fb-4dbc-8203-0629e739339b")
    SEC_WINNT_AUTH_DATA_TYPE_CREDMAN_CERT = uuid.UUID("7cb72412-1016-491a-8c87-4d2aa1b7dd3a")
    SEC_WINNT_AUTH_DATA_TYPE_NGC = uuid.UUID("10a47879-5ebf-4b85-bd8d-c21bb4f49c8a")
    SEC_WINNT_AUTH_DATA_TYPE_FIDO = uuid.UUID("32e8f8d7-7871-4bcc-83c5-460f66c6135c")
    SEC_WINNT_AUTH_DATA_TYPE_KEYTAB = uuid.UUID("d587aae8-f78f-4455-a112-c934beee7ce1")
    SEC_WINNT_AUTH_DATA_TYPE_DELEGATION_TOKEN = uuid.UUID("12e52e0f-6f9b-4f83-9020-9de42b226267")
    SEC_WINNT_AUTH_DATA_TYPE_CSP_DATA = uuid.UUID("68fd9879-079c-4dfe-8281-578aadc1c100")
    SEC_WINNT_AUTH_DATA_TYPE_SMARTCARD_CONTEXTS = uuid.UUID("b86c4ff3-49d7-4dc4-b560-b1163685b236")


class WinNTAuthIdentityPackedCredential(AuthIdentity):
    """A packed credential (``SEC_WINNT_AUTH_IDENTITY_EX2``) such as a keytab; passed to the package as is."""

    def __init__(
        self,
        credential_type: uuid.UUID,
        credential: bytes | bytearray | memoryview,
        *,
        username: str | None = None,
        domain: str | None = None,
        flags: int = 0,
        package_list: str | None = None,
    ) -> None:
        check_type(credential_type, uuid.UUID, "credential_type")
        self.credential_type = credential_type
        self.credential = bytes(credential)
        self.username = username
        self.domain = domain
        self.flags = WinNTAuthFlags(uint(flags, "flags") | WinNTAuthFlags.SEC_WINNT_AUTH_IDENTITY_UNICODE)
        self.package_list = package_list

    def __repr__(self) -> str:
        return (f"WinNTAuthIdentityPackedCredential(credential_type={self.credential_type}, "
                f"username={self.username!r}, domain={self.domain!r})")

    def _to_auth_data(self) -> object:
        if self.credential_type == WinNTAuthCredentialType.SEC_WINNT_AUTH_DATA_TYPE_PASSWORD:
            return SEC_WINNT_AUTH_IDENTITY(self.username, self.domain, self.credential.decode("utf-16-le"),
                                           PackageList=self.package_list)
        return self


class AcquireCredentialsResult(NamedTuple):
    """The result of :func:`acquire_credentials_handle`; ``expiry`` is a FILETIME int."""

    credential: CredHandle
    expiry: int


def acquire_credentials_handle(
    principal: str | None,
    package: str,
    credential_use: int,
    *,
    auth_data: AuthIdentity | None = None,
) -> AcquireCredentialsResult:
    """AcquireCredentialsHandle; raises WindowsError unless SEC_E_OK."""
    check_type(principal, str, "principal", none_ok=True)
    check_type(package, str, "package")
    use = uint(credential_use, "credential_use")
    check_type(auth_data, AuthIdentity, "auth_data", none_ok=True)
    cred = CredHandle()
    expiry = TimeStamp()
    data = auth_data._to_auth_data() if auth_data is not None else None
    check(api.AcquireCredentialsHandle(principal, package, use, None, data, None, None, cred._h, expiry))
    return AcquireCredentialsResult(cred, expiry.value if isinstance(expiry.value, int) else 0)
