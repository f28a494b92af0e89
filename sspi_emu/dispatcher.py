"""The SSPI state machine common to every package.

Owns handle validation and lifetimes, credential direction, first-call / next-call
rules, reserved arguments, output-token allocation (ALLOCATE_MEMORY vs caller-sized
buffers), SECBUFFER_EXTRA / MISSING / ALERT bookkeeping, return-flag merging, expiry,
re-authentication, the failed-context state, and the mapping of any unexpected
exception inside a package to ``SEC_E_INTERNAL_ERROR`` (logged, never raised).
Every function here returns a :class:`SecurityStatus`; none raises.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import weakref
from typing import Any, Callable, Iterator

from . import registry
from .attributes import (
    CONTEXT_ATTRIBUTE_CLASSES,
    CREDENTIAL_ATTRIBUTE_CLASSES,
    SecPkgContext_Flags,
    SecPkgContext_Lifespan,
    SecPkgContext_PackageInfo,
    SecPkgCredentials_Names,
    SecPkgInfo,
    fill,
)
from .buffers import SecBuffer, SecBufferDesc
from .constants import (
    ISC_RET_ALLOCATED_MEMORY,
    SECBUFFER_ALERT,
    SECBUFFER_EMPTY,
    SECBUFFER_EXTRA,
    SECBUFFER_MISSING,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_FLAGS,
    SECPKG_ATTR_LIFESPAN,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_CONTEXT_EXPORT_DELETE_OLD,
    SECPKG_CONTEXT_EXPORT_RESET_NEW,
    SECPKG_CONTEXT_EXPORT_TO_KERNEL,
    SECPKG_CRED_ATTR_NAMES,
    SECPKG_CRED_BOTH,
    SECPKG_CRED_INBOUND,
    SECPKG_CRED_OUTBOUND,
    SECURITY_NATIVE_DREP,
    SECURITY_NETWORK_DREP,
    TIMESTAMP_NEVER,
    SecurityStatus,
)
from .errors import SspiError
from .handles import Box, CredHandle, CtxtHandle, HandleTable
from .packed_context import PackedContext, PackedContextError, pack, unpack
from .spi import Credential, PackageContext, SecurityPackage, StepInput, StepOutput

log = logging.getLogger("sspi_emu")

S = SecurityStatus
_OK = S.SEC_E_OK
_CONTINUE = S.SEC_I_CONTINUE_NEEDED
_COMPLETE_NEEDED = S.SEC_I_COMPLETE_NEEDED
_COMPLETE_AND_CONTINUE = S.SEC_I_COMPLETE_AND_CONTINUE
_INCOMPLETE = S.SEC_E_INCOMPLETE_MESSAGE
_ALLOCATE = 0x100  # ISC_REQ_ALLOCATE_MEMORY == ASC_REQ_ALLOCATE_MEMORY
_TYPE_MASK = 0x0FFFFFFF
_USE_KNOWN = 0x3 | 0x4 | 0x10 | 0x20  # direction, DEFAULT, AUTOLOGON_RESTRICTED, PROCESS_POLICY_ONLY
_MAX_REQ = (1 << 64) - 1
_DEBUG = logging.DEBUG
_DREPS = (SECURITY_NATIVE_DREP, SECURITY_NETWORK_DREP)
_EXPORT_FLAGS = SECPKG_CONTEXT_EXPORT_RESET_NEW | SECPKG_CONTEXT_EXPORT_DELETE_OLD | SECPKG_CONTEXT_EXPORT_TO_KERNEL

IN_PROGRESS = "in progress"
COMPLETE = "complete"
FAILED = "failed"

CLIENT = "client"
SERVER = "server"
_FNAME = {CLIENT: "InitializeSecurityContext", SERVER: "AcceptSecurityContext"}


class ContextBuffer(bytearray):
    """Memory the package allocated for the caller (ALLOCATE_MEMORY); release with FreeContextBuffer."""

    # No Python __init__ (bytearray's own is used: allocation stays in C); "freed" is only
    # set by FreeContextBuffer, so an unset slot means live.
    __slots__ = ("freed",)
    freed: bool

    @property
    def live(self) -> bool:
        """False once FreeContextBuffer released the memory."""
        return not getattr(self, "freed", False)


class PackageInfoArray(list[SecPkgInfo]):
    """The array EnumerateSecurityPackages allocates; release with FreeContextBuffer."""

    __slots__ = ("__weakref__",)


_allocations: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


def _track(obj: Any) -> Any:
    _allocations[id(obj)] = obj
    return obj


class CredRecord:
    """A live credential: its package, the package's object and the direction."""

    __slots__ = ("package", "cred", "use")

    def __init__(self, package: SecurityPackage, cred: Credential, use: int) -> None:
        self.package = package
        self.cred = cred
        self.use = use


class CtxRecord:
    """A live context and the state the dispatcher keeps for it."""

    __slots__ = ("package", "pctx", "side", "state", "attrs", "expiry", "start", "target", "pending_complete", "cred")

    def __init__(
        self, package: SecurityPackage, pctx: PackageContext, side: str, target: str | None, cred: CredRecord | None
    ) -> None:
        self.cred = cred
        self.package = package
        self.pctx = pctx
        self.side = side
        self.state = IN_PROGRESS
        self.attrs = 0
        self.expiry = TIMESTAMP_NEVER
        self.start = 0
        self.target = target
        self.pending_complete: SecurityStatus | None = None


credentials: HandleTable[CredRecord] = HandleTable()
contexts: HandleTable[CtxRecord] = HandleTable()


def _status(value: object) -> SecurityStatus:
    if type(value) is SecurityStatus:
        return value
    try:
        return SecurityStatus.from_int(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return S.SEC_E_INTERNAL_ERROR


def _set(box: object, value: object) -> None:
    if isinstance(box, Box):
        box.value = value


#: Sees every C-shaped call made in its thread / task: ``observer(name, call, args)`` must
#: return ``call(*args)``'s status (a recorder stores arguments and results around it).
CallObserver = Callable[[str, Callable[..., SecurityStatus], tuple[Any, ...]], SecurityStatus]
_observer: contextvars.ContextVar[CallObserver | None] = contextvars.ContextVar("sspi_emu_observer", default=None)


@contextlib.contextmanager
def observing(observer: CallObserver) -> Iterator[None]:
    """Route every C-shaped call made inside the block (this thread / task) through *observer*."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def guarded(name: str) -> Callable[[Callable[..., SecurityStatus]], Callable[..., SecurityStatus]]:
    """Wrap an API function so that no exception escapes (it becomes SEC_E_INTERNAL_ERROR),
    and so that an installed observer sees the call."""

    def wrap(fn: Callable[..., SecurityStatus]) -> Callable[..., SecurityStatus]:
        def run(*args: Any) -> SecurityStatus:
            try:
                return fn(*args)
            except Exception:
                log.exception("%s: unexpected internal failure", name)
                return S.SEC_E_INTERNAL_ERROR

        get_observer = _observer.get

        def inner(*args: Any) -> SecurityStatus:
            # The unobserved path runs fn directly: one Python frame less on every API call.
            observer = get_observer()
            if observer is None:
                try:
                    return fn(*args)
                except Exception:
                    log.exception("%s: unexpected internal failure", name)
                    return S.SEC_E_INTERNAL_ERROR
            return observer(name, run, args)

        inner.__name__ = fn.__name__
        inner.__qualname__ = fn.__qualname__
        inner.__doc__ = fn.__doc__
        return inner

    return wrap


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a package method: SspiError gives its status; anything else is an internal error."""
    try:
        return fn(*args)
    except SspiError as exc:
        return exc.status
    except Exception:
        log.exception("package method %s failed", getattr(fn, "__qualname__", fn))
        return S.SEC_E_INTERNAL_ERROR


# --- credentials ---------------------------------------------------------------------------


def acquire_credentials_handle(
    pszPrincipal: object,
    pszPackage: object,
    fCredentialUse: object,
    pvLogonId: object,
    pAuthData: object,
    pGetKeyFn: object,
    pvGetKeyArgument: object,
    phCredential: object,
    ptsExpiry: object,
) -> SecurityStatus:
    """AcquireCredentialsHandle."""
    if not isinstance(phCredential, CredHandle):
        return S.SEC_E_INVALID_PARAMETER
    if pszPrincipal is not None and not isinstance(pszPrincipal, str):
        return S.SEC_E_INVALID_PARAMETER
    if not isinstance(pszPackage, str):
        return S.SEC_E_SECPKG_NOT_FOUND
    package = registry.find(pszPackage)
    if package is None:
        return S.SEC_E_SECPKG_NOT_FOUND
    if not isinstance(fCredentialUse, int) or isinstance(fCredentialUse, bool):
        return S.SEC_E_INVALID_PARAMETER
    use = fCredentialUse & 0xFFFFFFFF
    if not use & SECPKG_CRED_BOTH or use & ~_USE_KNOWN:
        return S.SEC_E_INVALID_PARAMETER
    if pGetKeyFn is not None or pvGetKeyArgument is not None:
        return S.SEC_E_UNSUPPORTED_FUNCTION
    try:
        cred = package.acquire_credentials(pszPrincipal, use, pvLogonId, pAuthData)
    except SspiError as exc:
        log.debug("AcquireCredentialsHandle %s -> %s", package.info.Name, exc.status.name)
        return exc.status
    except Exception:
        log.exception("AcquireCredentialsHandle: package %s failed", package.info.Name)
        return S.SEC_E_INTERNAL_ERROR
    cred.use = use
    credentials.add(CredRecord(package, cred, use), phCredential)
    _set(ptsExpiry, cred.expiry)
    log.debug("AcquireCredentialsHandle %s use=%d -> SEC_E_OK", package.info.Name, use)
    return _OK


def free_credentials_handle(phCredential: object) -> SecurityStatus:
    """FreeCredentialsHandle."""
    rec = credentials.remove(phCredential)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    _call(rec.cred.release)
    return _OK


def query_credentials_attributes(phCredential: object, ulAttribute: object, pBuffer: object) -> SecurityStatus:
    """QueryCredentialsAttributes."""
    rec = credentials.get(phCredential)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    if not isinstance(ulAttribute, int):
        return S.SEC_E_INVALID_PARAMETER
    result = _call(rec.cred.query, ulAttribute)
    if result == S.SEC_E_UNSUPPORTED_FUNCTION and ulAttribute == SECPKG_CRED_ATTR_NAMES:
        result = SecPkgCredentials_Names(rec.cred.principal)
    if isinstance(result, SecurityStatus):
        return result
    return _deliver(result, pBuffer)


def set_credentials_attributes(phCredential: object, ulAttribute: object, pBuffer: object) -> SecurityStatus:
    """SetCredentialsAttributes."""
    rec = credentials.get(phCredential)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    if not isinstance(ulAttribute, int) or isinstance(ulAttribute, bool):
        return S.SEC_E_INVALID_PARAMETER
    expected = CREDENTIAL_ATTRIBUTE_CLASSES.get(ulAttribute & 0xFFFFFFFF)
    if expected is not None and not isinstance(pBuffer, expected):
        return S.SEC_E_INVALID_PARAMETER
    return _status(_call(rec.cred.set_attribute, ulAttribute & 0xFFFFFFFF, pBuffer))


def _deliver(result: object, pBuffer: object) -> SecurityStatus:
    if fill(pBuffer, result):
        return _OK
    if isinstance(pBuffer, Box):
        pBuffer.value = result
        return _OK
    return S.SEC_E_INVALID_PARAMETER


# --- the handshake ---------------------------------------------------------------------------


def _used_bytes(buf: SecBuffer) -> bytes:
    """``buf.tobytes()`` without the property and memoryview round trips (one copy)."""
    pv = buf.pvBuffer
    if pv is None:
        return b""
    n = buf.cbBuffer
    if n >= len(pv):
        return bytes(pv)
    if n <= 0:
        return b""
    return bytes(memoryview(pv)[:n])


def _read_input(pInput: object) -> tuple[bytes | None, list[tuple[int, bytes]]] | None:
    """(first token, every other non-empty buffer as (base type, bytes)), or None if pInput is malformed."""
    if pInput is None:
        return None, []
    if type(pInput) is not SecBufferDesc and not isinstance(pInput, SecBufferDesc):
        return None
    token: bytes | None = None
    others: list[tuple[int, bytes]] = []
    for buf in pInput.pBuffers:
        if buf.__class__ is not SecBuffer and not isinstance(buf, SecBuffer):
            return None
        btype = buf.BufferType & _TYPE_MASK
        if not btype:  # SECBUFFER_EMPTY
            continue
        pv = buf.pvBuffer
        # _used_bytes, inline: every leg reads every buffer (a full buffer is the usual case)
        data = bytes(pv) if pv is not None and buf.cbBuffer == len(pv) else _used_bytes(buf)
        if btype == SECBUFFER_TOKEN and token is None:
            token = data
        else:
            others.append((btype, data))
    return token, others


def _put(buf: SecBuffer, payload: bytes, allocate: int) -> bool:
    """Write *payload* into an output buffer; False when a caller buffer is too small."""
    if allocate:
        buf.pvBuffer = ContextBuffer(payload)
        buf.cbBuffer = len(payload)
        return True
    pv = buf.pvBuffer
    n = len(payload)
    if n > (0 if pv is None else len(pv)):
        return False
    if n:
        pv[:n] = payload  # type: ignore[index]
    buf.cbBuffer = n
    return True


def _mark_input(pInput: object, out: StepOutput, status: SecurityStatus) -> None:
    """Turn the EMPTY input buffer after the (first) token into EXTRA or MISSING."""
    if not isinstance(pInput, SecBufferDesc):
        return
    bufs = pInput.pBuffers
    token_index = next((i for i, b in enumerate(bufs) if b.BufferType & _TYPE_MASK == SECBUFFER_TOKEN), -1)
    if token_index < 0:
        return
    if status == _INCOMPLETE:
        kind, count = SECBUFFER_MISSING, max(0, out.missing)
    elif out.extra > 0:
        kind, count = SECBUFFER_EXTRA, out.extra
    else:
        return
    for buf in bufs[token_index + 1 :]:
        if buf.BufferType & _TYPE_MASK == SECBUFFER_EMPTY:
            buf.BufferType = kind
            if kind == SECBUFFER_EXTRA:
                tok = bufs[token_index]
                end = min(tok.cbBuffer, tok.capacity)
                if tok.pvBuffer is not None and count <= end:
                    buf.point_at(tok.pvBuffer, end - count, count)
                else:
                    buf.pvBuffer = None
                    buf.cbBuffer = count
            else:
                buf.pvBuffer = None
                buf.cbBuffer = count
            return


def _failed_leg(rec: CtxRecord, inp: StepInput, out: StepOutput, status: SecurityStatus, token_buf: SecBuffer | None,
                alert_buf: SecBuffer | None, pfContextAttr: object, allocate: int) -> SecurityStatus:
    """Deliver a failed leg: the context fails; an error token / alert still reaches the caller."""
    rec.state = FAILED
    allocated = False
    if out.alert and alert_buf is not None:
        allocated |= _put(alert_buf, out.alert, allocate) and bool(allocate)
    if out.token and token_buf is not None:
        allocated |= _put(token_buf, out.token, allocate) and bool(allocate)
    elif token_buf is not None and not allocate:
        token_buf.cbBuffer = 0
    _set(pfContextAttr, (rec.attrs | (ISC_RET_ALLOCATED_MEMORY if allocated else 0)))
    _log_leg(rec, status, inp, out)
    return status


def _log_leg(rec: CtxRecord, status: SecurityStatus, inp: StepInput, out: StepOutput) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "%s %s -> %s in=%d out=%d extra=%d missing=%d inbufs=%s",
            _FNAME[rec.side],
            rec.package.info.Name,
            status.name,
            len(inp.token or b""),
            len(out.token),
            out.extra,
            out.missing,
            [t for t, _ in inp.buffers],
        )


def _credential_for(phCredential: object, phContext: object) -> CredRecord | None:
    """The call's credential; on a later leg a NULL credential means the context's own (as Windows allows)."""
    crec = credentials.get(phCredential)
    if crec is None and phCredential is None and phContext is not None:
        existing = contexts.get(phContext)
        if existing is not None:
            return existing.cred
    return crec


def _valid_req(req: object) -> bool:
    return isinstance(req, int) and not isinstance(req, bool) and 0 <= req <= _MAX_REQ


def _new_context(client: bool, crec: CredRecord, target: str | None, req: int, drep: int) -> PackageContext:
    """A fresh package context for a first (or re-authenticating) leg; SspiError from the package."""
    if client:
        return crec.package.client_context(crec.cred, target, req, drep)
    return crec.package.server_context(crec.cred, req, drep)


def _handshake(
    side: str,
    phCredential: object,
    phContext: object,
    target: str | None,
    fContextReq: object,
    TargetDataRep: object,
    pInput: object,
    phNewContext: object,
    pOutput: object,
    pfContextAttr: object,
    ptsExpiry: object,
) -> SecurityStatus:
    """One InitializeSecurityContext (client) or AcceptSecurityContext (server) call."""
    if type(fContextReq) is int and 0 <= fContextReq <= _MAX_REQ:  # the common case, without calls
        req: int = fContextReq
    else:
        if isinstance(fContextReq, int) and fContextReq < 0:
            fContextReq &= 0xFFFFFFFF
        if not _valid_req(fContextReq):
            return S.SEC_E_INVALID_PARAMETER
        req = fContextReq  # type: ignore[assignment]
    if TargetDataRep not in _DREPS:
        return S.SEC_E_INVALID_PARAMETER
    client = side == CLIENT
    crec = credentials.get(phCredential)
    if crec is None:
        crec = _credential_for(phCredential, phContext)
        if crec is None:
            return S.SEC_E_INVALID_HANDLE
    if not crec.use & (SECPKG_CRED_OUTBOUND if client else SECPKG_CRED_INBOUND):
        return S.SEC_E_NO_CREDENTIALS
    read = _read_input(pInput)
    if read is None:
        return S.SEC_E_INVALID_PARAMETER
    token_buf = alert_buf = None  # the first TOKEN and ALERT output buffers
    if pOutput is not None:
        if type(pOutput) is not SecBufferDesc and not isinstance(pOutput, SecBufferDesc):
            return S.SEC_E_INVALID_PARAMETER
        for b in pOutput.pBuffers:
            if type(b) is not SecBuffer and not isinstance(b, SecBuffer):
                return S.SEC_E_INVALID_PARAMETER
            t = b.BufferType & _TYPE_MASK
            if t == SECBUFFER_TOKEN:
                if token_buf is None:
                    token_buf = b
            elif t == SECBUFFER_ALERT and alert_buf is None:
                alert_buf = b
    drep = int(TargetDataRep)  # type: ignore[call-overload,unused-ignore]  # one of _DREPS

    if phContext is None:  # a first leg: a new context, kept only if the leg succeeds
        if not isinstance(phNewContext, CtxtHandle):
            return S.SEC_E_INVALID_PARAMETER
        try:
            pctx = _new_context(client, crec, target, req, drep)
        except SspiError as exc:
            return exc.status
        rec = CtxRecord(crec.package, pctx, side, target, crec)
        first = True
    else:
        found = contexts.get(phContext)
        if found is None or found.side != side:
            return S.SEC_E_INVALID_HANDLE
        rec = found
        if phNewContext is not None and not isinstance(phNewContext, CtxtHandle):
            return S.SEC_E_INVALID_PARAMETER
        if rec.state == FAILED:
            return S.SEC_E_INVALID_HANDLE
        if rec.state == COMPLETE and rec.pctx.reauthenticate:
            if not client and not read[0]:
                return S.SEC_E_INVALID_TOKEN  # a server re-authenticates only on the client's new token
            try:
                fresh = _new_context(client, crec, target, req, drep)
            except SspiError as exc:
                return exc.status
            _call(rec.pctx.release)
            rec.pctx, rec.state, rec.attrs = fresh, IN_PROGRESS, 0
            if client:
                rec.target = target
        first = False

    # The leg itself, and its results into the caller's buffers.
    inp = StepInput(read[0], read[1], req, drep, crec.cred)
    try:
        out = rec.pctx.step(inp)
        status = out.status
        if type(status) is not SecurityStatus:
            status = _status(status)
    except SspiError as exc:
        out = StepOutput(exc.status, exc.token, alert=exc.alert)
        status = exc.status
    except Exception:
        log.exception("%s: package %s failed", _FNAME[side], rec.package.info.Name)
        out = StepOutput(S.SEC_E_INTERNAL_ERROR)
        status = S.SEC_E_INTERNAL_ERROR
    allocate = req & _ALLOCATE
    if status & 0x80000000 and status != _INCOMPLETE:
        status = _failed_leg(rec, inp, out, status, token_buf, alert_buf, pfContextAttr, allocate)
    elif (out.token or token_buf is not None) and (token_buf is None or not _put(token_buf, out.token, allocate)):
        rec.state = FAILED
        _log_leg(rec, S.SEC_E_BUFFER_TOO_SMALL, inp, out)
        status = S.SEC_E_BUFFER_TOO_SMALL
    else:
        if status == _INCOMPLETE:
            _mark_input(pInput, out, status)
        else:
            if out.extra > 0:
                _mark_input(pInput, out, status)
            rec.attrs = int(out.flags)
            if out.expiry is not None:
                rec.expiry = out.expiry
            if status == _OK:
                rec.state = COMPLETE
                rec.pending_complete = None
            elif status == _COMPLETE_NEEDED or status == _COMPLETE_AND_CONTINUE:
                rec.pending_complete = status
        if isinstance(pfContextAttr, Box):
            allocated = allocate and token_buf is not None
            pfContextAttr.value = rec.attrs | ISC_RET_ALLOCATED_MEMORY if allocated else rec.attrs
        if isinstance(ptsExpiry, Box):
            ptsExpiry.value = rec.expiry
        if log.isEnabledFor(_DEBUG):
            _log_leg(rec, status, inp, out)

    if first:
        if not status & 0x80000000:
            contexts.add(rec, phNewContext)  # type: ignore[arg-type]
        else:
            _call(rec.pctx.release)
    elif isinstance(phNewContext, CtxtHandle) and phNewContext is not phContext and not status & 0x80000000:
        assert isinstance(phContext, CtxtHandle)
        phNewContext.dwLower, phNewContext.dwUpper = phContext.dwLower, phContext.dwUpper
    return status


def initialize_security_context(
    phCredential: object,
    phContext: object,
    pszTargetName: object,
    fContextReq: object,
    Reserved1: object,
    TargetDataRep: object,
    pInput: object,
    Reserved2: object,
    phNewContext: object,
    pOutput: object,
    pfContextAttr: object,
    ptsExpiry: object,
) -> SecurityStatus:
    """InitializeSecurityContext."""
    if Reserved1 not in (0, None) or Reserved2 not in (0, None):
        return S.SEC_E_INVALID_PARAMETER
    if pszTargetName is not None and not isinstance(pszTargetName, str):
        return S.SEC_E_INVALID_PARAMETER
    return _handshake(CLIENT, phCredential, phContext, pszTargetName, fContextReq, TargetDataRep, pInput,
                      phNewContext, pOutput, pfContextAttr, ptsExpiry)


def accept_security_context(
    phCredential: object,
    phContext: object,
    pInput: object,
    fContextReq: object,
    TargetDataRep: object,
    phNewContext: object,
    pOutput: object,
    pfContextAttr: object,
    ptsTimeStamp: object,
) -> SecurityStatus:
    """AcceptSecurityContext."""
    return _handshake(SERVER, phCredential, phContext, None, fContextReq, TargetDataRep, pInput,
                      phNewContext, pOutput, pfContextAttr, ptsTimeStamp)


def complete_auth_token(phContext: object, pToken: object) -> SecurityStatus:
    """CompleteAuthToken."""
    rec = contexts.get(phContext)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    if not isinstance(pToken, SecBufferDesc) or not all(isinstance(b, SecBuffer) for b in pToken.pBuffers):
        return S.SEC_E_INVALID_PARAMETER
    status = _status(_call(rec.pctx.complete_auth_token, pToken.pBuffers))
    if status == _OK and rec.pending_complete is not None:
        if rec.pending_complete == _COMPLETE_NEEDED:
            rec.state = COMPLETE
        rec.pending_complete = None
    return status


def delete_security_context(phContext: object) -> SecurityStatus:
    """DeleteSecurityContext."""
    rec = contexts.remove(phContext)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    try:  # _call, inline (every context ends here)
        rec.pctx.release()
    except Exception:
        log.exception("package method release failed")
    return _OK


def export_security_context(phContext: object, fFlags: object, pPackedContext: object,
                            pToken: object) -> SecurityStatus:
    """ExportSecurityContext: the context as package-allocated bytes in *pPackedContext* (free with
    FreeContextBuffer); SECPKG_CONTEXT_EXPORT_DELETE_OLD deletes the exported handle."""
    rec = contexts.get(phContext)
    if rec is None or rec.state == FAILED:
        return S.SEC_E_INVALID_HANDLE
    if not isinstance(fFlags, int) or isinstance(fFlags, bool) or fFlags & ~_EXPORT_FLAGS:
        return S.SEC_E_INVALID_PARAMETER
    if fFlags & SECPKG_CONTEXT_EXPORT_TO_KERNEL:
        return S.SEC_E_UNSUPPORTED_FUNCTION  # no kernel here
    if not isinstance(pPackedContext, SecBuffer):
        return S.SEC_E_INVALID_PARAMETER
    if rec.state != COMPLETE:
        return S.SEC_E_UNSUPPORTED_FUNCTION  # only an established context can move
    blob = _call(rec.pctx.export)
    if isinstance(blob, SecurityStatus):
        return blob
    if not isinstance(blob, (bytes, bytearray)):
        log.error("ExportSecurityContext: package %s returned %s", rec.package.info.Name, type(blob).__name__)
        return S.SEC_E_INTERNAL_ERROR
    packed = pack(PackedContext(rec.package.info.Name, rec.side, rec.attrs, rec.expiry, rec.start, rec.target,
                                bytes(blob)))
    pPackedContext.pvBuffer = ContextBuffer(packed)
    pPackedContext.cbBuffer = len(packed)
    _set(pToken, None)  # no access token: impersonation is not emulated
    if fFlags & SECPKG_CONTEXT_EXPORT_DELETE_OLD:
        delete_security_context(phContext)
    return _OK


def import_security_context(pszPackage: object, pPackedContext: object, Token: object,
                            phContext: object) -> SecurityStatus:
    """ImportSecurityContext: a new context handle from ExportSecurityContext's bytes."""
    if not isinstance(pszPackage, str):
        return S.SEC_E_SECPKG_NOT_FOUND
    package = registry.find(pszPackage)
    if package is None:
        return S.SEC_E_SECPKG_NOT_FOUND
    if not isinstance(pPackedContext, SecBuffer) or not isinstance(phContext, CtxtHandle):
        return S.SEC_E_INVALID_PARAMETER
    try:
        packed = unpack(_used_bytes(pPackedContext))
    except PackedContextError:
        return S.SEC_E_INVALID_TOKEN
    if registry.find(packed.package) is not package:
        return S.SEC_E_INVALID_TOKEN  # exported by another package
    restore = getattr(package, "import_context", None)
    if restore is None:
        return S.SEC_E_UNSUPPORTED_FUNCTION
    pctx = _call(restore, packed.blob)
    if isinstance(pctx, SecurityStatus):
        return pctx
    if not isinstance(pctx, PackageContext):
        log.error("ImportSecurityContext: package %s returned %s", package.info.Name, type(pctx).__name__)
        return S.SEC_E_INTERNAL_ERROR
    rec = CtxRecord(package, pctx, CLIENT if packed.side == "client" else SERVER, packed.target, None)
    rec.state, rec.attrs, rec.expiry, rec.start = COMPLETE, packed.attrs, packed.expiry, packed.start
    contexts.add(rec, phContext)
    return _OK


def apply_control_token(phContext: object, pInput: object) -> SecurityStatus:
    """ApplyControlToken."""
    rec = contexts.get(phContext)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    read = _read_input(pInput)
    if read is None or read[0] is None:
        return S.SEC_E_INVALID_TOKEN
    return _status(_call(rec.pctx.apply_control, read[0]))


# --- attributes ------------------------------------------------------------------------------


def _generic_attribute(rec: CtxRecord, attribute: int) -> object | None:
    if attribute == SECPKG_ATTR_PACKAGE_INFO:
        return SecPkgContext_PackageInfo(copy_info(rec.package.info))
    if attribute == SECPKG_ATTR_FLAGS:
        return SecPkgContext_Flags(rec.attrs)
    if attribute == SECPKG_ATTR_LIFESPAN:
        return SecPkgContext_Lifespan(rec.start, rec.expiry)
    return None


def query_context_attributes(phContext: object, ulAttribute: object, pBuffer: object) -> SecurityStatus:
    """QueryContextAttributes."""
    rec = contexts.get(phContext)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    if not isinstance(ulAttribute, int) or isinstance(ulAttribute, bool):
        return S.SEC_E_INVALID_PARAMETER
    attribute = ulAttribute & 0xFFFFFFFF
    expected = CONTEXT_ATTRIBUTE_CLASSES.get(attribute)
    if expected is not None and not isinstance(pBuffer, (expected, Box)):
        return S.SEC_E_INVALID_PARAMETER
    result = _call(rec.pctx.query, attribute)
    if result == S.SEC_E_UNSUPPORTED_FUNCTION:
        generic = _generic_attribute(rec, attribute)
        if generic is not None:
            result = generic
    if isinstance(result, SecurityStatus):
        return result
    return _deliver(result, pBuffer)


def set_context_attributes(phContext: object, ulAttribute: object, pBuffer: object) -> SecurityStatus:
    """SetContextAttributes."""
    rec = contexts.get(phContext)
    if rec is None:
        return S.SEC_E_INVALID_HANDLE
    if not isinstance(ulAttribute, int):
        return S.SEC_E_INVALID_PARAMETER
    return _status(_call(rec.pctx.set_attribute, ulAttribute, pBuffer))


# --- message functions -------------------------------------------------------------------------


def _message_args(phContext: object, pMessage: object, seqno: object) -> CtxRecord | SecurityStatus:
    rec = contexts.get(phContext)
    if rec is None or rec.state == FAILED:
        return S.SEC_E_INVALID_HANDLE
    if type(pMessage) is not SecBufferDesc and not isinstance(pMessage, SecBufferDesc):
        return S.SEC_E_INVALID_PARAMETER
    for b in pMessage.pBuffers:
        if not isinstance(b, SecBuffer):
            return S.SEC_E_INVALID_PARAMETER
    if not isinstance(seqno, int) or isinstance(seqno, bool) or not 0 <= seqno <= 0xFFFFFFFF:
        return S.SEC_E_INVALID_PARAMETER
    return rec


def _qop(value: object) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value & 0xFFFFFFFF


def make_signature(phContext: object, fQOP: object, pMessage: object, MessageSeqNo: object) -> SecurityStatus:
    """MakeSignature."""
    rec = _message_args(phContext, pMessage, MessageSeqNo)
    if isinstance(rec, SecurityStatus):
        return rec
    qop = _qop(fQOP)
    if qop is None:
        return S.SEC_E_INVALID_PARAMETER
    assert isinstance(pMessage, SecBufferDesc)
    return _status(_call(rec.pctx.make_signature, qop, pMessage.pBuffers, MessageSeqNo))


def encrypt_message(phContext: object, fQOP: object, pMessage: object, MessageSeqNo: object) -> SecurityStatus:
    """EncryptMessage."""
    rec = _message_args(phContext, pMessage, MessageSeqNo)
    if isinstance(rec, SecurityStatus):
        return rec
    qop = _qop(fQOP)
    if qop is None:
        return S.SEC_E_INVALID_PARAMETER
    assert isinstance(pMessage, SecBufferDesc)
    return _status(_call(rec.pctx.encrypt, qop, pMessage.pBuffers, MessageSeqNo))


def _with_qop(result: object, pfQOP: object) -> SecurityStatus:
    if isinstance(result, tuple) and len(result) == 2:
        status = _status(result[0])
        if isinstance(result[1], int):
            _set(pfQOP, result[1] & 0xFFFFFFFF)
        return status
    return _status(result)


def verify_signature(phContext: object, pMessage: object, MessageSeqNo: object, pfQOP: object) -> SecurityStatus:
    """VerifySignature."""
    rec = _message_args(phContext, pMessage, MessageSeqNo)
    if isinstance(rec, SecurityStatus):
        return rec
    assert isinstance(pMessage, SecBufferDesc)
    return _with_qop(_call(rec.pctx.verify_signature, pMessage.pBuffers, MessageSeqNo), pfQOP)


def decrypt_message(phContext: object, pMessage: object, MessageSeqNo: object, pfQOP: object) -> SecurityStatus:
    """DecryptMessage."""
    rec = _message_args(phContext, pMessage, MessageSeqNo)
    if isinstance(rec, SecurityStatus):
        return rec
    assert isinstance(pMessage, SecBufferDesc)
    return _with_qop(_call(rec.pctx.decrypt, pMessage.pBuffers, MessageSeqNo), pfQOP)


# --- packages and memory -----------------------------------------------------------------------


def copy_info(info: SecPkgInfo) -> SecPkgInfo:
    """A caller-owned copy of a package description."""
    return SecPkgInfo(info.fCapabilities, info.wVersion, info.wRPCID, info.cbMaxToken, info.Name, info.Comment)


def enumerate_security_packages(pcPackages: object, ppPackageInfo: object) -> SecurityStatus:
    """EnumerateSecurityPackages."""
    if not isinstance(pcPackages, Box) or not isinstance(ppPackageInfo, Box):
        return S.SEC_E_INVALID_PARAMETER
    array = PackageInfoArray(copy_info(p.info) for p in registry.packages())
    pcPackages.value = len(array)
    ppPackageInfo.value = _track(array)
    return _OK


def query_security_package_info(pszPackageName: object, ppPackageInfo: object) -> SecurityStatus:
    """QuerySecurityPackageInfo."""
    if not isinstance(ppPackageInfo, Box):
        return S.SEC_E_INVALID_PARAMETER
    package = registry.find(pszPackageName)
    if package is None:
        return S.SEC_E_SECPKG_NOT_FOUND
    ppPackageInfo.value = _track(copy_info(package.info))
    return _OK


def free_context_buffer(pvContextBuffer: object) -> SecurityStatus:
    """FreeContextBuffer: release package-allocated memory (a SecBuffer's pvBuffer, an info array)."""
    target = pvContextBuffer.pvBuffer if isinstance(pvContextBuffer, SecBuffer) else pvContextBuffer
    if isinstance(target, Box):
        target = target.value
    if target is None:
        return _OK  # freeing NULL is a no-op, as in C
    if type(target) is ContextBuffer:
        if not target.live:
            return S.SEC_E_INVALID_HANDLE
        target.freed = True
        target[:] = bytes(len(target))  # scrub: allocated tokens may carry key material
        return _OK
    if _allocations.get(id(target)) is not target:
        return S.SEC_E_INVALID_HANDLE
    del _allocations[id(target)]
    return _OK


def live_contexts() -> int:
    """How many context handles are live (for leak checks)."""
    return len(contexts)


def live_credentials() -> int:
    """How many credential handles are live (for leak checks)."""
    return len(credentials)

