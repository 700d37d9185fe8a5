"""`joblens bench pipeline`: the whole pipeline on a synthetic world, cold then warm.

The stages run in this process as the four flows compose them (flows/ingest_jobs.py,
ingest_candidates.py, score.py, analyze.py), without the orchestrator: read the drop folder
(parse, normalize, land bronze and silver), prefilter and resolve jobs, embed them, the
near-duplicate pass, commit; CVs to profiles and their embeddings, commit; score, commit;
analyze (the settings' analyzer: the rules one unless an LLM is configured), commit.

Cold is a fresh lake; warm is the same world's postings and CVs again into that lake (every
job seen a second time, the embedding cache warm). `embed_only` is the embedder alone on the
texts the cold run embedded, in the same process: the part no pipeline can avoid. The model
is loaded before anything is timed, and the world is generated untimed.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from joblens.settings import Settings

__all__ = ["bench_pipeline"]


def _flows(lake: str, world: Path, settings: Settings, tools: dict[str, Any]) -> dict[str, float]:
    """Run the four flows' stages once; return seconds per stage (summed by name) and flow."""
    from joblens import sources, stages
    from joblens.embed import EmbeddingCache
    from joblens.stages import RunContext

    embedder, occupations = tools["embedder"], tools["occupations"]
    seconds: dict[str, float] = {}

    def run(flow: str, body: Any) -> None:
        started = time.perf_counter()
        ctx = stages.begin(RunContext.create(lake, flow=flow))
        reports = body(ctx)
        stages.commit(ctx, reports)
        for report in reports:
            seconds[report.stage] = seconds.get(report.stage, 0.0) + report.seconds
        seconds[f"flow:{flow}"] = time.perf_counter() - started

    def ingest_jobs(ctx: RunContext) -> list[stages.StageReport]:
        plan = sources.plan_drop(world / "sources")
        reports = [stages.report_unrecognised(ctx, [(str(p), w) for p, w in plan.unrecognised])]
        reports += [stages.ingest_files(ctx, kind, paths) for kind, paths in plan.files.items()]
        reports.append(stages.resolve_jobs(ctx, settings))
        cache = EmbeddingCache(ctx.lake.index_dir)

        def embed() -> stages.StageReport:
            return stages.embed_jobs(ctx, embedder, cache, occupations=occupations)

        reports.append(embed())
        reports.append(stages.resolve_near_duplicates(ctx, settings, embed))
        return reports

    def ingest_candidates(ctx: RunContext) -> list[stages.StageReport]:
        cache = EmbeddingCache(ctx.lake.index_dir)
        return [
            stages.ingest_cvs(ctx, world / "cvs", None, settings.llm),
            stages.embed_candidates(ctx, embedder, cache, occupations=occupations),
        ]

    run("ingest-jobs", ingest_jobs)
    run("ingest-candidates", ingest_candidates)
    run("score", lambda ctx: [stages.score(ctx, settings)])
    run("analyze", lambda ctx: [stages.analyze(ctx, settings, tools["analyzer"])])
    return seconds


def _embedded_texts(lake: str) -> list[str]:
    """The texts of the jobs the lake holds now (what the cold run embedded)."""
    from joblens.lake import Lake
    from joblens.stages.embed import JOB_TEXT

    jobs = Lake(lake).current("jobs")
    return jobs.select(JOB_TEXT.fill_null("")).to_series().to_list()


def bench_pipeline(*, jobs: int, candidates: int, seed: int = 7) -> dict[str, Any]:
    """Return the pipeline figures of `joblens bench pipeline` (module docstring)."""
    from joblens import llm, synth
    from joblens.embed import make_embedder
    from joblens.occupations import shared_index

    settings = Settings()
    embedder = make_embedder(settings.embed)
    embedder.encode(["warm-up: load the model before anything is timed"])
    tools = {
        "embedder": embedder,
        "occupations": shared_index(embedder, settings.embed.cache_dir),
        "analyzer": llm.make_client(settings),
    }
    with tempfile.TemporaryDirectory(prefix="joblens-bench-pipeline-") as tmp:
        world, lake = Path(tmp) / "world", str(Path(tmp) / "lake")
        synth.generate(world, jobs=jobs, candidates=candidates, seed=seed)
        started = time.perf_counter()
        cold = _flows(lake, world, settings, tools)
        cold_seconds = time.perf_counter() - started
        entities = len(_embedded_texts(lake))
        started = time.perf_counter()
        warm = _flows(lake, world, settings, tools)
        warm_seconds = time.perf_counter() - started
        texts = _embedded_texts(lake)
    started = time.perf_counter()
    embedder.encode(texts)
    embed_only = time.perf_counter() - started
    return {
        "jobs": jobs,
        "candidates": candidates,
        "cold_seconds": round(cold_seconds, 2),
        "jobs_per_min_cold": round(60 * jobs / cold_seconds, 1),
        "warm_seconds": round(warm_seconds, 2),
        "jobs_per_min_warm": round(60 * jobs / warm_seconds, 1),
        "embed_only_jobs_per_min": round(60 * len(texts) / embed_only, 1),
        "embed_only_texts": len(texts),
        "entities_cold": entities,
        "entities_warm": len(texts),  # the same postings again: the same entities
        "cold_vs_embed_only": round((60 * jobs / cold_seconds) / (60 * len(texts) / embed_only), 3),
        "embedder": embedder.model_id,
        "stage_seconds": {k: round(v, 2) for k, v in cold.items()},
        "warm_stage_seconds": {k: round(v, 2) for k, v in warm.items()},
    }
