"""Property tests: the challenge / response parsers and every handshake leg never crash on bad input."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_digest.http_wire import AuthenticationInfo, DigestCredentials, parse_digest_challenges
from sspi_emu_digest.params import MAX_TEXT, ParseError, parse_challenges, parse_directives, quote
from sspi_emu_digest.sasl_wire import SaslChallenge, SaslResponse, parse_rspauth

from sspi_emu import constants as C

from .digest_helpers import HTTP_C, HTTP_S, Side, client_cred, params, server_cred

PARSERS = [parse_challenges, parse_directives, parse_digest_challenges, DigestCredentials.parse,
           AuthenticationInfo.parse, SaslChallenge.parse, SaslResponse.parse, parse_rspauth]
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_ALPHABET = st.sampled_from(list('abcdegimnopqrstu=,"\\ \t/-:*\'%') + ["Digest ", "realm", "nonce", "qop", "\x00", "é"])
structured = st.lists(_ALPHABET, max_size=60).map("".join)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__qualname__)
@_SETTINGS
@given(text=st.one_of(st.text(max_size=200), structured))
def test_parsers_raise_only_parse_error(parser: object, text: str) -> None:
    try:
        parser(text)  # type: ignore[operator]
    except ParseError:
        pass


@_SETTINGS
@given(value=st.text(alphabet=st.characters(blacklist_characters="\r\n\x00"), max_size=40))
def test_quoted_strings_round_trip(value: str) -> None:
    params_, _ = parse_directives(f"a={quote(value)}, b=x")
    assert params_ == {"a": value, "b": "x"}


def test_commas_and_equals_inside_quotes() -> None:
    chs = parse_challenges('Digest realm="a, b=c", nonce="x,y", qop="auth,auth-int", Basic realm="z"')
    assert [c.scheme for c in chs] == ["Digest", "Basic"]
    assert chs[0].params == {"realm": "a, b=c", "nonce": "x,y", "qop": "auth,auth-int"}


def test_token68_challenges_are_kept_apart() -> None:
    chs = parse_challenges('Negotiate YIIB==, Digest realm="r", nonce="n"')
    assert chs[0].token68 == "YIIB==" and chs[1].params["nonce"] == "n"


@pytest.mark.parametrize("text", ['Digest realm="a", realm="b"', 'realm="a",  REALM="b"'])
def test_duplicate_directives_are_refused(text: str) -> None:
    with pytest.raises(ParseError):
        parse_challenges(text) if text.startswith("Digest") else parse_directives(text)


def test_sasl_realm_may_repeat() -> None:
    ch = SaslChallenge.parse('realm="a",realm="b",nonce="n",algorithm=md5-sess')
    assert ch.realms == ["a", "b"]


def test_huge_input_is_refused_quickly_with_bounded_memory() -> None:
    huge = "Digest " + "a=b, " * (10 * MAX_TEXT)
    tracemalloc.start()
    try:
        with pytest.raises(ParseError):
            parse_challenges(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024
    many = ", ".join(f"x{i}=1" for i in range(300))
    with pytest.raises(ParseError, match="elements"):
        parse_directives(many)


@pytest.mark.contract("ASC-ERR-INVALID-TOKEN")
@_SETTINGS
@given(token=st.one_of(st.binary(max_size=300), structured.map(str.encode)))
def test_server_legs_never_raise(token: bytes) -> None:
    for req in (HTTP_S, 0):
        status = Side(server_cred(), req, server=True).step(token, params()).status
        assert status in (C.SEC_E_INVALID_TOKEN, C.SEC_E_LOGON_DENIED) or not status.is_error


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN")
@_SETTINGS
@given(token=st.one_of(st.binary(max_size=300), structured.map(str.encode)))
def test_client_legs_never_raise(token: bytes) -> None:
    for req, target in ((HTTP_C, "/x"), (0, "imap/host")):
        status = Side(client_cred(), req, target=target).step(token, params()).status
        assert status == C.SEC_E_INVALID_TOKEN or not status.is_error


def _real_tokens() -> tuple[bytes, bytes]:
    server = Side(server_cred(), HTTP_S, server=True)
    challenge = server.step(None, params()).token
    answer = Side(client_cred(), HTTP_C, target="/dir/index.html").step(challenge, params()).token
    return challenge, answer


CHALLENGE, ANSWER = _real_tokens()


@_SETTINGS
@given(pos=st.integers(0, len(ANSWER) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_mutated_real_authorization(pos: int, byte: int, cut: bool) -> None:
    token = ANSWER[:pos] if cut else ANSWER[:pos] + bytes([byte]) + ANSWER[pos + 1 :]
    status = Side(server_cred(), HTTP_S, server=True).step(token, params()).status
    assert status in (C.SEC_E_INVALID_TOKEN, C.SEC_E_LOGON_DENIED) or not status.is_error


@_SETTINGS
@given(pos=st.integers(0, len(CHALLENGE) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_mutated_real_challenge(pos: int, byte: int, cut: bool) -> None:
    token = CHALLENGE[:pos] if cut else CHALLENGE[:pos] + bytes([byte]) + CHALLENGE[pos + 1 :]
    status = Side(client_cred(), HTTP_C, target="/x").step(token, params()).status
    assert status == C.SEC_E_INVALID_TOKEN or not status.is_error


@_SETTINGS
@given(text=st.one_of(structured, st.text(max_size=120)))
def test_fast_and_general_parsers_agree(text: str) -> None:
    from sspi_emu_digest.params import _elements, _fast_pairs, _lex, _param

    fast = _fast_pairs(text)
    if fast is None:
        return
    assert fast == [_param(e) for e in _elements(_lex(text))]


@_SETTINGS
@given(value=st.text(alphabet=st.characters(blacklist_characters="\r\n\x00"), max_size=30))
def test_fast_path_challenge_round_trip(value: str) -> None:
    chs = parse_challenges(f"Digest realm={quote(value)}, nonce=abc")
    assert chs[0].params == {"realm": value, "nonce": "abc"}


_NAMES = st.sampled_from(["realm", "nonce", "qop", "Realm", "NONCE", "a", "x-y", "username*", "é", "b"])
_OWS = st.sampled_from(["", " ", "\t", "  "])
_VALUES = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\r\n\x00"), max_size=12).map(quote),
    st.from_regex(r"[A-Za-z0-9+/=.-]{1,8}", fullmatch=True),
    st.sampled_from(['"unterminated', "", '"a\\"b"', '"\\\\"', "a b", "x\x01"]),
)
_ELEMENT = st.tuples(_NAMES, _OWS, _VALUES, _OWS).map(lambda e: f"{e[0]}{e[1]}={e[1]}{e[2]}{e[3]}")
_SEPARATORS = st.sampled_from([", ", ",", " , ", ",, ", ", ,"])
# Mostly well-formed lists (so the plain path is taken), with case, escapes, duplicates and junk mixed in.
plain_lists = st.tuples(st.lists(_ELEMENT, max_size=8), _SEPARATORS, st.sampled_from(["", " ", ",", ", "])).map(
    lambda t: t[1].join(t[0]) + t[2]
)


def _general(text: str) -> dict[str, str] | str:
    from sspi_emu_digest.params import _elements, _lex, _param

    try:
        pairs = [_param(e) for e in _elements(_lex(text))]
    except ParseError:
        return "error"
    params = dict(pairs)
    return params if len(params) == len(pairs) else "error"


@_SETTINGS
@given(text=st.one_of(plain_lists, structured, st.text(max_size=120)))
def test_plain_and_general_parsers_agree(text: str) -> None:
    from sspi_emu_digest.params import _plain_params, parse_params

    plain = _plain_params(text)
    general = _general(text)
    if plain is not None:
        assert plain == general
    try:
        assert parse_params(text) == general
    except ParseError:
        assert general == "error"


def test_plain_parser_takes_the_usual_values_and_leaves_the_rest() -> None:
    from sspi_emu_digest.params import _plain_params, parse_params

    assert _plain_params('realm="a, b=c", nc=00000001 ,qop=auth,, x="", y=z') == {
        "realm": "a, b=c", "nc": "00000001", "qop": "auth", "x": "", "y": "z"}
    assert _plain_params("") == {}
    for other in ('Realm="a"', 'realm="a", realm="b"', ', realm="a"', 'realm="a" junk', 'realm="a\n"', "é=1",
                  'x="q\\"t"', "x=a\\b", 'x=a"', 'x="a', 'x="a"b', "x=", 'x="a" "b"', 'x=a"b"'):
        assert _plain_params(other) is None
    # Escapes are left to the general parser.
    assert parse_params('x="q\\"t", y=a\\b') == {"x": 'q"t', "y": "a\\b"}


@_SETTINGS
@given(rest=st.one_of(plain_lists, structured), scheme=st.sampled_from(["Digest", "digest", "Basic", " Digest", "A B"]))
def test_plain_challenge_agrees_with_parse_challenges(rest: str, scheme: str) -> None:
    from sspi_emu_digest.params import Challenge, plain_challenge

    text = f"{scheme} {rest}"
    single = plain_challenge(text)
    if single is not None:
        assert parse_challenges(text) == [Challenge(*single)]


@_SETTINGS
@given(rest=plain_lists, lead=st.sampled_from(["Digest ", "Digest   ", "Digest \t", "Digest\t", " Digest ", "digest "]))
def test_authorization_scheme_forms_parse_alike(rest: str, lead: str) -> None:
    def outcome(text: str) -> object:
        try:
            return DigestCredentials.parse(text)
        except ParseError:
            return "error"

    assert outcome(lead + rest) == outcome("Digest " + rest.lstrip())


_FIELD = st.one_of(st.sampled_from(["alice", "/dir/index.html", "a b", "", "é", 'q"t', "b\\s"]),
                   st.text(alphabet=st.characters(blacklist_characters="\r\n\x00"), max_size=8))
_OPTIONAL = st.one_of(st.none(), _FIELD)


@_SETTINGS
@given(username=_FIELD, realm=_FIELD, nonce=_FIELD, uri=_FIELD, response=_FIELD, qop=st.sampled_from([None, "auth"]),
       nc=st.sampled_from([None, "00000001"]), cnonce=_OPTIONAL, opaque=_OPTIONAL, flags=st.lists(st.booleans(), min_size=3,
       max_size=3), alg=st.sampled_from(["MD5", "SHA-256-sess"]))
def test_authorization_formats_alike_and_round_trips(username: str, realm: str, nonce: str, uri: str, response: str,
                                                      qop: str | None, nc: str | None, cnonce: str | None,
                                                      opaque: str | None, flags: list[bool], alg: str) -> None:
    from sspi_emu_digest.algorithms import ALGORITHMS

    creds = DigestCredentials(username, realm, nonce, uri, response, ALGORITHMS[alg.upper()], qop, nc, cnonce, opaque,
                              flags[0], flags[1], flags[2])
    text = creds.format()
    assert text == creds._format_general()
    back = DigestCredentials.parse(text)
    assert (back.username, back.realm, back.nonce, back.uri, back.opaque) == (username, realm, nonce, uri, opaque)
    assert back.response == response.strip().lower()


@_SETTINGS
@given(rspauth=_FIELD, qop=st.sampled_from([None, "auth", "auth-int"]), nc=st.sampled_from([None, "0000000a"]),
       cnonce=_OPTIONAL, nextnonce=_OPTIONAL)
def test_authentication_info_formats_alike_and_round_trips(rspauth: str, qop: str | None, nc: str | None,
                                                           cnonce: str | None, nextnonce: str | None) -> None:
    from sspi_emu_digest.http_wire import _format_info_general

    info = AuthenticationInfo(rspauth, qop, nc, cnonce, nextnonce)
    text = info.format()
    assert text == _format_info_general(rspauth, qop, nc, cnonce, nextnonce)
    back = AuthenticationInfo.parse(text)
    assert (back.qop, back.nc, back.cnonce, back.nextnonce) == (qop, nc, cnonce, nextnonce)
    assert back.rspauth == rspauth.strip().lower()


@_SETTINGS
@given(text=st.text(alphabet=st.sampled_from(['a', '"', "\\", "\r", "\n", "\x00", " ", "é", "\t"]), max_size=20))
def test_plain_qtext_check_agrees_with_the_qtext_grammar(text: str) -> None:
    from sspi_emu_digest.params import _PLAIN_QTEXT, is_plain_qtext

    assert is_plain_qtext(text) == (_PLAIN_QTEXT(text) is not None)
