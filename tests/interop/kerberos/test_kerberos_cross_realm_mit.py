"""Cross-realm Kerberos against MIT: a user of realm XA.SSPI reaches a service of realm XB.SSPI.

Our client walks the realms itself (a cross-realm TGT from [domain_realm]) or follows the MIT
KDC's referral; our acceptor takes MIT's cross-realm tickets, and MIT's acceptor takes ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import gssapi
import pytest
from sspi_emu_kerberos import KerberosSettings

import sspi_emu as S
from sspi_emu import constants as C
from tests.interop.kerberos.mit_cross_realm import (
    HOST_B,
    PASSWORD,
    REALM_A,
    REALM_B,
    SPN_B,
    USER,
    CrossRealms,
    start_cross_realms,
)

pytestmark = pytest.mark.interop
FLAGS = C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY


@pytest.fixture(scope="module")
def realms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrossRealms]:
    started = start_cross_realms(tmp_path_factory.mktemp("xrealm"))
    yield started
    started.stop()


@pytest.fixture
def client_env(realms: CrossRealms, monkeypatch: pytest.MonkeyPatch) -> CrossRealms:
    monkeypatch.setenv("KRB5_CONFIG", str(realms.client_conf("client-krb5.conf")))
    monkeypatch.setenv("KRB5RCACHETYPE", "none")
    for key in ("SSPI_EMU_REALM", "SSPI_EMU_KDC", "SSPI_EMU_USER", "KRB5_KTNAME"):
        monkeypatch.delenv(key, raising=False)
    return realms


def _our_acceptor(realms: CrossRealms) -> S.ServerContext:
    cred = S.Credential("Kerberos", use="inbound",
                        auth_data=KerberosSettings(service=f"{SPN_B}@{REALM_B}", keytab=str(realms.keytab)))
    return S.ServerContext("Kerberos", credential=cred)


def _our_client(target: str) -> S.ClientContext:
    cred = S.Credential("Kerberos", auth_data=KerberosSettings(user=f"{USER}@{REALM_A}", password=PASSWORD))
    return S.ClientContext("Kerberos", target=target, credential=cred, flags=FLAGS)


def _run(client: S.ClientContext, server: S.ServerContext) -> None:
    client.step(server.step(client.step(None)))
    assert client.complete and server.complete
    assert server.peer_name == f"{USER}@{REALM_A}"
    assert server.unwrap(client.wrap(b"across realms")) == b"across realms"
    assert client.unwrap(server.wrap(b"and back")) == b"and back"


@pytest.mark.parametrize("target", [SPN_B, f"{SPN_B}@{REALM_B}"])
def test_our_client_walks_to_the_other_realm(client_env: CrossRealms, target: str) -> None:
    _run(_our_client(target), _our_acceptor(client_env))


def test_our_client_follows_the_kdc_referral(client_env: CrossRealms, monkeypatch: pytest.MonkeyPatch) -> None:
    """No [domain_realm] on the client: the service is asked of realm A, whose KDC refers us to B."""
    monkeypatch.setenv("KRB5_CONFIG", str(client_env.client_conf("no-mapping.conf", domain_realm=False)))
    _run(_our_client(SPN_B), _our_acceptor(client_env))


def _kinit(realms: CrossRealms, ccache: Path) -> None:
    env = {"KRB5_CONFIG": str(realms.client_conf("mit-client.conf")), "KRB5CCNAME": f"FILE:{ccache}"}
    realms.run("kinit", f"{USER}@{REALM_A}", stdin=PASSWORD + "\n", env=env)


def test_mit_client_to_our_acceptor(client_env: CrossRealms, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ccache = tmp_path / "ccache"
    _kinit(client_env, ccache)
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{ccache}")
    name = gssapi.Name(f"HTTP@{HOST_B}", gssapi.NameType.hostbased_service)
    client = gssapi.SecurityContext(name=name, usage="initiate", mech=gssapi.MechType.kerberos,
                                    flags=[gssapi.RequirementFlag.mutual_authentication])
    server = _our_acceptor(client_env)
    reply = server.step(client.step())
    assert server.complete and server.peer_name == f"{USER}@{REALM_A}"
    client.step(reply)
    assert client.complete


def test_our_client_to_mit_acceptor(client_env: CrossRealms) -> None:
    creds = gssapi.Credentials(usage="accept", store={"keytab": str(client_env.keytab)})
    server = gssapi.SecurityContext(creds=creds, usage="accept")
    client = _our_client(SPN_B)
    reply = server.step(client.step(None))
    assert server.complete and str(server.initiator_name) == f"{USER}@{REALM_A}"
    client.step(reply)
    assert client.complete
    assert server.unwrap(client.wrap(b"to MIT")).message == b"to MIT"
