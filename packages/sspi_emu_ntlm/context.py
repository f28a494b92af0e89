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
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import PackageContext

from .flags import NegotiateFlags
from .info import MAX_TOKEN, NTLM_INFO
from .security import SIGNATURE_SIZE, SessionSecurity

__all__ = ["NtlmContext"]

S = SecurityStatus
_DATA = C.SECBUFFER_DATA
_TOKEN = C.SECBUFFER_TOKEN
_PADDING = C.SECBUFFER_PADDING
_STREAM = C.SECBUFFER_STREAM
_TYPE_MASK = 0x0FFFFFFF
_RO = C.SECBUFFER_READONLY | C.SECBUFFER_READONLY_WITH_CHECKSUM
_NO_ENCRYPT = C.SECQOP_WRAP_NO_ENCRYPT
_CALG_RC4 = 0x6801
_CALG_HMAC = 0x8009
_CALG_CRC32 = 0  # no CryptoAPI id exists for CRC32
_RESULTS = (S.SEC_E_OK, S.SEC_E_MESSAGE_ALTERED, S.SEC_E_OUT_OF_SEQUENCE, S.SEC_E_OK)


class NtlmContext(PackageContext):
    """State common to both sides; subclasses run the handshake."""

    security: SessionSecurity | None
    session_key: bytes
    flags: int
    ret_flags: int
    client_name: str
    server_name: str
    start: int
    expiry: int

    def _init_common(self, expiry: int) -> None:
        self.security = None
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
            state = C.SECPKG_NEGOTIATION_COMPLETE if self.security is not None else C.SECPKG_NEGOTIATION_IN_PROGRESS
            return SecPkgContext_NegotiationInfo(_info(), state)
        if attribute == C.SECPKG_ATTR_LIFESPAN:
            return SecPkgContext_Lifespan(self.start, self.expiry)
        if self.security is None:
            raise SspiError(S.SEC_E_INVALID_HANDLE, "NTLM context is not complete")
        if attribute == C.SECPKG_ATTR_NAMES:
            return SecPkgContext_Names(self._user_name())
        if attribute == C.SECPKG_ATTR_NATIVE_NAMES:
            return SecPkgContext_NativeNames(self.client_name, self.server_name)
        if attribute == C.SECPKG_ATTR_SESSION_KEY:
            return SecPkgContext_SessionKey(self.session_key)
        if attribute == C.SECPKG_ATTR_KEY_INFO:
            f = self.flags
            bits = 128 if f & NegotiateFlags.NEGOTIATE_128 else 56 if f & NegotiateFlags.NEGOTIATE_56 else 40
            if f & NegotiateFlags.EXTENDED_SESSIONSECURITY:
                return SecPkgContext_KeyInfo("HMAC-MD5", "RSADSI RC4", bits, _CALG_HMAC, _CALG_RC4)
            return SecPkgContext_KeyInfo("CRC32", "RSADSI RC4", bits, _CALG_CRC32, _CALG_RC4)
        return super().query(attribute)

    # -- message functions ------------------------------------------------------------

    def _session(self) -> SessionSecurity | SecurityStatus:
        sec = self.security
        if sec is None:
            return S.SEC_E_INVALID_HANDLE
        return sec

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        sec = self._session()
        if isinstance(sec, SecurityStatus):
            return sec
        token = None
        parts = []
        for b in message:
            t = b.BufferType & _TYPE_MASK
            if t == _DATA:
                parts.append(b.data)
            elif t == _TOKEN and token is None:
                token = b
        if token is None:
            return S.SEC_E_INVALID_TOKEN
        if token.capacity < SIGNATURE_SIZE:
            return S.SEC_E_BUFFER_TOO_SMALL
        token.write(sec.sign(parts))
        return S.SEC_E_OK

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        sec = self._session()
        if isinstance(sec, SecurityStatus):
            return sec, 0
        token = None
        parts = []
        for b in message:
            t = b.BufferType & _TYPE_MASK
            if t == _DATA:
                parts.append(b.data)
            elif t == _TOKEN and token is None:
                token = b
        if token is None or token.cbBuffer < SIGNATURE_SIZE:
            return S.SEC_E_INVALID_TOKEN, 0
        return _RESULTS[sec.check(parts, token.data[:SIGNATURE_SIZE].tobytes())], 0

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        sec = self._session()
        if isinstance(sec, SecurityStatus):
            return sec
        encrypt = qop != _NO_ENCRYPT
        if qop not in (0, _NO_ENCRYPT):
            return S.SEC_E_QOP_NOT_SUPPORTED
        if encrypt and not self.flags & NegotiateFlags.SEAL:
            return S.SEC_E_UNSUPPORTED_FUNCTION
        token = None
        mac_parts = []
        crypt_parts = []
        for b in message:
            bt = b.BufferType
            t = bt & _TYPE_MASK
            if t == _DATA:
                view = b.data
                mac_parts.append(view)
                if not bt & _RO:
                    crypt_parts.append(view)
            elif t == _TOKEN and token is None:
                token = b
            elif t == _PADDING:
                b.cbBuffer = 0
        if token is None:
            return S.SEC_E_INVALID_TOKEN
        if token.capacity < SIGNATURE_SIZE:
            return S.SEC_E_BUFFER_TOO_SMALL
        token.write(sec.seal(mac_parts, crypt_parts, encrypt))
        return S.SEC_E_OK

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        sec = self._session()
        if isinstance(sec, SecurityStatus):
            return sec, 0
        token = None
        stream = None
        mac_parts = []
        crypt_parts = []
        empty_data: SecBuffer | None = None
        for b in message:
            bt = b.BufferType
            t = bt & _TYPE_MASK
            if t == _DATA:
                if stream is not None or (b.cbBuffer == 0 and empty_data is None):
                    empty_data = b
                    continue
                view = b.data
                mac_parts.append(view)
                if not bt & _RO:
                    crypt_parts.append(view)
            elif t == _TOKEN and token is None:
                token = b
            elif t == _STREAM and stream is None:
                stream = b
        if stream is not None:
            # [STREAM(signature + sealed data), DATA(empty)]: DATA ends up viewing the plaintext.
            if stream.cbBuffer < SIGNATURE_SIZE or stream.pvBuffer is None:
                return S.SEC_E_INVALID_TOKEN, 0
            whole = stream.data
            signature = whole[:SIGNATURE_SIZE].tobytes()
            body = whole[SIGNATURE_SIZE:]
            code = sec.unseal([body], [body], signature)
            if empty_data is not None and code in (0, 3):
                empty_data.point_at(stream.pvBuffer, SIGNATURE_SIZE, len(body))
        else:
            if empty_data is not None:
                mac_parts.append(empty_data.data)
            if token is None or token.cbBuffer < SIGNATURE_SIZE:
                return S.SEC_E_INVALID_TOKEN, 0
            code = sec.unseal(mac_parts, crypt_parts, token.data[:SIGNATURE_SIZE].tobytes())
        return _RESULTS[code], (_NO_ENCRYPT if code == 3 else 0)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} complete={self.security is not None}>"


def _info() -> SecPkgInfo:
    i = NTLM_INFO
    return SecPkgInfo(i.fCapabilities, i.wVersion, i.wRPCID, i.cbMaxToken, i.Name, i.Comment)
