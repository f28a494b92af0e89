"""Published Digest examples reproduced through the package with the client nonce pinned."""

from __future__ import annotations

import base64

import pytest
from sspi_emu_digest.http_wire import DigestCredentials
from sspi_emu_digest.sasl_wire import SaslResponse

from sspi_emu import constants as C
from sspi_emu import entropy

from .digest_helpers import HTTP_C, Side, client_cred, cnonce_entropy, load_vector, params


def _http_answer(inputs: dict[str, str], challenge: str, req: int = HTTP_C) -> DigestCredentials:
    cred = client_cred(inputs["username_str"], inputs["password_str"], cnonce_length=len(inputs["cnonce_str"]))
    client = Side(cred, req, target=inputs["uri_str"])
    with entropy.pinned(cnonce_entropy(inputs["cnonce_str"])):
        leg = client.step(challenge.encode("utf-8"), params(inputs["method_str"], inputs["uri_str"]))
    assert leg.status == C.SEC_E_OK
    return DigestCredentials.parse(leg.token.decode("utf-8"))


def _challenge(i: dict[str, str], extra: str = "") -> str:
    return (
        f'Digest realm="{i["realm_str"]}", qop="auth, auth-int", algorithm={i["algorithm_str"]}, '
        f'nonce="{i["nonce_str"]}", opaque="{i["opaque_str"]}"{extra}'
    )


def test_rfc2617_3_5() -> None:
    v = load_vector("digest-rfc2617.json")
    i = v["inputs"]["digest"]
    creds = _http_answer(i, i["challenge_str"])
    assert creds.response == v["expected"]["digest_response"]
    assert (creds.username, creds.realm, creds.uri, creds.qop, creds.nc, creds.cnonce, creds.opaque) == (
        "Mufasa", i["realm_str"], i["uri_str"], "auth", "00000001", "0a4f113b", i["opaque_str"])


def test_rfc7616_3_9_1_prefers_sha256_over_md5() -> None:
    v = load_vector("digest-rfc7616.json")
    sha, md5 = v["inputs"]["sha256"], v["inputs"]["md5"]
    both = _challenge(md5) + ", " + _challenge(sha)  # two challenges in one header value, weaker first
    creds = _http_answer(sha, both)
    assert creds.algorithm.name == "SHA-256"
    assert creds.response == v["expected"]["sha256_response"]


def test_rfc7616_3_9_1_md5() -> None:
    v = load_vector("digest-rfc7616.json")
    md5 = v["inputs"]["md5"]
    assert _http_answer(md5, _challenge(md5)).response == v["expected"]["md5_response"]


def test_rfc7616_3_9_2_sha512_256_userhash_charset() -> None:
    v = load_vector("digest-rfc7616.json")
    i = v["inputs"]["sha512_256_userhash"]
    challenge = (
        f'Digest realm="{i["realm_str"]}", qop="auth", algorithm=SHA-512-256, nonce="{i["nonce_str"]}", '
        f'opaque="{i["opaque_str"]}", charset=UTF-8, userhash=true'
    )
    creds = _http_answer(i, challenge)
    derived = v["derived_fips_sha512_256"]
    assert creds.userhash and creds.username == derived["userhash_username"]
    assert creds.response == derived["response"]


def test_rfc7616_username_star_for_non_ascii_name() -> None:
    v = load_vector("digest-rfc7616.json")
    i = v["inputs"]["sha512_256_userhash"]
    challenge = f'Digest realm="{i["realm_str"]}", qop="auth", algorithm=SHA-512-256, nonce="{i["nonce_str"]}", charset=UTF-8'
    token = _http_answer(i, challenge)
    assert token.username_ext and token.username == "Jäsøn Doe"
    cred = client_cred(i["username_str"], i["password_str"], cnonce_length=len(i["cnonce_str"]))
    client = Side(cred, HTTP_C, target=i["uri_str"])
    with entropy.pinned(cnonce_entropy(i["cnonce_str"])):
        raw = client.step(challenge.encode(), params()).token.decode("ascii")
    assert "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe" in raw


@pytest.mark.parametrize("which", ["imap", "acap"])
def test_rfc2831_4(which: str) -> None:
    v = load_vector("digest-rfc2831.json")
    i = v["inputs"][which]
    cred = client_cred(i["username_str"], i["password_str"], cnonce_length=len(i["cnonce_str"]))
    client = Side(cred, 0, target=i["digest_uri_str"])
    if which == "imap":
        challenge = base64.b64decode(i["challenge_b64_str"])
        assert challenge.decode() == v["expected"]["imap_challenge_str"]
    else:
        challenge = (
            f'realm="{i["realm_str"]}",nonce="{i["nonce_str"]}",qop="auth",algorithm=md5-sess,charset=utf-8'
        ).encode()
    assert client.step(None).status == C.SEC_I_CONTINUE_NEEDED
    with entropy.pinned(cnonce_entropy(i["cnonce_str"])):
        leg = client.step(challenge)
    assert leg.status == C.SEC_I_CONTINUE_NEEDED
    resp = SaslResponse.parse(leg.token.decode())
    assert resp.response == v["expected"][f"{which}_response"]
    if which == "imap":
        assert leg.token.decode() == v["expected"]["imap_response_str"]
        assert base64.b64encode(leg.token).decode() == i["response_b64_str"]
        rspauth = base64.b64decode(i["rspauth_b64_str"])
    else:
        rspauth = f"rspauth={v['expected']['acap_rspauth']}".encode()
    done = client.step(rspauth)
    assert done.status == C.SEC_E_OK
    assert done.attrs & C.ISC_RET_MUTUAL_AUTH


def test_rfc2831_wrong_rspauth_is_refused() -> None:
    v = load_vector("digest-rfc2831.json")
    i = v["inputs"]["imap"]
    cred = client_cred(i["username_str"], i["password_str"], cnonce_length=len(i["cnonce_str"]))
    client = Side(cred, 0, target=i["digest_uri_str"])
    with entropy.pinned(cnonce_entropy(i["cnonce_str"])):
        client.step(base64.b64decode(i["challenge_b64_str"]))
    assert client.step(b"rspauth=" + b"0" * 32).status == C.SEC_E_WRONG_PRINCIPAL
