"""Negotiate over the project's real NTLM package (no Kerberos registered): the NTLM-only case."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest
from sspi_emu_negotiate import oids, tokens

from sspi_emu import api, entropy, registry
from sspi_emu import constants as C
from sspi_emu.attributes import (
    SecPkgContext_Names,
    SecPkgContext_NegotiationInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
)
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as S

from .conftest import Side, asc, client_cred, handshake, isc, seal_roundtrip, server_cred, sign_roundtrip


def bindings(application_data: bytes) -> bytes:
    """A SEC_CHANNEL_BINDINGS blob carrying only application data."""
    return struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(application_data), 32) + application_data


@pytest.fixture
def real_ntlm() -> Iterator[None]:
    """The real NTLM package, and no Kerberos package (so Negotiate must use NTLM)."""
    pkg = registry.find("NTLM")
    assert pkg is not None and type(pkg).__module__.startswith("sspi_emu_ntlm"), "the NTLM package must be installed"
    old_k = registry.find("Kerberos")
    registry.unregister("Kerberos")
    try:
        yield
    finally:
        if old_k is not None:
            registry.register(old_k, replace=True)


@pytest.mark.contract("ASC-TOKEN-USER", "API-SEAL", "API-SIGN", "ASC-OUTPUT-ON-OK", "ISC-RET-CONTINUE",
                       "ASC-RET-CONTINUE", "ISC-REQ-CONFIDENTIALITY", "ISC-REQ-INTEGRITY")
def test_ntlm_only_server_completes(real_ntlm):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    assert client.status == S.SEC_E_OK and server.status == S.SEC_E_OK
    assert server.tokens[-1]  # SEC_E_OK with a token (accept-completed + mechListMIC) the client must get
    assert client.tokens[-1] == b"" and len(client.tokens) == 3
    assert client.attrs & C.ISC_RET_CONFIDENTIALITY and client.attrs & C.ISC_RET_INTEGRITY
    init = tokens.decode(client.tokens[0])
    assert isinstance(init, tokens.NegTokenInit) and init.mech_types == (oids.NTLMSSP,)
    auth = tokens.decode(client.tokens[1])
    assert isinstance(auth, tokens.NegTokenResp) and auth.mech_list_mic is not None  # NTLM MIC -> mechListMIC
    final = tokens.decode(server.tokens[-1])
    assert isinstance(final, tokens.NegTokenResp) and final.neg_state == tokens.NegState.ACCEPT_COMPLETED
    assert final.mech_list_mic is not None
    for i in range(3):
        assert seal_roundtrip(client.ctx, server.ctx, b"ping %d" % i) == b"ping %d" % i
        assert seal_roundtrip(server.ctx, client.ctx, b"pong %d" % i) == b"pong %d" % i
    assert sign_roundtrip(client.ctx, server.ctx, b"signed") == S.SEC_E_OK
    assert sign_roundtrip(server.ctx, client.ctx, b"signed", tamper=True) == S.SEC_E_MESSAGE_ALTERED
    names = SecPkgContext_Names()
    assert api.QueryContextAttributes(server.ctx, C.SECPKG_ATTR_NAMES, names) == S.SEC_E_OK
    assert names.sUserName.lower() == "dom\\alice"
    keys = []
    for side in (client, server):
        k = SecPkgContext_SessionKey()
        assert api.QueryContextAttributes(side.ctx, C.SECPKG_ATTR_SESSION_KEY, k) == S.SEC_E_OK
        keys.append(k.SessionKey)
    assert keys[0] == keys[1] and len(keys[0]) == 16
    info = SecPkgContext_NegotiationInfo()
    assert api.QueryContextAttributes(server.ctx, C.SECPKG_ATTR_NEGOTIATION_INFO, info) == S.SEC_E_OK
    assert (info.PackageInfo.Name, info.NegotiationState) == ("NTLM", C.SECPKG_NEGOTIATION_COMPLETE)


def test_channel_bindings_reach_ntlm(real_ntlm):
    cbt = bindings(b"tls-server-end-point:" + b"\x11" * 32)
    other = bindings(b"tls-server-end-point:" + b"\x12" * 32)
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server, ccbt=cbt, scbt=cbt)
    assert server.status == S.SEC_E_OK
    client, server = Side(client_cred()), Side(server_cred())
    _, t = isc(client, None, cbt=cbt)
    _, t = asc(server, t, cbt=other)
    _, t = isc(client, t, cbt=cbt)
    st, _ = asc(server, t, cbt=other)
    assert st.is_error and st != S.SEC_E_INTERNAL_ERROR


@pytest.mark.contract("ISC-ERR-LOGON-DENIED")
def test_wrong_password(real_ntlm):
    client, server = Side(client_cred(password="nope")), Side(server_cred())
    _, t = isc(client, None)
    _, t = asc(server, t)
    _, t = isc(client, t)
    st, _ = asc(server, t)
    assert st == S.SEC_E_LOGON_DENIED


def test_tampered_server_mic_is_refused_by_the_client(real_ntlm):
    client, server = Side(client_cred()), Side(server_cred())
    _, t = isc(client, None)
    _, t = asc(server, t)
    _, t = isc(client, t)
    st, t = asc(server, t)
    assert st == S.SEC_E_OK
    final = tokens.decode(t)
    assert isinstance(final, tokens.NegTokenResp) and final.mech_list_mic
    mic = bytearray(final.mech_list_mic)
    mic[5] ^= 1  # inside the checksum
    bad = tokens.encode_resp(tokens.NegTokenResp(final.neg_state, None, None, bytes(mic)))
    st, _ = isc(client, bad)
    assert st == S.SEC_E_MESSAGE_ALTERED


def test_raw_ntlm_client_against_negotiate_server(real_ntlm):
    client, server = Side(client_cred(package="NTLM")), Side(server_cred())
    handshake(client, server)
    assert server.status == S.SEC_E_OK and server.tokens[0].startswith(b"NTLMSSP\x00")
    assert seal_roundtrip(client.ctx, server.ctx, b"raw") == b"raw"


def test_pinned_entropy_makes_the_exchange_replay_byte_for_byte(real_ntlm):
    runs = []
    for _ in range(2):
        with entropy.pinned(entropy.PinnedEntropy(seed=b"negotiate", clock=1_700_000_000.0)):
            client, server = Side(client_cred()), Side(server_cred())
            handshake(client, server)
        runs.append((client.tokens, server.tokens))
    assert runs[0] == runs[1]


def test_recorded_exchange_replays_byte_for_byte(real_ntlm):
    from pathlib import Path

    from sspi_emu import vectors

    loaded = vectors.load_path(Path(__file__).resolve().parents[3] / "vectors" / "negotiate-ntlm-exchange.json")
    found = [v for group in loaded for v in (group if isinstance(group, list) else [group])]
    assert found
    for vector in found:
        result = vectors.replay(vector)
        assert result.outcome == "pass", result.mismatch
        assert result.legs == 5


@pytest.mark.contract("API-QUERY-SIZES")
def test_sizes_are_the_inner_sizes(real_ntlm):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    sizes = SecPkgContext_Sizes()
    assert api.QueryContextAttributes(client.ctx, C.SECPKG_ATTR_SIZES, sizes) == S.SEC_E_OK
    assert sizes.cbMaxSignature == 16 and sizes.cbSecurityTrailer == 16
    tok = SecBuffer(C.SECBUFFER_TOKEN, sizes.cbMaxSignature)
    desc = SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, b"payload"), tok])
    assert api.MakeSignature(client.ctx, 0, desc, 0) == S.SEC_E_OK
    assert tok.cbBuffer == sizes.cbMaxSignature
