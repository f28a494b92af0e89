"""Third-party round trips (Kerberos to its KDC) are recorded into vectors and answered on replay."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sspi_emu import entropy, vectors
from sspi_emu.entropy import PinnedEntropy, RecordingEntropy

ROOT = Path(__file__).resolve().parents[2]
KERBEROS = ROOT / "vectors" / "exchanges" / "recorded-kerberos.json"


def _doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(KERBEROS.read_text(encoding="utf-8"))
    return data


def _client_exchanges(doc: dict[str, Any]) -> list[dict[str, Any]]:
    leg = next(leg for leg in doc["legs"] if leg["side"] == "client")
    exchanges: list[dict[str, Any]] = leg["entropy"]["exchanges"]
    return exchanges


def _replay(doc: dict[str, Any], side: str) -> vectors.ReplayResult:
    (vector,) = [vectors.Vector.from_json(doc, "test")]
    return vectors.replay(vector, [side])


def test_the_kerberos_vector_keeps_the_kdc_round_trips() -> None:
    labels = [x["label"] for x in _client_exchanges(_doc())]
    assert labels and all(label == "kdc EXAMPLE.TEST" for label in labels)
    assert len(labels) >= 2  # the TGT (AS) and the service ticket (TGS)


def test_both_sides_replay_with_no_kdc(monkeypatch: pytest.MonkeyPatch) -> None:
    from sspi_emu_kerberos import transport

    def no_network(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("a replay must not reach the network")

    monkeypatch.setattr(transport.SocketTransport, "__call__", no_network)
    for side in ("client", "server"):
        result = _replay(_doc(), side)
        assert result.outcome == "pass", result.line()


def test_a_changed_kdc_reply_fails_the_client_replay() -> None:
    doc = _doc()
    last = _client_exchanges(doc)[-1]
    reply = bytearray.fromhex(last["reply"])
    reply[-1] ^= 0x01  # inside the TGS-REP's encrypted part
    last["reply"] = reply.hex()
    result = _replay(doc, "client")
    assert result.outcome == "fail"


def test_a_request_that_differs_from_the_recorded_one_is_named() -> None:
    doc = _doc()
    first = _client_exchanges(doc)[0]
    request = bytearray.fromhex(first["request"])
    request[-1] ^= 0x01
    first["request"] = request.hex()
    result = _replay(doc, "client")
    assert result.outcome == "fail" and result.mismatch is not None
    assert "kdc EXAMPLE.TEST request differs" in result.mismatch.message


def test_a_missing_recorded_exchange_is_named() -> None:
    doc = _doc()
    _client_exchanges(doc).pop()
    result = _replay(doc, "client")
    assert result.outcome == "fail" and result.mismatch is not None
    assert "no more recorded exchanges" in result.mismatch.message


def test_an_unused_recorded_exchange_is_named() -> None:
    doc = _doc()
    exchanges = _client_exchanges(doc)
    exchanges.append(copy.deepcopy(exchanges[-1]))
    result = _replay(doc, "client")
    assert result.outcome == "fail" and result.mismatch is not None
    assert "were not drawn" in result.mismatch.message


def test_an_unreachable_kdc_is_recorded_and_replayed_as_unreachable() -> None:
    rec = RecordingEntropy(PinnedEntropy(seed=b"x"))

    def down(request: bytes) -> bytes:
        raise ConnectionRefusedError("no KDC")

    with entropy.pinned(rec), pytest.raises(ConnectionRefusedError):
        entropy.exchange("kdc", "EXAMPLE.TEST", b"request", down)
    assert [(d.kind, d.label, d.value) for d in rec.draws] == [("exchange", "kdc EXAMPLE.TEST", (b"request", None))]
    replay = vectors.ReplayEntropy(vectors.Draws(exchanges=[("kdc EXAMPLE.TEST", b"request", None)]))
    with pytest.raises(ConnectionError):
        replay.exchange("kdc", "EXAMPLE.TEST", b"request", down)
    assert replay.unused == 0 and replay.problem is None


def test_without_a_recording_the_send_function_runs() -> None:
    assert entropy.exchange("kdc", "R", b"ping", lambda req: req + b" pong") == b"ping pong"
    with entropy.pinned(PinnedEntropy(seed=b"s")):
        assert entropy.exchange("kdc", "R", b"ping", lambda req: b"live") == b"live"


@pytest.mark.parametrize("bad", [
    [{"label": "kdc R", "reply": "00"}],
    [{"label": "kdc R", "request": "zz", "reply": "00"}],
    [{"label": "kdc R", "request": "00"}],
    [{"label": "kdc R", "request": "00", "reply": 5}],
    ["not an object"],
])
def test_malformed_exchange_records_are_vector_errors(bad: list[Any]) -> None:
    with pytest.raises(vectors.VectorError):
        vectors.Draws.from_json({"exchanges": bad}, "leg")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=20), st.binary(max_size=64), st.none() | st.binary(max_size=64)),
                max_size=5))
def test_exchange_records_round_trip_through_json(items: list[tuple[str, bytes, bytes | None]]) -> None:
    draws = vectors.Draws(exchanges=items)
    back = vectors.Draws.from_json(json.loads(json.dumps(draws.to_json())), "leg")
    assert back.exchanges == items


def test_a_third_party_run_in_process_draws_unrecorded_values() -> None:
    """An in-memory KDC answering during a recording uses its own randomness, not the recorded side's."""
    rec = RecordingEntropy(PinnedEntropy(seed=b"inner"))

    def in_process_kdc(request: bytes) -> bytes:
        return entropy.random_bytes(8, "kdc session key")

    with entropy.pinned(rec):
        before = entropy.random_bytes(4, "package nonce")
        reply = entropy.exchange("kdc", "R", b"req", in_process_kdc)
        after = entropy.random_bytes(4, "package nonce")
    assert [d.kind for d in rec.draws] == ["random", "exchange", "random"]
    assert rec.draws[1].value == (b"req", reply) and (before, after) == (rec.draws[0].value, rec.draws[2].value)
