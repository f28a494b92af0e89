"""sspi-emu ntlm package (work in progress)."""
