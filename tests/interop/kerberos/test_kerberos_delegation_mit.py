"""Delegation with MIT: a forwarded TGT in the authenticator checksum, used afterwards to reach the service again."""

from __future__ import annotations

import gssapi
import pytest
from sspi_emu_kerberos import KerberosSettings

import sspi_emu as S
from sspi_emu import constants as C
from tests.interop.kerberos.mit_realm import HOST, PASSWORD, REALM, SPN, USER, MitRealm

pytestmark = pytest.mark.interop

FLAGS = C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_DELEGATE


def mit_acceptor(realm: MitRealm) -> gssapi.SecurityContext:
    creds = gssapi.Credentials(usage="accept", store={"keytab": str(realm.keytab)})
    return gssapi.SecurityContext(creds=creds, usage="accept")


@pytest.mark.contract("ISC-REQ-DELEGATE")
def test_our_client_delegates_to_mit(mit_realm: MitRealm) -> None:
    cred = S.Credential("Kerberos", use="outbound", user=f"{USER}@{REALM}", password=PASSWORD)
    client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.attributes & C.ISC_RET_DELEGATE
    assert gssapi.RequirementFlag.delegate_to_peer in server.actual_flags
    delegated = server.delegated_creds
    assert delegated is not None
    # MIT uses the forwarded TGT to reach the service again (a TGS exchange with our KRB-CRED's ticket).
    name = gssapi.Name(f"HTTP@{HOST}", gssapi.NameType.hostbased_service)
    again = gssapi.SecurityContext(name=name, creds=delegated, usage="initiate", mech=gssapi.MechType.kerberos)
    other = mit_acceptor(mit_realm)
    other.step(again.step())
    assert other.complete and str(other.initiator_name) == f"{USER}@{REALM}"


def test_mit_client_delegates_to_us(mit_realm: MitRealm) -> None:
    mit_realm.kinit()
    name = gssapi.Name(f"HTTP@{HOST}", gssapi.NameType.hostbased_service)
    client = gssapi.SecurityContext(name=name, usage="initiate", mech=gssapi.MechType.kerberos,
                                    flags=[gssapi.RequirementFlag.mutual_authentication,
                                           gssapi.RequirementFlag.delegate_to_peer])
    cred = S.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab)))
    server = S.ServerContext("Kerberos", credential=cred)
    client.step(server.step(client.step()))
    assert server.attributes & C.ASC_RET_DELEGATE
    token = server.query(C.SECPKG_ATTR_ACCESS_TOKEN).AccessToken
    assert token.delegated is not None and token.delegated.client.components == (USER,)
    # We act as alice with MIT's forwarded TGT, against MIT's acceptor.
    as_alice = S.Credential("Kerberos", use="outbound", auth_data=KerberosSettings(tgt=token.delegated))
    ours = S.ClientContext("Kerberos", target=SPN, credential=as_alice, flags=C.ISC_REQ_MUTUAL_AUTH)
    acceptor = mit_acceptor(mit_realm)
    ours.step(acceptor.step(ours.step(None)))
    assert ours.complete and str(acceptor.initiator_name) == f"{USER}@{REALM}"
