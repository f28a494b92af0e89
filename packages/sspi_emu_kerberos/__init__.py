"""Kerberos security package for sspi-emu (RFC 4120 / 4121 / 3961 / 3962 / 8009)."""
