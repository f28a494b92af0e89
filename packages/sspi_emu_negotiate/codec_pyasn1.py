"""The pyasn1 SPNEGO codec: the reference encoder, and the lenient (BER) decoder.

:mod:`sspi_emu_negotiate.tokens` encodes and decodes canonical DER itself (it is on the handshake's
hot path); input it does not accept goes through :func:`decode_negotiation_token` here, which takes
any BER pyasn1 reads. Tests check that both codecs agree.
"""

from __future__ import annotations

from typing import Any

from pyasn1.codec.ber import decoder as ber_decoder
from pyasn1.codec.der import encoder
from pyasn1.type import univ

from sspi_emu.errors import SspiError

from . import asn1, oids
from .framing import is_initial, unwrap_initial, wrap_initial
from .values import FLAG_BITS, NegotiationToken, NegState, NegTokenInit, NegTokenResp, invalid

_invalid = invalid

# --------------------------------------------------------------------------- encoding


def _flags_bits(flags: int) -> tuple[int, ...]:
    bits = tuple((flags >> i) & 1 for i in range(FLAG_BITS))
    # DER: no trailing zero bits in a named-bit BIT STRING.
    while bits and bits[-1] == 0:
        bits = bits[:-1]
    return bits


def _fill_mech_list(target: Any, mech_types: tuple[str, ...]) -> None:
    for i, oid in enumerate(mech_types):
        target.setComponentByPosition(i, oid)


def encode_mech_type_list(mech_types: tuple[str, ...]) -> bytes:
    """The DER MechTypeList: what the mechListMIC is computed over."""
    value = asn1.MechTypeList()
    _fill_mech_list(value, mech_types)
    return bytes(encoder.encode(value))


def _set(seq: Any, name: str, value: Any) -> None:
    seq.setComponentByName(name, value)


def encode_init(token: NegTokenInit, *, framed: bool = True) -> bytes:
    """DER-encode a NegTokenInit (NegTokenInit2 when it has hints), GSS-framed unless *framed* is False."""
    choice: Any = asn1.NegotiationToken() if token.is_init2 else asn1.NegotiationTokenInit1()
    body: Any = choice.getComponentByName("negTokenInit")
    _fill_mech_list(body.getComponentByName("mechTypes"), token.mech_types)
    if token.req_flags is not None:
        _set(body, "reqFlags", _flags_bits(token.req_flags))
    if token.mech_token is not None:
        _set(body, "mechToken", token.mech_token)
    if token.is_init2:
        hints: Any = body.getComponentByName("negHints")
        if token.hint_name is not None:
            _set(hints, "hintName", token.hint_name.encode("utf-8"))
        if token.hint_address is not None:
            _set(hints, "hintAddress", token.hint_address)
    if token.mech_list_mic is not None:
        _set(body, "mechListMIC", token.mech_list_mic)
    der = bytes(encoder.encode(choice))
    return wrap_initial(oids.SPNEGO, der) if framed else der


def encode_resp(token: NegTokenResp) -> bytes:
    """DER-encode a NegTokenResp (never GSS-framed)."""
    choice: Any = asn1.NegotiationToken()
    body: Any = choice.getComponentByName("negTokenResp")
    if token.neg_state is not None:
        _set(body, "negState", int(token.neg_state))
    if token.supported_mech is not None:
        _set(body, "supportedMech", token.supported_mech)
    if token.response_token is not None:
        _set(body, "responseToken", token.response_token)
    if token.mech_list_mic is not None:
        _set(body, "mechListMIC", token.mech_list_mic)
    return bytes(encoder.encode(choice))


def encode(token: NegotiationToken) -> bytes:
    """Encode either token type the way it goes on the wire."""
    if isinstance(token, NegTokenInit):
        return encode_init(token)
    return encode_resp(token)


# --------------------------------------------------------------------------- decoding


def _opt(seq: Any, name: str) -> Any:
    value = seq.getComponentByName(name, instantiate=False)
    if value is univ.noValue or value is None or not value.isValue:
        return None
    return value


def _opt_bytes(seq: Any, name: str) -> bytes | None:
    value = _opt(seq, name)
    return None if value is None else bytes(value)


def _flags_int(value: Any) -> int:
    flags = 0
    for i, bit in enumerate(value.asNumbers() and tuple(value)):
        if bit and i < 32:
            flags |= 1 << i
    return flags


def _decode_choice(der: bytes, spec: Any) -> Any:
    value, rest = ber_decoder.decode(der, asn1Spec=spec)
    if rest:
        raise _invalid("trailing bytes after the SPNEGO token")
    return value


def _init_from(body: Any) -> NegTokenInit:
    mech_types = tuple(str(oid) for oid in body["mechTypes"])
    flags = _opt(body, "reqFlags")
    hint_name: str | None = None
    hint_address: bytes | None = None
    if "negHints" in body.componentType:
        hints = _opt(body, "negHints")
        if hints is not None:
            name = _opt(hints, "hintName")
            hint_name = "" if name is None else bytes(name).decode("utf-8", "replace")
            hint_address = _opt_bytes(hints, "hintAddress")
    return NegTokenInit(
        mech_types=mech_types,
        req_flags=None if flags is None else _flags_int(flags),
        mech_token=_opt_bytes(body, "mechToken"),
        mech_list_mic=_opt_bytes(body, "mechListMIC"),
        hint_name=hint_name,
        hint_address=hint_address,
    )


def _resp_from(body: Any) -> NegTokenResp:
    state = _opt(body, "negState")
    neg_state: NegState | None = None
    if state is not None:
        try:
            neg_state = NegState(int(state))
        except ValueError:
            raise _invalid(f"unknown negState {int(state)}") from None
    mech = _opt(body, "supportedMech")
    return NegTokenResp(
        neg_state=neg_state,
        supported_mech=None if mech is None else str(mech),
        response_token=_opt_bytes(body, "responseToken"),
        mech_list_mic=_opt_bytes(body, "mechListMIC"),
    )


def decode_negotiation_token(der: bytes) -> NegotiationToken:
    try:
        choice = _decode_choice(der, asn1.NegotiationToken())
    except SspiError:
        raise
    except Exception:
        # An RFC 4178 NegTokenInit carrying mechListMIC at [3] does not fit NegTokenInit2.
        try:
            choice = _decode_choice(der, asn1.NegotiationTokenInit1())
        except SspiError:
            raise
        except Exception as exc:
            raise _invalid(f"not a SPNEGO NegotiationToken ({type(exc).__name__})") from None
    try:
        name = choice.getName()
        body = choice.getComponent()
        if name == "negTokenInit":
            return _init_from(body)
        return _resp_from(body)
    except SspiError:
        raise
    except Exception as exc:
        raise _invalid(f"bad SPNEGO field ({type(exc).__name__})") from None


def decode(token: bytes) -> NegotiationToken:
    """Decode a SPNEGO token as received (framed init, bare init or bare resp) with pyasn1 alone.

    Raises SEC_E_INVALID_TOKEN for anything else, including a GSS frame for another mechanism.
    """
    token = bytes(token)
    if not token:
        raise _invalid("empty token")
    if is_initial(token):
        mech, inner = unwrap_initial(token)
        if mech != oids.SPNEGO:
            raise _invalid(f"GSS-API token for {mech}, not SPNEGO")
        result = decode_negotiation_token(inner)
        if not isinstance(result, NegTokenInit):
            raise _invalid("a framed SPNEGO token must be a NegTokenInit")
        return result
    if token[0] in (0xA0, 0xA1):
        return decode_negotiation_token(token)
    raise _invalid("not a SPNEGO token")
