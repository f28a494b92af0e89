"""Two MIT Kerberos realms trusting each other, served by one krb5kdc on loopback.

Realm A (XA.SSPI) holds the user; realm B (XB.SSPI) holds the web service. Both databases
hold the cross-realm key krbtgt/XB.SSPI@XA.SSPI. The KDC's own krb5.conf maps ``.xb.sspi``
to B (so it can refer clients there); the client configuration written for tests can do so
too, or leave the mapping to the KDC's referral.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.interop.kerberos.mit_realm import _free_port, _tool, launch_kdc, libdefaults, run_tool, stop_process

REALM_A = "XA.SSPI"
REALM_B = "XB.SSPI"
USER = "alice"
PASSWORD = "Passw0rd!"
HOST_B = "web.xb.sspi"
SPN_B = f"HTTP/{HOST_B}"
_CROSS_PASSWORD = "Cross-Realm-Passw0rd"


@dataclass
class CrossRealms:
    """A running two-realm KDC: its port, files and environment."""

    root: Path
    port: int
    kdc_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def keytab(self) -> Path:
        """Realm B's service keytab (HTTP/web.xb.sspi)."""
        return self.root / "b.keytab"

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        return run_tool(args, stdin, env or self.kdc_env)

    def kadmin(self, realm: str, query: str) -> str:
        return self.run(_tool("kadmin.local"), "-r", realm, "-q", query)

    def client_conf(self, name: str, domain_realm: bool = True) -> Path:
        """A krb5.conf for clients: both realms' KDC, and (if asked) [domain_realm] for realm B's hosts."""
        path = self.root / name
        mapping = f"[domain_realm]\n .xb.sspi = {REALM_B}\n .xa.sspi = {REALM_A}\n" if domain_realm else ""
        path.write_text(libdefaults(REALM_A) + f"""[realms]
 {REALM_A} = {{
  kdc = 127.0.0.1:{self.port}
 }}
 {REALM_B} = {{
  kdc = 127.0.0.1:{self.port}
 }}
{mapping}[capaths]
 {REALM_A} = {{
  {REALM_B} = .
 }}
 {REALM_B} = {{
  {REALM_A} = .
 }}
""")
        return path

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


def start_cross_realms(root: Path, life_seconds: int = 900) -> CrossRealms:
    """Create both databases, the user, the service and the cross-realm key, then start krb5kdc for both realms."""
    port = _free_port()
    realms = CrossRealms(root, port)
    kdc_conf = root / "kdc.conf"
    blocks = "".join(f"""
 {realm} = {{
  database_name = {root}/{tag}.db
  acl_file = {root}/kadm5.acl
  key_stash_file = {root}/{tag}.stash
  kdc_ports = {port}
  kdc_tcp_ports = {port}
  max_life = 10h 0m 0s
  host_based_services = HTTP
  supported_enctypes = aes256-cts:normal aes128-cts:normal
 }}""" for realm, tag in ((REALM_A, "a"), (REALM_B, "b")))
    kdc_conf.write_text(f"[kdcdefaults]\n kdc_ports = {port}\n kdc_tcp_ports = {port}\n[realms]{blocks}\n"
                        f"[logging]\n kdc = FILE:{root}/kdc.log\n")
    (root / "kadm5.acl").write_text("")
    kdc_krb5 = realms.client_conf("kdc-krb5.conf", domain_realm=True)
    realms.kdc_env = {"KRB5_CONFIG": str(kdc_krb5), "KRB5_KDC_PROFILE": str(kdc_conf), "KRB5RCACHETYPE": "none"}
    for realm in (REALM_A, REALM_B):
        realms.run(_tool("kdb5_util"), "-r", realm, "create", "-s", "-P", "master-Passw0rd")
        realms.kadmin(realm, f"addprinc -pw {_CROSS_PASSWORD} krbtgt/{REALM_B}@{REALM_A}")
    realms.kadmin(REALM_A, f"addprinc -pw {PASSWORD} {USER}")
    realms.kadmin(REALM_B, f"addprinc -randkey {SPN_B}")
    realms.kadmin(REALM_B, f"ktadd -k {realms.keytab} {SPN_B}")
    realms.proc = launch_kdc([REALM_A, REALM_B], realms.kdc_env, port, life_seconds)
    return realms
