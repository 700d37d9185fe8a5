"""The temporary Prefect server a command starts must not outlive the command.

Prefect starts its temporary API server as a child process and stops it at exit. Two exits
skip that: SIGTERM or SIGHUP (Python's default is to die without cleanup) and SIGKILL
(nothing runs). `guarded()` handles both: it turns SIGTERM and SIGHUP into SystemExit, so
the flow run ends Crashed and the server is stopped as on any exit, and it starts a small
watchdog process (`python -m joblens.orphans PID`, in its own session) that notes the
command's server children while the command lives and stops them once it is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["SERVER_MARK", "guarded", "watch"]

SERVER_MARK = "prefect.server.api.server"
"""What the temporary server's command line names (uvicorn's app factory)."""

_started: list[subprocess.Popen[bytes]] = []


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def watch(parent: int, interval_s: float = 0.5, grace_s: float = 5.0) -> int:
    """Note `parent`'s temporary-server descendants while it lives; once it is gone, stop
    the ones still running (SIGTERM, then SIGKILL after `grace_s`). Returns how many."""
    import psutil

    seen: dict[int, float] = {}
    try:
        command = psutil.Process(parent)
    except psutil.NoSuchProcess:
        return 0
    while True:
        try:
            if command.status() == psutil.STATUS_ZOMBIE:
                break
            for child in command.children(recursive=True):
                try:
                    if SERVER_MARK in " ".join(child.cmdline()):
                        seen[child.pid] = child.create_time()
                except psutil.Error:
                    continue
        except psutil.NoSuchProcess:
            break
        time.sleep(interval_s)
    left = []
    for pid, created in seen.items():
        try:
            server = psutil.Process(pid)
            if server.create_time() == created:  # not a new process that reused the pid
                server.terminate()
                left.append(server)
        except psutil.Error:
            continue
    _, alive = psutil.wait_procs(left, timeout=grace_s)
    for server in alive:
        try:
            server.kill()
        except psutil.Error:
            continue
    return len(left)


@contextmanager
def guarded() -> Iterator[None]:
    """Run a command's flows so that its temporary Prefect server never outlives it (see
    the module docstring). The watchdog is started once per process."""
    if not _started:
        _started.append(
            subprocess.Popen(
                [sys.executable, "-m", "joblens.orphans", str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C or a group kill of the command spares it
            )
        )
    # Signal handlers belong to the main thread; a flow run from another keeps the defaults.
    in_main = threading.current_thread() is threading.main_thread()
    signals = (signal.SIGTERM, signal.SIGHUP) if in_main else ()
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    watch(int(sys.argv[1]))
