"""pywin32's SSPI surface (``win32security``, ``sspi``, ``sspicon``, ``pywintypes``, ``win32api``) on sspi-emu.

Nothing here is importable under pywin32's own names until :func:`sspi_emu.compat.install`
(``install("pywin32")``) or the ``python -m sspi_emu.compat.run`` runner is used; the alias
table is :data:`sspi_emu.compat.SHIMS`.
"""
