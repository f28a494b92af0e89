"""sspi-emu digest package (work in progress)."""
