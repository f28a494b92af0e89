"""Re-record vectors/negotiate-ntlm-exchange.json: ``python -m tests.packages.negotiate.record_vectors``.

A Negotiate handshake over the real NTLM package (no Kerberos registered), with pinned randomness
and clock. Only the handshake is recorded (message protection is proven by the interop tests).
Re-record when the NTLM package changes its messages on purpose.
"""

from __future__ import annotations

from pathlib import Path

import sspi_emu as S
from sspi_emu import entropy, registry, vectors
from sspi_emu.accounts import Account, MemoryAccountStore

VECTOR = Path(__file__).resolve().parents[3] / "vectors" / "negotiate-ntlm-exchange.json"


def record(path: Path = VECTOR) -> None:
    registry.unregister("Kerberos")
    store = MemoryAccountStore([Account("alice", "DOM", password="Passw0rd!")])
    with entropy.pinned(entropy.PinnedEntropy(seed=b"negotiate-vector", clock=1_700_000_000.0)):
        with vectors.recording(path, include_secrets=True, name="negotiate-ntlm-exchange", meta={
            "description": "Negotiate (SPNEGO, MS-SPNG) over NTLM with an NTLM-only server: NegTokenInit, "
                           "request/accept-incomplete with the CHALLENGE, AUTHENTICATE + mechListMIC, "
                           "accept-completed + mechListMIC. Test password only.",
        }):
            client = S.ClientContext("Negotiate", target="HTTP/web.example",
                                     credential=S.Credential("Negotiate", user="DOM\\alice", password="Passw0rd!"))
            server = S.ServerContext("Negotiate", credential=S.Credential("Negotiate", use="inbound",
                                                                          auth_data=store))
            token = client.step()
            while True:
                token = server.step(token)
                if not token:
                    break
                token = client.step(token)
                if not token:
                    break
            assert client.complete and server.complete


if __name__ == "__main__":
    record()
    print(f"wrote {VECTOR}")
