"""Benchmarks behind `joblens bench`: the live ingest path over loopback HTTP; entity
resolution against FAISS kNN; the embedder; the LLM stage; faults. Scoring is
bench_score.py.

Timings from one machine are noisy (another busy core can triple FAISS's time), so every
comparison is measured side by side in the same process on the same random data.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

__all__ = [
    "bench_dedupe",
    "bench_embed",
    "bench_ingest",
    "bench_llm",
]


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


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


def _sample_duplicates(
    labelled: pl.DataFrame, postings: int, dup_rate: float, seed: int
) -> pl.DataFrame:
    """`postings` rows of `labelled` (silver postings with their true canonical_job_id) of
    which a share `dup_rate` are further postings of an opening already drawn: the first
    posting of each drawn opening, then its other postings (other boards, reposts) until
    the share is reached. Fewer rows when the world has too few openings or duplicates."""
    rng = np.random.default_rng(seed)
    order = labelled.with_columns(_r=pl.Series(rng.random(labelled.height))).sort("_r")
    order = order.with_columns(_n=pl.int_range(pl.len()).over("canonical_job_id"))
    firsts, extra = order.filter(pl.col("_n") == 0), order.filter(pl.col("_n") > 0)
    n_dups = min(round(postings * dup_rate), extra.height)
    n_openings = min(postings - n_dups, firsts.height)
    chosen = firsts.head(n_openings)
    dups = extra.join(chosen.select("canonical_job_id"), on="canonical_job_id", how="semi")
    return pl.concat([chosen, dups.head(n_dups)]).drop("_r", "_n")


def _faiss_clusters(vectors: np.ndarray, threshold: float, k: int = 5) -> np.ndarray:
    """Cluster labels from FAISS IndexFlatIP self-search: neighbours (k, self included) at
    cosine >= threshold are one cluster (union-find)."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    sims, ids = index.search(vectors, k)
    parent = np.arange(len(vectors))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows, cols = np.nonzero((sims >= threshold) & (ids >= 0))
    for a, b in zip(rows.tolist(), ids[rows, cols].tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(len(vectors))])


def _vector_pass(
    jobs: pl.DataFrame, assigned: pl.DataFrame, vectors: np.ndarray, settings: Any
) -> tuple[pl.DataFrame, int]:
    """The pipeline's vector pass over one batch of entities (`dedupe.batch_pairs`, the
    guards of `dedupe.near_duplicates`), its aliases applied to the postings' job ids."""

    from joblens import dedupe
    from joblens.stages.jobs import rules_of

    rules = rules_of(settings)
    ids = jobs.get_column("job_id").to_list()
    pairs = dedupe.batch_pairs(ids, jobs.get_column("dedupe_key").to_list(), vectors, rules.cosine)
    rows = jobs.with_columns(first_seen=pl.lit(datetime(2026, 1, 1, tzinfo=UTC)), new=pl.lit(True))
    aliases, _ = dedupe.near_duplicates(rows, pairs, rules)
    if aliases.is_empty():
        return assigned, 0
    moved = dict(zip(aliases["job_id"], aliases["canonical_job_id"], strict=True))
    return assigned.with_columns(pl.col("job_id").replace(moved)), aliases.height


def posting_texts(n: int, seed: int = 11) -> list[str]:
    """`n` posting texts as the embed stage sees them (title, company, description) of 150 to
    400 words: a synthetic world's silver postings, each description running on into the
    next posting's until its drawn length."""
    import tempfile

    from joblens import stages, synth
    from joblens.sources import plan_drop

    with tempfile.TemporaryDirectory(prefix="joblens-bench-texts-") as tmp:
        world = Path(tmp) / "world"
        synth.generate(world, jobs=max(10, n), candidates=1, seed=seed)
        lake_root = str(Path(tmp) / "lake")
        ctx = stages.begin(stages.RunContext.create(lake_root, None, flow="ingest-jobs"))
        for kind, paths in plan_drop(world / "sources").files.items():
            stages.ingest_files(ctx, kind, paths)
        silver = ctx.lake.read("postings", run_id=ctx.run_id)
        stages.fail(ctx, "bench: the world's postings were only read")
    rows = (
        silver.filter(pl.col("title").is_not_null() & pl.col("description").is_not_null())
        .select("title", pl.col("company").fill_null(""), "description")
        .rows()
    )
    words = [description.split() for _, _, description in rows]
    lengths = np.random.default_rng(seed).integers(150, 401, n)
    texts = []
    for i, want in enumerate(lengths):
        title, company, _ = rows[i % len(rows)]
        body: list[str] = []
        j = i
        while len(body) < want:
            body += words[j % len(rows)]
            j += 1
        texts.append(f"{title}\n{company}\n{' '.join(body[:want])}")
    return texts


class _Counted:
    """An embedder that counts the texts it is handed (what a cache did not answer)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.texts = inner, 0

    @property
    def model_id(self) -> str:
        return str(self.inner.model_id)

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    def encode(self, texts: Any) -> np.ndarray:
        self.texts += len(texts)
        return np.asarray(self.inner.encode(texts))


def _model_flops(tokens: np.ndarray, *, params: float, layers: int, width: int) -> float:
    """Operations of one encoder pass over texts of `tokens` tokens each: 2 per weight per
    token (the dense layers) plus attention's two n x n x width products per layer."""
    n = tokens.astype(np.float64)
    return float((2.0 * params * n + layers * 4.0 * n * n * width).sum())


def bench_embed(*, texts: int = 1000, seed: int = 11, batch_size: int = 32) -> dict[str, Any]:
    """JobLens's embedder (the device and precision it picks here) against sentence-
    transformers' plain `encode(texts, batch_size=32)` in fp32, on the same `texts` posting
    texts in the same process, the model loaded and warmed on both sides first.

    min/mean_cosine compare each text's two vectors. gflops_per_s counts all-MiniLM-L6-v2's
    operations on the tokens it really saw (truncated at its 256), against the CPU's ceiling
    for the precision used (`joblens.cpu`). Then the same texts go through the embed stage's
    cache, which holds them: rerun_embedded is how many it had to embed again.
    """
    import tempfile

    from sentence_transformers import SentenceTransformer

    from joblens.cpu import cpu_facts, peak_gflops
    from joblens.embed import EmbeddingCache, SentenceTransformerEmbedder, cache_key, embed_texts
    from joblens.normalize.text import text_hash
    from joblens.settings import EmbedSettings

    corpus = posting_texts(texts, seed)
    ours = SentenceTransformerEmbedder(EmbedSettings.model_validate({}))
    ours.encode(corpus[:16])  # loads the model: untimed, as the baseline's load
    baseline = SentenceTransformer(ours._model_source(), device="cpu")
    baseline.encode(corpus[:16], batch_size=batch_size)

    started = time.perf_counter()
    reference = baseline.encode(corpus, batch_size=batch_size, convert_to_numpy=True)
    baseline_seconds = time.perf_counter() - started
    started = time.perf_counter()
    vectors = ours.encode(corpus)
    seconds = time.perf_counter() - started

    reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    cosine = np.sum(reference * vectors, axis=1)
    limit = int(baseline.max_seq_length or 256)
    ids = baseline.tokenizer(corpus, truncation=True, max_length=limit)["input_ids"]
    tokens = np.array([len(x) for x in ids])
    flops = _model_flops(tokens, params=10.6e6, layers=6, width=384)
    facts = cpu_facts()
    peak, reckoned = peak_gflops(facts, ours.precision)

    with tempfile.TemporaryDirectory(prefix="joblens-bench-embed-") as tmp:
        cache = EmbeddingCache(Path(tmp))
        hashes = [text_hash(t) for t in corpus]
        cache.put_many([cache_key(ours.model_id, h) for h in hashes], vectors)
        counted = _Counted(ours)
        started = time.perf_counter()
        embed_texts(corpus, hashes, embedder=counted, cache=cache)
        rerun_seconds = time.perf_counter() - started
    return {
        "texts": len(corpus),
        "device": ours.device,
        "precision": ours.precision,
        "batch_size": ours.batch_size,
        "texts_per_s": round(len(corpus) / seconds, 2),
        "baseline": f"sentence-transformers encode, fp32, batch_size={batch_size}",
        "baseline_texts_per_s": round(len(corpus) / baseline_seconds, 2),
        "speedup": round(baseline_seconds / seconds, 3),
        "min_cosine": round(float(cosine.min()), 6),
        "mean_cosine": round(float(cosine.mean()), 6),
        "tokens_per_text": round(float(tokens.mean()), 1),
        "gflops_per_s": round(flops / seconds / 1e9, 1),
        "baseline_gflops_per_s": round(flops / baseline_seconds / 1e9, 1),
        "peak_gflops_per_s": peak,
        "peak_assumes": reckoned,
        "cpu": facts.model,
        "rerun_embedded": counted.texts,
        "rerun_seconds": round(rerun_seconds, 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def bench_dedupe(
    *, postings: int, dup_rate: float, threshold: float = 0.97, seed: int = 5
) -> dict[str, Any]:
    """Entity resolution on silver postings of a synthetic world with known canonical ids.

    A world is generated and ingested (untimed); `postings` of its silver postings are
    drawn so that a share `dup_rate` are further postings of an opening already drawn (the
    world's variants: another board's format and title, the place written differently,
    reposts). JobLens's resolver (`dedupe.entities`, then the vector pass over the entities
    it makes, on their hashing vectors) and the baseline (FAISS IndexFlatIP
    self-search, k=5, cosine >= `threshold`, on the same postings' vectors from the hashing
    embedder) are timed on the same rows; precision and recall are over pairs of postings
    sharing a canonical id. Then 1,000 of them arrive again in a new run and the
    `resolve_jobs`, `embed_jobs` and `resolve_near_duplicates` stages resolve them against
    the lake's state and its job index (incremental_seconds).
    """
    import tempfile

    from joblens import dedupe, stages, synth
    from joblens.embed import EmbeddingCache, HashingEmbedder
    from joblens.evaluate import dedupe_quality
    from joblens.settings import Settings
    from joblens.sources import plan_drop
    from joblens.stages.embed import JOB_TEXT

    with tempfile.TemporaryDirectory(prefix="joblens-bench-dedupe-") as tmp:
        world, lake_root = Path(tmp) / "world", str(Path(tmp) / "lake")
        # The world writes ~1.6 postings per opening; enough openings for the draw.
        synth.generate(world, jobs=max(10, round(postings * 1.05)), candidates=1, seed=seed)
        ctx = stages.begin(stages.RunContext.create(lake_root, None, flow="ingest-jobs"))
        plan = plan_drop(world / "sources")
        for kind, paths in plan.files.items():
            stages.ingest_files(ctx, kind, paths)
        silver = ctx.lake.read("postings", run_id=ctx.run_id)
        truth = pl.read_parquet(world / "truth" / "postings.parquet")
        labelled = silver.join(
            truth.select("source", "source_posting_id", "canonical_job_id"),
            on=["source", "source_posting_id"],
        ).filter(pl.col("title").is_not_null())
        drawn = _sample_duplicates(labelled, postings, dup_rate, seed)
        rows = drawn.drop("canonical_job_id")

        settings = Settings()
        started = time.perf_counter()
        jobs, ours = dedupe.entities(rows, jaccard=settings.dedupe.description_jaccard)
        seconds = time.perf_counter() - started
        # The vector pass over the entities, on their vectors from the same embedder as the
        # baseline's (embedding is its own stage, untimed on both sides).
        entity_vectors = HashingEmbedder().encode(
            jobs.select(JOB_TEXT.fill_null("")).to_series().to_list()
        )
        started = time.perf_counter()
        ours, near = _vector_pass(jobs, ours, entity_vectors, settings)
        seconds += time.perf_counter() - started

        texts = rows.select(JOB_TEXT.fill_null("")).to_series().to_list()
        vectors = HashingEmbedder().encode(texts).astype(np.float32)
        started = time.perf_counter()
        labels = _faiss_clusters(vectors, threshold)
        baseline_seconds = time.perf_counter() - started

        quality = dedupe_quality(ours.select("posting_id", "job_id"), rows, truth)
        base_links = pl.DataFrame(
            {"posting_id": rows["posting_id"], "job_id": [str(x) for x in labels]}
        )
        base_quality = dedupe_quality(base_links, rows, truth)

        # Incremental: the state of a lake that resolved and embedded every drawn posting
        # but 1,000 (its job index past dedupe.index_min_rows is built once, untimed), then
        # an hourly run that brings those 1,000: keys, embedding, the vector pass.
        again = rows.sample(min(1000, rows.height // 2), seed=seed)
        state = rows.filter(~pl.col("posting_id").is_in(again.get_column("posting_id")))
        # The world's run only read the files: its rows never become state.
        stages.fail(ctx, "bench: the world's silver rows were only read")
        ctx1 = stages.begin(stages.RunContext.create(lake_root, None, flow="ingest-jobs"))
        ctx1.lake.write("postings", state, run_id=ctx1.run_id, partition={"dt": ctx1.dt})
        stages.resolve_jobs(ctx1, settings)
        # The embedding cache of the flow's embed task: the lake's texts are in it.
        stages.embed_jobs(ctx1, HashingEmbedder(), EmbeddingCache(ctx1.lake.index_dir))
        stages.commit(ctx1, [])
        dedupe.JobIndex(ctx1.lake.index_dir).ensure_index(min_rows=settings.dedupe.index_min_rows)
        ctx2 = stages.begin(stages.RunContext.create(lake_root, None, flow="ingest-jobs"))
        ctx2.lake.write("postings", again, run_id=ctx2.run_id, partition={"dt": ctx2.dt})

        def embed() -> stages.StageReport:
            return stages.embed_jobs(ctx2, HashingEmbedder(), EmbeddingCache(ctx2.lake.index_dir))

        # An hourly run is a fresh process: the setup's millions of objects stay out of the
        # garbage collector's way (a full collection over them costs a few hundred ms).
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        reports = [stages.resolve_jobs(ctx2, settings), embed()]
        reports.append(stages.resolve_near_duplicates(ctx2, settings, embed))
        incremental_seconds = time.perf_counter() - started
        gc.unfreeze()
        stages.commit(ctx2, reports)
    return {
        "postings": rows.height,
        "dup_rate": round(1 - drawn["canonical_job_id"].n_unique() / max(1, drawn.height), 4),
        "seconds": round(seconds, 3),
        "precision": quality["precision"],
        "recall": quality["recall"],
        "jobs": quality["jobs"],
        "true_jobs": quality["true_jobs"],
        "baseline": "faiss_flat_knn",
        "baseline_threshold": threshold,
        "baseline_vectors": "hashing-bow-384",
        "baseline_seconds": round(baseline_seconds, 3),
        "baseline_precision": base_quality["precision"],
        "baseline_recall": base_quality["recall"],
        "ratio": round(seconds / baseline_seconds, 3) if baseline_seconds else None,
        "vector_pass_merged": near,
        "incremental_postings": again.height,
        "incremental_seconds": round(incremental_seconds, 3),
        "incremental_stages": {r.stage: r.seconds for r in reports},
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


_WORDS = [
    "build",
    "maintain",
    "services",
    "data",
    "pipelines",
    "team",
    "customers",
    "platform",
    "design",
    "review",
    "code",
    "deliver",
    "features",
    "reliable",
    "scalable",
    "systems",
    "cloud",
    "python",
    "sql",
    "testing",
    "mentor",
    "engineers",
    "product",
    "roadmap",
    "security",
    "performance",
    "monitoring",
    "incidents",
    "api",
    "integrations",
    "partners",
]


def _analysis_items(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """`n` matches (3 per candidate) with postings of ~250 words and CVs of ~80: prompts of
    about 700 tokens, like the lake's."""
    rng = np.random.default_rng(seed)
    words = np.array(_WORDS, dtype=object)

    def text(k: int) -> str:
        return " ".join(words[rng.integers(0, len(words), k)])

    people = max(1, (n + 2) // 3)
    candidates = pl.DataFrame(
        {
            "candidate_id": [f"cand-{i:05d}" for i in range(people)],
            "headline": ["Backend Engineer"] * people,
            "summary": [text(80) for _ in range(people)],
            "skills": [[f"skill-{j}" for j in rng.integers(0, 60, 8)] for _ in range(people)],
            "city": ["Berlin"] * people,
            "country": ["DE"] * people,
        }
    )
    jobs = pl.DataFrame(
        {
            "job_id": [f"job-{i:05d}" for i in range(n)],
            "title": [f"Software Engineer {i}" for i in range(n)],
            "company": [f"Company {i % 97}" for i in range(n)],
            "description": [text(250) for _ in range(n)],
        }
    )
    matches = pl.DataFrame(
        {
            "candidate_id": [f"cand-{i // 3:05d}" for i in range(n)],
            "job_id": [f"job-{i:05d}" for i in range(n)],
            "rank": [i % 3 + 1 for i in range(n)],
            "score": rng.uniform(0.3, 0.95, n).round(3),
            "matched_skills": [[f"skill-{j}" for j in rng.integers(0, 60, 3)] for _ in range(n)],
            "missing_skills": [[f"skill-{j}" for j in rng.integers(0, 60, 2)] for _ in range(n)],
        }
    )
    return matches, candidates, jobs


def bench_llm(
    *,
    items: int = 500,
    latency_ms: float = 200.0,
    concurrency: int = 10,
    error_rate: float = 0.05,
    invalid_rate: float = 0.02,
    rate_limit_rps: float = 0.0,
    seed: int = 0,
) -> dict[str, Any]:
    """The LLM stage against the loopback stand-in (joblens.llm.fake) with the lake's answer
    cache, then the same items again. ideal_seconds = items x latency / concurrency; the
    stand-in answers 429s and 500s at once, so a fault costs a retry, not a latency."""
    import tempfile

    from joblens import analysis
    from joblens.lake import Lake
    from joblens.llm.cache import LakeAnswers
    from joblens.llm.fake import FakeLLM
    from joblens.llm.openai_client import OpenAIAnalyzer

    matches, candidates, jobs = _analysis_items(items, seed)
    fake = FakeLLM(
        latency_ms=latency_ms,
        error_rate=error_rate,
        invalid_rate=invalid_rate,
        rate_limit_rps=rate_limit_rps,
        seed=seed,
    )
    with fake, tempfile.TemporaryDirectory(prefix="joblens-bench-llm-") as root:
        client = OpenAIAnalyzer(
            model=fake.model, base_url=fake.base_url, api_key="bench", seed=seed
        )
        lake = Lake(root)

        def run(run_id: str) -> tuple[analysis.AnalysisOutcome, float]:
            started = time.perf_counter()
            outcome = analysis.analyze(
                matches,
                candidates,
                jobs,
                client=client,
                top_n=3,
                concurrency=concurrency,
                store=LakeAnswers(lake, run_id),
            )
            return outcome, time.perf_counter() - started

        first, seconds = run("bench-llm-1")
        again, rerun_seconds = run("bench-llm-2")
    stats = first.stats
    ideal = items * latency_ms / 1000.0 / concurrency
    done = stats["completed"] + stats["quarantined"] + stats["deferred"]
    return {
        "items": items,
        "seconds": round(seconds, 3),
        "ideal_seconds": round(ideal, 3),
        "efficiency": round(ideal / seconds, 3) if seconds else None,
        "completed": stats["completed"],
        "quarantined": stats["quarantined"],
        "deferred": stats["deferred"],
        "lost": items - done,
        "calls": stats["calls"],
        "retries": stats["retries"],
        "rerun_calls": again.stats["calls"],
        "rerun_seconds": round(rerun_seconds, 3),
        "server_errors": fake.stats["server_errors"],
        "rate_limited": fake.stats["rate_limited"],
        "invalid_answers": fake.stats["invalid"],
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "error_rate": error_rate,
        "invalid_rate": invalid_rate,
        "prompt_tokens": stats["prompt_tokens"],
        "completion_tokens": stats["completion_tokens"],
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
