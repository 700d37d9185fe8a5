"""Tasks: embed jobs and candidates with one shared model per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import stages
from joblens.embed import Embedder, EmbeddingCache, make_embedder
from joblens.settings import EmbedSettings, Settings
from tasks.progress import StageProgress


def _embedder(settings: EmbedSettings) -> Embedder:
    return _embedder_for(settings.model_dump_json())


@lru_cache(maxsize=2)
def _embedder_for(settings_json: str) -> Embedder:
    # One model per process and configuration: both embed tasks (and later runs in a served
    # worker) share it. Keyed by the settings' JSON because pydantic models are unhashable.
    return make_embedder(EmbedSettings.model_validate_json(settings_json))


def _cache(ctx: stages.RunContext) -> EmbeddingCache:
    return EmbeddingCache(ctx.lake.index_dir)


# Not retried: the model is local; a failure (bad model path, OOM after the embedder's own
# GPU->CPU->single-text fallbacks) would repeat. The text-hash cache makes a re-run cheap.
@task(name="embed-jobs", cache_policy=NO_CACHE, persist_result=False)
def embed_jobs(ctx: dict[str, str], settings: Settings) -> dict[str, Any]:
    """Embed this run's jobs and index their vectors; return the stage report."""
    run = stages.RunContext.from_dict(ctx)
    progress = StageProgress("embed-jobs", "Embedding jobs")
    return stages.embed_jobs(
        run, _embedder(settings.embed), _cache(run), progress=progress
    ).to_dict()


@task(name="embed-candidates", cache_policy=NO_CACHE, persist_result=False)
def embed_candidates(ctx: dict[str, str], settings: Settings) -> dict[str, Any]:
    """Embed this run's candidate profiles; return the stage report."""
    run = stages.RunContext.from_dict(ctx)
    progress = StageProgress("embed-candidates", "Embedding candidates")
    return stages.embed_candidates(
        run, _embedder(settings.embed), _cache(run), progress=progress
    ).to_dict()
