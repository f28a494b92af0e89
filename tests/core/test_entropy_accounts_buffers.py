"""Entropy sources, account stores and buffer semantics."""

from __future__ import annotations

import threading

import pytest

from sspi_emu import entropy
from sspi_emu.accounts import AccountFileError, FileAccountStore, MemoryAccountStore, default_client_identity
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SECBUFFER_DATA, SECBUFFER_READONLY, SECBUFFER_TOKEN, SecurityStatus, to_signed


def test_pinned_scripted_then_seeded():
    src = entropy.PinnedEntropy([b"\x01" * 4], seed=b"s", clock=[1.0, 2.0])
    with entropy.pinned(src):
        assert entropy.random_bytes(4) == b"\x01" * 4
        a = entropy.random_bytes(8)
        assert entropy.now() == 1.0 and entropy.now() == 2.0 and entropy.now() == 2.0
    again = entropy.PinnedEntropy(seed=b"s")
    assert again.random_bytes(8) == a
    with pytest.raises(entropy.EntropyExhausted):
        entropy.PinnedEntropy([b"ab"]).random_bytes(3)
    with pytest.raises(entropy.EntropyExhausted):
        entropy.PinnedEntropy().random_bytes(1)


def test_pinning_is_scoped_per_thread():
    seen = []
    with entropy.pinned(entropy.PinnedEntropy(clock=5.0)):
        t = threading.Thread(target=lambda: seen.append(entropy.now()))
        t.start()
        t.join()
        assert entropy.now() == 5.0
    assert seen[0] != 5.0  # another thread keeps the system clock


def test_recording_replays():
    rec = entropy.RecordingEntropy()
    with entropy.pinned(rec):
        values = (entropy.random_bytes(16, "nonce"), entropy.now())
    replay = rec.pinned()
    assert (replay.random_bytes(16), replay.now()) == values
    assert rec.draws[0].label == "nonce"


def test_filetime_round_trip():
    assert entropy.filetime_to_unix(entropy.unix_to_filetime(1234.5)) == 1234.5


def test_memory_store_lookup_rules():
    store = MemoryAccountStore()
    store.add("CORP\\Alice", "pw1")
    store.add("bob", "pw2")
    assert store.lookup("alice", "corp").password == "pw1"
    assert store.lookup("ALICE", None).password == "pw1"  # unique user, no domain given
    assert store.lookup("alice", "OTHER") is None
    assert store.lookup("bob", "ANY").password == "pw2"  # domain-less entry matches any domain
    assert "pw1" not in repr(store.lookup("alice", "corp"))


def test_file_store(tmp_path):
    f = tmp_path / "users"
    f.write_text("# comment\n\nCORP:alice:pa:ss\n:bob:$NT$" + "00" * 16 + "\n")
    store = FileAccountStore(f)
    assert store.lookup("alice", "CORP").password == "pa:ss"
    assert store.lookup("bob").nt_hash == bytes(16)
    f.write_text("CORP:carol:x\nbroken-line\n")
    with pytest.raises(AccountFileError, match=r"users:2: expected DOMAIN:USER:PASSWORD"):
        FileAccountStore(f)


def test_default_identity(monkeypatch):
    monkeypatch.setenv("SSPI_EMU_USER", "CORP\\alice")
    monkeypatch.setenv("SSPI_EMU_PASSWORD", "pw")
    ident = default_client_identity()
    assert (ident.user, ident.domain, ident.password) == ("alice", "CORP", "pw")
    assert "pw" not in repr(ident)


def test_buffers():
    b = SecBuffer(SECBUFFER_TOKEN | SECBUFFER_READONLY, b"abc")
    assert b.base_type == SECBUFFER_TOKEN and b.readonly and b.cbBuffer == 3
    mem = bytearray(b"0123456789")
    v = SecBuffer(SECBUFFER_DATA, mem)
    v.write(b"xy")
    assert mem.startswith(b"xy") and v.cbBuffer == 2  # caller memory, written in place
    with pytest.raises(ValueError):
        v.write(b"z" * 11)
    t = SecBuffer(SECBUFFER_DATA)
    t.point_at(mem, 2, 3)
    assert t.tobytes() == b"234"
    desc = SecBufferDesc([b, v])
    assert desc.cBuffers == 2 and desc.find(SECBUFFER_DATA) is v and list(desc) == [b, v]


def test_status_forms():
    assert SecurityStatus.SEC_E_LOGON_DENIED.signed == -2146893044
    assert SecurityStatus.from_int(-2146893044) is SecurityStatus.SEC_E_LOGON_DENIED
    assert str(SecurityStatus.SEC_I_CONTINUE_NEEDED) == "SEC_I_CONTINUE_NEEDED"
    assert to_signed(0x80000001) == -2147483647


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sspi_emu.accounts import Account, parse_account_line  # noqa: E402


@given(st.text(max_size=200))
def test_account_line_parser_never_crashes(line):
    try:
        result = parse_account_line(line, "f:1")
    except AccountFileError as exc:
        assert str(exc).startswith("f:1: ")
    else:
        assert result is None or isinstance(result, Account)
