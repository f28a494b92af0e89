"""``sspilib.raw`` on sspi-emu: the low-level functions, classes and enums with sspilib's names and conventions.

Conventions kept: keyword argument names, namedtuple results, unsigned ``int`` inputs
(negative values raise OverflowError), an unsigned qop from ``decrypt_message``, ISC/ASC
raising :class:`WindowsError` for every status outside :class:`NtStatus`, output buffers
synced only on success, input buffers never synced.
"""

from __future__ import annotations

from ._attributes import (
    SecPkgContext,
    SecPkgContextNames,
    SecPkgContextPackageInfo,
    SecPkgContextSessionKey,
    SecPkgContextSizes,
    SecPkgCred,
    SecPkgCredKdcProxySettings,
    SecPkgInfo,
    enumerate_security_packages,
    query_context_attributes,
    set_credentials_attributes,
)
from ._buffers import SECBUFFER_VERSION, SecBuffer, SecBufferDesc, SecChannelBindings
from ._context import (
    AcceptContextResult,
    CtxtHandle,
    InitializeContextResult,
    accept_security_context,
    complete_auth_token,
    initialize_security_context,
)
from ._credential import (
    AcquireCredentialsResult,
    AuthIdentity,
    CredHandle,
    WinNTAuthCredentialType,
    WinNTAuthIdentity,
    WinNTAuthIdentityPackedCredential,
    acquire_credentials_handle,
)
from ._enums import (
    AscReq,
    AscRet,
    CredentialUse,
    IscReq,
    IscRet,
    KdcProxySettingsFlags,
    NtStatus,
    QopFlags,
    SecBufferFlags,
    SecBufferType,
    SecurityPackageCapability,
    TargetDataRep,
    WinNTAuthFlags,
)
from ._message import decrypt_message, encrypt_message, make_signature, verify_signature
from ._winerror import WindowsError

__all__ = [
    "SECBUFFER_VERSION",
    "AcceptContextResult",
    "AcquireCredentialsResult",
    "AscReq",
    "AscRet",
    "AuthIdentity",
    "CredHandle",
    "CredentialUse",
    "CtxtHandle",
    "InitializeContextResult",
    "IscReq",
    "IscRet",
    "KdcProxySettingsFlags",
    "NtStatus",
    "QopFlags",
    "SecBuffer",
    "SecBufferDesc",
    "SecBufferFlags",
    "SecBufferType",
    "SecChannelBindings",
    "SecPkgContext",
    "SecPkgContextNames",
    "SecPkgContextPackageInfo",
    "SecPkgContextSessionKey",
    "SecPkgContextSizes",
    "SecPkgCred",
    "SecPkgCredKdcProxySettings",
    "SecPkgInfo",
    "SecurityPackageCapability",
    "TargetDataRep",
    "WinNTAuthCredentialType",
    "WinNTAuthFlags",
    "WinNTAuthIdentity",
    "WinNTAuthIdentityPackedCredential",
    "WindowsError",
    "accept_security_context",
    "acquire_credentials_handle",
    "complete_auth_token",
    "decrypt_message",
    "encrypt_message",
    "enumerate_security_packages",
    "initialize_security_context",
    "make_signature",
    "query_context_attributes",
    "set_credentials_attributes",
    "verify_signature",
]
