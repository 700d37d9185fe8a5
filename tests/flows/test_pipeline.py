"""The pipeline flow on a tiny world, through a real (temporary) Prefect server."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from joblens import synth
from joblens.lake import Lake

pytestmark = [pytest.mark.integration, pytest.mark.server]


def test_pipeline_flow_runs_end_to_end(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import get_client

    from flows.pipeline import pipeline

    world = tmp_path / "world"
    synth.generate(world, jobs=80, candidates=4, seed=11)
    lake_root = tmp_path / "lake"
    monkeypatch.setenv("JOBLENS_SCORING__TOP_K", "5")

    state = pipeline(world=str(world), lake=str(lake_root), return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    run_id = summary["run_id"]
    # Top 5 per candidate; fewer only where the hard filters (work mode) leave fewer jobs.
    assert 4 <= summary["rows"]["matches"] <= 4 * 5
    assert summary["rows"]["analyses"] > 0

    lake = Lake(lake_root)
    # The real embedding model ran: vectors are unit length and 384 wide.
    norms = lake.read("jobs", run_id=run_id).select(
        pl.col("embedding").list.eval(pl.element() ** 2).list.sum().sqrt()
    )
    assert norms.to_series().is_between(0.99, 1.01).all()
    # Analysts can query the lake through DuckDB.
    got = lake.query("SELECT count(*) AS n FROM matches WHERE rank = 1")["n"][0]
    assert got == 4

    import anyio
    from prefect.client.schemas.filters import ArtifactFilter, FlowRunFilter, TaskRunFilter
    from prefect.client.schemas.sorting import ArtifactSort

    async def _artifacts() -> set[str]:
        async with get_client() as client:
            arts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(),
                flow_run_filter=FlowRunFilter(),
                task_run_filter=TaskRunFilter(),
                sort=ArtifactSort.CREATED_DESC,
                limit=200,
            )
            return {a.key for a in arts if a.key}

    keys = anyio.run(_artifacts)
    assert {"run-summary", "run-stages"} <= keys


def test_prefect_cli_calls_work_against_the_pinned_server(prefect_harness: None) -> None:
    """`prefect deploy`, `work-pool ls` and `deployment ls` send `"limit": null`; fastapi
    0.151-0.154 answer 422 to that, which is why pyproject pins fastapi < 0.151."""
    import anyio
    from prefect import get_client

    async def _list() -> tuple[list[object], list[object]]:
        async with get_client() as client:
            return await client.read_work_pools(), await client.read_deployments()

    pools, deployments = anyio.run(_list)
    assert isinstance(pools, list) and isinstance(deployments, list)
