"""What every Digest context shares: request inputs from the buffers, flags, names and attributes.

Input-buffer convention (HTTP). Besides the SECBUFFER_TOKEN, ISC and ASC read the
SECBUFFER_PKG_PARAMS buffers in order, as Windows' Digest SSP does for ASC:

====  ==========================  =====================================================
#     content                     notes
====  ==========================  =====================================================
0     HTTP method ("GET", ...)    US-ASCII; "GET" when absent
1     request URI                 ASC: checked against the ``uri`` directive when given
                                  (Windows: reserved). ISC: used when no target name.
2     entity body (raw bytes)     needed for qop=auth-int (Windows passes hex H(entity);
                                  raw bytes are taken here because the hash depends on
                                  the algorithm the challenge picks)
3     realm                       ASC only: overrides the credential's realm
====  ==========================  =====================================================

A SECBUFFER_DATA buffer, when present, is taken as the entity body instead of #2.
Trailing NULs of text buffers are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sspi_emu import entropy
from sspi_emu.attributes import (
    SecPkgContext_Authority,
    SecPkgContext_Flags,
    SecPkgContext_KeyInfo,
    SecPkgContext_Lifespan,
    SecPkgContext_Names,
    SecPkgContext_NativeNames,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
    SecPkgInfo,
)
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import (
    SECBUFFER_DATA,
    SECBUFFER_PKG_PARAMS,
    SECBUFFER_TOKEN,
    SECPKG_ATTR_AUTHORITY,
    SECPKG_ATTR_FLAGS,
    SECPKG_ATTR_KEY_INFO,
    SECPKG_ATTR_LIFESPAN,
    SECPKG_ATTR_NAMES,
    SECPKG_ATTR_NATIVE_NAMES,
    SECPKG_ATTR_PACKAGE_INFO,
    SECPKG_ATTR_SESSION_KEY,
    SECPKG_ATTR_SIZES,
    TIMESTAMP_NEVER,
    SecurityStatus,
)
from sspi_emu.errors import SspiError
from sspi_emu.spi import PackageContext

from .credentials import DigestCredential
from .params import MAX_TEXT, ParseError, decode_text

__all__ = ["DigestContextBase", "RequestParams", "request_params", "token_text", "invalid", "logon_failure"]


@dataclass(slots=True)
class RequestParams:
    """The HTTP request parts a leg was given."""

    method: str = "GET"
    uri: str | None = None
    body: bytes | None = None
    realm: str | None = None


_TEXT_CACHE_SIZE = 256
#: Method and URI buffers already decoded (the same few repeat on every leg of a server).
_texts: dict[bytes, str | None] = {}


def _ascii_text(value: bytes) -> str | None:
    """A text buffer's value (US-ASCII, trailing NULs ignored; None when empty); UnicodeDecodeError otherwise."""
    text = _texts.get(value)
    if text is None:
        text = value.rstrip(b"\x00").decode("ascii") or None
        if len(value) <= 2048:
            if len(_texts) >= _TEXT_CACHE_SIZE:
                _texts.clear()
            _texts[value] = text
    return text


def request_params(buffers: Sequence[tuple[int, bytes]]) -> RequestParams:
    """Read method / URI / body / realm from (type, bytes) pairs (see the module docstring)."""
    if not buffers:
        return RequestParams()
    try:  # text buffers: US-ASCII, trailing NULs ignored
        if len(buffers) == 2:  # the usual HTTP leg: method and URI
            (kind, method_b), (kind2, uri_b) = buffers
            if kind == SECBUFFER_PKG_PARAMS and kind2 == SECBUFFER_PKG_PARAMS:
                get = _texts.get  # _ascii_text's cache, read here first (every leg)
                return RequestParams(get(method_b) or _ascii_text(method_b) or "GET", get(uri_b) or _ascii_text(uri_b))
        params: list[bytes] = []
        data: bytes | None = None
        for kind, value in buffers:
            if kind == SECBUFFER_PKG_PARAMS:
                params.append(value)
            elif kind == SECBUFFER_DATA and data is None:
                data = value
        n = len(params)
        method = (n > 0 and params[0] and _ascii_text(params[0])) or "GET"
        uri = _ascii_text(params[1]) if n > 1 and params[1] else None
        realm = _ascii_text(params[3]) if n > 3 and params[3] else None
    except UnicodeDecodeError as exc:
        raise SspiError(SecurityStatus.SEC_E_INVALID_PARAMETER, "method, URI and realm must be US-ASCII") from exc
    if data is None and n > 2:
        data = params[2]
    return RequestParams(method, uri, data, realm)


def buffer_pairs(buffers: list[SecBuffer]) -> list[tuple[int, bytes]]:
    """(base type, bytes) pairs for the buffers of a CompleteAuthToken call."""
    return [(b.base_type, b.tobytes()) for b in buffers if b.base_type != SECBUFFER_TOKEN]


def token_text(token: bytes) -> str:
    """An input token as text (UTF-8, else ISO-8859-1); SEC_E_INVALID_TOKEN when it is too long."""
    if len(token) > MAX_TEXT:
        raise invalid(f"token longer than {MAX_TEXT} bytes")
    try:  # decode_text, inline (every leg)
        return token.decode("utf-8")
    except UnicodeDecodeError:
        return decode_text(token)


def invalid(why: str) -> SspiError:
    """SEC_E_INVALID_TOKEN with a reason."""
    return SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, why)


def parse_error(exc: ParseError) -> SspiError:
    """A parser complaint as SEC_E_INVALID_TOKEN."""
    return invalid(str(exc))


def logon_failure(why: str) -> SspiError:
    """The documented error for AcceptSecurityContext after the context is established.

    Windows documents STATUS_LOGON_FAILURE (0xC000006D); when the core status enum lacks
    it, SEC_E_LOGON_DENIED (its SSPI translation) is used.
    """
    status = getattr(SecurityStatus, "STATUS_LOGON_FAILURE", SecurityStatus.SEC_E_LOGON_DENIED)
    return SspiError(status, why)


def write_token(buffers: list[SecBuffer], token: bytes) -> SecurityStatus:
    """Write *token* into the first TOKEN buffer of a CompleteAuthToken call."""
    for b in buffers:
        if b.base_type == SECBUFFER_TOKEN:
            if b.capacity < len(token):
                return SecurityStatus.SEC_E_BUFFER_TOO_SMALL
            b.write(token)
            return SecurityStatus.SEC_E_OK
    return SecurityStatus.SEC_E_OK


class DigestContextBase(PackageContext):
    """Attributes common to the four Digest contexts."""

    package_info: SecPkgInfo = SecPkgInfo()
    # Starting values, shared until a context sets its own (immutable, so sharing is safe).
    flags: int = 0
    user_name: str = ""
    server_name: str = ""
    realm: str = ""
    established: bool = False
    #: When the context was established (Unix seconds; 0.0 before).
    established_at: float = 0.0

    def __init__(self, cred: DigestCredential, req: int) -> None:
        self.cred = cred
        self.req = req

    def _established(self) -> None:
        self.established = True
        self.established_at = entropy.now()

    @property
    def start_time(self) -> int:
        """The FILETIME the context was established (0 before)."""
        return entropy.unix_to_filetime(self.established_at) if self.established else 0

    def export(self) -> bytes:
        """ExportSecurityContext (see :mod:`.exported`)."""
        from .exported import export_context  # the module imports every context class

        return export_context(self)

    def sizes(self) -> SecPkgContext_Sizes:
        """SECPKG_ATTR_SIZES."""
        return SecPkgContext_Sizes(cbMaxToken=self.package_info.cbMaxToken)

    def key_info(self) -> SecPkgContext_KeyInfo:
        """SECPKG_ATTR_KEY_INFO."""
        raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "no keys in this context")

    def session_key(self) -> bytes:
        """SECPKG_ATTR_SESSION_KEY."""
        raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "no session key in this context")

    def query(self, attribute: int) -> object:
        if attribute == SECPKG_ATTR_SIZES:
            return self.sizes()
        if attribute == SECPKG_ATTR_NAMES:
            return SecPkgContext_Names(self.user_name)
        if attribute == SECPKG_ATTR_NATIVE_NAMES:
            return SecPkgContext_NativeNames(self.user_name, self.server_name)
        if attribute == SECPKG_ATTR_LIFESPAN:
            return SecPkgContext_Lifespan(self.start_time, TIMESTAMP_NEVER)
        if attribute == SECPKG_ATTR_FLAGS:
            return SecPkgContext_Flags(self.flags)
        if attribute == SECPKG_ATTR_PACKAGE_INFO:
            return SecPkgContext_PackageInfo(self.package_info)
        if attribute == SECPKG_ATTR_AUTHORITY:
            return SecPkgContext_Authority(self.realm)
        if attribute == SECPKG_ATTR_KEY_INFO:
            return self.key_info()
        if attribute == SECPKG_ATTR_SESSION_KEY:
            return SecPkgContext_SessionKey(self.session_key())
        return super().query(attribute)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} established={self.established}>"
