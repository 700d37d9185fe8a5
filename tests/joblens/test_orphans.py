"""A `joblens run` command killed mid-flow leaves no temporary Prefect server behind: on
SIGTERM the flow runs end Crashed and the registry says failed; on SIGKILL the watchdog
stops the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from joblens import synth
from joblens.lake import Lake

pytestmark = [pytest.mark.integration, pytest.mark.server]


def _servers(prefect_home: Path) -> list[psutil.Process]:
    """Live temporary Prefect servers started under `prefect_home`."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "prefect.server.api.server" not in " ".join(proc.info["cmdline"] or []):
                continue
            if proc.environ().get("PREFECT_HOME") == str(prefect_home):
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    synth.generate(out, jobs=1500, candidates=10, seed=41)
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_command_leaves_no_server(world: Path, tmp_path: Path, sig: int) -> None:
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        JOBLENS_EMBED__DEVICE="none",
    )
    joblens = Path(sys.executable).parent / "joblens"
    log = tmp_path / "out.log"
    lake = tmp_path / "lake"
    with log.open("w") as out:
        command = subprocess.Popen(
            [str(joblens), "run", "pipeline", "--world", str(world), "--lake", str(lake)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 180
        while "Beginning subflow run" not in log.read_text() and time.monotonic() < deadline:
            assert command.poll() is None, log.read_text()[-2000:]
            time.sleep(0.5)
        assert _servers(home), "the command's temporary server is running"
        # Not in the first instant of a task run: Prefect 3.8's task engine, signalled while
        # it creates the run, reads the state it has not set yet and logs "ValueError: Task
        # run is not set" over the crash (seen once in four loaded `make test` runs).
        time.sleep(2)
        command.send_signal(sig)
        command.wait(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
    deadline = time.monotonic() + 15
    while _servers(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _servers(home), log.read_text()[-2000:]
    if sig == signal.SIGTERM:
        text = log.read_text()
        assert "Crashed" in text and "Traceback" not in text.split("Crash detected")[-1]
        runs = Lake(lake).runs()
        assert set(runs["status"]) == {"failed"} and runs["error"].str.contains("CRASHED").all()
