"""GSS-API framing (RFC 2743 3.1) and SPNEGO tokens (RFC 4178, MS-SPNG), read-only."""

from __future__ import annotations

from typing import Any

from .asn1 import InnerDecoder, walk
from .der import children, oid_named, oid_text, read_tlv
from .kerberos import decode_krb5_gss_inner
from .tree import DecodeError, Node, hexstr

__all__ = ["SPNEGO_OID", "decode_gss", "decode_negotiation_token"]

WHAT = "SPNEGO"
SPNEGO_OID = "1.3.6.1.5.5.2"
KRB5_OIDS = ("1.2.840.113554.1.2.2", "1.2.840.48018.1.2.2", "1.2.840.113554.1.2.2.3")

_FLAGS = ("bits", {0: "delegFlag", 1: "mutualFlag", 2: "replayFlag", 3: "sequenceFlag", 4: "anonFlag",
                   5: "confFlag", 6: "integFlag"})
_NEG_STATE = ("enum", {0: "accept-completed", 1: "accept-incomplete", 2: "reject", 3: "request-mic"})
_HINTS = ("seq", {0: ("hintName", ("str",)), 1: ("hintAddress", ("octets",))})
_INIT: tuple[Any, ...] = ("seq", {
    0: ("mechTypes", ("seqof", ("oid",))),
    1: ("reqFlags", _FLAGS),
    2: ("mechToken", ("inner",)),
    3: ("negHints / mechListMIC", ("either", {16: ("negHints", _HINTS), 4: ("mechListMIC", ("octets",))})),
    4: ("mechListMIC", ("octets",)),
})
_RESP: tuple[Any, ...] = ("seq", {
    0: ("negState", _NEG_STATE),
    1: ("supportedMech", ("oid",)),
    2: ("responseToken", ("inner",)),
    3: ("mechListMIC", ("octets",)),
})


def decode_negotiation_token(data: bytes, offset: int, inner: InnerDecoder) -> Node:
    """A NegotiationToken: [0] NegTokenInit or [1] NegTokenResp."""
    tlv, end = read_tlv(data, 0, offset, WHAT)
    if tlv.cls != 2 or tlv.number not in (0, 1):
        raise DecodeError(f"expected NegTokenInit [0] or NegTokenResp [1], found {tlv.label}", offset, WHAT)
    inside = children(tlv)
    if len(inside) != 1:
        raise DecodeError("the NegotiationToken choice must hold one element", tlv.offset, WHAT)
    holder = Node("holder")
    if tlv.number == 0:
        walk(inside[0], _INIT, "SPNEGO NegTokenInit", holder, inner)
    else:
        walk(inside[0], _RESP, "SPNEGO NegTokenResp", holder, inner)
    node = holder.children[0]
    if end != len(data):
        node.add("trailing bytes", hexstr(data[end:]), offset + end)
    return node


def decode_gss(data: bytes, offset: int, inner: InnerDecoder) -> Node:
    """A GSS-API InitialContextToken: [APPLICATION 0] { thisMech OID, innerContextToken }."""
    tlv, end = read_tlv(data, 0, offset, "GSS-API")
    if not (tlv.cls == 1 and tlv.number == 0 and tlv.constructed):
        raise DecodeError("not a GSS-API InitialContextToken", offset, "GSS-API")
    oid_tlv, pos = read_tlv(tlv.content, 0, tlv.content_offset, "GSS-API")
    if not oid_tlv.is_(0, 6):
        raise DecodeError(f"expected the mechanism OID, found {oid_tlv.label}", oid_tlv.offset, "GSS-API")
    mech = oid_text(oid_tlv.content, oid_tlv.offset, "GSS-API")
    node = Node("GSS-API InitialContextToken", f"{len(data)} bytes", [], offset)
    node.add("thisMech", oid_named(mech), oid_tlv.offset)
    rest = tlv.content[pos:]
    rest_at = tlv.content_offset + pos
    if mech == SPNEGO_OID:
        node.children.append(decode_negotiation_token(rest, rest_at, inner))
    elif mech in KRB5_OIDS:
        node.children.append(decode_krb5_gss_inner(rest, rest_at, inner))
    elif rest:
        node.children.append(inner(rest, rest_at))
    if end != len(data):
        node.add("trailing bytes", hexstr(data[end:]), offset + end)
    return node
