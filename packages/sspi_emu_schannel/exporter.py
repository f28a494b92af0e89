"""Keying material exporters (RFC 5705 for TLS 1.2, RFC 8446 7.5 for TLS 1.3) and the structure that asks for them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .tls.constants import TLS13
from .tls.engine import TlsEngine
from .tls.keyschedule import KeySchedule13, expand_label, prf12


@dataclass
class SecPkgContext_KeyingMaterialInfo:
    """What SetContextAttributes(SECPKG_ATTR_KEYING_MATERIAL_INFO) asks for: label, optional context, length."""

    pszLabel: str = ""
    pbContextValue: bytes | None = None
    cbKeyingMaterial: int = 0
    cbLabel: int | None = None
    cbContextValue: int | None = None


def export_keying_material(engine: TlsEngine, label: bytes, context: bytes | None, length: int) -> bytes:
    """The exporter output for an established connection."""
    assert engine.suite is not None
    hash_name = engine.suite.hash_name
    if engine.version == TLS13:
        schedule = engine.schedule
        assert isinstance(schedule, KeySchedule13)
        empty = hashlib.new(hash_name, b"").digest()
        secret = schedule.derive_secret(engine.exporter_master_secret, label, empty)
        return expand_label(hash_name, secret, b"exporter", hashlib.new(hash_name, context or b"").digest(), length)
    seed = engine.client_random + engine.server_random
    if context is not None:
        seed += len(context).to_bytes(2, "big") + context
    return prf12(hash_name, engine.master_secret12, label, seed, length)


def eap_key_block(engine: TlsEngine) -> tuple[bytes, bytes]:
    """EAP-TLS keys for TLS 1.2 (RFC 2716 / RFC 5216): 128 bytes of key material and 64 bytes of IVs."""
    assert engine.suite is not None
    seed = engine.client_random + engine.server_random
    keys = prf12(engine.suite.hash_name, engine.master_secret12, b"client EAP encryption", seed, 128)
    ivs = prf12(engine.suite.hash_name, b"", b"client EAP encryption", seed, 64)
    return keys, ivs
