"""Package discovery: entry points, broken packages, aliases."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from sspi_emu import registry


@pytest.fixture
def fresh_registry(monkeypatch):
    """An empty, not-yet-loaded registry whose entry points the test chooses."""
    monkeypatch.setattr(registry, "_loaded", False)
    monkeypatch.setattr(registry, "_by_name", {})
    monkeypatch.setattr(registry, "_order", [])
    monkeypatch.setattr(registry, "_broken", [])

    def use(*eps: EntryPoint) -> None:
        monkeypatch.setattr(registry, "entry_points", lambda group: list(eps) if group == registry.GROUP else [])

    return use


def test_broken_package_is_reported_and_skipped(fresh_registry, caplog):
    fresh_registry(
        EntryPoint("Broken", "no_such_module_anywhere:package", registry.GROUP),
        EntryPoint("NotAPackage", "os:sep", registry.GROUP),
        EntryPoint("Fake", "tests.core.fakepkg:package", registry.GROUP),
    )
    with caplog.at_level("WARNING", logger="sspi_emu"):
        names = [p.info.Name for p in registry.packages()]
    assert names == ["Fake"]
    broken = dict(registry.broken())
    assert "ModuleNotFoundError" in broken["Broken"]
    assert "does not name a security package" in broken["NotAPackage"]
    assert "Broken" in caplog.text
    assert registry.find("fakealias") is registry.find("FAKE")  # aliases, case-insensitive


def test_factory_entry_point_is_called(fresh_registry):
    fresh_registry(EntryPoint("Fake", "tests.core.test_registry:_factory", registry.GROUP))
    assert registry.find("Fake") is not None


def _factory() -> object:
    from tests.core.fakepkg import FakePackage

    return FakePackage()


@pytest.mark.parametrize("name", ["TSSSP", "CREDSSP", "NegoExtender", "pku2u", "CloudAP"])
def test_windows_packages_not_emulated_are_not_found(name):
    """The README lists these Windows packages as not emulated: asking for one is SEC_E_SECPKG_NOT_FOUND."""
    import sspi_emu as s

    assert registry.find(name) is None
    status = s.AcquireCredentialsHandle(None, name, s.SECPKG_CRED_OUTBOUND, None, None, None, None, s.CredHandle(),
                                        None)
    assert status == s.SEC_E_SECPKG_NOT_FOUND
    assert s.QuerySecurityPackageInfo(name, s.Box()) == s.SEC_E_SECPKG_NOT_FOUND
