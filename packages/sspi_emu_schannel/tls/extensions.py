"""Codecs for the extension bodies the engine uses (RFC 8446 4.2, RFC 6066, RFC 7627, RFC 5746, RFC 8449)."""

from __future__ import annotations

from .codec import DecodeError, Reader, u16, u16_list, u16_list_of, vec8, vec16

Extensions = list[tuple[int, bytes]]


def encode_extensions(exts: Extensions) -> bytes:
    """The extensions<0..2^16-1> block."""
    return vec16(b"".join(u16(t) + vec16(body) for t, body in exts))


def decode_extensions(data: bytes) -> Extensions:
    """Parse an extensions block body; duplicates are a decode error."""
    r = Reader(data)
    out: Extensions = []
    seen: set[int] = set()
    while r.remaining():
        t = r.u16()
        body = r.vec16()
        if t in seen:
            raise DecodeError("duplicate extension")
        seen.add(t)
        out.append((t, body))
    return out


def find(exts: Extensions, ext_type: int) -> bytes | None:
    """The body of extension *ext_type*, or None."""
    for t, body in exts:
        if t == ext_type:
            return body
    return None


# --- server_name (RFC 6066 3) ---------------------------------------------------
def encode_server_name(host: str) -> bytes:
    name = host.encode("ascii")
    return vec16(b"\x00" + vec16(name))


def decode_server_name(data: bytes) -> str | None:
    if not data:
        return None
    r = Reader(data)
    lst = Reader(r.vec16(1))
    r.done()
    host: str | None = None
    while lst.remaining():
        kind = lst.u8()
        name = lst.vec16(1)
        if kind == 0 and host is None:
            try:
                host = name.decode("ascii")
            except UnicodeDecodeError:
                raise DecodeError("non-ASCII host name") from None
    return host


# --- lists of uint16 with a 2-byte length (supported_groups, signature_algorithms) ---
def encode_u16_vector(values: list[int] | tuple[int, ...]) -> bytes:
    return vec16(u16_list(values))


def decode_u16_vector(data: bytes) -> list[int]:
    r = Reader(data)
    values = u16_list_of(r.vec16(2))
    r.done()
    return values


# --- supported_versions (RFC 8446 4.2.1) -------------------------------------------
def encode_versions_client(versions: list[int] | tuple[int, ...]) -> bytes:
    return vec8(u16_list(versions))


def decode_versions_client(data: bytes) -> list[int]:
    r = Reader(data)
    values = u16_list_of(r.vec8(2))
    r.done()
    return values


def decode_u16(data: bytes) -> int:
    r = Reader(data)
    v = r.u16()
    r.done()
    return v


# --- key_share (RFC 8446 4.2.8) ----------------------------------------------------
def encode_key_share_client(shares: list[tuple[int, bytes]]) -> bytes:
    return vec16(b"".join(u16(g) + vec16(k) for g, k in shares))


def decode_key_share_client(data: bytes) -> list[tuple[int, bytes]]:
    r = Reader(data)
    lst = Reader(r.vec16())
    r.done()
    out: list[tuple[int, bytes]] = []
    while lst.remaining():
        g = lst.u16()
        out.append((g, lst.vec16(1)))
    return out


def encode_key_share_server(group: int, key: bytes) -> bytes:
    return u16(group) + vec16(key)


def decode_key_share_server(data: bytes) -> tuple[int, bytes]:
    r = Reader(data)
    g = r.u16()
    k = r.vec16(1)
    r.done()
    return g, k


# --- misc -----------------------------------------------------------------------
def encode_psk_modes(modes: list[int] | tuple[int, ...]) -> bytes:
    return vec8(bytes(modes))


def encode_renegotiation_info(verify_data: bytes) -> bytes:
    return vec8(verify_data)


def decode_renegotiation_info(data: bytes) -> bytes:
    r = Reader(data)
    v = r.vec8()
    r.done()
    return v


def encode_alpn(protocols: list[bytes]) -> bytes:
    return vec16(b"".join(vec8(p) for p in protocols))


def decode_alpn(data: bytes) -> list[bytes]:
    r = Reader(data)
    lst = Reader(r.vec16(2))
    r.done()
    out: list[bytes] = []
    while lst.remaining():
        out.append(lst.vec8(1))
    return out


def decode_cookie(data: bytes) -> bytes:
    r = Reader(data)
    v = r.vec16(1)
    r.done()
    return v


# --- certificate_authorities (RFC 8446 4.2.4) --------------------------------------
def encode_authorities(names: list[bytes]) -> bytes:
    return vec16(b"".join(vec16(n) for n in names))


def decode_authorities(data: bytes) -> list[bytes]:
    r = Reader(data)
    lst = Reader(r.vec16(3))
    r.done()
    out: list[bytes] = []
    while lst.remaining():
        out.append(lst.vec16(1))
    return out
