"""What a Negotiate client and server context share: the chosen inner context and everything
delegated to it (message functions, attributes), and the mechListMIC rules."""

from __future__ import annotations

from typing import Any

from sspi_emu import api
from sspi_emu import constants as C
from sspi_emu.attributes import (
    SecPkgContext_NegotiationInfo,
    SecPkgContext_NegotiationPackage,
    SecPkgContext_PackageInfo,
    SecPkgInfo,
)
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.handles import ULONG
from sspi_emu.spi import PackageContext, StepOutput

from . import tokens
from .inner import RESET_INCOMING, RESET_OUTGOING, InnerContext, as_int

S = SecurityStatus

#: Mechanisms whose MIC handling follows the MS-SPNG NTLM rule (RC4 state reset after the mechListMIC).
_NTLM = "ntlm"


def _api() -> Any:
    return api


class NegotiateContext(PackageContext):
    """State common to both sides. ``inner`` is the chosen mechanism's context once there is one."""

    def __init__(self, own_info: SecPkgInfo, req: int, data_rep: int) -> None:
        self.own_info = own_info
        self.req = req
        self.data_rep = data_rep
        self.inner: InnerContext | None = None
        self.mech_types: tuple[str, ...] = ()
        self.complete = False
        #: True once Negotiate has fallen back to the bare inner protocol (no SPNEGO framing).
        self.raw = False
        self.mic_required = False
        self.mic_sent = False
        self.mic_received = False

    # ------------------------------------------------------------------ mechListMIC

    def _mic_data(self) -> bytes:
        return tokens.encode_mech_type_list(self.mech_types)

    def _is_ntlm(self) -> bool:
        return self.inner is not None and self.inner.is_ntlm

    def _make_mic(self) -> bytes:
        assert self.inner is not None
        mic = self.inner.sign(self._mic_data())
        if self._is_ntlm():
            self.inner.reset_seal_state(RESET_OUTGOING)
        self.mic_sent = True
        return mic

    def _check_mic(self, mic: bytes) -> None:
        assert self.inner is not None
        try:
            self.inner.verify(self._mic_data(), mic)
        except SspiError as exc:
            raise SspiError(S.SEC_E_MESSAGE_ALTERED, f"mechListMIC does not verify ({exc.status.name})") from None
        if self._is_ntlm():
            self.inner.reset_seal_state(RESET_INCOMING)
        self.mic_received = True

    # ------------------------------------------------------------------ helpers

    def _output(self, status: SecurityStatus, token: bytes) -> StepOutput:
        inner = self.inner
        flags = inner.attrs if inner is not None else 0
        expiry = inner.expiry if inner is not None else None
        return StepOutput(status, token, flags, expiry=expiry)

    def _require_inner(self) -> InnerContext:
        if self.inner is None or not self.inner.started:
            raise SspiError(S.SEC_E_INVALID_HANDLE, "no mechanism has been negotiated yet")
        return self.inner

    def _chosen_info(self) -> SecPkgInfo:
        if self.inner is None:
            return self.own_info
        return self.inner.package_info()

    # ------------------------------------------------------------------ delegation

    def query(self, attribute: int) -> object:
        if attribute == C.SECPKG_ATTR_NEGOTIATION_INFO:
            if self.complete:
                state = C.SECPKG_NEGOTIATION_COMPLETE
            elif self.inner is not None:
                optimistic = not self.inner.complete
                state = C.SECPKG_NEGOTIATION_OPTIMISTIC if optimistic else C.SECPKG_NEGOTIATION_IN_PROGRESS
            else:
                state = C.SECPKG_NEGOTIATION_IN_PROGRESS
            return SecPkgContext_NegotiationInfo(self._chosen_info(), state)
        if attribute == C.SECPKG_ATTR_NEGOTIATION_PACKAGE:
            if self.inner is None:
                raise SspiError(S.SEC_E_INVALID_HANDLE, "no mechanism chosen yet")
            return SecPkgContext_NegotiationPackage(self._chosen_info())
        if attribute == C.SECPKG_ATTR_PACKAGE_INFO:
            return SecPkgContext_PackageInfo(self._chosen_info())
        return self._require_inner().query(attribute)

    def set_attribute(self, attribute: int, value: Any) -> SecurityStatus:
        status: SecurityStatus = _api().SetContextAttributes(self._require_inner().handle, attribute, value)
        return status

    def apply_control(self, token: bytes) -> SecurityStatus:
        desc = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, token)])
        status: SecurityStatus = _api().ApplyControlToken(self._require_inner().handle, desc)
        return status

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        status: SecurityStatus = _api().MakeSignature(self._require_inner().handle, qop, SecBufferDesc(message), seqno)
        return status

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        qop = ULONG()
        handle = self._require_inner().handle
        status: SecurityStatus = _api().VerifySignature(handle, SecBufferDesc(message), seqno, qop)
        return status, as_int(qop.value)

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        status: SecurityStatus = _api().EncryptMessage(self._require_inner().handle, qop, SecBufferDesc(message), seqno)
        return status

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        qop = ULONG()
        status: SecurityStatus = _api().DecryptMessage(self._require_inner().handle, SecBufferDesc(message), seqno, qop)
        return status, as_int(qop.value)

    def complete_auth_token(self, buffers: list[SecBuffer]) -> SecurityStatus:
        if self.inner is None or not self.inner.started:
            return S.SEC_E_OK
        status: SecurityStatus = _api().CompleteAuthToken(self.inner.handle, SecBufferDesc(buffers))
        return status

    def release(self) -> None:
        if self.inner is not None:
            self.inner.release()

    def __repr__(self) -> str:
        chosen = None if self.inner is None else self.inner.package
        return f"<{type(self).__name__} mech={chosen!r} complete={self.complete} raw={self.raw}>"
