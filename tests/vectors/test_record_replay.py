"""Record a live exchange, replay it byte for byte; one changed byte fails naming the leg and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sspi_emu import vectors
from sspi_emu.cli import main

from .helpers import record_demo

DEMOS = [("NTLM", 0), ("NTLM", 1), ("NTLM", 2), ("Negotiate", 0), ("WDigest", 0), ("WDigest", 1), ("Schannel", 0),
         ("Schannel", 1)]


def _strip_entropy(v: vectors.Vector) -> list[tuple[str, str, dict]]:
    return [(leg.side, leg.call, leg.data) for leg in v.legs]


@pytest.mark.parametrize("package,profile", DEMOS)
def test_record_then_replay_gives_identical_bytes(tmp_path: Path, package: str, profile: int) -> None:
    path = tmp_path / "x.json"
    original = record_demo(path, package, profile)
    (loaded,) = vectors.load(path)
    result = vectors.replay(loaded)
    assert result.outcome == "pass", result.line()
    assert set(result.sides) == {"client", "server"} and result.legs == len(loaded.legs)
    # replaying under a second recording captures the very same calls, inputs and outputs
    with vectors.recording(tmp_path / "again.json", include_secrets=True) as rec:
        assert vectors.replay(loaded).outcome == "pass"
    (again,) = rec.vectors()
    assert _strip_entropy(again) == _strip_entropy(original)
    for side in ("client", "server"):
        assert vectors.replay(loaded, [side]).outcome == "pass"


def _mutate(path: Path, edit) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    out = path.with_name("mutated.json")
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def _flip(hexstr: str, at: int) -> str:
    raw = bytearray(bytes.fromhex(hexstr))
    raw[at] ^= 0x01
    return raw.hex()


@pytest.fixture
def ntlm_vector(tmp_path: Path) -> Path:
    path = tmp_path / "ntlm.json"
    record_demo(path, "NTLM")
    return path


def test_one_changed_output_byte_fails_naming_leg_and_field(ntlm_vector: Path, capsys) -> None:
    def edit(d: dict) -> None:
        d["legs"][2]["output"][0]["hex"] = _flip(d["legs"][2]["output"][0]["hex"], 40)

    bad = _mutate(ntlm_vector, edit)
    (v,) = vectors.load(bad)
    result = vectors.replay(v)
    assert result.outcome == "fail"
    assert result.mismatch is not None and result.mismatch.leg is not None
    assert result.mismatch.leg.index == 2 and result.mismatch.offset == 40
    assert result.mismatch.field == "output[0] TOKEN"
    rc = main(["replay", str(bad)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "FAIL" in out and "leg 2 (client InitializeSecurityContext) output[0] TOKEN: byte 40 (0x28) differs" in out
    assert "0 passed, 1 failed" in out


def test_one_changed_input_byte_fails_at_that_leg(ntlm_vector: Path) -> None:
    def edit(d: dict) -> None:  # the CHALLENGE fed to the client: its server challenge
        d["legs"][2]["input"][0]["hex"] = _flip(d["legs"][2]["input"][0]["hex"], 24)

    (v,) = vectors.load(_mutate(ntlm_vector, edit))
    result = vectors.replay(v, ["client"])
    assert result.outcome == "fail" and result.mismatch is not None
    assert result.mismatch.leg is not None and result.mismatch.leg.index == 2
    assert result.mismatch.field.startswith("output[0]")


def test_changed_pinned_randomness_fails_at_the_leg_that_drew_it(ntlm_vector: Path) -> None:
    def edit(d: dict) -> None:
        rnd = d["legs"][1]["entropy"]["random"][0]
        rnd["hex"] = _flip(rnd["hex"], 0)

    (v,) = vectors.load(_mutate(ntlm_vector, edit))
    result = vectors.replay(v)
    assert result.outcome == "fail" and result.mismatch is not None
    assert result.mismatch.leg is not None and result.mismatch.leg.index == 1
    assert result.mismatch.field == "output[0] TOKEN"


def test_missing_or_extra_randomness_is_named(ntlm_vector: Path) -> None:
    def drop(d: dict) -> None:
        d["legs"][1]["entropy"]["random"] = []

    (v,) = vectors.load(_mutate(ntlm_vector, drop))
    result = vectors.replay(v)
    assert result.outcome == "fail" and result.mismatch is not None
    assert result.mismatch.field == "entropy" and "no more values" in result.mismatch.message

    def extra(d: dict) -> None:
        d["legs"][1]["entropy"]["random"].append({"label": "x", "hex": "00"})

    (v,) = vectors.load(_mutate(ntlm_vector, extra))
    result = vectors.replay(v)
    assert result.mismatch is not None and "not drawn" in result.mismatch.message


def test_changed_status_and_attributes_are_named(ntlm_vector: Path) -> None:
    def status(d: dict) -> None:
        d["legs"][0]["status"] = "SEC_E_OK"

    (v,) = vectors.load(_mutate(ntlm_vector, status))
    m = vectors.replay(v).mismatch
    assert m is not None and m.field == "status" and "expected SEC_E_OK, got SEC_I_CONTINUE_NEEDED" in m.message

    def attrs(d: dict) -> None:
        d["legs"][0]["attributes"] = "0x00000000"

    (v,) = vectors.load(_mutate(ntlm_vector, attrs))
    m = vectors.replay(v).mismatch
    assert m is not None and m.field == "attributes" and m.leg is not None and m.leg.index == 0


def test_message_leg_byte_change_is_named(ntlm_vector: Path) -> None:
    data = json.loads(ntlm_vector.read_text(encoding="utf-8"))
    enc = next(i for i, leg in enumerate(data["legs"]) if leg["call"] == "EncryptMessage")

    def edit(d: dict) -> None:
        d["legs"][enc]["output"][1]["hex"] = _flip(d["legs"][enc]["output"][1]["hex"], 3)

    (v,) = vectors.load(_mutate(ntlm_vector, edit))
    m = vectors.replay(v).mismatch
    assert m is not None and m.leg is not None and m.leg.index == enc
    assert m.field == "output[1] DATA" and m.offset == 3


def test_secrets_are_withheld_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    record_demo(path, "NTLM", include_secrets=False)
    text = path.read_text(encoding="utf-8")
    assert "Passw0rd!" not in text and '"$secret": "withheld"' in text
    (v,) = vectors.load(path)
    result = vectors.replay(v)
    assert result.outcome == "skip" and "withheld" in result.note
    record_demo(path, "NTLM", include_secrets=True)
    assert "Passw0rd!" in path.read_text(encoding="utf-8")


def test_cli_record_without_secrets_refers_to_the_demo_and_replays(tmp_path: Path, capsys) -> None:
    out = tmp_path / "rec.json"
    assert main(["record", "--package", "NTLM", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Passw0rd!" not in text and '"$demo"' in text
    assert main(["replay", str(out)]) == 0
    assert "PASS rec:" in capsys.readouterr().out


def test_cli_record_one_side(tmp_path: Path) -> None:
    out = tmp_path / "client.json"
    assert main(["record", "--package", "WDigest", "--profile", "HTTP", "--side", "client", "-o", str(out)]) == 0
    (v,) = vectors.load(out)
    assert set(v.sides) == {"client"} and all(leg.side == "client" for leg in v.legs)
    assert vectors.replay(v).outcome == "pass"


def test_cli_record_one_side_against_a_recorded_peer(tmp_path: Path) -> None:
    peer = tmp_path / "peer.json"
    assert main(["record", "--package", "NTLM", "-o", str(peer)]) == 0
    ours = tmp_path / "ours.json"
    assert main(["record", "--package", "NTLM", "--side", "client", "--against", str(peer), "-o", str(ours)]) == 0
    (v,) = vectors.load(ours)
    assert set(v.sides) == {"client"}
    (p,) = vectors.load(peer)
    # our client answered the peer's recorded CHALLENGE with fresh randomness, and that replays exactly
    assert v.legs[1].data["input"] == p.legs[2].data["input"]
    assert v.legs[1].data["output"] != p.legs[2].data["output"]
    assert vectors.replay(v).outcome == "pass"


def test_cli_record_unknown_package_or_profile(tmp_path: Path, capsys) -> None:
    assert main(["record", "--package", "Nope", "-o", str(tmp_path / "x.json")]) == 2
    assert main(["record", "--package", "NTLM", "--profile", "nope", "-o", str(tmp_path / "x.json")]) == 2
    assert "no demo profile" in capsys.readouterr().err


def _pythonic_ntlm_pair() -> tuple[Any, Any]:
    """An NTLM client and server through the Pythonic layer, authenticated (bob / DOM)."""
    import sspi_emu as S
    from sspi_emu.accounts import MemoryAccountStore

    store = MemoryAccountStore()
    store.add("bob", "pw", "DOM")
    c = S.ClientContext("NTLM", target="HTTP/x", credential=S.Credential(
        "NTLM", use="outbound", auth_data=S.SEC_WINNT_AUTH_IDENTITY("bob", "DOM", "pw")))
    s = S.ServerContext("NTLM", credential=S.Credential("NTLM", use="inbound", auth_data=store))
    tok = c.step(None)
    while not (c.complete and s.complete):
        tok = s.step(tok)
        if not c.complete:
            tok = c.step(tok)
    return c, s


def test_recording_captures_the_pythonic_layer(tmp_path: Path) -> None:
    path = tmp_path / "py.json"
    with vectors.recording(path, include_secrets=True):
        c, s = _pythonic_ntlm_pair()
        s.unwrap(c.wrap(b"hi"))
    (v,) = vectors.load(path)
    assert [leg.call for leg in v.legs][:4] == ["InitializeSecurityContext", "AcceptSecurityContext"] * 2
    assert "EncryptMessage" in [leg.call for leg in v.legs]
    assert vectors.replay(v).outcome == "pass"


@pytest.mark.parametrize("package", ["Kerberos", "Negotiate", "WDigest"])
def test_cli_recorded_demo_replays_both_sides(tmp_path: Path, package: str, capsys) -> None:
    """Demo credentials are referenced, not copied: even the Kerberos client (in-memory KDC) replays."""
    out = tmp_path / f"{package}.json"
    assert main(["record", "--package", package, "-o", str(out)]) == 0
    (v,) = vectors.load(out)
    result = vectors.replay(v)
    assert result.outcome == "pass" and set(result.sides) == {"client", "server"}, result.line()


def _ntlm_with_queries(path: Path, include_secrets: bool) -> vectors.Vector:
    import sspi_emu as S
    from sspi_emu import constants as C

    with vectors.recording(path, include_secrets=include_secrets):
        _, s = _pythonic_ntlm_pair()
        for attribute in (C.SECPKG_ATTR_NAMES, C.SECPKG_ATTR_SESSION_KEY, C.SECPKG_ATTR_SIZES, 0x7777):
            assert isinstance(S.QueryContextAttributes(s.handle, attribute, S.Box()), C.SecurityStatus)
    (v,) = vectors.load(path)
    return v


def test_attribute_queries_are_recorded_and_checked_on_replay(tmp_path: Path) -> None:
    v = _ntlm_with_queries(tmp_path / "q.json", include_secrets=True)
    queries = [leg for leg in v.legs if leg.call == "QueryContextAttributes"]
    names = [leg.data.get("attribute_name") for leg in queries]
    assert names[-4:] == ["SECPKG_ATTR_NAMES", "SECPKG_ATTR_SESSION_KEY", "SECPKG_ATTR_SIZES", None]
    assert queries[-4].data["value"]["fields"]["sUserName"] == "DOM\\bob"
    assert queries[-1].data["status"] == "SEC_E_UNSUPPORTED_FUNCTION" and "value" not in queries[-1].data
    assert vectors.replay(v).outcome == "pass"
    doc = json.loads((tmp_path / "q.json").read_text())
    leg = next(x for x in doc["legs"] if x.get("attribute_name") == "SECPKG_ATTR_NAMES")
    leg["value"]["fields"]["sUserName"] = "DOM\\mallory"
    result = vectors.replay(vectors.Vector.from_json(doc, "tampered"))
    assert result.outcome == "fail" and result.mismatch is not None and result.mismatch.field == "value"


def test_session_key_values_are_withheld_without_secrets_and_a_withheld_value_still_replays(tmp_path: Path) -> None:
    withheld = _ntlm_with_queries(tmp_path / "w.json", include_secrets=False)
    key_leg = next(leg for leg in withheld.legs if leg.data.get("attribute_name") == "SECPKG_ATTR_SESSION_KEY")
    assert "withheld" in json.dumps(key_leg.data["value"]) and "$hex" not in json.dumps(key_leg.data["value"])
    _ntlm_with_queries(tmp_path / "s.json", include_secrets=True)
    doc = json.loads((tmp_path / "s.json").read_text())
    leg = next(x for x in doc["legs"] if x.get("attribute_name") == "SECPKG_ATTR_SESSION_KEY")
    assert "$hex" in json.dumps(leg["value"])
    leg["value"] = key_leg.data["value"]  # the key itself withheld: the replay checks the rest
    assert vectors.replay(vectors.Vector.from_json(doc, "withheld key")).outcome == "pass"
