"""The server side of HTTP authentication, free of any web framework.

:class:`HttpAuthenticator` turns one request's ``Authorization`` header into a decision
(let the request through as a user, or answer 401 / 400 with the headers to send). NTLM and
Negotiate handshakes are bound to the TCP connection (MS-NTHT): the caller names the
connection with any hashable id and calls :meth:`HttpAuthenticator.connection_closed` when
it ends, so no half-finished context outlives its connection. Handshakes left pending (by
a caller that cannot report closes) are also dropped after ``handshake_timeout`` seconds.

Nothing here logs or returns a secret: outcomes carry a short ``note`` for the access log.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Hashable, Mapping, Sequence

from .. import api, entropy
from .. import constants as C
from ..attributes import SecPkgInfo
from ..buffers import SecBuffer
from ..context import DEFAULT_SERVER_FLAGS, Credential, ServerContext
from ..errors import SspiError
from ..handles import Box
from .headers import MAX_HEADER, HeaderError, decode_token, format_token, parse_authorization

__all__ = ["AuthOutcome", "HttpAuthenticator", "SCHEME_PACKAGES", "available_schemes"]

#: HTTP scheme -> SSPI package name.
SCHEME_PACKAGES: dict[str, str] = {"Negotiate": "Negotiate", "NTLM": "NTLM", "Digest": "WDigest"}
_CONNECTION_SCHEMES = ("Negotiate", "NTLM")
_NTLM_NEGOTIATE = b"NTLMSSP\x00\x01\x00\x00\x00"
_STATUS_TEXT = {200: "OK", 400: "Bad Request", 401: "Unauthorized"}


def _package_exists(name: str) -> bool:
    box: Box = Box()
    status = api.QuerySecurityPackageInfo(name, box)
    if status == C.SEC_E_OK and isinstance(box.value, SecPkgInfo):
        api.FreeContextBuffer(box.value)
        return True
    return False


def available_schemes() -> list[str]:
    """The HTTP schemes whose security package is installed, strongest first."""
    return [scheme for scheme, pkg in SCHEME_PACKAGES.items() if _package_exists(pkg)]


@dataclass
class AuthOutcome:
    """What to do with a request: ``status`` 200 lets it through as ``user``."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    user: str | None = None
    scheme: str | None = None
    #: A short description for the access log (never a secret or a token).
    note: str = ""

    @property
    def allowed(self) -> bool:
        """True when the application should see the request."""
        return self.status == 200

    @property
    def reason(self) -> str:
        """The HTTP reason phrase for ``status``."""
        return _STATUS_TEXT.get(self.status, "")


@dataclass(eq=False)
class _Connection:
    context: ServerContext | None = None
    scheme: str | None = None
    started: float = 0.0
    legs: int = 0
    user: str | None = None
    user_scheme: str | None = None


class HttpAuthenticator:
    """Authenticates HTTP requests with Negotiate, NTLM and/or Digest through the SSPI.

    ``accounts``: the account store (None: the default store); ``auth_data`` overrides the
    server credential data per scheme (e.g. NTLM settings requiring channel bindings).
    ``channel_bindings``: the SEC_CHANNEL_BINDINGS of the TLS listener (see
    :mod:`sspi_emu.http.bindings`), handed to every NTLM / Negotiate leg so that a client
    bound to another certificate is refused. ``persistent``: once a connection has
    authenticated with NTLM / Negotiate, later requests on it need no header
    (``Persistent-Auth: true``, as IIS does). ``realm``: the Digest realm.
    """

    def __init__(
        self,
        schemes: Sequence[str] | None = None,
        *,
        accounts: object = None,
        auth_data: Mapping[str, object] | None = None,
        realm: str | None = None,
        channel_bindings: bytes | None = None,
        persistent: bool = True,
        mutual: bool = True,
        handshake_timeout: float = 120.0,
        max_pending: int = 10_000,
    ) -> None:
        wanted = list(schemes) if schemes else available_schemes()
        self.schemes: list[str] = []
        for name in wanted:
            canon = next((s for s in SCHEME_PACKAGES if s.lower() == name.lower()), None)
            if canon is None:
                raise ValueError(f"unknown HTTP authentication scheme {name!r} (know {sorted(SCHEME_PACKAGES)})")
            if canon not in self.schemes:
                self.schemes.append(canon)
        if not self.schemes:
            raise ValueError("no HTTP authentication scheme is available")
        self.channel_bindings = channel_bindings
        self.persistent = persistent
        self.handshake_timeout = handshake_timeout
        self.max_pending = max_pending
        self.realm = realm
        overrides = dict(auth_data or {})
        self._credentials: dict[str, Credential] = {}
        for scheme in self.schemes:
            data = overrides.get(scheme, accounts)
            principal = realm if scheme == "Digest" else None
            self._credentials[scheme] = Credential(SCHEME_PACKAGES[scheme], use="inbound", auth_data=data,
                                                   principal=principal)
        self._flags = DEFAULT_SERVER_FLAGS | (C.ASC_REQ_MUTUAL_AUTH if mutual else 0)
        self._lock = threading.Lock()
        self._connections: OrderedDict[Hashable, _Connection] = OrderedDict()
        self._last_sweep = float("-inf")

    # --- connection bookkeeping --------------------------------------------------------------

    def connection_closed(self, connection_id: Hashable) -> None:
        """Forget a connection: delete its pending context and its authenticated user."""
        with self._lock:
            conn = self._connections.pop(connection_id, None)
        if conn is not None and conn.context is not None:
            conn.context.close()

    def pending_for(self, connection_id: Hashable) -> bool:
        """True while *connection_id* has a handshake in progress or an authenticated user."""
        with self._lock:
            conn = self._connections.get(connection_id)
            return conn is not None and (conn.context is not None or conn.user is not None)

    def pending_handshakes(self) -> int:
        """Connections with a handshake in progress."""
        with self._lock:
            return sum(1 for c in self._connections.values() if c.context is not None)

    def close(self) -> None:
        """Drop every connection and free the credentials."""
        with self._lock:
            conns = list(self._connections.values())
            self._connections.clear()
        for conn in conns:
            if conn.context is not None:
                conn.context.close()
        for cred in self._credentials.values():
            cred.close()

    def _sweep(self, now: float) -> None:
        stale: list[ServerContext] = []
        with self._lock:
            if abs(now - self._last_sweep) < 1.0 and len(self._connections) <= self.max_pending:
                return  # at most one sweep a second
            self._last_sweep = now
            for key in list(self._connections):
                conn = self._connections[key]
                if conn.context is not None and now - conn.started > self.handshake_timeout:
                    stale.append(conn.context)
                    conn.context = None
                if conn.context is None and conn.user is None:
                    del self._connections[key]
            while len(self._connections) > self.max_pending:
                _, old = self._connections.popitem(last=False)
                if old.context is not None:
                    stale.append(old.context)
        for ctx in stale:
            ctx.close()

    def _connection(self, connection_id: Hashable) -> _Connection:
        with self._lock:
            conn = self._connections.get(connection_id)
            if conn is None:
                conn = self._connections[connection_id] = _Connection()
            else:
                self._connections.move_to_end(connection_id)
            return conn

    def _peek(self, connection_id: Hashable) -> _Connection | None:
        with self._lock:
            return self._connections.get(connection_id)

    # --- the decision ------------------------------------------------------------------------

    def challenge_headers(self, method: str = "GET", uri: str = "/") -> list[tuple[str, str]]:
        """One ``WWW-Authenticate`` header per enabled scheme."""
        headers = []
        for scheme in self.schemes:
            if scheme == "Digest":
                try:
                    headers.append(("WWW-Authenticate", self._digest_challenge(method, uri)))
                except SspiError:
                    continue
            else:
                headers.append(("WWW-Authenticate", scheme))
        return headers

    def _digest_params(self, method: str, uri: str, body: bytes | None) -> list[SecBuffer]:
        bufs = [SecBuffer(C.SECBUFFER_PKG_PARAMS, method.encode("ascii", "replace")),
                SecBuffer(C.SECBUFFER_PKG_PARAMS, uri.encode("ascii", "replace"))]
        if body is not None:
            bufs.append(SecBuffer(C.SECBUFFER_DATA, body))
        return bufs

    def _digest_challenge(self, method: str, uri: str) -> str:
        ctx = ServerContext("WDigest", credential=self._credentials["Digest"], flags=self._flags | C.ASC_REQ_HTTP)
        try:
            return ctx.step(None, buffers=self._digest_params(method, uri, None)).decode("ascii", "replace")
        finally:
            ctx.close()

    def _refuse(self, status: int, note: str, method: str, uri: str, scheme: str | None = None) -> AuthOutcome:
        headers = self.challenge_headers(method, uri) if status == 401 else []
        return AuthOutcome(status, headers, scheme=scheme, note=note)

    def authenticate(
        self,
        connection_id: Hashable,
        authorization: str | None,
        *,
        method: str = "GET",
        uri: str = "/",
        body: bytes | None = None,
    ) -> AuthOutcome:
        """Decide about one request (``authorization``: the header value, or None)."""
        now = entropy.now()
        self._sweep(now)
        if authorization is None or not authorization.strip():
            conn = self._peek(connection_id)
            if conn is not None and conn.user is not None and self.persistent:
                return AuthOutcome(200, [], conn.user, conn.user_scheme, note=f"{conn.user_scheme} persistent")
            if conn is not None and conn.context is not None:
                self._drop_context(conn)
            return self._refuse(401, "no credentials", method, uri)
        if len(authorization) > MAX_HEADER:
            return self._refuse(400, "Authorization header too long", method, uri)
        try:
            creds = parse_authorization(authorization)
        except HeaderError as exc:
            return self._refuse(400, f"malformed Authorization ({exc})", method, uri)
        scheme = next((s for s in self.schemes if s.lower() == creds.scheme.lower()), None)
        if scheme is None:
            return self._refuse(401, "scheme not offered", method, uri)
        if scheme == "Digest":
            return self._digest(authorization, method, uri, body)
        try:
            token = decode_token(creds.rest)
        except HeaderError as exc:
            return self._refuse(400, f"malformed {scheme} token ({exc})", method, uri, scheme)
        return self._connection_leg(connection_id, scheme, token, method, uri, now)

    def _drop_context(self, conn: _Connection) -> None:
        with self._lock:
            ctx, conn.context, conn.scheme, conn.legs = conn.context, None, None, 0
        if ctx is not None:
            ctx.close()

    def _connection_leg(
        self, connection_id: Hashable, scheme: str, token: bytes, method: str, uri: str, now: float
    ) -> AuthOutcome:
        conn = self._connection(connection_id)
        fresh = conn.context is None or conn.scheme != scheme or _is_initial(token)
        if fresh:
            self._drop_context(conn)
            conn.user = conn.user_scheme = None  # a new handshake re-authenticates the connection
            conn.context = ServerContext(SCHEME_PACKAGES[scheme], credential=self._credentials[scheme],
                                         flags=self._flags)
            conn.scheme, conn.started, conn.legs = scheme, now, 0
        ctx = conn.context
        assert ctx is not None
        conn.legs += 1
        leg = conn.legs
        try:
            out = ctx.step(token, channel_bindings=self.channel_bindings)
        except SspiError as exc:
            self._drop_context(conn)
            self._forget_if_empty(connection_id)
            outcome = self._refuse(401, f"{scheme} leg {leg} refused: {exc.status.name}", method, uri, scheme)
            return outcome
        if not ctx.complete:
            self._attach(connection_id, conn)
            return AuthOutcome(401, [("WWW-Authenticate", format_token(scheme, out))], scheme=scheme,
                               note=f"{scheme} leg {leg} continue")
        try:
            user = ctx.peer_name
        except SspiError:
            user = ""
        self._drop_context(conn)
        headers = [("WWW-Authenticate", format_token(scheme, out))] if out else []
        if self.persistent:
            conn.user, conn.user_scheme = user, scheme
            self._attach(connection_id, conn)
            headers.append(("Persistent-Auth", "true"))
        else:
            self._forget_if_empty(connection_id)
            headers.append(("Persistent-Auth", "false"))
        return AuthOutcome(200, headers, user, scheme, note=f"{scheme} leg {leg} authenticated")

    def _attach(self, connection_id: Hashable, conn: _Connection) -> None:
        """Make sure *conn* is the entry for *connection_id* (a concurrent sweep may have dropped it
        while it was briefly empty)."""
        with self._lock:
            self._connections[connection_id] = conn
            self._connections.move_to_end(connection_id)

    def _forget_if_empty(self, connection_id: Hashable) -> None:
        with self._lock:
            conn = self._connections.get(connection_id)
            if conn is not None and conn.context is None and conn.user is None:
                del self._connections[connection_id]

    def _digest(self, authorization: str, method: str, uri: str, body: bytes | None) -> AuthOutcome:
        ctx = ServerContext("WDigest", credential=self._credentials["Digest"], flags=self._flags | C.ASC_REQ_HTTP)
        try:
            try:
                out = ctx.step(authorization.encode("latin-1", "replace"),
                               buffers=self._digest_params(method, uri, body))
            except (SspiError, UnicodeError) as exc:
                why = exc.status.name if isinstance(exc, SspiError) else "not text"
                return self._refuse(401, f"Digest refused: {why}", method, uri, "Digest")
            if not ctx.complete:  # a stale nonce: the answer is a fresh challenge
                return AuthOutcome(401, [("WWW-Authenticate", out.decode("ascii", "replace"))], scheme="Digest",
                                   note="Digest stale nonce")
            try:
                user = ctx.peer_name
            except SspiError:
                user = ""
            headers = [("Authentication-Info", out.decode("ascii", "replace"))] if out else []
            return AuthOutcome(200, headers, user, "Digest", note="Digest authenticated")
        finally:
            ctx.close()


def _is_initial(token: bytes) -> bool:
    """True for a token that starts a handshake (SPNEGO NegTokenInit or NTLM NEGOTIATE)."""
    return token.startswith(_NTLM_NEGOTIATE) or token[:1] == b"\x60"
