"""A throwaway MIT Kerberos realm on loopback: database, principals, keytabs and a running krb5kdc."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

REALM = "KTEST.SSPI"
HOST = "web.ktest.sspi"
SPN = f"HTTP/{HOST}"
SHA2_HOST = "sha2.ktest.sspi"
SHA2_SPN = f"HTTP/{SHA2_HOST}"
#: One service per session-key encryption type: host name -> enctype name (MIT spelling).
ENCTYPE_HOSTS = {
    "e17.ktest.sspi": "aes128-cts-hmac-sha1-96",
    "e18.ktest.sspi": "aes256-cts-hmac-sha1-96",
    "e19.ktest.sspi": "aes128-cts-hmac-sha256-128",
    "e20.ktest.sspi": "aes256-cts-hmac-sha384-192",
}
USER = "alice"
PASSWORD = "Passw0rd!"
SHA2_USER = "bob"
RC4_USER = "carol"
RC4_SPN = "HTTP/rc4.ktest.sspi"


def _tool(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None)
    if found is None:
        raise RuntimeError(f"MIT Kerberos tool {name!r} missing: apt-get install krb5-kdc krb5-admin-server krb5-user")
    return found


def _free_port() -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(port)
    raise RuntimeError("no free port")


def run_tool(args: tuple[str, ...], stdin: str | None, env: dict[str, str]) -> str:
    """Run an MIT tool with *env* over the process environment; its stdout (RuntimeError if it fails)."""
    res = subprocess.run(list(args), input=stdin.encode() if stdin else None, env={**os.environ, **env},
                         capture_output=True, timeout=60, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {res.stderr.decode(errors='replace')}")
    return res.stdout.decode(errors="replace")


def libdefaults(default_realm: str) -> str:
    """The [libdefaults] every test krb5.conf starts with: no DNS, no reverse or canonical host names."""
    return f"""[libdefaults]
 default_realm = {default_realm}
 dns_lookup_kdc = false
 dns_lookup_realm = false
 rdns = false
 dns_canonicalize_hostname = false
"""


@dataclass
class MitRealm:
    """Paths and environment of a running realm."""

    root: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def keytab(self) -> Path:
        return self.root / "http.keytab"

    @property
    def ccache(self) -> Path:
        return self.root / "ccache"

    def run(self, *args: str, stdin: str | None = None) -> str:
        return run_tool(args, stdin, self.env)

    def kadmin(self, query: str) -> str:
        return self.run(_tool("kadmin.local"), "-r", REALM, "-q", query)

    def kinit(self, user: str = USER, password: str = PASSWORD) -> None:
        self.run(_tool("kinit"), "-f", "-c", f"FILE:{self.ccache}", f"{user}@{REALM}", stdin=password + "\n")

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate a KDC process (then kill it if it lingers)."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch_kdc(realms: list[str], env: dict[str, str], port: int, life_seconds: int) -> subprocess.Popen[bytes]:
    """Start ``krb5kdc -n`` for *realms* (killed after *life_seconds*) and wait until it listens on *port*."""
    cmd = [_tool("krb5kdc"), "-n"]
    for realm in realms:
        cmd += ["-r", realm]
    timeout = shutil.which("timeout")
    if timeout:
        cmd = [timeout, str(life_seconds), *cmd]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("krb5kdc exited at start-up") from None
            time.sleep(0.1)
    stop_process(proc)
    raise RuntimeError("krb5kdc did not start")


def start_realm(root: Path, life_seconds: int = 900) -> MitRealm:
    """Create the database and principals, then start ``krb5kdc -n`` (killed after *life_seconds*)."""
    port = _free_port()
    realm = MitRealm(root, port)
    (root / "krb5.conf").write_text(
        libdefaults(REALM)
        + f""" permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha384-192 aes128-cts-hmac-sha256-128 arcfour-hmac
 allow_rc4 = true
[realms]
 {REALM} = {{
  kdc = 127.0.0.1:{port}
 }}
[domain_realm]
 .ktest.sspi = {REALM}
"""
    )
    (root / "kdc.conf").write_text(
        f"""[kdcdefaults]
 kdc_ports = {port}
 kdc_tcp_ports = {port}
[realms]
 {REALM} = {{
  database_name = {root}/principal
  acl_file = {root}/kadm5.acl
  key_stash_file = {root}/stash
  kdc_ports = {port}
  kdc_tcp_ports = {port}
  max_life = 10h 0m 0s
  supported_enctypes = aes256-cts:normal aes128-cts:normal aes256-sha2:normal aes128-sha2:normal arcfour-hmac:normal
 }}
[logging]
 kdc = FILE:{root}/kdc.log
"""
    )
    (root / "kadm5.acl").write_text("")
    realm.env = {
        "KRB5_CONFIG": str(root / "krb5.conf"),
        "KRB5_KDC_PROFILE": str(root / "kdc.conf"),
        "KRB5CCNAME": f"FILE:{root}/ccache",
        "KRB5_KTNAME": f"FILE:{root}/http.keytab",
        "KRB5RCACHETYPE": "none",
    }
    realm.run(_tool("kdb5_util"), "-r", REALM, "create", "-s", "-P", "master-Passw0rd")
    realm.kadmin(f"addprinc -pw {PASSWORD} {USER}")
    realm.kadmin(f"addprinc -e aes256-sha2:normal -pw {PASSWORD} {SHA2_USER}")
    realm.kadmin(f"addprinc -e arcfour-hmac:normal -pw {PASSWORD} {RC4_USER}")
    realm.kadmin(f"addprinc -randkey {RC4_SPN}")
    realm.kadmin(f"setstr {RC4_SPN} session_enctypes arcfour-hmac")
    realm.kadmin(f"ktadd -k {root}/http.keytab {RC4_SPN}")
    realm.kadmin(f"addprinc -randkey +ok_as_delegate {SPN}")
    realm.kadmin(f"addprinc -randkey -e aes256-sha2:normal {SHA2_SPN}")
    realm.kadmin(f"setstr {SHA2_SPN} session_enctypes aes256-cts-hmac-sha384-192")
    realm.kadmin(f"ktadd -k {root}/http.keytab {SPN}")
    for host, enctype in ENCTYPE_HOSTS.items():
        realm.kadmin(f"addprinc -randkey HTTP/{host}")
        realm.kadmin(f"setstr HTTP/{host} session_enctypes {enctype}")
        realm.kadmin(f"ktadd -k {root}/http.keytab HTTP/{host}")
    realm.kadmin(f"ktadd -e aes256-sha2:normal -k {root}/http.keytab {SHA2_SPN}")
    realm.proc = launch_kdc([REALM], realm.env, port, life_seconds)
    return realm
