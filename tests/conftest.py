"""Shared test set-up: the contract marker and its coverage report, and the fake package."""

from __future__ import annotations

from pathlib import Path

import pytest

IDS_FILE = Path(__file__).parent / "contract" / "ids.txt"


def contract_ids() -> list[str]:
    """The project's copy of the SEED-CONTRACT row IDs."""
    return [line.strip() for line in IDS_FILE.read_text().splitlines() if line.strip() and not line.startswith("#")]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--contract-report", action="store_true", help="print SEED-CONTRACT coverage")


_covered: set[str] = set()
_unknown: set[str] = set()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = set(contract_ids())
    for item in items:
        for mark in item.iter_markers("contract"):
            for cid in mark.args:
                (_covered if cid in known else _unknown).add(cid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    if not config.getoption("--contract-report"):
        return
    ids = contract_ids()
    missing = [i for i in ids if i not in _covered]
    terminalreporter.write_line(f"contract: covered {len(ids) - len(missing)} of {len(ids)}")
    if missing:
        terminalreporter.write_line("contract: uncovered: " + " ".join(missing))
    if _unknown:
        terminalreporter.write_line("contract: unknown ids used: " + " ".join(sorted(_unknown)))


@pytest.fixture
def fake():
    """The fake package, registered for the duration of a test."""
    from sspi_emu import registry
    from tests.core import fakepkg

    registry.register(fakepkg.package, replace=True)
    yield fakepkg
    registry.unregister("Fake")
