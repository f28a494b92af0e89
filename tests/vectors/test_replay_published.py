"""Every published exchange the packages cover replays green through ``sspi-emu replay vectors/``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sspi_emu import vectors
from sspi_emu.cli import main

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "vectors"
EXCHANGES = VECTORS / "exchanges"
#: The published exchanges that must exist (and pass): one per specification example the packages reproduce.
PUBLISHED = [
    "ms-nlmp-4.2.2-ntlmv1", "ms-nlmp-4.2.3-ntlmv1", "ms-nlmp-4.2.4-ntlmv2", "rfc2617-3.5-digest-md5",
    "rfc7616-3.9.1-digest-sha256", "rfc7616-3.9.1-digest-md5", "rfc7616-3.9.2-digest-sha512-256-userhash",
    "rfc2831-4-digest-md5-imap", "rfc8448-3-tls13-simple-1rtt",
]


def _load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _leg_hex(exchange: dict, leg: int, index: int = 0) -> str:
    return exchange["legs"][leg]["output"][index]["hex"]


def test_sspi_emu_replay_vectors_dir_is_green(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["replay", str(VECTORS)])
    out = capsys.readouterr().out
    assert rc == 0, out
    for name in PUBLISHED:
        assert f"PASS {name}:" in out
    assert "FAIL" not in out
    assert out.strip().splitlines()[-1].startswith("replay: ")


@pytest.mark.parametrize("name", PUBLISHED)
def test_each_published_exchange_replays_each_side_alone(name: str) -> None:
    (vector,) = vectors.load(EXCHANGES / f"{name}.json")
    for side in vector.sides:
        result = vectors.replay(vector, [side])
        assert result.outcome == "pass", result.line()
        assert result.sides == (side,)


@pytest.mark.parametrize("section,file", [("4.2.2", "ntlm-ms-nlmp-4.2.2-ntlmv1.json"),
                                          ("4.2.3", "ntlm-ms-nlmp-4.2.3-ntlmv1-ess.json"),
                                          ("4.2.4", "ntlm-ms-nlmp-4.2.4-ntlmv2.json")])
def test_ntlm_exchanges_carry_the_published_bytes(section: str, file: str) -> None:
    """The exchange's expected outputs are MS-NLMP's own bytes, not merely what sspi-emu produced once."""
    e = _load(file)["expected"]
    (path,) = EXCHANGES.glob(f"ms-nlmp-{section}-*.json")
    x = json.loads(path.read_text(encoding="utf-8"))
    assert _leg_hex(x, 1) == e["challenge_message"]
    assert _leg_hex(x, 2) == e["authenticate_message"]
    assert _leg_hex(x, 4, 0) == e["wrap_signature"]
    assert _leg_hex(x, 4, 1) == e["wrap_sealed_data"]
    assert x["legs"][4]["call"] == "EncryptMessage" and x["legs"][5]["call"] == "DecryptMessage"


def test_digest_exchanges_carry_the_published_responses() -> None:
    r2617 = _load("digest-rfc2617.json")["expected"]["digest_response"]
    r7616 = _load("digest-rfc7616.json")["expected"]
    r2831 = _load("digest-rfc2831.json")["expected"]

    def text(name: str, leg: int = 0) -> str:
        x = json.loads((EXCHANGES / f"{name}.json").read_text(encoding="utf-8"))
        return bytes.fromhex(_leg_hex(x, leg)).decode()

    assert f'response="{r2617}"' in text("rfc2617-3.5-digest-md5")
    assert f'response="{r7616["sha256_response"]}"' in text("rfc7616-3.9.1-digest-sha256")
    assert "algorithm=SHA-256" in text("rfc7616-3.9.1-digest-sha256")
    assert f'response="{r7616["md5_response"]}"' in text("rfc7616-3.9.1-digest-md5")
    assert text("rfc2831-4-digest-md5-imap", 1) == r2831["imap_response_str"]
    derived = _load("digest-rfc7616.json")["derived_fips_sha512_256"]
    userhash = text("rfc7616-3.9.2-digest-sha512-256-userhash")
    assert f'response="{derived["response"]}"' in userhash and f'username="{derived["userhash_username"]}"' in userhash


def test_rfc8448_exchange_carries_the_published_records() -> None:
    """Every record of RFC 8448 section 3 is an expected output of the exchange, in the RFC's order."""
    e = _load("schannel-rfc8448.json")["expected"]
    x = json.loads((EXCHANGES / "rfc8448-3-tls13-simple-1rtt.json").read_text(encoding="utf-8"))
    legs = x["legs"]

    def out(leg: int) -> str:
        return "".join(b.get("hex", "") for b in legs[leg]["output"][:3])

    assert [(leg["side"], leg["call"]) for leg in legs[:5]] == [
        ("client", "InitializeSecurityContext"), ("server", "AcceptSecurityContext"),
        ("client", "InitializeSecurityContext"), ("server", "AcceptSecurityContext"),
        ("client", "InitializeSecurityContext")]
    assert out(0) == e["client_hello_record"]
    assert out(1) == e["server_hello_record"] + e["server_handshake_record"]
    assert out(2) == e["client_finished_record"]
    assert out(3) == e["new_session_ticket_record"]
    assert legs[4]["input"][0]["hex"] == e["new_session_ticket_record"] and out(4) == ""
    assert legs[5]["call"] == "EncryptMessage" and out(5) == e["client_application_data_record"]
    assert legs[7]["call"] == "EncryptMessage" and out(7) == e["server_application_data_record"]
    assert out(10) == e["client_close_notify_record"] and out(13) == e["server_close_notify_record"]
    for side in ("client", "server"):
        settings = x["sides"][side]["auth_data"]["fields"]["EngineSettings"]
        assert settings["$class"] == "sspi_emu.schannel_credentials.TlsEngineSettings"


def test_published_exchanges_declare_their_secrets_as_published() -> None:
    for name in PUBLISHED:
        x = json.loads((EXCHANGES / f"{name}.json").read_text(encoding="utf-8"))
        assert x["format"] == vectors.FORMAT
        assert x["secrets"].startswith("published")
        assert x["source"]


def test_other_formats_in_the_folder_are_skipped_not_failed() -> None:
    found, skipped = vectors.load_path(VECTORS)
    names = {Path(f).name for f, _ in skipped}
    assert "ntlm-ms-nlmp-4.2.4-ntlmv2.json" in names  # a package's own known-answer file
    assert {v.name for v in found} >= set(PUBLISHED)
