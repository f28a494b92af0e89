"""RFC 4120 messages as plain data classes: DER encoding (via :mod:`.der`) and decoding (via pyasn1 specs).

Every ``decode_*`` function raises :class:`Asn1Error` for anything that is not a
well-formed message of that kind; no other exception escapes.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder

from . import asn1_base as B
from . import asn1_messages as M
from . import der
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
    "message_type",
]

PVNO = 5
AS_REQ, AS_REP, TGS_REQ, TGS_REP, AP_REQ, AP_REP, KRB_ERROR = 10, 11, 12, 13, 14, 15, 30

T = TypeVar("T")


class Asn1Error(Exception):
    """The bytes are not a well-formed message of the expected kind."""


# -- helpers ------------------------------------------------------------------------


def _decode(data: bytes, spec: Any, convert: Callable[[Any], T]) -> T:
    try:
        obj, rest = der_decoder.decode(bytes(data), asn1Spec=spec)
        if rest:
            raise Asn1Error("trailing bytes after the message")
        return convert(obj)
    except Asn1Error:
        raise
    except Exception as exc:  # pyasn1 raises many types for malformed input
        raise Asn1Error(f"malformed {type(spec).__name__}: {type(exc).__name__}") from None


def _has(obj: Any, name: str) -> bool:
    return bool(obj[name].isValue)


def _int(obj: Any, name: str) -> int:
    return int(obj[name])


def _u32(obj: Any, name: str) -> int:
    v = int(obj[name])
    if not 0 <= v <= 0xFFFFFFFF and not -0x80000000 <= v < 0:
        raise Asn1Error(f"{name} out of range")
    return v & 0xFFFFFFFF


def _str(obj: Any, name: str) -> str:
    return bytes(obj[name].asOctets()).decode("utf-8")


def _octets(obj: Any, name: str) -> bytes:
    return bytes(obj[name].asOctets())


def _time(obj: Any, name: str) -> int:
    text = str(obj[name])
    if len(text) != 15 or not text.endswith("Z") or not text[:14].isdigit():
        raise Asn1Error(f"{name} is not a KerberosTime")
    return calendar.timegm(time.strptime(text[:14], "%Y%m%d%H%M%S"))


def _opt_time(obj: Any, name: str) -> int | None:
    return _time(obj, name) if _has(obj, name) else None


def _flags(obj: Any, name: str) -> int:
    bits = obj[name]
    n = len(bits)
    value = int(bits) if n else 0
    if n < 32:
        value <<= 32 - n
    elif n > 32:
        value >>= n - 32
    return value


def _strip_tag(encoded: bytes) -> bytes:
    """The content of one TLV (removes an explicit context tag pyasn1 re-encoded)."""
    if len(encoded) < 2:
        raise Asn1Error("short TLV")
    first = encoded[1]
    if first < 0x80:
        return encoded[2:]
    n = first & 0x7F
    return encoded[2 + n :]


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


def _principal(obj: Any) -> PrincipalName:
    comps = tuple(bytes(c.asOctets()).decode("utf-8") for c in obj["name-string"])
    return PrincipalName(int(obj["name-type"]), comps)


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


def _enc_data(obj: Any) -> EncryptedData:
    kvno = _u32(obj, "kvno") if _has(obj, "kvno") else None
    return EncryptedData(_int(obj, "etype"), _octets(obj, "cipher"), kvno)


def _encode_key(key: Key) -> bytes:
    return der.sequence(der.ctx(0, der.integer(key.enctype)), der.ctx(1, der.octet_string(key.contents)))


def _key(obj: Any) -> Key:
    return Key(_int(obj, "keytype"), _octets(obj, "keyvalue"))


def _encode_checksum(ck: tuple[int, bytes]) -> bytes:
    return der.sequence(der.ctx(0, der.integer(ck[0])), der.ctx(1, der.octet_string(ck[1])))


def _encode_padata(padata: list[tuple[int, bytes]]) -> bytes:
    return der.sequence_of(
        der.sequence(der.ctx(1, der.integer(t)), der.ctx(2, der.octet_string(v))) for t, v in padata
    )


def _padata(seq: Any) -> list[tuple[int, bytes]]:
    return [(int(p["padata-type"]), bytes(p["padata-value"].asOctets())) for p in seq]


def decode_method_data(data: bytes) -> list[tuple[int, bytes]]:
    """METHOD-DATA (the e-data of KDC_ERR_PREAUTH_REQUIRED) as (type, value) pairs."""
    return _decode(data, B.MethodData(), _padata)


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


def _ticket(obj: Any, raw: bytes | None = None) -> Ticket:
    if _int(obj, "tkt-vno") != PVNO:
        raise Asn1Error("ticket version is not 5")
    if raw is None:
        raw = der_encoder.encode(obj)
    return Ticket(_str(obj, "realm"), _principal(obj["sname"]), _enc_data(obj["enc-part"]), raw)


def decode_ticket(data: bytes) -> Ticket:
    """A ``Ticket``."""
    return _decode(data, M.Ticket(), lambda o: _ticket(o, bytes(data)))


def _tagged_ticket(obj: Any) -> Ticket:
    return _ticket(obj, _strip_tag(der_encoder.encode(obj)))


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

    def conv(o: Any) -> EncTicketPart:
        ad = _strip_tag(der_encoder.encode(o["authorization-data"])) if _has(o, "authorization-data") else None
        return EncTicketPart(
            _flags(o, "flags"), _key(o["key"]), _str(o, "crealm"), _principal(o["cname"]),
            _time(o, "authtime"), _time(o, "endtime"), _opt_time(o, "starttime"), _opt_time(o, "renew-till"), ad,
        )

    return _decode(data, M.EncTicketPart(), conv)


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

    def conv(o: Any) -> KdcReq:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != kind:
            raise Asn1Error("bad pvno or msg-type")
        b = o["req-body"]
        return KdcReq(
            kind, _flags(b, "kdc-options"), _str(b, "realm"), _time(b, "till"), _u32(b, "nonce"),
            tuple(int(e) for e in b["etype"]),
            _principal(b["cname"]) if _has(b, "cname") else None,
            _principal(b["sname"]) if _has(b, "sname") else None,
            _padata(o["padata"]) if _has(o, "padata") else [],
            [_ticket(t) for t in b["additional-tickets"]] if _has(b, "additional-tickets") else [],
            _strip_tag(der_encoder.encode(b)),
        )

    return _decode(data, M.AsReq() if kind == AS_REQ else M.TgsReq(), conv)


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

    def conv(o: Any) -> KdcRep:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != kind:
            raise Asn1Error("bad pvno or msg-type")
        return KdcRep(
            kind, _str(o, "crealm"), _principal(o["cname"]), _tagged_ticket(o["ticket"]), _enc_data(o["enc-part"]),
            _padata(o["padata"]) if _has(o, "padata") else [],
        )

    return _decode(data, M.AsRep() if kind == AS_REP else M.TgsRep(), conv)


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

    def conv(o: Any) -> EncKdcRepPart:
        return EncKdcRepPart(
            _key(o["key"]), _u32(o, "nonce"), _flags(o, "flags"), _time(o, "authtime"), _time(o, "endtime"),
            _str(o, "srealm"), _principal(o["sname"]), _opt_time(o, "starttime"), _opt_time(o, "renew-till"),
        )

    return _decode(data, M.EncAsRepPart() if kind == 25 else M.EncTgsRepPart(), conv)


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

    def conv(o: Any) -> ApReq:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != AP_REQ:
            raise Asn1Error("bad pvno or msg-type")
        return ApReq(_flags(o, "ap-options"), _tagged_ticket(o["ticket"]), _enc_data(o["authenticator"]))

    return _decode(data, M.ApReq(), conv)


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

    def conv(o: Any) -> Authenticator:
        if _int(o, "authenticator-vno") != PVNO:
            raise Asn1Error("authenticator version is not 5")
        ck = None
        if _has(o, "cksum"):
            ck = (int(o["cksum"]["cksumtype"]), bytes(o["cksum"]["checksum"].asOctets()))
        cusec = _int(o, "cusec")
        if not 0 <= cusec <= 999999:
            raise Asn1Error("cusec out of range")
        return Authenticator(
            _str(o, "crealm"), _principal(o["cname"]), cusec, _time(o, "ctime"), ck,
            _key(o["subkey"]) if _has(o, "subkey") else None,
            _u32(o, "seq-number") if _has(o, "seq-number") else None,
        )

    return _decode(data, M.Authenticator(), conv)


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

    def conv(o: Any) -> ApRep:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != AP_REP:
            raise Asn1Error("bad pvno or msg-type")
        return ApRep(_enc_data(o["enc-part"]))

    return _decode(data, M.ApRep(), conv)


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

    def conv(o: Any) -> EncApRepPart:
        return EncApRepPart(
            _time(o, "ctime"), _int(o, "cusec"), _key(o["subkey"]) if _has(o, "subkey") else None,
            _u32(o, "seq-number") if _has(o, "seq-number") else None,
        )

    return _decode(data, M.EncApRepPart(), conv)


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

    def conv(o: Any) -> KrbError:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != KRB_ERROR:
            raise Asn1Error("bad pvno or msg-type")
        return KrbError(
            _int(o, "error-code"), _str(o, "realm"), _principal(o["sname"]), _time(o, "stime"), _int(o, "susec"),
            _str(o, "e-text") if _has(o, "e-text") else None,
            _octets(o, "e-data") if _has(o, "e-data") else None,
            _str(o, "crealm") if _has(o, "crealm") else None,
            _principal(o["cname"]) if _has(o, "cname") else None,
        )

    return _decode(data, M.KrbError(), conv)


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
    return _decode(
        data, M.PaEncTsEnc(),
        lambda o: PaEncTsEnc(_time(o, "patimestamp"), _int(o, "pausec") if _has(o, "pausec") else None),
    )


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

    def conv(o: Any) -> list[EtypeInfo2Entry]:
        return [
            EtypeInfo2Entry(
                int(e["etype"]),
                bytes(e["salt"].asOctets()) if e["salt"].isValue else None,
                bytes(e["s2kparams"].asOctets()) if e["s2kparams"].isValue else None,
            )
            for e in o
        ]

    return _decode(data, M.EtypeInfo2(), conv)
