"""SCH_CREDENTIALS.EngineSettings (sspi-emu's non-Windows TLS engine knobs) reach the TLS engine."""

from __future__ import annotations

import pytest
from sspi_emu_schannel import testcerts

from sspi_emu import constants as C
from sspi_emu import entropy, vectors
from sspi_emu.schannel_credentials import SCH_CREDENTIALS, SCHANNEL_CRED, TLS_PARAMETERS, TlsEngineSettings
from tests.packages.schannel.schannel_helpers import Endpoint, acquire, run_handshake

ONLY13 = [TLS_PARAMETERS(grbitDisabledProtocols=C.SP_PROT_TLS1_2)]
REQ = C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_STREAM | C.ISC_REQ_ALLOCATE_MEMORY | C.ISC_REQ_MANUAL_CRED_VALIDATION
RFC8448_LIKE = TlsEngineSettings(
    cipher_suites=(0x1303, 0x1301), key_share_groups=(0x0017,), advertised_groups=(0x0017, 0x001D, 0x0100),
    advertised_schemes=(0x0804, 0x0403),
    client_extension_order=(0x002B, 0x0033, 0x000A, 0x000D, 0x0000, 0x001C, 0x0023, 0xFF01, 0x002D),
    record_size_limit=0x4001, send_session_ticket_extension=True)


def _client_hello(settings: object) -> bytes:
    cred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(pTlsParameters=ONLY13, EngineSettings=settings))
    with entropy.pinned(entropy.PinnedEntropy(seed=b"engine settings")):
        return Endpoint(cred, server=False, target="server", req=REQ).start()


def _parse(record: bytes) -> tuple[bytes, list[tuple[int, bytes]]]:
    """The cipher_suites vector and the (type, body) extensions of a ClientHello record."""
    off = 5 + 4 + 2 + 32
    off += 1 + record[off]  # legacy_session_id
    n = int.from_bytes(record[off : off + 2], "big")
    suites = record[off + 2 : off + 2 + n]
    off += 2 + n
    off += 1 + record[off]  # compression methods
    end = off + 2 + int.from_bytes(record[off : off + 2], "big")
    off += 2
    exts = []
    while off < end:
        kind, size = int.from_bytes(record[off : off + 2], "big"), int.from_bytes(record[off + 2 : off + 4], "big")
        exts.append((kind, record[off + 4 : off + 4 + size]))
        off += 4 + size
    return suites, exts


def test_client_hello_follows_the_settings():
    suites, exts = _parse(_client_hello(RFC8448_LIKE))
    assert suites == bytes.fromhex("1303" "1301")
    assert [k for k, _ in exts] == list(RFC8448_LIKE.client_extension_order or ())
    found = dict(exts)
    assert found[0x000A] == bytes.fromhex("0006" "0017" "001d" "0100")
    assert found[0x000D] == bytes.fromhex("0004" "0804" "0403")
    assert found[0x001C] == bytes.fromhex("4001") and found[0x0023] == b""
    assert int.from_bytes(found[0x0033][2:4], "big") == 0x0017  # the only key share is secp256r1


def test_without_settings_the_client_hello_is_unchanged():
    default = _client_hello(None)
    assert _client_hello(TlsEngineSettings()) == default
    kinds = [k for k, _ in _parse(default)[1]]
    assert 0x0023 not in kinds and 0x001C not in kinds


def test_settings_cannot_enable_what_the_credential_disables():
    """Suites and key-share groups stay within the credential's algorithms."""
    suites, _ = _parse(_client_hello(TlsEngineSettings(cipher_suites=(0x1301, 0xFFFE))))
    assert suites == bytes.fromhex("1301")
    for settings in (TlsEngineSettings(cipher_suites=(0xFFFE,)), TlsEngineSettings(key_share_groups=(0x0100,))):
        with pytest.raises(AssertionError, match="SEC_E_ALGORITHM_MISMATCH"):
            _client_hello(settings)


@pytest.mark.parametrize("settings", [
    "not settings", TlsEngineSettings(cipher_suites=(0x10000,)), TlsEngineSettings(advertised_groups=(-1,)),
    TlsEngineSettings(record_size_limit=10), TlsEngineSettings(ticket_length=0),
    TlsEngineSettings(ticket_max_early_data=1 << 32), TlsEngineSettings(client_extension_order="ab"),  # type: ignore[arg-type]
])
def test_malformed_settings_are_refused_at_acquire(settings: object):
    for auth in (SCH_CREDENTIALS(EngineSettings=settings), SCHANNEL_CRED(EngineSettings=settings)):  # type: ignore[arg-type]
        with pytest.raises(AssertionError, match="SEC_E_UNKNOWN_CREDENTIALS"):
            acquire(C.SECPKG_CRED_OUTBOUND, auth)


def test_random_tickets_need_no_ticket_key():
    pki = testcerts.make_ca_and_server("localhost")
    settings = TlsEngineSettings(random_tickets=True, ticket_length=40, ticket_max_early_data=1024,
                                 send_groups_in_encrypted_extensions=True, record_size_limit=0x4001)
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pki.server], pTlsParameters=ONLY13,
                                                           EngineSettings=settings))
    ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[pki.ca.certificate]))
    rec = entropy.RecordingEntropy(entropy.PinnedEntropy(seed=b"tickets", clock=entropy.now()))
    client, server = Endpoint(ccred, False, "localhost"), Endpoint(scred, True)
    with entropy.pinned(rec):
        run_handshake(client, server)
    assert client.complete and server.complete, (client.status, server.status)
    drawn = [(d.label, len(d.value)) for d in rec.draws if d.kind == "random" and isinstance(d.value, bytes)]
    assert ("ticket", 40) in drawn and not any(label == "ticket-key" for label, _ in drawn)


def test_settings_survive_a_vector_round_trip():
    auth = SCH_CREDENTIALS(pTlsParameters=ONLY13, EngineSettings=RFC8448_LIKE)
    stored = vectors.encode_value(auth)
    assert stored["fields"]["EngineSettings"]["$class"] == "sspi_emu.schannel_credentials.TlsEngineSettings"
    assert vectors.decode_value(stored) == auth
