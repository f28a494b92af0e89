"""Real tokens from each package, produced live through the API (demo exchanges and a fake KDC)."""

from __future__ import annotations

import functools

from sspi_emu import registry, vectors
from sspi_emu.cli import demo_profiles, run_demo


@functools.cache
def demo_tokens(package: str, profile: int = 0) -> tuple[bytes, ...]:
    """Every handshake output token of the package's demo exchange, in order."""
    pkg = registry.find(package)
    assert pkg is not None, package
    with vectors.recording(None, include_secrets=True) as rec:
        run_demo(pkg, demo_profiles(pkg)[profile], lambda line: None)
    out = []
    for v in rec.vectors():
        for leg in v.legs:
            if leg.call in vectors.HANDSHAKE_CALLS:
                for buf in leg.data.get("output") or ():
                    if buf["type"] == "TOKEN" and buf.get("hex"):
                        out.append(bytes.fromhex(buf["hex"]))
    return tuple(out)


@functools.cache
def kerberos_tokens() -> tuple[bytes, bytes]:
    """An AP-REQ (GSS framed) and the AP-REP from the Kerberos package against the tests' fake KDC."""
    from sspi_emu_kerberos import KerberosSettings

    import sspi_emu as S
    from sspi_emu import constants as C
    from tests.packages.kerberos.fake_kdc import REALM, FakeKdc

    spn = "HTTP/web.example"
    kdc = FakeKdc({"alice": "Passw0rd!"}, {spn: "svc-secret"})
    ccred = S.Credential("Kerberos", use="outbound",
                         auth_data=KerberosSettings(user=f"alice@{REALM}", password="Passw0rd!", transport=kdc))
    scred = S.Credential("Kerberos", use="inbound",
                         auth_data=KerberosSettings(service=f"{spn}@{REALM}", password="svc-secret"))
    client = S.ClientContext("Kerberos", target=spn, credential=ccred, flags=C.ISC_REQ_MUTUAL_AUTH)
    server = S.ServerContext("Kerberos", credential=scred)
    ap_req = client.step(None)
    ap_rep = server.step(ap_req)
    return ap_req, ap_rep
