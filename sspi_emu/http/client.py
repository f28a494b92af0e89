"""The client side of HTTP authentication, free of any HTTP library.

:class:`ClientAuthFlow` answers ``WWW-Authenticate`` challenges with ``Authorization``
values through :class:`sspi_emu.ClientContext` and checks the server's mutual-auth answer
(the final ``WWW-Authenticate: Negotiate`` token, or Digest's ``Authentication-Info``).
The requests and httpx adapters drive it.
"""

from __future__ import annotations

from typing import Iterable, Sequence
from urllib.parse import urlsplit

from .. import api
from .. import constants as C
from ..buffers import SecBuffer, SecBufferDesc
from ..context import DEFAULT_CLIENT_FLAGS, ClientContext, Credential
from ..errors import SspiError
from .authenticator import SCHEME_PACKAGES
from .bindings import channel_bindings_from_certificate
from .headers import Challenge, HeaderError, format_token, parse_challenges

__all__ = ["ClientAuthFlow", "HttpAuthError", "MutualAuthError", "SspiAuthOptions"]

_MUTUAL_MODES = ("required", "optional", "disabled")
_DIGEST_QOPS = ("auth", "auth-int")


class HttpAuthError(Exception):
    """The HTTP authentication exchange failed on the client side."""


class MutualAuthError(HttpAuthError):
    """The server did not prove its identity (missing or wrong mutual-auth answer)."""


def _scheme_for(package: str) -> str:
    for scheme, pkg in SCHEME_PACKAGES.items():
        if package.lower() in (scheme.lower(), pkg.lower()):
            return scheme
    raise ValueError(f"no HTTP scheme for package {package!r} (know {sorted(SCHEME_PACKAGES)})")


def _request_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    return parts.hostname or "", f"{path}?{parts.query}" if parts.query else path


class ClientAuthFlow:
    """One client's authentication state for one server connection.

    ``package``: ``Negotiate``, ``NTLM`` or ``Digest`` (``WDigest``). Credentials: ``user``
    (``DOMAIN\\user`` or ``user@REALM``) and ``password``, or a ready ``credential``, or
    neither (the default identity from ``SSPI_EMU_USER`` / ``SSPI_EMU_PASSWORD``).
    ``target``: the SPN (default ``HTTP/<host>``). ``mutual``: ``required`` (default: fail
    unless the server proves itself where the scheme can, i.e. Negotiate and Digest),
    ``optional`` (check when the server answers) or ``disabled``. ``digest_qop``: ``"auth-int"``
    makes Digest cover the request body where the server offers it (default ``"auth"``).
    """

    def __init__(
        self,
        package: str = "Negotiate",
        *,
        user: str | None = None,
        password: str | None = None,
        domain: str | None = None,
        credential: Credential | None = None,
        target: str | None = None,
        mutual: str = "required",
        flags: int | None = None,
        channel_bindings: bool = True,
        digest_qop: str = "auth",
    ) -> None:
        if mutual not in _MUTUAL_MODES:
            raise ValueError(f"mutual must be one of {_MUTUAL_MODES}")
        if digest_qop not in _DIGEST_QOPS:
            raise ValueError(f"digest_qop must be one of {_DIGEST_QOPS}")
        self.scheme = _scheme_for(package)
        self.package = SCHEME_PACKAGES[self.scheme]
        self.mutual = mutual
        self.target = target
        self.use_channel_bindings = channel_bindings
        self._credential = credential
        self._owns_credential = credential is None
        self._user, self._password, self._domain = user, password, domain
        if flags is not None:
            base = flags
        elif self.scheme == "Digest":
            # qop=auth leaves the request body uncovered; ISC_REQ_INTEGRITY asks for auth-int.
            base = C.ISC_REQ_CONNECTION | (C.ISC_REQ_INTEGRITY if digest_qop == "auth-int" else 0)
        else:
            base = DEFAULT_CLIENT_FLAGS
        if mutual != "disabled":
            base |= C.ISC_REQ_MUTUAL_AUTH
        if self.scheme == "Digest":
            base |= C.ISC_REQ_HTTP
        self.flags = base
        self.context: ClientContext | None = None
        self._bindings: bytes | None = None
        #: True once the server accepted us (and proved itself when mutual auth applies).
        self.authenticated = False
        #: The last request carried a Digest Authorization made by :meth:`sign_next`.
        self._signed = False

    def __repr__(self) -> str:
        return f"ClientAuthFlow({self.scheme!r}, authenticated={self.authenticated})"

    # --- helpers -----------------------------------------------------------------------------

    def _cred(self) -> Credential:
        if self._credential is None:
            self._credential = Credential(self.package, use="outbound", user=self._user, password=self._password,
                                          domain=self._domain)
        return self._credential

    def _new_context(self, url: str) -> ClientContext:
        self.reset()
        host, path = _request_target(url)
        target = self.target or (path if self.scheme == "Digest" else f"HTTP/{host}")
        self.context = ClientContext(self.package, target=target, credential=self._cred(), flags=self.flags)
        return self.context

    def _ours(self, www_authenticate: str | Sequence[str]) -> Challenge | None:
        for ch in parse_challenges(www_authenticate):
            if ch.scheme.lower() == self.scheme.lower():
                return ch
        return None

    def offered(self, www_authenticate: str | Sequence[str]) -> bool:
        """True when the server offers this flow's scheme."""
        return self._ours(www_authenticate) is not None

    def reset(self) -> None:
        """Forget the current handshake (a new connection, or a new 401 after success)."""
        if self.context is not None:
            self.context.close()
        self.context = None
        self.authenticated = False

    def close(self) -> None:
        """Free the context and the credential this flow created."""
        self.reset()
        if self._owns_credential and self._credential is not None:
            self._credential.close()
            self._credential = None

    # --- the exchange ------------------------------------------------------------------------

    def start(self, url: str, peer_certificate: bytes | None = None) -> str:
        """The first Authorization value of a Negotiate / NTLM handshake, sent unprompted."""
        if self.scheme == "Digest":
            raise HttpAuthError("Digest cannot start before the server's challenge")
        self._bindings = self._binding_blob(peer_certificate)
        ctx = self._new_context(url)
        return format_token(self.scheme, self._step(ctx, None))

    def _binding_blob(self, peer_certificate: bytes | None) -> bytes | None:
        if peer_certificate and self.use_channel_bindings:
            return channel_bindings_from_certificate(peer_certificate)
        return None

    def _step(self, ctx: ClientContext, token: bytes | None, buffers: Sequence[SecBuffer] = ()) -> bytes:
        try:
            return ctx.step(token, channel_bindings=self._bindings if self.scheme != "Digest" else None,
                            buffers=buffers)
        except SspiError as exc:
            self.reset()
            raise HttpAuthError(f"{self.scheme}: {exc}") from exc

    def respond(
        self,
        www_authenticate: str | Sequence[str],
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        peer_certificate: bytes | None = None,
    ) -> str | None:
        """The Authorization value answering a 401, or None when there is nothing to answer with
        (the scheme is not offered, or the server refused the finished handshake)."""
        challenge = self._ours(www_authenticate)
        if challenge is None:
            return None
        if self.scheme == "Digest":
            ctx = self._new_context(url)
            _, path = _request_target(url)
            params = [SecBuffer(C.SECBUFFER_PKG_PARAMS, method.encode("ascii", "replace")),
                      SecBuffer(C.SECBUFFER_PKG_PARAMS, path.encode("ascii", "replace"))]
            if body is not None:
                params.append(SecBuffer(C.SECBUFFER_DATA, body))
            # The challenge goes to the first ISC call itself (the Digest package takes it there).
            answer = self._step(ctx, str(challenge).encode("latin-1", "replace"), params)
            return answer.decode("latin-1")
        try:
            token = challenge.token()
        except HeaderError as exc:
            self.reset()
            raise HttpAuthError(f"{self.scheme}: the server sent a malformed token") from exc
        current = self.context
        if token:
            if current is None or current.complete:
                return None  # a token for a handshake we are not in
            return format_token(self.scheme, self._step(current, token))
        if current is not None and not current.complete:
            self.reset()
            return None  # the server started over: it refused our last leg
        self._bindings = self._binding_blob(peer_certificate)
        return format_token(self.scheme, self._step(self._new_context(url), None))

    def sign_next(self, url: str, method: str = "GET", body: bytes | None = None) -> str | None:
        """For Digest, once the server has accepted us: the Authorization for this request on the same
        nonce (MakeSignature: the next nonce count), so it needs no 401 round trip; None otherwise."""
        ctx = self.context
        if self.scheme != "Digest" or ctx is None or not self.authenticated:
            return None
        _, path = _request_target(url)
        out = SecBuffer(C.SECBUFFER_PADDING, 4096)
        parts = [SecBuffer(C.SECBUFFER_TOKEN, 0), SecBuffer(C.SECBUFFER_PKG_PARAMS, method.encode("ascii", "replace")),
                 SecBuffer(C.SECBUFFER_PKG_PARAMS, path.encode("ascii", "replace"))]
        if body is not None:
            parts.append(SecBuffer(C.SECBUFFER_DATA, body))
        if api.MakeSignature(ctx.handle, 0, SecBufferDesc([*parts, out]), 0) != C.SEC_E_OK:
            return None
        self._signed = True
        return out.tobytes().decode("latin-1")

    def _check_reply(self, items: list[tuple[str, str]]) -> None:
        """A signed Digest request's Authentication-Info, when the server sent one: its rspauth is
        checked and its ``nextnonce`` taken for the next request (VerifySignature)."""
        info = next((v for k, v in items if k.lower() == "authentication-info"), None)
        ctx = self.context
        if info is None or ctx is None or self.mutual == "disabled":
            return
        reply = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, info.encode("latin-1", "replace"))])
        status = api.VerifySignature(ctx.handle, reply, 0, None)
        if status != C.SEC_E_OK:
            self.reset()
            raise MutualAuthError(f"Digest: bad Authentication-Info for a signed request ({status.name})")

    def finish(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        """Check the final (non-401) response; raise MutualAuthError when the server did not prove itself."""
        if status == 401 or self.context is None:
            return
        items = list(headers)
        if self._signed:  # a further request signed with MakeSignature on the established context
            self._signed = False
            self._check_reply(items)
            return
        ctx = self.context
        if self.mutual == "disabled":
            self.authenticated = True
            return
        if self.scheme == "Digest":
            info = next((v for k, v in items if k.lower() == "authentication-info"), None)
            if info is not None and self.mutual != "disabled":
                try:
                    ctx.step(info.encode("latin-1", "replace"))
                except SspiError as exc:
                    self.reset()
                    raise MutualAuthError(f"Digest: bad Authentication-Info ({exc.status.name})") from exc
            elif self.mutual == "required":
                self.reset()
                raise MutualAuthError("Digest: the server sent no Authentication-Info (rspauth)")
            self.authenticated = True
            return
        if not ctx.complete:
            values = [v for k, v in items if k.lower() == "www-authenticate"]
            challenge = self._ours(values) if values else None
            token = b""
            if challenge is not None:
                try:
                    token = challenge.token()
                except HeaderError:
                    token = b""
            if token:
                try:
                    ctx.step(token)
                except SspiError as exc:
                    self.reset()
                    raise MutualAuthError(f"{self.scheme}: the server's final token was refused "
                                          f"({exc.status.name})") from exc
        if not ctx.complete and self.mutual == "required":
            self.reset()
            raise MutualAuthError(f"{self.scheme}: the server did not complete mutual authentication")
        self.authenticated = True


class SspiAuthOptions:
    """What the requests and httpx auth classes share: the options and the :class:`ClientAuthFlow`.

    ``preemptive``: send the first Negotiate / NTLM token with the first request instead of
    waiting for a 401. ``max_rounds``: how many 401 answers to take before giving up.
    ``digest_qop``: ``"auth-int"`` to cover request bodies with Digest (see :class:`ClientAuthFlow`).
    """

    def __init__(
        self,
        package: str = "Negotiate",
        *,
        user: str | None = None,
        password: str | None = None,
        domain: str | None = None,
        credential: Credential | None = None,
        target: str | None = None,
        mutual: str = "required",
        channel_bindings: bool = True,
        preemptive: bool = False,
        max_rounds: int = 5,
        digest_qop: str = "auth",
    ) -> None:
        self.flow = ClientAuthFlow(package, user=user, password=password, domain=domain, credential=credential,
                                   target=target, mutual=mutual, channel_bindings=channel_bindings,
                                   digest_qop=digest_qop)
        self.preemptive = preemptive
        self.max_rounds = max_rounds

    def preemptive_header(self, url: str, method: str = "GET", body: bytes | None = None) -> str | None:
        """The Authorization value to send before any 401, or None.

        Negotiate / NTLM: the first token of a new handshake. Digest, once authenticated: the
        request signed on the same nonce (the next nonce count), as Windows' Digest SSP does.
        """
        if not self.preemptive:
            return None
        if self.flow.scheme == "Digest":
            return self.flow.sign_next(url, method, body)
        if not self.flow.authenticated:
            return self.flow.start(url)
        return None

    def __repr__(self) -> str:
        return f"HttpSspiAuth({self.flow.scheme!r})"
