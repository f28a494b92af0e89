"""sspi-emu schannel package (work in progress)."""
