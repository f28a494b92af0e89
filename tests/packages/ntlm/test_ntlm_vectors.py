"""MS-NLMP 4.2.2 / 4.2.3 / 4.2.4 and RFC 1320 reproduced byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
from sspi_emu_ntlm import NtlmSettings, Version, crypto
from sspi_emu_ntlm.av_pairs import TargetInfo
from sspi_emu_ntlm.md4 import md4

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.attributes import SecPkgContext_SessionKey
from sspi_emu.entropy import FILETIME_UNIX_EPOCH, PinnedEntropy
from tests.packages.ntlm.ntlm_helpers import Pair, acquire, load_vector, seal, store, unseal

NLMP = {
    "4.2.2": "ntlm-ms-nlmp-4.2.2-ntlmv1.json",
    "4.2.3": "ntlm-ms-nlmp-4.2.3-ntlmv1-ess.json",
    "4.2.4": "ntlm-ms-nlmp-4.2.4-ntlmv2.json",
}
#: LmCompatibilityLevel the published client ran at.
LEVEL = {"4.2.2": 1, "4.2.3": 1, "4.2.4": 3}


def test_md4_rfc1320() -> None:
    v = load_vector("ntlm-md4-rfc1320.json")
    for key, inp in v["inputs"].items():
        assert md4(inp["message_str"].encode()).hex() == v["expected"][key]


#: Digests of bytes(range(256)) * 4 cut at padding / block boundaries, computed with an
#: independent MD4 (pyspnego's) when these tests were written.
MD4_BOUNDARIES = {
    55: "cc8a7f2bd608e3eeecb7f121d13bea55", 56: "b8e94b6408bbfa6ec9805bf21bc05cbd",
    63: "54ba4472fcd03e99cf28f90eed9f2ae0", 64: "2de6578f0e7898fa17acd84b79685d3a",
    65: "3a4f2ca37eebdf6dc99a6155517b74fc", 119: "9c1067170940ce8f8e4745d362675fab",
    120: "c5bb35660e3d0a286a96ea3aa4922b3c", 1000: "ddef918b4199515fafb1e5fc23e801c3",
}


def test_md4_block_boundaries() -> None:
    data = bytes(range(256)) * 4
    for n, digest in MD4_BOUNDARIES.items():
        assert md4(data[:n]).hex() == digest, n


@pytest.mark.parametrize("name", ["4.2.2", "4.2.3", "4.2.4"])
def test_crypto_functions(name: str) -> None:
    v = load_vector(NLMP[name])
    i, e = v["inputs"], v["expected"]
    nt_hash = crypto.ntowfv1(i["password_str"])
    assert nt_hash.hex() == e.get("ntowfv1", nt_hash.hex())
    sc, cc = bytes.fromhex(i["server_challenge"]), bytes.fromhex(i["client_challenge"])
    if name == "4.2.2":
        lm_hash = crypto.lmowfv1(i["password_str"])
        assert lm_hash.hex() == e["lmowfv1"]
        assert crypto.nt_v1_response(nt_hash, sc).hex() == e["nt_challenge_response"]
        assert crypto.lm_v1_response(lm_hash, sc).hex() == e["lm_challenge_response"]
        assert crypto.md4(nt_hash).hex() == e["session_base_key"]
        lm = bytes.fromhex(e["lm_challenge_response"])
        assert crypto.kxkey(0x80, crypto.md4(nt_hash), lm, sc, lm_hash).hex() == e["key_exchange_key_if_lm_key"]
    elif name == "4.2.3":
        assert crypto.ntlm2_session_response(nt_hash, sc, cc).hex() == e["nt_challenge_response"]
        kx = crypto.kxkey(i["authenticate_flags"], crypto.md4(nt_hash), cc + bytes(16), sc, b"")
        assert kx.hex() == e["key_exchange_key"]
        flags = i["authenticate_flags"]
        assert crypto.sealkey(flags, kx, crypto.CLIENT_SEAL_MAGIC).hex() == e["seal_key"]
        assert crypto.signkey(flags, kx, crypto.CLIENT_SIGN_MAGIC).hex() == e["sign_key"]
    else:
        ntowf2 = crypto.ntowfv2(nt_hash, i["user_str"], i["user_domain_str"])
        assert ntowf2.hex() == e["ntowfv2"]
        temp = bytes.fromhex(e["temp"])
        ti = TargetInfo([(p["av_id"], p["value_str"].encode("utf-16-le")) for p in i["target_info_av_pairs"]])
        assert crypto.v2_blob(0, cc, ti.pack()) == temp
        proof = crypto.ntv2_proof(ntowf2, sc, temp)
        assert proof.hex() == e["nt_proof_str"]
        assert crypto.lmv2_response(ntowf2, sc, cc).hex() == e["lm_challenge_response"]
        assert crypto.hmac_md5(ntowf2, proof).hex() == e["session_base_key"]
        rsk = bytes.fromhex(i["random_session_key"])
        assert crypto.rc4k(crypto.hmac_md5(ntowf2, proof), rsk).hex() == e["encrypted_random_session_key"]
        flags = i["authenticate_flags"]
        assert crypto.sealkey(flags, rsk, crypto.CLIENT_SEAL_MAGIC).hex() == e["seal_key"]
        assert crypto.signkey(flags, rsk, crypto.CLIENT_SIGN_MAGIC).hex() == e["sign_key"]


def _replay(name: str) -> tuple[dict[str, Any], Pair, list[bytes]]:
    v = load_vector(NLMP[name])
    i, e = v["inputs"], v["expected"]
    ident = S.SEC_WINNT_AUTH_IDENTITY(User=i["user_str"], Domain=i["user_domain_str"], Password=i["password_str"])
    target_info = None
    if "target_info_av_pairs" in i:
        target_info = [(p["av_id"], p["value_str"].encode("utf-16-le")) for p in i["target_info_av_pairs"]]
    server = NtlmSettings(
        accounts=store(i["user_str"], i["password_str"], i["user_domain_str"]),
        lm_compat_level=LEVEL[name],
        challenge_flags=i["challenge_flags"],
        target_name=i["server_name_str"],
        version=Version.unpack(bytes.fromhex(i["challenge_version"])),
        target_info=target_info,
        send_timestamp=False,
    )
    client = NtlmSettings(
        identity=ident,
        lm_compat_level=LEVEL[name],
        workstation=i["workstation_str"],
        version=Version.unpack(bytes.fromhex(i["authenticate_version"])),
        authenticate_flags=i["authenticate_flags"],
    )
    flags = i["authenticate_flags"]
    randoms = [bytes.fromhex(i["server_challenge"])]
    if flags & 0x00080000:  # extended session security or NTLMv2: a client challenge is drawn
        randoms.append(bytes.fromhex(i["client_challenge"]))
    elif LEVEL[name] >= 3:
        randoms.append(bytes.fromhex(i["client_challenge"]))
    if flags & 0x40000000:
        randoms.append(bytes.fromhex(i["random_session_key"]))
    clock = (int(i["time"], 16) - FILETIME_UNIX_EPOCH) / 10_000_000
    pair = Pair(acquire(C.SECPKG_CRED_OUTBOUND, client), acquire(C.SECPKG_CRED_INBOUND, server), target=None)
    with entropy.pinned(PinnedEntropy(randoms, clock=clock)):
        st1, t1 = pair.isc(None)
        st2, t2 = pair.asc(t1)
        st3, t3 = pair.isc(t2)
        st4, _ = pair.asc(t3)
    assert (st1, st2, st3, st4) == (C.SEC_I_CONTINUE_NEEDED, C.SEC_I_CONTINUE_NEEDED, C.SEC_E_OK, C.SEC_E_OK)
    return e, pair, [t1, t2, t3]


@pytest.mark.contract("ISC-RET-OK-TOKEN")
@pytest.mark.parametrize("name", ["4.2.2", "4.2.3", "4.2.4"])
def test_handshake_replays_published_messages(name: str) -> None:
    e, pair, (_neg, challenge, authenticate) = _replay(name)
    assert challenge.hex() == e["challenge_message"]
    assert authenticate.hex() == e["authenticate_message"]


@pytest.mark.contract("API-SEAL")
@pytest.mark.parametrize("name", ["4.2.2", "4.2.3", "4.2.4"])
def test_seal_replays_published_gss_wrapex(name: str) -> None:
    e, pair, _ = _replay(name)
    v = load_vector(NLMP[name])
    plaintext = bytes.fromhex(v["inputs"]["plaintext"])
    sig, sealed = seal(pair.cctx, plaintext)
    assert sealed.hex() == e["wrap_sealed_data"]
    assert sig.hex() == e["wrap_signature"]
    status, opened, qop = unseal(pair.sctx, sig, sealed)
    assert (status, opened, qop) == (C.SEC_E_OK, plaintext, 0)


@pytest.mark.parametrize("name", ["4.2.2", "4.2.3", "4.2.4"])
def test_session_keys_agree(name: str) -> None:
    _e, pair, _ = _replay(name)
    ck, sk = SecPkgContext_SessionKey(), SecPkgContext_SessionKey()
    assert S.QueryContextAttributes(pair.cctx, C.SECPKG_ATTR_SESSION_KEY, ck) == C.SEC_E_OK
    assert S.QueryContextAttributes(pair.sctx, C.SECPKG_ATTR_SESSION_KEY, sk) == C.SEC_E_OK
    assert ck.SessionKey == sk.SessionKey and len(ck.SessionKey) == 16
