"""The retry condition the retried tasks share."""

from __future__ import annotations

from typing import Any

from joblens.errors import is_permanent


def worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    """A Prefect retry condition: an error `errors.is_permanent` names (a refused key, an
    unknown model, a full or read-only disk) fails the same way every time."""
    data = getattr(state, "data", None)
    return not (isinstance(data, BaseException) and is_permanent(data))
