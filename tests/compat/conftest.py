"""Fixtures for the compat shims: an account store, the emulated logged-on user, installed shims."""

from __future__ import annotations

import importlib
import types
from typing import Iterator

import pytest

import sspi_emu.compat as compat
from sspi_emu.accounts import MemoryAccountStore, set_default_store

USER, DOMAIN, PASSWORD = "alice", "DEMO", "Passw0rd!"


@pytest.fixture
def accounts(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryAccountStore]:
    """A server account store holding DEMO\\alice, and DEMO\\alice as the emulated logged-on user."""
    store = MemoryAccountStore()
    store.add(USER, PASSWORD, DOMAIN)
    store.add("bob", "B0b-secret", DOMAIN)
    set_default_store(store)
    monkeypatch.setenv("SSPI_EMU_USER", f"{DOMAIN}\\{USER}")
    monkeypatch.setenv("SSPI_EMU_PASSWORD", PASSWORD)
    monkeypatch.delenv("SSPI_EMU_SHIM", raising=False)
    yield store
    set_default_store(None)


@pytest.fixture
def pywin32(accounts: MemoryAccountStore) -> Iterator[types.SimpleNamespace]:
    """The pywin32 shim installed; its modules, imported by their pywin32 names."""
    compat.install("pywin32")
    try:
        yield types.SimpleNamespace(**{n: importlib.import_module(n) for n in
                                       ("win32security", "sspi", "sspicon", "pywintypes", "win32api")})
    finally:
        compat.uninstall("pywin32")


@pytest.fixture
def sspilib(accounts: MemoryAccountStore) -> Iterator[types.ModuleType]:
    """The sspilib shim installed (over the real sspilib wheel); ``import sspilib`` gives the shim."""
    compat.install("sspilib")
    try:
        yield importlib.import_module("sspilib")
    finally:
        compat.uninstall("sspilib")


@pytest.fixture
def stub() -> Iterator[types.ModuleType]:
    """The scripted CompatStub package, registered for one test."""
    from sspi_emu import registry
    from tests.compat import stubpkg

    stubpkg.received_auth_data.clear()
    stubpkg.control_tokens.clear()
    registry.register(stubpkg.package, replace=True)
    try:
        yield stubpkg
    finally:
        registry.unregister("CompatStub")
