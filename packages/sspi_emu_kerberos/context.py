"""What Kerberos client and server contexts share: attributes and the SSPI message functions."""

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
)
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import PackageContext

from . import enctypes
from .cfx import SequenceError, TokenError
from .info import MAX_TOKEN, package_info
from .keys import Key
from .sessions import MessageSession

__all__ = ["KerberosContext"]

S = SecurityStatus
_DATA = C.SECBUFFER_DATA
_TOKEN = C.SECBUFFER_TOKEN
_PADDING = C.SECBUFFER_PADDING
_STREAM = C.SECBUFFER_STREAM
_TYPE_MASK = 0x0FFFFFFF
_RO = C.SECBUFFER_READONLY | C.SECBUFFER_READONLY_WITH_CHECKSUM
_NO_ENCRYPT = C.SECQOP_WRAP_NO_ENCRYPT


def _split(message: list[SecBuffer]) -> tuple[SecBuffer | None, list[SecBuffer], SecBuffer | None, SecBuffer | None]:
    token = stream = padding = None
    data: list[SecBuffer] = []
    for b in message:
        t = b.BufferType & _TYPE_MASK
        if t == _TOKEN and token is None:
            token = b
        elif t == _DATA:
            data.append(b)
        elif t == _STREAM and stream is None:
            stream = b
        elif t == _PADDING and padding is None:
            padding = b
    return token, data, stream, padding


class KerberosContext(PackageContext):
    """State common to both sides; subclasses run the handshake."""

    session: MessageSession | None = None
    session_key: Key | None = None
    ret_flags: int = 0
    client_name: str = ""
    server_name: str = ""
    start: int = 0
    expiry: int = C.TIMESTAMP_NEVER

    # -- attributes -------------------------------------------------------------------

    def query(self, attribute: int) -> object:
        if attribute == C.SECPKG_ATTR_SIZES:
            sec = self.session
            if sec is None:
                return SecPkgContext_Sizes(MAX_TOKEN, 0, 0, 0)
            return SecPkgContext_Sizes(MAX_TOKEN, sec.mic_size, 1, sec.wrap_overhead)
        if attribute == C.SECPKG_ATTR_FLAGS:
            return SecPkgContext_Flags(self.ret_flags)
        if attribute == C.SECPKG_ATTR_PACKAGE_INFO:
            return SecPkgContext_PackageInfo(package_info())
        if attribute == C.SECPKG_ATTR_NEGOTIATION_INFO:
            state = C.SECPKG_NEGOTIATION_COMPLETE if self.session is not None else C.SECPKG_NEGOTIATION_IN_PROGRESS
            return SecPkgContext_NegotiationInfo(package_info(), state)
        if attribute == C.SECPKG_ATTR_LIFESPAN:
            return SecPkgContext_Lifespan(self.start, self.expiry)
        if self.session is None:
            raise SspiError(S.SEC_E_INVALID_HANDLE, "Kerberos context is not complete")
        if attribute == C.SECPKG_ATTR_NAMES:
            return SecPkgContext_Names(self.client_name)
        if attribute == C.SECPKG_ATTR_NATIVE_NAMES:
            return SecPkgContext_NativeNames(self.client_name, self.server_name)
        if attribute == C.SECPKG_ATTR_SESSION_KEY and self.session_key is not None:
            return SecPkgContext_SessionKey(self.session_key.contents)
        if attribute == C.SECPKG_ATTR_KEY_INFO:
            p = enctypes.profile(self.session.key.enctype)
            return SecPkgContext_KeyInfo(p.name, p.name, p.key_size * 8, p.checksum_type, p.number)
        return super().query(attribute)

    def _message_session(self) -> MessageSession | SecurityStatus:
        """The per-message state, or the status to return when there is none."""
        sec = self.session
        if sec is None:
            return S.SEC_E_INVALID_HANDLE
        return sec

    def _established(self) -> None:
        self.start = entropy.filetime_now()

    def export(self) -> bytes:
        from .exported import export_context  # the exported form subclasses this class

        return export_context(self)

    # -- message functions ------------------------------------------------------------

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        sec = self._message_session()
        if isinstance(sec, SecurityStatus):
            return sec
        token, data, _, _ = _split(message)
        if token is None:
            return S.SEC_E_INVALID_TOKEN
        if token.capacity < sec.mic_size:
            return S.SEC_E_BUFFER_TOO_SMALL
        token.write(sec.get_mic(b"".join(b.tobytes() for b in data)))
        return S.SEC_E_OK

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        sec = self._message_session()
        if isinstance(sec, SecurityStatus):
            return sec, 0
        token, data, _, _ = _split(message)
        if token is None:
            return S.SEC_E_INVALID_TOKEN, 0
        try:
            sec.verify_mic(b"".join(b.tobytes() for b in data), token.tobytes())
        except SequenceError:
            return S.SEC_E_OUT_OF_SEQUENCE, 0
        except TokenError:
            return S.SEC_E_MESSAGE_ALTERED, 0
        return S.SEC_E_OK, 0

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        sec = self._message_session()
        if isinstance(sec, SecurityStatus):
            return sec
        if qop not in (0, _NO_ENCRYPT):
            return S.SEC_E_QOP_NOT_SUPPORTED
        seal = qop != _NO_ENCRYPT
        token, data, _, padding = _split(message)
        if token is None:
            return S.SEC_E_INVALID_TOKEN
        writable = [b for b in data if not b.BufferType & _RO]
        need = sec.wrap_overhead if seal else sec.mic_size
        if token.capacity < need:
            return S.SEC_E_BUFFER_TOO_SMALL
        plain = b"".join(b.tobytes() for b in writable)
        head, body = sec.wrap_parts(plain, seal)
        leftover = body[len(plain) :]
        if leftover and (padding is None or padding.capacity < len(leftover)):
            return S.SEC_E_BUFFER_TOO_SMALL
        pos = 0
        for b in writable:
            n = b.cbBuffer
            b.write(body[pos : pos + n])
            pos += n
        token.write(head)
        if padding is not None:
            if leftover:
                padding.write(leftover)
            else:
                padding.cbBuffer = 0
        return S.SEC_E_OK

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        sec = self._message_session()
        if isinstance(sec, SecurityStatus):
            return sec, 0
        token, data, stream, padding = _split(message)
        if stream is not None:
            whole = stream.tobytes()
        elif token is not None:
            whole = token.tobytes() + b"".join(b.tobytes() for b in data if not b.BufferType & _RO)
            if padding is not None:
                whole += padding.tobytes()
        else:
            return S.SEC_E_INVALID_TOKEN, 0
        try:
            plain, sealed = sec.unwrap(whole)
        except SequenceError:
            return S.SEC_E_OUT_OF_SEQUENCE, 0
        except TokenError:
            return S.SEC_E_MESSAGE_ALTERED, 0
        qop = 0 if sealed else _NO_ENCRYPT
        if stream is not None:
            assert stream.pvBuffer is not None
            memoryview(stream.pvBuffer)[: len(plain)] = plain
            if data:
                data[0].point_at(stream.pvBuffer, 0, len(plain))
            return S.SEC_E_OK, qop
        pos = 0
        writable = [b for b in data if not b.BufferType & _RO]
        for i, b in enumerate(writable):
            n = b.cbBuffer if i < len(writable) - 1 else len(plain) - pos
            n = max(0, min(n, len(plain) - pos))
            if n > b.capacity:
                # Integrity-only tokens are shorter than cbSecurityTrailer: the caller's split put
                # plaintext into the TOKEN buffer, so the DATA buffer gets memory of its own.
                b.pvBuffer = bytearray(plain[pos : pos + n])
                b.cbBuffer = n
            else:
                b.write(plain[pos : pos + n])
            pos += n
        return S.SEC_E_OK, qop

    def __repr__(self) -> str:
        return f"<{type(self).__name__} complete={self.session is not None}>"
