"""RFC 3961 n-fold, RFC 3962 AES string-to-key and CTS, RFC 8009 aes-sha2 and rc4-hmac through the package's crypto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_kerberos import enctypes as E
from sspi_emu_kerberos.aes_cts import cts_decrypt, cts_encrypt
from sspi_emu_kerberos.keys import Key
from sspi_emu_kerberos.md4 import md4
from sspi_emu_kerberos.nfold import nfold

from sspi_emu import entropy
from sspi_emu.entropy import PinnedEntropy

VECTORS = Path(__file__).resolve().parents[3] / "vectors"


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def test_nfold_rfc3961() -> None:
    v = load("kerberos-rfc3961-nfold.json")
    assert len(v["inputs"]) == 11
    for case, inp in v["inputs"].items():
        assert nfold(bytes.fromhex(inp["input"]), inp["output_bits"] // 8).hex() == v["expected"][case]


def test_string_to_key_rfc3962() -> None:
    v = load("kerberos-rfc3962-aes.json")
    n = 0
    for case, inp in v["inputs"].items():
        if not case.startswith("string_to_key"):
            continue
        exp = v["expected"][case]
        pw = bytes.fromhex(inp["password"])
        salt = bytes.fromhex(inp["salt"])
        params = inp["iterations"].to_bytes(4, "big")
        assert E.string_to_key(17, pw, salt, params).contents.hex() == exp["aes128_key"]
        assert E.string_to_key(18, pw, salt, params).contents.hex() == exp["aes256_key"]
        n += 1
    assert n == 7


def test_gclef_password_is_u1d11e() -> None:
    v = load("kerberos-rfc3962-aes.json")
    inp = v["inputs"]["string_to_key_07"]
    key = E.string_to_key(18, "\U0001d11e", inp["salt_str"], (50).to_bytes(4, "big"))
    assert key.contents.hex() == v["expected"]["string_to_key_07"]["aes256_key"]


def test_aes_cts_rfc3962() -> None:
    v = load("kerberos-rfc3962-aes.json")
    for case, inp in v["inputs"].items():
        if not case.startswith("aes128_cts"):
            continue
        key, iv, pt = (bytes.fromhex(inp[k]) for k in ("key", "iv", "plaintext"))
        ct = cts_encrypt(key, iv, pt)
        assert ct.hex() == v["expected"][case]["ciphertext"]
        assert cts_decrypt(key, iv, ct) == pt


def test_rfc8009_vectors() -> None:
    v = load("kerberos-rfc8009-aes-sha2.json")
    for case, inp in v["inputs"].items():
        exp = v["expected"][case]
        et = inp["enctype"]
        prof = E.profile(et)
        if case.startswith("string_to_key"):
            key = E.string_to_key(et, inp["password_str"], bytes.fromhex(inp["salt"]), inp["iterations"].to_bytes(4, "big"))
            assert key.contents.hex() == exp
        elif case.startswith("derive"):
            assert isinstance(prof, E._AesSha2)
            base = bytes.fromhex(inp["base_key"])
            u = inp["usage"].to_bytes(4, "big")
            assert prof.kdf(base, u + b"\x99", prof.checksum_size).hex() == exp["kc"]
            assert prof.kdf(base, u + b"\xaa", prof.key_size).hex() == exp["ke"]
            assert prof.kdf(base, u + b"\x55", prof.checksum_size).hex() == exp["ki"]
        elif case.startswith("checksum"):
            key = Key(et, bytes.fromhex(inp["key"]))
            ctype, value = E.checksum(key, inp["usage"], bytes.fromhex(inp["plaintext"]))
            assert (ctype, value.hex()) == (et, exp)
            assert E.verify_checksum(key, inp["usage"], bytes.fromhex(inp["plaintext"]), ctype, value)
        else:
            key = Key(et, bytes.fromhex(inp["key"]))
            ct = bytes.fromhex(inp["ciphertext"])
            assert E.decrypt(key, inp["usage"], ct).hex() == exp
            with pytest.raises(E.IntegrityError):
                E.decrypt(key, inp["usage"], ct[:-1] + bytes([ct[-1] ^ 1]))


def test_rfc8009_encrypt_reproduces_sample() -> None:
    v = load("kerberos-rfc8009-aes-sha2.json")
    key = Key(19, bytes.fromhex(v["inputs"]["decrypt_19_0"]["key"]))
    with entropy.pinned(PinnedEntropy([bytes.fromhex("7e5895eaf2672435bad817f545a37148")])):
        assert E.encrypt(key, 2, b"").hex() == v["inputs"]["decrypt_19_0"]["ciphertext"]


def test_rc4_hmac_key_is_nt_hash() -> None:
    assert md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"
    assert E.string_to_key(23, "password", "ignored").contents.hex() == "8846f7eaee8fb117ad06bdd830b7586c"


@pytest.mark.parametrize("enctype", [17, 18, 19, 20, 23])
def test_roundtrip_and_tamper(enctype: int) -> None:
    key = E.random_key(enctype)
    for n in (0, 1, 15, 16, 17, 31, 32, 33, 100):
        data = bytes(range(n))
        ct = E.encrypt(key, 7, data)
        assert E.decrypt(key, 7, ct) == data
        with pytest.raises(E.IntegrityError):
            E.decrypt(key, 8, ct)
        with pytest.raises(E.IntegrityError):
            E.decrypt(key, 7, ct[:-1] + bytes([ct[-1] ^ 0x80]))
    ctype, value = E.checksum(key, 9, b"data")
    assert E.verify_checksum(key, 9, b"data", ctype, value)
    assert not E.verify_checksum(key, 9, b"datA", ctype, value)


@settings(max_examples=60, deadline=None)
@given(enctype=st.sampled_from([17, 18, 19, 20, 23]), blob=st.binary(max_size=80))
def test_decrypt_of_random_bytes_raises_integrity_error_only(enctype: int, blob: bytes) -> None:
    key = Key(enctype, bytes(E.profile(enctype).key_size))
    with pytest.raises(E.IntegrityError):
        E.decrypt(key, 1, blob)


def test_unknown_enctype() -> None:
    with pytest.raises(E.UnsupportedEnctype):
        E.profile(1)
    assert "contents" not in repr(Key(18, b"\x01" * 32)) and "01" * 4 not in repr(Key(18, b"\x01" * 32))
