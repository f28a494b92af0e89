"""Interop with tlslite-ng (pip: tlslite-ng), an independent pure-Python TLS implementation: its client against our
server and our client against its server, TLS 1.3 and TLS 1.2, ECDSA and RSA certificates, resumption."""

from __future__ import annotations

import socket
import threading
from typing import Any, Callable

import pytest
from tlslite.api import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_ConnectionInfo, SecPkgContext_SessionInfo
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, acquire, client_cred

pytestmark = pytest.mark.interop
TIMEOUT = 20
VERSIONS = {"1.3": (3, 4), "1.2": (3, 3)}


def settings(version: str) -> HandshakeSettings:
    s = HandshakeSettings()
    s.minVersion = s.maxVersion = VERSIONS[version]
    return s


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            result["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, result


def serve_ours(sock: socket.socket, ours: Endpoint) -> None:
    while not ours.complete:
        data = sock.recv(65536)
        assert data, "the peer closed during the handshake"
        out = ours.handshake(data)
        if out:
            sock.sendall(out)
        assert ours.status is not None and not (ours.status.is_error and ours.status != St.SEC_E_INCOMPLETE_MESSAGE), \
            ours.status


def read_plain(sock: socket.socket, ours: Endpoint, until: bytes) -> bytes:
    got = ours.decrypt(b"")
    while until not in got:
        got += ours.decrypt(sock.recv(65536))
        if ours.pending_output:
            sock.sendall(ours.pending_output)
            ours.pending_output = b""
    return got


def session_flags(ep: Endpoint) -> int:
    info = SecPkgContext_SessionInfo()
    assert ep.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
    return info.dwFlags


@pytest.mark.parametrize("version", ["1.3", "1.2"])
@pytest.mark.parametrize("kind", ["ecdsa", "rsa"])
def test_tlslite_client_our_server(pem_pki, rsa_pem_pki, version, kind):
    from sspi_emu_schannel import SCH_CREDENTIALS

    pki = pem_pki if kind == "ecdsa" else rsa_pem_pki
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pki.server]))
    session = None
    for attempt in range(2):
        a, b = socket.socketpair()
        a.settimeout(TIMEOUT)
        b.settimeout(TIMEOUT)
        prior = session

        def client(a: socket.socket = a, prior: Any = prior) -> Any:
            conn = TLSConnection(a)
            conn.handshakeClientCert(settings=settings(version), serverName="localhost", session=prior)
            conn.write(b"hello from tlslite\n")
            reply = conn.read(max=100)
            facts = (conn.version, conn.resumed, conn.session)
            conn.close()
            return facts, reply

        t, result = in_thread(client)
        ours = Endpoint(scred, True)
        try:
            serve_ours(b, ours)
            assert read_plain(b, ours, b"\n") == b"hello from tlslite\n"
            b.sendall(ours.encrypt(b"hello from sspi-emu"))
            t.join(TIMEOUT)
            assert "error" not in result, result.get("error")
            (negotiated, was_resumed, tl_session), reply = result["value"]
            assert reply == b"hello from sspi-emu"
            assert negotiated == VERSIONS[version]
            info = SecPkgContext_ConnectionInfo()
            assert ours.query(C.SECPKG_ATTR_CONNECTION_INFO, info) == St.SEC_E_OK
            assert bool(session_flags(ours) & 1) == was_resumed == bool(attempt)
            session = tl_session
        finally:
            a.close()
            b.close()


@pytest.mark.parametrize("version", ["1.3", "1.2"])
@pytest.mark.parametrize("kind", ["ecdsa", "rsa"])
def test_our_client_tlslite_server(pem_pki, rsa_pem_pki, version, kind):
    pki = pem_pki if kind == "ecdsa" else rsa_pem_pki
    chain = X509CertChain()
    chain.parsePemList(pki.server_cert.read_text())
    key = parsePEMKey(pki.server_key.read_text(), private=True, implementations=["python"])
    a, b = socket.socketpair()
    a.settimeout(TIMEOUT)
    b.settimeout(TIMEOUT)

    def server() -> Any:
        conn = TLSConnection(a)
        conn.handshakeServer(certChain=chain, privateKey=key, settings=settings(version))
        data = conn.read(max=100)
        conn.write(data.upper())
        return conn.version

    t, result = in_thread(server)
    ours = Endpoint(client_cred([pki.ca.certificate], version), False, "localhost")
    ours.extra_to_isc = True
    try:
        b.sendall(ours.start())
        while not ours.complete:
            out = ours.handshake(b.recv(65536))
            if out:
                b.sendall(out)
            assert ours.status is not None and (ours.status == St.SEC_E_INCOMPLETE_MESSAGE
                                                 or not ours.status.is_error), ours.status
        b.sendall(ours.encrypt(b"shout\n"))
        assert read_plain(b, ours, b"\n") == b"SHOUT\n"
        t.join(TIMEOUT)
        assert "error" not in result, result.get("error")
        assert result["value"] == VERSIONS[version]
    finally:
        a.close()
        b.close()


def test_tlslite_key_update_and_our_answer(pem_pki):
    """tlslite-ng's server sends KeyUpdate(update_requested): SEC_I_RENEGOTIATE, our ISC answers, data goes on."""
    chain = X509CertChain()
    chain.parsePemList(pem_pki.server_cert.read_text())
    key = parsePEMKey(pem_pki.server_key.read_text(), private=True, implementations=["python"])
    a, b = socket.socketpair()
    a.settimeout(TIMEOUT)
    b.settimeout(TIMEOUT)

    def server() -> Any:
        conn = TLSConnection(a)
        conn.handshakeServer(certChain=chain, privateKey=key, settings=settings("1.3"))
        first = conn.read(max=100)
        for _ in conn.send_keyupdate_request(1):  # KeyUpdate(update_requested)
            pass
        conn.write(b"after update\n")
        second = conn.read(max=100)
        return first, second

    t, result = in_thread(server)
    ours = Endpoint(client_cred([pem_pki.ca.certificate], "1.3"), False, "localhost")
    ours.extra_to_isc = True
    try:
        b.sendall(ours.start())
        while not ours.complete:
            out = ours.handshake(b.recv(65536))
            if out:
                b.sendall(out)
        b.sendall(ours.encrypt(b"one\n"))
        assert read_plain(b, ours, b"\n") == b"after update\n"
        assert ours.renegotiations >= 1
        b.sendall(ours.encrypt(b"two\n"))
        t.join(TIMEOUT)
        assert "error" not in result, result.get("error")
        assert result["value"] == (b"one\n", b"two\n")
    finally:
        a.close()
        b.close()
