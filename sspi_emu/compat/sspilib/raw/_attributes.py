"""Context / credential attributes and package info of ``sspilib.raw``."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from .... import api
from .... import constants as C
from ....attributes import SecPkgCredentials_KdcProxySettings
from ....handles import Box
from ._args import check_type
from ._context import CtxtHandle
from ._credential import CredHandle
from ._enums import KdcProxySettingsFlags, SecurityPackageCapability
from ._winerror import check, raise_status

__all__ = [
    "SecPkgContext",
    "SecPkgContextNames",
    "SecPkgContextPackageInfo",
    "SecPkgContextSessionKey",
    "SecPkgContextSizes",
    "SecPkgCred",
    "SecPkgCredKdcProxySettings",
    "SecPkgInfo",
    "enumerate_security_packages",
    "query_context_attributes",
    "set_credentials_attributes",
]


@dataclasses.dataclass
class SecPkgInfo:
    """A security package description."""

    capabilities: SecurityPackageCapability
    version: int
    rpcid: int
    max_token: int
    name: str
    comment: str


def _pkg_info(info: Any) -> SecPkgInfo:
    return SecPkgInfo(SecurityPackageCapability(int(getattr(info, "fCapabilities", 0))),
                      int(getattr(info, "wVersion", 0)), int(getattr(info, "wRPCID", 0)),
                      int(getattr(info, "cbMaxToken", 0)), str(getattr(info, "Name", "")),
                      str(getattr(info, "Comment", "")))


class SecPkgContext:
    """Base of the attribute classes :func:`query_context_attributes` fills."""

    _attribute: int = -1

    def _fill(self, value: Any) -> None:
        raise NotImplementedError


class SecPkgContextNames(SecPkgContext):
    """SECPKG_ATTR_NAMES: ``username``."""

    _attribute = C.SECPKG_ATTR_NAMES

    def __init__(self) -> None:
        self.username = ""

    def _fill(self, value: Any) -> None:
        self.username = str(getattr(value, "sUserName", "") or "")

    def __repr__(self) -> str:
        return f"SecPkgContextNames(username={self.username!r})"


class SecPkgContextPackageInfo(SecPkgContext):
    """SECPKG_ATTR_PACKAGE_INFO: capabilities, version, rpcid, max_token, name, comment."""

    _attribute = C.SECPKG_ATTR_PACKAGE_INFO

    def __init__(self) -> None:
        self.capabilities = SecurityPackageCapability(0)
        self.version = 0
        self.rpcid = 0
        self.max_token = 0
        self.name = ""
        self.comment = ""

    def _fill(self, value: Any) -> None:
        info = _pkg_info(getattr(value, "PackageInfo", None))
        self.capabilities, self.version, self.rpcid = info.capabilities, info.version, info.rpcid
        self.max_token, self.name, self.comment = info.max_token, info.name, info.comment

    def __repr__(self) -> str:
        return f"SecPkgContextPackageInfo(name={self.name!r}, max_token={self.max_token})"


class SecPkgContextSessionKey(SecPkgContext):
    """SECPKG_ATTR_SESSION_KEY: ``session_key`` (bytes)."""

    _attribute = C.SECPKG_ATTR_SESSION_KEY

    def __init__(self) -> None:
        self.session_key = b""

    def _fill(self, value: Any) -> None:
        self.session_key = bytes(getattr(value, "SessionKey", b""))

    def __repr__(self) -> str:
        return "SecPkgContextSessionKey(session_key=<hidden>)"


class SecPkgContextSizes(SecPkgContext):
    """SECPKG_ATTR_SIZES: max_token, max_signature, block_size, security_trailer."""

    _attribute = C.SECPKG_ATTR_SIZES

    def __init__(self) -> None:
        self.max_token = 0
        self.max_signature = 0
        self.block_size = 0
        self.security_trailer = 0

    def _fill(self, value: Any) -> None:
        self.max_token = int(getattr(value, "cbMaxToken", 0))
        self.max_signature = int(getattr(value, "cbMaxSignature", 0))
        self.block_size = int(getattr(value, "cbBlockSize", 0))
        self.security_trailer = int(getattr(value, "cbSecurityTrailer", 0))

    def __repr__(self) -> str:
        return (f"SecPkgContextSizes(max_token={self.max_token}, max_signature={self.max_signature}, "
                f"block_size={self.block_size}, security_trailer={self.security_trailer})")


T = TypeVar("T", bound=SecPkgContext)


def query_context_attributes(context: CtxtHandle, attribute: type[T]) -> T:
    """QueryContextAttributes: an instance of *attribute* (a SecPkgContext subclass), filled in."""
    check_type(context, CtxtHandle, "context")
    if not isinstance(attribute, type) or not issubclass(attribute, SecPkgContext) or attribute._attribute < 0:
        raise TypeError("attribute must be a type of SecPkgContext")
    box = Box()
    check(api.QueryContextAttributes(context._h, attribute._attribute, box))
    result = attribute()
    result._fill(box.value)
    return result


class SecPkgCred:
    """Base of the credential attribute classes."""


class SecPkgCredKdcProxySettings(SecPkgCred):
    """SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS: ``flags`` and ``proxy_server``."""

    def __init__(self, *, flags: int = 0, proxy_server: str | None = None) -> None:
        self.version = 1
        self.flags = KdcProxySettingsFlags(flags)
        self.proxy_server = proxy_server


def set_credentials_attributes(credential: CredHandle, attribute: SecPkgCred) -> None:
    """SetCredentialsAttributes (the KDC proxy settings of a Kerberos or Negotiate credential)."""
    check_type(credential, CredHandle, "credential")
    check_type(attribute, SecPkgCred, "attribute")
    if not isinstance(attribute, SecPkgCredKdcProxySettings):
        raise_status(C.SEC_E_UNSUPPORTED_FUNCTION)
    settings = SecPkgCredentials_KdcProxySettings(Version=attribute.version, Flags=int(attribute.flags),
                                                  ProxyServer=attribute.proxy_server or "")
    check(api.SetCredentialsAttributes(credential._h, C.SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS, settings))


def enumerate_security_packages() -> list[SecPkgInfo]:
    """Every package sspi-emu provides."""
    count, array = Box(), Box()
    check(api.EnumerateSecurityPackages(count, array))
    items = array.value if isinstance(array.value, list) else []
    result = [_pkg_info(i) for i in items]
    api.FreeContextBuffer(array)
    return result
