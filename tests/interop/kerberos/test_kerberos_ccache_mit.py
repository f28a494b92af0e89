"""Tickets our client got from the MIT KDC, stored with ``ccache_out``, are read by MIT's own tools."""

from __future__ import annotations

from pathlib import Path

import gssapi
import pytest
from sspi_emu_kerberos import KerberosSettings

import sspi_emu as S
from tests.interop.kerberos.mit_realm import HOST, PASSWORD, REALM, SPN, USER, MitRealm, _tool

pytestmark = pytest.mark.interop


def test_mit_klist_and_gssapi_use_the_ccache_we_wrote(mit_realm: MitRealm, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ccache = tmp_path / "ours.ccache"
    cred = S.Credential("Kerberos", auth_data=KerberosSettings(user=f"{USER}@{REALM}", password=PASSWORD,
                                                               ccache_out=f"FILE:{ccache}"))
    S.ClientContext("Kerberos", target=SPN, credential=cred).step(None)  # TGT and service ticket, stored
    listing = mit_realm.run(_tool("klist"), "-c", f"FILE:{ccache}")
    assert f"Default principal: {USER}@{REALM}" in listing
    assert f"krbtgt/{REALM}@{REALM}" in listing and f"{SPN}@{REALM}" in listing
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{ccache}")
    mit_client = gssapi.SecurityContext(name=gssapi.Name(f"HTTP@{HOST}", gssapi.NameType.hostbased_service),
                                        usage="initiate", mech=gssapi.MechType.kerberos)
    server = S.ServerContext("Kerberos", credential=S.Credential(
        "Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab))))
    server.step(mit_client.step())  # MIT's initiator, from the tickets in our ccache
    assert server.complete and server.peer_name == f"{USER}@{REALM}"
