"""An inner mechanism's credential and context, driven through the public SSPI.

Negotiate composes packages the way Windows does: it calls AcquireCredentialsHandle,
InitializeSecurityContext, AcceptSecurityContext and the message functions on the inner
package by name. Nothing here knows the inner protocol.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from sspi_emu import api
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE, SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.handles import ULONG, Box, CredHandle, CtxtHandle, TimeStamp

S = SecurityStatus

#: Private SetContextAttributes id: re-initialise the NTLM RC4 sealing handle of one direction
#: (value 1 = outgoing, 2 = incoming), leaving sequence numbers alone (MS-SPNG mechListMIC rule).

RESET_OUTGOING = 1
RESET_INCOMING = 2
_RESET_CONTROL = {RESET_OUTGOING: b"sspi-emu:ntlm-reset-seal:out", RESET_INCOMING: b"sspi-emu:ntlm-reset-seal:in"}

_ALLOCATE = C.ISC_REQ_ALLOCATE_MEMORY  # same bit as ASC_REQ_ALLOCATE_MEMORY
_MIN_TOKEN_BUFFER = 4096
_RESET_UNKNOWN, _RESET_ATTRIBUTE, _RESET_CONTROL_TOKEN, _RESET_NONE = range(4)
_CONTINUES = (S.SEC_I_CONTINUE_NEEDED, S.SEC_I_COMPLETE_AND_CONTINUE)
_MIC_SIZE = 64
_TOKEN = C.SECBUFFER_TOKEN
_DATA = C.SECBUFFER_DATA
_OK = S.SEC_E_OK
_COMPLETE_NEEDED = S.SEC_I_COMPLETE_NEEDED


def as_int(value: object) -> int:
    """An out-parameter box's value as an int (0 when unset)."""
    return value if isinstance(value, int) else 0


log = logging.getLogger("sspi_emu")


def _api() -> Any:
    return api


class InnerCredential:
    """A credential handle on one inner package."""

    __slots__ = ("package", "handle", "expiry", "max_token")

    def __init__(self, package: str, handle: CredHandle, expiry: int, max_token: int = _MIN_TOKEN_BUFFER) -> None:
        self.package = package
        self.handle = handle
        self.expiry = expiry
        #: Output buffer size for the inner legs: the package's cbMaxToken.
        self.max_token = max(max_token, _MIN_TOKEN_BUFFER)

    @classmethod
    def acquire(
        cls, package: str, principal: str | None, use: int, logon_id: object, auth_data: object
    ) -> InnerCredential:
        """AcquireCredentialsHandle on *package*; raises SspiError with its status on failure."""
        handle = CredHandle()
        expiry = TimeStamp()
        status = api.AcquireCredentialsHandle(
            principal, package, use, logon_id, auth_data, None, None, handle, expiry
        )
        if status != S.SEC_E_OK:
            raise SspiError(status, f"{package} credentials")
        info = Box()
        max_token = 0
        if api.QuerySecurityPackageInfo(package, info) == S.SEC_E_OK and isinstance(info.value, SecPkgInfo):
            max_token = info.value.cbMaxToken
            api.FreeContextBuffer(info)
        return cls(package, handle, as_int(expiry.value), max_token)

    def release(self) -> None:
        """FreeCredentialsHandle (idempotent)."""
        if self.handle.is_set:
            _api().FreeCredentialsHandle(self.handle)

    def __repr__(self) -> str:
        return f"InnerCredential({self.package!r})"


class InnerContext:
    """One side of an inner security context."""

    __slots__ = (
        "package", "cred", "server", "target", "handle", "started", "complete", "attrs", "expiry", "reset_mode",
        "is_ntlm", "_out_mem", "_out_buf", "_out_desc", "_attrs_box", "_expiry_box",
    )

    def __init__(self, cred: InnerCredential, *, server: bool, target: str | None = None) -> None:
        self.package = cred.package
        self.cred = cred
        self.server = server
        self.target = target
        self.handle = CtxtHandle()
        self.started = False
        self.complete = False
        self.attrs = 0
        self.expiry: int | None = None
        self.reset_mode = _RESET_UNKNOWN
        #: The inner package is NTLM (MS-SPNG's NTLM mechListMIC rules apply); computed once.
        self.is_ntlm = cred.package.casefold() == "ntlm"
        # One output buffer and out-parameter boxes reused by every leg (the token is copied out).
        self._out_mem = bytearray(cred.max_token)
        self._out_buf = SecBuffer(C.SECBUFFER_TOKEN, self._out_mem)
        self._out_desc = SecBufferDesc([self._out_buf])
        self._attrs_box = ULONG()
        self._expiry_box = TimeStamp()

    def step(
        self, token: bytes | None, buffers: Sequence[tuple[int, bytes]], req: int, data_rep: int
    ) -> tuple[SecurityStatus, bytes]:
        """Run one ISC / ASC leg; returns (success status, output token) or raises SspiError."""
        in_bufs: list[SecBuffer] = []
        if token is not None:
            in_bufs.append(SecBuffer(_TOKEN, token))
        for t, data in buffers:
            in_bufs.append(SecBuffer(t, data))
        pinput = SecBufferDesc(in_bufs) if in_bufs else None
        out_buf = self._out_buf
        out_buf.BufferType = _TOKEN
        out_buf.pvBuffer = self._out_mem
        out_buf.cbBuffer = len(self._out_mem)
        poutput = self._out_desc
        attrs = self._attrs_box
        expiry = self._expiry_box
        attrs.value = 0
        expiry.value = 0
        current = self.handle if self.started else None
        req &= ~_ALLOCATE  # the output goes to our own buffer, sized from the package's cbMaxToken
        if self.server:
            status = api.AcceptSecurityContext(
                self.cred.handle, current, pinput, req, data_rep, self.handle, poutput, attrs, expiry
            )
        else:
            status = api.InitializeSecurityContext(
                self.cred.handle, current, self.target, req, 0, data_rep, pinput, 0,
                self.handle, poutput, attrs, expiry,
            )
        out = out_buf.tobytes()
        if status & 0x80000000:
            raise SspiError(status, f"{self.package} {'accept' if self.server else 'initialize'}", token=b"")
        self.started = True
        self.attrs = as_int(attrs.value) & ~C.ISC_RET_ALLOCATED_MEMORY
        self.expiry = as_int(expiry.value) or None
        if status == _OK or status == _COMPLETE_NEEDED:
            self.complete = True
        return status, out

    def sign(self, data: bytes) -> bytes:
        """GSS_GetMIC over *data*: MakeSignature with a DATA and a TOKEN buffer."""
        token = SecBuffer(_TOKEN, _MIC_SIZE, 0)
        status = api.MakeSignature(self.handle, 0, SecBufferDesc([SecBuffer(_DATA, data), token]), 0)
        if status != _OK:
            raise SspiError(status, f"{self.package} MakeSignature for the mechListMIC")
        return token.tobytes()

    def verify(self, data: bytes, mic: bytes) -> None:
        """GSS_VerifyMIC; raises SspiError (SEC_E_MESSAGE_ALTERED for a wrong MIC)."""
        desc = SecBufferDesc([SecBuffer(_DATA, data), SecBuffer(_TOKEN, mic)])
        status = api.VerifySignature(self.handle, desc, 0, None)
        if status != _OK:
            raise SspiError(status, f"{self.package} VerifySignature of the mechListMIC")

    def reset_seal_state(self, direction: int) -> SecurityStatus:
        """Ask the inner package to re-initialise one direction's sealing state (NTLM rule).

        Tries SetContextAttributes, then ApplyControlToken; remembers which one works (or that none does).
        """
        status: SecurityStatus = S.SEC_E_UNSUPPORTED_FUNCTION
        if self.reset_mode in (_RESET_UNKNOWN, _RESET_ATTRIBUTE):
            status = api.SetContextAttributes(self.handle, SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE, direction)
            if status == S.SEC_E_OK:
                self.reset_mode = _RESET_ATTRIBUTE
                return status
        if self.reset_mode in (_RESET_UNKNOWN, _RESET_CONTROL_TOKEN):
            control = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, _RESET_CONTROL[direction])])
            status = api.ApplyControlToken(self.handle, control)
            if status == S.SEC_E_OK:
                self.reset_mode = _RESET_CONTROL_TOKEN
                return status
        if self.reset_mode == _RESET_UNKNOWN:
            log.debug("%s cannot reset its sealing state after the mechListMIC", self.package)
            self.reset_mode = _RESET_NONE
        return status

    def query(self, attribute: int) -> object:
        """QueryContextAttributes on the inner context; raises SspiError on failure."""
        box = Box()
        status = _api().QueryContextAttributes(self.handle, attribute, box)
        if status != S.SEC_E_OK:
            raise SspiError(status, f"{self.package} attribute {attribute}")
        return box.value

    def package_info(self) -> SecPkgInfo:
        """The inner package's description."""
        box = Box()
        status = _api().QuerySecurityPackageInfo(self.package, box)
        if status != S.SEC_E_OK or not isinstance(box.value, SecPkgInfo):
            return SecPkgInfo(Name=self.package)
        info: SecPkgInfo = box.value
        _api().FreeContextBuffer(box)
        return info

    def release(self) -> None:
        """DeleteSecurityContext (idempotent)."""
        if self.started and self.handle.is_set:
            _api().DeleteSecurityContext(self.handle)
        self.started = False

    def __repr__(self) -> str:
        return f"InnerContext({self.package!r}, server={self.server}, complete={self.complete})"
