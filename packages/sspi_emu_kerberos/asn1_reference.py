"""Reference decoders for the RFC 4120 messages on the pyasn1 specifications.

:mod:`.messages` decodes with its own strict DER reader (pyasn1 costs milliseconds per
message); these decoders read the same bytes through the pyasn1 schemas of
:mod:`.asn1_base` / :mod:`.asn1_messages`, and the tests check that both agree.
Every ``decode_*`` raises :class:`Asn1Error` for malformed input.
"""

from __future__ import annotations

import calendar
import time
from typing import Any, Callable, TypeVar

from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder

from . import asn1_base as B
from . import asn1_messages as M
from .keys import Key
from .messages import (
    AP_REP,
    AP_REQ,
    AS_REP,
    AS_REQ,
    KRB_ERROR,
    PVNO,
    TGS_REP,
    TGS_REQ,
    ApRep,
    ApReq,
    Asn1Error,
    Authenticator,
    EncApRepPart,
    EncKdcRepPart,
    EncryptedData,
    EncTicketPart,
    EtypeInfo2Entry,
    KdcRep,
    KdcReq,
    KrbCred,
    KrbCredInfo,
    KrbError,
    PaEncTsEnc,
    PrincipalName,
    Ticket,
    message_type,
)
from .user2user import TgtReply, TgtRequest

T = TypeVar("T")




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




# -- building blocks ----------------------------------------------------------------




def _principal(obj: Any) -> PrincipalName:
    comps = tuple(bytes(c.asOctets()).decode("utf-8") for c in obj["name-string"])
    return PrincipalName(int(obj["name-type"]), comps)




def _enc_data(obj: Any) -> EncryptedData:
    kvno = _u32(obj, "kvno") if _has(obj, "kvno") else None
    return EncryptedData(_int(obj, "etype"), _octets(obj, "cipher"), kvno)




def _key(obj: Any) -> Key:
    return Key(_int(obj, "keytype"), _octets(obj, "keyvalue"))






def _padata(seq: Any) -> list[tuple[int, bytes]]:
    return [(int(p["padata-type"]), bytes(p["padata-value"].asOctets())) for p in seq]


def decode_method_data(data: bytes) -> list[tuple[int, bytes]]:
    """METHOD-DATA (the e-data of KDC_ERR_PREAUTH_REQUIRED) as (type, value) pairs."""
    return _decode(data, B.MethodData(), _padata)


# -- tickets ------------------------------------------------------------------------




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




def decode_ap_req(data: bytes) -> ApReq:
    """An AP-REQ."""

    def conv(o: Any) -> ApReq:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != AP_REQ:
            raise Asn1Error("bad pvno or msg-type")
        return ApReq(_flags(o, "ap-options"), _tagged_ticket(o["ticket"]), _enc_data(o["authenticator"]))

    return _decode(data, M.ApReq(), conv)




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




def decode_ap_rep(data: bytes) -> ApRep:
    """An AP-REP."""

    def conv(o: Any) -> ApRep:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != AP_REP:
            raise Asn1Error("bad pvno or msg-type")
        return ApRep(_enc_data(o["enc-part"]))

    return _decode(data, M.ApRep(), conv)




def decode_enc_ap_rep_part(data: bytes) -> EncApRepPart:
    """An ``EncAPRepPart``."""

    def conv(o: Any) -> EncApRepPart:
        return EncApRepPart(
            _time(o, "ctime"), _int(o, "cusec"), _key(o["subkey"]) if _has(o, "subkey") else None,
            _u32(o, "seq-number") if _has(o, "seq-number") else None,
        )

    return _decode(data, M.EncApRepPart(), conv)


# -- errors and pre-authentication --------------------------------------------------




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




def decode_pa_enc_ts_enc(data: bytes) -> PaEncTsEnc:
    """A PA-ENC-TS-ENC."""
    return _decode(
        data, M.PaEncTsEnc(),
        lambda o: PaEncTsEnc(_time(o, "patimestamp"), _int(o, "pausec") if _has(o, "pausec") else None),
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


def decode_krb_cred(data: bytes) -> KrbCred:
    """A KRB-CRED."""

    def conv(o: Any) -> KrbCred:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != 22:
            raise Asn1Error("bad pvno or msg-type")
        return KrbCred([_ticket(t) for t in o["tickets"]], _enc_data(o["enc-part"]))

    return _decode(data, M.KrbCred(), conv)


def decode_enc_krb_cred_part(data: bytes) -> list[KrbCredInfo]:
    """The KrbCredInfo entries of an EncKrbCredPart."""

    def conv(o: Any) -> list[KrbCredInfo]:
        out = []
        for i in o["ticket-info"]:
            out.append(KrbCredInfo(
                _key(i["key"]), _str(i, "prealm") if _has(i, "prealm") else None,
                _principal(i["pname"]) if _has(i, "pname") else None, _flags(i, "flags") if _has(i, "flags") else 0,
                _opt_time(i, "authtime"), _opt_time(i, "starttime"), _opt_time(i, "endtime"),
                _opt_time(i, "renew-till"), _str(i, "srealm") if _has(i, "srealm") else None,
                _principal(i["sname"]) if _has(i, "sname") else None,
            ))
        return out

    return _decode(data, M.EncKrbCredPart(), conv)


def decode_tgt_request(data: bytes) -> TgtRequest:
    """A KERB-TGT-REQUEST."""

    def conv(o: Any) -> TgtRequest:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != 16:
            raise Asn1Error("bad pvno or msg-type")
        return TgtRequest(_principal(o["server-name"]) if _has(o, "server-name") else None,
                          _str(o, "realm") if _has(o, "realm") else None)

    return _decode(data, M.KerbTgtRequest(), conv)


def decode_tgt_reply(data: bytes) -> TgtReply:
    """A KERB-TGT-REPLY."""

    def conv(o: Any) -> TgtReply:
        if _int(o, "pvno") != PVNO or _int(o, "msg-type") != 17:
            raise Asn1Error("bad pvno or msg-type")
        return TgtReply(_tagged_ticket(o["ticket"]))

    return _decode(data, M.KerbTgtReply(), conv)
