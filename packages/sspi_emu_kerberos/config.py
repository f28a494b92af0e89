"""Where the KDC is: ``SSPI_EMU_REALM`` / ``SSPI_EMU_KDC``, then krb5.conf (``KRB5_CONFIG``).

A ``kdc`` that is an ``https://host[:port]/path`` URL (MIT's syntax) names an MS-KKDCP KDC
proxy instead of a KDC; ``http_anchors = FILE:/path/ca.pem`` (realm or libdefaults, as MIT)
adds trust roots for the proxy's certificate.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KerberosConfig", "add_kdc", "is_proxy_url", "load_config", "parse_address", "parse_krb5_conf"]

DEFAULT_PORT = 88


@dataclass
class KerberosConfig:
    """The default realm and the KDC addresses of each realm."""

    default_realm: str | None = None
    kdcs: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    clock_skew: int = 300
    udp_preference_limit: int = 1465
    kdc_proxies: dict[str, list[str]] = field(default_factory=dict)
    http_anchors: list[str] = field(default_factory=list)
    #: [domain_realm]: host names (exact) and domains (leading dot) to realms.
    domain_realm: dict[str, str] = field(default_factory=dict)

    def realm_for_host(self, host: str) -> str | None:
        """The realm [domain_realm] gives *host* (exact name first, then the longest domain), or None."""
        name = host.lower().rstrip(".")
        exact = self.domain_realm.get(name)
        if exact is not None:
            return exact
        parts = name.split(".")
        for i in range(1, len(parts)):
            found = self.domain_realm.get("." + ".".join(parts[i:]))
            if found is not None:
                return found
        return None

    def kdcs_for(self, realm: str) -> list[tuple[str, int]]:
        """The configured KDCs of *realm* (empty when none)."""
        return self.kdcs.get(realm) or self.kdcs.get(realm.upper()) or []

    def proxies_for(self, realm: str) -> list[str]:
        """The configured KDC proxy URLs of *realm* (empty when none)."""
        return self.kdc_proxies.get(realm) or self.kdc_proxies.get(realm.upper()) or []

    def anchor_pems(self) -> list[bytes]:
        """The PEM files ``http_anchors`` names (``FILE:`` paths; unreadable ones skipped)."""
        out: list[bytes] = []
        for anchor in self.http_anchors:
            path = anchor[5:] if anchor.upper().startswith("FILE:") else anchor
            try:
                out.append(Path(path).read_bytes())
            except OSError:
                continue
        return out


def is_proxy_url(text: str) -> bool:
    """True for a KDC proxy URL (``https://...``) in a ``kdc`` setting."""
    return text.strip().lower().startswith("https://")


def add_kdc(cfg: KerberosConfig, realm: str, value: str) -> None:
    """Record one ``kdc`` value of *realm*: a KDC address or a KDC proxy URL."""
    if is_proxy_url(value):
        cfg.kdc_proxies.setdefault(realm, []).append(value.strip())
    else:
        cfg.kdcs.setdefault(realm, []).append(parse_address(value))


def parse_address(text: str) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` (optionally ``tcp/`` or ``udp/`` first) as (host, port)."""
    text = text.strip()
    for prefix in ("tcp/", "udp/"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    return host, int(port) if port.isdigit() else DEFAULT_PORT


def parse_krb5_conf(text: str, into: KerberosConfig | None = None) -> KerberosConfig:
    """Read ``[libdefaults]``, ``[realms]`` and ``[domain_realm]`` of a krb5.conf text."""
    cfg = into or KerberosConfig()
    section = ""
    realm: str | None = None
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith(("#", ";")):
            line = ""
        elif "https://" in stripped.lower():
            line = re.split(r"\s+[#;]", stripped, maxsplit=1)[0]  # a URL may hold '#' or ';'
        else:
            line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section, realm = line[1:-1].strip().lower(), None
            continue
        if line == "}":
            realm = None
            continue
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if section == "libdefaults":
            if key == "default_realm" and cfg.default_realm is None:
                cfg.default_realm = value
            elif key == "clockskew" and value.isdigit():
                cfg.clock_skew = int(value)
            elif key == "udp_preference_limit" and value.isdigit():
                cfg.udp_preference_limit = int(value)
            elif key == "http_anchors" and value:
                cfg.http_anchors.append(value)
        elif section == "realms":
            if value == "{":
                realm = key
            elif realm is not None and key == "kdc" and value:
                add_kdc(cfg, realm, value)
            elif realm is not None and key == "http_anchors" and value:
                cfg.http_anchors.append(value)
        elif section == "domain_realm" and key and value:
            cfg.domain_realm.setdefault(key.lower(), value)
    return cfg


def load_config(environ: dict[str, str] | None = None) -> KerberosConfig:
    """The configuration in force: environment variables first, then the krb5.conf files."""
    env = os.environ if environ is None else environ
    cfg = KerberosConfig()
    realm = env.get("SSPI_EMU_REALM") or None
    kdc = env.get("SSPI_EMU_KDC") or None
    if realm:
        cfg.default_realm = realm
    paths = env.get("KRB5_CONFIG", "/etc/krb5.conf")
    for p in paths.split(":"):
        if not p:
            continue
        try:
            text = Path(p).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        parse_krb5_conf(text, cfg)
    if kdc:
        target = realm or cfg.default_realm
        if target:
            cfg.kdcs.pop(target, None)
            cfg.kdc_proxies.pop(target, None)
            for a in kdc.split(","):
                if a.strip():
                    add_kdc(cfg, target, a)
    return cfg
