"""Flow: CV files to embedded candidate profiles in silver/candidates."""

from __future__ import annotations

from typing import Any

from prefect import flow

from joblens.settings import Settings
from tasks.embed import embed_candidates
from tasks.profiles import ingest_cvs


@flow(name="ingest-candidates")
def ingest_candidates(ctx: dict[str, str], cv_dir: str, settings: Settings) -> list[dict[str, Any]]:
    """Parse every CV under `cv_dir` into a profile, then embed the profiles."""
    return [ingest_cvs(ctx, cv_dir), embed_candidates(ctx, settings)]
