"""TLS on a socket through the emulator's Schannel package (AcceptSecurityContext + Encrypt/DecryptMessage).

:class:`SchannelStream` runs the server handshake over a connected socket and then offers
a raw byte stream (``readinto`` / ``write``) that :mod:`sspi_emu.http.server` wraps in
buffered files. The credential is an inbound ``Credential("Schannel", auth_data=...)``
holding the server certificate (built by the caller with the Schannel package's
``SCH_CREDENTIALS``).
"""

from __future__ import annotations

import io
import socket

from cryptography.hazmat.primitives import serialization

from .. import constants as C
from ..attributes import SecPkgContext_CertContext, SecPkgContext_StreamSizes
from ..context import Credential, ServerContext
from ..errors import SspiError

__all__ = ["SchannelStream", "TlsError", "local_certificate_der"]

_SERVER_FLAGS = (C.ASC_REQ_STREAM | C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_REPLAY_DETECT
                 | C.ASC_REQ_SEQUENCE_DETECT | C.ASC_REQ_EXTENDED_ERROR)
_READ = 16 * 1024 + 512


class TlsError(OSError):
    """The TLS handshake or a record failed (the connection is unusable)."""


def local_certificate_der(ctx: ServerContext) -> bytes | None:
    """The DER certificate an established Schannel server context presented."""
    try:
        info = ctx.query(C.SECPKG_ATTR_LOCAL_CERT_CONTEXT)
    except SspiError:
        return None
    cert = info.Certificate if isinstance(info, SecPkgContext_CertContext) else None
    if isinstance(cert, (bytes, bytearray)):
        return bytes(cert)
    cert = getattr(cert, "certificate", cert)  # a certificate context wrapping the certificate
    public_bytes = getattr(cert, "public_bytes", None)
    if public_bytes is None:
        return None
    der = public_bytes(serialization.Encoding.DER)
    return der if isinstance(der, bytes) else None


class SchannelStream(io.RawIOBase):
    """A server-side TLS stream over *sock* driven by the Schannel security package."""

    def __init__(self, sock: socket.socket, credential: Credential) -> None:
        super().__init__()
        self.sock = sock
        self.context = ServerContext("Schannel", credential=credential, flags=_SERVER_FLAGS)
        self._plain = bytearray()
        self._cipher = bytearray()
        self._eof = False
        self._max_message = 16 * 1024

    def handshake(self) -> None:
        """Run the TLS handshake (raises TlsError)."""
        ctx = self.context
        try:
            while not ctx.complete:
                data = self.sock.recv(_READ)
                if not data:
                    raise TlsError("the client closed the connection during the TLS handshake")
                out = ctx.step(data)
                if out:
                    self.sock.sendall(out)
        except SspiError as exc:
            if exc.token:
                try:
                    self.sock.sendall(exc.token)  # the alert for the client
                except OSError:
                    pass
            raise TlsError(f"TLS handshake failed: {exc.status.name}") from exc
        self._cipher += ctx.extra
        ctx.extra = b""
        sizes = ctx.query(C.SECPKG_ATTR_STREAM_SIZES)
        if isinstance(sizes, SecPkgContext_StreamSizes) and sizes.cbMaximumMessage:
            self._max_message = sizes.cbMaximumMessage

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def _fill(self) -> None:
        """Decrypt at least one record into the plaintext buffer (or reach EOF)."""
        while not self._plain and not self._eof:
            if self._cipher:
                try:
                    data = self.context.unwrap(bytes(self._cipher))
                except SspiError as exc:
                    if exc.status == C.SEC_E_INCOMPLETE_MESSAGE:
                        pass  # need more bytes
                    elif exc.status == C.SEC_I_CONTEXT_EXPIRED:
                        self._eof = True  # the client's close_notify
                        return
                    else:
                        raise TlsError(f"TLS record refused: {exc.status.name}") from exc
                else:
                    self._cipher = bytearray(self.context.extra)
                    self.context.extra = b""
                    self._plain += data
                    self._send_pending()
                    if self.context.closed:
                        self._eof = True  # the client's close_notify
                        return
                    continue
            chunk = self.sock.recv(_READ)
            if not chunk:
                self._eof = True
                return
            self._cipher += chunk

    def _send_pending(self) -> None:
        """Send what the handshake produced in answer to a post-handshake message (e.g. a KeyUpdate)."""
        out = self.context.pending_output
        if out:
            self.context.pending_output = b""
            self.sock.sendall(out)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        self._fill()
        n = min(len(buffer), len(self._plain))
        buffer[:n] = self._plain[:n]
        del self._plain[:n]
        return n

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(bytes(data))
        for start in range(0, len(view), self._max_message):
            try:
                record = self.context.wrap(bytes(view[start:start + self._max_message]))
            except SspiError as exc:
                raise TlsError(f"EncryptMessage failed: {exc.status.name}") from exc
            self.sock.sendall(record)
        return len(view)

    def close(self) -> None:
        if not self.closed:
            self.context.close()
        super().close()
