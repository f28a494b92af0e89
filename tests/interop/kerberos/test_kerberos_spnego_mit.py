"""Kerberos inside SPNEGO: our Negotiate package against MIT's SPNEGO mechanism, both directions."""

from __future__ import annotations

import gssapi
import pytest
from sspi_emu_kerberos import KerberosSettings

import sspi_emu as S
from sspi_emu import constants as C
from tests.interop.kerberos.mit_realm import HOST, PASSWORD, REALM, SPN, USER, MitRealm

pytestmark = pytest.mark.interop

FLAGS = C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT
SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")


def test_our_negotiate_client_against_mit_spnego(mit_realm: MitRealm) -> None:
    cred = S.Credential("Negotiate", use="outbound", user=f"{USER}@{REALM}", password=PASSWORD)
    client = S.ClientContext("Negotiate", target=SPN, credential=cred, flags=FLAGS)
    acc = gssapi.Credentials(usage="accept", mechs=[SPNEGO], store={"keytab": str(mit_realm.keytab)})
    server = gssapi.SecurityContext(creds=acc, usage="accept")
    token = client.step(None)
    while not (client.complete and server.complete):
        reply = server.step(token)
        if client.complete:
            break
        token = client.step(reply or b"")
        if server.complete and not token:
            break
    assert client.complete and server.complete
    assert client.negotiated_package == "Kerberos"
    assert str(server.initiator_name) == f"{USER}@{REALM}"
    assert server.unwrap(client.wrap(b"spnego")).message == b"spnego"
    assert client.unwrap(server.wrap(b"back", True).message) == b"back"


def test_mit_spnego_client_against_our_negotiate(mit_realm: MitRealm) -> None:
    mit_realm.kinit()
    name = gssapi.Name(f"HTTP@{HOST}", gssapi.NameType.hostbased_service)
    client = gssapi.SecurityContext(name=name, usage="initiate", mech=SPNEGO,
                                    flags=[gssapi.RequirementFlag.mutual_authentication,
                                           gssapi.RequirementFlag.confidentiality,
                                           gssapi.RequirementFlag.integrity])
    cred = S.Credential("Negotiate", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab)))
    server = S.ServerContext("Negotiate", credential=cred)
    token = client.step()
    while True:
        reply = server.step(token)
        if client.complete:
            break
        token = client.step(reply)
        if client.complete and not token:
            break
    assert server.complete and client.complete
    assert server.peer_name == f"{USER}@{REALM}"
    assert server.unwrap(client.wrap(b"from MIT spnego", True).message) == b"from MIT spnego"
    assert client.unwrap(server.wrap(b"to MIT spnego")).message == b"to MIT spnego"
