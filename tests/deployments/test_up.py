"""`make up` / `make down` against a real Prefect server on a free loopback port: the five
deployments exist, a fresh shell runs `pipeline/demo` with nothing exported, the cron
schedules create runs, a second `up` starts no second worker, `down` leaves no process."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser import headless

pytestmark = [pytest.mark.integration, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
    )


def _group_members(pgid: int) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(proc.name))
    return out


def _screenshot(chromium: str, url: str, png: Path, *, wait_ms: int = 0) -> None:
    args = ["--window-size=1280,2200", f"--screenshot={png}"]
    if wait_ms:
        args.append(f"--virtual-time-budget={wait_ms}")
    headless(chromium, *args, url)
    assert png.stat().st_size > 20_000, f"{png} looks blank"
    if os.environ.get("UPDATE_SCREENSHOTS"):  # refresh the README's pictures
        shutil.copy(png, ROOT / "docs" / png.name)


def test_make_up_serves_the_deployments_and_make_down_stops_them(
    tmp_path: Path, chromium: str
) -> None:
    port = _free_port()
    env = {
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": os.environ["PATH"],
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_API_PORT": str(port),
        # What the worker's flows see: a private lake, the hashing embedder (fast).
        "JOBLENS_LAKE__ROOT": str(tmp_path / "lake"),
        "JOBLENS_EMBED__DEVICE": "none",
    }
    run_dir = ROOT / "deployments" / ".run" / str(port)

    def sh(*cmd: str, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd, cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, timeout=timeout
        )

    try:
        t0 = time.monotonic()
        up = sh("make", "up")
        assert up.returncode == 0, up.stdout + up.stderr
        up_seconds = time.monotonic() - t0
        worker = int((run_dir / "worker.pid").read_text())
        server = int((run_dir / "server.pid").read_text())

        listed = sh(".venv/bin/prefect", "deployment", "ls")
        for name in (
            "ingest-jobs/hourly",
            "ingest-jobs/live",
            "ingest-candidates/on-demand",
            "score/nightly",
            "analyze/after-scoring",
            "rebuild-jobs/rebuild",
            "pipeline/demo",
        ):
            assert name in listed.stdout, listed.stdout

        # A fresh shell: only PREFECT_HOME (where `make up` made its profile active).
        shell = {"HOME": env["HOME"], "PATH": "/usr/bin:/bin", "PREFECT_HOME": env["PREFECT_HOME"]}
        t1 = time.monotonic()
        demo = subprocess.run(
            [".venv/bin/prefect", "deployment", "run", "pipeline/demo", "--watch"],
            cwd=ROOT,
            env=shell,
            capture_output=True,
            text=True,
            timeout=400,
        )
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
        took = time.monotonic() - t1
        print(f"make up: {up_seconds:.1f} s; pipeline/demo to Completed: {took:.1f} s")
        assert (tmp_path / "lake" / "joblens.duckdb").exists()

        # What a person sees: the run's HTML report and its Prefect flow run page.
        reports = sorted((tmp_path / "lake" / "gold" / "reports").glob("*.html"))
        assert len(reports) == 1
        _screenshot(chromium, reports[0].as_uri(), tmp_path / "report.png")
        flow_run = re.search(r"UUID: ([0-9a-f-]{36})", demo.stdout)
        assert flow_run, demo.stdout[-2000:]
        page = f"http://127.0.0.1:{port}/runs/flow-run/{flow_run.group(1)}"
        _screenshot(chromium, page, tmp_path / "flow-run.png", wait_ms=20_000)
        dom = headless(chromium, "--virtual-time-budget=20000", "--dump-dom", page)
        assert "pipeline" in dom and "Completed" in dom, dom[-2000:]

        runs = sh(
            ".venv/bin/prefect",
            "flow-run",
            "ls",
            "--state",
            "SCHEDULED",
            "--limit",
            "50",
            COLUMNS="250",
        )
        assert "ingest-jobs" in runs.stdout and "score" in runs.stdout, runs.stdout

        again = sh("make", "up")
        assert again.returncode == 0 and "worker: already running" in again.stdout, again.stdout
        assert int((run_dir / "worker.pid").read_text()) == worker

        # One SIGTERM to the worker (not its group) stops it and its children promptly.
        t2 = time.monotonic()
        os.kill(worker, signal.SIGTERM)
        while (_alive(worker) or _group_members(worker)) and time.monotonic() - t2 < 30:
            time.sleep(0.2)
        assert not _group_members(worker), "the worker ignored its first SIGTERM"
        print(f"worker stopped {time.monotonic() - t2:.1f} s after one SIGTERM")
    finally:
        # Without the port, as a person would type it: it stops what this checkout started.
        down = sh("make", "down", timeout=120, PREFECT_SERVER_API_PORT="")
    assert down.returncode == 0, down.stdout + down.stderr
    time.sleep(1)
    for pid in (worker, server):
        assert not _alive(pid), f"pid {pid} is still alive after make down"
        assert _group_members(pid) == [], f"process group {pid} still has members"
