"""Message functions of ``sspilib.raw``: sign / verify / encrypt / decrypt (qop unsigned)."""

from __future__ import annotations

from .... import api
from ....handles import ULONG
from ._args import box_int, check_type, uint
from ._buffers import SecBufferDesc
from ._context import CtxtHandle
from ._winerror import check

__all__ = ["decrypt_message", "encrypt_message", "make_signature", "verify_signature"]


def _args(context: object, message: object) -> None:
    check_type(context, CtxtHandle, "context")
    check_type(message, SecBufferDesc, "message")


def encrypt_message(context: CtxtHandle, qop: int, message: SecBufferDesc, seq_no: int) -> None:
    """EncryptMessage; the buffers are synced on success."""
    _args(context, message)
    q, seq = uint(qop, "qop"), uint(seq_no, "seq_no")
    check(api.EncryptMessage(context._h, q, message._core, seq))
    message._sync()


def decrypt_message(context: CtxtHandle, message: SecBufferDesc, seq_no: int) -> int:
    """DecryptMessage: the unsigned qop; raises for any status but SEC_E_OK (no sync then)."""
    _args(context, message)
    seq = uint(seq_no, "seq_no")
    qop = ULONG()
    check(api.DecryptMessage(context._h, message._core, seq, qop))
    message._sync()
    return box_int(qop.value) & 0xFFFFFFFF


def make_signature(context: CtxtHandle, qop: int, message: SecBufferDesc, seq_no: int) -> None:
    """MakeSignature; the buffers are synced on success."""
    _args(context, message)
    q, seq = uint(qop, "qop"), uint(seq_no, "seq_no")
    check(api.MakeSignature(context._h, q, message._core, seq))
    message._sync()


def verify_signature(context: CtxtHandle, message: SecBufferDesc, seq_no: int) -> int:
    """VerifySignature: the unsigned qop; raises unless SEC_E_OK."""
    _args(context, message)
    seq = uint(seq_no, "seq_no")
    qop = ULONG()
    check(api.VerifySignature(context._h, message._core, seq, qop))
    message._sync()
    return box_int(qop.value) & 0xFFFFFFFF
