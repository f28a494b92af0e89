"""``ClientSecurityContext`` / ``ServerSecurityContext``: the handshake and message calls as methods."""

from __future__ import annotations

import abc
import datetime
from typing import NamedTuple

from . import raw
from ._filetime import EPOCH, filetime_to_datetime

__all__ = ["ClientSecurityContext", "SecurityContext", "ServerSecurityContext", "UnwrapResult"]



class UnwrapResult(NamedTuple):
    """The result of :meth:`SecurityContext.unwrap`."""

    data: bytes
    qop: int


def _buffer(data: bytes | bytearray | memoryview, kind: int = raw.SecBufferType.SECBUFFER_DATA) -> raw.SecBuffer:
    """A SecBuffer over *data*: bytes and read-only views are copied, writable memory is used in place."""
    if isinstance(data, bytes) or (isinstance(data, memoryview) and data.readonly):
        return raw.SecBuffer(bytearray(data), kind)
    return raw.SecBuffer(data, kind)


class SecurityContext(raw.CtxtHandle, metaclass=abc.ABCMeta):
    """A context that *is* its handle; one sequence counter shared by every message call."""

    def __init__(self, credential: raw.CredHandle, channel_bindings: raw.SecChannelBindings | None = None) -> None:
        self._credential = credential
        self._channel_bindings = channel_bindings
        self._complete = False
        self._expiry = EPOCH
        self._sizes = raw.SecPkgContextSizes()
        self._next_seq = 0

    @property
    def complete(self) -> bool:
        """True once the handshake has finished."""
        return self._complete

    @property
    def expiry(self) -> datetime.datetime:
        """When the context expires (the epoch before the first step)."""
        return self._expiry

    @property
    def _seq_no(self) -> int:
        n = self._next_seq
        self._next_seq += 1
        return n

    def step(self, in_token: bytes | bytearray | memoryview | None = None) -> bytes:
        """One handshake leg with the peer's token; returns the token to send (``b""`` when none)."""
        bufs = []
        if in_token:
            bufs.append(_buffer(in_token, raw.SecBufferType.SECBUFFER_TOKEN))
        if self._channel_bindings:
            bufs.append(self._channel_bindings.dangerous_get_sec_buffer())
        input_buffers = raw.SecBufferDesc(bufs) if bufs else None
        output = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
        status, expiry = self._step_internal(input_buffers, output)
        if status == raw.NtStatus.SEC_E_OK:
            self._complete = True
            self._sizes = raw.query_context_attributes(self, raw.SecPkgContextSizes)
        self._expiry = filetime_to_datetime(expiry)
        return output[0].data

    @abc.abstractmethod
    def _step_internal(self, input_buffers: raw.SecBufferDesc | None,
                       output_buffers: raw.SecBufferDesc) -> tuple[int, int]:
        """Run ISC or ASC: ``(status, expiry)``."""

    def wrap(self, data: bytes | bytearray | memoryview, encrypt: bool = True) -> bytes:
        """Wrap *data* as trailer + data + padding; encrypted unless ``encrypt=False``."""
        desc = raw.SecBufferDesc([
            raw.SecBuffer(bytearray(self._sizes.security_trailer), raw.SecBufferType.SECBUFFER_TOKEN),
            _buffer(data),
            raw.SecBuffer(bytearray(self._sizes.block_size), raw.SecBufferType.SECBUFFER_PADDING),
        ])
        qop = 0 if encrypt else int(raw.QopFlags.SECQOP_WRAP_NO_ENCRYPT)
        raw.encrypt_message(context=self, qop=qop, message=desc, seq_no=self._seq_no)
        return desc[0].data + desc[1].data + desc[2].data

    def unwrap(self, data: bytes | bytearray | memoryview) -> UnwrapResult:
        """Unwrap a :meth:`wrap` result: ``(data, qop)``."""
        desc = raw.SecBufferDesc([_buffer(data, raw.SecBufferType.SECBUFFER_STREAM),
                                  raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_DATA)])
        qop = raw.decrypt_message(context=self, message=desc, seq_no=self._seq_no)
        return UnwrapResult(data=desc[1].data, qop=qop)

    def sign(self, data: bytes | bytearray | memoryview) -> bytes:
        """A signature (MIC) over *data*."""
        desc = raw.SecBufferDesc([_buffer(data), raw.SecBuffer(bytearray(self._sizes.max_signature),
                                                               raw.SecBufferType.SECBUFFER_TOKEN)])
        raw.make_signature(context=self, qop=0, message=desc, seq_no=self._seq_no)
        return desc[1].data

    def verify(self, data: bytes | bytearray | memoryview, mic: bytes | bytearray | memoryview) -> int:
        """Check *mic* over *data*; returns the qop; raises WindowsError when it does not match."""
        desc = raw.SecBufferDesc([_buffer(data), _buffer(mic, raw.SecBufferType.SECBUFFER_TOKEN)])
        return raw.verify_signature(context=self, message=desc, seq_no=self._seq_no)


class ClientSecurityContext(SecurityContext):
    """The initiator: ``ClientSecurityContext(credential, target_name, flags=None, *, channel_bindings=None)``."""

    def __init__(
        self,
        credential: raw.CredHandle,
        target_name: str,
        flags: raw.IscReq | int | None = None,
        *,
        channel_bindings: raw.SecChannelBindings | None = None,
    ) -> None:
        super().__init__(credential, channel_bindings)
        self._target_name = target_name
        R = raw.IscReq
        self._flags = int(flags) if flags is not None else int(
            R.ISC_REQ_MUTUAL_AUTH | R.ISC_REQ_REPLAY_DETECT | R.ISC_REQ_SEQUENCE_DETECT | R.ISC_REQ_CONFIDENTIALITY
            | R.ISC_REQ_INTEGRITY)
        self._attributes = raw.IscRet(0)

    @property
    def attributes(self) -> raw.IscRet:
        """The flags the last step granted."""
        return self._attributes

    def _step_internal(self, input_buffers: raw.SecBufferDesc | None,
                       output_buffers: raw.SecBufferDesc) -> tuple[int, int]:
        res = raw.initialize_security_context(
            credential=self._credential, context=self, target_name=self._target_name,
            context_req=self._flags | raw.IscReq.ISC_REQ_ALLOCATE_MEMORY,
            target_data_rep=raw.TargetDataRep.SECURITY_NATIVE_DREP,
            input_buffers=input_buffers, output_buffers=output_buffers)
        self._attributes = res.attributes
        return res.status, res.expiry


class ServerSecurityContext(SecurityContext):
    """The acceptor: ``ServerSecurityContext(credential, flags=None, *, channel_bindings=None)``."""

    def __init__(
        self,
        credential: raw.CredHandle,
        flags: raw.AscReq | int | None = None,
        *,
        channel_bindings: raw.SecChannelBindings | None = None,
    ) -> None:
        super().__init__(credential, channel_bindings)
        R = raw.AscReq
        self._flags = int(flags) if flags is not None else int(
            R.ASC_REQ_MUTUAL_AUTH | R.ASC_REQ_REPLAY_DETECT | R.ASC_REQ_SEQUENCE_DETECT | R.ASC_REQ_CONFIDENTIALITY
            | R.ASC_REQ_INTEGRITY)
        self._attributes = raw.AscRet(0)

    @property
    def attributes(self) -> raw.AscRet:
        """The flags the last step granted."""
        return self._attributes

    def _step_internal(self, input_buffers: raw.SecBufferDesc | None,
                       output_buffers: raw.SecBufferDesc) -> tuple[int, int]:
        res = raw.accept_security_context(
            credential=self._credential, context=self, input_buffers=input_buffers,
            context_req=self._flags | raw.AscReq.ASC_REQ_ALLOCATE_MEMORY,
            target_data_rep=raw.TargetDataRep.SECURITY_NATIVE_DREP, output_buffers=output_buffers)
        self._attributes = res.attributes
        status = int(res.status)
        if status == raw.NtStatus.SEC_I_COMPLETE_NEEDED:
            # sspilib's behaviour: complete the token at once and report success.
            raw.complete_auth_token(self, input_buffers or raw.SecBufferDesc([]))
            status = raw.NtStatus.SEC_E_OK
        return status, res.expiry
