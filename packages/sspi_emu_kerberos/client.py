"""The initiator: AP-REQ with the RFC 4121 authenticator checksum, then the AP-REP when mutual."""

from __future__ import annotations

import hmac

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import enctypes, krb_errors
from . import gss_checksum as G
from . import messages as m
from .context import KerberosContext
from .credentials import KerberosCredential
from .delegation import make_krb_cred
from .gss_framing import TOK_AP_REP, TOK_AP_REQ, TOK_ERROR, FramingError, frame, unframe
from .kdc_client import TicketGrant
from .keys import Key
from .principal import format_principal, parse_spn, parse_user
from .sessions import new_session, uses_rfc4757
from .user2user import TOK_TGT_REP, TOK_TGT_REQ, TgtRequest, decode_tgt_reply

__all__ = ["KerberosClientContext", "gss_flags_from_isc"]

S = SecurityStatus
AP_OPT_USE_SESSION_KEY = 0x40000000
AP_OPT_MUTUAL_REQUIRED = 0x20000000
TKT_FLG_OK_AS_DELEGATE = 0x00040000
USAGE_AUTHENTICATOR = 11
USAGE_AP_REP = 12
_DEFAULT_RET = C.ISC_RET_CONNECTION


def gss_flags_from_isc(req: int) -> int:
    """The GSS flags an ISC request maps to."""
    f = 0
    if req & C.ISC_REQ_MUTUAL_AUTH:
        f |= G.GSS_C_MUTUAL_FLAG
    if req & C.ISC_REQ_REPLAY_DETECT:
        f |= G.GSS_C_REPLAY_FLAG
    if req & C.ISC_REQ_SEQUENCE_DETECT:
        f |= G.GSS_C_SEQUENCE_FLAG
    if req & C.ISC_REQ_CONFIDENTIALITY:
        f |= G.GSS_C_CONF_FLAG | G.GSS_C_INTEG_FLAG
    if req & C.ISC_REQ_INTEGRITY and not req & C.ISC_REQ_NO_INTEGRITY:
        f |= G.GSS_C_INTEG_FLAG
    return f


def _ret_flags(req: int) -> int:
    keep = (C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_SEQUENCE_DETECT
            | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY)
    ret = (req & keep) | _DEFAULT_RET
    if req & C.ISC_REQ_NO_INTEGRITY:
        ret &= ~C.ISC_RET_INTEGRITY
    return ret


class KerberosClientContext(KerberosContext):
    """One client context: first leg sends the AP-REQ, the second (mutual only) checks the AP-REP."""

    def __init__(self, cred: KerberosCredential, target: str | None, req: int) -> None:
        if not target:
            raise SspiError(S.SEC_E_TARGET_UNKNOWN, "Kerberos needs a service principal name as the target")
        self.cred = cred
        self.target = target
        self.req = req
        #: User-to-user: the target is the server's user principal and its TGT is asked for first.
        self.u2u = bool(req & C.ISC_REQ_USE_SESSION_KEY)
        if self.u2u and "/" not in target:
            self.service, self.service_realm = parse_user(target, None)
        else:
            self.service, self.service_realm = parse_spn(target)
        self.grant: TicketGrant | None = None
        self.subkey: Key | None = None
        self.seq = 0
        self.ctime = 0
        self.cusec = 0
        self.state = 0

    def step(self, inp: StepInput) -> StepOutput:
        if self.state == 0:
            if inp.token:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "Kerberos clients speak first")
            if self.u2u:
                return self._tgt_request()
            return self._ap_req(inp, self.cred.service_ticket(self.service, self.service_realm), 0)
        if self.state == 10:
            return self._after_tgt_reply(inp)
        if self.state == 1:
            return self._second(inp)
        raise SspiError(S.SEC_E_INVALID_HANDLE, "context already complete")

    def _tgt_request(self) -> StepOutput:
        self.state = 10
        token = frame(TOK_TGT_REQ, TgtRequest(self.service, self.service_realm).encode())
        return StepOutput(S.SEC_I_CONTINUE_NEEDED, token, _ret_flags(self.req))

    def _after_tgt_reply(self, inp: StepInput) -> StepOutput:
        try:
            tok_id, inner = unframe(inp.token or b"")
            if tok_id == TOK_ERROR:
                err = m.decode_krb_error(inner)
                raise SspiError(krb_errors.status_from_acceptor(err.error_code), f"KRB-ERROR {err.error_code}")
            if tok_id != TOK_TGT_REP:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "expected the server's TGT (KERB-TGT-REPLY)")
            reply = decode_tgt_reply(inner)
        except (FramingError, m.Asn1Error):
            raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed KERB-TGT-REPLY") from None
        grant = self.cred.user_to_user_ticket(self.service, self.service_realm, reply.ticket)
        return self._ap_req(inp, grant, AP_OPT_USE_SESSION_KEY)

    def _ap_req(self, inp: StepInput, grant: TicketGrant, options: int) -> StepOutput:
        self.grant = grant
        bindings = inp.find(C.SECBUFFER_CHANNEL_BINDINGS)
        try:
            bnd = G.bindings_hash(bindings)
        except G.BindingsError as exc:
            raise SspiError(S.SEC_E_BAD_BINDINGS, str(exc)) from None
        gss_flags = gss_flags_from_isc(self.req)
        deleg = None
        trusted = bool(grant.flags & TKT_FLG_OK_AS_DELEGATE) or not self.cred.settings.enforce_ok_as_delegate
        if self.req & C.ISC_REQ_DELEGATE and trusted:
            forwarded = self.cred.forwarded_tgt()
            if forwarded is not None:
                deleg = make_krb_cred(forwarded, grant.key)
                gss_flags |= G.GSS_C_DELEG_FLAG
        cksum = G.GssChecksum(bnd, gss_flags, deleg).encode()
        now = entropy.now()
        self.ctime, self.cusec = int(now), min(999999, int((now - int(now)) * 1_000_000))
        subkey = enctypes.random_key(grant.key.enctype)
        self.subkey = subkey
        self.seq = int.from_bytes(entropy.random_bytes(4, "kerberos sequence number"), "big") & 0x3FFFFFFF
        auth = m.Authenticator(grant.crealm, grant.client, self.cusec, self.ctime,
                               (G.GSS_CHECKSUM_TYPE, cksum), subkey, self.seq)
        enc = m.EncryptedData(grant.key.enctype, enctypes.encrypt(grant.key, USAGE_AUTHENTICATOR, auth.encode()))
        mutual = bool(self.req & C.ISC_REQ_MUTUAL_AUTH)
        ap_req = m.ApReq(options | (AP_OPT_MUTUAL_REQUIRED if mutual else 0), grant.ticket, enc)
        token = frame(TOK_AP_REQ, ap_req.encode())
        self.client_name = format_principal(grant.client, grant.crealm)
        self.server_name = format_principal(grant.server, grant.srealm)
        self.expiry = entropy.unix_to_filetime(grant.endtime)
        self.session_key = subkey
        self.ret_flags = _ret_flags(self.req) | (C.ISC_RET_DELEGATE if deleg is not None else 0)
        if options & AP_OPT_USE_SESSION_KEY:
            self.ret_flags |= C.ISC_RET_USE_SESSION_KEY
        if mutual:
            self.state = 1
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, token, self.ret_flags, expiry=self.expiry)
        self._finish(subkey, acceptor_subkey=False, peer_seq=self.seq)
        return StepOutput(S.SEC_E_OK, token, self.ret_flags, expiry=self.expiry)

    def _second(self, inp: StepInput) -> StepOutput:
        assert self.grant is not None and self.subkey is not None
        if not inp.token:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "the AP-REP is missing")
        try:
            tok_id, inner = unframe(inp.token)
        except FramingError:
            tok_id, inner = (TOK_ERROR if m.message_type(inp.token) == m.KRB_ERROR else TOK_AP_REP), inp.token
        if tok_id == TOK_ERROR:
            try:
                err = m.decode_krb_error(inner)
            except m.Asn1Error:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed KRB-ERROR") from None
            status = krb_errors.status_from_acceptor(err.error_code)
            raise SspiError(status, f"acceptor answered KRB-ERROR {err.error_code}")
        if tok_id != TOK_AP_REP:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "expected an AP-REP")
        try:
            rep = m.decode_ap_rep(inner)
            plain = enctypes.decrypt(self.grant.key, USAGE_AP_REP, rep.enc_part.cipher)
            part = m.decode_enc_ap_rep_part(plain)
        except (m.Asn1Error, enctypes.UnsupportedEnctype):
            raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed AP-REP") from None
        except enctypes.IntegrityError:
            raise SspiError(S.SEC_E_MUTUAL_AUTH_FAILED, "the AP-REP does not decrypt with the session key") from None
        same_time = hmac.compare_digest(
            f"{part.ctime}.{part.cusec}".encode(), f"{self.ctime}.{self.cusec}".encode()
        )
        if not same_time:
            raise SspiError(S.SEC_E_MUTUAL_AUTH_FAILED, "the AP-REP does not echo our authenticator time")
        # As MIT: an RFC 4757 (rc4) context keeps the initiator's subkey unless the acceptor's differs in type.
        use_acceptor = part.subkey is not None and not (
            uses_rfc4757(self.subkey) and part.subkey.enctype == self.subkey.enctype
        )
        key = part.subkey if use_acceptor and part.subkey is not None else self.subkey
        self._finish(key, acceptor_subkey=use_acceptor,
                     peer_seq=part.seq_number if part.seq_number is not None else 0)
        self.session_key = key
        return StepOutput(S.SEC_E_OK, b"", self.ret_flags, expiry=self.expiry)

    def _finish(self, key: Key, acceptor_subkey: bool, peer_seq: int) -> None:
        check = bool(self.req & (C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_REPLAY_DETECT))
        self.session = new_session(key, True, acceptor_subkey, self.seq, peer_seq, check)
        self.state = 2
        self._established()
