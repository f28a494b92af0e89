"""KerberosSettings(ccache_out=...): the client stores its tickets in an MIT FILE ccache as it gets them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_kerberos import KerberosSettings
from sspi_emu_kerberos.ccache import Ccache, CcacheError, format_ccache, parse_ccache, read_ccache, write_ccache
from sspi_emu_kerberos.messages import PrincipalName
from sspi_emu_kerberos.transport import KdcUnreachable

import sspi_emu as S
from tests.packages.kerberos.fake_kdc import REALM, FakeKdc
from tests.packages.kerberos.test_kerberos_exchange import FLAGS, SPN, server_cred


@pytest.fixture
def kdc() -> FakeKdc:
    return FakeKdc({"alice": "Passw0rd!"}, {SPN: "svc-secret"})


@pytest.fixture(autouse=True)
def no_krb5_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")


def _handshake(cred: S.Credential) -> S.ServerContext:
    client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
    server = S.ServerContext("Kerberos", credential=server_cred())
    client.step(server.step(client.step(None)))
    assert client.complete and server.complete
    return server


def _no_kdc(realm: str, request: bytes) -> bytes:
    raise KdcUnreachable("the stored tickets must be enough")


def test_tickets_are_stored_and_a_second_client_uses_them(kdc: FakeKdc, tmp_path: Path) -> None:
    out = tmp_path / "ccache"
    first = S.Credential("Kerberos", auth_data=KerberosSettings(user=f"alice@{REALM}", password="Passw0rd!",
                                                                transport=kdc, ccache_out=f"FILE:{out}"))
    _handshake(first)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    cache = read_ccache(out)
    assert (str(cache.principal), cache.realm) == ("alice", REALM)
    assert [str(c.server) for c in cache.credentials] == [f"krbtgt/{REALM}", SPN]
    second = S.Credential("Kerberos", auth_data=KerberosSettings(ccache=str(out), transport=_no_kdc, realm=REALM))
    assert _handshake(second).peer_name == f"alice@{REALM}"


def test_an_unwritable_ccache_does_not_break_authentication(kdc: FakeKdc, tmp_path: Path) -> None:
    nowhere = tmp_path / "no" / "such" / "dir" / "cc"
    cred = S.Credential("Kerberos", auth_data=KerberosSettings(
        user=f"alice@{REALM}", password="Passw0rd!", transport=kdc, ccache_out=str(nowhere)))
    _handshake(cred)  # logged, not raised
    assert not nowhere.exists()
    with pytest.raises(CcacheError):
        write_ccache(nowhere, Ccache(PrincipalName(1, ("alice",)), REALM, []))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12),
                min_size=1, max_size=3),
       st.text(st.characters(min_codepoint=0x41, max_codepoint=0x5A), min_size=1, max_size=12))
def test_format_and_parse_round_trip_the_default_principal(components: list[str], realm: str) -> None:
    cache = Ccache(PrincipalName(1, tuple(components)), realm, [])
    back = parse_ccache(format_ccache(cache))
    assert (back.principal, back.realm, back.credentials) == (cache.principal, realm, [])
