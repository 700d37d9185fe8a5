"""The library never imports Prefect: only flows/ and tasks/ (and the CLI, lazily) may."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import joblens

ROOT = Path(joblens.__file__).parent


def _modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages([str(ROOT)], prefix="joblens.")]
    return sorted(n for n in names if n != "joblens.cli")


def test_every_library_module_imports_without_prefect() -> None:
    mods = _modules()
    assert "joblens.lake" in mods and "joblens.schemas" in mods
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')]\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_library_source_mentions_a_prefect_import() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if p.name != "cli.py"
        and any(
            line.lstrip().startswith(("import prefect", "from prefect"))
            for line in p.read_text().splitlines()
        )
    ]
    assert offenders == []
