"""Progress of long stages: a progress artifact in the Prefect UI, log lines, and a Rich
progress bar when the flow runs in a terminal."""

from __future__ import annotations

import sys
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact


class StageProgress:
    """A `progress(done, total)` callback that feeds a UI progress artifact and log lines.

    Updates are throttled to whole-percent steps (and a log line every 10%) so a stage with
    thousands of batches does not flood the API. In a terminal a Rich bar follows too.
    """

    def __init__(self, key: str, description: str) -> None:
        self._key = key
        self._description = description
        self._artifact_id: object | None = None
        self._last_pct = -1
        self._bar: Any = None
        self._bar_task: Any = None

    def __call__(self, done: int, total: int) -> None:
        pct = 100 if total <= 0 else min(100, int(100 * done / total))
        if pct == self._last_pct:
            return
        if self._artifact_id is None:
            self._artifact_id = create_progress_artifact(
                progress=float(pct), key=self._key, description=self._description
            )
        else:
            update_progress_artifact(artifact_id=self._artifact_id, progress=float(pct))  # type: ignore[arg-type]
        self._terminal(done, total, pct)
        if pct // 10 != max(self._last_pct, 0) // 10 or pct == 100:
            get_run_logger().info("%s: %d/%d (%d%%)", self._description, done, total, pct)
        self._last_pct = pct

    def _terminal(self, done: int, total: int, pct: int) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None:
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.start()
            self._bar_task = self._bar.add_task(self._description, total=max(total, 1))
        self._bar.update(self._bar_task, completed=done, total=max(total, 1))
        if pct >= 100:
            self._bar.stop()
