"""SASL DIGEST-MD5 (RFC 2831) client and server state machines, and the message functions of
the security layer they establish.

Client legs: no input → SEC_I_CONTINUE_NEEDED with an empty token; digest-challenge →
digest-response (SEC_I_CONTINUE_NEEDED); response-auth → rspauth checked, SEC_E_OK.
Server legs: no input → digest-challenge (SEC_I_CONTINUE_NEEDED); digest-response →
SEC_E_OK with the response-auth token.

Message functions: MakeSignature / VerifySignature put the 16-byte trailer (MAC, type,
sequence number) in the SECBUFFER_TOKEN; EncryptMessage seals the DATA in place, puts the
block-cipher padding in the SECBUFFER_PADDING buffer and the encrypted MAC, type and
sequence number (16 bytes) in the TOKEN, so ``DATA ‖ PADDING ‖ TOKEN`` is the RFC 2831
wire message (without its 4-byte length). Without a PADDING buffer the padding goes to
the TOKEN. With SECQOP_WRAP_NO_ENCRYPT on an auth-int context,
EncryptMessage signs instead. DecryptMessage accepts ``[DATA, PADDING, TOKEN]`` (any
order), ``[TOKEN, DATA]`` with the padding at the end of DATA, or the whole message in one
DATA buffer.
"""

from __future__ import annotations

import hmac

from sspi_emu import entropy
from sspi_emu.attributes import SecPkgContext_KeyInfo, SecPkgContext_Sizes
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import (
    ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_INTEGRITY,
    ASC_RET_CONFIDENTIALITY,
    ASC_RET_INTEGRITY,
    ASC_RET_MUTUAL_AUTH,
    ASC_RET_REPLAY_DETECT,
    ASC_RET_SEQUENCE_DETECT,
    ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_INTEGRITY,
    ISC_RET_CONFIDENTIALITY,
    ISC_RET_INTEGRITY,
    ISC_RET_MUTUAL_AUTH,
    ISC_RET_REPLAY_DETECT,
    ISC_RET_SEQUENCE_DETECT,
    SECBUFFER_DATA,
    SECBUFFER_PADDING,
    SECBUFFER_TOKEN,
    SECQOP_WRAP_NO_ENCRYPT,
    TIMESTAMP_NEVER,
    SecurityStatus,
)
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import calc
from .algorithms import ALGORITHMS
from .base import DigestContextBase, invalid, logon_failure, parse_error, token_text
from .credentials import DigestCredential, stored_ha1
from .layer import DEFAULT_MAXBUF, MAC_LEN, TRAILER_LEN, SecurityLayer
from .nonces import CountResult, NonceState
from .params import ParseError
from .sasl_sessions import SaslSession
from .sasl_wire import CIPHERS, SaslChallenge, SaslResponse, format_rspauth, parse_rspauth

__all__ = ["SaslClientContext", "SaslServerContext"]

S = SecurityStatus
_MD5 = ALGORITHMS["MD5"]
_KEY_BITS = {"rc4": 128, "3des": 112, "des": 56, "rc4-56": 56, "rc4-40": 40}


def _validate_service_uri(target: str | None) -> str:
    if not target or any(not 0x21 <= ord(c) <= 0x7E for c in target) or "/" not in target:
        raise SspiError(S.SEC_E_TARGET_UNKNOWN, "the SASL target is the digest-uri, serv-type/host[/serv-name]")
    return target


class _SaslContext(DigestContextBase):
    """Message functions over the negotiated security layer."""

    layer: SecurityLayer | None = None
    _ret_int = 0
    _ret_conf = 0
    _ret_seq = 0
    _ret_mutual = 0

    def _granted(self, qop: str, mutual: bool) -> None:
        if mutual:
            self.flags |= self._ret_mutual
        if qop in ("auth-int", "auth-conf"):
            self.flags |= self._ret_int | self._ret_seq
        if qop == "auth-conf":
            self.flags |= self._ret_conf

    def sizes(self) -> SecPkgContext_Sizes:
        if self.layer is None or self.layer.qop == "auth":
            return super().sizes()
        return SecPkgContext_Sizes(
            cbMaxToken=self.package_info.cbMaxToken,
            cbMaxSignature=MAC_LEN + TRAILER_LEN,
            cbBlockSize=self.layer.block,
            cbSecurityTrailer=MAC_LEN + TRAILER_LEN,
        )

    def key_info(self) -> SecPkgContext_KeyInfo:
        if self.layer is None:
            return super().key_info()
        cipher = self.layer.cipher
        return SecPkgContext_KeyInfo(
            sSignatureAlgorithmName="HMAC-MD5",
            sEncryptAlgorithmName=cipher.upper() if cipher else "",
            KeySize=_KEY_BITS.get(cipher or "", 128),
        )

    def session_key(self) -> bytes:
        if self._ha1 is None:
            return super().session_key()
        return self._ha1

    _ha1: bytes | None = None

    def _layer(self) -> SecurityLayer:
        if self.layer is None or self.layer.qop == "auth":
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "no security layer was negotiated")
        return self.layer

    @staticmethod
    def _split(message: list[SecBuffer]) -> tuple[list[SecBuffer], SecBuffer | None]:
        data = [b for b in message if b.base_type == SECBUFFER_DATA]
        token = next((b for b in message if b.base_type == SECBUFFER_TOKEN), None)
        return data, token

    @staticmethod
    def _put_back(data: list[SecBuffer], payload: bytes, shrink: bool) -> None:
        off = 0
        for b in data:
            n = max(0, min(b.cbBuffer, len(payload) - off)) if shrink else b.cbBuffer
            if n and b.pvBuffer is not None:
                b.pvBuffer[:n] = payload[off : off + n]
            b.cbBuffer = n
            off += n

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        try:
            layer = self._layer()
            data, token = self._split(message)
            if token is None:
                return S.SEC_E_INVALID_TOKEN
            if token.capacity < MAC_LEN + TRAILER_LEN:
                return S.SEC_E_BUFFER_TOO_SMALL
            msg = b"".join(b.tobytes() for b in data)
            layer.check_outgoing(len(msg))
            token.write(layer.sign(msg))
            return S.SEC_E_OK
        except SspiError as exc:
            return exc.status

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        try:
            layer = self._layer()
            data, token = self._split(message)
            if token is None:
                return S.SEC_E_INVALID_TOKEN, 0
            msg, trailer = b"".join(b.tobytes() for b in data), token.tobytes()
            layer.check_incoming(len(msg) + len(trailer))
            layer.verify(msg, trailer)
            return S.SEC_E_OK, 0
        except SspiError as exc:
            return exc.status, 0

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        try:
            layer = self._layer()
            no_encrypt = qop & SECQOP_WRAP_NO_ENCRYPT == SECQOP_WRAP_NO_ENCRYPT
            if no_encrypt == layer.confidential:
                return S.SEC_E_QOP_NOT_SUPPORTED
            if no_encrypt:
                for b in message:
                    if b.base_type == SECBUFFER_PADDING:
                        b.cbBuffer = 0
                return self.make_signature(qop, message, seqno)
            data, token = self._split(message)
            padding = next((b for b in message if b.base_type == SECBUFFER_PADDING), None)
            if token is None:
                return S.SEC_E_INVALID_TOKEN
            pad_room = padding.capacity if padding is not None else 0
            if token.capacity < MAC_LEN + TRAILER_LEN + max(0, layer.block - pad_room if layer.block > 1 else 0):
                return S.SEC_E_BUFFER_TOO_SMALL
            plain = b"".join(b.tobytes() for b in data)
            layer.check_outgoing(len(plain))
            sealed = layer.seal(plain)
            cipher_len = len(sealed) - TRAILER_LEN
            padlen = cipher_len - MAC_LEN - len(plain)
            self._put_back(data, sealed[: len(plain)], shrink=False)
            if padding is not None and padlen <= pad_room:
                padding.write(sealed[len(plain) : len(plain) + padlen])
                token.write(sealed[len(plain) + padlen :])
            else:
                if padding is not None:
                    padding.cbBuffer = 0
                token.write(sealed[len(plain) :])
            return S.SEC_E_OK
        except SspiError as exc:
            return exc.status

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        try:
            layer = self._layer()
            data, token = self._split(message)
            if not data:
                return S.SEC_E_INVALID_TOKEN, 0
            joined = b"".join(b.tobytes() for b in data)
            joined += b"".join(b.tobytes() for b in message if b.base_type == SECBUFFER_PADDING)
            tail = token.tobytes() if token is not None else b""
            layer.check_incoming(len(joined) + len(tail))
            if layer.confidential:
                plain = layer.unseal(joined + tail)
                self._put_back(data, plain, shrink=True)
                return S.SEC_E_OK, 0
            if tail:
                msg, trailer = joined, tail
            else:
                if len(joined) < MAC_LEN + TRAILER_LEN:
                    return S.SEC_E_INVALID_TOKEN, 0
                msg, trailer = joined[: -(MAC_LEN + TRAILER_LEN)], joined[-(MAC_LEN + TRAILER_LEN) :]
            layer.verify(msg, trailer)
            self._put_back(data, msg, shrink=True)
            return S.SEC_E_OK, SECQOP_WRAP_NO_ENCRYPT
        except SspiError as exc:
            return exc.status, 0


class SaslClientContext(_SaslContext):
    """The client side of DIGEST-MD5."""

    _ret_int, _ret_conf, _ret_mutual = ISC_RET_INTEGRITY, ISC_RET_CONFIDENTIALITY, ISC_RET_MUTUAL_AUTH
    _ret_seq = ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT
    #: The server's maxbuf, from its challenge.
    _server_maxbuf = DEFAULT_MAXBUF

    def __init__(self, cred: DigestCredential, target: str | None, req: int) -> None:
        super().__init__(cred, req)
        if cred.client is None:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no Digest client credentials")
        self.digest_uri = _validate_service_uri(target)
        self.server_name = self.digest_uri
        self.user_name = cred.client.user
        self._sent: SaslResponse | None = None

    def step(self, inp: StepInput) -> StepOutput:
        if not inp.token:
            if self._sent is None:
                return self._initial_response()
            raise invalid("the server's reply is empty")
        text = token_text(inp.token)
        if self._sent is None or not text.lstrip().lower().startswith("rspauth"):
            return self._respond(text)
        return self._check_rspauth(text)

    def _initial_response(self) -> StepOutput:
        """The first leg: empty (the server challenges first), or, for a digest-uri this client
        authenticated to with qop=auth, an RFC 2831 §2.2 subsequent-authentication response."""
        identity = self.cred.identity
        wants_layer = self.req & (ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY)
        reuse = identity is not None and identity.sasl_subsequent and not wants_layer
        session = self.cred.sasl_sessions.next_use(self.digest_uri) if reuse else None
        if session is None:
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, b"", expiry=TIMESTAMP_NEVER)
        nc = f"{session.nc:08x}"
        self._ha1 = session.ha1
        self._sent = SaslResponse(
            username=session.username,
            realm=session.realm,
            nonce=session.nonce,
            cnonce=session.cnonce,
            nc=nc,
            digest_uri=self.digest_uri,
            response=calc.sasl_response(session.ha1, session.nonce, nc, session.cnonce, "auth", self.digest_uri, True),
            qop="auth",
            charset_utf8=session.charset_utf8,
            authzid=session.authzid,
            maxbuf=session.maxbuf,
        )
        self.realm = session.realm
        return StepOutput(S.SEC_I_CONTINUE_NEEDED, self._sent.format().encode("utf-8"), expiry=TIMESTAMP_NEVER)

    def _choose_qop(self, ch: SaslChallenge) -> tuple[str, str | None]:
        common = [c for c in CIPHERS if c in ch.ciphers]
        if self.req & ISC_REQ_CONFIDENTIALITY and "auth-conf" in ch.qop and common:
            return "auth-conf", common[0]
        if self.req & (ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY) and "auth-int" in ch.qop:
            return "auth-int", None
        for qop in ("auth", "auth-int"):
            if qop in ch.qop:
                return qop, None
        if "auth-conf" in ch.qop and common:
            return "auth-conf", common[0]
        raise invalid("no quality of protection this client supports")

    def _respond(self, text: str) -> StepOutput:
        assert self.cred.client is not None
        try:
            ch = SaslChallenge.parse(text)
        except ParseError as exc:
            raise parse_error(exc) from exc
        if self._sent is not None:  # the server declined a subsequent authentication: start afresh
            self.cred.sasl_sessions.forget(self.digest_uri)
        client = self.cred.client
        if client.domain and (client.domain in ch.realms or not ch.realms):
            realm = client.domain
        else:
            realm = ch.realms[0] if ch.realms else ""
        qop, cipher = self._choose_qop(ch)
        utf8 = ch.charset_utf8
        try:
            base = calc.base_ha1(
                _MD5,
                calc.encode_sasl(client.user, utf8),
                calc.encode_sasl(realm, utf8),
                calc.encode_sasl(client.password, utf8),
            )
        except UnicodeEncodeError as exc:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "the server does not accept UTF-8 names") from exc
        cnonce = self.cred.cnonce()
        authzid = self.cred.identity.authzid if self.cred.identity else None
        self._ha1 = calc.sasl_a1(base, ch.nonce, cnonce, authzid, utf8)
        resp = SaslResponse(
            username=client.user,
            realm=realm,
            nonce=ch.nonce,
            cnonce=cnonce,
            nc="00000001",
            digest_uri=self.digest_uri,
            response=calc.sasl_response(self._ha1, ch.nonce, "00000001", cnonce, qop, self.digest_uri, True),
            qop=qop,
            charset_utf8=utf8,
            cipher=cipher,
            authzid=authzid,
            maxbuf=self.cred.identity.sasl_maxbuf if self.cred.identity else None,
        )
        self._server_maxbuf = ch.maxbuf
        self._sent = resp
        self.realm = realm
        return StepOutput(S.SEC_I_CONTINUE_NEEDED, resp.format().encode("utf-8"), expiry=TIMESTAMP_NEVER)

    def _check_rspauth(self, text: str) -> StepOutput:
        sent = self._sent
        assert sent is not None and self._ha1 is not None
        try:
            got = parse_rspauth(text)
        except ParseError as exc:
            raise parse_error(exc) from exc
        expected = calc.sasl_response(self._ha1, sent.nonce, sent.nc, sent.cnonce, sent.qop, sent.digest_uri, False)
        if not hmac.compare_digest(expected.encode(), got.encode("utf-8", "replace")):
            raise SspiError(S.SEC_E_WRONG_PRINCIPAL, "rspauth does not prove knowledge of the password")
        recv_max = sent.maxbuf if sent.maxbuf is not None else DEFAULT_MAXBUF
        self.layer = SecurityLayer(self._ha1, sent.qop, sent.cipher, initiator=True, send_max=self._server_maxbuf,
                                   recv_max=recv_max)
        self._granted(sent.qop, mutual=True)
        self._established()
        if sent.qop == "auth" and self.cred.identity is not None and self.cred.identity.sasl_subsequent:
            self.cred.sasl_sessions.remember(self.digest_uri, SaslSession(
                sent.username, sent.realm, sent.nonce, sent.cnonce, int(sent.nc, 16), sent.charset_utf8,
                sent.authzid, sent.maxbuf, self._ha1, entropy.now()))
        return StepOutput(S.SEC_E_OK, b"", flags=self.flags, expiry=TIMESTAMP_NEVER)


class SaslServerContext(_SaslContext):
    """The server side of DIGEST-MD5."""

    reauthenticate = False
    _ret_int, _ret_conf, _ret_mutual = ASC_RET_INTEGRITY, ASC_RET_CONFIDENTIALITY, ASC_RET_MUTUAL_AUTH
    _ret_seq = ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT

    def __init__(self, cred: DigestCredential, req: int) -> None:
        super().__init__(cred, req)
        self.realm = cred.realm
        opts = cred.options
        qop = list(opts.sasl_qop)
        if req & ASC_REQ_CONFIDENTIALITY:
            qop = [q for q in qop if q == "auth-conf"]
        elif req & ASC_REQ_INTEGRITY:
            qop = [q for q in qop if q in ("auth-int", "auth-conf")]
        self.ciphers = [c for c in CIPHERS if c in opts.sasl_ciphers] if "auth-conf" in qop else []
        if "auth-conf" in qop and not self.ciphers:
            qop.remove("auth-conf")
        if not qop:
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "no quality of protection left to offer")
        self.qop = qop

    #: True once this context has sent a challenge (a response before that is a subsequent authentication).
    _challenged = False

    def step(self, inp: StepInput) -> StepOutput:
        if self.established:
            raise logon_failure("AcceptSecurityContext called after the context was established")
        if not inp.token:
            return self._challenge(stale=False)
        try:
            resp = SaslResponse.parse(token_text(inp.token))
        except ParseError as exc:
            raise parse_error(exc) from exc
        if self._challenged:
            return self._verify(resp)
        return self._subsequent(resp)

    def _subsequent(self, resp: SaslResponse) -> StepOutput:
        """RFC 2831 §2.2: a digest-response on the first call, on a nonce from an earlier authentication.

        Accepted for qop=auth when it checks out (nonce ours and fresh, count not used before,
        response right); anything else gets a fresh challenge, as the RFC asks, and the client
        authenticates from the start. A security layer never starts this way: reusing the nonce
        and cnonce would give it the previous layer's keys.
        """
        if resp.qop != "auth":
            return self._challenge(stale=False)
        try:
            return self._verify(resp)
        except SspiError as exc:
            if exc.status in (S.SEC_E_LOGON_DENIED, S.SEC_E_OUT_OF_SEQUENCE):
                return self._challenge(stale=False)
            raise

    def _challenge(self, stale: bool) -> StepOutput:
        self._challenged = True
        ch = SaslChallenge(
            nonce=self.cred.sasl_issuer.issue(),
            realms=[self.realm],
            qop=self.qop,
            ciphers=self.ciphers,
            charset_utf8=self.cred.options.charset_utf8,
            stale=stale,
            maxbuf=self.cred.options.sasl_maxbuf,
        )
        return StepOutput(S.SEC_I_CONTINUE_NEEDED, ch.format().encode("utf-8"), expiry=TIMESTAMP_NEVER)

    def _verify(self, resp: SaslResponse) -> StepOutput:
        if resp.qop not in self.qop:
            raise invalid(f"qop {resp.qop} was not offered")
        if resp.qop == "auth-conf" and resp.cipher not in self.ciphers:
            raise invalid("cipher missing or not offered")
        if resp.realm != self.realm:
            raise SspiError(S.SEC_E_LOGON_DENIED, "realm does not match")
        state, issued = self.cred.sasl_issuer.check(resp.nonce)
        if state is NonceState.FORGED:
            raise SspiError(S.SEC_E_LOGON_DENIED, "nonce was not issued here")
        account = self.cred.lookup(resp.username, self.realm)
        if account is None:
            raise SspiError(S.SEC_E_LOGON_DENIED, "unknown user")
        utf8 = resp.charset_utf8
        base = stored_ha1(account, _MD5, self.realm)
        if base is None:
            if account.password is None:
                raise SspiError(S.SEC_E_LOGON_DENIED, "no Digest secret for this account")
            try:
                base = calc.base_ha1(
                    _MD5,
                    calc.encode_sasl(resp.username, utf8),
                    calc.encode_sasl(self.realm, utf8),
                    calc.encode_sasl(account.password, utf8),
                )
            except UnicodeEncodeError as exc:
                raise SspiError(S.SEC_E_LOGON_DENIED, "name not representable without charset=utf-8") from exc
        ha1 = calc.sasl_a1(base, resp.nonce, resp.cnonce, resp.authzid, utf8)
        expected = calc.sasl_response(ha1, resp.nonce, resp.nc, resp.cnonce, resp.qop, resp.digest_uri, True)
        if not hmac.compare_digest(expected.encode(), resp.response.encode("utf-8", "replace")):
            raise SspiError(S.SEC_E_LOGON_DENIED, "wrong password")
        if state is NonceState.STALE:
            return self._challenge(stale=True)
        counted = self.cred.counter.use("sasl:" + resp.nonce, issued, int(resp.nc, 16))
        if counted is CountResult.REPLAYED:
            raise SspiError(S.SEC_E_OUT_OF_SEQUENCE, "nonce count was used before")
        if counted is CountResult.UNTRACKED:
            return self._challenge(stale=True)
        self._ha1 = ha1
        send_max = resp.maxbuf if resp.maxbuf is not None else DEFAULT_MAXBUF
        self.layer = SecurityLayer(ha1, resp.qop, resp.cipher, initiator=False, send_max=send_max,
                                   recv_max=self.cred.options.sasl_maxbuf)
        self.user_name = account.name
        self.server_name = resp.digest_uri
        self._granted(resp.qop, mutual=True)
        self._established()
        rspauth = calc.sasl_response(ha1, resp.nonce, resp.nc, resp.cnonce, resp.qop, resp.digest_uri, False)
        return StepOutput(S.SEC_E_OK, format_rspauth(rspauth).encode("ascii"), flags=self.flags, expiry=TIMESTAMP_NEVER)
