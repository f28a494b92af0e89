"""Kerberos 5 messages (RFC 4120) and the GSS-API krb5 token framing (RFC 4121 4.1), read-only."""

from __future__ import annotations

from typing import Any

from .asn1 import ANY, InnerDecoder, walk
from .der import read_tlv
from .names import ETYPES, KRB_ERRORS, KRB_MESSAGES, NAME_TYPES
from .tree import DecodeError, Node

__all__ = ["KRB_TOKEN_IDS", "decode_kerberos", "decode_krb5_gss_inner"]

WHAT = "Kerberos"
KRB_TOKEN_IDS = {b"\x01\x00": "KRB_AP_REQ", b"\x02\x00": "KRB_AP_REP", b"\x03\x00": "KRB_ERROR",
                 b"\x04\x04": "MIC (RFC 4121)", b"\x05\x04": "Wrap (RFC 4121)"}

_INT: tuple[Any, ...] = ("int", {})
_STR: tuple[Any, ...] = ("str",)
_TIME: tuple[Any, ...] = ("time",)
_MSG_TYPE = ("int", KRB_MESSAGES)
_PRINCIPAL = ("seq", {0: ("name-type", ("int", NAME_TYPES)), 1: ("name-string", ("seqof", _STR))})
_ENC = ("seq", {0: ("etype", ("int", ETYPES)), 1: ("kvno", _INT), 2: ("cipher", ("octets",))})
_TICKET = ("seq", {0: ("tkt-vno", _INT), 1: ("realm", _STR), 2: ("sname", _PRINCIPAL), 3: ("enc-part", _ENC)})
_AP_OPTIONS = ("bits", {1: "use-session-key", 2: "mutual-required"})
_KDC_OPTIONS = ("bits", {1: "forwardable", 2: "forwarded", 3: "proxiable", 4: "proxy", 5: "allow-postdate",
                         6: "postdated", 8: "renewable", 14: "constrained-delegation", 15: "canonicalize",
                         26: "disable-transited-check", 27: "renewable-ok", 28: "enc-tkt-in-skey",
                         30: "renew", 31: "validate"})
_PADATA = ("seqof", ("seq", {1: ("padata-type", _INT), 2: ("padata-value", ("octets",))}))
_REQ_BODY = ("seq", {0: ("kdc-options", _KDC_OPTIONS), 1: ("cname", _PRINCIPAL), 2: ("realm", _STR),
                     3: ("sname", _PRINCIPAL), 4: ("from", _TIME), 5: ("till", _TIME), 6: ("rtime", _TIME),
                     7: ("nonce", _INT), 8: ("etype", ("seqof", ("int", ETYPES))), 9: ("addresses", ANY),
                     10: ("enc-authorization-data", _ENC), 11: ("additional-tickets", ("seqof", _TICKET))})
_KDC_REQ = ("seq", {1: ("pvno", _INT), 2: ("msg-type", _MSG_TYPE), 3: ("padata", _PADATA), 4: ("req-body", _REQ_BODY)})
_KDC_REP = ("seq", {0: ("pvno", _INT), 1: ("msg-type", _MSG_TYPE), 2: ("padata", _PADATA), 3: ("crealm", _STR),
                    4: ("cname", _PRINCIPAL), 5: ("ticket", _TICKET), 6: ("enc-part", _ENC)})
MESSAGES: dict[int, tuple[str, tuple[Any, ...]]] = {
    1: ("Ticket", _TICKET),
    10: ("AS-REQ", _KDC_REQ),
    11: ("AS-REP", _KDC_REP),
    12: ("TGS-REQ", _KDC_REQ),
    13: ("TGS-REP", _KDC_REP),
    14: ("AP-REQ", ("seq", {0: ("pvno", _INT), 1: ("msg-type", _MSG_TYPE), 2: ("ap-options", _AP_OPTIONS),
                            3: ("ticket", _TICKET), 4: ("authenticator", _ENC)})),
    15: ("AP-REP", ("seq", {0: ("pvno", _INT), 1: ("msg-type", _MSG_TYPE), 2: ("enc-part", _ENC)})),
    30: ("KRB-ERROR", ("seq", {0: ("pvno", _INT), 1: ("msg-type", _MSG_TYPE), 2: ("ctime", _TIME),
                               3: ("cusec", _INT), 4: ("stime", _TIME), 5: ("susec", _INT),
                               6: ("error-code", ("int", KRB_ERRORS)), 7: ("crealm", _STR),
                               8: ("cname", _PRINCIPAL), 9: ("realm", _STR), 10: ("sname", _PRINCIPAL),
                               11: ("e-text", _STR), 12: ("e-data", ("octets",))})),
}


def is_kerberos(data: bytes) -> bool:
    """Whether *data* starts like a Kerberos message (an APPLICATION tag of a known message)."""
    return bool(data) and data[0] & 0xE0 == 0x60 and (data[0] & 0x1F) in MESSAGES and data[0] != 0x60


def decode_kerberos(data: bytes, offset: int, inner: InnerDecoder) -> Node:
    """A bare Kerberos message."""
    tlv, end = read_tlv(data, 0, offset, WHAT)
    if tlv.cls != 1 or tlv.number not in MESSAGES:
        raise DecodeError(f"not a Kerberos message (tag {tlv.label})", offset, WHAT)
    name, spec = MESSAGES[tlv.number]
    holder = Node("holder")
    walk(tlv, spec, f"Kerberos {name}", holder, inner)
    if end != len(data):
        holder.children[0].add("trailing bytes", len(data) - end, offset + end)
    return holder.children[0]


def decode_krb5_gss_inner(data: bytes, offset: int, inner: InnerDecoder) -> Node:
    """What follows the krb5 OID in a GSS InitialContextToken: TOK_ID then the message."""
    if len(data) < 2:
        raise DecodeError("the krb5 TOK_ID needs 2 bytes", offset, WHAT)
    tok = KRB_TOKEN_IDS.get(data[:2], f"unknown TOK_ID {data[:2].hex()}")
    node = Node("krb5 token", tok, [], offset)
    if data[:2] in (b"\x01\x00", b"\x02\x00", b"\x03\x00"):
        node.children.append(decode_kerberos(data[2:], offset + 2, inner))
    else:
        node.add("body", data[2:].hex(), offset + 2)
    return node
