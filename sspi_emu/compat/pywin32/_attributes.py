"""QueryContextAttributes results in the Python shapes pywin32 returns (§1.7 of the surface notes)."""

from __future__ import annotations

from typing import Any, Callable

from ... import constants as C
from ...attributes import SecPkgInfo
from ._convert import signed, timestamp
from .pywintypes import HANDLE

__all__ = ["convert_context_attribute", "package_info_dict"]


def package_info_dict(info: Any) -> dict[str, object]:
    """A ``SecPkgInfo`` as pywin32's dict: Capabilities, Version, RPCID, MaxToken, Name, Comment."""
    if not isinstance(info, SecPkgInfo):
        info = SecPkgInfo()
    return {
        "Capabilities": signed(info.fCapabilities),
        "Version": signed(info.wVersion),
        "RPCID": signed(info.wRPCID),
        "MaxToken": signed(info.cbMaxToken),
        "Name": info.Name,
        "Comment": info.Comment,
    }


def _get(obj: object, *names: str, default: object = 0) -> Any:
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    return default


def _int(obj: object, *names: str) -> int:
    value = _get(obj, *names)
    return signed(value) if isinstance(value, int) else 0


def _sizes(v: object) -> object:
    return {"MaxToken": _int(v, "cbMaxToken"), "MaxSignature": _int(v, "cbMaxSignature"),
            "BlockSize": _int(v, "cbBlockSize"), "SecurityTrailer": _int(v, "cbSecurityTrailer")}


def _stream_sizes(v: object) -> object:
    return {"Header": _int(v, "cbHeader"), "Trailer": _int(v, "cbTrailer"),
            "MaximumMessage": _int(v, "cbMaximumMessage"), "Buffers": _int(v, "cBuffers"),
            "BlockSize": _int(v, "cbBlockSize")}


def _key_info(v: object) -> object:
    return {"SignatureAlgorithmName": str(_get(v, "sSignatureAlgorithmName", default="")),
            "EncryptAlgorithmName": str(_get(v, "sEncryptAlgorithmName", default="")),
            "KeySize": _int(v, "KeySize"), "SignatureAlgorithm": _int(v, "SignatureAlgorithm"),
            "EncryptAlgorithm": _int(v, "EncryptAlgorithm")}


def _connection_info(v: object) -> object:
    return {"Protocol": _int(v, "dwProtocol"), "Cipher": _int(v, "aiCipher"),
            "CipherStrength": _int(v, "dwCipherStrength"), "Hash": _int(v, "aiHash"),
            "HashStrength": _int(v, "dwHashStrength"), "Exch": _int(v, "aiExch"),
            "ExchStrength": _int(v, "dwExchStrength")}


def _lifespan(v: object) -> object:
    return (timestamp(_get(v, "tsStart")), timestamp(_get(v, "tsExpiry")))


def _password_expiry(v: object) -> object:
    return timestamp(v if isinstance(v, int) else _get(v, "tsPasswordExpires", default=C.TIMESTAMP_NEVER))


def _handle(v: object) -> object:
    token = _get(v, "AccessToken", default=None)
    if isinstance(token, HANDLE):
        return token
    return HANDLE(token if isinstance(token, int) else (id(token) if token is not None else 0))


def _cipher_strengths(v: object) -> object:
    if isinstance(v, tuple) and len(v) == 2:
        return (signed(int(v[0])), signed(int(v[1])))
    return (_int(v, "dwMinimumCipherStrength"), _int(v, "dwMaximumCipherStrength"))


def _issuers(v: object) -> object:
    issuers = list(_get(v, "aIssuers", default=[]))
    return (len(issuers), bytes(issuers[0]) if issuers else b"")


def _bytes(*names: str) -> Callable[[object], object]:
    return lambda v: bytes(_get(v, *names, default=b""))


def _text(*names: str) -> Callable[[object], object]:
    return lambda v: str(_get(v, *names, default=""))


_CONVERTERS: dict[int, Callable[[object], object]] = {
    C.SECPKG_ATTR_SIZES: _sizes,
    C.SECPKG_ATTR_NAMES: _text("sUserName"),
    C.SECPKG_ATTR_LIFESPAN: _lifespan,
    C.SECPKG_ATTR_STREAM_SIZES: _stream_sizes,
    C.SECPKG_ATTR_KEY_INFO: _key_info,
    C.SECPKG_ATTR_AUTHORITY: _text("sAuthorityName"),
    C.SECPKG_ATTR_PASSWORD_EXPIRY: _password_expiry,
    C.SECPKG_ATTR_SESSION_KEY: _bytes("SessionKey"),
    C.SECPKG_ATTR_PACKAGE_INFO: lambda v: package_info_dict(_get(v, "PackageInfo", default=None)),
    C.SECPKG_ATTR_NEGOTIATION_INFO: lambda v: (_int(v, "NegotiationState"),
                                               package_info_dict(_get(v, "PackageInfo", default=None))),
    C.SECPKG_ATTR_NATIVE_NAMES: lambda v: (str(_get(v, "sClientName", default="")),
                                           str(_get(v, "sServerName", default=""))),
    C.SECPKG_ATTR_FLAGS: lambda v: int(_get(v, "Flags")) & 0xFFFFFFFF,
    C.SECPKG_ATTR_TARGET_INFORMATION: _bytes("MarshalledTargetInfo"),
    C.SECPKG_ATTR_ACCESS_TOKEN: _handle,
    C.SECPKG_ATTR_CIPHER_STRENGTHS: _cipher_strengths,
    C.SECPKG_ATTR_ISSUER_LIST_EX: _issuers,
    C.SECPKG_ATTR_CONNECTION_INFO: _connection_info,
}


def convert_context_attribute(attribute: int, value: object) -> object:
    """The Python value pywin32 returns for *attribute*; NotImplementedError for unmapped ids."""
    conv = _CONVERTERS.get(attribute)
    if conv is None:
        raise NotImplementedError("Attribute is not supported yet")
    return conv(value)
