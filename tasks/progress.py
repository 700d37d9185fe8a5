"""Progress of long stages, shown in the Prefect UI (a progress artifact) and in the logs."""

from __future__ import annotations

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact


class StageProgress:
    """A `progress(done, total)` callback that feeds a UI progress artifact and log lines.

    Updates are throttled to whole-percent steps (and a log line every 10%) so a stage with
    thousands of batches does not flood the API.
    """

    def __init__(self, key: str, description: str) -> None:
        self._key = key
        self._description = description
        self._artifact_id: object | None = None
        self._last_pct = -1

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
        if pct // 10 != max(self._last_pct, 0) // 10 or pct == 100:
            get_run_logger().info("%s: %d/%d (%d%%)", self._description, done, total, pct)
        self._last_pct = pct
