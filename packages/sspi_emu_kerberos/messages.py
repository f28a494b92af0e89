"""RFC 4120 messages as plain data classes: DER encoding (:mod:`.der`) and strict DER decoding (:mod:`.der_reader`).

The pyasn1 schemas of :mod:`.asn1_messages` are the reference: :mod:`.asn1_reference`
decodes through them and the tests check both decoders agree. Every ``decode_*``
function raises :class:`Asn1Error` for anything that is not a well-formed message of
that kind; no other exception escapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

from . import der
from . import der_reader as R
from .keys import Key

__all__ = [
    "ApRep",
    "ApReq",
    "Asn1Error",
    "Authenticator",
    "EncApRepPart",
    "EncKdcRepPart",
    "EncTicketPart",
    "EncryptedData",
    "EtypeInfo2Entry",
    "KdcRep",
    "KdcReq",
    "KrbError",
    "PaEncTsEnc",
    "PrincipalName",
    "Ticket",
    "decode_ap_rep",
    "decode_ap_req",
    "decode_authenticator",
    "decode_enc_ap_rep_part",
    "decode_enc_kdc_rep_part",
    "decode_enc_ticket_part",
    "decode_etype_info2",
    "decode_kdc_rep",
    "decode_kdc_req",
    "decode_krb_error",
    "decode_method_data",
    "decode_pa_enc_ts_enc",
    "decode_ticket",
    "decode_krb_cred",
    "decode_enc_krb_cred_part",
    "KrbCred",
    "KrbCredInfo",
    "message_type",
]

PVNO = 5
AS_REQ, AS_REP, TGS_REQ, TGS_REP, AP_REQ, AP_REP, KRB_ERROR = 10, 11, 12, 13, 14, 15, 30
KRB_CRED = 22

T = TypeVar("T")


class Asn1Error(Exception):
    """The bytes are not a well-formed message of the expected kind."""


# -- helpers ------------------------------------------------------------------------


def _decode(data: bytes, convert: Callable[[bytes], T]) -> T:
    try:
        return convert(bytes(data))
    except Asn1Error:
        raise
    except (R.DerError, KeyError, ValueError, OverflowError) as exc:
        raise Asn1Error(f"malformed message: {exc or type(exc).__name__}") from None


def _whole(data: bytes) -> R.Span:
    _, _, e = R.tlv_at(data, 0, len(data))
    if e != len(data):
        raise Asn1Error("trailing bytes after the message")
    return 0, len(data)


def _u32(v: int) -> int:
    if not -0x80000000 <= v <= 0xFFFFFFFF:
        raise Asn1Error("value out of range")
    return v & 0xFFFFFFFF


def message_type(data: bytes) -> int:
    """The RFC 4120 message type from the APPLICATION tag of *data*, or -1."""
    if len(data) < 2 or data[0] & 0xE0 != 0x60:
        return -1
    return data[0] & 0x1F


# -- building blocks ----------------------------------------------------------------


@dataclass(frozen=True)
class PrincipalName:
    """A principal name: name type and components (``HTTP``, ``host.example``)."""

    name_type: int
    components: tuple[str, ...]

    def encode(self) -> bytes:
        return der.sequence(
            der.ctx(0, der.integer(self.name_type)),
            der.ctx(1, der.sequence_of(der.general_string(c) for c in self.components)),
        )

    def __str__(self) -> str:
        return "/".join(c.replace("/", "\\/").replace("@", "\\@") for c in self.components)

    def same_as(self, other: PrincipalName) -> bool:
        """Equal components (the name type is advisory)."""
        return self.components == other.components


def _req(f: dict[int, R.Span], n: int) -> R.Span:
    span = f.get(n)
    if span is None:
        raise Asn1Error(f"mandatory field [{n}] missing")
    return span


def _principal(d: bytes, span: R.Span) -> PrincipalName:
    f = R.fields(d, span, last_field=1)
    comps = tuple(R.general_string(d, el) for el in R.sequence_of(d, _req(f, 1)))
    return PrincipalName(R.integer(d, _req(f, 0)), comps)


@dataclass(frozen=True)
class EncryptedData:
    """``EncryptedData``: enctype, optional key version, ciphertext."""

    etype: int
    cipher: bytes = field(repr=False)
    kvno: int | None = None

    def encode(self) -> bytes:
        return der.sequence(
            der.ctx(0, der.integer(self.etype)),
            der.ctx(1, None if self.kvno is None else der.integer(self.kvno)),
            der.ctx(2, der.octet_string(self.cipher)),
        )


def decode_principal_span(d: bytes, span: R.Span) -> PrincipalName:
    """A PrincipalName filling *span* of *d* (DerError / Asn1Error when malformed)."""
    return _principal(d, span)


def _enc_data(d: bytes, span: R.Span) -> EncryptedData:
    f = R.fields(d, span, last_field=2)
    kvno = _u32(R.integer(d, f[1])) if 1 in f else None
    return EncryptedData(R.integer(d, _req(f, 0)), R.octets(d, _req(f, 2)), kvno)


def _encode_key(key: Key) -> bytes:
    return der.sequence(der.ctx(0, der.integer(key.enctype)), der.ctx(1, der.octet_string(key.contents)))


def _key(d: bytes, span: R.Span) -> Key:
    f = R.fields(d, span, last_field=1)
    return Key(R.integer(d, _req(f, 0)), R.octets(d, _req(f, 1)))


def _encode_checksum(ck: tuple[int, bytes]) -> bytes:
    return der.sequence(der.ctx(0, der.integer(ck[0])), der.ctx(1, der.octet_string(ck[1])))


def _encode_padata(padata: list[tuple[int, bytes]]) -> bytes:
    return der.sequence_of(
        der.sequence(der.ctx(1, der.integer(t)), der.ctx(2, der.octet_string(v))) for t, v in padata
    )


def _padata(d: bytes, span: R.Span) -> list[tuple[int, bytes]]:
    out = []
    for el in R.sequence_of(d, span):
        f = R.fields(d, el, last_field=2)
        if 0 in f:
            raise Asn1Error("PA-DATA has no field [0]")
        out.append((R.integer(d, _req(f, 1)), R.octets(d, _req(f, 2))))
    return out


def decode_method_data(data: bytes) -> list[tuple[int, bytes]]:
    """METHOD-DATA (the e-data of KDC_ERR_PREAUTH_REQUIRED) as (type, value) pairs."""
    return _decode(data, lambda d: _padata(d, _whole(d)))


# -- tickets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    """A ticket as received: realm, service name, encrypted part, and its exact DER."""

    realm: str
    sname: PrincipalName
    enc_part: EncryptedData
    der: bytes = field(repr=False, default=b"")

    def encode(self) -> bytes:
        if self.der:
            return self.der
        return der.app(
            1,
            der.sequence(
                der.ctx(0, der.integer(PVNO)),
                der.ctx(1, der.general_string(self.realm)),
                der.ctx(2, self.sname.encode()),
                der.ctx(3, self.enc_part.encode()),
            ),
        )


def _ticket(d: bytes, span: R.Span) -> Ticket:
    f = R.fields(d, span, app=1, last_field=3)
    if R.integer(d, _req(f, 0)) != PVNO:
        raise Asn1Error("ticket version is not 5")
    return Ticket(R.general_string(d, _req(f, 1)), _principal(d, _req(f, 2)), _enc_data(d, _req(f, 3)),
                  bytes(d[span[0] : span[1]]))


def decode_ticket(data: bytes) -> Ticket:
    """A ``Ticket``."""
    return _decode(data, lambda d: _ticket(d, _whole(d)))




@dataclass
class EncTicketPart:
    """The part of a ticket only the service (and the KDC) can read."""

    flags: int
    key: Key
    crealm: str
    cname: PrincipalName
    authtime: int
    endtime: int
    starttime: int | None = None
    renew_till: int | None = None
    authorization_data: bytes | None = field(default=None, repr=False)

    def encode(self) -> bytes:
        return der.app(
            3,
            der.sequence(
                der.ctx(0, der.bit_string(self.flags)),
                der.ctx(1, _encode_key(self.key)),
                der.ctx(2, der.general_string(self.crealm)),
                der.ctx(3, self.cname.encode()),
                der.ctx(4, der.sequence(der.ctx(0, der.integer(1)), der.ctx(1, der.octet_string(b"")))),
                der.ctx(5, der.generalized_time(self.authtime)),
                der.ctx(6, None if self.starttime is None else der.generalized_time(self.starttime)),
                der.ctx(7, der.generalized_time(self.endtime)),
                der.ctx(8, None if self.renew_till is None else der.generalized_time(self.renew_till)),
                der.ctx(10, self.authorization_data),
            ),
        )


def decode_enc_ticket_part(data: bytes) -> EncTicketPart:
    """An ``EncTicketPart``."""

    def conv(d: bytes) -> EncTicketPart:
        f = R.fields(d, _whole(d), app=3, last_field=10)
        tr = R.fields(d, _req(f, 4), last_field=1)  # transited: checked, not used
        R.integer(d, _req(tr, 0))
        R.octets(d, _req(tr, 1))
        if 9 in f:
            R.typed_pairs(d, f[9], 0x04)
        if 10 in f:
            R.typed_pairs(d, f[10], 0x04)
        ad = bytes(d[f[10][0] : f[10][1]]) if 10 in f else None
        return EncTicketPart(
            R.bits32(d, _req(f, 0)), _key(d, _req(f, 1)), R.general_string(d, _req(f, 2)), _principal(d, _req(f, 3)),
            R.kerberos_time(d, _req(f, 5)), R.kerberos_time(d, _req(f, 7)),
            R.kerberos_time(d, f[6]) if 6 in f else None, R.kerberos_time(d, f[8]) if 8 in f else None, ad,
        )

    return _decode(data, conv)


# -- KDC exchanges ------------------------------------------------------------------


@dataclass
class KdcReq:
    """AS-REQ (msg_type 10) or TGS-REQ (12)."""

    msg_type: int
    options: int
    realm: str
    till: int
    nonce: int
    etypes: tuple[int, ...]
    cname: PrincipalName | None = None
    sname: PrincipalName | None = None
    padata: list[tuple[int, bytes]] = field(default_factory=list)
    additional_tickets: list[Ticket] = field(default_factory=list)
    body_der: bytes = field(default=b"", repr=False)

    def encode_body(self) -> bytes:
        extra = None
        if self.additional_tickets:
            extra = der.sequence_of(t.encode() for t in self.additional_tickets)
        return der.sequence(
            der.ctx(0, der.bit_string(self.options)),
            der.ctx(1, None if self.cname is None else self.cname.encode()),
            der.ctx(2, der.general_string(self.realm)),
            der.ctx(3, None if self.sname is None else self.sname.encode()),
            der.ctx(5, der.generalized_time(self.till)),
            der.ctx(7, der.integer(self.nonce)),
            der.ctx(8, der.sequence_of(der.integer(e) for e in self.etypes)),
            der.ctx(11, extra),
        )

    def encode(self, body: bytes | None = None) -> bytes:
        body = self.encode_body() if body is None else body
        return der.app(
            self.msg_type,
            der.sequence(
                der.ctx(1, der.integer(PVNO)),
                der.ctx(2, der.integer(self.msg_type)),
                der.ctx(3, _encode_padata(self.padata) if self.padata else None),
                der.ctx(4, body),
            ),
        )


def decode_kdc_req(data: bytes) -> KdcReq:
    """An AS-REQ or TGS-REQ (by its APPLICATION tag)."""
    kind = message_type(data)
    if kind not in (AS_REQ, TGS_REQ):
        raise Asn1Error("not a KDC request")

    def conv(d: bytes) -> KdcReq:
        f = R.fields(d, _whole(d), app=kind, last_field=4)
        if 0 in f or R.integer(d, _req(f, 1)) != PVNO or R.integer(d, _req(f, 2)) != kind:
            raise Asn1Error("bad pvno or msg-type")
        body_span = _req(f, 4)
        b = R.fields(d, body_span, last_field=11)
        for n in (4, 6):
            if n in b:
                R.kerberos_time(d, b[n])
        if 9 in b:
            R.typed_pairs(d, b[9], 0x04)
        if 10 in b:
            _enc_data(d, b[10])
        return KdcReq(
            kind, R.bits32(d, _req(b, 0)), R.general_string(d, _req(b, 2)), R.kerberos_time(d, _req(b, 5)),
            _u32(R.integer(d, _req(b, 7))), tuple(R.integer(d, e) for e in R.sequence_of(d, _req(b, 8))),
            _principal(d, b[1]) if 1 in b else None, _principal(d, b[3]) if 3 in b else None,
            _padata(d, f[3]) if 3 in f else [],
            [_ticket(d, t) for t in R.sequence_of(d, b[11])] if 11 in b else [],
            bytes(d[body_span[0] : body_span[1]]),
        )

    return _decode(data, conv)


@dataclass
class KdcRep:
    """AS-REP (11) or TGS-REP (13)."""

    msg_type: int
    crealm: str
    cname: PrincipalName
    ticket: Ticket
    enc_part: EncryptedData
    padata: list[tuple[int, bytes]] = field(default_factory=list)

    def encode(self) -> bytes:
        return der.app(
            self.msg_type,
            der.sequence(
                der.ctx(0, der.integer(PVNO)),
                der.ctx(1, der.integer(self.msg_type)),
                der.ctx(2, _encode_padata(self.padata) if self.padata else None),
                der.ctx(3, der.general_string(self.crealm)),
                der.ctx(4, self.cname.encode()),
                der.ctx(5, self.ticket.encode()),
                der.ctx(6, self.enc_part.encode()),
            ),
        )


def decode_kdc_rep(data: bytes) -> KdcRep:
    """An AS-REP or TGS-REP (by its APPLICATION tag)."""
    kind = message_type(data)
    if kind not in (AS_REP, TGS_REP):
        raise Asn1Error("not a KDC reply")

    def conv(d: bytes) -> KdcRep:
        f = R.fields(d, _whole(d), app=kind, last_field=6)
        if R.integer(d, _req(f, 0)) != PVNO or R.integer(d, _req(f, 1)) != kind:
            raise Asn1Error("bad pvno or msg-type")
        return KdcRep(
            kind, R.general_string(d, _req(f, 3)), _principal(d, _req(f, 4)), _ticket(d, _req(f, 5)),
            _enc_data(d, _req(f, 6)), _padata(d, f[2]) if 2 in f else [],
        )

    return _decode(data, conv)


@dataclass
class EncKdcRepPart:
    """EncASRepPart / EncTGSRepPart: the session key and the ticket's times and flags."""

    key: Key
    nonce: int
    flags: int
    authtime: int
    endtime: int
    srealm: str
    sname: PrincipalName
    starttime: int | None = None
    renew_till: int | None = None

    def encode(self, tag: int = 25) -> bytes:
        return der.app(
            tag,
            der.sequence(
                der.ctx(0, _encode_key(self.key)),
                der.ctx(1, der.sequence_of([])),
                der.ctx(2, der.integer(self.nonce)),
                der.ctx(4, der.bit_string(self.flags)),
                der.ctx(5, der.generalized_time(self.authtime)),
                der.ctx(6, None if self.starttime is None else der.generalized_time(self.starttime)),
                der.ctx(7, der.generalized_time(self.endtime)),
                der.ctx(8, None if self.renew_till is None else der.generalized_time(self.renew_till)),
                der.ctx(9, der.general_string(self.srealm)),
                der.ctx(10, self.sname.encode()),
            ),
        )


def decode_enc_kdc_rep_part(data: bytes) -> EncKdcRepPart:
    """EncASRepPart or EncTGSRepPart (KDCs use either tag for either reply)."""
    kind = message_type(data)
    if kind not in (25, 26):
        raise Asn1Error("not an EncKDCRepPart")

    def conv(d: bytes) -> EncKdcRepPart:
        f = R.fields(d, _whole(d), app=kind, last_field=12)
        R.typed_pairs(d, _req(f, 1), 0x18)  # last-req: checked, not used
        if 3 in f:
            R.kerberos_time(d, f[3])
        if 11 in f:
            R.typed_pairs(d, f[11], 0x04)
        if 12 in f:
            _padata(d, f[12])
        return EncKdcRepPart(
            _key(d, _req(f, 0)), _u32(R.integer(d, _req(f, 2))), R.bits32(d, _req(f, 4)),
            R.kerberos_time(d, _req(f, 5)), R.kerberos_time(d, _req(f, 7)), R.general_string(d, _req(f, 9)),
            _principal(d, _req(f, 10)), R.kerberos_time(d, f[6]) if 6 in f else None,
            R.kerberos_time(d, f[8]) if 8 in f else None,
        )

    return _decode(data, conv)


# -- AP exchange --------------------------------------------------------------------


@dataclass
class ApReq:
    """AP-REQ: options, ticket, encrypted authenticator."""

    options: int
    ticket: Ticket
    authenticator: EncryptedData

    def encode(self) -> bytes:
        return der.app(
            AP_REQ,
            der.sequence(
                der.ctx(0, der.integer(PVNO)),
                der.ctx(1, der.integer(AP_REQ)),
                der.ctx(2, der.bit_string(self.options)),
                der.ctx(3, self.ticket.encode()),
                der.ctx(4, self.authenticator.encode()),
            ),
        )


def decode_ap_req(data: bytes) -> ApReq:
    """An AP-REQ."""

    def conv(d: bytes) -> ApReq:
        f = R.fields(d, _whole(d), app=AP_REQ, last_field=4)
        if R.integer(d, _req(f, 0)) != PVNO or R.integer(d, _req(f, 1)) != AP_REQ:
            raise Asn1Error("bad pvno or msg-type")
        return ApReq(R.bits32(d, _req(f, 2)), _ticket(d, _req(f, 3)), _enc_data(d, _req(f, 4)))

    return _decode(data, conv)


@dataclass
class Authenticator:
    """The client's proof of key possession, with the GSS checksum, subkey and sequence number."""

    crealm: str
    cname: PrincipalName
    cusec: int
    ctime: int
    cksum: tuple[int, bytes] | None = field(default=None, repr=False)
    subkey: Key | None = None
    seq_number: int | None = None
    authorization_data: bytes | None = field(default=None, repr=False)

    def encode(self) -> bytes:
        return der.app(
            2,
            der.sequence(
                der.ctx(0, der.integer(PVNO)),
                der.ctx(1, der.general_string(self.crealm)),
                der.ctx(2, self.cname.encode()),
                der.ctx(3, None if self.cksum is None else _encode_checksum(self.cksum)),
                der.ctx(4, der.integer(self.cusec)),
                der.ctx(5, der.generalized_time(self.ctime)),
                der.ctx(6, None if self.subkey is None else _encode_key(self.subkey)),
                der.ctx(7, None if self.seq_number is None else der.integer(self.seq_number)),
                der.ctx(8, self.authorization_data),
            ),
        )


def decode_authenticator(data: bytes) -> Authenticator:
    """An ``Authenticator``."""

    def conv(d: bytes) -> Authenticator:
        f = R.fields(d, _whole(d), app=2, last_field=8)
        if R.integer(d, _req(f, 0)) != PVNO:
            raise Asn1Error("authenticator version is not 5")
        ck = None
        if 3 in f:
            c = R.fields(d, f[3], last_field=1)
            ck = (R.integer(d, _req(c, 0)), R.octets(d, _req(c, 1)))
        cusec = R.integer(d, _req(f, 4))
        if not 0 <= cusec <= 999999:
            raise Asn1Error("cusec out of range")
        if 8 in f:
            R.typed_pairs(d, f[8], 0x04)
        return Authenticator(
            R.general_string(d, _req(f, 1)), _principal(d, _req(f, 2)), cusec, R.kerberos_time(d, _req(f, 5)), ck,
            _key(d, f[6]) if 6 in f else None, _u32(R.integer(d, f[7])) if 7 in f else None,
        )

    return _decode(data, conv)


@dataclass
class ApRep:
    """AP-REP: the encrypted EncAPRepPart."""

    enc_part: EncryptedData

    def encode(self) -> bytes:
        return der.app(
            AP_REP,
            der.sequence(
                der.ctx(0, der.integer(PVNO)), der.ctx(1, der.integer(AP_REP)), der.ctx(2, self.enc_part.encode())
            ),
        )


def decode_ap_rep(data: bytes) -> ApRep:
    """An AP-REP."""

    def conv(d: bytes) -> ApRep:
        f = R.fields(d, _whole(d), app=AP_REP, last_field=2)
        if R.integer(d, _req(f, 0)) != PVNO or R.integer(d, _req(f, 1)) != AP_REP:
            raise Asn1Error("bad pvno or msg-type")
        return ApRep(_enc_data(d, _req(f, 2)))

    return _decode(data, conv)


@dataclass
class EncApRepPart:
    """The acceptor's answer: the client's time echoed, an acceptor subkey and sequence number."""

    ctime: int
    cusec: int
    subkey: Key | None = None
    seq_number: int | None = None

    def encode(self) -> bytes:
        return der.app(
            27,
            der.sequence(
                der.ctx(0, der.generalized_time(self.ctime)),
                der.ctx(1, der.integer(self.cusec)),
                der.ctx(2, None if self.subkey is None else _encode_key(self.subkey)),
                der.ctx(3, None if self.seq_number is None else der.integer(self.seq_number)),
            ),
        )


def decode_enc_ap_rep_part(data: bytes) -> EncApRepPart:
    """An ``EncAPRepPart``."""

    def conv(d: bytes) -> EncApRepPart:
        f = R.fields(d, _whole(d), app=27, last_field=3)
        return EncApRepPart(
            R.kerberos_time(d, _req(f, 0)), R.integer(d, _req(f, 1)), _key(d, f[2]) if 2 in f else None,
            _u32(R.integer(d, f[3])) if 3 in f else None,
        )

    return _decode(data, conv)


# -- errors and pre-authentication --------------------------------------------------


@dataclass
class KrbError:
    """KRB-ERROR."""

    error_code: int
    realm: str
    sname: PrincipalName
    stime: int
    susec: int = 0
    e_text: str | None = None
    e_data: bytes | None = None
    crealm: str | None = None
    cname: PrincipalName | None = None

    def encode(self) -> bytes:
        return der.app(
            KRB_ERROR,
            der.sequence(
                der.ctx(0, der.integer(PVNO)),
                der.ctx(1, der.integer(KRB_ERROR)),
                der.ctx(4, der.generalized_time(self.stime)),
                der.ctx(5, der.integer(self.susec)),
                der.ctx(6, der.integer(self.error_code)),
                der.ctx(7, None if self.crealm is None else der.general_string(self.crealm)),
                der.ctx(8, None if self.cname is None else self.cname.encode()),
                der.ctx(9, der.general_string(self.realm)),
                der.ctx(10, self.sname.encode()),
                der.ctx(11, None if self.e_text is None else der.general_string(self.e_text)),
                der.ctx(12, None if self.e_data is None else der.octet_string(self.e_data)),
            ),
        )


def decode_krb_error(data: bytes) -> KrbError:
    """A KRB-ERROR."""

    def conv(d: bytes) -> KrbError:
        f = R.fields(d, _whole(d), app=KRB_ERROR, last_field=12)
        if R.integer(d, _req(f, 0)) != PVNO or R.integer(d, _req(f, 1)) != KRB_ERROR:
            raise Asn1Error("bad pvno or msg-type")
        if 2 in f:
            R.kerberos_time(d, f[2])
        if 3 in f:
            R.integer(d, f[3])
        return KrbError(
            R.integer(d, _req(f, 6)), R.general_string(d, _req(f, 9)), _principal(d, _req(f, 10)),
            R.kerberos_time(d, _req(f, 4)), R.integer(d, _req(f, 5)),
            R.general_string(d, f[11]) if 11 in f else None, R.octets(d, f[12]) if 12 in f else None,
            R.general_string(d, f[7]) if 7 in f else None, _principal(d, f[8]) if 8 in f else None,
        )

    return _decode(data, conv)


@dataclass
class PaEncTsEnc:
    """PA-ENC-TS-ENC: the client's current time, encrypted in its long-term key."""

    patimestamp: int
    pausec: int | None = None

    def encode(self) -> bytes:
        return der.sequence(
            der.ctx(0, der.generalized_time(self.patimestamp)),
            der.ctx(1, None if self.pausec is None else der.integer(self.pausec)),
        )


def decode_pa_enc_ts_enc(data: bytes) -> PaEncTsEnc:
    """A PA-ENC-TS-ENC."""

    def conv(d: bytes) -> PaEncTsEnc:
        f = R.fields(d, _whole(d), last_field=1)
        return PaEncTsEnc(R.kerberos_time(d, _req(f, 0)), R.integer(d, f[1]) if 1 in f else None)

    return _decode(data, conv)


@dataclass(frozen=True)
class EtypeInfo2Entry:
    """One ETYPE-INFO2 entry: the enctype, salt and s2kparams the KDC holds for the client."""

    etype: int
    salt: bytes | None = None
    s2kparams: bytes | None = None

    def encode(self) -> bytes:
        return der.sequence(
            der.ctx(0, der.integer(self.etype)),
            der.ctx(1, None if self.salt is None else der.tlv(0x1B, self.salt)),
            der.ctx(2, None if self.s2kparams is None else der.octet_string(self.s2kparams)),
        )


def decode_etype_info2(data: bytes) -> list[EtypeInfo2Entry]:
    """PA-ETYPE-INFO2."""

    def conv(d: bytes) -> list[EtypeInfo2Entry]:
        out = []
        for el in R.sequence_of(d, _whole(d)):
            f = R.fields(d, el, last_field=2)
            out.append(EtypeInfo2Entry(
                R.integer(d, _req(f, 0)), R.general_octets(d, f[1]) if 1 in f else None,
                R.octets(d, f[2]) if 2 in f else None,
            ))
        return out

    return _decode(data, conv)


# -- forwarded credentials (KRB-CRED, RFC 4120 5.8) --------------------------------------


@dataclass
class KrbCredInfo:
    """What the receiver of a KRB-CRED learns about one ticket: its key, names, flags and times."""

    key: Key = field(repr=False)
    prealm: str | None = None
    pname: PrincipalName | None = None
    flags: int = 0
    authtime: int | None = None
    starttime: int | None = None
    endtime: int | None = None
    renew_till: int | None = None
    srealm: str | None = None
    sname: PrincipalName | None = None

    def encode(self) -> bytes:
        def t(v: int | None) -> bytes | None:
            return None if v is None else der.generalized_time(v)

        return der.sequence(
            der.ctx(0, _encode_key(self.key)),
            der.ctx(1, None if self.prealm is None else der.general_string(self.prealm)),
            der.ctx(2, None if self.pname is None else self.pname.encode()),
            der.ctx(3, der.bit_string(self.flags)),
            der.ctx(4, t(self.authtime)),
            der.ctx(5, t(self.starttime)),
            der.ctx(6, t(self.endtime)),
            der.ctx(7, t(self.renew_till)),
            der.ctx(8, None if self.srealm is None else der.general_string(self.srealm)),
            der.ctx(9, None if self.sname is None else self.sname.encode()),
        )


def encode_enc_krb_cred_part(infos: list[KrbCredInfo], timestamp: int | None = None, usec: int | None = None) -> bytes:
    """EncKrbCredPart ``[APPLICATION 29]``."""
    return der.app(
        29,
        der.sequence(
            der.ctx(0, der.sequence_of(i.encode() for i in infos)),
            der.ctx(2, None if timestamp is None else der.generalized_time(timestamp)),
            der.ctx(3, None if usec is None else der.integer(usec)),
        ),
    )


@dataclass
class KrbCred:
    """KRB-CRED: tickets and the encrypted EncKrbCredPart describing them."""

    tickets: list[Ticket]
    enc_part: EncryptedData

    def encode(self) -> bytes:
        return der.app(
            KRB_CRED,
            der.sequence(
                der.ctx(0, der.integer(PVNO)),
                der.ctx(1, der.integer(KRB_CRED)),
                der.ctx(2, der.sequence_of(t.encode() for t in self.tickets)),
                der.ctx(3, self.enc_part.encode()),
            ),
        )


def decode_krb_cred(data: bytes) -> KrbCred:
    """A KRB-CRED."""

    def conv(d: bytes) -> KrbCred:
        f = R.fields(d, _whole(d), app=KRB_CRED, last_field=3)
        if R.integer(d, _req(f, 0)) != PVNO or R.integer(d, _req(f, 1)) != KRB_CRED:
            raise Asn1Error("bad pvno or msg-type")
        return KrbCred([_ticket(d, t) for t in R.sequence_of(d, _req(f, 2))], _enc_data(d, _req(f, 3)))

    return _decode(data, conv)


def decode_enc_krb_cred_part(data: bytes) -> list[KrbCredInfo]:
    """The KrbCredInfo entries of an EncKrbCredPart."""

    def conv(d: bytes) -> list[KrbCredInfo]:
        f = R.fields(d, _whole(d), app=29, last_field=5)
        # fields the caller does not use are still checked, so malformed ones are refused as pyasn1 does
        for n in (1, 3):
            if n in f:
                R.integer(d, f[n])
        if 2 in f:
            R.kerberos_time(d, f[2])
        out = []
        for el in R.sequence_of(d, _req(f, 0)):
            g = R.fields(d, el, last_field=10)

            def t(n: int, g: dict[int, R.Span] = g) -> int | None:
                return R.kerberos_time(d, g[n]) if n in g else None

            out.append(KrbCredInfo(
                _key(d, _req(g, 0)), R.general_string(d, g[1]) if 1 in g else None,
                _principal(d, g[2]) if 2 in g else None, R.bits32(d, g[3]) if 3 in g else 0,
                t(4), t(5), t(6), t(7), R.general_string(d, g[8]) if 8 in g else None,
                _principal(d, g[9]) if 9 in g else None,
            ))
        return out

    return _decode(data, conv)
