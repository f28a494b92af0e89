"""How the client walks to a service's realm: [domain_realm], cross-realm TGTs, referrals, and their limits."""

from __future__ import annotations

import dataclasses

import pytest
from sspi_emu_kerberos import KerberosSettings
from sspi_emu_kerberos.config import parse_krb5_conf
from sspi_emu_kerberos.credentials import MAX_REALM_HOPS, KerberosCredential
from sspi_emu_kerberos.kdc_client import TicketGrant, kdc_realm
from sspi_emu_kerberos.messages import PrincipalName

from sspi_emu import constants as C
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.errors import SspiError
from tests.packages.kerberos.fake_kdc import REALM, FakeKdc

SERVICE = PrincipalName(2, ("HTTP", "web.other.test"))


def test_domain_realm_exact_names_and_longest_domain() -> None:
    cfg = parse_krb5_conf("[domain_realm]\n .other.test = OTHER.TEST\n deep.other.test = DEEP.TEST\n"
                          " .b.other.test = B.TEST\n")
    assert cfg.realm_for_host("web.other.test") == "OTHER.TEST"
    assert cfg.realm_for_host("DEEP.other.test.") == "DEEP.TEST"
    assert cfg.realm_for_host("x.b.other.test") == "B.TEST"
    assert cfg.realm_for_host("other.test") is None and cfg.realm_for_host("elsewhere") is None


def test_kdc_realm_of_tickets() -> None:
    tgt = TicketGrant(PrincipalName(1, ("alice",)), "A", PrincipalName(2, ("krbtgt", "B")), "A", None, None, 0)  # type: ignore[arg-type]
    assert kdc_realm(tgt) == "B"
    assert kdc_realm(dataclasses.replace(tgt, server=SERVICE, srealm="C")) == "C"


def _credential(kdc: FakeKdc, monkeypatch: pytest.MonkeyPatch) -> tuple[KerberosCredential, list[tuple[str, str]]]:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    cred = KerberosCredential.acquire(None, C.SECPKG_CRED_OUTBOUND,
                                      KerberosSettings(user=f"alice@{REALM}", password="Passw0rd!", transport=kdc))
    asked: list[tuple[str, str]] = []
    return cred, asked


def test_endless_referrals_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    kdc = FakeKdc({"alice": "Passw0rd!"}, {})
    cred, asked = _credential(kdc, monkeypatch)
    tgt = cred.tgt()
    hops = iter(range(100))

    def refer(current: TicketGrant, want: PrincipalName, realm: str, *args: object, **kw: object) -> TicketGrant:
        asked.append((str(want), realm))
        return dataclasses.replace(tgt, server=PrincipalName(2, ("krbtgt", f"R{next(hops)}.TEST")))

    monkeypatch.setattr(cred.kdc, "tgs_exchange", refer)
    with pytest.raises(SspiError) as exc:
        cred.service_ticket(SERVICE, "FAR.TEST")
    assert exc.value.status == St.SEC_E_TARGET_UNKNOWN
    assert len(asked) == MAX_REALM_HOPS


def test_a_referral_back_to_the_same_realm_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    kdc = FakeKdc({"alice": "Passw0rd!"}, {})
    cred, _ = _credential(kdc, monkeypatch)
    tgt = cred.tgt()
    monkeypatch.setattr(cred.kdc, "tgs_exchange", lambda current, want, realm, *a, **k: tgt)  # krbtgt/REALM again
    with pytest.raises(SspiError) as exc:
        cred.service_ticket(SERVICE, None)
    assert exc.value.status == St.SEC_E_TARGET_UNKNOWN


def test_cross_realm_path_asks_for_the_remote_tgt_first(monkeypatch: pytest.MonkeyPatch) -> None:
    kdc = FakeKdc({"alice": "Passw0rd!"}, {})
    cred, asked = _credential(kdc, monkeypatch)
    tgt = cred.tgt()

    def kdc_of_two_realms(current: TicketGrant, want: PrincipalName, realm: str, *a: object, **k: object) -> TicketGrant:
        asked.append((str(want), realm))
        if want.components[0] == "krbtgt":
            return dataclasses.replace(tgt, server=PrincipalName(2, ("krbtgt", "OTHER.TEST")))
        return dataclasses.replace(tgt, server=want, srealm=realm)

    monkeypatch.setattr(cred.kdc, "tgs_exchange", kdc_of_two_realms)
    grant = cred.service_ticket(SERVICE, "OTHER.TEST")
    assert grant.server == SERVICE and grant.srealm == "OTHER.TEST"
    assert asked == [("krbtgt/OTHER.TEST", REALM), (str(SERVICE), "OTHER.TEST")]
