"""The client side of the KDC exchanges: AS (with PA-ENC-TIMESTAMP pre-authentication) and TGS."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from sspi_emu import entropy
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.errors import SspiError

from . import enctypes, krb_errors
from . import messages as m
from .keys import Key
from .transport import KdcTransport, KdcUnreachable

__all__ = ["KdcClient", "TicketGrant", "kdc_realm"]

PA_TGS_REQ = 1
PA_ENC_TIMESTAMP = 2
PA_ETYPE_INFO2 = 19
KDC_OPT_FORWARDABLE = 0x40000000
KDC_OPT_FORWARDED = 0x20000000
KDC_OPT_ENC_TKT_IN_SKEY = 0x00000008
TKT_FLG_FORWARDABLE = 0x40000000
KDC_OPT_RENEWABLE_OK = 0x00000010
KDC_OPT_CANONICALIZE = 0x00010000
USAGE_PA_ENC_TS = 1
USAGE_AS_REP = 3
USAGE_TGS_REQ_CKSUM = 6
USAGE_TGS_REQ_AUTH = 7
USAGE_TGS_REP = 8
TICKET_LIFETIME = 10 * 3600


@dataclass
class TicketGrant:
    """A ticket together with its session key and what the KDC said about it."""

    client: m.PrincipalName
    crealm: str
    server: m.PrincipalName
    srealm: str
    ticket: m.Ticket
    key: Key = field(repr=False)
    endtime: int
    flags: int = 0
    authtime: int = 0

    def valid_at(self, now: float, margin: int = 60) -> bool:
        """True when the ticket is still good for *margin* seconds."""
        return now + margin < self.endtime


def kdc_realm(grant: TicketGrant) -> str:
    """The realm whose KDC takes *grant* in a TGS exchange: X for a ticket-granting ticket krbtgt/X, else its realm."""
    comps = grant.server.components
    if len(comps) == 2 and comps[0] == "krbtgt":
        return comps[1]
    return grant.srealm


def _nonce() -> int:
    return int.from_bytes(entropy.random_bytes(4, "kerberos nonce"), "big") & 0x7FFFFFFF


def _now() -> tuple[int, int]:
    t = entropy.now()
    sec = int(t)
    return sec, min(999999, int((t - sec) * 1_000_000))


class KdcClient:
    """Runs AS and TGS exchanges over an injectable transport."""

    def __init__(self, transport: KdcTransport, etypes: tuple[int, ...] = enctypes.DEFAULT_ENCTYPES) -> None:
        self.transport = transport
        self.etypes = etypes

    def _send(self, realm: str, request: bytes) -> m.KdcRep | m.KrbError:
        transport = self.transport
        try:
            # Through sspi_emu.entropy, so a recording keeps the round trip and a replay answers it.
            reply = entropy.exchange("kdc", realm, request, lambda req: transport(realm, req))
        except KdcUnreachable as exc:
            raise SspiError(S.SEC_E_NO_AUTHENTICATING_AUTHORITY, f"KDC for {realm} unreachable: {exc}") from None
        except OSError as exc:
            raise SspiError(S.SEC_E_NO_AUTHENTICATING_AUTHORITY, f"KDC for {realm}: {type(exc).__name__}") from None
        try:
            if m.message_type(reply) == m.KRB_ERROR:
                return m.decode_krb_error(reply)
            return m.decode_kdc_rep(reply)
        except m.Asn1Error as exc:
            raise SspiError(S.SEC_E_NO_AUTHENTICATING_AUTHORITY, f"unreadable KDC reply: {exc}") from None

    @staticmethod
    def _fail(err: m.KrbError, what: str) -> SspiError:
        text = f" ({err.e_text})" if err.e_text else ""
        return SspiError(krb_errors.status_for(err.error_code), f"{what}: KRB-ERROR {err.error_code}{text}")

    # -- AS -----------------------------------------------------------------------------

    def as_exchange(self, client: m.PrincipalName, realm: str, password: str | None = None,
                    keys: list[Key] | None = None) -> TicketGrant:
        """Get a TGT for *client* with a password or long-term keys (SspiError on failure)."""
        offered = tuple(e for e in self.etypes if password is not None or any(k.enctype == e for k in keys or ()))
        if not offered:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no usable client key")
        default_salt = (realm + "".join(client.components)).encode("utf-8")
        tgs = m.PrincipalName(2, ("krbtgt", realm))

        def key_for(info: list[m.EtypeInfo2Entry]) -> Key | None:
            for entry in info:
                if entry.etype not in offered:
                    continue
                if password is not None:
                    salt = default_salt if entry.salt is None else entry.salt
                    try:
                        return enctypes.string_to_key(entry.etype, password, salt, entry.s2kparams)
                    except ValueError:
                        continue
                for k in keys or ():
                    if k.enctype == entry.etype:
                        return k
            return None

        padata: list[tuple[int, bytes]] = []
        key: Key | None = None
        for _attempt in range(3):
            now, _ = _now()
            req = m.KdcReq(m.AS_REQ, KDC_OPT_FORWARDABLE | KDC_OPT_RENEWABLE_OK, realm, now + TICKET_LIFETIME,
                           _nonce(), offered, client, tgs, padata)
            reply = self._send(realm, req.encode())
            if isinstance(reply, m.KrbError):
                if reply.error_code != krb_errors.KDC_ERR_PREAUTH_REQUIRED or padata:
                    raise self._fail(reply, "AS exchange")
                info = self._etype_info(reply.e_data)
                key = key_for(info) if info else key_for([m.EtypeInfo2Entry(e) for e in offered])
                if key is None:
                    raise SspiError(S.SEC_E_KDC_UNKNOWN_ETYPE, "no common encryption type with the KDC")
                sec, usec = _now()
                ts = m.PaEncTsEnc(sec, usec).encode()
                enc = m.EncryptedData(key.enctype, enctypes.encrypt(key, USAGE_PA_ENC_TS, ts))
                padata = [(PA_ENC_TIMESTAMP, enc.encode())]
                continue
            if reply.msg_type != m.AS_REP:
                raise SspiError(S.SEC_E_NO_AUTHENTICATING_AUTHORITY, "KDC answered AS-REQ with a TGS-REP")
            if key is None or key.enctype != reply.enc_part.etype:
                info = []
                for t, v in reply.padata:
                    if t == PA_ETYPE_INFO2:
                        info = self._etype_info(v)
                info = [i for i in info if i.etype == reply.enc_part.etype] or [m.EtypeInfo2Entry(reply.enc_part.etype)]
                key = key_for(info)
                if key is None:
                    raise SspiError(S.SEC_E_KDC_UNKNOWN_ETYPE, "the AS-REP uses an encryption type we have no key for")
            part = self._open(key, USAGE_AS_REP, reply.enc_part, S.SEC_E_LOGON_DENIED)
            if not hmac.compare_digest(part.nonce.to_bytes(4, "big"), req.nonce.to_bytes(4, "big")):
                raise SspiError(S.SEC_E_LOGON_DENIED, "AS-REP nonce mismatch")
            return TicketGrant(reply.cname, reply.crealm, part.sname, part.srealm, reply.ticket, part.key,
                               part.endtime, part.flags, part.authtime)
        raise SspiError(S.SEC_E_LOGON_DENIED, "pre-authentication did not converge")

    @staticmethod
    def _etype_info(e_data: bytes | None) -> list[m.EtypeInfo2Entry]:
        if not e_data:
            return []
        try:
            blobs = m.decode_method_data(e_data)
        except m.Asn1Error:
            blobs = [(PA_ETYPE_INFO2, e_data)]
        for t, v in blobs:
            if t == PA_ETYPE_INFO2:
                try:
                    return m.decode_etype_info2(v)
                except m.Asn1Error:
                    return []
        return []

    @staticmethod
    def _open(key: Key, usage: int, enc: m.EncryptedData, status: S) -> m.EncKdcRepPart:
        try:
            plain = enctypes.decrypt(key, usage, enc.cipher)
            return m.decode_enc_kdc_rep_part(plain)
        except (enctypes.IntegrityError, enctypes.UnsupportedEnctype):
            raise SspiError(status, "the KDC reply does not decrypt with the client key") from None
        except m.Asn1Error:
            raise SspiError(S.SEC_E_NO_AUTHENTICATING_AUTHORITY, "malformed encrypted KDC reply") from None

    # -- TGS ----------------------------------------------------------------------------

    def tgs_exchange(self, tgt: TicketGrant, service: m.PrincipalName, realm: str, extra_options: int = 0,
                     additional_ticket: m.Ticket | None = None) -> TicketGrant:
        """Get a service ticket for *service* in *realm* with *tgt*.

        ``KDC_OPT_FORWARDED`` asks for a forwarded TGT (delegation); an *additional_ticket*
        (the server's TGT) asks for a user-to-user ticket encrypted in that TGT's session key.
        """
        now, usec = _now()
        options = KDC_OPT_FORWARDABLE | KDC_OPT_RENEWABLE_OK | KDC_OPT_CANONICALIZE | extra_options
        if additional_ticket is not None:
            options |= KDC_OPT_ENC_TKT_IN_SKEY
        req = m.KdcReq(m.TGS_REQ, options, realm, now + TICKET_LIFETIME, _nonce(), self.etypes, None, service,
                       additional_tickets=[additional_ticket] if additional_ticket is not None else [])
        body = req.encode_body()
        cksum = enctypes.checksum(tgt.key, USAGE_TGS_REQ_CKSUM, body)
        auth = m.Authenticator(tgt.crealm, tgt.client, usec, now, cksum)
        enc = m.EncryptedData(tgt.key.enctype, enctypes.encrypt(tgt.key, USAGE_TGS_REQ_AUTH, auth.encode()))
        ap_req = m.ApReq(0, tgt.ticket, enc)
        req.padata = [(PA_TGS_REQ, ap_req.encode())]
        reply = self._send(kdc_realm(tgt) or realm, req.encode(body))
        if isinstance(reply, m.KrbError):
            raise self._fail(reply, f"TGS exchange for {service}")
        if reply.msg_type != m.TGS_REP:
            raise SspiError(S.SEC_E_NO_AUTHENTICATING_AUTHORITY, "KDC answered TGS-REQ with an AS-REP")
        part = self._open(tgt.key, USAGE_TGS_REP, reply.enc_part, S.SEC_E_NO_AUTHENTICATING_AUTHORITY)
        if part.nonce != req.nonce:
            raise SspiError(S.SEC_E_NO_AUTHENTICATING_AUTHORITY, "TGS-REP nonce mismatch")
        return TicketGrant(reply.cname, reply.crealm, part.sname, part.srealm, reply.ticket, part.key,
                           part.endtime, part.flags, part.authtime)


    def forwarded_tgt(self, tgt: TicketGrant) -> TicketGrant | None:
        """A forwarded copy of *tgt* for delegation, or None when the TGT is not forwardable."""
        if not tgt.flags & TKT_FLG_FORWARDABLE:
            return None
        krbtgt = m.PrincipalName(2, ("krbtgt", tgt.crealm))
        return self.tgs_exchange(tgt, krbtgt, tgt.crealm, KDC_OPT_FORWARDED)
