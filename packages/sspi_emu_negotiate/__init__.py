"""sspi-emu negotiate package (work in progress)."""
