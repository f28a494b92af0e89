"""Post-handshake messages from OpenSSL (tickets, KeyUpdate) through DecryptMessage -> SEC_I_RENEGOTIATE -> ISC/ASC."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest
from sspi_emu_schannel import SCH_CREDENTIALS

import sspi_emu as S
from tests.interop.schannel.test_schannel_openssl_cli import TIMEOUT, client_handshake, recv_some, s_server
from tests.packages.schannel.schannel_helpers import Endpoint, client_cred

pytestmark = pytest.mark.interop


def test_key_update_from_openssl_s_server_answered_through_isc(pem_pki):
    """`K` on s_server's stdin sends KeyUpdate(update_requested): our ISC leg answers it, data flows both ways."""
    with s_server(pem_pki, "-tls1_3", with_proc=True, rev=False) as (port, proc):
        with socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
            sock.settimeout(TIMEOUT)
            ours = Endpoint(client_cred([pem_pki.ca.certificate]), False, "localhost")
            ours.extra_to_isc = True
            client_handshake(sock, ours)
            assert ours.status == S.SecurityStatus.SEC_E_OK
            sock.sendall(ours.encrypt(b"first\n"))
            proc.stdin.write(b"K\n")  # alone on its line, or s_server does not take it as a command
            proc.stdin.flush()
            got = b""
            while not ours.pending_output:  # two tickets, then the KeyUpdate: its answer comes from ISC
                got += ours.decrypt(recv_some(sock))
            sock.sendall(ours.pending_output)
            ours.pending_output = b""
            proc.stdin.write(b"after update\n")
            proc.stdin.flush()
            while b"after update\n" not in got:
                got += ours.decrypt(recv_some(sock))
            assert ours.renegotiations >= 3  # two tickets and the KeyUpdate
            sock.sendall(ours.encrypt(b"under new keys\n"))
            out = b""
            while b"under new keys" not in out:
                line = proc.stdout.readline()
                assert line, out
                out += line
            assert b"first" in out


def test_pythonic_server_answers_openssl_key_update(pem_pki):
    """Our server (ServerContext.unwrap) against Python's ssl client: the server asks for a KeyUpdate (Python
    cannot send one by itself); OpenSSL's answer comes back through SEC_I_RENEGOTIATE and data flows after it."""
    from sspi_emu import dispatcher

    scred = S.Credential("Schannel", use="inbound", auth_data=SCH_CREDENTIALS(paCred=[pem_pki.server]))
    server = S.ServerContext("Schannel", credential=scred)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(pem_pki.ca_file))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    a, b = socket.socketpair()
    result: dict[str, bytes] = {}

    def client() -> None:
        with ctx.wrap_socket(a, server_hostname="localhost") as tls:
            tls.sendall(b"ping")
            result["first"] = tls.recv(100)
            tls.sendall(b"again")
            result["second"] = tls.recv(100)

    t = threading.Thread(target=client)
    t.start()
    try:
        b.settimeout(TIMEOUT)
        while not server.complete:
            out = server.step(recv_some(b))
            if out:
                b.sendall(out)  # the last one carries the session tickets
        data = server.extra
        server.extra = b""
        plain = b""
        while not plain:
            if not data:
                data = recv_some(b)
            plain += server.unwrap(data)
            data = server.extra
            server.extra = b""
        assert plain == b"ping"
        seng = dispatcher.contexts.get(server.handle).pctx.engine
        seng.request_key_update(request_peer=True)
        b.sendall(seng.take_output() + server.wrap(b"pong"))
        plain = b""
        while not plain:
            if not data:
                data = recv_some(b)
            plain += server.unwrap(data)  # OpenSSL's KeyUpdate answer: SEC_I_RENEGOTIATE, then "again"
            data = server.extra
            server.extra = b""
        assert plain == b"again" and server.pending_output == b""
        b.sendall(server.wrap(b"done"))
        t.join(TIMEOUT)
        assert result == {"first": b"pong", "second": b"done"}
    finally:
        a.close()
        b.close()
