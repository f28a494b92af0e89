"""A sans-I/O TLS 1.3 / 1.2 engine on ``cryptography`` primitives (used by the Schannel package)."""
