"""Every parser turns random and mutated bytes into its own error, and the acceptor into a SEC_E_* status."""

from __future__ import annotations

from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_kerberos import KerberosSettings, gss_checksum, gss_framing, keytab
from sspi_emu_kerberos import asn1_reference as R
from sspi_emu_kerberos import messages as m
from sspi_emu_kerberos import user2user as U
from sspi_emu_kerberos.keys import Key

import sspi_emu as S
from sspi_emu.errors import SspiError
from tests.packages.kerberos.fake_kdc import REALM, FakeKdc

PARSERS: list[Callable[[bytes], object]] = [
    m.decode_ap_req, m.decode_ap_rep, m.decode_authenticator, m.decode_enc_ap_rep_part, m.decode_enc_kdc_rep_part,
    m.decode_enc_ticket_part, m.decode_etype_info2, m.decode_kdc_rep, m.decode_kdc_req, m.decode_krb_error,
    m.decode_method_data, m.decode_pa_enc_ts_enc, m.decode_ticket,
]

P = m.PrincipalName(1, ("alice",))
SAMPLES = [
    m.ApReq(0x20000000, m.Ticket(REALM, P, m.EncryptedData(18, b"x" * 40, 2)), m.EncryptedData(18, b"y" * 60)).encode(),
    m.ApRep(m.EncryptedData(18, b"z" * 50)).encode(),
    m.Authenticator(REALM, P, 1, 1800000000, (0x8003, bytes(24)), Key(18, bytes(32)), 5).encode(),
    m.EncApRepPart(1800000000, 3, Key(17, bytes(16)), 9).encode(),
    m.EncKdcRepPart(Key(18, bytes(32)), 1, 0, 1800000000, 1800003600, REALM, P).encode(),
    m.EncTicketPart(0, Key(18, bytes(32)), REALM, P, 1800000000, 1800003600).encode(),
    m.KrbError(25, REALM, P, 1800000000, 0, "text", b"\x30\x00").encode(),
    m.KdcReq(10, 0, REALM, 1800000000, 7, (18, 17), P, P, [(2, b"abc")]).encode(),
    m.KdcRep(11, REALM, P, m.Ticket(REALM, P, m.EncryptedData(18, b"x" * 40)), m.EncryptedData(18, b"q" * 40)).encode(),
    m.PaEncTsEnc(1800000000, 5).encode(),
    m.KrbCred([m.Ticket(REALM, P, m.EncryptedData(18, b"x" * 40, 2))], m.EncryptedData(18, b"k" * 50)).encode(),
    m.encode_enc_krb_cred_part([m.KrbCredInfo(Key(18, bytes(32)), REALM, P, 0x40000000, 1800000000, None,
                                              1800003600, None, REALM, m.PrincipalName(2, ("krbtgt", REALM)))],
                               1800000000, 7),
    U.TgtRequest(m.PrincipalName(1, ("bob",)), REALM).encode(),
    U.TgtReply(m.Ticket(REALM, P, m.EncryptedData(18, b"x" * 40, 2))).encode(),
]


def _mutate(data: bytes, pos: int, value: int, cut: int) -> bytes:
    b = bytearray(data)
    if b:
        b[pos % len(b)] = value
    return bytes(b[: max(0, len(b) - cut)])


@pytest.mark.parametrize("parse", PARSERS, ids=lambda f: f.__name__)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=200), sample=st.sampled_from(SAMPLES), pos=st.integers(0, 400),
       value=st.integers(0, 255), cut=st.integers(0, 3))
def test_parsers_raise_only_asn1_error(parse: Callable[[bytes], object], blob: bytes, sample: bytes, pos: int,
                                       value: int, cut: int) -> None:
    for data in (blob, _mutate(sample, pos, value, cut)):
        try:
            parse(data)
        except m.Asn1Error:
            pass


def test_samples_roundtrip() -> None:
    for parse, sample in zip(
        [m.decode_ap_req, m.decode_ap_rep, m.decode_authenticator, m.decode_enc_ap_rep_part,
         m.decode_enc_kdc_rep_part, m.decode_enc_ticket_part, m.decode_krb_error, m.decode_kdc_req,
         m.decode_kdc_rep, m.decode_pa_enc_ts_enc], SAMPLES):
        parse(sample)


@settings(max_examples=200, deadline=None)
@given(blob=st.binary(max_size=300), pos=st.integers(0, 2000), value=st.integers(0, 255), cut=st.integers(0, 3))
def test_framing_checksum_keytab_parsers(blob: bytes, pos: int, value: int, cut: int) -> None:
    framed = gss_framing.frame(gss_framing.TOK_AP_REQ, SAMPLES[0])
    for data in (blob, _mutate(framed, pos, value, cut)):
        try:
            gss_framing.unframe(data)
        except gss_framing.FramingError:
            pass
    try:
        gss_checksum.parse_gss_checksum(blob)
    except ValueError:
        pass
    try:
        gss_checksum.bindings_hash(blob)
    except gss_checksum.BindingsError:
        pass
    try:
        keytab.parse_keytab(b"\x05\x02" + blob)
    except keytab.KeytabError:
        pass


_KDC = FakeKdc({"alice": "pw"}, {"HTTP/web.example": "svc"})
_CRED = S.Credential("Kerberos", use="outbound",
                     auth_data=KerberosSettings(user=f"alice@{REALM}", password="pw", transport=_KDC))
_REAL_TOKEN = S.ClientContext("Kerberos", target="HTTP/web.example", credential=_CRED, flags=2).step(None)
_SERVER_CRED = S.Credential("Kerberos", use="inbound",
                            auth_data=KerberosSettings(service=f"HTTP/web.example@{REALM}", password="svc"))


@pytest.mark.contract("ASC-ERR-INVALID-TOKEN")
@settings(max_examples=150, deadline=None)
@given(blob=st.binary(max_size=300), pos=st.integers(0, 2000), value=st.integers(0, 255), cut=st.integers(0, 3))
def test_acceptor_answers_bad_tokens_with_a_status(blob: bytes, pos: int, value: int, cut: int) -> None:
    for data in (blob or b"\x00", _mutate(_REAL_TOKEN, pos, value, cut)):
        server = S.ServerContext("Kerberos", credential=_SERVER_CRED)
        try:
            server.step(data)
        except SspiError as err:
            assert err.status.name.startswith("SEC_E_") and err.status.name != "SEC_E_INTERNAL_ERROR"


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN")
@settings(max_examples=100, deadline=None)
@given(blob=st.binary(min_size=1, max_size=300))
def test_client_answers_bad_ap_rep_with_a_status(blob: bytes) -> None:
    client = S.ClientContext("Kerberos", target="HTTP/web.example", credential=_CRED, flags=2)
    client.step(None)
    with pytest.raises(SspiError) as err:
        client.step(blob)
    assert err.value.status.name != "SEC_E_INTERNAL_ERROR"


REFERENCE = {
    m.decode_ap_req: R.decode_ap_req, m.decode_ap_rep: R.decode_ap_rep,
    m.decode_authenticator: R.decode_authenticator, m.decode_enc_ap_rep_part: R.decode_enc_ap_rep_part,
    m.decode_enc_kdc_rep_part: R.decode_enc_kdc_rep_part, m.decode_enc_ticket_part: R.decode_enc_ticket_part,
    m.decode_etype_info2: R.decode_etype_info2, m.decode_kdc_rep: R.decode_kdc_rep,
    m.decode_kdc_req: R.decode_kdc_req, m.decode_krb_error: R.decode_krb_error,
    m.decode_method_data: R.decode_method_data, m.decode_pa_enc_ts_enc: R.decode_pa_enc_ts_enc,
    m.decode_ticket: R.decode_ticket,
    m.decode_krb_cred: R.decode_krb_cred, m.decode_enc_krb_cred_part: R.decode_enc_krb_cred_part,
    U.decode_tgt_request: R.decode_tgt_request, U.decode_tgt_reply: R.decode_tgt_reply,
}


def _without_der(obj: object) -> object:
    """The decoded value without ``der`` fields: ours keep the received bytes verbatim (as Kerberos
    requires for tickets), pyasn1's reference re-encodes them, which differs for non-canonical input."""
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return tuple((f.name, _without_der(getattr(obj, f.name))) for f in dataclasses.fields(obj) if not f.name.endswith("der"))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_without_der(x) for x in obj)
    return obj


def _outcome(parse: Callable[[bytes], object], data: bytes) -> object:
    try:
        return _without_der(parse(data))
    except m.Asn1Error:
        return "error"


def test_fast_decoder_matches_the_pyasn1_schemas_on_samples() -> None:
    for fast, ref in REFERENCE.items():
        for sample in SAMPLES:
            assert _outcome(fast, sample) == _outcome(ref, sample), fast.__name__


@pytest.mark.parametrize("fast", list(REFERENCE), ids=lambda f: f.__name__)
@settings(max_examples=150, deadline=None)
@given(sample=st.sampled_from(SAMPLES), pos=st.integers(0, 400), value=st.integers(0, 255))
def test_fast_decoder_accepts_only_what_pyasn1_accepts(fast: Callable[[bytes], object], sample: bytes, pos: int,
                                                     value: int) -> None:
    data = _mutate(sample, pos, value, 0)
    ours = _outcome(fast, data)
    if ours != "error":
        assert ours == _outcome(REFERENCE[fast], data)


def _sessions(enctype: int) -> tuple[object, object]:
    from sspi_emu_kerberos import enctypes
    from sspi_emu_kerberos.sessions import new_session

    key = enctypes.random_key(enctype)
    return new_session(key, True, True, 7, 9, True), new_session(key, False, True, 9, 7, True)


@pytest.mark.parametrize("enctype", [18, 20, 23])
@settings(max_examples=150, deadline=None)
@given(blob=st.binary(max_size=120), pos=st.integers(0, 300), value=st.integers(0, 255), cut=st.integers(0, 3))
def test_message_token_parsers_raise_only_token_errors(enctype: int, blob: bytes, pos: int, value: int,
                                                       cut: int) -> None:
    from sspi_emu_kerberos.cfx import SequenceError, TokenError

    client, server = _sessions(enctype)
    sealed = client.wrap(b"payload " * 3)  # type: ignore[attr-defined]
    mic = client.get_mic(b"payload")  # type: ignore[attr-defined]
    for data in (blob, _mutate(sealed, pos, value, cut)):
        try:
            server.unwrap(data)  # type: ignore[attr-defined]
        except (TokenError, SequenceError):
            pass
    for data in (blob, _mutate(mic, pos, value, cut)):
        try:
            server.verify_mic(b"payload", data)  # type: ignore[attr-defined]
        except (TokenError, SequenceError):
            pass


@settings(max_examples=200, deadline=None)
@given(blob=st.binary(max_size=200), pos=st.integers(0, 400), value=st.integers(0, 255), cut=st.integers(0, 3))
def test_user_to_user_parsers_raise_only_asn1_error(blob: bytes, pos: int, value: int, cut: int) -> None:
    req = U.TgtRequest(m.PrincipalName(1, ("bob",)), REALM).encode()
    rep = U.TgtReply(m.Ticket(REALM, P, m.EncryptedData(18, b"x" * 40, 2))).encode()
    assert U.decode_tgt_request(req).realm == REALM and U.decode_tgt_reply(rep).ticket.realm == REALM
    for parse, sample in ((U.decode_tgt_request, req), (U.decode_tgt_reply, rep)):
        for data in (blob, _mutate(sample, pos, value, cut)):
            try:
                parse(data)
            except m.Asn1Error:
                pass
