"""MS-KKDCP: Kerberos messages to a KDC proxy over HTTPS, TLS by the emulator's own Schannel package.

A request travels as ``KDC-PROXY-MESSAGE`` (MS-KKDCP 2.2.2)::

    KDC-PROXY-MESSAGE ::= SEQUENCE {
        kerb-message    [0] OCTET STRING,   -- the KDC message with its 4-byte TCP length prefix
        target-domain   [1] KERB-REALM OPTIONAL,
        dclocator-hint  [2] INTEGER OPTIONAL }

in the body of an HTTP/1.1 ``POST`` (``Content-Type: application/kerberos``); the reply is
the same structure around the KDC's answer. TLS is the ``Schannel`` package reached through
the SSPI itself (``sspi_emu.ClientContext``), so the server certificate is checked the way
Schannel checks it (trust roots, name); this package never imports the Schannel package.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from sspi_emu import constants as C
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.context import ClientContext, Credential
from sspi_emu.errors import SspiError
from sspi_emu.schannel_credentials import SCH_CREDENTIALS

from . import der
from . import der_reader as r
from .transport import KdcTransport, KdcUnreachable

__all__ = [
    "KdcProxyError",
    "KdcProxyMessage",
    "KdcProxyTransport",
    "ProxyUrl",
    "RealmTransport",
    "decode_proxy_message",
    "frame",
    "http_request",
    "parse_http_response",
    "parse_proxy_url",
    "unframe",
]

#: Largest reply accepted (headers and body), as kdcproxy and MIT bound theirs.
MAX_REPLY = 1 << 20
_TLS_FLAGS = (C.ISC_REQ_STREAM | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_REPLAY_DETECT
              | C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_EXTENDED_ERROR)
_READ = 16 * 1024 + 512


class KdcProxyError(ValueError):
    """A malformed KDC-PROXY-MESSAGE, HTTP response or proxy URL."""


# -- KDC-PROXY-MESSAGE -----------------------------------------------------------------------

@dataclass(frozen=True)
class KdcProxyMessage:
    """One KDC-PROXY-MESSAGE; ``kerb_message`` keeps the 4-byte length prefix as on the wire."""

    kerb_message: bytes = field(repr=False)
    target_domain: str | None = None
    dclocator_hint: int | None = None

    def encode(self) -> bytes:
        """DER encoding."""
        return der.sequence(
            der.ctx(0, der.octet_string(self.kerb_message)),
            der.ctx(1, None if self.target_domain is None else der.general_string(self.target_domain)),
            der.ctx(2, None if self.dclocator_hint is None else der.integer(self.dclocator_hint)),
        )


def decode_proxy_message(data: bytes) -> KdcProxyMessage:
    """Parse a KDC-PROXY-MESSAGE (KdcProxyError when malformed)."""
    data = bytes(data)
    try:
        f = r.fields(data, (0, len(data)), last_field=2)
        if 0 not in f:
            raise KdcProxyError("KDC-PROXY-MESSAGE without kerb-message")
        kerb = r.octets(data, f[0])
        domain = r.general_string(data, f[1]) if 1 in f else None
        hint = r.integer(data, f[2]) if 2 in f else None
    except r.DerError as exc:
        raise KdcProxyError(f"malformed KDC-PROXY-MESSAGE: {exc}") from None
    return KdcProxyMessage(kerb, domain, hint)


def frame(message: bytes) -> bytes:
    """A KDC message with the 4-byte big-endian length prefix of RFC 4120 7.2.2."""
    return struct.pack(">I", len(message)) + message


def unframe(kerb_message: bytes) -> bytes:
    """The KDC message inside a length-prefixed ``kerb-message`` (KdcProxyError when the length is wrong)."""
    if len(kerb_message) < 4:
        raise KdcProxyError("kerb-message shorter than its length prefix")
    (n,) = struct.unpack(">I", kerb_message[:4])
    if n != len(kerb_message) - 4:
        raise KdcProxyError("kerb-message length prefix does not match")
    return bytes(kerb_message[4:])


# -- URLs and HTTP/1.1 ------------------------------------------------------------------------

@dataclass(frozen=True)
class ProxyUrl:
    """Where a KDC proxy listens: ``https://host[:port]/path``."""

    host: str
    port: int
    path: str

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}{self.path}"


def parse_proxy_url(text: str) -> ProxyUrl:
    """Parse a KDC proxy URL (only ``https``; the path defaults to ``/KdcProxy`` as MIT's does not)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise KdcProxyError(f"bad KDC proxy URL: {exc}") from None
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise KdcProxyError("a KDC proxy URL is https://host[:port]/path")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if any(c in path for c in "\r\n ") or any(c in parts.hostname for c in "\r\n /"):
        raise KdcProxyError("bad characters in the KDC proxy URL")
    return ProxyUrl(parts.hostname, port or 443, path)


def http_request(url: ProxyUrl, body: bytes) -> bytes:
    """The HTTP/1.1 POST that carries one KDC-PROXY-MESSAGE."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    if url.port != 443:
        host += f":{url.port}"
    head = (f"POST {url.path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/kerberos\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-cache\r\nPragma: no-cache\r\n"
            "User-Agent: sspi-emu-kerberos\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + body


def _dechunk(data: bytes) -> bytes | None:
    out = bytearray()
    pos = 0
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None
        size_text = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise KdcProxyError("bad chunk size") from None
        if size < 0 or len(out) + size > MAX_REPLY:
            raise KdcProxyError("bad chunk size")
        pos = eol + 2
        if size == 0:
            return bytes(out)  # trailers are not needed
        if len(data) < pos + size + 2:
            return None
        out += data[pos:pos + size]
        if data[pos + size:pos + size + 2] != b"\r\n":
            raise KdcProxyError("chunk without CRLF")
        pos += size + 2


def parse_http_response(data: bytes, eof: bool = False) -> tuple[int, dict[str, str], bytes] | None:
    """(status, lower-cased headers, body) of an HTTP/1.x response; None while more bytes are needed.

    With *eof* a body without a length ends at the end of the data. KdcProxyError when malformed.
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        if eof or len(data) > 64 * 1024:
            raise KdcProxyError("no complete HTTP response head")
        return None
    try:
        lines = data[:end].decode("iso-8859-1").split("\r\n")
    except UnicodeDecodeError:  # pragma: no cover - iso-8859-1 decodes every byte
        raise KdcProxyError("bad HTTP head") from None
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/1.") or not status_line[1].isdigit():
        raise KdcProxyError("not an HTTP/1.x response")
    status = int(status_line[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or name != name.strip():
            raise KdcProxyError("bad HTTP header line")
        headers[name.lower()] = value.strip()
    rest = data[end + 4:]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(rest)
        if body is None:
            if eof:
                raise KdcProxyError("truncated chunked body")
            return None
        return status, headers, body
    if "content-length" in headers:
        text = headers["content-length"]
        if not text.isdigit() or int(text) > MAX_REPLY:
            raise KdcProxyError("bad Content-Length")
        n = int(text)
        if len(rest) < n:
            if eof:
                raise KdcProxyError("truncated HTTP body")
            return None
        return status, headers, bytes(rest[:n])
    if not eof:
        return None
    return status, headers, bytes(rest)


# -- the transport -----------------------------------------------------------------------------

def _roots_credential(roots: list[object] | None) -> Credential:
    """An outbound Schannel credential trusting *roots* (certificates or PEM bytes) besides the system's."""
    if not roots:
        return Credential("Schannel", use="outbound")
    try:
        return Credential("Schannel", use="outbound", auth_data=SCH_CREDENTIALS(hRootStore=list(roots)))
    except (TypeError, ValueError) as exc:
        raise SspiError(S.SEC_E_UNKNOWN_CREDENTIALS, f"kdc_proxy_roots: {exc}") from None


class _TlsConnection:
    """One HTTPS connection: a socket and a Schannel client context driven through the SSPI."""

    def __init__(self, url: ProxyUrl, credential: Credential, deadline: float) -> None:
        self.deadline = deadline
        self.sock = socket.create_connection((url.host, url.port), timeout=self._left())
        self.cipher = bytearray()
        try:
            self.ctx = ClientContext("Schannel", target=url.host, credential=credential, flags=_TLS_FLAGS)
            self._handshake()
        except BaseException:
            self.sock.close()
            raise

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("KDC proxy timeout")
        return left

    def _recv(self) -> bytes:
        self.sock.settimeout(self._left())
        return self.sock.recv(_READ)

    def _handshake(self) -> None:
        ctx = self.ctx
        out = ctx.step(None)
        self.sock.sendall(out)
        while not ctx.complete:
            data = self._recv()
            if not data:
                raise ConnectionError("the KDC proxy closed the connection during the TLS handshake")
            out = ctx.step(data)
            if out:
                self.sock.sendall(out)
        self.cipher += ctx.extra
        ctx.extra = b""

    def send(self, data: bytes) -> None:
        self.sock.settimeout(self._left())
        self.sock.sendall(self.ctx.wrap(data))

    def read_response(self) -> tuple[int, dict[str, str], bytes]:
        plain = bytearray()
        eof = False
        while True:
            done = parse_http_response(bytes(plain), eof)
            if done is not None:
                return done
            if len(plain) > MAX_REPLY:
                raise KdcProxyError("KDC proxy reply too large")
            if self.cipher:
                try:
                    piece = self.ctx.unwrap(bytes(self.cipher))
                except SspiError as exc:
                    if exc.status != S.SEC_E_INCOMPLETE_MESSAGE:
                        raise
                else:
                    self.cipher = bytearray(self.ctx.extra)
                    self.ctx.extra = b""
                    plain += piece
                    if self.ctx.closed:
                        eof = True
                    continue
            chunk = self._recv()
            if not chunk:
                eof = True
                self.cipher.clear()
                continue
            self.cipher += chunk

    def close(self) -> None:
        try:
            self.ctx.close()
        finally:
            self.sock.close()


class KdcProxyTransport:
    """Sends KDC requests through MS-KKDCP proxies (tried in order) within *timeout* seconds overall.

    *credential* is an outbound Schannel :class:`sspi_emu.Credential` (default: one trusting the
    system roots, or *roots* when given). Any failure to reach a proxy raises :class:`KdcUnreachable`.
    """

    def __init__(self, proxies: Callable[[str], list[str]], timeout: float = 1.5,
                 credential: Credential | None = None, roots: list[object] | None = None) -> None:
        self.proxies = proxies
        self.timeout = timeout
        self._credential = credential
        self._roots = roots
        self._lock = threading.Lock()

    @property
    def credential(self) -> Credential:
        """The Schannel credential, acquired on first use."""
        with self._lock:
            if self._credential is None:
                self._credential = _roots_credential(self._roots)
            return self._credential

    def exchange(self, url: ProxyUrl, realm: str, request: bytes, deadline: float) -> bytes:
        """One KDC request through one proxy (OSError, SspiError or KdcProxyError on failure)."""
        body = KdcProxyMessage(frame(request), realm).encode()
        conn = _TlsConnection(url, self.credential, deadline)
        try:
            conn.send(http_request(url, body))
            status, headers, payload = conn.read_response()
        finally:
            conn.close()
        if status != 200:
            raise KdcProxyError(f"KDC proxy answered HTTP {status}")
        return unframe(decode_proxy_message(payload).kerb_message)

    def __call__(self, realm: str, request: bytes) -> bytes:
        urls = self.proxies(realm)
        if not urls:
            raise KdcUnreachable(f"no KDC proxy configured for {realm}")
        deadline = time.monotonic() + self.timeout
        errors: list[str] = []
        for text in urls:
            try:
                url = parse_proxy_url(text)
                return self.exchange(url, realm, request, deadline)
            except SspiError as exc:
                errors.append(f"{text}: TLS {exc.status.name}")
            except (OSError, UnicodeError, KdcProxyError) as exc:
                errors.append(f"{text}: {type(exc).__name__} {exc}")
            if time.monotonic() >= deadline:
                break
        raise KdcUnreachable("; ".join(errors))


#: RealmTransport orders: the proxy, then the realm's KDCs (configuration); the KDCs, then the
#: proxy (Windows' SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS); the proxy alone (its FORCEPROXY flag).
PROXY_FIRST, DIRECT_FIRST, PROXY_ONLY = "proxy first", "direct first", "proxy only"


class RealmTransport:
    """A realm's KDC proxies and its KDCs, in :attr:`order` (proxy first by default); its KDCs when it has no proxy."""

    def __init__(self, proxies: Callable[[str], list[str]], proxy: KdcTransport, direct: KdcTransport,
                 kdcs: Callable[[str], list[tuple[str, int]]] | None = None) -> None:
        self.proxies = proxies
        self.proxy = proxy
        self.direct = direct
        self.kdcs = kdcs
        self.order = PROXY_FIRST

    def __call__(self, realm: str, request: bytes) -> bytes:
        if not self.proxies(realm):
            return self.direct(realm, request)
        has_kdcs = self.kdcs is not None and bool(self.kdcs(realm))
        if self.order == PROXY_ONLY or not has_kdcs:
            return self.proxy(realm, request)
        first, then = (self.direct, self.proxy) if self.order == DIRECT_FIRST else (self.proxy, self.direct)
        try:
            return first(realm, request)
        except KdcUnreachable as exc:
            try:
                return then(realm, request)
            except KdcUnreachable as exc2:
                raise KdcUnreachable(f"{exc}; {exc2}") from None
