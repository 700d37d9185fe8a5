"""Tasks: embed jobs and candidates with one shared model per process."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from joblens import settings as joblens_settings
from joblens import stages
from joblens.embed import Embedder, EmbeddingCache, make_embedder
from joblens.occupations import OccupationIndex, shared_index
from joblens.settings import EmbedSettings
from joblens.stages import RunContext
from tasks.progress import StageProgress


def _embedder(settings: EmbedSettings) -> Embedder:
    return _embedder_for(settings.model_dump_json())


@lru_cache(maxsize=2)
def _embedder_for(settings_json: str) -> Embedder:
    # One model per process and configuration: both embed tasks (and later runs in a served
    # worker) share it. Keyed by the settings' JSON because pydantic models are unhashable.
    return make_embedder(EmbedSettings.model_validate_json(settings_json))


def _occupations(embedder: Embedder, settings: EmbedSettings) -> OccupationIndex:
    # Built once per process and model (its ESCO label vectors come from embed.cache_dir).
    return shared_index(embedder, settings.cache_dir)


def _cache(ctx: RunContext) -> EmbeddingCache:
    return EmbeddingCache(ctx.lake.index_dir)


# Not retried: the model is local; a failure (bad model path, OOM after the embedder's own
# GPU->CPU->single-text fallbacks) would repeat. The text-hash cache makes a re-run cheap.
@task(name="embed-jobs", cache_policy=NO_CACHE, persist_result=False)
def embed_jobs(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Embed the jobs this run saw and index their vectors; return the stage report."""
    progress = StageProgress("embed-jobs", "Embedding jobs")
    settings = joblens_settings.load(config).embed
    embedder = _embedder(settings)
    return stages.embed_jobs(
        ctx, embedder, _cache(ctx), progress=progress, occupations=_occupations(embedder, settings)
    ).to_dict()


@task(name="embed-candidates", cache_policy=NO_CACHE, persist_result=False)
def embed_candidates(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Embed this run's candidate profiles; return the stage report."""
    progress = StageProgress("embed-candidates", "Embedding candidates")
    settings = joblens_settings.load(config).embed
    embedder = _embedder(settings)
    return stages.embed_candidates(
        ctx, embedder, _cache(ctx), progress=progress, occupations=_occupations(embedder, settings)
    ).to_dict()


# Not retried, as embed-jobs: a pure pass over the lake and the local model.
@task(name="near-duplicates", cache_policy=NO_CACHE, persist_result=False)
def near_duplicates(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """The vector pass over the jobs this run first saw: merge those that are another job's
    opening under other words; return the stage report."""
    settings = joblens_settings.load(config)
    return stages.resolve_near_duplicates(ctx, settings, _reembed(ctx, settings)).to_dict()


# Not retried, as embed-jobs: a pass over the lake and the local model.
@task(name="rebuild-jobs", cache_policy=NO_CACHE, persist_result=False)
def rebuild_jobs(ctx: RunContext, config: str | None) -> dict[str, Any]:
    """Every current posting resolved again; return the stage report (what moved)."""
    settings = joblens_settings.load(config)
    return stages.rebuild_jobs(ctx, settings, _reembed(ctx, settings)).to_dict()


def _reembed(
    ctx: RunContext, settings: joblens_settings.Settings
) -> Callable[[], stages.StageReport]:
    """The embed-jobs stage again (this run's jobs after merges: cache hits but for the texts
    a merge changed), as the stages that merge jobs call it."""
    embedder = _embedder(settings.embed)

    def reembed() -> stages.StageReport:
        occupations = _occupations(embedder, settings.embed)
        return stages.embed_jobs(ctx, embedder, _cache(ctx), occupations=occupations)

    return reembed
