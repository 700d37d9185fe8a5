"""`bench_score` returns the JSON-able report the CLI prints, on data it generates itself."""

from __future__ import annotations

import json

from joblens.bench import bench_score, random_candidates, random_jobs
from joblens.schemas import CANDIDATES, JOBS


def test_bench_score_reports_every_timing_as_json() -> None:
    report = bench_score(candidates=40, jobs=300, dim=16, top_k=5)
    json.dumps(report)  # the CLI prints it as the last line
    for key in (
        "candidates",
        "jobs",
        "dim",
        "top_k",
        "engine_s",
        "numpy_s",
        "faiss_s",
        "engine_vs_faiss",
        "ms_per_candidate",
        "peak_rss_mb",
    ):
        assert key in report
    assert (report["candidates"], report["jobs"], report["dim"], report["top_k"]) == (
        40,
        300,
        16,
        5,
    )
    assert report["engine_s"] > 0 and report["faiss_s"] > 0 and report["peak_rss_mb"] > 0
    assert report["match_rows"] <= 40 * 5


def test_random_frames_have_the_lake_columns_the_engine_reads() -> None:
    jobs, cands = random_jobs(50, dim=8), random_candidates(20, dim=8)
    assert set(jobs.columns) <= set(JOBS.names) and set(cands.columns) <= set(CANDIDATES.names)
    assert jobs.height == 50 and cands.height == 20
    lengths = jobs["embedding"].list.len().unique().to_list()
    assert lengths == [8]
