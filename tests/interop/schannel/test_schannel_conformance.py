"""The scripted negative-conformance set (tests/interop/schannel/conformance.py) against our server and openssl
s_server; the pass rates are recorded in CONFORMANCE.md next to this file."""

from __future__ import annotations

import pytest

from sspi_emu import constants as C
from tests.interop.schannel import conformance as conf
from tests.packages.schannel.schannel_helpers import acquire

pytestmark = pytest.mark.interop


def test_our_server_passes_every_case(pem_pki):
    from sspi_emu_schannel import SCH_CREDENTIALS

    server = conf.OurServer(acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pem_pki.server])))
    try:
        results = conf.run_all(server.port)
    finally:
        server.close()
    failed = {name: outcome for name, (outcome, ok) in results.items() if not ok}
    assert not failed


def test_scripts_against_openssl_s_server(pem_pki):
    """The same scripts against OpenSSL: its positive controls must succeed (the scripts are sound); its pass rate
    is what CONFORMANCE.md records."""
    with conf.openssl_s_server(pem_pki) as port:
        results = conf.run_all(port)
    for case in conf.CASES:
        if case.allowed == {"server_hello"}:
            assert results[case.name][0] == "server_hello", case.name
    assert sum(ok for _, ok in results.values()) >= len(conf.CASES) - 4


def test_the_recorded_table_lists_every_case():
    from pathlib import Path

    text = (Path(__file__).parent / "CONFORMANCE.md").read_text(encoding="utf-8")
    for case in conf.CASES:
        assert f"| {case.name} |" in text, case.name
    assert f"**{len(conf.CASES)}/{len(conf.CASES)}**" in text
