"""Test helpers for projects that use sspi-emu; the pytest plugin lives in :mod:`sspi_emu.testing.plugin`.

The plugin is registered through the ``pytest11`` entry point, so installing sspi-emu
makes these fixtures available: ``sspi_accounts``, ``sspi_entropy``, ``sspi_ca``,
``sspi_server_certificate``, ``sspi_server`` and ``sspi_server_factory``.
"""

from __future__ import annotations

from .servers import DEFAULT_DOMAIN, DEFAULT_PASSWORD, DEFAULT_USER, RunningServer, start_server

__all__ = ["DEFAULT_DOMAIN", "DEFAULT_PASSWORD", "DEFAULT_USER", "RunningServer", "start_server"]
