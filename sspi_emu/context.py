"""The Pythonic layer: credentials and contexts as objects, failures as :class:`SspiError`.

Built only on the C-shaped API (:mod:`sspi_emu.api`)::

    cred = Credential("NTLM", user="DOMAIN\\\\alice", password="...")
    client = ClientContext("NTLM", target="HTTP/web.example", credential=cred)
    server = ServerContext("NTLM", credential=Credential("NTLM", use="inbound", auth_data=store))
    token = client.step()
    while not (client.complete and server.complete):
        token = server.step(token)
        if token or not client.complete:
            token = client.step(token)
    server.unwrap(client.wrap(b"hello"))
"""

from __future__ import annotations

import contextlib
from typing import Sequence

from . import api
from . import constants as C
from .attributes import (
    SecPkgContext_Names,
    SecPkgContext_NegotiationInfo,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
    SecPkgContext_StreamSizes,
)
from .buffers import SecBuffer, SecBufferDesc
from .constants import SecurityStatus
from .entropy import EntropySource, pinned
from .errors import SspiError
from .handles import ULONG, Box, CredHandle, CtxtHandle, TimeStamp
from .identity import SEC_WINNT_AUTH_IDENTITY

S = SecurityStatus
_USES = {"outbound": C.SECPKG_CRED_OUTBOUND, "inbound": C.SECPKG_CRED_INBOUND, "both": C.SECPKG_CRED_BOTH,
         "initiate": C.SECPKG_CRED_OUTBOUND, "accept": C.SECPKG_CRED_INBOUND}

DEFAULT_CLIENT_FLAGS = (
    C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_REPLAY_DETECT
    | C.ISC_REQ_CONNECTION
)
DEFAULT_SERVER_FLAGS = (
    C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_INTEGRITY | C.ASC_REQ_SEQUENCE_DETECT | C.ASC_REQ_REPLAY_DETECT
    | C.ASC_REQ_CONNECTION
)


def _check(status: SecurityStatus, what: str) -> SecurityStatus:
    if status.is_error:
        raise SspiError(status, what)
    return status


class Credential:
    """A credential handle for one package.

    Give ``user``/``password`` (``user`` may be ``DOMAIN\\\\user`` or ``user@REALM``) or
    ``nt_hash``, or any package-specific ``auth_data`` (an account store for a server,
    Schannel credentials, ...). With neither, the package's defaults apply.
    """

    def __init__(
        self,
        package: str,
        *,
        use: str | int = "outbound",
        user: str | None = None,
        password: str | None = None,
        domain: str | None = None,
        nt_hash: bytes | None = None,
        principal: str | None = None,
        auth_data: object = None,
    ) -> None:
        self.package = package
        self.handle = CredHandle()
        self.expiry = TimeStamp()
        flag = _USES.get(use, 0) if isinstance(use, str) else use
        if not flag:
            raise ValueError(f"use must be one of {sorted(_USES)} or SECPKG_CRED_* flags")
        if auth_data is None and (user is not None or password is not None or nt_hash is not None):
            if user is not None and "\\" in user and domain is None:
                domain, user = user.split("\\", 1)
            auth_data = SEC_WINNT_AUTH_IDENTITY(user, domain, password, NtHash=nt_hash)
        status = api.AcquireCredentialsHandle(principal, package, flag, None, auth_data, None, None,
                                              self.handle, self.expiry)
        _check(status, f"AcquireCredentialsHandle({package!r})")

    def close(self) -> None:
        """Free the handle (idempotent)."""
        if self.handle.is_set:
            api.FreeCredentialsHandle(self.handle)
            self.handle._invalidate()

    def __enter__(self) -> Credential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        return f"Credential({self.package!r}, handle={self.handle!r})"


class _Context:
    _server = False

    def __init__(
        self,
        package: str,
        credential: Credential | None,
        flags: int,
        entropy: EntropySource | None,
        use: str,
    ) -> None:
        self.package = package
        self.credential = credential or Credential(package, use=use)
        self.flags = flags
        self.handle = CtxtHandle()
        self.expiry = TimeStamp()
        self.status: SecurityStatus | None = None
        self.complete = False
        self.context_attributes = 0
        #: Bytes that arrived after the handshake (application data), for the caller.
        self.extra = b""
        #: Handshake bytes produced while unwrapping (post-handshake messages) that must reach the peer.
        self.pending_output = b""
        #: True once the peer closed the connection (close_notify: SEC_I_CONTEXT_EXPIRED).
        self.closed = False
        self._entropy = entropy
        self._pending = b""
        self._send_seq = 0
        self._recv_seq = 0
        self._layout: str | None = None
        self._sizes: SecPkgContext_Sizes | SecPkgContext_StreamSizes | None = None

    def _leg(self, pin: SecBufferDesc | None, pout: SecBufferDesc, attrs: ULONG) -> SecurityStatus:
        raise NotImplementedError

    def step(
        self,
        token: bytes | None = None,
        *,
        channel_bindings: bytes | None = None,
        buffers: Sequence[SecBuffer] = (),
    ) -> bytes:
        """Run one handshake leg with the peer's *token*; return the token to send (maybe empty)."""
        produced = b""
        data = self._pending + token if (self._pending and token is not None) else token
        self._pending = b""
        while True:
            inbufs: list[SecBuffer] = []
            if data is not None:
                inbufs += [SecBuffer(C.SECBUFFER_TOKEN, data), SecBuffer(C.SECBUFFER_EMPTY)]
            if channel_bindings is not None:
                inbufs.append(SecBuffer(C.SECBUFFER_CHANNEL_BINDINGS, channel_bindings))
            inbufs.extend(buffers)
            pin = SecBufferDesc(inbufs) if inbufs else None
            out_tok = SecBuffer(C.SECBUFFER_TOKEN)
            out_alert = SecBuffer(C.SECBUFFER_ALERT)
            pout = SecBufferDesc([out_tok, out_alert])
            attrs = ULONG()
            if self._entropy is None:  # the usual case: no context manager to enter per leg
                status = self._leg(pin, pout, attrs)
            else:
                with pinned(self._entropy):
                    status = self._leg(pin, pout, attrs)
            self.status = status
            piece = out_tok.tobytes()
            alert = out_alert.tobytes()
            api.FreeContextBuffer(out_tok)
            api.FreeContextBuffer(out_alert)
            if status == S.SEC_E_INCOMPLETE_MESSAGE:
                self._pending = data or b""
                return produced
            if status.is_error:
                raise SspiError(status, f"{self.package} handshake", token=produced + piece, alert=alert)
            produced += piece
            if isinstance(attrs.value, int):
                self.context_attributes = attrs.value & ~C.ISC_RET_ALLOCATED_MEMORY
            if status in (S.SEC_I_COMPLETE_NEEDED, S.SEC_I_COMPLETE_AND_CONTINUE):
                # the token plus the caller's buffers (e.g. the HTTP body Digest auth-int hashes)
                complete = [SecBuffer(C.SECBUFFER_TOKEN, piece)]
                complete += [SecBuffer(b.BufferType, b.tobytes()) for b in buffers]
                _check(api.CompleteAuthToken(self.handle, SecBufferDesc(complete)), "CompleteAuthToken")
            self.complete = status in (S.SEC_E_OK, S.SEC_I_COMPLETE_NEEDED)
            extra = next((b.tobytes() for b in inbufs if b.BufferType == C.SECBUFFER_EXTRA), b"")
            if extra and not self.complete:
                data = extra  # more handshake records arrived in the same read: process them now
                continue
            if extra:
                self.extra += extra
            return produced

    # --- attributes ---------------------------------------------------------------------------

    def query(self, attribute: int, structure: object | None = None) -> object:
        """QueryContextAttributes for *attribute*; returns the filled structure."""
        from .attributes import CONTEXT_ATTRIBUTE_CLASSES

        target = structure
        if target is None:
            cls = CONTEXT_ATTRIBUTE_CLASSES.get(attribute)
            target = cls() if cls is not None else Box()
        _check(api.QueryContextAttributes(self.handle, attribute, target), f"QueryContextAttributes({attribute})")
        return target.value if isinstance(target, Box) else target

    @property
    def session_key(self) -> bytes:
        """The session key (SECPKG_ATTR_SESSION_KEY)."""
        result = self.query(C.SECPKG_ATTR_SESSION_KEY)
        assert isinstance(result, SecPkgContext_SessionKey)
        return result.SessionKey

    @property
    def peer_name(self) -> str:
        """The authenticated name (SECPKG_ATTR_NAMES): the client's on a server."""
        result = self.query(C.SECPKG_ATTR_NAMES)
        assert isinstance(result, SecPkgContext_Names)
        return result.sUserName

    @property
    def negotiated_package(self) -> str:
        """The package doing the work (NEGOTIATION_INFO when the package negotiates, else PACKAGE_INFO)."""
        try:
            info = self.query(C.SECPKG_ATTR_NEGOTIATION_INFO)
            assert isinstance(info, SecPkgContext_NegotiationInfo)
            return info.PackageInfo.Name
        except SspiError:
            pkg = self.query(C.SECPKG_ATTR_PACKAGE_INFO)
            assert isinstance(pkg, SecPkgContext_PackageInfo)
            return pkg.PackageInfo.Name

    @property
    def attributes(self) -> int:
        """The ISC_RET / ASC_RET flags of the last leg (without ALLOCATED_MEMORY)."""
        return self.context_attributes

    # --- messages -----------------------------------------------------------------------------

    def _message_layout(self) -> str:
        if self._layout is None:
            try:
                sizes = self.query(C.SECPKG_ATTR_STREAM_SIZES)
                assert isinstance(sizes, SecPkgContext_StreamSizes)
                self._sizes, self._layout = sizes, "stream"
            except SspiError:
                plain = self.query(C.SECPKG_ATTR_SIZES)
                assert isinstance(plain, SecPkgContext_Sizes)
                self._sizes, self._layout = plain, "token"
        return self._layout

    def wrap(self, data: bytes, encrypt: bool = True) -> bytes:
        """EncryptMessage: seal *data* (or only sign it when ``encrypt`` is False)."""
        qop = 0 if encrypt else C.SECQOP_WRAP_NO_ENCRYPT
        if self._message_layout() == "stream":
            sizes = self._sizes
            assert isinstance(sizes, SecPkgContext_StreamSizes)
            bufs = [SecBuffer(C.SECBUFFER_STREAM_HEADER, sizes.cbHeader), SecBuffer(C.SECBUFFER_DATA, data),
                    SecBuffer(C.SECBUFFER_STREAM_TRAILER, sizes.cbTrailer), SecBuffer(C.SECBUFFER_EMPTY)]
        else:
            sizes2 = self._sizes
            assert isinstance(sizes2, SecPkgContext_Sizes)
            bufs = [SecBuffer(C.SECBUFFER_TOKEN, sizes2.cbSecurityTrailer), SecBuffer(C.SECBUFFER_DATA, data),
                    SecBuffer(C.SECBUFFER_PADDING, sizes2.cbBlockSize)]
        _check(api.EncryptMessage(self.handle, qop, SecBufferDesc(bufs), self._send_seq), "EncryptMessage")
        self._send_seq += 1
        return b"".join(b.tobytes() for b in bufs[:3])

    def unwrap(self, data: bytes) -> bytes:
        """DecryptMessage: open a message from :meth:`wrap` on the peer (trailing bytes go to ``extra``).

        On a stream package, a close_notify sets :attr:`closed` and returns b""; post-handshake
        messages (SEC_I_RENEGOTIATE) are fed back to the handshake, whose answer, if any, is
        left in :attr:`pending_output` for the caller to send.
        """
        qop = ULONG()
        if self._message_layout() == "stream":
            bufs = [SecBuffer(C.SECBUFFER_DATA, data)] + [SecBuffer(C.SECBUFFER_EMPTY) for _ in range(3)]
            status = api.DecryptMessage(self.handle, SecBufferDesc(bufs), self._recv_seq, qop)
            _check(status, "DecryptMessage")
            self._recv_seq += 1
            self.extra = next((b.tobytes() for b in bufs if b.BufferType == C.SECBUFFER_EXTRA), b"")
            plain = next((b.tobytes() for b in bufs if b.BufferType == C.SECBUFFER_DATA), b"")
            if status == S.SEC_I_CONTEXT_EXPIRED:
                self.closed = True
            elif status == S.SEC_I_RENEGOTIATE:
                handshake, self.extra = self.extra, b""
                self.pending_output += self.step(handshake)
            elif status != S.SEC_E_OK:
                raise SspiError(status, "DecryptMessage")
            return plain
        sizes = self._sizes
        assert isinstance(sizes, SecPkgContext_Sizes)
        n = sizes.cbSecurityTrailer
        bufs = [SecBuffer(C.SECBUFFER_TOKEN, data[:n]), SecBuffer(C.SECBUFFER_DATA, data[n:])]
        status = api.DecryptMessage(self.handle, SecBufferDesc(bufs), self._recv_seq, qop)
        if status != S.SEC_E_OK:
            raise SspiError(status, "DecryptMessage")
        self._recv_seq += 1
        return bufs[1].tobytes()

    def sign(self, data: bytes) -> bytes:
        """MakeSignature: the signature over *data*."""
        if self._message_layout() == "stream":
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "this package does not sign")
        sizes = self._sizes
        assert isinstance(sizes, SecPkgContext_Sizes)
        bufs = [SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_TOKEN, sizes.cbMaxSignature)]
        _check(api.MakeSignature(self.handle, 0, SecBufferDesc(bufs), self._send_seq), "MakeSignature")
        self._send_seq += 1
        return bufs[1].tobytes()

    def verify(self, data: bytes, signature: bytes) -> None:
        """VerifySignature: raise SspiError unless *signature* is valid for *data*."""
        bufs = [SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_TOKEN, signature)]
        status = api.VerifySignature(self.handle, SecBufferDesc(bufs), self._recv_seq, ULONG())
        if status != S.SEC_E_OK:
            raise SspiError(status, "VerifySignature")
        self._recv_seq += 1

    def close(self) -> None:
        """Delete the context (idempotent)."""
        if self.handle.is_set:
            api.DeleteSecurityContext(self.handle)
            self.handle._invalidate()

    def __enter__(self) -> _Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.package!r}, complete={self.complete})"


class ClientContext(_Context):
    """The initiating side: InitializeSecurityContext behind :meth:`step`."""

    def __init__(
        self,
        package: str,
        target: str | None = None,
        credential: Credential | None = None,
        flags: int = DEFAULT_CLIENT_FLAGS,
        *,
        entropy: EntropySource | None = None,
    ) -> None:
        super().__init__(package, credential, flags, entropy, "outbound")
        self.target = target

    def _leg(self, pin: SecBufferDesc | None, pout: SecBufferDesc, attrs: ULONG) -> SecurityStatus:
        first = not self.handle.is_set
        return api.InitializeSecurityContext(
            self.credential.handle, None if first else self.handle, self.target,
            self.flags | C.ISC_REQ_ALLOCATE_MEMORY, 0, C.SECURITY_NATIVE_DREP, pin, 0,
            self.handle, pout, attrs, self.expiry,
        )


class ServerContext(_Context):
    """The accepting side: AcceptSecurityContext behind :meth:`step`."""

    _server = True

    def __init__(
        self,
        package: str,
        credential: Credential | None = None,
        flags: int = DEFAULT_SERVER_FLAGS,
        *,
        entropy: EntropySource | None = None,
    ) -> None:
        super().__init__(package, credential, flags, entropy, "inbound")

    def _leg(self, pin: SecBufferDesc | None, pout: SecBufferDesc, attrs: ULONG) -> SecurityStatus:
        first = not self.handle.is_set
        return api.AcceptSecurityContext(
            self.credential.handle, None if first else self.handle, pin,
            self.flags | C.ASC_REQ_ALLOCATE_MEMORY, C.SECURITY_NATIVE_DREP,
            self.handle, pout, attrs, self.expiry,
        )
