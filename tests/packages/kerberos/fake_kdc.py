"""A tiny in-process KDC for unit tests: AS with PA-ENC-TIMESTAMP pre-authentication, and TGS."""

from __future__ import annotations

from pyasn1.codec.der import decoder
from sspi_emu_kerberos import asn1_base
from sspi_emu_kerberos import enctypes as E
from sspi_emu_kerberos import messages as m
from sspi_emu_kerberos.keys import Key

from sspi_emu import entropy

REALM = "EXAMPLE.TEST"


class FakeKdc:
    """Knows users and services by password; counts the requests it answers."""

    def __init__(self, users: dict[str, str], services: dict[str, str], enctype: int = 18) -> None:
        self.enctype = enctype
        self.requests = 0
        self.krbtgt = E.random_key(enctype)
        self.users = {u: E.string_to_key(enctype, p, REALM + u) for u, p in users.items()}
        self.services = {s: E.string_to_key(enctype, p, REALM + s.replace("/", "")) for s, p in services.items()}

    def __call__(self, realm: str, request: bytes) -> bytes:
        self.requests += 1
        req = m.decode_kdc_req(request)
        return self._as(req) if req.msg_type == m.AS_REQ else self._tgs(req)

    def _error(self, code: int, e_data: bytes | None = None) -> bytes:
        return m.KrbError(code, REALM, m.PrincipalName(2, ("krbtgt", REALM)), int(entropy.now()), 0, None, e_data).encode()

    def _ticket(self, client: m.PrincipalName, sname: m.PrincipalName, key: Key, session: Key) -> m.Ticket:
        now = int(entropy.now())
        part = m.EncTicketPart(0x40E00000, session, REALM, client, now, now + 3600)
        return m.Ticket(REALM, sname, m.EncryptedData(key.enctype, E.encrypt(key, 2, part.encode()), 1))

    def _as(self, req: m.KdcReq) -> bytes:
        assert req.cname is not None and req.sname is not None
        user = "/".join(req.cname.components)
        ukey = self.users.get(user)
        if ukey is None:
            return self._error(6)
        ts = [v for t, v in req.padata if t == 2]
        if not ts:
            info = m.der.sequence_of([m.EtypeInfo2Entry(self.enctype, (REALM + user).encode()).encode()])
            method = m.der.sequence_of([m.der.sequence(m.der.ctx(1, m.der.integer(19)), m.der.ctx(2, m.der.octet_string(info)))])
            return self._error(25, method)
        obj, _ = decoder.decode(ts[0], asn1Spec=asn1_base.EncryptedData())
        try:
            m.decode_pa_enc_ts_enc(E.decrypt(ukey, 1, bytes(obj["cipher"])))
        except E.IntegrityError:
            return self._error(24)
        session = E.random_key(self.enctype)
        tgs = m.PrincipalName(2, ("krbtgt", REALM))
        ticket = self._ticket(req.cname, tgs, self.krbtgt, session)
        now = int(entropy.now())
        part = m.EncKdcRepPart(session, req.nonce, 0x40E00000, now, now + 3600, REALM, tgs)
        enc = m.EncryptedData(self.enctype, E.encrypt(ukey, 3, part.encode(25)))
        return m.KdcRep(m.AS_REP, REALM, req.cname, ticket, enc).encode()

    def _tgs(self, req: m.KdcReq) -> bytes:
        assert req.sname is not None
        ap = m.decode_ap_req(next(v for t, v in req.padata if t == 1))
        tpart = m.decode_enc_ticket_part(E.decrypt(self.krbtgt, 2, ap.ticket.enc_part.cipher))
        auth = m.decode_authenticator(E.decrypt(tpart.key, 7, ap.authenticator.cipher))
        assert auth.cksum is not None and E.verify_checksum(tpart.key, 6, req.body_der, *auth.cksum)
        service = "/".join(req.sname.components)
        skey = self.services.get(service)
        if skey is None:
            return self._error(7)
        session = E.random_key(self.enctype)
        ticket = self._ticket(tpart.cname, req.sname, skey, session)
        now = int(entropy.now())
        part = m.EncKdcRepPart(session, req.nonce, 0x40A00000, now, now + 3600, REALM, req.sname)
        enc = m.EncryptedData(self.enctype, E.encrypt(tpart.key, 8, part.encode(26)))
        return m.KdcRep(m.TGS_REP, REALM, tpart.cname, ticket, enc).encode()
