"""TLS records and handshake messages (RFC 8446, RFC 5246), read-only."""

from __future__ import annotations

from .tree import DecodeError, Node, Reader, hexstr

__all__ = ["looks_like_tls", "decode_tls"]

WHAT = "TLS"
CONTENT_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 24: "heartbeat"}
VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
HANDSHAKE_TYPES = {
    0: "hello_request", 1: "client_hello", 2: "server_hello", 4: "new_session_ticket", 5: "end_of_early_data",
    8: "encrypted_extensions", 11: "certificate", 12: "server_key_exchange", 13: "certificate_request",
    14: "server_hello_done", 15: "certificate_verify", 16: "client_key_exchange", 20: "finished",
    24: "key_update", 254: "message_hash",
}
CIPHER_SUITES = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0x1304: "TLS_AES_128_CCM_SHA256", 0x1305: "TLS_AES_128_CCM_8_SHA256",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", 0x5600: "TLS_FALLBACK_SCSV",
}
EXTENSIONS = {
    0: "server_name", 1: "max_fragment_length", 5: "status_request", 10: "supported_groups",
    11: "ec_point_formats", 13: "signature_algorithms", 14: "use_srtp", 15: "heartbeat",
    16: "application_layer_protocol_negotiation", 18: "signed_certificate_timestamp", 21: "padding",
    22: "encrypt_then_mac", 23: "extended_master_secret", 27: "compress_certificate", 28: "record_size_limit",
    35: "session_ticket", 41: "pre_shared_key", 42: "early_data", 43: "supported_versions", 44: "cookie",
    45: "psk_key_exchange_modes", 47: "certificate_authorities", 48: "oid_filters", 49: "post_handshake_auth",
    50: "signature_algorithms_cert", 51: "key_share", 57: "quic_transport_parameters",
    65281: "renegotiation_info",
}
GROUPS = {23: "secp256r1", 24: "secp384r1", 25: "secp521r1", 29: "x25519", 30: "x448", 256: "ffdhe2048",
          257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144", 260: "ffdhe8192", 4588: "X25519MLKEM768"}
SIGNATURE_SCHEMES = {
    0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0401: "rsa_pkcs1_sha256", 0x0501: "rsa_pkcs1_sha384",
    0x0601: "rsa_pkcs1_sha512", 0x0403: "ecdsa_secp256r1_sha256", 0x0503: "ecdsa_secp384r1_sha384",
    0x0603: "ecdsa_secp521r1_sha512", 0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512", 0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384", 0x080B: "rsa_pss_pss_sha512", 0x0402: "dsa_sha256",
}
ALERTS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
    40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
    49: "access_denied", 50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
    71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 115: "unknown_psk_identity", 116: "certificate_required",
    120: "no_application_protocol",
}
_HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def _name(table: dict[int, str], value: int, width: int = 4) -> str:
    if table is CIPHER_SUITES or table is GROUPS or table is EXTENSIONS:
        if value & 0x0F0F == 0x0A0A and value >> 8 == value & 0xFF:
            return f"0x{value:0{width}X} (GREASE)"
    name = table.get(value)
    return f"{name} (0x{value:0{width}X})" if name else f"unknown (0x{value:0{width}X})"


def looks_like_tls(data: bytes) -> bool:
    """Whether *data* starts with a TLS record header or a bare hello message."""
    if len(data) >= 5 and data[0] in CONTENT_TYPES and data[1] == 3 and data[2] <= 4:
        return True
    return len(data) >= 4 and data[0] in (1, 2) and int.from_bytes(data[1:4], "big") == len(data) - 4


def decode_tls(data: bytes, offset: int = 0) -> Node:
    """Records (or one bare handshake message) as a tree (raises :class:`DecodeError`)."""
    if not (len(data) >= 5 and data[0] in CONTENT_TYPES and data[1] == 3):
        root = Node("TLS handshake message (no record header)", f"{len(data)} bytes", [], offset)
        _handshake_messages(data, offset, root, tls13=False)
        return root
    root = Node("TLS records", f"{len(data)} bytes", [], offset)
    r = Reader(data, WHAT, offset)
    encrypted = False
    tls13 = False
    pending = b""
    pending_at = 0
    while r.remaining:
        at = offset + r.pos
        ctype = r.uint(1, "record content type")
        if ctype not in CONTENT_TYPES:
            raise DecodeError(f"unknown record content type {ctype}", at, WHAT)
        version = r.uint(2, "record version")
        body = r.vector(2, f"{CONTENT_TYPES[ctype]} record")
        rec = root.add(f"record {CONTENT_TYPES[ctype]}", f"{_name(VERSIONS, version)}, {len(body)} bytes", at)
        if ctype == 22 and not encrypted:
            if not pending:
                pending_at = at + 5
            pending += body
            used = _handshake_messages(pending, pending_at, rec, tls13, partial_ok=True)
            selected = rec.find("selected version")
            tls13 = tls13 or bool(selected and selected.value and "0x0304" in selected.value)
            pending = pending[used:]
            pending_at += used
        elif ctype == 22:
            rec.add("encrypted handshake", hexstr(body, 32), at + 5)
        elif ctype == 20:
            rec.add("change_cipher_spec", body.hex(), at + 5)
            encrypted = not tls13
        elif ctype == 21 and len(body) == 2 and not encrypted:
            level = {1: "warning", 2: "fatal"}.get(body[0], str(body[0]))
            rec.add("alert", f"{level} {_name(ALERTS, body[1], 2)}", at + 5)
        else:
            rec.add("encrypted" if ctype in (21, 23) else "data", hexstr(body, 32), at + 5)
    if pending:
        root.add("incomplete handshake message", f"{len(pending)} bytes buffered at the end", pending_at)
    return root


def _handshake_messages(data: bytes, offset: int, parent: Node, tls13: bool, partial_ok: bool = False) -> int:
    """Decode whole handshake messages in *data*; return the bytes used."""
    pos = 0
    while pos < len(data):
        if len(data) - pos < 4 or pos + 4 + int.from_bytes(data[pos + 1:pos + 4], "big") > len(data):
            if partial_ok:
                return pos
            raise DecodeError("a handshake message runs past the end", offset + pos, WHAT)
        htype = data[pos]
        length = int.from_bytes(data[pos + 1:pos + 4], "big")
        body = data[pos + 4:pos + 4 + length]
        node = parent.add(f"handshake {HANDSHAKE_TYPES.get(htype, f'type {htype}')}", f"{length} bytes", offset + pos)
        r = Reader(body, WHAT, offset + pos + 4)
        if htype == 1:
            _client_hello(r, node)
        elif htype == 2:
            _server_hello(r, node)
        elif htype == 8:
            _extensions(r, node, "encrypted_extensions")
        elif htype == 11:
            _certificate(r, node, tls13)
        elif htype == 15:
            node.add("algorithm", _name(SIGNATURE_SCHEMES, r.uint(2, "algorithm")), r.base + r.pos)
            node.add("signature", hexstr(r.vector(2, "signature"), 32))
        elif htype == 20:
            node.add("verify_data", body.hex(), r.base)
            r.pos = len(body)
        elif htype == 4 and tls13:
            node.add("ticket_lifetime", f"{r.uint(4, 'ticket_lifetime')} s")
            node.add("ticket_age_add", r.uint(4, "ticket_age_add"))
            node.add("ticket_nonce", r.vector(1, "ticket_nonce").hex())
            node.add("ticket", hexstr(r.vector(2, "ticket"), 32))
            _extensions(r, node, "new_session_ticket")
        else:
            node.add("body", hexstr(body, 32), r.base)
            r.pos = len(body)
        if r.remaining:
            raise r.error(f"{r.remaining} unexpected bytes at the end of the message")
        pos += 4 + length
    return pos


def _client_hello(r: Reader, node: Node) -> None:
    node.add("legacy_version", _name(VERSIONS, r.uint(2, "legacy_version")), r.base)
    node.add("random", r.take(32, "random").hex(), r.base + 2)
    node.add("legacy_session_id", r.vector(1, "legacy_session_id").hex() or "(empty)")
    suites = r.vector(2, "cipher_suites")
    if len(suites) % 2:
        raise r.error("cipher_suites has an odd length")
    cs = node.add("cipher_suites", f"{len(suites) // 2} suites")
    for i in range(0, len(suites), 2):
        cs.add("-", _name(CIPHER_SUITES, int.from_bytes(suites[i:i + 2], "big")))
    node.add("legacy_compression_methods", r.vector(1, "legacy_compression_methods").hex())
    if r.remaining:
        _extensions(r, node, "client_hello")


def _server_hello(r: Reader, node: Node) -> None:
    node.add("legacy_version", _name(VERSIONS, r.uint(2, "legacy_version")), r.base)
    random = r.take(32, "random")
    node.add("random", random.hex() + (" (HelloRetryRequest)" if random == _HRR_RANDOM else ""), r.base + 2)
    node.add("legacy_session_id_echo", r.vector(1, "legacy_session_id_echo").hex() or "(empty)")
    node.add("cipher_suite", _name(CIPHER_SUITES, r.uint(2, "cipher_suite")))
    node.add("legacy_compression_method", r.uint(1, "legacy_compression_method"))
    if r.remaining:
        _extensions(r, node, "hello_retry_request" if random == _HRR_RANDOM else "server_hello")


def _extensions(r: Reader, node: Node, where: str) -> None:
    block = r.vector(2, "extensions")
    base = r.base + r.pos - len(block)
    er = Reader(block, WHAT, base)
    exts = node.add("extensions", None, base - 2)
    while er.remaining:
        at = er.base + er.pos
        etype = er.uint(2, "extension type")
        data = er.vector(2, f"extension {EXTENSIONS.get(etype, etype)}")
        ext = exts.add(_name(EXTENSIONS, etype), f"{len(data)} bytes", at)
        xr = Reader(data, WHAT, at + 4)
        _extension_body(etype, xr, ext, where)
        if xr.remaining:
            raise xr.error(f"{xr.remaining} unexpected bytes in extension {EXTENSIONS.get(etype, etype)}")


def _u16_list(raw: bytes, r: Reader, table: dict[int, str], node: Node) -> None:
    if len(raw) % 2:
        raise r.error("a list of 16-bit values has an odd length")
    for i in range(0, len(raw), 2):
        node.add("-", _name(table, int.from_bytes(raw[i:i + 2], "big")))


def _extension_body(etype: int, r: Reader, ext: Node, where: str) -> None:
    if etype == 0 and r.remaining:
        names = Reader(r.vector(2, "server_name_list"), WHAT, r.base + 2)
        while names.remaining:
            kind = names.uint(1, "name_type")
            ext.add("host_name" if kind == 0 else f"name type {kind}", repr(names.vector(2, "name").decode(
                "ascii", errors="replace")))
    elif etype in (10, 13, 50):
        _u16_list(r.vector(2, "list"), r, GROUPS if etype == 10 else SIGNATURE_SCHEMES, ext)
    elif etype == 16:
        protos = Reader(r.vector(2, "protocol_name_list"), WHAT, r.base + 2)
        while protos.remaining:
            ext.add("-", repr(protos.vector(1, "protocol").decode("ascii", errors="replace")))
    elif etype == 43:
        if where == "client_hello":
            _u16_list(r.vector(1, "versions"), r, VERSIONS, ext)
        else:
            ext.add("selected version", _name(VERSIONS, r.uint(2, "selected_version")))
    elif etype == 51:
        if where == "hello_retry_request":
            ext.add("selected_group", _name(GROUPS, r.uint(2, "selected_group")))
        elif where == "client_hello":
            shares = Reader(r.vector(2, "client_shares"), WHAT, r.base + 2)
            while shares.remaining:
                group = shares.uint(2, "group")
                ext.add(_name(GROUPS, group), hexstr(shares.vector(2, "key_exchange"), 32))
        else:
            group = r.uint(2, "group")
            ext.add(_name(GROUPS, group), hexstr(r.vector(2, "key_exchange"), 32))
    elif etype == 45:
        modes = r.vector(1, "ke_modes")
        for m in modes:
            ext.add("-", {0: "psk_ke", 1: "psk_dhe_ke"}.get(m, str(m)))
    elif etype in (11, 65281):
        ext.add("data", r.vector(1, "data").hex() or "(empty)")
    elif etype == 28:
        ext.add("limit", r.uint(2, "record_size_limit"))
    else:
        data = r.take(r.remaining, "data")
        if data:
            ext.add("data", hexstr(data, 32))


def _certificate(r: Reader, node: Node, tls13: bool) -> None:
    if tls13 or (r.remaining >= 1 and r.data[0] == 0 and len(r.data) >= 4
                 and int.from_bytes(r.data[1:4], "big") == len(r.data) - 4):
        node.add("certificate_request_context", r.vector(1, "certificate_request_context").hex() or "(empty)")
        tls13 = True
    entries = Reader(r.vector(3, "certificate_list"), WHAT, r.base + r.pos)
    n = 0
    while entries.remaining:
        der = entries.vector(3, "cert_data")
        n += 1
        cert = node.add(f"certificate {n}", f"{len(der)} bytes")
        _describe_cert(der, cert)
        if tls13:
            entries.vector(2, "extensions")


def _describe_cert(der: bytes, node: Node) -> None:
    try:
        from cryptography import x509

        cert = x509.load_der_x509_certificate(der)
        node.add("subject", cert.subject.rfc4514_string())
        node.add("issuer", cert.issuer.rfc4514_string())
        node.add("not_after", cert.not_valid_after_utc.isoformat())
    except Exception:  # a certificate we cannot read is shown as bytes
        node.add("der", hexstr(der, 32))
