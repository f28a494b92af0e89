"""The packed-context envelope (sspi_emu.packed_context) and the C API around it on the fake package."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sspi_emu as s
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.packed_context import MAGIC, PackedContext, PackedContextError, pack, unpack

contexts = st.builds(PackedContext, st.text(min_size=1, max_size=20), st.sampled_from(["client", "server"]),
                     st.integers(0, 2**32 - 1), st.integers(0, 2**63), st.integers(0, 2**63),
                     st.none() | st.text(max_size=30), st.binary(max_size=100))


@settings(max_examples=200, deadline=None)
@given(contexts)
def test_pack_unpack_round_trip(ctx: PackedContext) -> None:
    assert unpack(pack(ctx)) == ctx


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_packed_context_error(data: bytes) -> None:
    for candidate in (data, MAGIC + data, MAGIC + b"\x01" + data):
        try:
            unpack(candidate)
        except PackedContextError:
            pass


@settings(max_examples=200, deadline=None)
@given(contexts, st.data())
def test_mutated_envelopes_raise_only_packed_context_error(ctx: PackedContext, data: st.DataObject) -> None:
    blob = bytearray(pack(ctx))
    i = data.draw(st.integers(0, len(blob) - 1))
    blob[i] ^= data.draw(st.integers(1, 255))
    try:
        unpack(bytes(blob))
    except PackedContextError:
        pass


def test_fake_package_contexts_do_not_export(fake) -> None:  # type: ignore[no-untyped-def]
    FAKE = "Fake"
    packed = s.SecBuffer(s.SECBUFFER_EMPTY)
    assert s.ExportSecurityContext(s.CtxtHandle(), 0, packed, None) == S.SEC_E_INVALID_HANDLE
    blob = pack(PackedContext(FAKE, "client", 0, 0, 0, None, b""))
    assert s.ImportSecurityContext(FAKE, s.SecBuffer(s.SECBUFFER_EMPTY, blob), None, s.CtxtHandle()) \
        == S.SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.parametrize("package", [None, 5, b"NTLM"])
def test_import_with_a_bad_package_name(package: object) -> None:
    assert s.ImportSecurityContext(package, s.SecBuffer(s.SECBUFFER_EMPTY, b"x"), None, s.CtxtHandle()) \
        == S.SEC_E_SECPKG_NOT_FOUND
