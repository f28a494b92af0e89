"""Helpers for the vector tests: record a built-in demo exchange into a vector file."""

from __future__ import annotations

from pathlib import Path

from sspi_emu import registry, vectors
from sspi_emu.cli import demo_profiles, run_demo


def record_demo(path: Path, package: str, profile: int = 0, include_secrets: bool = True) -> vectors.Vector:
    """Run the package's demo exchange under :func:`sspi_emu.vectors.recording` and return the vector."""
    pkg = registry.find(package)
    assert pkg is not None, package
    with vectors.recording(path, include_secrets=include_secrets) as rec:
        run_demo(pkg, demo_profiles(pkg)[profile], lambda line: None)
    (vector,) = rec.vectors()
    return vector
