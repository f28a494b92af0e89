"""MS-KKDCP interop: latchset's kdcproxy (PyPI ``kdcproxy``, a WSGI app) over HTTPS in front of the MIT KDC.

Our client gets its TGT and service ticket through the proxy (TLS by our Schannel package)
and completes an AP exchange with an MIT acceptor; MIT's own kinit (``kdc = https://...``,
the ``krb5-k5tls`` plugin) goes through the same proxy as a control.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import gssapi
import pytest
from sspi_emu_kerberos import KerberosSettings

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.errors import SspiError
from tests.interop.kerberos.mit_realm import PASSWORD, REALM, SPN, USER, MitRealm, _tool, libdefaults
from tests.packages.kerberos.test_kdc_proxy_server import CertificateAuthority, HttpsServer, serve_https

pytestmark = pytest.mark.interop

FLAGS = C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT


@pytest.fixture(scope="module")
def proxy_ca() -> CertificateAuthority:
    return CertificateAuthority("kdcproxy interop CA")


@pytest.fixture(scope="module")
def kdcproxy_server(mit_realm_process: MitRealm, proxy_ca: CertificateAuthority,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsServer]:
    """kdcproxy configured (KDCPROXY_CONFIG, no DNS) to reach the MIT KDC over TCP, served over HTTPS."""
    root = tmp_path_factory.mktemp("kdcproxy")
    conf = root / "kdcproxy.conf"
    conf.write_text(f"[global]\nuse_dns = false\n\n[{REALM}]\n"
                    f"kerberos = kerberos+tcp://127.0.0.1:{mit_realm_process.port}\n")
    saved = {k: os.environ.get(k) for k in ("KDCPROXY_CONFIG", "KRB5_CONFIG")}
    os.environ["KDCPROXY_CONFIG"] = str(conf)
    os.environ["KRB5_CONFIG"] = mit_realm_process.env["KRB5_CONFIG"]
    try:
        import kdcproxy

        app = kdcproxy.Application()  # reads its configuration now
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    srv = serve_https(app, proxy_ca)
    yield srv
    srv.stop()


def proxy_only_krb5_conf(realm: MitRealm, srv: HttpsServer, ca: CertificateAuthority) -> Path:
    """A krb5.conf whose only KDC for the realm is the proxy (MIT's syntax), with the CA as http_anchors."""
    ca_path = realm.root / "kdcproxy-ca.pem"
    ca.write_ca(str(ca_path))
    path = realm.root / "krb5-proxy.conf"
    path.write_text(libdefaults(REALM) + f"""[realms]
 {REALM} = {{
  kdc = {srv.url()}
  http_anchors = FILE:{ca_path}
 }}
[domain_realm]
 .ktest.sspi = {REALM}
""")
    return path


def tls_credential(ca: CertificateAuthority) -> S.Credential:
    return S.Credential("Schannel", use="outbound", auth_data=S.SCH_CREDENTIALS(hRootStore=[ca.cert_pem]))


def mit_acceptor(realm: MitRealm) -> gssapi.SecurityContext:
    creds = gssapi.Credentials(usage="accept", store={"keytab": str(realm.keytab)})
    return gssapi.SecurityContext(creds=creds, usage="accept")


def test_our_client_through_kdcproxy_to_mit_acceptor(mit_realm: MitRealm, kdcproxy_server: HttpsServer,
                                                     proxy_ca: CertificateAuthority,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The realm's only KDC in the configuration is the proxy: nothing can reach the KDC directly.
    monkeypatch.setenv("KRB5_CONFIG", str(proxy_only_krb5_conf(mit_realm, kdcproxy_server, proxy_ca)))
    monkeypatch.delenv("KRB5CCNAME", raising=False)
    before = kdcproxy_server.requests[0]
    settings = KerberosSettings(user=f"{USER}@{REALM}", password=PASSWORD,
                                kdc_proxy_credential=tls_credential(proxy_ca), timeout=10.0)
    cred = S.Credential("Kerberos", auth_data=settings)
    client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
    server = mit_acceptor(mit_realm)
    reply = server.step(client.step(None))
    assert server.complete and reply
    client.step(reply)
    assert client.complete and client.attributes & C.ISC_RET_MUTUAL_AUTH
    assert str(server.initiator_name) == f"{USER}@{REALM}"
    assert server.unwrap(client.wrap(b"via kdcproxy")).message == b"via kdcproxy"
    assert client.unwrap(server.wrap(b"back", True).message) == b"back"
    # AS-REQ and TGS-REQ (the test realm does not require pre-authentication): both through kdcproxy
    assert kdcproxy_server.requests[0] - before == 2


def test_negotiate_through_kdcproxy_from_krb5_conf_alone(mit_realm: MitRealm, kdcproxy_server: HttpsServer,
                                                        proxy_ca: CertificateAuthority,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same krb5.conf kinit uses (``kdc = https://...``, ``http_anchors``), a plain user/password
    Negotiate credential, an MIT SPNEGO acceptor: Kerberos is chosen and its tickets come through kdcproxy."""
    monkeypatch.setenv("KRB5_CONFIG", str(proxy_only_krb5_conf(mit_realm, kdcproxy_server, proxy_ca)))
    monkeypatch.delenv("KRB5CCNAME", raising=False)
    before = kdcproxy_server.requests[0]
    cred = S.Credential("Negotiate", use="outbound", user=f"{USER}@{REALM}", password=PASSWORD)
    client = S.ClientContext("Negotiate", target=SPN, credential=cred, flags=FLAGS)
    acc = gssapi.Credentials(usage="accept", mechs=[gssapi.OID.from_int_seq("1.3.6.1.5.5.2")],
                             store={"keytab": str(mit_realm.keytab)})
    server = gssapi.SecurityContext(creds=acc, usage="accept")
    token = client.step(None)
    while not (client.complete and server.complete):
        reply = server.step(token)
        if client.complete:
            break
        token = client.step(reply or b"")
        if server.complete and not token:
            break
    assert client.complete and server.complete and client.negotiated_package == "Kerberos"
    assert str(server.initiator_name) == f"{USER}@{REALM}"
    assert server.unwrap(client.wrap(b"spnego via kdcproxy")).message == b"spnego via kdcproxy"
    assert kdcproxy_server.requests[0] - before == 2


def test_our_client_with_sspi_emu_kdc_proxy_url(mit_realm: MitRealm, kdcproxy_server: HttpsServer,
                                                proxy_ca: CertificateAuthority,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``SSPI_EMU_KDC=https://...`` replaces the realm's direct KDC by the proxy."""
    monkeypatch.setenv("SSPI_EMU_REALM", REALM)
    monkeypatch.setenv("SSPI_EMU_KDC", kdcproxy_server.url())
    monkeypatch.delenv("KRB5CCNAME", raising=False)
    before = kdcproxy_server.requests[0]
    settings = KerberosSettings(user=USER, password=PASSWORD, kdc_proxy_credential=tls_credential(proxy_ca),
                                timeout=10.0)
    client = S.ClientContext("Kerberos", target=SPN, credential=S.Credential("Kerberos", auth_data=settings),
                             flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.complete and server.complete
    assert kdcproxy_server.requests[0] - before == 2


def test_preauth_round_trip_through_kdcproxy(mit_realm: MitRealm, kdcproxy_server: HttpsServer,
                                             proxy_ca: CertificateAuthority, monkeypatch: pytest.MonkeyPatch) -> None:
    """A principal that requires pre-authentication: PREAUTH_REQUIRED, PA-ENC-TIMESTAMP, TGS, all proxied."""
    if "proxyuser@" not in mit_realm.kadmin("listprincs proxyuser"):
        mit_realm.kadmin(f"addprinc +requires_preauth -pw {PASSWORD} proxyuser")
    monkeypatch.setenv("KRB5_CONFIG", str(proxy_only_krb5_conf(mit_realm, kdcproxy_server, proxy_ca)))
    monkeypatch.delenv("KRB5CCNAME", raising=False)
    before = kdcproxy_server.requests[0]
    settings = KerberosSettings(user=f"proxyuser@{REALM}", password=PASSWORD,
                                kdc_proxy_credential=tls_credential(proxy_ca), timeout=10.0)
    client = S.ClientContext("Kerberos", target=SPN, credential=S.Credential("Kerberos", auth_data=settings),
                             flags=FLAGS)
    server = mit_acceptor(mit_realm)
    client.step(server.step(client.step(None)))
    assert client.complete and str(server.initiator_name) == f"proxyuser@{REALM}"
    assert kdcproxy_server.requests[0] - before == 3


def test_wrong_password_through_kdcproxy_is_logon_denied(mit_realm: MitRealm, kdcproxy_server: HttpsServer,
                                                         proxy_ca: CertificateAuthority,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", str(proxy_only_krb5_conf(mit_realm, kdcproxy_server, proxy_ca)))
    settings = KerberosSettings(user=f"{USER}@{REALM}", password="wrong",
                                kdc_proxy_credential=tls_credential(proxy_ca), timeout=10.0)
    client = S.ClientContext("Kerberos", target=SPN, credential=S.Credential("Kerberos", auth_data=settings))
    with pytest.raises(SspiError) as exc:
        client.step(None)
    assert exc.value.status == St.SEC_E_LOGON_DENIED


def test_mit_kinit_through_the_same_kdcproxy(mit_realm: MitRealm, kdcproxy_server: HttpsServer,
                                             proxy_ca: CertificateAuthority) -> None:
    """Control: MIT's client (k5tls) gets a TGT and a service ticket through kdcproxy with the same krb5.conf."""
    conf = proxy_only_krb5_conf(mit_realm, kdcproxy_server, proxy_ca)
    ccache = mit_realm.root / "ccache-proxy"
    env = {"KRB5_CONFIG": str(conf), "KRB5CCNAME": f"FILE:{ccache}"}
    before = kdcproxy_server.requests[0]
    saved = dict(mit_realm.env)
    mit_realm.env.update(env)
    try:
        mit_realm.run(_tool("kinit"), f"{USER}@{REALM}", stdin=PASSWORD + "\n")
        mit_realm.run(_tool("kvno"), f"{SPN}@{REALM}")
        listing = mit_realm.run(_tool("klist"))
    finally:
        mit_realm.env.clear()
        mit_realm.env.update(saved)
    assert f"krbtgt/{REALM}@{REALM}" in listing and f"{SPN}@{REALM}" in listing
    assert kdcproxy_server.requests[0] - before >= 2  # AS (kinit) and TGS (kvno)
