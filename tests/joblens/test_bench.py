"""`bench_score` returns the JSON-able report the CLI prints, on data it generates itself."""

from __future__ import annotations

import json
import math
import re

import pytest

from joblens.bench import bench_score, random_candidates, random_jobs
from joblens.schemas import CANDIDATES, JOBS
from joblens.scoring import reference

CANDS, JOBS_N, DIM, TOP_K = 40, 300, 16, 5
TIMINGS = ("features_s", "engine_s", "numpy_s", "faiss_s", "match_s")


def test_bench_score_reports_every_documented_key_as_json() -> None:
    report = bench_score(candidates=CANDS, jobs=JOBS_N, dim=DIM, top_k=TOP_K)
    assert json.loads(json.dumps(report)) == report  # the CLI prints it as the last line
    assert set(report) == {
        "candidates",
        "jobs",
        "dim",
        "top_k",
        "width",
        "backend",
        "chunk_size",
        *TIMINGS,
        "engine_vs_faiss",
        "match_rows",
        "ms_per_candidate",
        "peak_rss_mb",
    }
    assert (report["candidates"], report["jobs"], report["dim"], report["top_k"]) == (
        CANDS,
        JOBS_N,
        DIM,
        TOP_K,
    )
    assert re.fullmatch(r"(torch|numpy)-(fp32|fp16|bf16)", report["backend"])
    # The factor block holds at least the embedding dims; chunks cover at least one candidate.
    assert report["width"] > DIM and report["chunk_size"] >= 1
    for key in (*TIMINGS, "ms_per_candidate", "peak_rss_mb"):
        assert math.isfinite(report[key]) and report[key] >= 0, key
    assert report["peak_rss_mb"] > 0
    ratio = report["engine_vs_faiss"]  # None only when FAISS took no measurable time
    assert ratio is None or (math.isfinite(ratio) and ratio >= 0)


def test_bench_match_returns_top_k_rows_for_every_candidate() -> None:
    # Every candidate of the generated data may see at least top_k jobs (the hard filter
    # keeps jobs of unknown or accepted mode), so match returns exactly top_k rows each.
    jobs = random_jobs(JOBS_N, dim=DIM, seed=0).to_dicts()
    for cand in random_candidates(CANDS, dim=DIM, seed=1).to_dicts():
        assert sum(reference.allowed(cand, job) for job in jobs) >= TOP_K
    report = bench_score(candidates=CANDS, jobs=JOBS_N, dim=DIM, top_k=TOP_K, seed=0)
    assert report["match_rows"] == CANDS * TOP_K


def test_random_frames_have_the_lake_columns_the_engine_reads() -> None:
    jobs, cands = random_jobs(50, dim=8), random_candidates(20, dim=8)
    assert set(jobs.columns) <= set(JOBS.names) and set(cands.columns) <= set(CANDIDATES.names)
    assert jobs.height == 50 and cands.height == 20
    lengths = jobs["embedding"].list.len().unique().to_list()
    assert lengths == [8]


def test_bench_dedupe_reports_the_issue_keys_with_the_asked_duplicate_share() -> None:
    from joblens.bench import bench_dedupe

    report = bench_dedupe(postings=600, dup_rate=0.2, seed=3)
    assert json.loads(json.dumps(report)) == report
    keys = {"postings", "seconds", "precision", "recall", "baseline", "baseline_seconds"}
    keys |= {"baseline_precision", "baseline_recall", "ratio", "incremental_postings"}
    assert keys | {"incremental_seconds"} <= set(report)
    assert report["postings"] == 600 and report["baseline"] == "faiss_flat_knn"
    assert report["dup_rate"] == pytest.approx(0.2, abs=0.01)
    assert report["true_jobs"] == 480
    for key in ("precision", "recall", "baseline_precision", "baseline_recall"):
        assert 0.0 <= report[key] <= 1.0
    # The incremental run brings back min(1000, half the drawn postings) the lake has not seen.
    assert report["incremental_postings"] == 300
    assert set(report["incremental_stages"]) >= {"near-duplicates"}


def test_bench_embed_reports_the_issue_keys_and_keeps_the_answer() -> None:
    from joblens.bench import bench_embed, posting_texts

    texts = posting_texts(20, seed=3)
    words = [len(t.split("\n", 2)[2].split()) for t in texts]
    assert len(texts) == 20 and min(words) >= 150 and max(words) <= 400
    report = bench_embed(texts=20, seed=3)
    assert json.loads(json.dumps(report)) == report
    keys = {"texts", "device", "precision", "texts_per_s", "baseline_texts_per_s", "speedup"}
    keys |= {"min_cosine", "mean_cosine", "gflops_per_s", "peak_gflops_per_s"}
    assert keys | {"rerun_embedded", "rerun_seconds"} <= set(report)
    assert report["texts"] == 20 and report["device"] == "cpu"
    # Whatever precision this CPU gets, the vectors are the fp32 model's.
    assert report["min_cosine"] >= 0.999
    assert report["rerun_embedded"] == 0
    assert 0 < report["gflops_per_s"] < report["peak_gflops_per_s"]


def test_bench_llm_reports_the_issue_keys_and_loses_nothing() -> None:
    from joblens.bench import bench_llm

    report = bench_llm(items=40, latency_ms=20, concurrency=8, error_rate=0.2, seed=3)
    assert json.loads(json.dumps(report)) == report
    issue_keys = {
        "items",
        "seconds",
        "ideal_seconds",
        "efficiency",
        "completed",
        "quarantined",
        "deferred",
        "lost",
        "calls",
        "retries",
        "rerun_calls",
    }
    assert issue_keys <= set(report)
    assert report["ideal_seconds"] == pytest.approx(40 * 0.020 / 8)
    assert report["lost"] == 0 and report["rerun_calls"] == 0
    assert report["completed"] + report["quarantined"] == 40
    # Every 500 the stand-in served was retried, and counted.
    assert report["retries"] >= report["server_errors"] > 0
    assert report["calls"] == 40 + report["retries"]
