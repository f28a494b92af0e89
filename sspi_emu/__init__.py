"""sspi-emu: the Windows Security Support Provider Interface, in pure Python.

Three layers:

* C-shaped (:mod:`sspi_emu.api`, re-exported here): ``AcquireCredentialsHandle``,
  ``InitializeSecurityContext``, ``AcceptSecurityContext``, ... returning a
  :class:`SecurityStatus`, never raising on bad input.
* Pythonic: :class:`ClientContext`, :class:`ServerContext`, :class:`Credential`,
  raising :class:`SspiError`.
* Compat shims (:mod:`sspi_emu.compat`): pywin32's and sspilib's surfaces, opt-in.
"""

from __future__ import annotations

from .api import *  # noqa: F403
from .api import __all__ as _api_all
from .attributes import *  # noqa: F403
from .constants import *  # noqa: F403
from .constants import __all__ as _constants_all
from .context import ClientContext, Credential, ServerContext
from .errors import SspiError
from .schannel_credentials import (
    CRYPTO_SETTINGS,
    SCH_CREDENTIALS,
    SCHANNEL_CRED,
    TLS_PARAMETERS,
    CertContext,
    TlsEngineSettings,
)

__version__ = "0.1.0"

__all__ = [
    *_api_all,
    *_constants_all,
    "CRYPTO_SETTINGS",
    "CertContext",
    "ClientContext",
    "Credential",
    "SCHANNEL_CRED",
    "SCH_CREDENTIALS",
    "ServerContext",
    "SspiError",
    "TLS_PARAMETERS",
    "TlsEngineSettings",
    "__version__",
]
