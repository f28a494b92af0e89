"""SPNEGO tokens: encoding and decoding as they go on the wire.

:func:`decode` accepts what peers really send: a GSS-framed NegTokenInit / NegTokenInit2, a
bare ``[0]`` NegTokenInit, and a bare ``[1]`` NegTokenResp. Canonical DER is read by a small
direct parser (the handshake's hot path); anything else goes to the pyasn1 BER decoder
(:mod:`sspi_emu_negotiate.codec_pyasn1`). Every malformed input raises
:class:`~sspi_emu.errors.SspiError` with ``SEC_E_INVALID_TOKEN`` and nothing else.
Encoding is DER, byte-identical to pyasn1's DER encoder (the tests check it).
"""

from __future__ import annotations

from functools import lru_cache

from sspi_emu.der import read_tlv

from . import codec_pyasn1, oids
from .der import NotCanonical, expect, oid_content, oid_from_content, only, tlv
from .framing import is_initial, unwrap_initial, wrap_initial
from .values import (
    ANON_FLAG,
    CONF_FLAG,
    DELEG_FLAG,
    FLAG_BITS,
    INTEG_FLAG,
    MUTUAL_FLAG,
    REPLAY_FLAG,
    SEQUENCE_FLAG,
    WINDOWS_HINT_NAME,
    NegotiationToken,
    NegState,
    NegTokenInit,
    NegTokenResp,
    invalid,
)

__all__ = [
    "ANON_FLAG",
    "CONF_FLAG",
    "DELEG_FLAG",
    "INTEG_FLAG",
    "MUTUAL_FLAG",
    "REPLAY_FLAG",
    "SEQUENCE_FLAG",
    "WINDOWS_HINT_NAME",
    "NegState",
    "NegTokenInit",
    "NegTokenResp",
    "NegotiationToken",
    "decode",
    "encode",
    "encode_init",
    "encode_mech_type_list",
    "encode_resp",
    "encode_resp_fields",
]

_SEQ, _OID, _OCTETS, _BITS, _ENUM, _GENERAL = 0x30, 0x06, 0x04, 0x03, 0x0A, 0x1B


def _ctx(n: int) -> int:
    return 0xA0 | n


#: NegTokenResp's tags: the choice [1], and its responseToken [2] and mechListMIC [3] fields.
_RESP_TAG, _RESPONSE_TOKEN, _MECH_LIST_MIC = _ctx(1), _ctx(2), _ctx(3)


# --------------------------------------------------------------------------- encoding


@lru_cache(maxsize=64)
def encode_mech_type_list(mech_types: tuple[str, ...]) -> bytes:
    """The DER MechTypeList: what the mechListMIC is computed over."""
    return tlv(_SEQ, b"".join(tlv(_OID, oid_content(m)) for m in mech_types))


def _flags(flags: int) -> bytes:
    bits = [(flags >> i) & 1 for i in range(FLAG_BITS)]
    while bits and not bits[-1]:
        bits.pop()  # DER: a named-bit BIT STRING has no trailing zero bits
    if not bits:
        return tlv(_BITS, b"\x00")
    value = 0
    for bit in bits:
        value = (value << 1) | bit
    pad = (8 - len(bits) % 8) % 8
    nbytes = (len(bits) + 7) // 8
    return tlv(_BITS, bytes((pad,)) + (value << pad).to_bytes(nbytes, "big"))


def encode_init(token: NegTokenInit, *, framed: bool = True) -> bytes:
    """DER-encode a NegTokenInit (NegTokenInit2 when it has hints), GSS-framed unless *framed* is False."""
    parts = [tlv(_ctx(0), encode_mech_type_list(tuple(token.mech_types)))]
    if token.req_flags is not None:
        parts.append(tlv(_ctx(1), _flags(token.req_flags)))
    if token.mech_token is not None:
        parts.append(tlv(_ctx(2), tlv(_OCTETS, token.mech_token)))
    mic_tag = 3
    if token.is_init2:
        hints = b""
        if token.hint_name is not None:
            hints += tlv(_ctx(0), tlv(_GENERAL, token.hint_name.encode("utf-8")))
        if token.hint_address is not None:
            hints += tlv(_ctx(1), tlv(_OCTETS, token.hint_address))
        parts.append(tlv(_ctx(3), tlv(_SEQ, hints)))
        mic_tag = 4
    if token.mech_list_mic is not None:
        parts.append(tlv(_ctx(mic_tag), tlv(_OCTETS, token.mech_list_mic)))
    der = tlv(_ctx(0), tlv(_SEQ, b"".join(parts)))
    return wrap_initial(oids.SPNEGO, der) if framed else der


@lru_cache(maxsize=16)
def _state_field(state: int) -> bytes:
    return tlv(_ctx(0), tlv(_ENUM, bytes((state,))))


@lru_cache(maxsize=64)
def _supported_field(oid: str) -> bytes:
    return tlv(_ctx(1), tlv(_OID, oid_content(oid)))


def _tagged_octets(field: int, content: bytes) -> bytes:
    """``[field] { OCTET STRING content }`` (both headers at once)."""
    inner = tlv(_OCTETS, content)
    return tlv(field, inner)


def encode_resp(token: NegTokenResp) -> bytes:
    """DER-encode a NegTokenResp (never GSS-framed)."""
    return encode_resp_fields(token.neg_state, token.supported_mech, token.response_token, token.mech_list_mic)


def encode_resp_fields(neg_state: int | None, supported_mech: str | None, response_token: bytes | None,
                       mech_list_mic: bytes | None) -> bytes:
    """:func:`encode_resp` from the four fields (the handshake's hot path builds no NegTokenResp)."""
    body = b"" if neg_state is None else _state_field(int(neg_state))
    if supported_mech is not None:
        body += _supported_field(supported_mech)
    if response_token is not None:
        body += _tagged_octets(_RESPONSE_TOKEN, response_token)
    if mech_list_mic is not None:
        body += _tagged_octets(_MECH_LIST_MIC, mech_list_mic)
    return tlv(_RESP_TAG, tlv(_SEQ, body))


def encode(token: NegotiationToken) -> bytes:
    """Encode either token type the way it goes on the wire."""
    if isinstance(token, NegTokenInit):
        return encode_init(token)
    return encode_resp(token)


# --------------------------------------------------------------------------- decoding


def _fields(data: bytes, start: int, end: int) -> dict[int, tuple[int, int]]:
    """The context-tagged fields of a SEQUENCE body, in strictly increasing tag order."""
    found: dict[int, tuple[int, int]] = {}
    last = -1
    pos = start
    while pos < end:
        tag, s, e = read_tlv(data, pos, end, True)
        n = tag - 0xA0
        if not 0 <= n <= 30 or n <= last:
            raise NotCanonical("unexpected or out-of-order field")
        found[n] = (s, e)
        last = n
        pos = e
    return found


def _octets(data: bytes, span: tuple[int, int]) -> bytes:
    s, e = only(data, span[0], span[1], _OCTETS)
    return data[s:e]


def _oid(data: bytes, span: tuple[int, int]) -> str:
    s, e = only(data, span[0], span[1], _OID)
    return oid_from_content(data[s:e])


def _flags_from(data: bytes, span: tuple[int, int]) -> int:
    s, e = only(data, span[0], span[1], _BITS)
    if s == e or data[s] > 7 or (e - s == 1 and data[s]):
        raise NotCanonical("bad BIT STRING")
    pad = data[s]
    nbits = (e - s - 1) * 8 - pad
    value = int.from_bytes(data[s + 1 : e], "big") >> pad
    flags = 0
    for i in range(min(nbits, 32)):
        if (value >> (nbits - 1 - i)) & 1:
            flags |= 1 << i
    return flags


def _init(data: bytes, start: int, end: int) -> NegTokenInit:
    s, e = only(data, start, end, _SEQ)
    f = _fields(data, s, e)
    if 0 not in f or max(f) > 4:
        raise NotCanonical("NegTokenInit fields")
    ls, le = only(data, f[0][0], f[0][1], _SEQ)
    mechs = []
    pos = ls
    while pos < le:
        os_, oe = expect(data, pos, le, _OID)
        mechs.append(oid_from_content(data[os_:oe]))
        pos = oe
    hint_name: str | None = None
    hint_address: bytes | None = None
    mic_span = f.get(3)
    if 3 in f and data[f[3][0]] == _SEQ:  # NegTokenInit2: [3] is negHints, the MIC moves to [4]
        hs, he = only(data, f[3][0], f[3][1], _SEQ)
        hf = _fields(data, hs, he)
        if max(hf, default=0) > 1:
            raise NotCanonical("negHints fields")
        if 0 in hf:
            ns, ne = only(data, hf[0][0], hf[0][1], _GENERAL)
            hint_name = data[ns:ne].decode("utf-8", "replace")
        else:
            hint_name = ""
        if 1 in hf:
            hint_address = _octets(data, hf[1])
        mic_span = f.get(4)
    elif 4 in f:
        raise NotCanonical("[4] without negHints")
    return NegTokenInit(
        mech_types=tuple(mechs),
        req_flags=_flags_from(data, f[1]) if 1 in f else None,
        mech_token=_octets(data, f[2]) if 2 in f else None,
        mech_list_mic=_octets(data, mic_span) if mic_span is not None else None,
        hint_name=hint_name,
        hint_address=hint_address,
    )


_STATES = {int(st): st for st in NegState}
_RESP_FIELD_TAGS = (_ENUM, _OID, _OCTETS, _OCTETS)


def _resp(data: bytes, start: int, end: int) -> NegTokenResp:
    # The handshake's hot path: one pass over the fields, each read once (same checks as
    # _fields + only: increasing tags [0]..[3], each holding exactly one element of its type),
    # with the core reader called directly (minimal lengths required: canonical DER).
    tag, s, e = read_tlv(data, start, end, True)
    if tag != _SEQ or e != end:
        raise NotCanonical("NegTokenResp is not one SEQUENCE")
    found: list[bytes | None] = [None, None, None, None]
    last = -1
    pos = s
    while pos < e:
        tag, fs, fe = read_tlv(data, pos, e, True)
        n = tag - 0xA0
        if not 0 <= n <= 30 or n <= last:
            raise NotCanonical("unexpected or out-of-order field")
        if n > 3:
            raise NotCanonical("NegTokenResp fields")
        itag, cs, ce = read_tlv(data, fs, fe, True)
        if ce != fe:
            raise NotCanonical("trailing bytes")
        if itag != _RESP_FIELD_TAGS[n]:
            raise NotCanonical(f"tag 0x{itag:02x}, expected 0x{_RESP_FIELD_TAGS[n]:02x}")
        found[n] = data[cs:ce]
        last = n
        pos = fe
    raw_state, raw_mech, response_token, mic = found
    state: NegState | None = None
    if raw_state is not None:
        if len(raw_state) != 1:
            raise NotCanonical("negState")
        state = _STATES.get(raw_state[0])
        if state is None:
            raise invalid(f"unknown negState {raw_state[0]}")
    return NegTokenResp(state, oid_from_content(raw_mech) if raw_mech is not None else None, response_token, mic)


def decode_canonical(der: bytes) -> NegotiationToken:
    """Read a DER NegotiationToken directly; raises NotCanonical for anything else."""
    tag, s, e = read_tlv(der, 0, len(der), True)
    if e != len(der):
        raise NotCanonical("trailing bytes")
    if tag == 0xA0:
        return _init(der, s, e)
    if tag == 0xA1:
        return _resp(der, s, e)
    raise NotCanonical("not a NegotiationToken")


def _negotiation_token(der: bytes) -> NegotiationToken:
    try:
        return decode_canonical(der)
    except NotCanonical:
        return codec_pyasn1.decode_negotiation_token(der)


def decode(token: bytes) -> NegotiationToken:
    """Decode a SPNEGO token as received (framed init, bare init or bare resp).

    Raises SEC_E_INVALID_TOKEN for anything else, including a GSS frame for another mechanism.
    """
    if type(token) is not bytes:
        token = bytes(token)
    if not token:
        raise invalid("empty token")
    if is_initial(token):
        mech, inner = unwrap_initial(token)
        if mech != oids.SPNEGO:
            raise invalid(f"GSS-API token for {mech}, not SPNEGO")
        result = _negotiation_token(inner)
        if not isinstance(result, NegTokenInit):
            raise invalid("a framed SPNEGO token must be a NegTokenInit")
        return result
    if token[0] in (0xA0, 0xA1):
        return _negotiation_token(token)
    raise invalid("not a SPNEGO token")
