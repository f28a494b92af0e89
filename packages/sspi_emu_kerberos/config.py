"""Where the KDC is: ``SSPI_EMU_REALM`` / ``SSPI_EMU_KDC``, then krb5.conf (``KRB5_CONFIG``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KerberosConfig", "load_config", "parse_address", "parse_krb5_conf"]

DEFAULT_PORT = 88


@dataclass
class KerberosConfig:
    """The default realm and the KDC addresses of each realm."""

    default_realm: str | None = None
    kdcs: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    clock_skew: int = 300
    udp_preference_limit: int = 1465

    def kdcs_for(self, realm: str) -> list[tuple[str, int]]:
        """The configured KDCs of *realm* (empty when none)."""
        return self.kdcs.get(realm) or self.kdcs.get(realm.upper()) or []


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
    """Read ``[libdefaults]`` and ``[realms]`` of a krb5.conf text."""
    cfg = into or KerberosConfig()
    section = ""
    realm: str | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip() if not raw.strip().startswith(("#", ";")) else ""
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
        elif section == "realms":
            if value == "{":
                realm = key
            elif realm is not None and key == "kdc" and value:
                cfg.kdcs.setdefault(realm, []).append(parse_address(value))
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
            cfg.kdcs[target] = [parse_address(a) for a in kdc.split(",") if a.strip()]
    return cfg
