"""Security contexts in ``sspilib.raw``: ``CtxtHandle``, ISC/ASC and ``complete_auth_token``."""

from __future__ import annotations

from typing import Any, NamedTuple

from .... import api
from ....handles import ULONG, TimeStamp
from ....handles import CtxtHandle as CoreCtxtHandle
from ._args import box_int, check_type, uint
from ._buffers import SecBufferDesc
from ._credential import CredHandle
from ._enums import AscRet, IscRet, NtStatus
from ._winerror import check, raise_status

__all__ = [
    "AcceptContextResult",
    "CtxtHandle",
    "InitializeContextResult",
    "accept_security_context",
    "complete_auth_token",
    "initialize_security_context",
]

_ALLOCATE = 0x100
_OK_STATUSES = frozenset(int(s) for s in NtStatus)


class CtxtHandle:
    """A context handle; deleted when the object is collected. Subclassable (``SecurityContext``)."""

    _h: CoreCtxtHandle
    #: The credential of the first leg, used when a later leg passes ``credential=None`` (NULL).
    _cred: CredHandle | None

    def __new__(cls, *args: Any, **kwargs: Any) -> CtxtHandle:
        self = super().__new__(cls)
        self._h = CoreCtxtHandle()
        self._cred = None
        return self

    def __del__(self) -> None:
        try:
            if self._h.is_set:
                api.DeleteSecurityContext(self._h)
        except Exception:  # noqa: BLE001, S110 - collection at interpreter exit
            pass


class InitializeContextResult(NamedTuple):
    """The result of :func:`initialize_security_context` (``expiry`` is a FILETIME int)."""

    context: CtxtHandle
    attributes: IscRet
    expiry: int
    status: NtStatus


class AcceptContextResult(NamedTuple):
    """The result of :func:`accept_security_context` (``expiry`` is a FILETIME int)."""

    context: CtxtHandle
    attributes: AscRet
    expiry: int
    status: NtStatus


def _prepare(credential: object, context: object, input_buffers: object, output_buffers: object) -> CtxtHandle:
    check_type(credential, CredHandle, "credential", none_ok=True)
    check_type(context, CtxtHandle, "context", none_ok=True)
    check_type(input_buffers, SecBufferDesc, "input_buffers", none_ok=True)
    check_type(output_buffers, SecBufferDesc, "output_buffers", none_ok=True)
    return context if isinstance(context, CtxtHandle) else CtxtHandle()


def _leg_status(status: int) -> NtStatus:
    if int(status) not in _OK_STATUSES:
        raise_status(status)
    return NtStatus(int(status))


def initialize_security_context(
    credential: CredHandle | None,
    context: CtxtHandle | None,
    target_name: str,
    context_req: int,
    target_data_rep: int,
    input_buffers: SecBufferDesc | None,
    output_buffers: SecBufferDesc | None,
) -> InitializeContextResult:
    """InitializeSecurityContext; raises WindowsError for any status outside :class:`NtStatus`."""
    ctx = _prepare(credential, context, input_buffers, output_buffers)
    check_type(target_name, str, "target_name")
    req = uint(context_req, "context_req")
    drep = uint(target_data_rep, "target_data_rep")
    first = not ctx._h.is_set
    cred = credential if isinstance(credential, CredHandle) else (None if first else ctx._cred)
    cred_h = cred._h if cred is not None else None
    attrs, expiry = ULONG(), TimeStamp()
    pin = input_buffers._core if input_buffers is not None else None
    pout = output_buffers._core if output_buffers is not None else None
    status = api.InitializeSecurityContext(cred_h, None if first else ctx._h, target_name, req, 0, drep, pin, 0,
                                           ctx._h, pout, attrs, expiry)
    nt = _leg_status(status)
    if cred is not None:
        ctx._cred = cred
    if output_buffers is not None:
        output_buffers._sync(allocated=bool(req & _ALLOCATE))
    return InitializeContextResult(ctx, IscRet(box_int(attrs.value)), box_int(expiry.value), nt)


def accept_security_context(
    credential: CredHandle | None,
    context: CtxtHandle | None,
    input_buffers: SecBufferDesc | None,
    context_req: int,
    target_data_rep: int,
    output_buffers: SecBufferDesc | None,
) -> AcceptContextResult:
    """AcceptSecurityContext; raises WindowsError for any status outside :class:`NtStatus`."""
    ctx = _prepare(credential, context, input_buffers, output_buffers)
    req = uint(context_req, "context_req")
    drep = uint(target_data_rep, "target_data_rep")
    first = not ctx._h.is_set
    cred = credential if isinstance(credential, CredHandle) else (None if first else ctx._cred)
    cred_h = cred._h if cred is not None else None
    attrs, expiry = ULONG(), TimeStamp()
    pin = input_buffers._core if input_buffers is not None else None
    pout = output_buffers._core if output_buffers is not None else None
    status = api.AcceptSecurityContext(cred_h, None if first else ctx._h, pin, req, drep, ctx._h, pout, attrs,
                                       expiry)
    nt = _leg_status(status)
    if cred is not None:
        ctx._cred = cred
    if output_buffers is not None:
        output_buffers._sync(allocated=bool(req & _ALLOCATE))
    return AcceptContextResult(ctx, AscRet(box_int(attrs.value)), box_int(expiry.value), nt)


def complete_auth_token(context: CtxtHandle, token: SecBufferDesc) -> None:
    """CompleteAuthToken; raises unless SEC_E_OK; the buffers are not synced."""
    check_type(context, CtxtHandle, "context")
    check_type(token, SecBufferDesc, "token")
    check(api.CompleteAuthToken(context._h, token._core))
