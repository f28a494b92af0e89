"""A throwaway Apache httpd with mod_auth_digest on a loopback port (the independent Digest server)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODULES = Path("/usr/lib/apache2/modules")
_NEEDED = ("mod_mpm_event", "mod_authn_core", "mod_authn_file", "mod_authz_core", "mod_authz_user",
           "mod_auth_digest", "mod_alias", "mod_mime")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _htdigest(path: Path, realm: str, user: str, password: str) -> None:
    exe = shutil.which("htdigest")
    assert exe, "htdigest is required (apt-get install apache2-utils)"
    flags = ["-c"] if not path.exists() else []
    subprocess.run([exe, *flags, str(path), realm, user], input=f"{password}\n{password}\n".encode(),
                   capture_output=True, check=True, timeout=30)


@contextmanager
def apache_digest(realm: str, users: dict[str, str], algorithm: str = "MD5",
                  nonce_lifetime: int = 300) -> Iterator[str]:
    """Start httpd protecting /protected/ with Digest; yields the base URL. With a *nonce_lifetime*
    under 30 s, mod_auth_digest sends a ``nextnonce`` in every Authentication-Info."""
    httpd = shutil.which("apache2") or shutil.which("httpd") or "/usr/sbin/apache2"
    assert os.path.exists(httpd), "Apache httpd is a required interop peer (apt-get install apache2 apache2-utils)"
    root = Path(tempfile.mkdtemp(prefix="sspi-emu-apache-"))
    try:
        os.chmod(root, 0o755)
        docs = root / "htdocs" / "protected"
        docs.mkdir(parents=True)
        (docs / "index.txt").write_text("secret page\n")
        for p in (root / "htdocs", docs, docs / "index.txt"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        pwfile = root / "digest.pw"
        for user, password in users.items():
            _htdigest(pwfile, realm, user, password)
        os.chmod(pwfile, 0o644)
        port = _free_port()
        run_as = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        loads = "\n".join(f"LoadModule {m[4:]}_module {MODULES / (m + '.so')}" for m in _NEEDED)
        (root / "httpd.conf").write_text(f"""
ServerRoot "{root}"
{loads}
{run_as}Listen 127.0.0.1:{port}
ServerName 127.0.0.1
PidFile "{root}/httpd.pid"
ErrorLog "{root}/error.log"
LogLevel warn auth_digest:debug
DocumentRoot "{root}/htdocs"
TypesConfig /dev/null
Mutex file:{root}
<Location "/protected/">
    AuthType Digest
    AuthName "{realm}"
    AuthDigestDomain /protected/
    AuthDigestProvider file
    AuthUserFile "{pwfile}"
    AuthDigestAlgorithm {algorithm}
    AuthDigestQop auth
    AuthDigestNonceLifetime {nonce_lifetime}
    Require valid-user
</Location>
""")
        proc = subprocess.Popen([httpd, "-d", str(root), "-f", str(root / "httpd.conf"), "-DFOREGROUND"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                        log = (root / "error.log").read_text() if (root / "error.log").exists() else ""
                        raise RuntimeError(f"httpd did not start: {out}\n{log}") from None
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


