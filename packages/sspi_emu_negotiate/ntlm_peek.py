"""Reads the one fact Negotiate needs from an NTLM AUTHENTICATE message: does it carry a MIC.

MS-SPNG: an acceptor that receives an NTLM AUTHENTICATE_MESSAGE whose MsvAvFlags has the
"MIC present" bit (0x2) requires the SPNEGO mechListMIC, so a MIC cannot be stripped to
downgrade the exchange. Negotiate passes NTLM tokens through unchanged; this module only looks.
"""

from __future__ import annotations

import struct

NTLMSSP_SIGNATURE = b"NTLMSSP\x00"
_AUTHENTICATE = 3
_MSV_AV_EOL = 0
_MSV_AV_FLAGS = 6
_MIC_PRESENT = 0x2
#: NTProofStr(16) + RespType, HiRespType, Reserved1(2), Reserved2(4), TimeStamp(8), ChallengeFromClient(8), Reserved3(4)
_NTLMV2_AV_OFFSET = 16 + 28
_U32 = struct.Struct("<I")
_FIELD = struct.Struct("<HHI")  # a security buffer: length, max length, offset
_AV_HEADER = struct.Struct("<HH")  # AvId, AvLen


def is_ntlm(token: bytes) -> bool:
    """True when *token* is a raw NTLMSSP message."""
    return token[:8] == NTLMSSP_SIGNATURE


def authenticate_has_mic(token: bytes) -> bool:
    """True when *token* is an NTLMv2 AUTHENTICATE message announcing a MIC (MsvAvFlags bit 0x2).

    Anything malformed reads as False: NTLM itself decides whether the message is valid.
    """
    if len(token) < 28 or not is_ntlm(token):
        return False
    (msg_type,) = _U32.unpack_from(token, 8)
    if msg_type != _AUTHENTICATE:
        return False
    nt_len, _, nt_off = _FIELD.unpack_from(token, 20)
    if nt_len <= 24 or nt_off + nt_len > len(token):
        return False
    # The AV pairs, read in place: from the NTLMv2 response's fixed part to the end of the response.
    pos, end = nt_off + _NTLMV2_AV_OFFSET, nt_off + nt_len
    header = _AV_HEADER.unpack_from
    while pos + 4 <= end:
        av_id, av_len = header(token, pos)
        pos += 4
        if av_id == _MSV_AV_EOL or pos + av_len > end:
            return False
        if av_id == _MSV_AV_FLAGS and av_len >= 4:
            return bool(_U32.unpack_from(token, pos)[0] & _MIC_PRESENT)
        pos += av_len
    return False
