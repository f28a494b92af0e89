"""An in-memory KDC for demos and tests: AS with PA-ENC-TIMESTAMP pre-authentication, and TGS.

It is a transport (``(realm, request) -> reply``) to hand to :class:`KerberosSettings`;
no sockets are involved. It knows users and services by password and issues tickets
valid for an hour. It is not a production KDC: no policy, no cross-realm, no renewal.
"""

from __future__ import annotations

from sspi_emu import entropy

from . import enctypes as E
from . import messages as m
from .der import ctx, integer, octet_string, sequence, sequence_of
from .keys import Key

__all__ = ["MemoryKdc"]

_PA_TGS_REQ = 1
_PA_ENC_TIMESTAMP = 2
_PA_ETYPE_INFO2 = 19
_TICKET_FLAGS = 0x40E00000  # forwardable, renewable, initial, pre-authent
_ENC_TKT_IN_SKEY = 0x00000008


class MemoryKdc:
    """A KDC for one realm; ``requests`` counts the requests it answered."""

    def __init__(self, realm: str, users: dict[str, str], services: dict[str, str], enctype: int = 18) -> None:
        self.realm = realm
        self.enctype = enctype
        self.requests = 0
        self.krbtgt = E.random_key(enctype)
        self.users = {u: E.string_to_key(enctype, p, realm + u.replace("/", "")) for u, p in users.items()}
        self.services = {s: E.string_to_key(enctype, p, realm + s.replace("/", "")) for s, p in services.items()}

    def service_key(self, spn: str) -> Key:
        """The long-term key of a service (to build a keytab for an acceptor)."""
        return self.services[spn]

    def __call__(self, realm: str, request: bytes) -> bytes:
        self.requests += 1
        try:
            req = m.decode_kdc_req(request)
        except m.Asn1Error:
            return self._error(1)  # KDC_ERR_NAME_EXP stands in for "bad request" here
        if req.realm.upper() != self.realm:
            return self._error(68)
        return self._as(req) if req.msg_type == m.AS_REQ else self._tgs(req)

    def _error(self, code: int, e_data: bytes | None = None) -> bytes:
        tgs = m.PrincipalName(2, ("krbtgt", self.realm))
        return m.KrbError(code, self.realm, tgs, int(entropy.now()), 0, None, e_data).encode()

    def _ticket(self, client: m.PrincipalName, sname: m.PrincipalName, key: Key, session: Key) -> m.Ticket:
        now = int(entropy.now())
        part = m.EncTicketPart(_TICKET_FLAGS, session, self.realm, client, now, now + 3600)
        return m.Ticket(self.realm, sname, m.EncryptedData(key.enctype, E.encrypt(key, 2, part.encode()), 1))

    def _as(self, req: m.KdcReq) -> bytes:
        if req.cname is None:
            return self._error(6)
        user = "/".join(req.cname.components)
        ukey = self.users.get(user)
        if ukey is None:
            return self._error(6)
        stamps = [v for t, v in req.padata if t == _PA_ENC_TIMESTAMP]
        if not stamps:
            info = sequence_of([m.EtypeInfo2Entry(self.enctype, (self.realm + user).encode()).encode()])
            method = sequence_of([sequence(ctx(1, integer(_PA_ETYPE_INFO2)), ctx(2, octet_string(info)))])
            return self._error(25, method)
        try:
            enc = _decode_enc_data(stamps[0])
            m.decode_pa_enc_ts_enc(E.decrypt(ukey, 1, enc.cipher))
        except (E.IntegrityError, m.Asn1Error):
            return self._error(24)
        session = E.random_key(self.enctype)
        tgs = m.PrincipalName(2, ("krbtgt", self.realm))
        ticket = self._ticket(req.cname, tgs, self.krbtgt, session)
        now = int(entropy.now())
        part = m.EncKdcRepPart(session, req.nonce, _TICKET_FLAGS, now, now + 3600, self.realm, tgs)
        enc_part = m.EncryptedData(self.enctype, E.encrypt(ukey, 3, part.encode(25)))
        return m.KdcRep(m.AS_REP, self.realm, req.cname, ticket, enc_part).encode()

    def _tgs(self, req: m.KdcReq) -> bytes:
        if req.sname is None:
            return self._error(7)
        try:
            ap = m.decode_ap_req(next(v for t, v in req.padata if t == _PA_TGS_REQ))
            tpart = m.decode_enc_ticket_part(E.decrypt(self.krbtgt, 2, ap.ticket.enc_part.cipher))
            auth = m.decode_authenticator(E.decrypt(tpart.key, 7, ap.authenticator.cipher))
        except (StopIteration, m.Asn1Error, E.IntegrityError):
            return self._error(31)
        if auth.cksum is None or not E.verify_checksum(tpart.key, 6, req.body_der, *auth.cksum):
            return self._error(31)
        if req.options & _ENC_TKT_IN_SKEY and req.additional_tickets:
            try:  # user-to-user: the ticket is encrypted in the session key of the server's TGT
                second = m.decode_enc_ticket_part(E.decrypt(self.krbtgt, 2, req.additional_tickets[0].enc_part.cipher))
            except (m.Asn1Error, E.IntegrityError):
                return self._error(31)
            if second.cname.components != req.sname.components:
                return self._error(26)  # KDC_ERR_BADOPTION: the second ticket is someone else's
            skey: Key | None = second.key
        elif req.sname.components == ("krbtgt", self.realm):
            skey = self.krbtgt  # a forwarded TGT (delegation)
        else:
            skey = self.services.get("/".join(req.sname.components))
        if skey is None:
            return self._error(7)
        session = E.random_key(self.enctype)
        ticket = self._ticket(tpart.cname, req.sname, skey, session)
        now = int(entropy.now())
        part = m.EncKdcRepPart(session, req.nonce, 0x40A40000, now, now + 3600, self.realm, req.sname)
        enc = m.EncryptedData(self.enctype, E.encrypt(tpart.key, 8, part.encode(26)))
        return m.KdcRep(m.TGS_REP, self.realm, tpart.cname, ticket, enc).encode()


def _decode_enc_data(value: bytes) -> m.EncryptedData:
    from . import der_reader as R

    try:
        f = R.fields(value, (0, len(value)), last_field=2)
        return m.EncryptedData(R.integer(value, f[0]), R.octets(value, f[2]))
    except (R.DerError, KeyError):
        raise m.Asn1Error("malformed PA-ENC-TIMESTAMP") from None
