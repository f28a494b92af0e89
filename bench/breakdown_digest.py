"""Where one HTTP Digest exchange through the C API spends its time.

Runs the ``[digest] http_digest_exchange`` bench's three ways of calling (C API with fresh caller
buffers, C API with the caller's buffers reused, the package alone) next to two parts measured on
their own: the same five C API calls, with the same buffers and the same tokens, on a package that
only replays recorded tokens ("API + caller, no package"), and the package alone. It then runs those
two parts one after the other in each iteration, and in batches of 1000 each: the sum of the parts
is what the exchange would cost if each ran as fast as it does alone; the interleaved figure is what
alternating between them costs on this machine.

    python -m bench.breakdown_digest
"""

from __future__ import annotations

from typing import Callable

from bench import bench_digest as bd
from bench.run import fmt, measure
from sspi_emu import constants as C
from sspi_emu import registry
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.spi import Credential, PackageContext, StepInput, StepOutput

_REPLAY = "DigestReplayBench"


class _ReplayServer(PackageContext):
    """Answers like a Digest server, from recorded tokens: the challenge, then the Authentication-Info."""

    def __init__(self, tokens: tuple[bytes, bytes, bytes]) -> None:
        self._tokens = tokens
        self._legs = 0

    def step(self, inp: StepInput) -> StepOutput:
        self._legs += 1
        if self._legs == 1:
            return StepOutput(C.SEC_I_CONTINUE_NEEDED, self._tokens[0])
        return StepOutput(C.SEC_E_OK, self._tokens[2])


class _ReplayClient(PackageContext):
    """Answers like a Digest client, from a recorded Authorization value."""

    def __init__(self, tokens: tuple[bytes, bytes, bytes]) -> None:
        self._tokens = tokens

    def step(self, inp: StepInput) -> StepOutput:
        return StepOutput(C.SEC_E_OK, self._tokens[1])


class _ReplayPackage:
    """A package that does no work: the dispatcher's and the caller's share of the exchange."""

    aliases: tuple[str, ...] = ()

    def __init__(self, tokens: tuple[bytes, bytes, bytes]) -> None:
        self.info = SecPkgInfo(Name=_REPLAY, cbMaxToken=4096)
        self._tokens = tokens

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> Credential:
        cred = Credential()
        cred.use = use
        return cred

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        return _ReplayClient(self._tokens)

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        return _ReplayServer(self._tokens)


def _recorded_tokens() -> tuple[bytes, bytes, bytes]:
    """One real exchange's challenge, Authorization and Authentication-Info."""
    from sspi_emu_digest import DigestIdentity, DigestServerOptions, package

    scred = package.acquire_credentials(None, C.SECPKG_CRED_INBOUND, None,
                                        DigestServerOptions(store=bd._store(), realm="bench"))
    ccred = package.acquire_credentials(None, C.SECPKG_CRED_OUTBOUND, None,
                                        DigestIdentity(User="alice", Password="Passw0rd!"))
    server = package.server_context(scred, C.ASC_REQ_HTTP, 0)
    challenge = server.step(StepInput(None, bd._PARAMS)).token
    answer = package.client_context(ccred, bd.URI, C.ISC_REQ_HTTP, 0).step(StepInput(challenge, bd._PARAMS)).token
    return challenge, answer, server.step(StepInput(answer, bd._PARAMS)).token


def _api_without_package(tokens: tuple[bytes, bytes, bytes]) -> Callable[[], object]:
    """The bench's fresh-buffer C API exchange, on the replaying package."""
    registry.register(_ReplayPackage(tokens), replace=True)
    return bd._api_exchange(_REPLAY)


def _batched(first: Callable[[], object], second: Callable[[], object], size: int) -> Callable[[], object]:
    def run() -> object:
        for _ in range(size):
            first()
        for _ in range(size):
            second()
        return None

    return run


def main() -> None:
    whole = bd.bench_http_digest_exchange()
    api_only = _api_without_package(_recorded_tokens())
    spi = bd._spi_exchange()
    rows: list[tuple[str, float]] = [
        ("C API, fresh caller buffers (the bench's sspi-emu)", measure(whole["sspi-emu"])),
        ("C API, caller buffers reused", measure(whole["sspi-emu (caller buffers reused)"])),
        ("API + caller, no package (recorded tokens)", measure(api_only)),
        ("package alone (SPI)", measure(spi)),
    ]
    parts = rows[2][1] + rows[3][1]
    rows.append(("  sum of those two parts", parts))
    rows.append(("  the two parts, alternately in each iteration", measure(lambda: (api_only(), spi()))))
    rows.append(("  the two parts, 1000 of each in turn", measure(_batched(api_only, spi, 1000), budget=2.0) / 1000))
    for name, seconds in rows:
        print(f"{name:52s} {fmt(seconds)}")
    print(f"alternating costs {fmt(rows[5][1] - parts).strip()} over the sum of the parts")


if __name__ == "__main__":
    main()
