"""Shared fixtures: a clean environment, the real-samples directory, one Prefect harness."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "postings"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's JOBLENS_* settings, proxies or API keys."""
    for key in list(os.environ):
        if key.startswith("JOBLENS_") or key.lower() in {"http_proxy", "https_proxy", "all_proxy"}:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def samples_dir() -> Path:
    """The real job-board samples in ../shared; the test is skipped where they are absent."""
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples/postings is not present on this machine")
    return SAMPLES


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


StageRunner = Callable[..., object]


def _run_stages(world: Path, lake_root: Path, run_id: str | None = None) -> object:
    """Run every stage over `world` into `lake_root` without Prefect (hashing embedder)."""
    from joblens import stages
    from joblens.embed import EmbeddingCache, HashingEmbedder
    from joblens.llm.client import RulesAnalyzer
    from joblens.settings import Settings
    from joblens.sources import sources_in

    settings = Settings()
    ctx = stages.RunContext.create(str(lake_root), run_id)
    for kind in sources_in(world / "sources"):
        stages.ingest_source(ctx, world / "sources", kind)
    embedder, cache = HashingEmbedder(), EmbeddingCache(ctx.lake.index_dir)
    stages.dedupe_postings(ctx, settings)
    stages.embed_jobs(ctx, embedder, cache)
    stages.ingest_cvs(ctx, world / "cvs")
    stages.embed_candidates(ctx, embedder, cache)
    stages.score(ctx, settings)
    stages.analyze(ctx, settings, RulesAnalyzer())
    ctx.lake.refresh_views()
    return ctx


@pytest.fixture
def run_stages() -> StageRunner:
    """The pipeline's stages in flow order, as plain functions: `run_stages(world, lake)`."""
    return _run_stages
