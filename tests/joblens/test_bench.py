"""The benches return the JSON-able reports the CLI prints, on data they generate themselves."""

from __future__ import annotations

import json
import math

import polars as pl
import pytest

from joblens.bench_score import bench_score, design_candidates, design_jobs
from joblens.schemas import CANDIDATES, JOBS

USERS, JOBS_N, DIM, TOP_K = 40, 600, 16, 5
CONTRACT = {
    "jobs",
    "users",
    "k",
    "seconds",
    "ms_per_user",
    "matmul_seconds",
    "topk_seconds",
    "write_seconds",
    "peak_rss_gb",
    "baseline",
    "baseline_seconds",
    "ratio",
    "recall_vs_fp32",
    "pairs_scored",
}


def test_bench_score_prints_the_issue_keys_and_keeps_the_exact_top_k() -> None:
    report = bench_score(jobs=JOBS_N, users=USERS, k=TOP_K, dim=DIM, recall_users=USERS)
    assert json.loads(json.dumps(report)) == report  # the CLI prints it as the last line
    assert set(report) >= CONTRACT
    assert (report["jobs"], report["users"], report["k"]) == (JOBS_N, USERS, TOP_K)
    assert report["baseline"] == "faiss_flat_ip"
    for key in ("seconds", "matmul_seconds", "topk_seconds", "write_seconds", "peak_rss_gb"):
        assert math.isfinite(report[key]) and report[key] >= 0, key
    assert report["peak_rss_gb"] > 0
    # Every user's kept jobs are its exact top K, and the place blocks skip jobs elsewhere.
    assert report["recall_vs_fp32"] == 1.0
    assert 0 < report["pairs_scored"] < JOBS_N * USERS
    assert 0 < report["match_rows"] <= USERS * TOP_K


def test_design_draws_spread_like_a_job_market() -> None:
    jobs, users = design_jobs(3000, dim=8), design_candidates(500, dim=8)
    assert set(jobs.columns) <= set(JOBS.names) and set(users.columns) <= set(CANDIDATES.names)
    assert jobs["embedding"].list.len().unique().to_list() == [8]
    remote = jobs.filter(pl.col("work_mode") == "remote")
    assert 0.28 < remote.height / jobs.height < 0.39
    # Some remote jobs are open to one country, others to anyone; none sits in a city.
    assert remote["country"].null_count() not in (0, remote.height)
    assert remote["city"].null_count() == remote.height
    assert jobs["country"].n_unique() >= 20 and jobs["city"].n_unique() >= 500
    assert set(users["country"].drop_nulls()) <= set(jobs["country"].drop_nulls()) | {None}


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


def test_bench_pipeline_reports_cold_warm_and_embed_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from joblens.bench_pipeline import bench_pipeline

    monkeypatch.setenv("JOBLENS_EMBED__DEVICE", "none")  # the hashing embedder: no model
    report = bench_pipeline(jobs=80, candidates=4, seed=3)
    assert json.loads(json.dumps(report)) == report
    keys = {"jobs", "cold_seconds", "jobs_per_min_cold", "warm_seconds", "jobs_per_min_warm"}
    assert keys | {"embed_only_jobs_per_min", "stage_seconds"} <= set(report)
    assert report["jobs"] == 80 and report["embed_only_texts"] > 0
    # Every flow ran both times, and the warm run met every job again in the lake.
    for stage in ("flow:ingest-jobs", "flow:ingest-candidates", "flow:score", "flow:analyze"):
        assert stage in report["stage_seconds"] and stage in report["warm_stage_seconds"]
    assert report["entities_warm"] == report["entities_cold"] > 0
    assert report["cold_seconds"] > 0 and report["warm_seconds"] > 0
