"""The Pythonic layer on the fake package."""

from __future__ import annotations

import pytest

import sspi_emu as s
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.entropy import PinnedEntropy


def pair(fake, password="pw", entropy=None):
    store = MemoryAccountStore()
    store.add("DEMO\\alice", "pw")
    client = s.ClientContext("Fake", target="host/x",
                             credential=s.Credential("Fake", user="DEMO\\alice", password=password), entropy=entropy)
    server = s.ServerContext("Fake", credential=s.Credential("Fake", use="inbound", auth_data=store), entropy=entropy)
    return client, server


def run(client, server):
    token = client.step()
    while True:
        token = server.step(token)
        if client.complete and server.complete:
            return
        token = client.step(token)
        if client.complete and server.complete and not token:
            return


def test_handshake_wrap_sign(fake):
    client, server = pair(fake)
    run(client, server)
    assert client.complete and server.complete
    assert server.peer_name == "alice"
    assert client.session_key == server.session_key
    assert server.unwrap(client.wrap(b"ping")) == b"ping"
    sig = client.sign(b"data")
    server.verify(b"data", sig)
    with pytest.raises(s.SspiError) as err:
        server.verify(b"dat4", client.sign(b"data"))
    assert err.value.status == s.SEC_E_MESSAGE_ALTERED
    assert client.attributes & s.ISC_RET_CONFIDENTIALITY


def test_failure_raises_sspierror_with_status(fake):
    client, server = pair(fake, password="bad")
    with pytest.raises(s.SspiError) as err:
        run(client, server)
    assert err.value.status == s.SEC_E_LOGON_DENIED
    assert err.value.winerror == -2146893044
    assert "SEC_E_LOGON_DENIED" in str(err.value)
    assert err.value.alert == b"\x02\x31"


def test_pinned_entropy_replays_byte_for_byte(fake):
    runs = []
    for _ in range(2):
        client, server = pair(fake, entropy=PinnedEntropy(seed=b"seed"))
        t1 = client.step()
        t2 = server.step(t1)
        runs.append((t1, t2, client.step(t2)))
    assert runs[0] == runs[1]


def test_unknown_package_and_bad_use():
    with pytest.raises(s.SspiError) as err:
        s.Credential("NoSuchPackage")
    assert err.value.status == s.SEC_E_SECPKG_NOT_FOUND
    with pytest.raises(ValueError):
        s.Credential("Fake", use="sideways")


def test_close_is_idempotent(fake):
    client, server = pair(fake)
    run(client, server)
    client.close()
    client.close()
    with pytest.raises(s.SspiError) as err:
        client.wrap(b"x")
    assert err.value.status == s.SEC_E_INVALID_HANDLE


def test_complete_auth_token_gets_the_callers_buffers(fake):
    from sspi_emu import dispatcher

    store = MemoryAccountStore()
    store.add("DEMO\\alice", "pw")
    cred = s.Credential("Fake", auth_data=(s.SEC_WINNT_AUTH_IDENTITY("alice", "DEMO", "pw"), {"complete_needed": True}))
    client = s.ClientContext("Fake", target="host/x", credential=cred)
    server = s.ServerContext("Fake", credential=s.Credential("Fake", use="inbound", auth_data=store))
    body = s.SecBuffer(s.SECBUFFER_PKG_PARAMS, b"entity body")
    t2 = server.step(client.step())
    client.step(t2, buffers=[body])
    assert client.complete
    seen = dispatcher.contexts.get(client.handle).pctx.completed_with
    assert seen[0][0] == s.SECBUFFER_TOKEN and (s.SECBUFFER_PKG_PARAMS, b"entity body") in seen


def test_registry_first_use_from_many_threads():
    import subprocess
    import sys

    code = (
        "import threading, sspi_emu as s\n"
        "res = []\n"
        "def go():\n"
        "    b = s.Box(); res.append(s.QuerySecurityPackageInfo('NTLM', b))\n"
        "ts = [threading.Thread(target=go) for _ in range(16)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "assert all(r == s.SEC_E_OK for r in res), res\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
