"""The stages end to end without Prefect, on a tiny synthetic world, with the hashing embedder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from joblens import report, stages, synth
from joblens.embed import EmbeddingCache, HashingEmbedder
from joblens.lake import Lake
from joblens.settings import Settings

Runner = Callable[..., stages.RunContext]
"""The `run_stages` fixture of tests/conftest.py: every stage in flow order, no Prefect."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    synth.generate(out, jobs=120, candidates=6, seed=3)
    return out


def test_every_row_is_accounted_for(run_stages: Runner, world: Path, tmp_path: Path) -> None:
    ctx = run_stages(world, tmp_path)
    lake = Lake(tmp_path)
    raw = lake.read("raw_postings", run_id=ctx.run_id).height
    postings = lake.read("postings", run_id=ctx.run_id).height
    quarantine = lake.read("quarantine", run_id=ctx.run_id)
    normalize_q = quarantine.filter(pl.col("stage") == "normalize").height
    assert raw > 120  # jobs appear in several sources
    assert raw == postings + normalize_q
    jobs = lake.read("jobs", run_id=ctx.run_id)
    prefilter_q = quarantine.filter(pl.col("stage") == "prefilter").height
    assert int(jobs["n_postings"].sum()) == postings - prefilter_q
    assert jobs["embedding"].list.len().unique().to_list() == [384]
    cvs = lake.read("raw_cvs", run_id=ctx.run_id).height
    cands = lake.read("candidates", run_id=ctx.run_id).height
    assert cvs == cands + quarantine.filter(pl.col("stage") == "profile").height
    stats = lake.read("run_stats", run_id=ctx.run_id)
    assert {"prefilter+dedupe", "embed:jobs", "score", "analyze"} <= set(stats["stage"])
    for row in stats.filter(pl.col("stage").str.starts_with("ingest")).iter_rows(named=True):
        assert row["rows_in"] == row["rows_out"] + row["rows_quarantined"], row


def test_matches_and_analyses_cover_every_candidate(
    run_stages: Runner, world: Path, tmp_path: Path
) -> None:
    ctx = run_stages(world, tmp_path)
    lake = Lake(tmp_path)
    settings = Settings()
    matches = lake.read("matches", run_id=ctx.run_id)
    cands = lake.read("candidates", run_id=ctx.run_id)
    per_cand = matches.group_by("candidate_id").agg(pl.len().alias("n"), pl.col("rank").max())
    assert set(per_cand["candidate_id"]) == set(cands["candidate_id"])
    assert (per_cand["n"] <= settings.scoring.top_k).all()
    # Ranks follow scores.
    for _, group in matches.group_by("candidate_id"):
        ordered = group.sort("rank")["score"].to_list()
        assert ordered == sorted(ordered, reverse=True)
    analyses = lake.read("analyses", run_id=ctx.run_id)
    assert set(analyses["analyzer"]) == {"rules-v1"}
    assert analyses.height == matches.filter(pl.col("rank") <= settings.llm.top_n).height


def test_rerunning_a_run_id_replaces_its_rows(
    run_stages: Runner, world: Path, tmp_path: Path
) -> None:
    first = run_stages(world, tmp_path, run_id="r-fixed")
    before = {
        t: Lake(tmp_path).read(t).height for t in ("postings", "jobs", "matches", "quarantine")
    }
    run_stages(world, tmp_path, run_id=first.run_id)
    after = {
        t: Lake(tmp_path).read(t).height for t in ("postings", "jobs", "matches", "quarantine")
    }
    assert after == before


def test_summary_reports_what_the_run_wrote(
    run_stages: Runner, world: Path, tmp_path: Path
) -> None:
    ctx = run_stages(world, tmp_path)
    summary = report.summarize(Lake(tmp_path), ctx.run_id)
    assert summary["rows"]["matches"] > 0
    assert summary["rows"]["jobs"] == Lake(tmp_path).read("jobs").height
    assert {s["source"] for s in summary["sources"]} >= {"greenhouse", "lever", "ashby"}
    assert len({e["candidate_id"] for e in summary["examples"]}) == 2
    assert all(e["rank"] <= 3 and e["title"] for e in summary["examples"])
    assert "Rows written" in report.to_markdown(summary)


def test_a_rerun_keeps_the_date_partition_of_its_run() -> None:
    ctx = stages.RunContext.create("/tmp/lake", "20261120T235959Z-abc123")
    assert ctx.dt == "2026-11-20"
    assert stages.RunContext.create("/tmp/lake", "my-run").dt == ctx.started_at.strftime("%Y-%m-%d")


def test_a_run_without_jobs_accounts_for_every_candidate(world: Path, tmp_path: Path) -> None:
    empty_sources = tmp_path / "no-sources"
    empty_sources.mkdir()
    cvs = tmp_path / "cvs"
    cvs.mkdir()
    for path in sorted((world / "cvs").iterdir())[:3]:
        (cvs / path.name).write_text(path.read_text())
    # Same candidate id twice (alice.txt + alice.md): the second is quarantined, not merged.
    first = sorted(cvs.iterdir())[0]
    (cvs / f"{first.stem}{'.md' if first.suffix == '.txt' else '.txt'}").write_text(
        first.read_text()
    )
    settings = Settings()
    ctx = stages.RunContext.create(str(tmp_path / "lake"))
    embedder, cache = HashingEmbedder(), EmbeddingCache(ctx.lake.index_dir)
    stages.dedupe_postings(ctx, settings)
    assert stages.embed_jobs(ctx, embedder, cache).rows_out == 0
    cv_report = stages.ingest_cvs(ctx, cvs)
    assert (cv_report.rows_in, cv_report.rows_out, cv_report.rows_quarantined) == (4, 3, 1)
    stages.embed_candidates(ctx, embedder, cache)
    scored = stages.score(ctx, settings)
    assert (scored.rows_in, scored.rows_out, scored.rows_quarantined) == (3, 0, 3)
    quarantine = ctx.lake.read("quarantine", run_id=ctx.run_id)
    reasons = dict(zip(quarantine["stage"], quarantine["reason"], strict=True))
    assert reasons["score"] == "no jobs"
    assert reasons["profile"].startswith("duplicate candidate id")


def test_an_unreadable_file_is_reported_and_the_source_goes_on(world: Path, tmp_path: Path) -> None:
    sources_dir = tmp_path / "sources"
    (sources_dir / "greenhouse").mkdir(parents=True)
    good = sorted((world / "sources" / "greenhouse").iterdir())[0]
    (sources_dir / "greenhouse" / good.name).write_bytes(good.read_bytes())
    (sources_dir / "greenhouse" / "zz-broken.json").write_text('{"jobs": [ {"id": 1,')
    ctx = stages.RunContext.create(str(tmp_path / "lake"))
    report = stages.ingest_source(ctx, sources_dir, "greenhouse")
    assert report.rows_out > 0
    assert report.detail["failed_origins"] == 1
    health = ctx.lake.read("source_health", run_id=ctx.run_id).row(0, named=True)
    assert health["status"] == "degraded"
    assert "zz-broken.json" in health["error"]
    assert health["origins"] == 2
