from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.http.helpers import ServeProcess, start_serve


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    """`sspi-emu serve --port 0` as a subprocess on 127.0.0.1."""
    proc = start_serve(tmp_path)
    yield proc
    proc.stop()


@pytest.fixture
def serve_tls(tmp_path: Path) -> Iterator[ServeProcess]:
    """`sspi-emu serve --tls` with a generated certificate."""
    proc = start_serve(tmp_path, "--tls")
    yield proc
    proc.stop()
