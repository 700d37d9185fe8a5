"""Headless Chromium for the tests that look at what a person sees."""

from __future__ import annotations

import subprocess


def headless(chromium: str, *args: str, timeout: float = 120) -> str:
    """Run headless chromium with the flags a sandboxed CI needs; return its stdout."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    out = subprocess.run(
        [chromium, *flags, *args], capture_output=True, text=True, timeout=timeout, check=True
    )
    return out.stdout
