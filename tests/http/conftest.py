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


@pytest.fixture(params=["schannel", "ssl"])
def serve_tls(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServeProcess]:
    """`sspi-emu serve --tls` with a generated certificate: TLS by our Schannel, then by stdlib ssl."""
    proc = start_serve(tmp_path, "--tls", "--tls-engine", request.param)
    proc.url = proc.url.replace("127.0.0.1", "localhost")  # the generated certificates name localhost
    assert ("Schannel" in proc.lines[0]) == (request.param == "schannel"), proc.lines[0]
    yield proc
    proc.stop()
