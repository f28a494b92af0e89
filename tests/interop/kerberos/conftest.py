"""The MIT realm fixture: one realm per test session, environment pointed at it, torn down afterwards."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from tests.interop.kerberos.mit_realm import MitRealm, start_realm


@pytest.fixture(scope="session")
def mit_realm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MitRealm]:
    realm = start_realm(tmp_path_factory.mktemp("mitrealm"))
    saved = {k: os.environ.get(k) for k in realm.env}
    os.environ.update(realm.env)
    try:
        realm.kinit()
        yield realm
    finally:
        realm.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
