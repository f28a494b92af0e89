"""Random TCP segmentation, alert delivery choices and concurrent contexts."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_schannel import testcerts

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import CLIENT_REQ, Endpoint, client_cred, pair, run_handshake, server_cred

PKI = testcerts.make_ca_and_server("localhost")


def chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:]) if b > a]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version=st.sampled_from(["1.3", "1.2"]), cuts=st.lists(st.integers(0, 5000), max_size=12))
def test_any_segmentation_of_the_stream(version, cuts):
    """However the bytes are split into reads, the handshake completes and application data arrives intact."""
    client, server = pair(PKI, version=version)
    to_server = client.start()
    for _ in range(4):
        to_client = b"".join(server.handshake(piece) for piece in chunks(to_server, cuts))
        to_server = b"".join(client.handshake(piece) for piece in chunks(to_client, cuts))
        if client.complete:
            break
    request = client.encrypt(b"request body " * 300)
    # the client's last flight and its first data may arrive in the same reads
    tail = to_server + request
    got = b""
    to_client = b""
    for piece in chunks(tail, cuts):
        if not server.complete:
            to_client += server.handshake(piece)  # TLS 1.3: the server's session ticket comes with SEC_E_OK
            if server.complete:
                got += server.decrypt(b"")
        else:
            got += server.decrypt(piece)
    assert client.complete and server.complete
    assert got == b"request body " * 300
    reply = to_client + server.encrypt(b"reply")
    assert b"".join(client.decrypt(p) for p in chunks(reply, cuts)) == b"reply"
    assert all(m >= 1 for m in server.missing_reports + client.missing_reports)


def leg_without_alert_buffer(cred, target, req):
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
    ctx = S.CtxtHandle()
    S.InitializeSecurityContext(cred, None, target, req, 0, 0, None, 0, ctx, out, S.ULONG(), S.TimeStamp())
    return ctx, out[0].tobytes()


@pytest.mark.contract("ISC-ALERT")
def test_alert_as_token_only_with_extended_error():
    other = testcerts.make_ca_and_server("localhost")
    for req, expect_token in ((CLIENT_REQ, True), (CLIENT_REQ & ~C.ISC_REQ_EXTENDED_ERROR, False)):
        cred = client_cred([PKI.ca.certificate])
        server = Endpoint(server_cred(other.server), True)
        ctx, hello = leg_without_alert_buffer(cred, "localhost", req)
        flight = server.handshake(hello)
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
        status = S.InitializeSecurityContext(cred, ctx, "localhost", req, 0, 0,
                                             SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, flight), SecBuffer()]), 0,
                                             None, out, S.ULONG(), S.TimeStamp())
        assert status == St.SEC_E_UNTRUSTED_ROOT
        token = out[0].tobytes() if out[0].pvBuffer is not None else b""
        assert bool(token) == expect_token
        if token:
            server.handshake(token)
            assert server.status == St.SEC_E_ILLEGAL_MESSAGE  # the server learnt of the failure
        # the failed context still exists and must be deleted
        assert S.DeleteSecurityContext(ctx) == St.SEC_E_OK


@pytest.mark.contract("API-THREADS")
def test_contexts_in_many_threads():
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(3):
                client, server = pair(PKI, version="1.3" if i % 2 else "1.2")
                run_handshake(client, server)
                msg = f"thread {i}".encode() * 100
                assert server.decrypt(client.encrypt(msg)) == msg
                assert client.decrypt(server.encrypt(msg[::-1])) == msg[::-1]
                client.delete()
                server.delete()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
