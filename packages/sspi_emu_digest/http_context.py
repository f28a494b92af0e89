"""HTTP Digest (RFC 7616 / RFC 2617) client and server state machines.

Client legs: (optional) no input → SEC_I_CONTINUE_NEEDED with an empty token; the
WWW-Authenticate value → the Authorization value (SEC_E_OK, or SEC_I_CONTINUE_NEEDED
with ISC_REQ_MUTUAL_AUTH); with mutual authentication, the Authentication-Info value →
rspauth checked, SEC_E_OK. A new challenge (e.g. ``stale=true``) may be answered in place
of the Authentication-Info. For qop=auth-int without a body, the leg returns
SEC_I_COMPLETE_NEEDED (or SEC_I_COMPLETE_AND_CONTINUE) and CompleteAuthToken, given the
body, rewrites the TOKEN buffer.

Server legs: no input → the challenge (SEC_I_CONTINUE_NEEDED); the Authorization value →
SEC_E_OK with the Authentication-Info value as output token. The Authorization may come on
the first call (stateless servers: nonces are checked by HMAC). An expired nonce with a
valid response gives SEC_I_CONTINUE_NEEDED and a fresh challenge with ``stale=true``.
qop=auth-int without a body gives SEC_I_COMPLETE_NEEDED; CompleteAuthToken with the body
finishes the check.
"""

from __future__ import annotations

import dataclasses
import functools
import hmac
import re
from dataclasses import dataclass, field

from sspi_emu import entropy
from sspi_emu.accounts import Account
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import (
    ASC_REQ_MUTUAL_AUTH,
    ASC_RET_MUTUAL_AUTH,
    ISC_REQ_INTEGRITY,
    ISC_REQ_MUTUAL_AUTH,
    ISC_RET_MUTUAL_AUTH,
    SEC_E_OK,
    SEC_I_COMPLETE_AND_CONTINUE,
    SEC_I_COMPLETE_NEEDED,
    SEC_I_CONTINUE_NEEDED,
    SECBUFFER_TOKEN,
    TIMESTAMP_NEVER,
    SecurityStatus,
)
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import calc
from .algorithms import DigestAlgorithm
from .base import (
    DigestContextBase,
    RequestParams,
    buffer_pairs,
    invalid,
    logon_failure,
    parse_error,
    request_params,
    token_text,
    write_token,
)
from .credentials import DigestCredential, stored_ha1
from .http_subsequent import EstablishedAuth, check_info, message_pairs, output_buffer, sign_next, verify_next
from .http_wire import (
    AuthenticationInfo,
    DigestChallenge,
    DigestCredentials,
    format_authentication_info,
    parse_digest_challenges,
)
from .nonces import CountResult, NonceState
from .params import ParseError

__all__ = ["HttpClientContext", "HttpServerContext", "validate_uri"]

S = SecurityStatus
# Enum members the legs test every time, as module globals (an Enum class attribute costs ~50 ns a read).
_FORGED, _STALE = NonceState.FORGED, NonceState.STALE
_REPLAYED, _UNTRACKED = CountResult.REPLAYED, CountResult.UNTRACKED
_URI = re.compile(r"(?:[\x21-\x24\x26-\x7e]|%[0-9A-Fa-f]{2})+")
_QOPS = ("auth", "auth-int")
# Stands for the nonce in a cached challenge (a control character no realm or option can contain).
_NONCE_SLOT = "\x01nonce\x01"
_NONCE_SLOT_B = _NONCE_SLOT.encode("ascii")


@functools.lru_cache(maxsize=256)
def _uri_ok(target: str) -> bool:
    return _URI.fullmatch(target) is not None


def validate_uri(target: str) -> str:
    """A request URI as the target name: printable US-ASCII, ``%XX`` escapes well formed."""
    if not _uri_ok(target):
        raise SspiError(
            S.SEC_E_TARGET_UNKNOWN, "the target must be a US-ASCII request URI (percent-encode the rest, as %XX)"
        )
    return target


@dataclass(slots=True)
class _Exchange:
    """What a client response was computed from (kept to check rspauth / finish auth-int)."""

    challenge: DigestChallenge
    uri: str
    method: str
    qop: str | None
    nc: str | None
    cnonce: str | None
    ha1: str = field(repr=False)
    credentials: DigestCredentials = field(repr=False)
    body: bytes | None = field(repr=False)


class HttpClientContext(DigestContextBase):
    """The client side of HTTP Digest."""

    # Starting values, shared until a context sets its own (a context per request: fewer stores).
    _exchange: _Exchange | None = None
    _pending = False
    #: A ``nextnonce`` from the server: the nonce of the next signed request.
    _next_nonce: str | None = None

    def __init__(self, cred: DigestCredential, target: str | None, req: int) -> None:
        self.cred, self.req = cred, req  # DigestContextBase.__init__, inline (a context per request)
        if cred.client is None:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no Digest client credentials")
        self.target = validate_uri(target) if target else None
        self.server_name = target or ""
        self.user_name = cred.client.user
        self._counts: dict[str, int] = {}

    # -- handshake ---------------------------------------------------------------
    def step(self, inp: StepInput) -> StepOutput:
        if not inp.token:
            if self._exchange is None:
                return StepOutput(S.SEC_I_CONTINUE_NEEDED, b"", expiry=TIMESTAMP_NEVER)
            raise invalid("the server's reply is empty")
        text = token_text(inp.token)
        if self._exchange is None or text.lstrip(" \t")[:7].lower() == "digest ":
            return self._respond(text, request_params(inp.buffers))
        return self._check_info(text)

    def _choose(self, text: str) -> DigestChallenge:
        try:
            challenges = parse_digest_challenges(text)
        except ParseError as exc:
            raise parse_error(exc) from exc
        if len(challenges) == 1:  # the usual header: nothing to choose from
            qops = challenges[0].qop
            if not qops or "auth" in qops or "auth-int" in qops:
                return challenges[0]
        usable = [c for c in challenges if not c.qop or any(q in _QOPS for q in c.qop)]
        if not usable:
            raise invalid("no Digest challenge this client can answer")
        best = usable[0]
        for ch in usable[1:]:
            if ch.algorithm.strength > best.algorithm.strength:
                best = ch
        return best

    def _qop(self, ch: DigestChallenge, body: bytes | None) -> str | None:
        if not ch.qop:
            return None
        prefer = self.cred.identity.prefer_qop if self.cred.identity else None
        want_int = prefer == "auth-int" or (prefer is None and bool(self.req & ISC_REQ_INTEGRITY))
        if "auth-int" in ch.qop and (want_int or "auth" not in ch.qop):
            return "auth-int"
        return "auth"

    def _respond(self, text: str, rp: RequestParams) -> StepOutput:
        cred = self.cred
        client = cred.client
        assert client is not None
        ch = self._choose(text)
        uri = self.target or (validate_uri(rp.uri) if rp.uri else None)
        if uri is None:
            raise SspiError(S.SEC_E_TARGET_UNKNOWN, "no request URI (target name)")
        alg, realm, nonce, utf8 = ch.algorithm, ch.realm, ch.nonce, ch.charset_utf8
        qop = self._qop(ch, rp.body)
        nc = cnonce = None
        if qop is not None or alg.sess:
            count = self._counts.get(nonce, 0) + 1
            self._counts = {nonce: count}
            nc, cnonce = f"{count:08x}", cred.cnonce()
        ha1 = cred.client_ha1(alg, realm, utf8)
        if alg.sess:
            ha1 = calc.session_ha1_hex(alg, ha1, nonce, cnonce or "")
        if ch.userhash:
            username = calc.userhash(alg, calc.encode_http(client.user, utf8), calc.encode_http(realm, utf8))
            ext = False
        else:
            username, ext = client.user, not client.user.isascii()
        body = rp.body
        pending = self._pending = qop == "auth-int" and body is None
        # auth-int without the body yet: CompleteAuthToken computes the response (_authorization).
        response = "" if pending else calc.http_response(alg, ha1, nonce, rp.method, uri, qop, nc, cnonce, body)
        # Positional, in field order (a hot path).
        creds = DigestCredentials(
            username, realm, nonce, uri, response, alg, qop, nc if qop else None, cnonce if qop else None, ch.opaque,
            ch.userhash, ext,
        )
        self._exchange = _Exchange(ch, uri, rp.method, qop, nc, cnonce, ha1, creds, body)
        token = self._authorization() if pending else creds.format().encode("utf-8")
        self.realm = realm
        mutual = self.req & ISC_REQ_MUTUAL_AUTH
        if pending:
            status = SEC_I_COMPLETE_AND_CONTINUE if mutual else SEC_I_COMPLETE_NEEDED
        elif mutual:
            status = SEC_I_CONTINUE_NEEDED
        else:
            status = SEC_E_OK
            self.established = True  # _established, inline
            self.established_at = entropy.now()
        return StepOutput(status, token, self.flags, 0, 0, b"", TIMESTAMP_NEVER)

    def _authorization(self) -> bytes:
        ex = self._exchange
        assert ex is not None
        ex.credentials.response = calc.http_response(
            ex.challenge.algorithm, ex.ha1, ex.challenge.nonce, ex.method, ex.uri, ex.qop, ex.nc, ex.cnonce, ex.body
        )
        return ex.credentials.format().encode("utf-8")

    def _check_info(self, text: str) -> StepOutput:
        ex = self._exchange
        assert ex is not None
        if self._pending:
            raise SspiError(S.SEC_E_OUT_OF_SEQUENCE, "CompleteAuthToken was not called")
        try:
            self._take_info(text.encode("utf-8"), ex)
        except SspiError as exc:
            if exc.status == S.SEC_E_INVALID_TOKEN:
                raise
            raise SspiError(S.SEC_E_WRONG_PRINCIPAL, exc.message) from None
        self.flags |= ISC_RET_MUTUAL_AUTH
        self._established()
        return StepOutput(S.SEC_E_OK, b"", flags=self.flags, expiry=TIMESTAMP_NEVER)

    def _take_info(self, value: bytes, ex: _Exchange) -> None:
        """Check an Authentication-Info value for the request *ex* and keep its ``nextnonce``."""
        info = check_info(value, ex.challenge.algorithm, ex.ha1, ex.challenge.nonce, ex.uri, ex.qop, ex.nc,
                          ex.cnonce, ex.body)
        if info.nextnonce:
            self._next_nonce = info.nextnonce

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        """The Authorization value for a further request: on the same nonce with the next count, or
        on the server's ``nextnonce`` with count 1 (see :mod:`.http_subsequent`)."""
        ex = self._exchange
        if ex is None or self._pending:
            return S.SEC_E_INVALID_HANDLE  # nothing established to sign with yet
        if qop:
            return S.SEC_E_QOP_NOT_SUPPORTED
        out = output_buffer(message)
        if out is None:
            return S.SEC_E_INVALID_TOKEN
        challenge, previous = ex.challenge, ex.credentials
        if self._next_nonce is not None:
            challenge = dataclasses.replace(challenge, nonce=self._next_nonce)
            previous = dataclasses.replace(previous, nonce=self._next_nonce)
        try:
            rp = request_params(message_pairs(message))
            uri = validate_uri(rp.uri) if rp.uri else ex.uri
            nonce = challenge.nonce
            count = self._counts.get(nonce, 0) + 1
            creds = sign_next(previous, ex.ha1, count, self.cred.cnonce(), rp.method, uri, rp.body)
        except SspiError as exc:
            return exc.status
        token = creds.format().encode("utf-8")
        if out.capacity < len(token):
            return S.SEC_E_BUFFER_TOO_SMALL
        self._counts = {nonce: count}
        self._next_nonce = None
        self._exchange = _Exchange(challenge, uri, rp.method, creds.qop, creds.nc, creds.cnonce, ex.ha1, creds,
                                   rp.body)
        out.write(token)
        return S.SEC_E_OK

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        """Check the server's Authentication-Info for the last request this context signed (or the
        handshake's), and take its ``nextnonce`` (see :mod:`.http_subsequent`)."""
        ex = self._exchange
        if ex is None or self._pending or not self.established:
            return S.SEC_E_INVALID_HANDLE, 0
        token = next((b for b in message if b.base_type == SECBUFFER_TOKEN), None)
        if token is None:
            return S.SEC_E_INVALID_TOKEN, 0
        try:
            self._take_info(token.tobytes(), ex)
        except SspiError as exc:
            return exc.status, 0
        return S.SEC_E_OK, 0

    def complete_auth_token(self, buffers: list[SecBuffer]) -> SecurityStatus:
        if not self._pending or self._exchange is None:
            return S.SEC_E_OK
        body = request_params(buffer_pairs(buffers)).body
        if body is None:
            return S.SEC_E_INVALID_TOKEN
        self._exchange.body = body
        status = write_token(buffers, self._authorization())
        if status == S.SEC_E_OK:
            self._pending = False
            if not self.req & ISC_REQ_MUTUAL_AUTH:
                self._established()
        return status


@dataclass(slots=True)
class _Deferred:
    """An auth-int Authorization waiting for the body (CompleteAuthToken)."""

    creds: DigestCredentials
    ha1_candidates: tuple[str, ...] = field(repr=False)
    nc: int
    issued: int
    state: NonceState
    rp: RequestParams
    account_name: str


class HttpServerContext(DigestContextBase):
    """The server side of HTTP Digest."""

    reauthenticate = False

    # Starting values, shared until a context sets its own (a context per request: fewer stores).
    _deferred: _Deferred | None = None
    #: The nonce this context last sent and when (ms): an answer to it needs no MAC check.
    _sent_nonce: tuple[str, int] | None = None
    #: The exchange that established the context (for VerifySignature on further requests).
    _auth: EstablishedAuth | None = None
    #: The same on the ``nextnonce`` last sent, until the client uses it.
    _next_auth: EstablishedAuth | None = None
    #: The last further request verified, and its body (for MakeSignature's Authentication-Info).
    _last: tuple[DigestCredentials, bytes | None] | None = None

    def __init__(self, cred: DigestCredential, req: int) -> None:
        self.cred, self.req = cred, req  # DigestContextBase.__init__, inline (a context per request)
        self.realm = cred.realm
        self._offered = cred.http_algorithms

    def step(self, inp: StepInput) -> StepOutput:
        if self.established:
            raise logon_failure("AcceptSecurityContext called after the context was established")
        if self._deferred is not None:
            raise SspiError(S.SEC_E_OUT_OF_SEQUENCE, "CompleteAuthToken was not called")
        rp = request_params(inp.buffers)
        if rp.realm:
            self.realm = rp.realm
        if not inp.token:
            return self._challenge(stale=False)
        return self._verify(token_text(inp.token), rp)

    def _challenge(self, stale: bool) -> StepOutput:
        key = (self.realm, stale)
        template = self.cred.challenge_templates.get(key)
        if template is None:
            opts = self.cred.options
            parts = [
                DigestChallenge(
                    realm=self.realm,
                    nonce=_NONCE_SLOT,
                    algorithm=alg,
                    qop=list(opts.qop),
                    opaque=self.cred.opaque,
                    stale=stale,
                    charset_utf8=opts.charset_utf8,
                    userhash=opts.userhash,
                ).format()
                for alg in self._offered
            ]
            template = ", ".join(parts).encode("utf-8")
            if len(self.cred.challenge_templates) >= 64:
                self.cred.challenge_templates.clear()
            self.cred.challenge_templates[key] = template
        nonce, issued = self.cred.issuer.issue_timed()
        self._sent_nonce = (nonce.decode("ascii"), issued)
        token = template.replace(_NONCE_SLOT_B, nonce)
        return StepOutput(SEC_I_CONTINUE_NEEDED, token, 0, 0, 0, b"", TIMESTAMP_NEVER)

    def _verify(self, text: str, rp: RequestParams) -> StepOutput:
        try:
            creds = DigestCredentials.parse(text)
        except ParseError as exc:
            raise parse_error(exc) from exc
        cred = self.cred
        alg, qop = creds.algorithm, creds.qop
        if alg not in self._offered:
            raise invalid(f"algorithm {alg.name} was not offered")
        if qop is None or qop not in cred.options.qop:
            raise invalid("qop missing or not offered")
        if cred.opaque is not None and not hmac.compare_digest(
            (creds.opaque or "").encode("utf-8"), cred.opaque.encode("utf-8")
        ):
            raise invalid("opaque does not match")
        if rp.uri is not None and creds.uri != rp.uri:
            raise invalid("the uri directive does not match the request URI")
        nc_text = creds.nc or ""
        try:
            nc = int(nc_text, 16)
        except ValueError:
            nc = 0
        if not 0 < nc <= 0xFFFFFFFF or len(nc_text) != 8:
            raise invalid("nc must be 8 hex digits, not zero")
        if creds.realm != self.realm:
            raise SspiError(S.SEC_E_LOGON_DENIED, "realm does not match")
        sent = self._sent_nonce
        if sent is not None and creds.nonce == sent[0]:  # the nonce this context issued: known to be ours
            issued = sent[1]
            state = cred.issuer.freshness(issued)
        else:  # any other nonce (e.g. a stateless server's first call) proves itself by its MAC
            state, issued = cred.issuer.check(creds.nonce)
        if state is _FORGED:
            raise SspiError(S.SEC_E_LOGON_DENIED, "nonce was not issued here")
        if creds.userhash:
            account = cred.lookup_userhash(alg, creds.username, self.realm)
        else:
            account = cred.lookup(creds.username, self.realm)
        if account is None:
            raise SspiError(S.SEC_E_LOGON_DENIED, "unknown user")
        user = account.user if creds.userhash else creds.username
        candidates = self._ha1_bases(account, alg, user)
        if alg.sess:
            candidates = tuple(calc.session_ha1_hex(alg, b, creds.nonce, creds.cnonce or "") for b in candidates)
        if qop == "auth-int" and rp.body is None:
            if state is NonceState.STALE:
                return self._challenge(stale=True)
            self._deferred = _Deferred(creds, candidates, nc, issued, state, rp, account.name)
            return StepOutput(S.SEC_I_COMPLETE_NEEDED, b"", expiry=TIMESTAMP_NEVER)
        return self._finish(creds, candidates, nc, issued, state, rp, account.name)

    def _ha1_bases(self, account: Account, alg: DigestAlgorithm, user: str) -> tuple[str, ...]:
        """The hex H(user:realm:password) values to try: a stored one, else from the password."""
        stored = stored_ha1(account, alg, self.realm)
        if stored is not None:
            return (stored.hex(),)
        password = account.password
        if password is None:
            raise SspiError(S.SEC_E_LOGON_DENIED, "no Digest secret for this account")
        prefer_utf8 = self.cred.options.charset_utf8
        # Both charsets' values, preferred first, memoised on the account with the password they
        # came from: a password changed in place is never answered from the memo.
        key = f"digest-ha1-bases:{alg.base}:{prefer_utf8}:{user}:{self.realm}"
        cached = account.cache.get(key)
        if type(cached) is tuple and cached[0] is password:
            hit: tuple[str, ...] = cached[1]
            return hit
        bases: list[str] = []
        for utf8 in (prefer_utf8, not prefer_utf8):
            b = calc.base_ha1(
                alg, calc.encode_http(user, utf8), calc.encode_http(self.realm, utf8), calc.encode_http(password, utf8)
            ).hex()
            if b not in bases:
                bases.append(b)
        account.cache[key] = (password, tuple(bases))
        return tuple(bases)

    def _finish(
        self,
        creds: DigestCredentials,
        candidates: tuple[str, ...],
        nc: int,
        issued: int,
        state: NonceState,
        rp: RequestParams,
        account_name: str,
    ) -> StepOutput:
        alg, nonce, uri, qop, nc_text, cnonce, body = (
            creds.algorithm, creds.nonce, creds.uri, creds.qop, creds.nc, creds.cnonce, rp.body
        )
        response = creds.response.encode("utf-8", "replace")
        ha1 = None
        for cand in candidates:  # every candidate is tried: the time does not tell which matched
            expected = calc.http_response(alg, cand, nonce, rp.method, uri, qop, nc_text, cnonce, body)
            if hmac.compare_digest(expected.encode(), response):
                ha1 = cand
        if ha1 is None:
            raise SspiError(S.SEC_E_LOGON_DENIED, "wrong password")
        if state is _STALE:
            return self._challenge(stale=True)
        counted = self.cred.counter.use(nonce, issued, nc)
        if counted is _REPLAYED:
            raise SspiError(S.SEC_E_OUT_OF_SEQUENCE, "nonce count was used before")
        if counted is _UNTRACKED:
            return self._challenge(stale=True)
        rspauth = calc.http_response(alg, ha1, nonce, "", uri, qop, nc_text, cnonce, body)
        nextnonce = None
        if qop is not None:
            auth = self._auth = EstablishedAuth(alg, ha1, nonce, issued, nc, qop, creds.username)
            if self.cred.options.nextnonce:
                self._next_auth = self._issue_next(auth)
                nextnonce = self._next_auth.nonce
        self.user_name = account_name
        self.server_name = uri
        if self.req & ASC_REQ_MUTUAL_AUTH:
            self.flags |= ASC_RET_MUTUAL_AUTH
        self.established = True  # _established, inline
        self.established_at = entropy.now()
        info = format_authentication_info(rspauth, qop, nc_text, cnonce, nextnonce)
        return StepOutput(SEC_E_OK, info.encode("utf-8"), self.flags, 0, 0, b"", TIMESTAMP_NEVER)

    def _issue_next(self, auth: EstablishedAuth) -> EstablishedAuth:
        """The exchange on a fresh ``nextnonce`` (for a credential that sends them)."""
        raw, issued = self.cred.issuer.issue_timed()
        return EstablishedAuth(auth.algorithm, auth.ha1, raw.decode("ascii"), issued, 0, auth.qop, auth.username)

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        """Check a further request's Authorization on this established context: on its nonce, or on
        the ``nextnonce`` it sent last (see :mod:`.http_subsequent`)."""
        auth = self._auth
        if auth is None or not self.established:
            return S.SEC_E_INVALID_HANDLE, 0
        token = next((b for b in message if b.base_type == SECBUFFER_TOKEN), None)
        if token is None:
            return S.SEC_E_INVALID_TOKEN, 0
        auths = (auth,) if self._next_auth is None else (auth, self._next_auth)
        try:
            creds, used, body = verify_next(auths, token.tobytes(), message, self.realm, self.cred.issuer.freshness)
            assert creds.nc is not None
            counted = self.cred.counter.use(used.nonce, used.issued, int(creds.nc, 16))
        except SspiError as exc:
            return exc.status, 0
        if counted is _REPLAYED:
            return S.SEC_E_OUT_OF_SEQUENCE, 0
        if counted is _UNTRACKED:
            return S.SEC_E_CONTEXT_EXPIRED, 0
        if used is not auth:  # the client moved to the nextnonce
            self._auth, self._next_auth = used, None
        used.nc += 1
        self._last = (creds, body)
        return S.SEC_E_OK, 0

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        """The Authentication-Info value for the last further request VerifySignature accepted
        (rspauth, and a ``nextnonce`` when the credential sends them); see :mod:`.http_subsequent`."""
        auth, last = self._auth, self._last
        if auth is None or not self.established:
            return S.SEC_E_INVALID_HANDLE
        if last is None:
            return S.SEC_E_OUT_OF_SEQUENCE  # no verified request waits for its reply
        if qop:
            return S.SEC_E_QOP_NOT_SUPPORTED
        out = output_buffer(message)
        if out is None:
            return S.SEC_E_INVALID_TOKEN
        creds, body = last
        rspauth = calc.http_response(auth.algorithm, auth.ha1, creds.nonce, "", creds.uri, creds.qop, creds.nc,
                                     creds.cnonce, body)
        following = self._issue_next(auth) if self.cred.options.nextnonce else None
        info = AuthenticationInfo(rspauth, creds.qop, creds.nc, creds.cnonce,
                                  following.nonce if following is not None else None)
        token = info.format().encode("utf-8")
        if out.capacity < len(token):
            return S.SEC_E_BUFFER_TOO_SMALL
        out.write(token)
        if following is not None:
            self._next_auth = following
        self._last = None
        return S.SEC_E_OK

    def complete_auth_token(self, buffers: list[SecBuffer]) -> SecurityStatus:
        d = self._deferred
        if d is None:
            return S.SEC_E_OK
        body = request_params(buffer_pairs(buffers)).body
        if body is None:
            return S.SEC_E_INVALID_TOKEN
        d.rp.body = body
        self._deferred = None
        try:
            out = self._finish(d.creds, d.ha1_candidates, d.nc, d.issued, d.state, d.rp, d.account_name)
        except SspiError as exc:
            return exc.status
        if out.status != S.SEC_E_OK:
            return S.SEC_E_CONTEXT_EXPIRED
        return write_token(buffers, out.token)
