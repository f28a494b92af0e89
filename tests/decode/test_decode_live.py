"""``sspi-emu decode`` on real tokens from every package, in every input form."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sspi_emu.cli import main
from sspi_emu.decode import Node, decode_input, render_text

from .live_tokens import demo_tokens, kerberos_tokens


def names(node: Node) -> list[str]:
    out = [node.name]
    for c in node.children:
        out.extend(names(c))
    return out


def value(node: Node, name: str) -> str:
    hit = node.find(name)
    assert hit is not None and hit.value is not None, (name, render_text(node))
    return hit.value


def test_ntlm_three_messages() -> None:
    neg, chal, auth = demo_tokens("NTLM")[:3]
    n1 = decode_input(neg, strict=True)
    assert n1.name == "NTLM NEGOTIATE_MESSAGE"
    assert "NEGOTIATE_UNICODE" in value(n1, "NegotiateFlags") and "NEGOTIATE_SEAL" in value(n1, "NegotiateFlags")
    n2 = decode_input(chal, strict=True)
    assert n2.name == "NTLM CHALLENGE_MESSAGE"
    assert value(n2, "ServerChallenge") == chal[24:32].hex()
    assert value(n2, "MsvAvNbComputerName") == "'SSPI-EMU'"
    assert value(n2, "MsvAvTimestamp").startswith("20")  # a date, not a number
    n3 = decode_input(auth, strict=True)
    assert n3.name == "NTLM AUTHENTICATE_MESSAGE"
    assert value(n3, "UserName") == "'alice'" and value(n3, "DomainName") == "'DEMO'"
    assert value(n3, "NtChallengeResponse").startswith("NTLMv2")
    assert "MIC_PRESENT" in value(n3, "MsvAvFlags")
    assert value(n3, "MsvAvTargetName") == "'HTTP/demo.example'"
    assert len(value(n3, "MIC")) == 32


def test_spnego_init_and_responses_with_inner_ntlm() -> None:
    init, resp, auth, done = demo_tokens("Negotiate")[:4]
    n = decode_input(init, strict=True)
    assert n.name == "GSS-API InitialContextToken"
    assert value(n, "thisMech") == "1.3.6.1.5.5.2 (SPNEGO (RFC 4178))"
    assert "NTLM (NTLMSSP)" in value(n, "-")
    assert n.find("NTLM NEGOTIATE_MESSAGE") is not None
    r = decode_input(resp, strict=True)
    assert r.name == "SPNEGO NegTokenResp" and value(r, "negState") == "1 (accept-incomplete)"
    assert r.find("NTLM CHALLENGE_MESSAGE") is not None
    assert decode_input(auth, strict=True).find("NTLM AUTHENTICATE_MESSAGE") is not None
    assert value(decode_input(done, strict=True), "negState") == "0 (accept-completed)"


def test_kerberos_ap_req_and_ap_rep() -> None:
    ap_req, ap_rep = kerberos_tokens()
    n = decode_input(ap_req, strict=True)
    assert "Kerberos 5" in value(n, "thisMech")
    assert value(n, "krb5 token") == "KRB_AP_REQ"
    assert n.find("Kerberos AP-REQ") is not None
    assert value(n, "msg-type") == "14 (AP-REQ)"
    assert "NT-SRV" in value(n, "name-type") or "NT-PRINCIPAL" in value(n, "name-type")
    assert value(n, "etype").split()[1].startswith("(")
    rep = decode_input(ap_rep, strict=True)
    assert rep.find("Kerberos AP-REP") is not None or value(rep, "krb5 token") == "KRB_AP_REP"


def test_digest_http_challenge_response_and_auth_info() -> None:
    challenge, response, info = demo_tokens("WDigest", 0)[:3]
    c = decode_input(challenge, strict=True)
    assert c.name == "Digest WWW-Authenticate challenge" and value(c, "realm")
    r = decode_input(response, strict=True)
    assert r.name == "Digest Authorization (client response)"
    assert value(r, "nc") == "00000001 (request 1)" and value(r, "username") == "'alice'"
    i = decode_input(info, strict=True)
    assert "rspauth" in names(i)


def test_digest_sasl_messages() -> None:
    tokens = [t for t in demo_tokens("WDigest", 1) if t]
    kinds = [decode_input(t, strict=True).name for t in tokens]
    assert "SASL DIGEST-MD5 SASL digest-challenge" in kinds
    assert "SASL DIGEST-MD5 SASL digest-response" in kinds


@pytest.mark.parametrize("profile,version", [(0, "TLS 1.3"), (1, "TLS 1.2")])
def test_tls_records_from_schannel(profile: int, version: str) -> None:
    client_hello, server_flight = demo_tokens("Schannel", profile)[:2]
    ch = decode_input(client_hello, strict=True)
    assert ch.name == "TLS records"
    assert ch.find("handshake client_hello") is not None
    ext = names(ch)
    assert any(n.startswith("signature_algorithms") for n in ext)
    if version == "TLS 1.3":
        assert any(n.startswith("supported_versions") for n in ext)
        assert any(n.startswith("key_share") for n in ext)
    assert any(n.startswith("server_name") for n in ext)
    sh = decode_input(server_flight, strict=True)
    assert sh.find("handshake server_hello") is not None
    text = render_text(sh)
    assert "cipher_suite: TLS_" in text
    if version == "TLS 1.2":
        assert sh.find("handshake certificate") is not None and "subject" in names(sh)
    else:
        assert "selected version: TLS 1.3 (0x0304)" in text


def test_input_forms_header_base64_hex_file(tmp_path: Path, capsys) -> None:
    neg = demo_tokens("NTLM")[0]
    b64 = base64.b64encode(neg).decode()
    for form in (b64, neg.hex(), f"NTLM {b64}", f"Authorization: NTLM {b64}", f"WWW-Authenticate: Negotiate {b64}",
                 " ".join(neg.hex()[i:i + 2] for i in range(0, len(neg.hex()), 2))):
        node = decode_input(form, strict=True)
        assert node.find("NTLM NEGOTIATE_MESSAGE") is not None or node.name == "NTLM NEGOTIATE_MESSAGE", form
    raw = tmp_path / "tok.bin"
    raw.write_bytes(neg)
    assert main(["decode", str(raw)]) == 0
    assert "NTLM NEGOTIATE_MESSAGE" in capsys.readouterr().out
    text = tmp_path / "tok.txt"
    text.write_text(f"Authorization: NTLM {b64}\n")
    assert main(["decode", str(text), "--json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["name"] == "HTTP NTLM" and tree["children"][0]["name"] == "NTLM NEGOTIATE_MESSAGE"
    flags = next(c for c in tree["children"][0]["children"] if c["name"] == "NegotiateFlags")
    assert "NEGOTIATE_UNICODE" in flags["value"] and isinstance(flags["offset"], int)


def test_cli_decode_digest_header(capsys) -> None:
    challenge = demo_tokens("WDigest", 0)[0].decode()
    assert main(["decode", f"WWW-Authenticate: {challenge}"]) == 0
    assert "Digest WWW-Authenticate challenge" in capsys.readouterr().out
