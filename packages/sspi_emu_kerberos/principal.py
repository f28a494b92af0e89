"""Principal names from SSPI strings: ``user@REALM``, ``DOMAIN\\user``, SPNs ``svc/host[@REALM]``."""

from __future__ import annotations

from .messages import PrincipalName

__all__ = ["NT_PRINCIPAL", "NT_SRV_HST", "NT_SRV_INST", "format_principal", "parse_spn", "parse_user"]

NT_PRINCIPAL = 1
NT_SRV_INST = 2
NT_SRV_HST = 3


def parse_user(user: str, domain: str | None) -> tuple[PrincipalName, str | None]:
    """(client name, realm or None) of a user name given to AcquireCredentialsHandle."""
    realm = domain or None
    if "\\" in user:
        dom, user = user.split("\\", 1)
        realm = realm or dom
    if "@" in user:
        user, _, at_realm = user.rpartition("@")
        realm = at_realm or realm
    comps = tuple(user.split("/")) if user else ("",)
    return PrincipalName(NT_PRINCIPAL, comps), realm.upper() if realm else None


def parse_spn(target: str) -> tuple[PrincipalName, str | None]:
    """(service name, realm or None) of an ISC target: ``HTTP/host``, ``HTTP/host@REALM`` or ``HTTP@host``."""
    text = target.strip()
    realm: str | None = None
    if "/" not in text and "@" in text:
        svc, _, host = text.partition("@")
        return PrincipalName(NT_SRV_HST, (svc, host)), None
    if "@" in text:
        text, _, realm = text.rpartition("@")
    comps = tuple(text.split("/"))
    if len(comps) >= 2:
        return PrincipalName(NT_SRV_INST, comps), realm or None
    return PrincipalName(NT_PRINCIPAL, comps), realm or None


def format_principal(name: PrincipalName, realm: str) -> str:
    """``components@REALM``."""
    return f"{name}@{realm}"
