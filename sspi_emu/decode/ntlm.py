"""NTLM messages (MS-NLMP 2.2): NEGOTIATE, CHALLENGE, AUTHENTICATE, read-only."""

from __future__ import annotations

import struct

from .tree import DecodeError, Node, filetime_text, hexstr

__all__ = ["SIGNATURE", "decode_ntlm", "flag_names"]

SIGNATURE = b"NTLMSSP\x00"
WHAT = "NTLM"

#: NegotiateFlags bits (MS-NLMP 2.2.2.5), without the NTLMSSP_ prefix.
FLAGS = {
    0x00000001: "NEGOTIATE_UNICODE", 0x00000002: "NEGOTIATE_OEM", 0x00000004: "REQUEST_TARGET",
    0x00000010: "NEGOTIATE_SIGN", 0x00000020: "NEGOTIATE_SEAL", 0x00000040: "NEGOTIATE_DATAGRAM",
    0x00000080: "NEGOTIATE_LM_KEY", 0x00000200: "NEGOTIATE_NTLM", 0x00000800: "ANONYMOUS",
    0x00001000: "NEGOTIATE_OEM_DOMAIN_SUPPLIED", 0x00002000: "NEGOTIATE_OEM_WORKSTATION_SUPPLIED",
    0x00008000: "NEGOTIATE_ALWAYS_SIGN", 0x00010000: "TARGET_TYPE_DOMAIN", 0x00020000: "TARGET_TYPE_SERVER",
    0x00080000: "NEGOTIATE_EXTENDED_SESSIONSECURITY", 0x00100000: "NEGOTIATE_IDENTIFY",
    0x00400000: "REQUEST_NON_NT_SESSION_KEY", 0x00800000: "NEGOTIATE_TARGET_INFO",
    0x02000000: "NEGOTIATE_VERSION", 0x20000000: "NEGOTIATE_128", 0x40000000: "NEGOTIATE_KEY_EXCH",
    0x80000000: "NEGOTIATE_56",
}
#: AV_PAIR ids (MS-NLMP 2.2.2.1).
AV_IDS = {
    0: "MsvAvEOL", 1: "MsvAvNbComputerName", 2: "MsvAvNbDomainName", 3: "MsvAvDnsComputerName",
    4: "MsvAvDnsDomainName", 5: "MsvAvDnsTreeName", 6: "MsvAvFlags", 7: "MsvAvTimestamp",
    8: "MsvAvSingleHost", 9: "MsvAvTargetName", 10: "MsvAvChannelBindings",
}
_AV_FLAGS = {1: "ACCOUNT_AUTHENTICATION_CONSTRAINED", 2: "MIC_PRESENT", 4: "SPN_FROM_UNTRUSTED_SOURCE"}
_TYPES = {1: "NEGOTIATE_MESSAGE", 2: "CHALLENGE_MESSAGE", 3: "AUTHENTICATE_MESSAGE"}


def flag_names(flags: int) -> str:
    """``0xE2888235 = NEGOTIATE_56 | ...``; unknown bits shown as r0x..."""
    names = [FLAGS.get(1 << i, f"r0x{1 << i:08X}") for i in range(31, -1, -1) if flags & (1 << i)]
    return f"0x{flags:08X}" + (f" = {' | '.join(names)}" if names else "")


def _u32(data: bytes, off: int, what: str) -> int:
    if off + 4 > len(data):
        raise DecodeError(f"{what} needs 4 bytes, {max(0, len(data) - off)} left", off, WHAT)
    return int(struct.unpack_from("<I", data, off)[0])


def _field(data: bytes, off: int, what: str) -> tuple[bytes, int, int]:
    """A (Len, MaxLen, Offset) field and the payload it points at."""
    if off + 8 > len(data):
        raise DecodeError(f"{what} fields need 8 bytes, {max(0, len(data) - off)} left", off, WHAT)
    length, _max, where = struct.unpack_from("<HHI", data, off)
    if length and where + length > len(data):
        raise DecodeError(f"{what} ({length} bytes at offset {where}) runs past the end of the "
                          f"{len(data)}-byte message", off, WHAT)
    return (data[where:where + length] if length else b""), length, where


def _text(raw: bytes, unicode: bool) -> str:
    if unicode:
        return repr(raw.decode("utf-16-le", errors="replace"))
    return repr(raw.decode("latin-1"))


def _version(node: Node, data: bytes, off: int) -> None:
    if off + 8 > len(data):
        raise DecodeError("VERSION needs 8 bytes", off, WHAT)
    major, minor, build = struct.unpack_from("<BBH", data, off)
    node.add("Version", f"{major}.{minor}.{build} (NTLM revision {data[off + 7]})", off)


def _payload_start(data: bytes, offsets: list[tuple[int, int]]) -> int:
    """Where the payload begins: the lowest offset of a non-empty field."""
    starts = [where for length, where in offsets if length]
    return min(starts) if starts else len(data)


def av_pairs(raw: bytes, base: int, parent: Node, title: str = "TargetInfo") -> None:
    """Decode an AV_PAIR list into *parent*."""
    node = parent.add(title, f"{len(raw)} bytes", base)
    pos = 0
    while True:
        if pos + 4 > len(raw):
            raise DecodeError("AV_PAIR list ends without MsvAvEOL", base + pos, WHAT)
        av_id, length = struct.unpack_from("<HH", raw, pos)
        value = raw[pos + 4:pos + 4 + length]
        if len(value) != length:
            raise DecodeError(f"AV_PAIR {AV_IDS.get(av_id, av_id)} claims {length} bytes, "
                              f"{len(raw) - pos - 4} left", base + pos, WHAT)
        name = AV_IDS.get(av_id, f"AvId {av_id}")
        if av_id == 0:
            node.add(name, None, base + pos)
            return
        if av_id in (1, 2, 3, 4, 5, 9):
            shown = _text(value, True)
        elif av_id == 6 and length == 4:
            bits = struct.unpack("<I", value)[0]
            shown = f"0x{bits:08X}" + "".join(f" {n}" for b, n in _AV_FLAGS.items() if bits & b)
        elif av_id == 7 and length == 8:
            shown = filetime_text(struct.unpack("<Q", value)[0])
        elif av_id == 8 and length >= 48:
            shown = f"Size={struct.unpack_from('<I', value)[0]} CustomData={value[8:16].hex()} " \
                    f"MachineID={value[16:48].hex()}"
        else:
            shown = hexstr(value)
        node.add(name, shown, base + pos)
        pos += 4 + length


def decode_ntlm(data: bytes, offset: int = 0) -> Node:
    """Decode one NTLM message (raises :class:`DecodeError`)."""
    if not data.startswith(SIGNATURE):
        raise DecodeError("no NTLMSSP signature", offset, WHAT)
    mtype = _u32(data, 8, "MessageType")
    root = Node(f"NTLM {_TYPES.get(mtype, f'message type {mtype}')}", f"{len(data)} bytes", [], offset)
    root.add("Signature", "NTLMSSP", 0)
    root.add("MessageType", mtype, 8)
    if mtype == 1:
        flags = _u32(data, 12, "NegotiateFlags")
        root.add("NegotiateFlags", flag_names(flags), 12)
        dom, dl, do = _field(data, 16, "DomainName")
        ws, wl, wo = _field(data, 24, "Workstation")
        root.add("DomainName", _text(dom, False), 16)
        root.add("Workstation", _text(ws, False), 24)
        if _payload_start(data, [(dl, do), (wl, wo)]) >= 40 and len(data) >= 40:
            _version(root, data, 32)
    elif mtype == 2:
        name, nl, no = _field(data, 12, "TargetName")
        flags = _u32(data, 20, "NegotiateFlags")
        unicode = bool(flags & 1)
        root.add("TargetName", _text(name, unicode), 12)
        root.add("NegotiateFlags", flag_names(flags), 20)
        if len(data) < 32:
            raise DecodeError("ServerChallenge needs 8 bytes", 24, WHAT)
        root.add("ServerChallenge", data[24:32].hex(), 24)
        if len(data) >= 48:
            info, il, io = _field(data, 40, "TargetInfo")
            if il:
                av_pairs(info, io, root)
            if _payload_start(data, [(nl, no), (il, io)]) >= 56 and len(data) >= 56:
                _version(root, data, 48)
    elif mtype == 3:
        _authenticate(data, root)
    else:
        raise DecodeError(f"unknown NTLM message type {mtype}", 8, WHAT)
    return root


def _authenticate(data: bytes, root: Node) -> None:
    flags = _u32(data, 60, "NegotiateFlags")
    unicode = bool(flags & 1)
    lm, ll, lo = _field(data, 12, "LmChallengeResponse")
    nt, ntl, nto = _field(data, 20, "NtChallengeResponse")
    dom, dl, do = _field(data, 28, "DomainName")
    user, ul, uo = _field(data, 36, "UserName")
    ws, wl, wo = _field(data, 44, "Workstation")
    key, kl, ko = _field(data, 52, "EncryptedRandomSessionKey")
    root.add("NegotiateFlags", flag_names(flags), 60)
    root.add("DomainName", _text(dom, unicode), 28)
    root.add("UserName", _text(user, unicode), 36)
    root.add("Workstation", _text(ws, unicode), 44)
    root.add("LmChallengeResponse", hexstr(lm) if ll else "(empty)", 12)
    ntnode = root.add("NtChallengeResponse", f"{ntl} bytes" if ntl else "(empty)", 20)
    if ntl > 24:
        ntnode.value = f"NTLMv2, {ntl} bytes"
        ntnode.add("NTProofStr", nt[:16].hex(), nto)
        blob = nt[16:]
        if len(blob) < 28:
            raise DecodeError("NTLMv2 client blob shorter than 28 bytes", nto + 16, WHAT)
        ntnode.add("RespType", f"{blob[0]} / HiRespType {blob[1]}", nto + 16)
        ntnode.add("TimeStamp", filetime_text(struct.unpack_from("<Q", blob, 8)[0]), nto + 24)
        ntnode.add("ChallengeFromClient", blob[16:24].hex(), nto + 32)
        av_pairs(blob[28:], nto + 44, ntnode, "AvPairs")
    elif ntl == 24:
        ntnode.value = "NTLMv1 (24 bytes): " + nt.hex()
    elif ntl:
        ntnode.value = hexstr(nt)
    root.add("EncryptedRandomSessionKey", key.hex() if kl else "(empty)", 52)
    start = _payload_start(data, [(ll, lo), (ntl, nto), (dl, do), (ul, uo), (wl, wo), (kl, ko)])
    if start >= 72 and len(data) >= 72:
        _version(root, data, 64)
    if start >= 88 and len(data) >= 88:
        root.add("MIC", data[72:88].hex(), 72)
