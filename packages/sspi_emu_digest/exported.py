"""Exported Digest contexts (ExportSecurityContext / ImportSecurityContext).

An established context travels as JSON: its names, flags and start time, and what its message
functions need afterwards. HTTP client: the last request's exchange (challenge, H(A1), nonce
count, a ``nextnonce`` not yet used), so the imported context signs the next request and checks
replies. HTTP server: the established exchange (and a ``nextnonce`` it sent), so it verifies
further requests with the next nonce count. SASL: H(A1) and the security layer's sequence
numbers and cipher positions, so sealing and signing carry on where they stopped. The bytes hold
H(A1): they are as secret as the context. A context that is not established (or waits for
CompleteAuthToken) does not move.
"""

from __future__ import annotations

import json
from typing import Any

from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.constants import SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND, SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import PackageContext

from .algorithms import lookup
from .base import DigestContextBase
from .credentials import DigestCredential, DigestIdentity, DigestServerOptions
from .http_context import HttpClientContext, HttpServerContext, _Exchange
from .http_subsequent import EstablishedAuth
from .http_wire import DigestChallenge, DigestCredentials
from .layer import SecurityLayer
from .sasl_context import SaslClientContext, SaslServerContext

__all__ = ["export_context", "import_context"]

S = SecurityStatus
_VERSION = 1


def _invalid(why: str) -> SspiError:
    return SspiError(S.SEC_E_INVALID_TOKEN, f"Digest: {why}")


def _common(ctx: DigestContextBase, kind: str) -> dict[str, Any]:
    return {"v": _VERSION, "kind": kind, "req": ctx.req, "flags": ctx.flags, "user": ctx.user_name,
            "server": ctx.server_name, "realm": ctx.realm, "at": ctx.established_at}


def _auth_state(auth: EstablishedAuth | None) -> dict[str, Any] | None:
    if auth is None:
        return None
    return {"alg": auth.algorithm.name, "ha1": auth.ha1, "nonce": auth.nonce, "issued": auth.issued, "nc": auth.nc,
            "qop": auth.qop, "user": auth.username}


def export_context(ctx: DigestContextBase) -> bytes:
    """The state of the established context *ctx* (SEC_E_UNSUPPORTED_FUNCTION otherwise)."""
    if not ctx.established:
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "Digest: only an established context moves")
    if isinstance(ctx, HttpClientContext):
        ex = ctx._exchange
        if ex is None or ctx._pending:
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "Digest: the context waits for CompleteAuthToken")
        ch, cr = ex.challenge, ex.credentials
        state = _common(ctx, "http-client") | {
            "target": ctx.target, "counts": ctx._counts, "next_nonce": ctx._next_nonce,
            "cnonce_length": ctx.cred.identity.cnonce_length if ctx.cred.identity else 32,
            "challenge": [ch.realm, ch.nonce, ch.algorithm.name, ch.qop, ch.opaque, ch.domain, ch.stale,
                          ch.charset_utf8, ch.userhash],
            "exchange": [ex.uri, ex.method, ex.qop, ex.nc, ex.cnonce, ex.ha1,
                         None if ex.body is None else ex.body.hex()],
            "credentials": [cr.username, cr.realm, cr.nonce, cr.uri, cr.response, cr.algorithm.name, cr.qop, cr.nc,
                            cr.cnonce, cr.opaque, cr.userhash, cr.username_ext, cr.algorithm_sent],
        }
    elif isinstance(ctx, HttpServerContext):
        state = _common(ctx, "http-server") | {
            "auth": _auth_state(ctx._auth), "next_auth": _auth_state(ctx._next_auth),
            "lifetime": ctx.cred.options.nonce_lifetime, "nextnonce": ctx.cred.options.nextnonce,
        }
    elif isinstance(ctx, (SaslClientContext, SaslServerContext)):
        layer = ctx.layer
        state = _common(ctx, "sasl-client" if isinstance(ctx, SaslClientContext) else "sasl-server") | {
            "ha1": ctx._ha1.hex() if ctx._ha1 is not None else None,
            "layer": layer.state() if layer is not None else None,
        }
    else:
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "Digest: this context cannot move")
    return json.dumps(state, separators=(",", ":")).encode("utf-8")


def _str(value: object, name: str, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _invalid(f"bad {name} in an exported context")
    return value


def _int(value: object, name: str, limit: int = 1 << 64) -> int:
    if type(value) is not int or not 0 <= value < limit:
        raise _invalid(f"bad {name} in an exported context")
    return value


def _alg(name: object) -> Any:
    alg = lookup(_str(name, "algorithm"))
    if alg is None:
        raise _invalid("unknown algorithm in an exported context")
    return alg


def _auth(raw: object) -> EstablishedAuth | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _invalid("bad exchange in an exported context")
    return EstablishedAuth(_alg(raw.get("alg")), _str(raw.get("ha1"), "ha1"), _str(raw.get("nonce"), "nonce"),
                           _int(raw.get("issued"), "issued"), _int(raw.get("nc"), "nc", 1 << 32),
                           _str(raw.get("qop"), "qop"), _str(raw.get("user"), "user"))


def _restore_common(ctx: DigestContextBase, state: dict[str, Any]) -> None:
    ctx.flags = _int(state.get("flags"), "flags", 1 << 32)
    ctx.user_name = _str(state.get("user"), "user")
    ctx.server_name = _str(state.get("server"), "server")
    ctx.realm = _str(state.get("realm"), "realm")
    at = state.get("at")
    if not isinstance(at, (int, float)) or isinstance(at, bool) or not 0 <= at < 1 << 40:
        raise _invalid("bad start time in an exported context")
    ctx.established, ctx.established_at = True, float(at)


def _http_client(state: dict[str, Any], req: int) -> HttpClientContext:
    identity = DigestIdentity(User=_str(state.get("user"), "user") or "imported", Password="",
                              cnonce_length=_int(state.get("cnonce_length"), "cnonce_length", 257))
    target = _str(state.get("target"), "target", optional=True)
    ctx = HttpClientContext(DigestCredential(SECPKG_CRED_OUTBOUND, None, identity), target, req)
    ch, ex, cr = state.get("challenge"), state.get("exchange"), state.get("credentials")
    if not (isinstance(ch, list) and len(ch) == 9 and isinstance(ex, list) and len(ex) == 7
            and isinstance(cr, list) and len(cr) == 13):
        raise _invalid("bad exchange in an exported context")
    qops = ch[3]
    if not isinstance(qops, list) or not all(isinstance(q, str) for q in qops) or not all(
            isinstance(flag, bool) for flag in (ch[6], ch[7], ch[8], cr[10], cr[11], cr[12])):
        raise _invalid("bad exchange in an exported context")
    challenge = DigestChallenge(_str(ch[0], "realm"), _str(ch[1], "nonce"), _alg(ch[2]), qops,
                                _str(ch[4], "opaque", True), _str(ch[5], "domain", True), ch[6], ch[7], ch[8])
    credentials = DigestCredentials(
        _str(cr[0], "username"), _str(cr[1], "realm"), _str(cr[2], "nonce"), _str(cr[3], "uri"),
        _str(cr[4], "response"), _alg(cr[5]), _str(cr[6], "qop", True), _str(cr[7], "nc", True),
        _str(cr[8], "cnonce", True), _str(cr[9], "opaque", True), cr[10], cr[11], cr[12])
    body_hex = _str(ex[6], "body", True)
    try:
        body = None if body_hex is None else bytes.fromhex(body_hex)
    except ValueError:
        raise _invalid("bad body in an exported context") from None
    ctx._exchange = _Exchange(challenge, _str(ex[0], "uri"), _str(ex[1], "method"), _str(ex[2], "qop", True),
                              _str(ex[3], "nc", True), _str(ex[4], "cnonce", True), _str(ex[5], "ha1"), credentials,
                              body)
    counts = state.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(k, str) and type(v) is int for k, v in counts.items()):
        raise _invalid("bad nonce counts in an exported context")
    ctx._counts = dict(counts)
    ctx._next_nonce = _str(state.get("next_nonce"), "next_nonce", True)
    return ctx


def _http_server(state: dict[str, Any], req: int) -> HttpServerContext:
    lifetime, nextnonce = state.get("lifetime"), state.get("nextnonce")
    if not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool) or not 0 < lifetime < 1 << 32:
        raise _invalid("bad nonce lifetime in an exported context")
    if not isinstance(nextnonce, bool):
        raise _invalid("bad nextnonce flag in an exported context")
    options = DigestServerOptions(store=MemoryAccountStore(), realm=_str(state.get("realm"), "realm"),
                                  nonce_lifetime=float(lifetime), nextnonce=nextnonce)
    ctx = HttpServerContext(DigestCredential(SECPKG_CRED_INBOUND, None, options), req)
    ctx._auth, ctx._next_auth = _auth(state.get("auth")), _auth(state.get("next_auth"))
    return ctx


def _sasl(state: dict[str, Any], req: int, client: bool) -> SaslClientContext | SaslServerContext:
    ha1_hex = _str(state.get("ha1"), "ha1", True)
    try:
        ha1 = None if ha1_hex is None else bytes.fromhex(ha1_hex)
    except ValueError:
        raise _invalid("bad H(A1) in an exported context") from None
    ctx: SaslClientContext | SaslServerContext
    if client:
        identity = DigestIdentity(User=_str(state.get("user"), "user") or "imported", Password="")
        ctx = SaslClientContext(DigestCredential(SECPKG_CRED_OUTBOUND, None, identity),
                                _str(state.get("server"), "server"), req)
    else:
        ctx = SaslServerContext(DigestCredential(SECPKG_CRED_INBOUND, None,
                                                 DigestServerOptions(store=MemoryAccountStore())), req)
    ctx._ha1 = ha1
    layer = state.get("layer")
    if layer is not None:
        if not isinstance(layer, dict) or ha1 is None:
            raise _invalid("bad security layer in an exported context")
        try:
            ctx.layer = SecurityLayer.restore(ha1, client, layer)
        except ValueError as exc:
            raise _invalid(f"bad security layer in an exported context ({exc})") from None
    return ctx


def import_context(data: bytes) -> PackageContext:
    """The context *data* (from :func:`export_context`) describes; SEC_E_INVALID_TOKEN when malformed."""
    try:
        state = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid("unreadable exported context") from None
    if not isinstance(state, dict) or state.get("v") != _VERSION:
        raise _invalid("not an exported Digest context")
    req = _int(state.get("req"), "req")
    kind = state.get("kind")
    ctx: DigestContextBase
    try:
        if kind == "http-client":
            ctx = _http_client(state, req)
        elif kind == "http-server":
            ctx = _http_server(state, req)
        elif kind in ("sasl-client", "sasl-server"):
            ctx = _sasl(state, req, kind == "sasl-client")
        else:
            raise _invalid("not an exported Digest context")
    except SspiError as exc:
        if exc.status == S.SEC_E_INVALID_TOKEN:
            raise
        raise _invalid(f"cannot rebuild the context ({exc.status.name})") from None
    _restore_common(ctx, state)
    return ctx
