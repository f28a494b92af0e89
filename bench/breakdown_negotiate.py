"""Where a Negotiate (SPNEGO over NTLM) handshake spends its time, against our bare NTLM handshake.

Times every SSPI call Negotiate makes on the inner NTLM package (the legs, the mechListMIC
signatures and the RC4 resets), the Negotiate package's own steps, and the outer API calls,
then prints the split and two ratios to the bare NTLM handshake: the whole Negotiate handshake,
and the NTLM work alone that any Negotiate over NTLM must ask the inner package for. The timing
wrappers add a little to each call, so the total reads a few per cent above ``python -m bench
negotiate``.

    python -m bench.breakdown_negotiate
"""

from __future__ import annotations

import time
from typing import Any, Callable

import sspi_emu as s
from bench import bench_negotiate as bn
from bench.run import measure
from sspi_emu import api

_ROUNDS = 3000


class _TimedApi:
    """Stands in for :mod:`sspi_emu.api` inside the Negotiate package and times each call by name."""

    def __init__(self, totals: dict[str, int]) -> None:
        self._totals = totals

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = getattr(api, name)
        totals = self._totals
        clock = time.perf_counter_ns

        def timed(*args: Any) -> Any:
            t0 = clock()
            try:
                return fn(*args)
            finally:
                totals[name] = totals.get(name, 0) + clock() - t0

        return timed


def _timed(totals: dict[str, int], key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    clock = time.perf_counter_ns

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] = totals.get(key, 0) + clock() - t0

    return timed


def breakdown(rounds: int = _ROUNDS) -> dict[str, float]:
    """Microseconds per handshake for each part (keys as printed by :func:`main`)."""
    from sspi_emu_negotiate import client, context_base, inner, server

    bare_ntlm = measure(bn.bench_handshake()["sspi-emu NTLM (bare)"]) * 1e6
    totals: dict[str, int] = {}
    saved = (inner.api, context_base.api, client.NegotiateClient.step, server.NegotiateServer.step,
             bn.s.InitializeSecurityContext, bn.s.AcceptSecurityContext, bn.s.DeleteSecurityContext)
    run = bn._timed("Negotiate")
    try:
        inner.api = context_base.api = _TimedApi(totals)  # type: ignore[assignment]
        client.NegotiateClient.step = _timed(totals, "negotiate steps", client.NegotiateClient.step)  # type: ignore[method-assign]
        server.NegotiateServer.step = _timed(totals, "negotiate steps", server.NegotiateServer.step)  # type: ignore[method-assign]
        for name in ("InitializeSecurityContext", "AcceptSecurityContext", "DeleteSecurityContext"):
            setattr(bn.s, name, _timed(totals, "outer calls", getattr(s, name)))
        for _ in range(rounds // 10):
            run()
        totals.clear()
        t0 = time.perf_counter_ns()
        for _ in range(rounds):
            run()
        whole = time.perf_counter_ns() - t0
    finally:
        (inner.api, context_base.api, client.NegotiateClient.step, server.NegotiateServer.step,
         bn.s.InitializeSecurityContext, bn.s.AcceptSecurityContext, bn.s.DeleteSecurityContext) = saved  # type: ignore[assignment,method-assign]

    def us(ns: int) -> float:
        return ns / rounds / 1000

    legs = us(sum(totals.get(n, 0) for n in ("InitializeSecurityContext", "AcceptSecurityContext",
                                               "DeleteSecurityContext")))
    mic = us(sum(totals.get(n, 0) for n in ("MakeSignature", "VerifySignature", "SetContextAttributes")))
    inner_all = us(sum(v for k, v in totals.items() if k not in ("negotiate steps", "outer calls")))
    steps = us(totals.get("negotiate steps", 0))
    outer = us(totals.get("outer calls", 0))
    return {
        "handshake (timed)": us(whole),
        "bare NTLM handshake": bare_ntlm,
        "inner NTLM legs + deletes": legs,
        "inner mechListMIC sign/verify + RC4 resets": mic,
        "Negotiate's own work (SPNEGO coding, state)": steps - inner_all,
        "outer dispatch (5 legs, 2 deletes)": outer - steps,
        "caller's buffers (bench loop)": us(whole) - outer,
    }


def main() -> int:
    parts = breakdown()
    for name, value in parts.items():
        print(f"{name:46s} {value:8.1f} µs")
    bare = parts["bare NTLM handshake"]
    need = parts["inner NTLM legs + deletes"] + parts["inner mechListMIC sign/verify + RC4 resets"]
    print(f"{'Negotiate / bare NTLM':46s} {parts['handshake (timed)'] / bare:8.2f} x")
    print(f"{'NTLM work Negotiate must ask for / bare NTLM':46s} {need / bare:8.2f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
