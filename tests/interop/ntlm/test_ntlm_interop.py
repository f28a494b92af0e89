"""NTLM interop with pyspnego and sspilib (sspi-rs), both directions."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import spnego.exceptions
import sspilib

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.errors import SspiError
from tests.interop.ntlm.ntlm_peers import (
    CBT,
    OTHER_CBT,
    our_client,
    our_client_to_peer_server,
    our_server,
    peer_client_to_our_server,
    spnego_client,
    spnego_server,
    sspilib_client,
    sspilib_server,
    user_file,
)

pytestmark = pytest.mark.interop


@pytest.fixture(autouse=True)
def ntlm_user_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyspnego's acceptor reads its accounts from NTLM_USER_FILE (set for each test only)."""
    monkeypatch.setenv("NTLM_USER_FILE", user_file())

PEER_CLIENTS: dict[str, Callable[..., Any]] = {"pyspnego": spnego_client, "sspilib": sspilib_client}
PEER_SERVERS: dict[str, Callable[..., Any]] = {"pyspnego": spnego_server, "sspilib": sspilib_server}
PEER_ERRORS = (spnego.exceptions.SpnegoError, sspilib.WindowsError, OSError)


def _unwrap(ctx: Any, data: bytes) -> bytes:
    res = ctx.unwrap(data)
    return bytes(res.data)


def _wrap(ctx: Any, data: bytes) -> bytes:
    res = ctx.wrap(data)
    return bytes(res.data) if hasattr(res, "data") else bytes(res)


# -- peer client -> our server ------------------------------------------------------------------


@pytest.mark.contract("ASC-TOKEN-USER")
@pytest.mark.parametrize("peer", list(PEER_CLIENTS))
def test_peer_client_our_server_seal_both_ways(peer: str) -> None:
    client, server = PEER_CLIENTS[peer](), our_server()
    peer_client_to_our_server(client, server, None)
    assert server.peer_name == "DOMAIN\\user"
    for i in range(3):
        assert server.unwrap(_wrap(client, b"to server %d" % i)) == b"to server %d" % i
        assert _unwrap(client, server.wrap(b"to client %d" % i)) == b"to client %d" % i


def test_pyspnego_client_our_server_sign_both_ways() -> None:
    client, server = spnego_client(), our_server()
    peer_client_to_our_server(client, server, None)
    server.verify(b"signed", client.sign(b"signed"))
    client.verify(b"back", server.sign(b"back"))


@pytest.mark.contract("ASC-ERR-LOGON-DENIED")
@pytest.mark.parametrize("peer", list(PEER_CLIENTS))
def test_peer_client_wrong_password_rejected(peer: str) -> None:
    client, server = PEER_CLIENTS[peer](password="wrong"), our_server()
    with pytest.raises(SspiError) as err:
        peer_client_to_our_server(client, server, None)
    assert err.value.status == C.SEC_E_LOGON_DENIED


@pytest.mark.parametrize("peer", list(PEER_CLIENTS))
@pytest.mark.parametrize(
    ("client_cb", "server_cb", "policy", "expected"),
    [
        (CBT, CBT, "when-supported", C.SEC_E_OK),
        (CBT, OTHER_CBT, "when-supported", C.SEC_E_BAD_BINDINGS),
        (None, CBT, "when-supported", C.SEC_E_OK),
        (CBT, None, "when-supported", C.SEC_E_OK),
        (CBT, CBT, "always", C.SEC_E_OK),
        (None, CBT, "always", C.SEC_E_BAD_BINDINGS),
        (CBT, OTHER_CBT, "never", C.SEC_E_OK),
    ],
)
def test_peer_client_channel_bindings(peer: str, client_cb: bytes | None, server_cb: bytes | None, policy: str,
                                      expected: C.SecurityStatus) -> None:
    client, server = PEER_CLIENTS[peer](cb=client_cb), our_server(policy)
    if expected == C.SEC_E_OK:
        peer_client_to_our_server(client, server, server_cb)
        assert server.unwrap(_wrap(client, b"bound")) == b"bound"
    else:
        with pytest.raises(SspiError) as err:
            peer_client_to_our_server(client, server, server_cb)
        assert err.value.status == expected


# -- our client -> peer server ------------------------------------------------------------------


@pytest.mark.parametrize("peer", list(PEER_SERVERS))
def test_our_client_peer_server_seal_both_ways(peer: str) -> None:
    client, server = our_client(), PEER_SERVERS[peer]()
    our_client_to_peer_server(client, server, None)
    for i in range(3):
        assert _unwrap(server, client.wrap(b"to server %d" % i)) == b"to server %d" % i
        assert client.unwrap(_wrap(server, b"to client %d" % i)) == b"to client %d" % i


def test_our_client_pyspnego_server_sign_both_ways() -> None:
    client, server = our_client(), spnego_server()
    our_client_to_peer_server(client, server, None)
    server.verify(b"signed", client.sign(b"signed"))
    client.verify(b"back", server.sign(b"back"))
    assert server.client_principal == "DOMAIN\\user"


@pytest.mark.parametrize("peer", list(PEER_SERVERS))
def test_our_client_wrong_password_rejected(peer: str) -> None:
    client, server = our_client(password="wrong"), PEER_SERVERS[peer]()
    with pytest.raises(PEER_ERRORS):
        our_client_to_peer_server(client, server, None)


@pytest.mark.parametrize("peer", list(PEER_SERVERS))
@pytest.mark.parametrize(
    ("client_cb", "server_cb", "ok"),
    [
        (CBT, CBT, True),
        (CBT, OTHER_CBT, False),
        (CBT, None, True),
    ],
)
def test_our_client_channel_bindings(peer: str, client_cb: bytes | None, server_cb: bytes | None, ok: bool) -> None:
    client, server = our_client(), PEER_SERVERS[peer](cb=server_cb)
    if ok:
        our_client_to_peer_server(client, server, client_cb)
        assert _unwrap(server, client.wrap(b"bound")) == b"bound"
    else:
        with pytest.raises(PEER_ERRORS):
            our_client_to_peer_server(client, server, client_cb)


@pytest.mark.parametrize(("peer", "ok"), [("pyspnego", False), ("sspilib", True)])
def test_our_client_without_bindings_peer_server_with(peer: str, ok: bool) -> None:
    """Absent bindings (no MsvAvChannelBindings pair): sspi-rs accepts like IIS 'Accept';
    pyspnego's acceptor insists on the pair once it has bindings itself (it tolerates all zeros)."""
    client, server = our_client(), PEER_SERVERS[peer](cb=CBT)
    if ok:
        our_client_to_peer_server(client, server, None)
        assert _unwrap(server, client.wrap(b"x")) == b"x"
    else:
        with pytest.raises(PEER_ERRORS):
            our_client_to_peer_server(client, server, None)


def test_sessions_keys_match_pyspnego() -> None:
    client, server = our_client(), spnego_server()
    our_client_to_peer_server(client, server, None)
    assert client.session_key == server.session_key
    c2, s2 = spnego_client(), our_server()
    peer_client_to_our_server(c2, s2, None)
    assert c2.session_key == s2.session_key


def test_our_no_encrypt_wrap_read_by_pyspnego_verify() -> None:
    """SECQOP_WRAP_NO_ENCRYPT sends the data in clear with a normal NTLM signature."""
    client, server = our_client(), spnego_server()
    our_client_to_peer_server(client, server, None)
    wrapped = client.wrap(b"clear text", encrypt=False)
    sig, data = wrapped[:16], wrapped[16:]
    assert data == b"clear text"
    server.verify(data, sig)


_ = S  # the C-shaped API is what our side runs on (through ClientContext / ServerContext)


# -- NTLMv1 (LmCompatibilityLevel < 3) with pyspnego ----------------------------------------------


@pytest.mark.parametrize("level", [1, 2])
def test_pyspnego_v1_ess_both_directions(level: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from sspi_emu_ntlm import NtlmSettings

    from tests.interop.ntlm.ntlm_peers import DOMAIN, PASSWORD, USER

    monkeypatch.setenv("LM_COMPAT_LEVEL", str(level))
    monkeypatch.setenv("SSPI_EMU_LM_COMPAT_LEVEL", str(level))
    client, server = spnego_client(), our_server()
    peer_client_to_our_server(client, server, None)
    assert server.unwrap(_wrap(client, b"v1 up")) == b"v1 up"
    assert _unwrap(client, server.wrap(b"v1 down")) == b"v1 down"
    ident = S.SEC_WINNT_AUTH_IDENTITY(USER, DOMAIN, PASSWORD)
    ours = S.ClientContext("NTLM", target="HTTP/server",
                           credential=S.Credential("NTLM", auth_data=NtlmSettings(identity=ident, lm_compat_level=level)))
    peer = spnego_server()
    our_client_to_peer_server(ours, peer, None)
    assert _unwrap(peer, ours.wrap(b"v1 up")) == b"v1 up"
    assert ours.unwrap(_wrap(peer, b"v1 down")) == b"v1 down"


def test_pyspnego_v1_without_ess_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Level 0 (no extended session security): one RC4 handle and one counter for both directions.

    pyspnego zeroes RandomPad in its signatures and compares it when verifying, so it rejects the
    MS-NLMP 4.2.2.4 form (encrypted RandomPad) we send; we ignore RandomPad when verifying, as
    Samba does, so its messages are accepted here.
    """
    monkeypatch.setenv("LM_COMPAT_LEVEL", "0")
    monkeypatch.setenv("SSPI_EMU_LM_COMPAT_LEVEL", "0")
    client, server = spnego_client(), our_server()
    peer_client_to_our_server(client, server, None)
    for i in range(3):
        assert server.unwrap(_wrap(client, b"msg %d" % i)) == b"msg %d" % i
        with pytest.raises(spnego.exceptions.BadMICError):
            client.unwrap(server.wrap(b"reply %d" % i))  # both RC4 handles still advance in step
