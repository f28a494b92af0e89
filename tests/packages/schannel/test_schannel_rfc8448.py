"""RFC 8448 section 3 (simple 1-RTT handshake) reproduced byte for byte by the TLS engine."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from sspi_emu_schannel.tls import keyschedule
from sspi_emu_schannel.tls.client import TlsClient
from sspi_emu_schannel.tls.config import TlsConfig
from sspi_emu_schannel.tls.constants import ContentType
from sspi_emu_schannel.tls.engine import State
from sspi_emu_schannel.tls.messages import Certificate13
from sspi_emu_schannel.tls.server import TlsServer

from sspi_emu import entropy
from tests.packages.schannel.schannel_helpers import load_vector

V = load_vector("schannel-rfc8448.json")
IN, E, P = V["inputs"], V["expected"], V["pinned"]
h = bytes.fromhex

GROUPS = (0x001D, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104)
SCHEMES = (0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202)
ORDER = (0x0000, 0xFF01, 0x000A, 0x0023, 0x0033, 0x002B, 0x000D, 0x002D, 0x001C)


def server_key() -> rsa.RSAPrivateKey:
    k = IN["server_rsa_private_key"]
    n = lambda s: int(s, 16)  # noqa: E731
    pub = rsa.RSAPublicNumbers(n(k["public_exponent"]), n(k["modulus"]))
    return rsa.RSAPrivateNumbers(n(k["prime1"]), n(k["prime2"]), n(k["private_exponent"]), n(k["exponent1"]),
                                 n(k["exponent2"]), n(k["coefficient"]), pub).private_key()


def server_cert() -> x509.Certificate:
    der = Certificate13.decode(h(IN["certificate"])[4:]).entries[0][0]
    return x509.load_der_x509_certificate(der)


def configs() -> tuple[TlsConfig, TlsConfig]:
    client = TlsConfig(versions=(0x0304,), cipher_suites=(0x1301, 0x1303, 0x1302), advertised_groups=GROUPS,
                       advertised_schemes=SCHEMES, client_extension_order=ORDER, server_name="server",
                       record_size_limit=0x4001, send_session_ticket_extension=True)
    server = TlsConfig(versions=(0x0304,), cipher_suites=(0x1301, 0x1303, 0x1302), advertised_groups=GROUPS,
                       certificate_chain=[server_cert()], private_key=server_key(), record_size_limit=0x4001,
                       send_groups_in_encrypted_extensions=True, tickets=1, ticket_lifetime=P["ticket_lifetime"],
                       ticket_length=len(h(E["new_session_ticket_ticket"])),
                       ticket_early_data=P["ticket_max_early_data"])
    return client, server


@pytest.fixture(scope="module")
def exchange() -> dict[str, object]:
    ccfg, scfg = configs()
    client_pins = entropy.PinnedEntropy([h(IN["client_random"]), h(IN["client_private_key"])])
    server_pins = entropy.PinnedEntropy([h(IN["server_random"]), h(IN["server_private_key"]), h(P["rsa_pss_salt"]),
                                         h(P["ticket_age_add"]), h(E["new_session_ticket_ticket"])])
    with entropy.pinned(client_pins):
        client = TlsClient(ccfg)
        client.start()
        client_hello = client.take_output()
    with entropy.pinned(server_pins):
        server = TlsServer(scfg)
        assert server.feed(client_hello).consumed == len(client_hello)
        server_flight = server.take_output()
    with entropy.pinned(client_pins):
        client.feed(server_flight)
        client_finished = client.take_output()
    with entropy.pinned(server_pins):
        server.feed(client_finished)
        ticket = server.take_output()
    return {"client": client, "server": server, "ch": client_hello, "sflight": server_flight,
            "cfin": client_finished, "ticket": ticket}


def test_client_hello_record(exchange):
    assert exchange["ch"] == h(E["client_hello_record"])


def test_server_flight_records(exchange):
    assert exchange["sflight"] == h(E["server_hello_record"]) + h(E["server_handshake_record"])


def test_client_finished_record(exchange):
    assert exchange["cfin"] == h(E["client_finished_record"])


def test_new_session_ticket_record(exchange):
    assert exchange["ticket"] == h(E["new_session_ticket_record"])


def test_both_sides_connected_with_rfc_secrets(exchange):
    client, server = exchange["client"], exchange["server"]
    assert client.state is State.CONNECTED and server.state is State.CONNECTED
    for side in (client, server):
        assert side.schedule.handshake_secret == h(E["handshake_secret"])
        assert side.schedule.master_secret == h(E["master_secret"])
        assert side.exporter_master_secret == h(E["exporter_master_secret"])
        assert side.resumption_master_secret == h(E["resumption_master_secret"])
        assert side.server_finished == h(E["server_finished_verify_data"])
        assert side.client_finished == h(E["client_finished_verify_data"])
    assert client._client_app_secret == h(E["client_application_traffic_secret_0"])
    assert server._server_app_secret == h(E["server_application_traffic_secret_0"])


def test_handshake_messages_inside_transcript(exchange):
    t = bytes(exchange["client"]._transcript)
    for name in ("client_hello", "server_hello", "encrypted_extensions", "certificate", "certificate_verify",
                 "server_finished", "client_finished"):
        assert h(IN[name] if name in IN else E[name]) in t, name
    assert hashlib.sha256(t).digest() == h(E["transcript_hash_through_client_finished"])


def test_application_data_and_close_notify_records(exchange):
    client, server = exchange["client"], exchange["server"]
    plain = h(IN["client_application_data_plaintext"])
    record = client.write.seal(ContentType.APPLICATION_DATA, plain)
    assert record == h(E["client_application_data_record"])
    assert server.read.open(0, record) == (ContentType.APPLICATION_DATA, plain)
    inner, nst = client.read.open(0, exchange["ticket"])
    assert inner == ContentType.HANDSHAKE
    client.post_handshake(nst)
    assert client.tickets[-1].ticket == h(E["new_session_ticket_ticket"])
    assert client.tickets[-1].lifetime == P["ticket_lifetime"]
    record = server.write.seal(ContentType.APPLICATION_DATA, h(IN["server_application_data_plaintext"]))
    assert record == h(E["server_application_data_record"])
    assert client.read.open(0, record)[1] == h(IN["server_application_data_plaintext"])
    assert client.alert_record(0, 1) == h(E["client_close_notify_record"])
    assert server.alert_record(0, 1) == h(E["server_close_notify_record"])


def test_in_place_sealing_matches_rfc():
    """EncryptMessage's in-place path gives the same record as the RFC (header, data, trailer split)."""
    ccfg, scfg = configs()
    client_pins = entropy.PinnedEntropy([h(IN["client_random"]), h(IN["client_private_key"])])
    server_pins = entropy.PinnedEntropy([h(IN["server_random"]), h(IN["server_private_key"]), h(P["rsa_pss_salt"]),
                                         h(P["ticket_age_add"]), h(E["new_session_ticket_ticket"])])
    with entropy.pinned(client_pins):
        client = TlsClient(ccfg)
        client.start()
        ch = client.take_output()
    with entropy.pinned(server_pins):
        server = TlsServer(scfg)
        server.feed(ch)
        client.feed(server.take_output())
    plain = h(IN["client_application_data_plaintext"])
    header, data, trailer = bytearray(5), bytearray(plain), bytearray(17)
    client.write.seal_in_place(ContentType.APPLICATION_DATA, memoryview(header), memoryview(data), memoryview(trailer))
    assert bytes(header + data + trailer) == h(E["client_application_data_record"])


def test_key_schedule_primitives():
    assert keyschedule.hkdf_label(b"key", b"", 16) == h(E["key_info"])
    assert keyschedule.hkdf_label(b"iv", b"", 12) == h(E["iv_info"])
    ks = keyschedule.KeySchedule13("sha256")
    assert ks.early_secret == h(E["early_secret"])
    ks.set_shared_secret(h(E["ecdhe_shared_secret"]))
    assert ks.handshake_secret == h(E["handshake_secret"])
    c, s = ks.handshake_traffic(h(E["transcript_hash_client_hello_server_hello"]))
    assert (c, s) == (h(E["client_handshake_traffic_secret"]), h(E["server_handshake_traffic_secret"]))
    assert ks.traffic_keys(s, 16) == (h(E["server_handshake_key"]), h(E["server_handshake_iv"]))
    assert ks.finished_key(s) == h(E["server_finished_key"])
