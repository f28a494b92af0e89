"""The C-shaped SSPI: Windows function names, argument order and meaning.

Out-parameters are mutable objects (:class:`CredHandle`, :class:`CtxtHandle`,
:class:`SecBufferDesc`, :class:`ULONG` / :class:`TimeStamp` boxes). Every function
returns a :class:`SecurityStatus` and never raises on bad input: a malformed token, a
wrong handle or an absurd flag each give the documented status.
"""

from __future__ import annotations

from . import dispatcher as _d
from .buffers import SecBuffer, SecBufferDesc
from .handles import ULONG, Box, CredHandle, CtxtHandle, TimeStamp
from .identity import SEC_WINNT_AUTH_IDENTITY

__all__ = [
    "AcceptSecurityContext",
    "AcquireCredentialsHandle",
    "ApplyControlToken",
    "Box",
    "CompleteAuthToken",
    "CredHandle",
    "CtxtHandle",
    "DecryptMessage",
    "DeleteSecurityContext",
    "EncryptMessage",
    "EnumerateSecurityPackages",
    "ExportSecurityContext",
    "FreeContextBuffer",
    "FreeCredentialsHandle",
    "ImportSecurityContext",
    "InitializeSecurityContext",
    "MakeSignature",
    "QueryContextAttributes",
    "QueryCredentialsAttributes",
    "QuerySecurityPackageInfo",
    "SEC_WINNT_AUTH_IDENTITY",
    "SecBuffer",
    "SecBufferDesc",
    "SetContextAttributes",
    "SetCredentialsAttributes",
    "TimeStamp",
    "ULONG",
    "VerifySignature",
]

_g = _d.guarded

AcquireCredentialsHandle = _g("AcquireCredentialsHandle")(_d.acquire_credentials_handle)
FreeCredentialsHandle = _g("FreeCredentialsHandle")(_d.free_credentials_handle)
QueryCredentialsAttributes = _g("QueryCredentialsAttributes")(_d.query_credentials_attributes)
SetCredentialsAttributes = _g("SetCredentialsAttributes")(_d.set_credentials_attributes)
InitializeSecurityContext = _g("InitializeSecurityContext")(_d.initialize_security_context)
AcceptSecurityContext = _g("AcceptSecurityContext")(_d.accept_security_context)
CompleteAuthToken = _g("CompleteAuthToken")(_d.complete_auth_token)
DeleteSecurityContext = _g("DeleteSecurityContext")(_d.delete_security_context)
ApplyControlToken = _g("ApplyControlToken")(_d.apply_control_token)
ExportSecurityContext = _g("ExportSecurityContext")(_d.export_security_context)
ImportSecurityContext = _g("ImportSecurityContext")(_d.import_security_context)
QueryContextAttributes = _g("QueryContextAttributes")(_d.query_context_attributes)
SetContextAttributes = _g("SetContextAttributes")(_d.set_context_attributes)
MakeSignature = _g("MakeSignature")(_d.make_signature)
VerifySignature = _g("VerifySignature")(_d.verify_signature)
EncryptMessage = _g("EncryptMessage")(_d.encrypt_message)
DecryptMessage = _g("DecryptMessage")(_d.decrypt_message)
EnumerateSecurityPackages = _g("EnumerateSecurityPackages")(_d.enumerate_security_packages)
QuerySecurityPackageInfo = _g("QuerySecurityPackageInfo")(_d.query_security_package_info)
FreeContextBuffer = _g("FreeContextBuffer")(_d.free_context_buffer)

# Windows' A/W spellings.
AcquireCredentialsHandleW = AcquireCredentialsHandleA = AcquireCredentialsHandle
InitializeSecurityContextW = InitializeSecurityContextA = InitializeSecurityContext
QueryContextAttributesW = QueryContextAttributesA = QueryContextAttributes
QueryCredentialsAttributesW = QueryCredentialsAttributesA = QueryCredentialsAttributes
SetCredentialsAttributesW = SetCredentialsAttributesA = SetCredentialsAttributes
SetContextAttributesW = SetContextAttributesA = SetContextAttributes
EnumerateSecurityPackagesW = EnumerateSecurityPackagesA = EnumerateSecurityPackages
QuerySecurityPackageInfoW = QuerySecurityPackageInfoA = QuerySecurityPackageInfo
ImportSecurityContextW = ImportSecurityContextA = ImportSecurityContext
