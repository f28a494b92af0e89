"""Interop with MIT Kerberos: its KDC, its GSS-API acceptor and initiator (python-gssapi), its keytabs."""

from __future__ import annotations

import gssapi
import pytest
from sspi_emu_kerberos import KerberosSettings, asn1_reference
from sspi_emu_kerberos.gss_framing import unframe
from sspi_emu_kerberos.messages import decode_ap_req

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.errors import SspiError
from tests.interop.kerberos.mit_realm import (
    ENCTYPE_HOSTS,
    HOST,
    PASSWORD,
    RC4_SPN,
    RC4_USER,
    REALM,
    SHA2_HOST,
    SHA2_SPN,
    SHA2_USER,
    SPN,
    USER,
    MitRealm,
)

pytestmark = pytest.mark.interop

FLAGS = (C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT
         | C.ISC_REQ_REPLAY_DETECT)
GSS_FLAGS = [gssapi.RequirementFlag.mutual_authentication, gssapi.RequirementFlag.confidentiality,
             gssapi.RequirementFlag.integrity, gssapi.RequirementFlag.out_of_sequence_detection,
             gssapi.RequirementFlag.replay_detection]


def our_client(user: str = USER, password: str = PASSWORD) -> S.Credential:
    return S.Credential("Kerberos", use="outbound", user=f"{user}@{REALM}", password=password)


def mit_acceptor(realm: MitRealm) -> gssapi.SecurityContext:
    creds = gssapi.Credentials(usage="accept", store={"keytab": str(realm.keytab)})
    return gssapi.SecurityContext(creds=creds, usage="accept")


def mit_initiator(host: str = HOST) -> gssapi.SecurityContext:
    name = gssapi.Name(f"HTTP@{host}", gssapi.NameType.hostbased_service)
    return gssapi.SecurityContext(name=name, usage="initiate", flags=GSS_FLAGS,
                                  mech=gssapi.MechType.kerberos)


@pytest.mark.contract("ISC-TARGET-SPN")
def test_our_client_against_mit_kdc_and_acceptor(mit_realm: MitRealm) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=our_client(), flags=FLAGS)
    server = mit_acceptor(mit_realm)
    reply = server.step(client.step(None))
    assert server.complete and reply
    client.step(reply)
    assert client.complete and client.attributes & C.ISC_RET_MUTUAL_AUTH
    assert str(server.initiator_name) == f"{USER}@{REALM}"
    for msg in (b"x", b"hello MIT" * 20, b""):
        assert server.unwrap(client.wrap(msg)).message == msg
        assert client.unwrap(server.wrap(msg, True).message) == msg
        assert server.unwrap(client.wrap(msg, encrypt=False)).message == msg
        server.verify_signature(msg, client.sign(msg))
        client.verify(msg, server.get_signature(msg))


def test_mit_client_against_our_acceptor(mit_realm: MitRealm) -> None:
    mit_realm.kinit()
    client = mit_initiator()
    cred = S.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab)))
    server = S.ServerContext("Kerberos", credential=cred)
    token = client.step()
    _, inner = unframe(token)
    assert decode_ap_req(inner) == asn1_reference.decode_ap_req(inner)  # MIT's AP-REQ, both decoders
    reply = server.step(token)
    assert server.complete
    client.step(reply)
    assert client.complete
    assert server.peer_name == f"{USER}@{REALM}"
    for msg in (b"a", b"from MIT to us " * 10):
        assert server.unwrap(client.wrap(msg, True).message) == msg
        assert client.unwrap(server.wrap(msg)).message == msg
        assert server.unwrap(client.wrap(msg, False).message) == msg
        server.verify(msg, client.get_signature(msg))
        client.verify_signature(msg, server.sign(msg))


def test_mit_wrap_in_stream_buffers(mit_realm: MitRealm) -> None:
    mit_realm.kinit()
    client = mit_initiator()
    cred = S.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab)))
    server = S.ServerContext("Kerberos", credential=cred)
    client.step(server.step(client.step()))
    token = bytearray(client.wrap(b"stream form", True).message)
    bufs = S.SecBufferDesc([S.SecBuffer(C.SECBUFFER_STREAM, token), S.SecBuffer(C.SECBUFFER_DATA, None)])
    assert S.DecryptMessage(server.handle, bufs, 0, S.ULONG()) == St.SEC_E_OK
    assert bufs[1].tobytes() == b"stream form"


def test_aes_sha2_end_to_end(mit_realm: MitRealm) -> None:
    client = S.ClientContext("Kerberos", target=SHA2_SPN, credential=our_client(SHA2_USER), flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.query(C.SECPKG_ATTR_SIZES).cbMaxSignature == 16 + 24
    assert server.unwrap(client.wrap(b"sha384")).message == b"sha384"
    assert client.unwrap(server.wrap(b"back", True).message) == b"back"
    mit_realm.kinit(SHA2_USER)
    mit = mit_initiator(SHA2_HOST)
    cred = S.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab)))
    ours = S.ServerContext("Kerberos", credential=cred)
    mit.step(ours.step(mit.step()))
    assert ours.unwrap(mit.wrap(b"sha2 both ways", True).message) == b"sha2 both ways"
    mit_realm.kinit()


@pytest.mark.contract("ISC-ERR-LOGON-DENIED")
def test_mit_kdc_bad_password(mit_realm: MitRealm) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=our_client(password="wrong"), flags=FLAGS)
    with pytest.raises(SspiError) as err:
        client.step(None)
    assert err.value.status == St.SEC_E_LOGON_DENIED


@pytest.mark.contract("ISC-ERR-TARGET-UNKNOWN")
def test_mit_kdc_unknown_service(mit_realm: MitRealm) -> None:
    client = S.ClientContext("Kerberos", target="HTTP/unknown.ktest.sspi", credential=our_client(), flags=FLAGS)
    with pytest.raises(SspiError) as err:
        client.step(None)
    assert err.value.status == St.SEC_E_TARGET_UNKNOWN


def test_krb5_conf_configures_the_client(mit_realm: MitRealm) -> None:
    cred = S.Credential("Kerberos", use="outbound", user=USER, password=PASSWORD)  # realm from default_realm
    client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.complete


def test_kinit_ccache_used_by_our_client(mit_realm: MitRealm) -> None:
    mit_realm.kinit()
    cred = S.Credential("Kerberos", use="outbound")  # no identity: the FILE ccache KRB5CCNAME names
    assert cred.handle.is_set
    client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.complete and str(server.initiator_name) == f"{USER}@{REALM}"
    assert server.unwrap(client.wrap(b"from the ccache")).message == b"from the ccache"


def test_ccache_service_ticket_from_kvno(mit_realm: MitRealm) -> None:
    from sspi_emu_kerberos.ccache import read_ccache

    mit_realm.kinit()
    mit_realm.run("kvno", "-c", f"FILE:{mit_realm.ccache}", f"{SPN}@{REALM}")
    cache = read_ccache(mit_realm.ccache)
    assert cache.realm == REALM and cache.principal.components == (USER,)
    assert {str(c.server) for c in cache.credentials} >= {f"krbtgt/{REALM}", SPN}


@pytest.mark.parametrize("host", sorted(ENCTYPE_HOSTS))
def test_every_aes_session_key_type_both_ways(mit_realm: MitRealm, host: str) -> None:
    enctype = int(host[1:3])
    client = S.ClientContext("Kerberos", target=f"HTTP/{host}", credential=our_client(), flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.query(C.SECPKG_ATTR_KEY_INFO).EncryptAlgorithm == enctype
    assert server.unwrap(client.wrap(b"to MIT")).message == b"to MIT"
    assert client.unwrap(server.wrap(b"from MIT", True).message) == b"from MIT"
    mit_realm.kinit()
    mit = mit_initiator(host)
    cred = S.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab)))
    ours = S.ServerContext("Kerberos", credential=cred)
    mit.step(ours.step(mit.step()))
    assert ours.query(C.SECPKG_ATTR_KEY_INFO).EncryptAlgorithm == enctype
    assert ours.unwrap(mit.wrap(b"MIT sealed", True).message) == b"MIT sealed"
    assert mit.unwrap(ours.wrap(b"we sealed")).message == b"we sealed"
    ours.verify(b"m", mit.get_signature(b"m"))
    mit.verify_signature(b"n", ours.sign(b"n"))


def test_rc4_hmac_with_mit(mit_realm: MitRealm) -> None:
    """RFC 4757: an rc4-only user pre-authenticates, reaches an rc4 service, and both token formats interoperate."""
    client = S.ClientContext("Kerberos", target=RC4_SPN, credential=our_client(RC4_USER), flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.complete and str(server.initiator_name) == f"{RC4_USER}@{REALM}"
    assert client.query(C.SECPKG_ATTR_KEY_INFO).EncryptAlgorithm == 23
    for msg in (b"r", b"rc4 to MIT" * 20):
        assert server.unwrap(client.wrap(msg)).message == msg
        assert client.unwrap(server.wrap(msg, True).message) == msg
        assert server.unwrap(client.wrap(msg, encrypt=False)).message == msg
        assert client.unwrap(server.wrap(msg, False).message) == msg
        server.verify_signature(msg, client.sign(msg))
        client.verify(msg, server.get_signature(msg))
    mit_realm.kinit(RC4_USER)
    mit = mit_initiator(RC4_SPN.split("/", 1)[1])
    cred = S.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(mit_realm.keytab)))
    ours = S.ServerContext("Kerberos", credential=cred)
    mit.step(ours.step(mit.step()))
    assert ours.unwrap(mit.wrap(b"MIT rc4", True).message) == b"MIT rc4"
    assert mit.unwrap(ours.wrap(b"our rc4")).message == b"our rc4"
    ours.verify(b"a", mit.get_signature(b"a"))
    mit.verify_signature(b"b", ours.sign(b"b"))
    mit_realm.kinit()


@pytest.mark.contract("ISC-REQ-USE-SESSION-KEY")
def test_user_to_user_through_the_mit_kdc(mit_realm: MitRealm) -> None:
    """The MIT KDC issues the ENC-TKT-IN-SKEY ticket; our server (bob, a user with a TGT) reads it."""
    bob = S.Credential("Kerberos", use="both", user=f"{SHA2_USER}@{REALM}", password=PASSWORD)
    client = S.ClientContext("Kerberos", target=f"{SHA2_USER}@{REALM}", credential=our_client(),
                             flags=FLAGS | C.ISC_REQ_USE_SESSION_KEY)
    server = S.ServerContext("Kerberos", credential=bob)
    client.step(server.step(client.step(server.step(client.step(None)))))
    assert client.complete and server.complete and server.peer_name == f"{USER}@{REALM}"
    assert client.attributes & C.ISC_RET_USE_SESSION_KEY
    assert server.unwrap(client.wrap(b"user to user")) == b"user to user"
