"""pytest fixtures for testing code that authenticates with NTLM / Negotiate / Digest / TLS.

``sspi_accounts``
    a :class:`~sspi_emu.accounts.MemoryAccountStore` holding ``DEMO\\alice`` / ``Passw0rd!``
    (add more with ``sspi_accounts.add(...)``).
``sspi_entropy``
    a seeded :class:`~sspi_emu.entropy.PinnedEntropy`, pinned for the test: every nonce,
    challenge and timestamp the packages draw in the test's thread is deterministic.
``sspi_ca`` / ``sspi_server_certificate``
    a throw-away CA (session-wide) and a ``localhost`` / ``127.0.0.1`` server certificate.
``sspi_server``
    an HTTP server on 127.0.0.1 (free port) whose endpoint needs Negotiate, NTLM or Digest
    with the ``sspi_accounts`` accounts; ``.url``, ``.user``, ``.password``, ``.log``.
``sspi_server_factory``
    ``sspi_server_factory(app=None, schemes=None, certificate=None, **options)`` starts more
    (stopped at the end of the test).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from ..accounts import MemoryAccountStore
from ..entropy import PinnedEntropy, pinned
from ..http.certs import CertificateAuthority, IssuedCertificate
from .servers import RunningServer, default_accounts, start_server

#: The seed of ``sspi_entropy`` (override with ``@pytest.mark.sspi_seed(b"...")``).
DEFAULT_SEED = b"sspi-emu pytest plugin"
#: The pinned clock of ``sspi_entropy``: 2024-01-01T00:00:00Z.
DEFAULT_CLOCK = 1_704_067_200.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sspi_seed(seed): the seed of the sspi_entropy fixture")


@pytest.fixture
def sspi_accounts() -> MemoryAccountStore:
    """An account store with DEMO\\alice / Passw0rd!."""
    return default_accounts()


@pytest.fixture
def sspi_entropy(request: pytest.FixtureRequest) -> Iterator[PinnedEntropy]:
    """Deterministic randomness and clock for the test's thread."""
    mark = request.node.get_closest_marker("sspi_seed")
    seed = mark.args[0] if mark and mark.args else DEFAULT_SEED
    source = PinnedEntropy(seed=seed, clock=DEFAULT_CLOCK)
    with pinned(source):
        yield source


@pytest.fixture(scope="session")
def sspi_ca() -> CertificateAuthority:
    """A throw-away certificate authority."""
    return CertificateAuthority()


@pytest.fixture(scope="session")
def sspi_server_certificate(sspi_ca: CertificateAuthority) -> IssuedCertificate:
    """A server certificate for localhost / 127.0.0.1 / ::1 signed by ``sspi_ca``."""
    return sspi_ca.issue("localhost", hosts=("localhost", "127.0.0.1", "::1"))


@pytest.fixture
def sspi_server_factory(sspi_accounts: MemoryAccountStore) -> Iterator[Callable[..., RunningServer]]:
    """Start authenticating servers; all are stopped after the test."""
    started: list[RunningServer] = []

    def factory(app: Any = None, **options: Any) -> RunningServer:
        options.setdefault("accounts", sspi_accounts)
        server = start_server(app, **options)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def sspi_server(sspi_server_factory: Callable[..., RunningServer]) -> RunningServer:
    """A running HTTP server protected by Negotiate / NTLM / Digest."""
    return sspi_server_factory()
