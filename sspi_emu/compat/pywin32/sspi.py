"""``sspi``: pywin32's helper classes ``ClientAuth`` / ``ServerAuth`` over the ``win32security`` shim.

Behaviour follows pywin32's ``win32/Lib/sspi.py`` (b301+): one sequence counter per object
shared by both directions, ``wrap`` defaulting to no encryption, and ``_amend_ctx_name``
reading SECPKG_ATTR_NATIVE_NAMES after every completed handshake (catching only ``error``).
"""

from __future__ import annotations

from . import sspicon, win32security
from ._buffers import PySecBuffer, PySecBufferDesc
from ._handles import PyCredHandle, PyCtxtHandle
from .pywintypes import error

__all__ = ["ClientAuth", "ServerAuth", "error"]

_CLIENT_DEFAULT_FLAGS = (sspicon.ISC_REQ_INTEGRITY | sspicon.ISC_REQ_SEQUENCE_DETECT | sspicon.ISC_REQ_REPLAY_DETECT
                         | sspicon.ISC_REQ_CONFIDENTIALITY)
_SERVER_DEFAULT_FLAGS = (sspicon.ASC_REQ_INTEGRITY | sspicon.ASC_REQ_SEQUENCE_DETECT | sspicon.ASC_REQ_REPLAY_DETECT
                         | sspicon.ASC_REQ_CONFIDENTIALITY)


class _BaseAuth:
    """State and message functions shared by the client and the server side."""

    pkg_info: dict[str, object]
    ctxt: PyCtxtHandle | None
    credentials: PyCredHandle

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the context (credentials are kept)."""
        self.ctxt = None
        self.authenticated = False
        self.initiator_name: str | None = None
        self.service_name: str | None = None
        self.next_seq_num = 0

    def _get_next_seq_num(self) -> int:
        n = self.next_seq_num
        self.next_seq_num += 1
        return n

    def _context(self) -> PyCtxtHandle:
        if self.ctxt is None:
            raise error(-2146893055, "sspi", "No security context has been established")
        return self.ctxt

    def _sizes(self) -> dict[str, int]:
        value = self._context().QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
        assert isinstance(value, dict)
        return value

    def encrypt(self, data: bytes) -> tuple[bytes, bytes]:
        """Encrypt *data*: ``(encrypted data, trailer)``."""
        trailer_size = self._sizes()["SecurityTrailer"]
        desc = PySecBufferDesc()
        buf = PySecBuffer(len(data), sspicon.SECBUFFER_DATA)
        buf.Buffer = data
        desc.append(buf)
        desc.append(PySecBuffer(trailer_size, sspicon.SECBUFFER_TOKEN))
        self._context().EncryptMessage(0, desc, self._get_next_seq_num())
        return desc[0].Buffer, desc[1].Buffer

    def decrypt(self, data: bytes, trailer: bytes) -> bytes:
        """Decrypt what :meth:`encrypt` produced."""
        desc = PySecBufferDesc()
        buf = PySecBuffer(len(data), sspicon.SECBUFFER_DATA)
        buf.Buffer = data
        desc.append(buf)
        tok = PySecBuffer(len(trailer), sspicon.SECBUFFER_TOKEN)
        tok.Buffer = trailer
        desc.append(tok)
        self._context().DecryptMessage(desc, self._get_next_seq_num())
        return desc[0].Buffer

    def sign(self, data: bytes) -> bytes:
        """A signature over *data*."""
        sig_size = self._sizes()["MaxSignature"]
        desc = PySecBufferDesc()
        buf = PySecBuffer(len(data), sspicon.SECBUFFER_DATA)
        buf.Buffer = data
        desc.append(buf)
        desc.append(PySecBuffer(sig_size, sspicon.SECBUFFER_TOKEN))
        self._context().MakeSignature(0, desc, self._get_next_seq_num())
        return desc[1].Buffer

    def verify(self, data: bytes, sig: bytes) -> None:
        """Check *sig* over *data*; raises :class:`error` when it does not match."""
        desc = PySecBufferDesc()
        buf = PySecBuffer(len(data), sspicon.SECBUFFER_DATA)
        buf.Buffer = data
        desc.append(buf)
        tok = PySecBuffer(len(sig), sspicon.SECBUFFER_TOKEN)
        tok.Buffer = sig
        desc.append(tok)
        self._context().VerifySignature(desc, self._get_next_seq_num())

    def unwrap(self, token: bytes) -> tuple[bytes, bool]:
        """Unwrap a :meth:`wrap` token: ``(data, encrypted)``."""
        desc = PySecBufferDesc()
        stream = PySecBuffer(len(token), sspicon.SECBUFFER_STREAM)
        stream.Buffer = token
        desc.append(stream)
        desc.append(PySecBuffer(0, sspicon.SECBUFFER_DATA))
        qop = self._context().DecryptMessage(desc, self._get_next_seq_num())
        return desc[1].Buffer, not (qop == sspicon.SECQOP_WRAP_NO_ENCRYPT)

    def wrap(self, msg: bytes, encrypt: bool = False) -> bytes:
        """Wrap *msg* as trailer + data + padding; not encrypted unless *encrypt*."""
        sizes = self._sizes()
        desc = PySecBufferDesc()
        buf = PySecBuffer(len(msg), sspicon.SECBUFFER_DATA)
        buf.Buffer = msg
        desc.append(buf)
        desc.append(PySecBuffer(sizes["SecurityTrailer"], sspicon.SECBUFFER_TOKEN))
        desc.append(PySecBuffer(sizes["BlockSize"], sspicon.SECBUFFER_PADDING))
        qop = 0 if encrypt else sspicon.SECQOP_WRAP_NO_ENCRYPT
        self._context().EncryptMessage(qop, desc, self._get_next_seq_num())
        return desc[1].Buffer + desc[0].Buffer + desc[2].Buffer

    def _amend_ctx_name(self) -> None:
        try:
            names = self._context().QueryContextAttributes(sspicon.SECPKG_ATTR_NATIVE_NAMES)
        except error:
            return
        assert isinstance(names, tuple)
        self.initiator_name, self.service_name = names

    def _input_desc(self, sec_buffer_in: object) -> object:
        if sec_buffer_in is not None and not isinstance(sec_buffer_in, win32security.PySecBufferDescType):
            max_token = self.pkg_info["MaxToken"]
            assert isinstance(max_token, int)
            desc = PySecBufferDesc()
            buf = PySecBuffer(max_token, sspicon.SECBUFFER_TOKEN)
            buf.Buffer = sec_buffer_in
            desc.append(buf)
            return desc
        return sec_buffer_in

    def _output_desc(self) -> PySecBufferDesc:
        max_token = self.pkg_info["MaxToken"]
        assert isinstance(max_token, int)
        desc = PySecBufferDesc()
        desc.append(PySecBuffer(max_token, sspicon.SECBUFFER_TOKEN))
        return desc

    def _finish_leg(self, err: int, attr: int, exp: object, sec_buffer_out: PySecBufferDesc) -> None:
        self.ctxt_attr = attr
        self.ctxt_expiry = exp
        if err in (sspicon.SEC_I_COMPLETE_NEEDED, sspicon.SEC_I_COMPLETE_AND_CONTINUE):
            self._context().CompleteAuthToken(sec_buffer_out)
        self.authenticated = err == 0
        if self.authenticated:
            self._amend_ctx_name()


class ClientAuth(_BaseAuth):
    """The client side: ``ClientAuth(pkg_name, client_name=None, auth_info=None, targetspn=None, ...)``."""

    def __init__(
        self,
        pkg_name: str,
        client_name: str | None = None,
        auth_info: object = None,
        targetspn: str | None = None,
        scflags: int | None = None,
        datarep: int = sspicon.SECURITY_NETWORK_DREP,
    ) -> None:
        if scflags is None:
            scflags = _CLIENT_DEFAULT_FLAGS
        self.scflags = scflags
        self.datarep = datarep
        self.targetspn = targetspn
        self.pkg_info = win32security.QuerySecurityPackageInfo(pkg_name)
        self.credentials, self.credentials_expiry = win32security.AcquireCredentialsHandle(
            client_name, self.pkg_info["Name"], sspicon.SECPKG_CRED_OUTBOUND, None, auth_info
        )
        super().__init__()

    def authorize(self, sec_buffer_in: object) -> tuple[int, PySecBufferDesc]:
        """One leg with the server's token (bytes, a PySecBufferDesc or None): ``(status, output desc)``."""
        sec_buffer_in = self._input_desc(sec_buffer_in)
        sec_buffer_out = self._output_desc()
        ctxtin = self.ctxt
        if self.ctxt is None:
            self.ctxt = PyCtxtHandle()
        err, attr, exp = win32security.InitializeSecurityContext(
            self.credentials, ctxtin, self.targetspn, self.scflags, self.datarep, sec_buffer_in, self.ctxt,
            sec_buffer_out,
        )
        self._finish_leg(err, attr, exp, sec_buffer_out)
        return err, sec_buffer_out


class ServerAuth(_BaseAuth):
    """The server side: ``ServerAuth(pkg_name, spn=None, scflags=None, datarep=SECURITY_NETWORK_DREP)``."""

    def __init__(
        self,
        pkg_name: str,
        spn: str | None = None,
        scflags: int | None = None,
        datarep: int = sspicon.SECURITY_NETWORK_DREP,
    ) -> None:
        self.spn = spn
        self.datarep = datarep
        if scflags is None:
            scflags = _SERVER_DEFAULT_FLAGS
        self.scflags = scflags
        self.pkg_info = win32security.QuerySecurityPackageInfo(pkg_name)
        self.credentials, self.credentials_expiry = win32security.AcquireCredentialsHandle(
            spn, self.pkg_info["Name"], sspicon.SECPKG_CRED_INBOUND, None, None
        )
        super().__init__()

    def authorize(self, sec_buffer_in: object) -> tuple[int, PySecBufferDesc]:
        """One leg with the client's token (bytes, a PySecBufferDesc or None): ``(status, output desc)``."""
        sec_buffer_in = self._input_desc(sec_buffer_in)
        sec_buffer_out = self._output_desc()
        ctxtin = self.ctxt
        if self.ctxt is None:
            self.ctxt = PyCtxtHandle()
        err, attr, exp = win32security.AcceptSecurityContext(
            self.credentials, ctxtin, sec_buffer_in, self.scflags, self.datarep, self.ctxt, sec_buffer_out,
        )
        self._finish_leg(err, attr, exp, sec_buffer_out)
        return err, sec_buffer_out
