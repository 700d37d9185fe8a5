"""Benchmarks behind `joblens bench`: the scoring engine against numpy and FAISS, one run;
the live ingest path over loopback HTTP.

Timings from one machine are noisy (another busy core can triple FAISS's time), so every
comparison is measured side by side in the same process on the same random data.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from joblens.schemas import SENIORITY_LEVELS, WORK_MODES
from joblens.scoring import engine, features
from joblens.settings import ScoringSettings

__all__ = ["bench_ingest", "bench_score", "random_candidates", "random_jobs"]

_NOW = datetime(2025, 6, 1, tzinfo=UTC)
# About the size of the skill taxonomy (~400 ids) and the synthetic world's 55 cities.
_N_SKILLS, _N_CITIES, _N_COUNTRIES = 400, 60, 12


def _unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def _places(rng: np.random.Generator) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    countries = [f"C{i:02d}" for i in range(_N_COUNTRIES)]
    city_country = [countries[i % _N_COUNTRIES] for i in range(_N_CITIES)]
    lat = rng.uniform(-50, 60, _N_CITIES)
    lon = rng.uniform(-120, 150, _N_CITIES)
    return [f"city-{i}" for i in range(_N_CITIES)], city_country, lat, lon


def _skill_lists(rng: np.random.Generator, n: int, low: int, high: int) -> list[list[str]]:
    counts = rng.integers(low, high + 1, n)
    flat = rng.integers(0, _N_SKILLS, counts.sum())
    names = np.array([f"skill-{i}" for i in range(_N_SKILLS)], dtype=object)[flat]
    bounds = np.cumsum(counts)[:-1]
    return [list(part) for part in np.split(names, bounds)]


def _embedding_series(vectors: np.ndarray) -> pl.Series:
    return pl.Series("embedding", vectors).cast(pl.List(pl.Float32))


def random_jobs(n: int, *, dim: int = 384, seed: int = 0) -> pl.DataFrame:
    """Return `n` random jobs with the JOBS columns the scoring engine reads."""
    rng = np.random.default_rng(seed)
    cities, countries, lat, lon = _places(rng)
    place = rng.integers(0, _N_CITIES, n)
    salary = rng.uniform(30_000, 250_000, n)
    age = rng.uniform(0, 90, n)
    return pl.DataFrame(
        {
            "job_id": [f"job-{i}" for i in range(n)],
            "city": np.array(cities, dtype=object)[place],
            "country": np.array(countries, dtype=object)[place],
            "lat": lat[place],
            "lon": lon[place],
            "work_mode": rng.choice(np.array([*WORK_MODES, None], dtype=object), n),
            "salary_currency": ["USD"] * n,
            "salary_annual_min": salary * 0.8,
            "salary_annual_max": np.where(rng.random(n) < 0.3, np.nan, salary),
            "seniority": rng.choice(np.array([*SENIORITY_LEVELS, None], dtype=object), n),
            "skills": _skill_lists(rng, n, 3, 12),
            "first_seen": [_NOW - timedelta(days=float(a)) for a in age],
            "last_seen": [_NOW] * n,
        },
        schema_overrides={"skills": pl.List(pl.String)},
    ).with_columns(
        pl.col("salary_annual_max").fill_nan(None), _embedding_series(_unit_vectors(rng, n, dim))
    )


def random_candidates(n: int, *, dim: int = 384, seed: int = 1) -> pl.DataFrame:
    """Return `n` random candidates with the CANDIDATES columns the scoring engine reads."""
    rng = np.random.default_rng(seed)
    cities, countries, lat, lon = _places(np.random.default_rng(seed - 1))
    place = rng.integers(0, _N_CITIES, n)
    mode_sets = [["onsite", "hybrid", "remote"], ["remote"], ["onsite", "hybrid"], []]
    return pl.DataFrame(
        {
            "candidate_id": [f"cand-{i}" for i in range(n)],
            "city": np.array(cities, dtype=object)[place],
            "country": np.array(countries, dtype=object)[place],
            "lat": lat[place],
            "lon": lon[place],
            "work_modes": [mode_sets[i] for i in rng.integers(0, len(mode_sets), n)],
            "seniority": rng.choice(np.array([*SENIORITY_LEVELS, None], dtype=object), n),
            "skills": _skill_lists(rng, n, 5, 25),
            "salary_floor_annual": rng.uniform(40_000, 200_000, n),
            "salary_currency": ["USD"] * n,
        },
        schema_overrides={"skills": pl.List(pl.String), "work_modes": pl.List(pl.String)},
    ).with_columns(_embedding_series(_unit_vectors(rng, n, dim)))


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _numpy_baseline(
    cand_block: np.ndarray, job_block: np.ndarray, bias: np.ndarray, k: int
) -> None:
    jobs_t = np.ascontiguousarray(job_block.T)
    for start in range(0, len(cand_block), 1000):
        scores = cand_block[start : start + 1000] @ jobs_t
        scores += bias
        np.argpartition(-scores, k - 1, axis=1)[:, :k]


def _faiss_baseline(cand_vecs: np.ndarray, job_vecs: np.ndarray, k: int) -> float:
    import faiss

    start = time.perf_counter()
    index = faiss.IndexFlatIP(job_vecs.shape[1])
    index.add(job_vecs)
    index.search(cand_vecs, k)
    return time.perf_counter() - start


def bench_score(
    *, candidates: int, jobs: int, dim: int = 384, top_k: int = 100, seed: int = 0
) -> dict[str, Any]:
    """Return timings of the scoring engine's ranking pass, numpy and FAISS on random data.

    - engine_s: the ranking pass over all chunks (candidate block, one product + bias, top-k
      shortlist) on the full factor block, in the engine's backend/precision.
    - numpy_s: the same full block in fp32 numpy (matmul + argpartition, chunks of 1,000).
    - faiss_s: FAISS IndexFlatIP on the semantic block only (add + search): the reference.
    - match_s: engine.match end to end (features, ranking, exact re-rank, explanations).
    """
    settings = ScoringSettings.model_validate({"top_k": top_k})
    job_frame = random_jobs(jobs, dim=dim, seed=seed)
    cand_frame = random_candidates(candidates, dim=dim, seed=seed + 1)

    start = time.perf_counter()
    job_attrs = features.job_attributes(job_frame, settings=settings, now=_NOW)
    vocab = features.Vocabulary.build(job_attrs, settings=settings)
    job_block, bias = features.job_block_from(job_attrs, vocab, settings)
    ranker = engine.Ranker(job_block, bias, settings=settings)
    features_s = time.perf_counter() - start

    chunk = engine.auto_chunk_size(jobs, bytes_per_score=ranker.bytes_per_score)
    width = engine.shortlist_size(top_k, jobs)
    cand_attrs = features.candidate_attributes(cand_frame)
    start = time.perf_counter()
    for lo in range(0, candidates, chunk):
        rows = np.arange(lo, min(lo + chunk, candidates))
        block = features.candidate_block_from(cand_attrs.take(rows), vocab, settings)
        ranker.shortlist(block, width)
    engine_s = time.perf_counter() - start

    cand_block = features.candidate_block_from(cand_attrs, vocab, settings)
    start = time.perf_counter()
    _numpy_baseline(cand_block, job_block, bias, width)
    numpy_s = time.perf_counter() - start
    del cand_block

    faiss_s = _faiss_baseline(cand_attrs.embedding, job_attrs.embedding, top_k)

    start = time.perf_counter()
    rows_out = sum(
        f.height for f in engine.match(cand_frame, job_frame, settings=settings, now=_NOW)
    )
    match_s = time.perf_counter() - start
    return {
        "candidates": candidates,
        "jobs": jobs,
        "dim": dim,
        "top_k": top_k,
        "width": vocab.width,
        "backend": f"{ranker.backend}-{ranker.precision}",
        "chunk_size": chunk,
        "features_s": round(features_s, 3),
        "engine_s": round(engine_s, 3),
        "numpy_s": round(numpy_s, 3),
        "faiss_s": round(faiss_s, 3),
        "engine_vs_faiss": round(engine_s / faiss_s, 3) if faiss_s else None,
        "match_s": round(match_s, 3),
        "match_rows": rows_out,
        "ms_per_candidate": round(1000 * engine_s / max(candidates, 1), 4),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def bench_ingest(*, postings: int, seed: int = 5, world: Path | None = None) -> dict[str, Any]:
    """Time the live ingest path end to end on a synthetic world served over loopback HTTP:
    fetch (fetch.py through BoardServer), parse, normalize and write bronze/silver, in one
    committed run on a fresh lake. Returns {"postings", "seconds", "postings_per_min",
    "quarantined", ...}.

    A world of about `postings` board postings is generated first (untimed) unless `world`
    names one. JobSpy's files are left out: they are scraped through JobSpy's own client.
    """
    import tempfile

    from joblens import stages, synth
    from joblens.board_server import BoardServer
    from joblens.settings import FetchSettings, SourceSpec
    from joblens.stages import RunContext

    with tempfile.TemporaryDirectory(prefix="joblens-bench-ingest-") as tmp:
        if world is None:
            world = Path(tmp) / "world"
            # The world writes ~1.6 postings per job, a third of them to JobSpy CSVs.
            synth.generate(world, jobs=max(1, round(postings / 1.05)), candidates=1, seed=seed)
        with BoardServer(world / "sources") as server:
            specs = [SourceSpec(**s) for s in server.sources() if s["kind"] != "jobspy"]
            fetch = FetchSettings(
                base_urls=server.base_urls(),
                allowed_hosts=[server.netloc],  # posting links name the real boards
                per_host=16,
                concurrency=32,
            )
            ctx = stages.begin(RunContext.create(str(Path(tmp) / "lake"), None, flow="ingest-jobs"))
            started = time.perf_counter()
            reports = stages.ingest_live(ctx, specs, fetch)
            stages.commit(ctx, reports)
            seconds = time.perf_counter() - started
    fetched = sum(r.rows_in for r in reports[1:])
    quarantined = sum(r.rows_quarantined for r in reports[1:])
    return {
        "postings": fetched,
        "seconds": round(seconds, 2),
        "postings_per_min": round(fetched / seconds * 60) if seconds else None,
        "quarantined": quarantined,
        "sources": len(specs),
        "fetch_s": reports[0].seconds,
        "land_s": round(sum(r.seconds for r in reports[1:]), 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
