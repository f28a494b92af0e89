"""``win32security``: pywin32's SSPI functions and types, running on sspi-emu's C-shaped API.

Conventions kept from pywin32 (see ``docs`` in :mod:`sspi_emu.compat`):

* positional arguments; ints accepted signed or unsigned (32-bit), returned signed;
* ``InitializeSecurityContext`` / ``AcceptSecurityContext`` raise :class:`error` only for a
  negative status and return ``(status, ContextAttr, expiry)``; only the output desc is
  copied back, and only on success;
* ``ISC_REQ_ALLOCATE_MEMORY`` gives NotImplementedError, as in pywin32.

Extensions (not in pywin32, for Schannel): ``AuthData`` may be any package-specific object
(e.g. Schannel credentials), passed through unchanged; :func:`ApplyControlToken` and
``PyCtxtHandle.ApplyControlToken``; :data:`SYNC_INPUT_EXTRA` makes ISC/ASC copy back input
buffers that became SECBUFFER_EXTRA / SECBUFFER_MISSING.
"""

from __future__ import annotations

from ... import api
from ... import constants as C
from ...handles import ULONG, Box, TimeStamp
from ...identity import SEC_WINNT_AUTH_IDENTITY
from ._attributes import package_info_dict
from ._buffers import PySecBuffer, PySecBufferDesc, as_desc
from ._convert import as_long, as_str, check_ok, raise_api, signed, timestamp
from ._handles import PyCredHandle, PyCtxtHandle, as_cred, as_ctxt
from .pywintypes import error

__all__ = [
    "AcceptSecurityContext",
    "AcquireCredentialsHandle",
    "ApplyControlToken",
    "CredHandleType",
    "CtxtHandleType",
    "EnumerateSecurityPackages",
    "InitializeSecurityContext",
    "PyCredHandleType",
    "PyCtxtHandleType",
    "PySecBufferDescType",
    "PySecBufferType",
    "QuerySecurityPackageInfo",
    "SecBufferDescType",
    "SecBufferType",
    "error",
]

PySecBufferType = SecBufferType = PySecBuffer
PySecBufferDescType = SecBufferDescType = PySecBufferDesc
PyCtxtHandleType = CtxtHandleType = PyCtxtHandle
PyCredHandleType = CredHandleType = PyCredHandle

SECPKG_CRED_INBOUND = 1
SECPKG_CRED_OUTBOUND = 2
SECPKG_CRED_BOTH = 3
SECPKG_FLAG_INTEGRITY = 0x1
SECPKG_FLAG_PRIVACY = 0x2
SECPKG_FLAG_TOKEN_ONLY = 0x4
SECPKG_FLAG_DATAGRAM = 0x8
SECPKG_FLAG_CONNECTION = 0x10
SECPKG_FLAG_MULTI_REQUIRED = 0x20
SECPKG_FLAG_CLIENT_ONLY = 0x40
SECPKG_FLAG_EXTENDED_ERROR = 0x80
SECPKG_FLAG_IMPERSONATION = 0x100
SECPKG_FLAG_ACCEPT_WIN32_NAME = 0x200
SECPKG_FLAG_STREAM = 0x400
MSV1_0_PACKAGE_NAME = b"MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"
MICROSOFT_KERBEROS_NAME_A = b"Kerberos"

#: Extension: when True, ISC/ASC also copy back *input* buffers that became EXTRA or MISSING
#: (Schannel handshakes need them; pywin32 never copies inputs back).
SYNC_INPUT_EXTRA = False

_EXTRA_MISSING = frozenset({C.SECBUFFER_EXTRA, C.SECBUFFER_MISSING})
_ALLOCATE = 0x100
_BAD_AUTHDATA = "AuthData must be a tuple of 3 strings (or None): (User, Domain, Password)"


def _auth_data(value: object) -> object:
    """pywin32's ``(User, Domain, Password)`` tuple, or (extension) a package-specific object."""
    if value is None:
        return None
    if isinstance(value, tuple):
        if len(value) != 3:
            raise TypeError(_BAD_AUTHDATA)
        user, domain, password = (as_str(v, True) for v in value)
        return SEC_WINNT_AUTH_IDENTITY(User=user, Domain=domain, Password=password)
    if isinstance(value, (list, str, bytes, bytearray, int, float, dict, set)):
        raise TypeError(_BAD_AUTHDATA)
    return value  # extension: SCH_CREDENTIALS / SCHANNEL_CRED or any package's auth data


def AcquireCredentialsHandle(
    Principal: object,
    Package: object,
    CredentialUse: object,
    LogonID: object,
    AuthData: object,
    GetKeyFn: object = None,
    GetKeyArgument: object = None,
) -> tuple[PyCredHandle, object]:
    """Acquire credentials: ``(PyCredHandle, expiry)``; raises :class:`error` unless SEC_E_OK."""
    principal = as_str(Principal, True)
    package = as_str(Package, False)
    use = as_long(CredentialUse, "CredentialUse")
    if LogonID is not None and not isinstance(LogonID, int):
        raise TypeError("LogonID must be an int LUID or None")
    auth = _auth_data(AuthData)
    if GetKeyFn is not None or GetKeyArgument is not None:
        raise NotImplementedError("GetKeyFn and GetKeyArgument are not supported")
    cred = PyCredHandle()
    expiry = TimeStamp()
    status = api.AcquireCredentialsHandle(principal, package, use, LogonID, auth, None, None, cred._h, expiry)
    check_ok(status, "AcquireCredentialsHandle")
    return cred, timestamp(expiry.value)


def _sync_inputs(desc: PySecBufferDesc | None, core: object) -> None:
    if SYNC_INPUT_EXTRA and desc is not None and core is not None:
        desc._copy_back(core, _EXTRA_MISSING)  # type: ignore[arg-type]


def InitializeSecurityContext(
    Credential: object,
    Context: object,
    TargetName: object,
    ContextReq: object,
    TargetDataRep: object,
    pInput: object,
    NewContext: object,
    pOutput: object,
) -> tuple[int, int, object]:
    """One client leg: ``(status, ContextAttr, expiry)``; raises :class:`error` only if status < 0."""
    cred = as_cred(Credential)
    ctxt = as_ctxt(Context, True)
    target = as_str(TargetName, True)
    req = as_long(ContextReq, "ContextReq")
    drep = as_long(TargetDataRep, "TargetDataRep")
    pin = as_desc(pInput, True)
    new = as_ctxt(NewContext, False)
    pout = as_desc(pOutput, False)
    assert new is not None and pout is not None
    if req & _ALLOCATE:
        raise NotImplementedError("Use of ISC_REQ_ALLOCATE_MEMORY is not yet supported")
    core_in = pin._to_core() if pin is not None else None
    core_out = pout._to_core()
    attrs, expiry = ULONG(), TimeStamp()
    status = api.InitializeSecurityContext(cred._h, ctxt._h if ctxt is not None else None, target, req, 0, drep,
                                           core_in, 0, new._h, core_out, attrs, expiry)
    _sync_inputs(pin, core_in)
    if signed(status) < 0:
        raise_api(status, "InitializeSecurityContext")
    pout._copy_back(core_out)
    return signed(status), signed(attrs.value if isinstance(attrs.value, int) else 0), timestamp(expiry.value)


def AcceptSecurityContext(
    Credential: object,
    Context: object,
    pInput: object,
    ContextReq: object,
    TargetDataRep: object,
    NewContext: object,
    pOutput: object,
) -> tuple[int, int, object]:
    """One server leg: ``(status, ContextAttr, expiry)``; raises :class:`error` only if status < 0."""
    cred = as_cred(Credential)
    ctxt = as_ctxt(Context, True)
    pin = as_desc(pInput, True)
    req = as_long(ContextReq, "ContextReq")
    drep = as_long(TargetDataRep, "TargetDataRep")
    new = as_ctxt(NewContext, False)
    pout = as_desc(pOutput, False)
    assert new is not None and pout is not None
    if req & _ALLOCATE:
        raise NotImplementedError("Use of ISC_REQ_ALLOCATE_MEMORY is not yet supported")
    core_in = pin._to_core() if pin is not None else None
    core_out = pout._to_core()
    attrs, expiry = ULONG(), TimeStamp()
    status = api.AcceptSecurityContext(cred._h, ctxt._h if ctxt is not None else None, core_in, req, drep,
                                       new._h, core_out, attrs, expiry)
    _sync_inputs(pin, core_in)
    if signed(status) < 0:
        raise_api(status, "AcceptSecurityContext")
    pout._copy_back(core_out)
    return signed(status), signed(attrs.value if isinstance(attrs.value, int) else 0), timestamp(expiry.value)


def QuerySecurityPackageInfo(PackageName: object) -> dict[str, object]:
    """The package's info dict (Capabilities, Version, RPCID, MaxToken, Name, Comment)."""
    name = as_str(PackageName, False)
    box = Box()
    check_ok(api.QuerySecurityPackageInfo(name, box), "QuerySecurityPackageInfo")
    info = package_info_dict(box.value)
    api.FreeContextBuffer(box)
    return info


def EnumerateSecurityPackages() -> tuple[dict[str, object], ...]:
    """Every package's info dict, as a tuple."""
    count, array = Box(), Box()
    status = api.EnumerateSecurityPackages(count, array)
    if status != 0:
        raise SystemError("error return without exception set")
    items = array.value if isinstance(array.value, list) else []
    result = tuple(package_info_dict(i) for i in items)
    api.FreeContextBuffer(array)
    return result


def ApplyControlToken(Context: object, Input: object) -> None:
    """sspi-emu extension (absent from pywin32): ``ApplyControlToken(ctxt, desc)``, e.g. SCHANNEL_SHUTDOWN."""
    ctxt = as_ctxt(Context, False)
    assert ctxt is not None
    ctxt.ApplyControlToken(Input)


def LsaCallAuthenticationPackage(*args: object) -> object:
    """Not emulated (Kerberos ticket-cache messages have no meaning here)."""
    raise NotImplementedError("LsaCallAuthenticationPackage is not emulated by sspi-emu")


