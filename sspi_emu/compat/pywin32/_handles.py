"""``PyCredHandle`` and ``PyCtxtHandle``: pywin32's handle objects and their methods, on the C-shaped API."""

from __future__ import annotations

from ... import api
from ... import constants as C
from ...handles import ULONG, Box, CredHandle, CtxtHandle, SecHandle
from ._attributes import convert_context_attribute
from ._buffers import as_desc
from ._convert import as_long, check_ok, raise_api, signed
from .pywintypes import HANDLE

__all__ = ["PyCredHandle", "PyCtxtHandle", "as_ctxt", "as_cred", "handle_value"]


def handle_value(h: SecHandle) -> int:
    """The 16-byte SecHandle as an unsigned little-endian int, or -1 when invalid (``Detach``)."""
    if not h.is_set:
        return -1
    return (h.dwLower & 0xFFFFFFFFFFFFFFFF) | ((h.dwUpper & 0xFFFFFFFFFFFFFFFF) << 64)


class PyCredHandle:
    """``win32security.PyCredHandleType()``: a credentials handle (invalid until AcquireCredentialsHandle)."""

    __slots__ = ("_h", "__weakref__")

    def __init__(self) -> None:
        self._h = CredHandle()

    def Detach(self) -> int:
        """Return the handle as an int and stop owning it (it is no longer freed on GC)."""
        value = handle_value(self._h)
        self._h = CredHandle()
        return value

    def FreeCredentialsHandle(self) -> None:
        """Release the credentials; the handle becomes invalid."""
        check_ok(api.FreeCredentialsHandle(self._h), "FreeCredentialsHandle")
        self._h = CredHandle()

    def QueryCredentialsAttributes(self, Attribute: int) -> str:
        """Only SECPKG_CRED_ATTR_NAMES is mapped (the user name); other ids raise NotImplementedError after the call."""
        attr = as_long(Attribute, "Attribute")
        box = Box()
        check_ok(api.QueryCredentialsAttributes(self._h, attr, box), "QueryCredentialsAttributes")
        if attr != C.SECPKG_CRED_ATTR_NAMES:
            raise NotImplementedError("Attribute is not supported yet")
        return str(getattr(box.value, "sUserName", ""))

    def __del__(self) -> None:
        try:
            if self._h.is_set:
                api.FreeCredentialsHandle(self._h)
        except Exception:  # noqa: BLE001, S110 - collection at interpreter exit
            pass


class PyCtxtHandle:
    """``win32security.PyCtxtHandleType()``: a context handle, filled through ``NewContext`` by ISC/ASC."""

    __slots__ = ("_h", "_impersonating", "__weakref__")

    def __init__(self) -> None:
        self._h = CtxtHandle()
        self._impersonating = False

    # -- message functions ---------------------------------------------------------------

    def MakeSignature(self, fqop: int, Message: object, MessageSeqNo: int) -> None:
        """Sign; raises if the status is negative; copies the buffers back on success."""
        qop = as_long(fqop, "fqop")
        desc = as_desc(Message, False)
        seq = as_long(MessageSeqNo, "MessageSeqNo")
        assert desc is not None
        core = desc._to_core()
        status = api.MakeSignature(self._h, qop, core, seq)
        if signed(status) < 0:
            raise_api(status, "MakeSignature")
        desc._copy_back(core)

    def VerifySignature(self, Message: object, MessageSeqNo: int) -> int:
        """Verify; returns the (signed) qop; raises unless SEC_E_OK; never copies the buffers back."""
        desc = as_desc(Message, False)
        seq = as_long(MessageSeqNo, "MessageSeqNo")
        assert desc is not None
        qop = ULONG()
        status = api.VerifySignature(self._h, desc._to_core(), seq, qop)
        if status != 0:
            raise_api(status, "VerifySignature")
        return signed(qop.value if isinstance(qop.value, int) else 0)

    def EncryptMessage(self, fqop: int, Message: object, MessageSeqNo: int) -> None:
        """Encrypt in place; raises if the status is negative; copies the buffers back on success."""
        qop = as_long(fqop, "fqop")
        desc = as_desc(Message, False)
        seq = as_long(MessageSeqNo, "MessageSeqNo")
        assert desc is not None
        core = desc._to_core()
        status = api.EncryptMessage(self._h, qop, core, seq)
        if signed(status) < 0:
            raise_api(status, "EncryptMessage")
        desc._copy_back(core)

    def DecryptMessage(self, Message: object, MessageSeqNo: int) -> int:
        """Decrypt; copies the buffers back first, then raises unless SEC_E_OK; returns the signed qop."""
        desc = as_desc(Message, False)
        seq = as_long(MessageSeqNo, "MessageSeqNo")
        assert desc is not None
        core = desc._to_core()
        qop = ULONG()
        status = api.DecryptMessage(self._h, core, seq, qop)
        desc._copy_back(core)
        if status != 0:
            raise_api(status, "DecryptMessage")
        return signed(qop.value if isinstance(qop.value, int) else 0)

    # -- context management ----------------------------------------------------------------

    def CompleteAuthToken(self, Token: object) -> None:
        """Complete the token after SEC_I_COMPLETE_NEEDED / COMPLETE_AND_CONTINUE; raises unless OK."""
        desc = as_desc(Token, False)
        assert desc is not None
        check_ok(api.CompleteAuthToken(self._h, desc._to_core()), "CompleteAuthToken")

    def QueryContextAttributes(self, Attribute: int) -> object:
        """The attribute in pywin32's Python shape; NotImplementedError (after the call) for unmapped ids."""
        attr = as_long(Attribute, "Attribute")
        box = Box()
        check_ok(api.QueryContextAttributes(self._h, attr, box), "QueryContextAttributes")
        return convert_context_attribute(attr, box.value)

    def DeleteSecurityContext(self) -> None:
        """Delete the context; the handle becomes invalid."""
        check_ok(api.DeleteSecurityContext(self._h), "DeleteSecurityContext")
        self._h = CtxtHandle()

    def Detach(self) -> int:
        """Return the handle as an int and stop owning it."""
        value = handle_value(self._h)
        self._h = CtxtHandle()
        return value

    def _require_live(self, funcname: str) -> None:
        status = api.QueryContextAttributes(self._h, C.SECPKG_ATTR_FLAGS, Box())
        if status == C.SEC_E_INVALID_HANDLE:
            raise_api(status, funcname)

    def QuerySecurityContextToken(self) -> HANDLE:
        """An access-token stand-in (no OS object): a HANDLE whose value identifies the context."""
        self._require_live("QuerySecurityContextToken")
        return HANDLE(self._h.dwLower)

    def ImpersonateSecurityContext(self) -> None:
        """Emulated impersonation: checks the handle and records the state; the process identity is unchanged."""
        self._require_live("ImpersonateSecurityContext")
        self._impersonating = True

    def RevertSecurityContext(self) -> None:
        """End emulated impersonation."""
        self._require_live("RevertSecurityContext")
        self._impersonating = False

    # -- extension (not in pywin32) -----------------------------------------------------------

    def ApplyControlToken(self, Input: object) -> None:
        """sspi-emu extension: ``ApplyControlToken`` (e.g. Schannel's SCHANNEL_SHUTDOWN); raises unless OK."""
        desc = as_desc(Input, False)
        assert desc is not None
        check_ok(api.ApplyControlToken(self._h, desc._to_core()), "ApplyControlToken")

    def __del__(self) -> None:
        try:
            if self._h.is_set:
                api.DeleteSecurityContext(self._h)
        except Exception:  # noqa: BLE001, S110 - collection at interpreter exit
            pass


def as_cred(value: object) -> PyCredHandle:
    """Check a credentials-handle argument (None refused)."""
    if value is None:
        raise ValueError("Credentials handle cannot be NULL")
    if not isinstance(value, PyCredHandle):
        raise TypeError("Object must be a PyCredHandle")
    return value


def as_ctxt(value: object, none_ok: bool) -> PyCtxtHandle | None:
    """Check a context-handle argument."""
    if value is None:
        if none_ok:
            return None
        raise ValueError("Context handle cannot be NULL")
    if not isinstance(value, PyCtxtHandle):
        raise TypeError("Object must be a PyCtxtHandle")
    return value
