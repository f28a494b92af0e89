"""Ephemeral key exchange for the supported groups, with private keys drawn from :mod:`sspi_emu.entropy`."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sspi_emu import entropy

from .codec import TlsError
from .constants import AlertDescription, Group

SUPPORTED_GROUPS: tuple[int, ...] = (Group.X25519, Group.SECP256R1, Group.SECP384R1)

_CURVES: dict[int, tuple[ec.EllipticCurve, int, int]] = {
    # group -> (curve, order, private key bytes drawn)
    Group.SECP256R1: (
        ec.SECP256R1(),
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        40,
    ),
    Group.SECP384R1: (
        ec.SECP384R1(),
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
        56,
    ),
}


class KeyShare:
    """One ephemeral key pair for *group*."""

    __slots__ = ("group", "_x25519", "_ec", "public")

    def __init__(self, group: int) -> None:
        self.group = group
        self._x25519: x25519.X25519PrivateKey | None = None
        self._ec: ec.EllipticCurvePrivateKey | None = None
        if group == Group.X25519:
            self._x25519 = x25519.X25519PrivateKey.from_private_bytes(entropy.random_bytes(32, "x25519"))
            self.public = self._x25519.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        elif group in _CURVES:
            curve, order, nbytes = _CURVES[group]
            seed = int.from_bytes(entropy.random_bytes(nbytes, f"ecdhe-{curve.name}"), "big")
            self._ec = ec.derive_private_key(seed % (order - 1) + 1, curve)
            self.public = self._ec.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        else:
            raise ValueError(f"unsupported group {group}")

    def exchange(self, peer_public: bytes) -> bytes:
        """The shared secret with the peer's public value (illegal_parameter if it is not a valid point)."""
        try:
            if self._x25519 is not None:
                if len(peer_public) != 32:
                    raise ValueError("bad x25519 key")
                shared = self._x25519.exchange(x25519.X25519PublicKey.from_public_bytes(peer_public))
                if not any(shared):
                    raise ValueError("all-zero shared secret")
                return shared
            assert self._ec is not None
            if not peer_public or peer_public[0] != 4:
                raise ValueError("only uncompressed points")
            peer = ec.EllipticCurvePublicKey.from_encoded_point(self._ec.curve, peer_public)
            return self._ec.exchange(ec.ECDH(), peer)
        except ValueError as exc:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, f"bad key share: {exc}") from None

    def __repr__(self) -> str:
        return f"KeyShare(group=0x{self.group:04x})"
