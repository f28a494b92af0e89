"""What client and server NTLM contexts share: attributes and the message functions."""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.attributes import (
    SecPkgContext_Flags,
    SecPkgContext_KeyInfo,
    SecPkgContext_Lifespan,
    SecPkgContext_Names,
    SecPkgContext_NativeNames,
    SecPkgContext_NegotiationInfo,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
    SecPkgInfo,
)
from sspi_emu.buffers import Memory, SecBuffer
from sspi_emu.constants import SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE, SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import PackageContext

from . import flags as F
from .info import MAX_TOKEN, NTLM_INFO
from .security import SIGNATURE_SIZE, SessionSecurity

__all__ = ["SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE", "NtlmContext"]

S = SecurityStatus
_DATA = C.SECBUFFER_DATA
_TOKEN = C.SECBUFFER_TOKEN
_PADDING = C.SECBUFFER_PADDING
_STREAM = C.SECBUFFER_STREAM
_TYPE_MASK = 0x0FFFFFFF
_RO = C.SECBUFFER_READONLY | C.SECBUFFER_READONLY_WITH_CHECKSUM
_NO_ENCRYPT = C.SECQOP_WRAP_NO_ENCRYPT
_SEAL = F.SEAL
_CALG_RC4 = 0x6801
_CALG_HMAC = 0x8009
_CALG_CRC32 = 0  # no CryptoAPI id exists for CRC32
_EMPTY = memoryview(b"")
#: SetContextAttributes id (value 1 = outgoing, 2 = incoming) and ApplyControlToken tokens that
#: re-initialise one direction's RC4 handle, keeping sequence numbers: what SPNEGO needs after
#: the mechListMIC (MS-SPNG 3.3.5.1, as Windows and pyspnego do).

_RESET_TOKENS = {b"sspi-emu:ntlm-reset-seal:out": 1, b"sspi-emu:ntlm-reset-seal:in": 2}
_RESULTS = (S.SEC_E_OK, S.SEC_E_MESSAGE_ALTERED, S.SEC_E_OUT_OF_SEQUENCE, S.SEC_E_OK)


def _view(b: SecBuffer) -> Memory:
    """The used bytes of *b*, without a copy (the memory itself when it is all used)."""
    pv = b.pvBuffer
    if pv is None:
        return _EMPTY
    n = b.cbBuffer
    if n == len(pv):
        return pv
    return memoryview(pv)[: max(0, n)]


def _put_signature(token: SecBuffer, sig: bytes) -> SecurityStatus:
    pv = token.pvBuffer
    if pv is None or len(pv) < SIGNATURE_SIZE:
        return S.SEC_E_BUFFER_TOO_SMALL
    pv[:SIGNATURE_SIZE] = sig
    token.cbBuffer = SIGNATURE_SIZE
    return S.SEC_E_OK


class NtlmContext(PackageContext):
    """State common to both sides; subclasses run the handshake."""

    security: SessionSecurity | None
    complete: bool
    is_client: bool
    session_key: bytes
    flags: int
    ret_flags: int
    client_name: str
    server_name: str
    start: int
    expiry: int

    def _init_common(self, expiry: int) -> None:
        self.security = None
        self.complete = False
        self.session_key = b""
        self.flags = 0
        self.ret_flags = 0
        self.client_name = ""
        self.server_name = ""
        self.start = entropy.filetime_now()
        self.expiry = expiry

    # -- attributes -------------------------------------------------------------------

    def _user_name(self) -> str:
        return self.client_name

    def query(self, attribute: int) -> object:
        if attribute == C.SECPKG_ATTR_SIZES:
            return SecPkgContext_Sizes(MAX_TOKEN, SIGNATURE_SIZE, 0, SIGNATURE_SIZE)
        if attribute == C.SECPKG_ATTR_FLAGS:
            return SecPkgContext_Flags(self.ret_flags)
        if attribute == C.SECPKG_ATTR_PACKAGE_INFO:
            return SecPkgContext_PackageInfo(_info())
        if attribute == C.SECPKG_ATTR_NEGOTIATION_INFO:
            state = C.SECPKG_NEGOTIATION_COMPLETE if self.complete else C.SECPKG_NEGOTIATION_IN_PROGRESS
            return SecPkgContext_NegotiationInfo(_info(), state)
        if attribute == C.SECPKG_ATTR_LIFESPAN:
            return SecPkgContext_Lifespan(self.start, self.expiry)
        if not self.complete:
            raise SspiError(S.SEC_E_INVALID_HANDLE, "NTLM context is not complete")
        if attribute == C.SECPKG_ATTR_NAMES:
            return SecPkgContext_Names(self._user_name())
        if attribute == C.SECPKG_ATTR_NATIVE_NAMES:
            return SecPkgContext_NativeNames(self.client_name, self.server_name)
        if attribute == C.SECPKG_ATTR_SESSION_KEY:
            return SecPkgContext_SessionKey(self.session_key)
        if attribute == C.SECPKG_ATTR_KEY_INFO:
            f = self.flags
            bits = 128 if f & F.NEGOTIATE_128 else 56 if f & F.NEGOTIATE_56 else 40
            if f & F.EXTENDED_SESSIONSECURITY:
                return SecPkgContext_KeyInfo("HMAC-MD5", "RSADSI RC4", bits, _CALG_HMAC, _CALG_RC4)
            return SecPkgContext_KeyInfo("CRC32", "RSADSI RC4", bits, _CALG_CRC32, _CALG_RC4)
        return super().query(attribute)

    def _reset_seal(self, direction: object) -> SecurityStatus:
        if direction not in (1, 2):
            return S.SEC_E_INVALID_PARAMETER
        sec = self._session()
        if isinstance(sec, SecurityStatus):
            return sec
        sec.reset_rc4(outgoing=direction == 1)
        return S.SEC_E_OK

    def set_attribute(self, attribute: int, value: object) -> SecurityStatus:
        if attribute == SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE:
            return self._reset_seal(getattr(value, "value", value))
        return S.SEC_E_UNSUPPORTED_FUNCTION

    def apply_control(self, token: bytes) -> SecurityStatus:
        direction = _RESET_TOKENS.get(bytes(token))
        if direction is None:
            return S.SEC_E_UNSUPPORTED_FUNCTION
        return self._reset_seal(direction)

    # -- message functions ------------------------------------------------------------

    def _session(self) -> SessionSecurity | SecurityStatus:
        sec = self.security
        if sec is None:
            if not self.complete:
                return S.SEC_E_INVALID_HANDLE
            # Keys and RC4 handles are made on first use: many contexts never sign or seal.
            sec = self.security = SessionSecurity(self.flags, self.session_key, self.is_client)
        return sec

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        sec = self._session()
        if isinstance(sec, SecurityStatus):
            return sec
        if sec.datagram:
            sec.out.rekey(seqno)
        token = None
        parts = []
        for b in message:
            t = b.BufferType & _TYPE_MASK
            if t == _DATA:
                parts.append(_view(b))
            elif t == _TOKEN and token is None:
                token = b
        if token is None:
            return S.SEC_E_INVALID_TOKEN
        if token.capacity < SIGNATURE_SIZE:
            return S.SEC_E_BUFFER_TOO_SMALL
        return _put_signature(token, sec.sign(parts))

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        sec = self._session()
        if isinstance(sec, SecurityStatus):
            return sec, 0
        if sec.datagram:
            sec.inc.rekey(seqno)
        token = None
        parts = []
        for b in message:
            t = b.BufferType & _TYPE_MASK
            if t == _DATA:
                parts.append(_view(b))
            elif t == _TOKEN and token is None:
                token = b
        if token is None or token.cbBuffer < SIGNATURE_SIZE or token.capacity < SIGNATURE_SIZE:
            return S.SEC_E_INVALID_TOKEN, 0
        return _RESULTS[sec.check(parts, bytes(_view(token)[:SIGNATURE_SIZE]))], 0

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        sec = self.security
        if sec is None:
            got = self._session()
            if isinstance(got, SecurityStatus):
                return got
            sec = got
        if sec.datagram:
            sec.out.rekey(seqno)
        encrypt = True
        if qop:
            if qop != _NO_ENCRYPT:
                return S.SEC_E_QOP_NOT_SUPPORTED
            encrypt = False
        elif not self.flags & _SEAL:
            return S.SEC_E_UNSUPPORTED_FUNCTION
        token = None
        mac_parts: list[Memory] = []
        crypt_parts: list[Memory] = []
        for b in message:
            bt = b.BufferType
            t = bt & _TYPE_MASK
            if t == _DATA:
                pv = b.pvBuffer
                if pv is None:
                    continue
                n = b.cbBuffer
                view = pv if n == len(pv) else memoryview(pv)[: max(0, n)]
                mac_parts.append(view)
                if encrypt and not bt & _RO:
                    if type(view) is memoryview and view.readonly:
                        return S.SEC_E_INVALID_PARAMETER
                    crypt_parts.append(view)
            elif t == _TOKEN:
                if token is None:
                    token = b
            elif t == _PADDING:
                b.cbBuffer = 0
        if token is None:
            return S.SEC_E_INVALID_TOKEN
        if token.capacity < SIGNATURE_SIZE:
            return S.SEC_E_BUFFER_TOO_SMALL
        return _put_signature(token, sec.seal(mac_parts, crypt_parts, encrypt))

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        sec = self.security
        if sec is None:
            got = self._session()
            if isinstance(got, SecurityStatus):
                return got, 0
            sec = got
        if sec.datagram:
            sec.inc.rekey(seqno)
        token = None
        stream = None
        mac_parts: list[Memory] = []
        crypt_parts: list[Memory] = []
        empty_data: SecBuffer | None = None
        for b in message:
            bt = b.BufferType
            t = bt & _TYPE_MASK
            if t == _DATA:
                pv = b.pvBuffer
                n = b.cbBuffer
                if stream is not None or pv is None or n <= 0:
                    if empty_data is None:
                        empty_data = b
                    continue
                view = pv if n == len(pv) else memoryview(pv)[:n]
                mac_parts.append(view)
                if not bt & _RO:
                    if type(view) is memoryview and view.readonly:
                        return S.SEC_E_INVALID_PARAMETER, 0
                    crypt_parts.append(view)
            elif t == _TOKEN:
                if token is None:
                    token = b
            elif t == _STREAM and stream is None:
                stream = b
        if stream is not None:
            # [STREAM(signature + sealed data), DATA(empty)]: DATA ends up viewing the plaintext.
            if stream.cbBuffer < SIGNATURE_SIZE or stream.pvBuffer is None or stream.capacity < stream.cbBuffer:
                return S.SEC_E_INVALID_TOKEN, 0
            whole = memoryview(stream.pvBuffer)[: stream.cbBuffer]
            if whole.readonly:
                return S.SEC_E_INVALID_PARAMETER, 0
            signature = whole[:SIGNATURE_SIZE].tobytes()
            body = whole[SIGNATURE_SIZE:]
            code = sec.unseal([body], [body], signature)
            if empty_data is not None and code in (0, 3):
                empty_data.point_at(stream.pvBuffer, SIGNATURE_SIZE, len(body))
        else:
            if token is None or token.cbBuffer < SIGNATURE_SIZE or token.capacity < SIGNATURE_SIZE:
                return S.SEC_E_INVALID_TOKEN, 0
            assert token.pvBuffer is not None
            code = sec.unseal(mac_parts, crypt_parts, bytes(token.pvBuffer[:SIGNATURE_SIZE]))
        return _RESULTS[code], (_NO_ENCRYPT if code == 3 else 0)

    def export(self) -> bytes:
        from .exported import export_context  # the context and its exported form know each other

        return export_context(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} complete={self.complete}>"


def _info() -> SecPkgInfo:
    i = NTLM_INFO
    return SecPkgInfo(i.fCapabilities, i.wVersion, i.wRPCID, i.cbMaxToken, i.Name, i.Comment)
