"""The acceptor: AP-REQ validation (ticket, authenticator, skew, replay, bindings) and the AP-REP."""

from __future__ import annotations

from dataclasses import dataclass, field

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.attributes import SecPkgContext_AccessToken
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import enctypes, krb_errors
from . import gss_checksum as G
from . import messages as m
from .client import AP_OPT_MUTUAL_REQUIRED, AP_OPT_USE_SESSION_KEY, USAGE_AP_REP, USAGE_AUTHENTICATOR
from .context import KerberosContext
from .credentials import KerberosCredential
from .delegation import DelegationError, open_krb_cred
from .gss_framing import TOK_AP_REP, TOK_AP_REQ, TOK_ERROR, FramingError, frame, unframe
from .kdc_client import TicketGrant
from .keys import Key
from .principal import format_principal
from .sessions import new_session, uses_rfc4757
from .user2user import TOK_TGT_REP, TOK_TGT_REQ, TgtReply, decode_tgt_request

__all__ = ["KerberosAccessToken", "KerberosServerContext"]

S = SecurityStatus
USAGE_TICKET = 2


@dataclass(frozen=True)
class KerberosAccessToken:
    """What SECPKG_ATTR_ACCESS_TOKEN gives on a Kerberos server: the client and any delegated TGT.

    Pass ``KerberosSettings(tgt=token.delegated)`` to AcquireCredentialsHandle to act as the
    client (the emulated counterpart of impersonating a delegated logon).
    """

    user: str
    delegated: TicketGrant | None = field(default=None, repr=False)


def _asc_flags(gss: int, mutual: bool) -> int:
    ret = C.ASC_RET_CONNECTION
    if mutual:
        ret |= C.ASC_RET_MUTUAL_AUTH
    if gss & G.GSS_C_REPLAY_FLAG:
        ret |= C.ASC_RET_REPLAY_DETECT
    if gss & G.GSS_C_SEQUENCE_FLAG:
        ret |= C.ASC_RET_SEQUENCE_DETECT
    if gss & G.GSS_C_CONF_FLAG:
        ret |= C.ASC_RET_CONFIDENTIALITY
    if gss & G.GSS_C_INTEG_FLAG:
        ret |= C.ASC_RET_INTEGRITY
    return ret


class KerberosServerContext(KerberosContext):
    """One acceptor context: a single leg consumes the AP-REQ and answers with the AP-REP."""

    def __init__(self, cred: KerberosCredential, req: int) -> None:
        self.cred = cred
        self.req = req
        self.done = False
        #: The client's forwarded TGT when it delegated (ASC_RET_DELEGATE).
        self.delegated: TicketGrant | None = None
        self._ticket: m.Ticket | None = None
        self.u2u_tgt: TicketGrant | None = None

    def step(self, inp: StepInput) -> StepOutput:
        if self.done:
            raise SspiError(S.SEC_E_INVALID_HANDLE, "context already complete")
        if not inp.token:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "no AP-REQ")
        try:
            tok_id, inner = unframe(inp.token)
        except FramingError:
            tok_id, inner = TOK_AP_REQ, inp.token  # a raw AP-REQ (as some SPNEGO peers send)
        if tok_id == TOK_TGT_REQ:
            return self._send_tgt(inner)
        if tok_id != TOK_AP_REQ:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "not an AP-REQ")
        try:
            ap_req = m.decode_ap_req(inner)
        except m.Asn1Error:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed AP-REQ") from None
        self._ticket = ap_req.ticket
        if ap_req.options & AP_OPT_USE_SESSION_KEY:
            ticket_part = self._open_u2u_ticket(ap_req.ticket)
        else:
            ticket_part = self._open_ticket(ap_req.ticket)
        auth = self._open_authenticator(ap_req, ticket_part.key)
        now = entropy.now()
        skew = self.cred.settings.clock_skew
        if ticket_part.endtime + skew < now:
            raise SspiError(S.SEC_E_CONTEXT_EXPIRED, "the ticket has expired")
        if ticket_part.starttime is not None and ticket_part.starttime - skew > now:
            raise SspiError(S.SEC_E_TIME_SKEW, "the ticket is not yet valid")
        if abs(auth.ctime - now) > skew:
            raise self._error(S.SEC_E_TIME_SKEW, krb_errors.KRB_AP_ERR_SKEW,
                              "the authenticator time is outside the clock-skew window")
        if auth.crealm != ticket_part.crealm or not auth.cname.same_as(ticket_part.cname):
            raise SspiError(S.SEC_E_LOGON_DENIED, "the authenticator names another client than the ticket")
        client = format_principal(ticket_part.cname, ticket_part.crealm)
        if not self.cred.replay.check_and_add(client, auth.ctime, auth.cusec, ap_req.authenticator.cipher, now):
            raise SspiError(S.SEC_E_LOGON_DENIED, "replayed authenticator")
        gss_flags, deleg = self._check_checksum(auth, inp)
        if deleg is not None:
            try:
                self.delegated = open_krb_cred(deleg, ticket_part.key)
            except DelegationError:
                self.delegated = None  # as MIT does: a bad KRB-CRED only loses the delegation
        mutual = bool(ap_req.options & AP_OPT_MUTUAL_REQUIRED)
        peer_seq = auth.seq_number if auth.seq_number is not None else 0
        base_key = auth.subkey if auth.subkey is not None else ticket_part.key
        token = b""
        key, acceptor_subkey, my_seq = base_key, False, peer_seq
        if mutual:
            if not uses_rfc4757(base_key):  # rc4 contexts keep the initiator's key, as MIT and Windows do
                try:
                    key = enctypes.random_key(base_key.enctype)
                except enctypes.UnsupportedEnctype:
                    raise SspiError(S.SEC_E_INVALID_TOKEN, "unsupported subkey type") from None
                acceptor_subkey = True
            my_seq = int.from_bytes(entropy.random_bytes(4, "kerberos sequence number"), "big") & 0x3FFFFFFF
            part = m.EncApRepPart(auth.ctime, auth.cusec, key if acceptor_subkey else None, my_seq)
            enc = m.EncryptedData(ticket_part.key.enctype,
                                  enctypes.encrypt(ticket_part.key, USAGE_AP_REP, part.encode()))
            token = frame(TOK_AP_REP, m.ApRep(enc).encode())
        self.ret_flags = _asc_flags(gss_flags, mutual) | (C.ASC_RET_DELEGATE if self.delegated else 0)
        if ap_req.options & AP_OPT_USE_SESSION_KEY:
            self.ret_flags |= C.ASC_RET_USE_SESSION_KEY
        check = bool(gss_flags & (G.GSS_C_SEQUENCE_FLAG | G.GSS_C_REPLAY_FLAG))
        self.session = new_session(key, False, acceptor_subkey, my_seq, peer_seq, check)
        self.session_key = key
        self.client_name = client
        self.server_name = format_principal(ap_req.ticket.sname, ap_req.ticket.realm)
        self.expiry = entropy.unix_to_filetime(ticket_part.endtime)
        self.done = True
        self._established()
        return StepOutput(S.SEC_E_OK, token, self.ret_flags, expiry=self.expiry)

    def query(self, attribute: int) -> object:
        if attribute == C.SECPKG_ATTR_ACCESS_TOKEN and self.session is not None:
            return SecPkgContext_AccessToken(KerberosAccessToken(self.client_name, self.delegated))
        return super().query(attribute)

    def _own_tgt(self) -> TicketGrant:
        if self.cred.client is None:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "user-to-user needs a server credential with a TGT (use BOTH)")
        return self.cred.tgt()

    def _send_tgt(self, inner: bytes) -> StepOutput:
        """User-to-user, first leg: answer a KERB-TGT-REQUEST with our TGT."""
        try:
            decode_tgt_request(inner)
        except m.Asn1Error:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed KERB-TGT-REQUEST") from None
        tgt = self._own_tgt()
        self.u2u_tgt = tgt
        token = frame(TOK_TGT_REP, TgtReply(tgt.ticket).encode())
        return StepOutput(S.SEC_I_CONTINUE_NEEDED, token, C.ASC_RET_CONNECTION)

    def _open_u2u_ticket(self, ticket: m.Ticket) -> m.EncTicketPart:
        tgt = self.u2u_tgt or self._own_tgt()
        try:
            return m.decode_enc_ticket_part(enctypes.decrypt(tgt.key, USAGE_TICKET, ticket.enc_part.cipher))
        except (enctypes.IntegrityError, enctypes.UnsupportedEnctype):
            raise self._error(S.SEC_E_LOGON_DENIED, krb_errors.KRB_AP_ERR_MODIFIED,
                              "the user-to-user ticket does not decrypt with our TGT session key") from None
        except m.Asn1Error:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed ticket") from None

    def _open_ticket(self, ticket: m.Ticket) -> m.EncTicketPart:
        enc = ticket.enc_part
        keys = self.cred.keys_for(ticket.sname, ticket.realm, enc.etype, enc.kvno)
        if not keys:
            raise self._error(S.SEC_E_LOGON_DENIED, krb_errors.KRB_AP_ERR_NOKEY,
                              f"no key for {ticket.sname}@{ticket.realm} (etype {enc.etype})")
        for key in keys:
            try:
                plain = enctypes.decrypt(key, USAGE_TICKET, enc.cipher)
            except (enctypes.IntegrityError, enctypes.UnsupportedEnctype):
                continue
            try:
                return m.decode_enc_ticket_part(plain)
            except m.Asn1Error:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed ticket") from None
        raise self._error(S.SEC_E_LOGON_DENIED, krb_errors.KRB_AP_ERR_MODIFIED,
                          "the ticket does not decrypt with the service key")

    def _error(self, status: SecurityStatus, code: int, message: str) -> SspiError:
        """The failure, with the framed KRB-ERROR the client should still receive (as Windows sends it)."""
        now = entropy.now()
        ticket = self._ticket
        err = m.KrbError(code, ticket.realm if ticket else "", ticket.sname if ticket else m.PrincipalName(0, ()),
                         int(now), min(999999, int((now - int(now)) * 1_000_000)))
        return SspiError(status, message, token=frame(TOK_ERROR, err.encode()))

    @staticmethod
    def _open_authenticator(ap_req: m.ApReq, key: Key) -> m.Authenticator:
        try:
            plain = enctypes.decrypt(key, USAGE_AUTHENTICATOR, ap_req.authenticator.cipher)
            return m.decode_authenticator(plain)
        except (enctypes.IntegrityError, enctypes.UnsupportedEnctype):
            raise SspiError(S.SEC_E_LOGON_DENIED, "the authenticator does not decrypt") from None
        except m.Asn1Error:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed authenticator") from None

    def _check_checksum(self, auth: m.Authenticator, inp: StepInput) -> tuple[int, bytes | None]:
        if auth.cksum is None or auth.cksum[0] != G.GSS_CHECKSUM_TYPE:
            return 0, None
        try:
            ck = G.parse_gss_checksum(auth.cksum[1])
        except ValueError:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "malformed GSS checksum") from None
        ours = inp.find(C.SECBUFFER_CHANNEL_BINDINGS)
        if ours is not None and ck.bindings != G.ZERO_BINDINGS:
            try:
                expected = G.bindings_hash(ours)
            except G.BindingsError as exc:
                raise SspiError(S.SEC_E_BAD_BINDINGS, str(exc)) from None
            if expected != ck.bindings:
                raise SspiError(S.SEC_E_BAD_BINDINGS, "channel bindings do not match")
        return ck.flags, ck.delegation if ck.flags & G.GSS_C_DELEG_FLAG else None
