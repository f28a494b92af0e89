"""The MIT realm fixtures: one realm (and krb5kdc) per session; the environment points at it only during a test."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.interop.kerberos.mit_realm import MitRealm, start_realm


@pytest.fixture(scope="session")
def mit_realm_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MitRealm]:
    realm = start_realm(tmp_path_factory.mktemp("mitrealm"))
    try:
        realm.kinit()
        yield realm
    finally:
        realm.stop()


@pytest.fixture
def mit_realm(mit_realm_process: MitRealm, monkeypatch: pytest.MonkeyPatch) -> MitRealm:
    for key, value in mit_realm_process.env.items():
        monkeypatch.setenv(key, value)
    for key in ("SSPI_EMU_REALM", "SSPI_EMU_KDC", "SSPI_EMU_USER"):
        monkeypatch.delenv(key, raising=False)
    return mit_realm_process
