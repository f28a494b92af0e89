"""Kerberos inside Negotiate: chosen when it has credentials, and a fast fall-back to NTLM when it has none."""

from __future__ import annotations

import socket

import pytest
from sspi_emu_kerberos import KerberosSettings, KeytabEntry

import sspi_emu as S
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY
from tests.packages.kerberos.fake_kdc import REALM, FakeKdc
from tests.pythonic_handshake import drive

SPN = "HTTP/web.example"


def run(client: S.ClientContext, server: S.ServerContext) -> None:
    drive(client, server, max_legs=4)


def ntlm_pair() -> tuple[S.ClientContext, S.ServerContext]:
    store = MemoryAccountStore()
    store.add("alice", "Passw0rd!", "DEMO")
    ccred = S.Credential("Negotiate", use="outbound", auth_data=SEC_WINNT_AUTH_IDENTITY("alice", "DEMO", "Passw0rd!"))
    scred = S.Credential("Negotiate", use="inbound", auth_data=store)
    return S.ClientContext("Negotiate", target=SPN, credential=ccred), S.ServerContext("Negotiate", credential=scred)


def test_negotiate_without_kerberos_configuration_uses_ntlm(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SSPI_EMU_REALM", "SSPI_EMU_KDC", "KRB5_KTNAME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    monkeypatch.setenv("KRB5CCNAME", "FILE:/nonexistent/ccache")
    client, server = ntlm_pair()
    run(client, server)
    assert client.negotiated_package == "NTLM"
    assert server.unwrap(client.wrap(b"ntlm")) == b"ntlm"


def test_negotiate_falls_back_to_ntlm_when_the_kdc_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    monkeypatch.setenv("SSPI_EMU_REALM", "DEMO")
    monkeypatch.setenv("SSPI_EMU_KDC", f"127.0.0.1:{port}")
    client, server = ntlm_pair()
    run(client, server)
    assert client.negotiated_package == "NTLM"


def test_negotiate_prefers_kerberos_when_it_has_credentials() -> None:
    kdc = FakeKdc({"alice": "Passw0rd!"}, {SPN: "svc-secret"})
    keytab = [KeytabEntry(REALM, ("HTTP", "web.example"), 1, kdc.service_key(SPN), 2)]
    ccred = S.Credential("Negotiate", use="outbound",
                         auth_data=KerberosSettings(user=f"alice@{REALM}", password="Passw0rd!", transport=kdc))
    scred = S.Credential("Negotiate", use="inbound", auth_data=KerberosSettings(keytab=keytab))
    client = S.ClientContext("Negotiate", target=SPN, credential=ccred)
    server = S.ServerContext("Negotiate", credential=scred)
    run(client, server)
    assert client.negotiated_package == "Kerberos" and server.negotiated_package == "Kerberos"
    assert server.peer_name == f"alice@{REALM}"
    assert server.unwrap(client.wrap(b"spnego")) == b"spnego"
    assert client.unwrap(server.wrap(b"back")) == b"back"
