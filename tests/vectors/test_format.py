"""The vector loader: what it accepts, and clear errors naming the place for what it does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sspi_emu import vectors
from sspi_emu.cli import main

from .helpers import record_demo


def test_load_write_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    record_demo(path, "WDigest", 1)
    first = json.loads(path.read_text(encoding="utf-8"))
    (v,) = vectors.load(path)
    vectors.write(tmp_path / "w.json", [v])
    assert json.loads((tmp_path / "w.json").read_text(encoding="utf-8")) == first


def test_several_vectors_in_one_file(tmp_path: Path) -> None:
    a, b = record_demo(tmp_path / "a.json", "NTLM"), record_demo(tmp_path / "b.json", "WDigest")
    vectors.write(tmp_path / "both.json", [a, b])
    loaded = vectors.load(tmp_path / "both.json")
    assert [v.package for v in loaded] == ["NTLM", "WDigest"]
    assert all(vectors.replay(v).outcome == "pass" for v in loaded)


@pytest.mark.parametrize("edit,message", [
    (lambda d: d.pop("legs"), "missing 'legs'"),
    (lambda d: d.update(format="other"), "not an sspi-emu vector"),
    (lambda d: d["legs"][0].update(call="FormatC"), "legs[0]: unknown call 'FormatC'"),
    (lambda d: d["legs"][1].update(side="middle"), "legs[1]: side 'middle'"),
    (lambda d: d["legs"][0].update(status="SEC_E_NOPE"), "legs[0].status: unknown status"),
    (lambda d: d["legs"][0]["entropy"].update(random=[{"label": "x"}]), "legs[0].entropy.random[0]"),
])
def test_malformed_vectors_are_refused_with_the_place(tmp_path: Path, edit, message: str) -> None:
    path = tmp_path / "v.json"
    record_demo(path, "NTLM")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["legs"][0].setdefault("entropy", {})
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(vectors.VectorError, match=message.replace("[", r"\[").replace("]", r"\]")):
        vectors.load(path)


def test_auth_data_classes_must_come_from_sspi_emu_or_a_package(tmp_path: Path) -> None:
    with pytest.raises(vectors.VectorError, match="not from sspi_emu or a registered security package"):
        vectors.decode_value({"$class": "subprocess.Popen", "fields": {"args": "true"}})
    with pytest.raises(vectors.VectorError, match="not a settings class"):
        vectors.decode_value({"$class": "sspi_emu.vectors.replay", "fields": {}})


def test_typed_values_round_trip() -> None:
    from sspi_emu.accounts import MemoryAccountStore
    from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY

    store = MemoryAccountStore()
    store.add("u", "p", "D", nt_hash=b"\x01" * 16)
    value = {"ident": SEC_WINNT_AUTH_IDENTITY("u", "D", "p"), "store": store, "pairs": [(1, b"\x00")], "n": None}
    back = vectors.decode_value(vectors.encode_value(value, include_secrets=True))
    assert back["ident"] == value["ident"] and back["pairs"] == [(1, b"\x00")] and back["n"] is None
    acct = back["store"].lookup("u", "D")
    assert acct.password == "p" and acct.nt_hash == b"\x01" * 16
    hidden = vectors.encode_value(value)
    assert "p" not in json.dumps(hidden["$dict"][0]) or '"$secret"' in json.dumps(hidden)
    with pytest.raises(vectors.SecretWithheld):
        vectors.decode_value(hidden)


def test_hand_written_vector_with_text_buffers_and_filetime_clock(tmp_path: Path) -> None:
    """A published vector can be written by hand: text buffers, a FILETIME clock, `contains` checks."""
    vector = {
        "format": vectors.FORMAT, "name": "hand", "package": "WDigest", "clock": {"filetime": 134_000_000_000_000_000},
        "sides": {"client": {"auth_data": {"$class": "sspi_emu.identity.SEC_WINNT_AUTH_IDENTITY",
                                           "fields": {"User": "Mufasa", "Password": "Circle Of Life"}},
                             "target": "/dir/index.html", "flags": "0x10000100"}},
        "legs": [{"side": "client", "call": "InitializeSecurityContext",
                  "input": [{"type": "TOKEN", "text": 'Digest realm="testrealm@host.com", qop="auth", '
                                                      'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"'},
                            {"type": "PKG_PARAMS", "text": "GET"}, {"type": "PKG_PARAMS", "text": "/dir/index.html"}],
                  "status": "SEC_E_OK",
                  "output": [{"type": "TOKEN", "any": True, "contains": ['username="Mufasa"', "nc=00000001"]}],
                  "entropy": {"random": [{"label": "digest-cnonce", "hex": "00" * 32}]}}],
    }
    path = tmp_path / "hand.json"
    path.write_text(json.dumps(vector), encoding="utf-8")
    (v,) = vectors.load(path)
    assert vectors.replay(v).outcome == "pass", vectors.replay(v).line()
    vector["legs"][0]["output"][0]["contains"].append("nc=00000002")
    path.write_text(json.dumps(vector), encoding="utf-8")
    (v,) = vectors.load(path)
    m = vectors.replay(v).mismatch
    assert m is not None and m.field == "output[0] TOKEN.contains[2]"


def test_replay_cli_errors(tmp_path: Path, capsys) -> None:
    assert main(["replay", str(tmp_path / "missing")]) == 1
    assert "no such file or folder" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["replay", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "not JSON (line 1" in out
    (tmp_path / "empty").mkdir()
    assert main(["replay", str(tmp_path / "empty")]) == 1
    assert "replay: 0 vectors" in capsys.readouterr().out
