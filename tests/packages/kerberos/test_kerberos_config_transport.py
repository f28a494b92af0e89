"""krb5.conf and environment configuration, and the UDP-then-TCP KDC transport on real sockets."""

from __future__ import annotations

import socket
import struct
import threading
from typing import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_kerberos import ccache
from sspi_emu_kerberos import messages as m
from sspi_emu_kerberos.config import load_config, parse_krb5_conf
from sspi_emu_kerberos.memory_kdc import MemoryKdc
from sspi_emu_kerberos.transport import KdcUnreachable, SocketTransport

CONF = """
# comment
[libdefaults]
    default_realm = CORP.EXAMPLE
    clockskew = 120
    udp_preference_limit = 1
[realms]
    CORP.EXAMPLE = {
        kdc = kdc1.corp.example
        kdc = 10.0.0.2:8888
        admin_server = kdc1.corp.example
    }
    OTHER.EXAMPLE = {
        kdc = [::1]:750
    }
[domain_realm]
    .corp.example = CORP.EXAMPLE
"""


def test_krb5_conf_parsing() -> None:
    cfg = parse_krb5_conf(CONF)
    assert cfg.default_realm == "CORP.EXAMPLE"
    assert cfg.kdcs_for("CORP.EXAMPLE") == [("kdc1.corp.example", 88), ("10.0.0.2", 8888)]
    assert cfg.kdcs_for("OTHER.EXAMPLE") == [("::1", 750)]
    assert (cfg.clock_skew, cfg.udp_preference_limit) == (120, 1)
    assert cfg.kdcs_for("NOPE") == []


def test_environment_overrides(tmp_path: object) -> None:
    path = f"{tmp_path}/krb5.conf"
    with open(path, "w") as fh:
        fh.write(CONF)
    cfg = load_config({"KRB5_CONFIG": path, "SSPI_EMU_REALM": "LAB.TEST", "SSPI_EMU_KDC": "127.0.0.1:6088,kdc2:88"})
    assert cfg.default_realm == "LAB.TEST"
    assert cfg.kdcs_for("LAB.TEST") == [("127.0.0.1", 6088), ("kdc2", 88)]
    assert cfg.kdcs_for("CORP.EXAMPLE")  # the file is still read
    assert load_config({"KRB5_CONFIG": "/nonexistent"}).default_realm is None


@pytest.fixture
def udp_too_big_tcp_real() -> Iterator[tuple[int, MemoryKdc]]:
    """UDP answers KRB_ERR_RESPONSE_TOO_BIG, TCP (same port) answers from an in-memory KDC."""
    kdc = MemoryKdc("SOCK.TEST", {"alice": "pw"}, {"HTTP/web": "svc"})
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    tcp.listen(4)
    tcp.settimeout(5)
    udp.settimeout(5)
    stop = threading.Event()
    too_big = m.KrbError(52, "SOCK.TEST", m.PrincipalName(2, ("krbtgt", "SOCK.TEST")), 1800000000).encode()

    def serve_udp() -> None:
        while not stop.is_set():
            try:
                _, addr = udp.recvfrom(65536)
            except OSError:
                return
            udp.sendto(too_big, addr)

    def serve_tcp() -> None:
        while not stop.is_set():
            try:
                conn, _ = tcp.accept()
            except OSError:
                return
            with conn:
                (n,) = struct.unpack(">I", conn.recv(4))
                data = b""
                while len(data) < n:
                    data += conn.recv(n - len(data))
                reply = kdc("SOCK.TEST", data)
                conn.sendall(struct.pack(">I", len(reply)) + reply)

    threads = [threading.Thread(target=serve_udp, daemon=True), threading.Thread(target=serve_tcp, daemon=True)]
    for t in threads:
        t.start()
    yield port, kdc
    stop.set()
    udp.close()
    tcp.close()


def test_udp_too_big_falls_back_to_tcp(udp_too_big_tcp_real: tuple[int, MemoryKdc]) -> None:
    port, kdc = udp_too_big_tcp_real
    transport = SocketTransport(lambda realm: [("127.0.0.1", port)], timeout=2.0)
    req = m.KdcReq(m.AS_REQ, 0, "SOCK.TEST", 1800000000, 1, (18,), m.PrincipalName(1, ("alice",)),
                   m.PrincipalName(2, ("krbtgt", "SOCK.TEST")))
    reply = transport("SOCK.TEST", req.encode())
    err = m.decode_krb_error(reply)
    assert err.error_code == 25  # the real answer (pre-authentication required) came over TCP
    assert kdc.requests == 1


def test_unreachable_kdc_raises_quickly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = SocketTransport(lambda realm: [("127.0.0.1", port)], timeout=1.0)
    with pytest.raises(KdcUnreachable):
        transport("X.TEST", b"\x6a\x00")
    with pytest.raises(KdcUnreachable):
        SocketTransport(lambda realm: [])("X.TEST", b"")


@settings(max_examples=200, deadline=None)
@given(blob=st.binary(max_size=300))
def test_ccache_parser_raises_only_its_error(blob: bytes) -> None:
    for data in (blob, b"\x05\x04" + blob, b"\x05\x03" + blob):
        try:
            ccache.parse_ccache(data)
        except ccache.CcacheError:
            pass


@settings(max_examples=200, deadline=None)
@given(blob=st.binary(max_size=300))
def test_krb_cred_parsers_raise_only_asn1_error(blob: bytes) -> None:
    for parse in (m.decode_krb_cred, m.decode_enc_krb_cred_part):
        try:
            parse(blob)
        except m.Asn1Error:
            pass


def test_kdc_setting_accepts_hosts_with_and_without_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    from sspi_emu_kerberos import KerberosSettings
    from sspi_emu_kerberos.credentials import KerberosCredential

    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    settings = KerberosSettings(user="alice", password="pw", realm="LAB.TEST", kdc=["kdc.lab.test", "10.1.1.1:6088"])
    cred = KerberosCredential.acquire(None, 2, settings)
    assert cred.config.kdcs_for("LAB.TEST") == [("kdc.lab.test", 88), ("10.1.1.1", 6088)]
