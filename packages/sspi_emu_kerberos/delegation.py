"""Delegation: a forwarded TGT carried in a KRB-CRED inside the authenticator checksum (RFC 4121 4.1.1)."""

from __future__ import annotations

from sspi_emu import entropy

from . import enctypes
from . import messages as m
from .kdc_client import TicketGrant
from .keys import Key

__all__ = ["DelegationError", "make_krb_cred", "open_krb_cred"]

USAGE_KRB_CRED = 14


class DelegationError(Exception):
    """The KRB-CRED is malformed or does not decrypt."""


def make_krb_cred(grant: TicketGrant, session_key: Key) -> bytes:
    """A KRB-CRED carrying *grant*, encrypted in the service ticket's session key."""
    now = entropy.now()
    info = m.KrbCredInfo(grant.key, grant.crealm, grant.client, grant.flags, grant.authtime or None, None,
                         grant.endtime, None, grant.srealm, grant.server)
    plain = m.encode_enc_krb_cred_part([info], int(now), min(999999, int((now - int(now)) * 1_000_000)))
    enc = m.EncryptedData(session_key.enctype, enctypes.encrypt(session_key, USAGE_KRB_CRED, plain))
    return m.KrbCred([grant.ticket], enc).encode()


def open_krb_cred(data: bytes, session_key: Key) -> TicketGrant:
    """The first ticket of a KRB-CRED as a usable grant (DelegationError when it cannot be read)."""
    try:
        cred = m.decode_krb_cred(data)
        enc = cred.enc_part
        plain = enc.cipher if enc.etype == 0 else enctypes.decrypt(session_key, USAGE_KRB_CRED, enc.cipher)
        infos = m.decode_enc_krb_cred_part(plain)
    except (m.Asn1Error, enctypes.IntegrityError, enctypes.UnsupportedEnctype) as exc:
        raise DelegationError(f"unreadable KRB-CRED: {type(exc).__name__}") from None
    if not cred.tickets or not infos:
        raise DelegationError("KRB-CRED without a ticket")
    info, ticket = infos[0], cred.tickets[0]
    if info.pname is None or info.prealm is None or info.endtime is None:
        raise DelegationError("KRB-CRED without client name, realm or end time")
    return TicketGrant(info.pname, info.prealm, info.sname or ticket.sname, info.srealm or ticket.realm, ticket,
                       info.key, info.endtime, info.flags, info.authtime or 0)
