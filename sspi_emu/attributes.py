"""Attribute structures filled by QueryContextAttributes / QueryCredentialsAttributes.

Field names follow the Windows structures (``SecPkgContext_Sizes.cbMaxToken`` ...).
Each class maps to one ``SECPKG_ATTR_*`` id in :data:`CONTEXT_ATTRIBUTE_CLASSES`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from . import constants as C

__all__ = [
    "SecPkgInfo",
    "SecPkgContext_Sizes",
    "SecPkgContext_StreamSizes",
    "SecPkgContext_Names",
    "SecPkgContext_NativeNames",
    "SecPkgContext_Lifespan",
    "SecPkgContext_KeyInfo",
    "SecPkgContext_Authority",
    "SecPkgContext_SessionKey",
    "SecPkgContext_PackageInfo",
    "SecPkgContext_NegotiationInfo",
    "SecPkgContext_Flags",
    "SecPkgContext_TargetInformation",
    "SecPkgContext_AccessToken",
    "SecPkgContext_Bindings",
    "SecPkgContext_ApplicationProtocol",
    "SecPkgContext_ConnectionInfo",
    "SecPkgContext_CipherInfo",
    "SecPkgContext_CertContext",
    "SecPkgContext_IssuerListInfoEx",
    "SecPkgContext_KeyingMaterial",
    "SecPkgContext_EapKeyBlock",
    "SecPkgContext_SessionInfo",
    "SecPkgContext_NegotiationPackage",
    "SecPkgCredentials_KdcProxySettings",
    "SecPkgCredentials_Names",
    "CONTEXT_ATTRIBUTE_CLASSES",
    "CREDENTIAL_ATTRIBUTE_CLASSES",
]


@dataclass
class SecPkgInfo:
    """A package description (``SecPkgInfoW``)."""

    fCapabilities: int = 0
    wVersion: int = 1
    wRPCID: int = 0xFFFF
    cbMaxToken: int = 0
    Name: str = ""
    Comment: str = ""


@dataclass
class SecPkgContext_Sizes:
    cbMaxToken: int = 0
    cbMaxSignature: int = 0
    cbBlockSize: int = 0
    cbSecurityTrailer: int = 0


@dataclass
class SecPkgContext_StreamSizes:
    cbHeader: int = 0
    cbTrailer: int = 0
    cbMaximumMessage: int = 0
    cBuffers: int = 0
    cbBlockSize: int = 0


@dataclass
class SecPkgContext_Names:
    sUserName: str = ""


@dataclass
class SecPkgContext_NativeNames:
    sClientName: str = ""
    sServerName: str = ""


@dataclass
class SecPkgContext_Lifespan:
    tsStart: int = 0
    tsExpiry: int = 0


@dataclass
class SecPkgContext_KeyInfo:
    sSignatureAlgorithmName: str = ""
    sEncryptAlgorithmName: str = ""
    KeySize: int = 0
    SignatureAlgorithm: int = 0
    EncryptAlgorithm: int = 0


@dataclass
class SecPkgContext_Authority:
    sAuthorityName: str = ""


@dataclass
class SecPkgContext_SessionKey:
    SessionKey: bytes = field(default=b"", repr=False)

    @property
    def SessionKeyLength(self) -> int:
        return len(self.SessionKey)


@dataclass
class SecPkgContext_PackageInfo:
    PackageInfo: SecPkgInfo = field(default_factory=SecPkgInfo)


@dataclass
class SecPkgContext_NegotiationInfo:
    PackageInfo: SecPkgInfo = field(default_factory=SecPkgInfo)
    NegotiationState: int = 0


@dataclass
class SecPkgContext_Flags:
    Flags: int = 0


@dataclass
class SecPkgContext_TargetInformation:
    MarshalledTargetInfo: bytes = b""


@dataclass
class SecPkgContext_AccessToken:
    AccessToken: Any = None


@dataclass
class SecPkgContext_Bindings:
    """A ``SEC_CHANNEL_BINDINGS`` blob (ENDPOINT_BINDINGS / UNIQUE_BINDINGS)."""

    Bindings: bytes = b""

    @property
    def BindingsLength(self) -> int:
        return len(self.Bindings)


@dataclass
class SecPkgContext_ApplicationProtocol:
    ProtoNegoStatus: int = 0  # 0 none, 1 success, 2 selected-client-only
    ProtoNegoExt: int = 0  # 2 = ALPN
    ProtocolId: bytes = b""

    @property
    def ProtocolIdSize(self) -> int:
        return len(self.ProtocolId)


@dataclass
class SecPkgContext_ConnectionInfo:
    dwProtocol: int = 0
    aiCipher: int = 0
    dwCipherStrength: int = 0
    aiHash: int = 0
    dwHashStrength: int = 0
    aiExch: int = 0
    dwExchStrength: int = 0


@dataclass
class SecPkgContext_CipherInfo:
    dwVersion: int = 1
    dwProtocol: int = 0
    dwCipherSuite: int = 0
    dwBaseCipherSuite: int = 0
    szCipherSuite: str = ""
    szCipher: str = ""
    dwCipherLen: int = 0
    dwCipherBlockLen: int = 0
    szHash: str = ""
    dwHashLen: int = 0
    szExchange: str = ""
    dwMinExchangeLen: int = 0
    dwMaxExchangeLen: int = 0
    szCertificate: str = ""
    dwKeyType: int = 0


@dataclass
class SecPkgContext_CertContext:
    """REMOTE_CERT_CONTEXT / LOCAL_CERT_CONTEXT: the certificate (a ``cryptography`` object) and chain."""

    Certificate: Any = None
    Chain: list[Any] = field(default_factory=list)


@dataclass
class SecPkgContext_IssuerListInfoEx:
    aIssuers: list[bytes] = field(default_factory=list)

    @property
    def cIssuers(self) -> int:
        return len(self.aIssuers)


@dataclass
class SecPkgContext_KeyingMaterial:
    KeyingMaterial: bytes = field(default=b"", repr=False)


@dataclass
class SecPkgContext_EapKeyBlock:
    rgbKeys: bytes = field(default=b"", repr=False)
    rgbIVs: bytes = field(default=b"", repr=False)


@dataclass
class SecPkgContext_SessionInfo:
    dwFlags: int = 0  # SSL_SESSION_RECONNECT = 1
    SessionId: bytes = b""


@dataclass
class SecPkgContext_NegotiationPackage:
    """The package a Negotiate context chose (name only)."""

    PackageInfo: SecPkgInfo = field(default_factory=SecPkgInfo)


@dataclass
class SecPkgCredentials_Names:
    sUserName: str = ""


@dataclass
class SecPkgCredentials_KdcProxySettings:
    """SecPkgCredentials_KdcProxySettingsW: a Kerberos credential's KDC proxy (MS-KKDCP).

    ``ProxyServer`` is Windows' ``host[:port[:path]]`` (an ``https://`` URL is accepted too);
    empty turns the proxy off. ``Flags`` ``KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY`` sends every KDC
    request through the proxy; without it the proxy is used when the KDC cannot be reached.
    ``ClientTlsCred`` (a client certificate for the proxy) is not supported here.
    """

    Version: int = C.KDC_PROXY_SETTINGS_V1
    Flags: int = 0
    ProxyServer: str = ""
    ClientTlsCred: str = ""


#: Which structure each context attribute id fills.
CONTEXT_ATTRIBUTE_CLASSES: dict[int, type] = {
    C.SECPKG_ATTR_SIZES: SecPkgContext_Sizes,
    C.SECPKG_ATTR_NAMES: SecPkgContext_Names,
    C.SECPKG_ATTR_LIFESPAN: SecPkgContext_Lifespan,
    C.SECPKG_ATTR_STREAM_SIZES: SecPkgContext_StreamSizes,
    C.SECPKG_ATTR_KEY_INFO: SecPkgContext_KeyInfo,
    C.SECPKG_ATTR_AUTHORITY: SecPkgContext_Authority,
    C.SECPKG_ATTR_SESSION_KEY: SecPkgContext_SessionKey,
    C.SECPKG_ATTR_PACKAGE_INFO: SecPkgContext_PackageInfo,
    C.SECPKG_ATTR_NEGOTIATION_INFO: SecPkgContext_NegotiationInfo,
    C.SECPKG_ATTR_NATIVE_NAMES: SecPkgContext_NativeNames,
    C.SECPKG_ATTR_FLAGS: SecPkgContext_Flags,
    C.SECPKG_ATTR_TARGET_INFORMATION: SecPkgContext_TargetInformation,
    C.SECPKG_ATTR_ACCESS_TOKEN: SecPkgContext_AccessToken,
    C.SECPKG_ATTR_UNIQUE_BINDINGS: SecPkgContext_Bindings,
    C.SECPKG_ATTR_ENDPOINT_BINDINGS: SecPkgContext_Bindings,
    C.SECPKG_ATTR_APPLICATION_PROTOCOL: SecPkgContext_ApplicationProtocol,
    C.SECPKG_ATTR_CONNECTION_INFO: SecPkgContext_ConnectionInfo,
    C.SECPKG_ATTR_CIPHER_INFO: SecPkgContext_CipherInfo,
    C.SECPKG_ATTR_REMOTE_CERT_CONTEXT: SecPkgContext_CertContext,
    C.SECPKG_ATTR_LOCAL_CERT_CONTEXT: SecPkgContext_CertContext,
    C.SECPKG_ATTR_ISSUER_LIST_EX: SecPkgContext_IssuerListInfoEx,
    C.SECPKG_ATTR_KEYING_MATERIAL: SecPkgContext_KeyingMaterial,
    C.SECPKG_ATTR_EAP_KEY_BLOCK: SecPkgContext_EapKeyBlock,
    C.SECPKG_ATTR_SESSION_INFO: SecPkgContext_SessionInfo,
    C.SECPKG_ATTR_NEGOTIATION_PACKAGE: SecPkgContext_NegotiationPackage,
}

CREDENTIAL_ATTRIBUTE_CLASSES: dict[int, type] = {
    C.SECPKG_CRED_ATTR_NAMES: SecPkgCredentials_Names,
    C.SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS: SecPkgCredentials_KdcProxySettings,
}


def fill(target: object, source: object) -> bool:
    """Copy the fields of dataclass *source* into *target* (same class); False if they do not match."""
    if type(target) is not type(source) or not dataclasses.is_dataclass(source):
        return False
    for f in dataclasses.fields(source):
        setattr(target, f.name, getattr(source, f.name))
    return True
