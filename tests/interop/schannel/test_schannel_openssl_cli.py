"""Interop with the openssl command-line tool over loopback TCP: s_server and s_client, TLS 1.2 and 1.3."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_CipherInfo
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, client_cred, server_cred

pytestmark = pytest.mark.interop
TIMEOUT = 20
OPENSSL = shutil.which("openssl") or "openssl"  # a missing peer must fail loudly, not skip


@contextlib.contextmanager
def s_server(pki, *args: str, cert=None, with_proc: bool = False, rev: bool = True) -> Iterator:
    cert_file, key_file = cert or (pki.server_cert, pki.server_key)
    proc = subprocess.Popen(
        [OPENSSL, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-cert", str(cert_file),
         "-key", str(key_file), *(["-rev"] if rev else []), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL if rev else subprocess.PIPE,  # an echo server quits at end of input
    )
    try:
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        port = 0
        assert proc.stdout is not None
        for _ in range(20):
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith(b"ACCEPT"):
                port = int(line.split(b":")[-1])
                break
        assert port, "openssl s_server did not start"
        yield (port, proc) if with_proc else port
    finally:
        timer.cancel()
        if proc.stdin is not None:
            proc.stdin.close()
        proc.kill()
        proc.wait(TIMEOUT)


def recv_some(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("peer closed")
    return data


def client_handshake(sock: socket.socket, ours: Endpoint) -> None:
    sock.sendall(ours.start())
    while not ours.complete:
        out = ours.handshake(recv_some(sock))
        if out:
            sock.sendall(out)
        if ours.status is not None and ours.status.is_error:
            if ours.alert:
                sock.sendall(ours.alert)
            return


@pytest.mark.parametrize("version,suite", [
    ("-tls1_3", "TLS_AES_128_GCM_SHA256"), ("-tls1_3", "TLS_AES_256_GCM_SHA384"),
    ("-tls1_3", "TLS_CHACHA20_POLY1305_SHA256"), ("-tls1_2", None),
])
def test_our_client_openssl_s_server(pem_pki, version, suite):
    extra = ["-ciphersuites", suite] if suite else []
    with s_server(pem_pki, version, *extra) as port, socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        ours = Endpoint(client_cred([pem_pki.ca.certificate]), False, "localhost")
        client_handshake(sock, ours)
        assert ours.status == St.SEC_E_OK
        info = SecPkgContext_CipherInfo()
        assert ours.query(C.SECPKG_ATTR_CIPHER_INFO, info) == St.SEC_E_OK
        if suite:
            assert info.szCipherSuite == suite
        sock.sendall(ours.encrypt(b"hello openssl\n"))
        got = b""
        while b"\n" not in got:
            got += ours.decrypt(recv_some(sock))
        assert got == b"lssnepo olleh\n"


@pytest.mark.parametrize("group", ["P-256", "P-384"])
def test_hello_retry_with_openssl_s_server(pem_pki, group):
    """s_server without x25519: our client's first key share does not fit, so it gets a HelloRetryRequest."""
    with s_server(pem_pki, "-tls1_3", "-groups", group) as port, socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        ours = Endpoint(client_cred([pem_pki.ca.certificate]), False, "localhost")
        client_handshake(sock, ours)
        assert ours.status == St.SEC_E_OK
        from sspi_emu import dispatcher

        assert dispatcher.contexts.get(ours.ctx).pctx.engine.group == {"P-256": 0x17, "P-384": 0x18}[group]
        sock.sendall(ours.encrypt(b"retry\n"))
        got = b""
        while b"\n" not in got:
            got += ours.decrypt(recv_some(sock))
        assert got == b"yrter\n"


def test_our_client_rejects_expired_s_server(pem_pki):
    with s_server(pem_pki, "-tls1_3", cert=(pem_pki.expired_cert, pem_pki.expired_key)) as port, \
            socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        ours = Endpoint(client_cred([pem_pki.ca.certificate]), False, "localhost")
        client_handshake(sock, ours)
        assert ours.status == St.SEC_E_CERT_EXPIRED


def serve_once(listener: socket.socket, ours: Endpoint, reply: bytes, result: dict) -> None:
    try:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(TIMEOUT)
            while not ours.complete:
                out = ours.handshake(recv_some(conn))
                if out:
                    conn.sendall(out)
                if ours.status is not None and ours.status.is_error:
                    if ours.alert:
                        conn.sendall(ours.alert)
                    result["status"] = ours.status
                    return
            result["status"] = ours.status
            got = ours.decrypt(b"")  # application data may have come with the client's Finished (EXTRA)
            while b"\n" not in got:
                got += ours.decrypt(recv_some(conn))
            result["got"] = got
            conn.sendall(ours.encrypt(reply) + ours.shutdown())
    except Exception as exc:  # reported to the test thread
        result["error"] = exc


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_openssl_s_client_our_server(pem_pki, version):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    port = listener.getsockname()[1]
    ours = Endpoint(server_cred(pem_pki.server), True)
    result: dict = {}
    thread = threading.Thread(target=serve_once, args=(listener, ours, b"hello s_client\n", result))
    thread.start()
    proc = subprocess.run(
        [OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile",
         str(pem_pki.ca_file), "-verify_return_error", "-verify_hostname", "localhost", "-ign_eof", version],
        input=b"hello from s_client\n", capture_output=True, timeout=TIMEOUT,
    )
    thread.join(TIMEOUT)
    listener.close()
    assert "error" not in result, result
    assert result["status"] == St.SEC_E_OK
    assert result["got"] == b"hello from s_client\n"
    assert b"hello s_client" in proc.stdout
    assert b"Verify return code: 0 (ok)" in proc.stdout
    assert (b"TLSv1.3" if version == "-tls1_3" else b"TLSv1.2") in proc.stdout


def test_openssl_s_client_rejects_unknown_ca(pem_pki, tmp_path):
    from tests.interop.schannel.conftest import make_pem_pki

    other = make_pem_pki(tmp_path)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    port = listener.getsockname()[1]
    ours = Endpoint(server_cred(other.server), True)
    result: dict = {}
    thread = threading.Thread(target=serve_once, args=(listener, ours, b"x\n", result))
    thread.start()
    proc = subprocess.run(
        [OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile",
         str(pem_pki.ca_file), "-verify_return_error", "-tls1_3"],
        input=b"", capture_output=True, timeout=TIMEOUT,
    )
    thread.join(TIMEOUT)
    listener.close()
    assert proc.returncode != 0
    assert result.get("status") == St.SEC_E_ILLEGAL_MESSAGE  # OpenSSL's unknown_ca alert


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_keying_material_matches_s_server(pem_pki, version):
    """RFC 5705 / RFC 8446 exporters agree with OpenSSL's -keymatexport (no context)."""
    from sspi_emu_schannel import SecPkgContext_KeyingMaterialInfo

    from sspi_emu.attributes import SecPkgContext_KeyingMaterial

    with s_server(pem_pki, version, "-keymatexport", "EXPERIMENTAL-sspi-emu", "-keymatexportlen", "48",
                  with_proc=True, rev=False) as (port, proc), socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        ours = Endpoint(client_cred([pem_pki.ca.certificate]), False, "localhost")
        client_handshake(sock, ours)
        assert ours.status == St.SEC_E_OK
        info = SecPkgContext_KeyingMaterialInfo(pszLabel="EXPERIMENTAL-sspi-emu", cbKeyingMaterial=48)
        assert S.SetContextAttributes(ours.ctx, C.SECPKG_ATTR_KEYING_MATERIAL_INFO, info) == St.SEC_E_OK
        material = SecPkgContext_KeyingMaterial()
        assert ours.query(C.SECPKG_ATTR_KEYING_MATERIAL, material) == St.SEC_E_OK
        expected = None
        for _ in range(80):
            line = proc.stdout.readline()
            if not line:
                break
            if b"Keying material:" in line:
                expected = bytes.fromhex(line.split(b":", 1)[1].strip().decode())
                break
        assert expected is not None and material.KeyingMaterial == expected


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_resumption_against_s_server(pem_pki, version):
    """Two connections to one s_server with the same credential and target: the second resumes
    (TLS 1.2 by session id, TLS 1.3 by ticket)."""
    from sspi_emu.attributes import SecPkgContext_SessionInfo

    ccred = client_cred([pem_pki.ca.certificate])
    with s_server(pem_pki, version, "-naccept", "2") as port:
        for attempt in range(2):
            with socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
                sock.settimeout(TIMEOUT)
                ours = Endpoint(ccred, False, "localhost")
                client_handshake(sock, ours)
                assert ours.status == St.SEC_E_OK
                sock.sendall(ours.encrypt(b"again\n"))
                got = b""
                while b"\n" not in got:
                    got += ours.decrypt(recv_some(sock))  # TLS 1.3 tickets are read here too
                assert got == b"niaga\n"
                info = SecPkgContext_SessionInfo()
                assert ours.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
                assert bool(info.dwFlags & 1) == bool(attempt)
                # a clean close_notify: OpenSSL drops TLS 1.2 sessions of connections that end without one
                sock.sendall(ours.shutdown())


def test_tls12_ticket_resumption_against_s_server_without_session_cache(pem_pki):
    """s_server -no_cache keeps no session ids: the second connection can only resume by our RFC 5077 ticket."""
    from sspi_emu.attributes import SecPkgContext_SessionInfo

    ccred = client_cred([pem_pki.ca.certificate])
    with s_server(pem_pki, "-tls1_2", "-no_cache", "-naccept", "2") as port:
        for attempt in range(2):
            with socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
                sock.settimeout(TIMEOUT)
                ours = Endpoint(ccred, False, "localhost")
                client_handshake(sock, ours)
                assert ours.status == St.SEC_E_OK
                sock.sendall(ours.encrypt(b"ticket\n"))
                got = b""
                while b"\n" not in got:
                    got += ours.decrypt(recv_some(sock))
                assert got == b"tekcit\n"
                info = SecPkgContext_SessionInfo()
                assert ours.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
                assert bool(info.dwFlags & 1) == bool(attempt)
                sock.sendall(ours.shutdown())
