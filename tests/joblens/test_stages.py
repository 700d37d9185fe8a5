"""The stages end to end without Prefect, on a tiny synthetic world, with the hashing embedder:
each flow is one committed run, and the lake keeps state across runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from joblens import report, stages, synth
from joblens.embed import EmbeddingCache, HashingEmbedder
from joblens.errors import LakeError
from joblens.lake import Lake
from joblens.settings import Settings


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    synth.generate(out, jobs=120, candidates=6, seed=3)
    return out


def test_every_row_is_accounted_for(flow_runs: type, world: Path, tmp_path: Path) -> None:
    runs = flow_runs(tmp_path).all(world)
    lake = Lake(tmp_path)
    jobs_run = runs["ingest-jobs"].run_id
    raw = lake.read("raw_postings", run_id=jobs_run).height
    postings = lake.read("postings", run_id=jobs_run).height
    quarantine = lake.read("quarantine", run_id=jobs_run)
    normalize_q = quarantine.filter(pl.col("stage") == "normalize").height
    assert raw > 120  # jobs appear in several sources
    assert raw == postings + normalize_q
    jobs = lake.read("jobs", run_id=jobs_run)
    prefilter_q = quarantine.filter(pl.col("stage") == "prefilter").height
    assert int(jobs["n_postings"].sum()) == postings - prefilter_q
    assert jobs["embedding"].list.len().unique().to_list() == [384]
    # Every kept posting is linked to exactly one job entity, url and all.
    links = lake.read("job_postings", run_id=jobs_run)
    assert links.height == postings - prefilter_q
    assert set(links["job_id"]) == set(jobs["job_id"])
    cv_run = runs["ingest-candidates"].run_id
    cvs = lake.read("raw_cvs", run_id=cv_run).height
    cands = lake.read("candidates", run_id=cv_run).height
    profile_q = lake.read("quarantine", run_id=cv_run).filter(pl.col("stage") == "profile")
    assert cvs == cands + profile_q.height
    stats = lake.read("run_stats", run_id=jobs_run)
    assert {"prefilter+dedupe", "embed:jobs"} <= set(stats["stage"])
    for row in stats.filter(pl.col("stage").str.starts_with("ingest")).iter_rows(named=True):
        assert row["rows_in"] == row["rows_out"] + row["rows_quarantined"], row
    # The registry holds each run's counts.
    registry = {r["run_id"]: r for r in lake.runs().to_dicts()}
    assert {r["status"] for r in registry.values()} == {"completed"}
    assert {s["stage"] for s in registry[jobs_run]["stages"]} == set(stats["stage"])


def test_matches_and_analyses_cover_every_candidate(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    runs = flow_runs(tmp_path).all(world)
    lake = Lake(tmp_path)
    settings = Settings()
    matches = lake.current("matches")
    assert set(matches["run_id"]) == {runs["score"].run_id}
    cands = lake.current("candidates")
    per_cand = matches.group_by("candidate_id").agg(pl.len().alias("n"), pl.col("rank").max())
    assert set(per_cand["candidate_id"]) == set(cands["candidate_id"])
    assert (per_cand["n"] <= settings.scoring.top_k).all()
    for _, group in matches.group_by("candidate_id"):
        ordered = group.sort("rank")["score"].to_list()
        assert ordered == sorted(ordered, reverse=True)
    analyses = lake.current("analyses")
    assert set(analyses["analyzer"]) == {"rules-v2"}
    assert set(analyses["matches_run_id"]) == {runs["score"].run_id}
    assert analyses.height == matches.filter(pl.col("rank") <= settings.llm.top_n).height


def test_every_active_job_lists_its_best_candidates_from_the_latest_score_run(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    flows = flow_runs(tmp_path)
    flows.all(world)
    again = flows.score()
    lake = Lake(tmp_path)
    per_job = lake.current("job_matches")
    assert set(per_job["run_id"]) == {again.run_id}
    jobs = lake.current("jobs").filter(pl.col("active"))
    # Each job: ranks 1..n (n <= the setting), scores best first, only active jobs.
    assert set(per_job["job_id"]) <= set(jobs["job_id"])
    assert per_job["job_id"].n_unique() > jobs.height // 2
    for _, group in per_job.group_by("job_id"):
        group = group.sort("rank")
        assert group["rank"].to_list() == list(range(1, group.height + 1))
        assert group.height <= Settings().scoring.candidates_per_job
        assert group["score"].to_list() == sorted(group["score"], reverse=True)
    # A pair kept in both directions has the same factors in both tables.
    both = per_job.join(lake.current("matches"), on=["candidate_id", "job_id"], suffix="_m")
    assert both.height > 0
    for name in ("semantic", "skills", "location", "seniority", "occupation"):
        assert (both[name] - both[f"{name}_m"]).abs().max() < 1e-5
    assert lake.query("SELECT count(*) AS n FROM job_matches")["n"][0] == per_job.height


def test_two_ingest_runs_then_one_score_run_give_one_row_per_entity(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    flows = flow_runs(tmp_path)
    first = flows.ingest_jobs(world / "sources")
    second = flows.ingest_jobs(world / "sources")
    flows.ingest_candidates(world / "cvs")
    scored = flows.score()
    lake = Lake(tmp_path)
    jobs = lake.current("jobs")
    assert jobs["job_id"].is_unique().all()
    # The same postings twice give the same entities, now seen by two runs.
    assert set(jobs["job_id"]) == set(lake.read("jobs", run_id=first.run_id)["job_id"])
    assert set(jobs["run_id"]) == {second.run_id}
    assert (jobs["first_seen"] == first.started_at).all()
    assert (jobs["last_seen"] == second.started_at).all()
    assert jobs["active"].all()
    assert lake.history("jobs").height == 2 * jobs.height
    # Matches belong to the one scoring run and the README's query gives one row per pair.
    matches = lake.current("matches")
    assert set(matches["run_id"]) == {scored.run_id}
    top3 = lake.query(
        "SELECT m.candidate_id, m.rank, j.title FROM matches m JOIN jobs j USING (job_id) "
        "WHERE m.rank <= 3"
    )
    assert top3.height == matches.filter(pl.col("rank") <= 3).height
    # A second ingest of other postings adds jobs without erasing the first ones.
    assert lake.query("SELECT count(*) AS n FROM postings")["n"][0] == (
        lake.current("postings")["posting_id"].n_unique()
    )


def test_a_job_unseen_for_longer_than_the_gap_counts_a_repost(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    from datetime import timedelta

    flows = flow_runs(tmp_path)
    first = flows.ingest_jobs(world / "sources")
    lake = Lake(tmp_path)
    before = lake.current("jobs")
    # The same jobs seen again 40 days later: a repost each, and the 30-day window restarts.
    later = stages.RunContext.create(str(tmp_path), flow="ingest-jobs")
    later = later.model_copy(update={"started_at": first.started_at + timedelta(days=40)})
    later = stages.begin(later)
    for kind in ("greenhouse",):
        stages.ingest_source(later, world / "sources", kind)
    stages.resolve_jobs(later, Settings())
    stages.commit(later, [])
    after = lake.current("jobs")
    seen_again = after.filter(pl.col("run_id") == later.run_id)
    assert seen_again.height > 0
    assert (seen_again["repost_count"] == 1).all()
    assert (seen_again["first_seen"] == first.started_at).all()
    untouched = after.filter(pl.col("run_id") == first.run_id)
    assert untouched.height == before.height - seen_again.height
    assert (untouched["repost_count"] == 0).all()


def test_rerunning_a_run_id_replaces_it_whole(flow_runs: type, world: Path, tmp_path: Path) -> None:
    flows = flow_runs(tmp_path)
    flows.all(world, "r-fixed")
    lake = Lake(tmp_path)
    tables = ("postings", "jobs", "matches", "job_matches", "quarantine", "run_stats")
    before = {t: lake.history(t).height for t in tables}
    flows.all(world, "r-fixed")
    assert {t: lake.history(t).height for t in tables} == before
    assert lake.runs().height == 4


def test_a_rerun_after_a_source_is_removed_keeps_nothing_of_it(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    sources = tmp_path / "drop"
    shutil.copytree(world / "sources", sources)
    flows = flow_runs(tmp_path / "lake")
    flows.ingest_jobs(sources, "hourly-1")
    lake = Lake(tmp_path / "lake")
    assert "lever" in set(lake.read("postings", run_id="hourly-1")["source"])
    shutil.rmtree(sources / "lever")
    flows.ingest_jobs(sources, "hourly-1")
    for name in ("raw_postings", "postings", "source_health", "job_postings"):
        assert "lever" not in set(lake.read(name, run_id="hourly-1")["source"]), name
    assert not list((tmp_path / "lake/bronze/raw_postings").glob("source=lever/*/run=hourly-1"))


def test_a_run_that_did_not_complete_is_visible_in_the_registry_only(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    flows = flow_runs(tmp_path)
    flows.all(world)
    lake = Lake(tmp_path)
    views = {t: lake.current(t).height for t in ("jobs", "postings", "matches")}
    ctx = stages.begin(stages.RunContext.create(str(tmp_path), flow="ingest-jobs"))
    stages.ingest_source(ctx, world / "sources", "greenhouse")
    stages.resolve_jobs(ctx, Settings())  # new versions written, never committed
    assert {t: lake.current(t).height for t in views} == views
    assert set(lake.current("jobs")["run_id"]) != {ctx.run_id}
    assert lake.run(ctx.run_id)["status"] == "running"  # type: ignore[index]
    stages.fail(ctx, "interrupted")
    assert lake.run(ctx.run_id)["status"] == "failed"  # type: ignore[index]
    assert lake.files("jobs", run_id=ctx.run_id) == []
    assert {t: lake.current(t).height for t in views} == views


def test_run_ids_cannot_leave_the_lake(tmp_path: Path) -> None:
    for bad in ("../../x", "a/b", ".hidden", "", "x" * 200):
        with pytest.raises(LakeError, match="bad run id"):
            stages.RunContext.create(str(tmp_path), bad, flow="score")
    assert list(tmp_path.iterdir()) == []


def test_summary_reports_what_the_runs_wrote(flow_runs: type, world: Path, tmp_path: Path) -> None:
    flows = flow_runs(tmp_path)
    parent = stages.begin(stages.RunContext.create(str(tmp_path), "p1", flow="pipeline"))
    runs = flows.all(world, "p1")
    for ctx in runs.values():  # what the pipeline flow does: its flows name it as parent
        row = Lake(tmp_path).run(ctx.run_id)
        Lake(tmp_path).record_run({**row, "parent_run_id": "p1"})  # type: ignore[dict-item]
    stages.commit(parent, [])
    summary = report.summarize(Lake(tmp_path), "p1")
    assert [r["flow"] for r in summary["runs"]] == [
        "pipeline",
        "ingest-jobs",
        "ingest-candidates",
        "score",
        "analyze",
    ]
    assert summary["rows"]["matches"] == Lake(tmp_path).current("matches").height > 0
    assert summary["rows"]["jobs"] == Lake(tmp_path).current("jobs").height
    assert {s["source"] for s in summary["sources"]} >= {"greenhouse", "lever", "ashby"}
    assert len({e["candidate_id"] for e in summary["examples"]}) == 2
    assert all(e["rank"] <= 3 and e["title"] for e in summary["examples"])
    assert any(
        p.startswith("silver/jobs/") and p.endswith("run=p1-ingest-jobs")
        for p in summary["partitions"]
    )
    markdown = report.to_markdown(summary)
    assert "Rows written" in markdown and "## Partitions written" in markdown


def test_a_rerun_keeps_the_date_partition_of_its_run() -> None:
    ctx = stages.RunContext.create("/tmp/lake", "20261120T235959Z-abc123", flow="score")
    assert ctx.dt == "2026-11-20"
    mine = stages.RunContext.create("/tmp/lake", "my-run", flow="score")
    assert mine.dt == mine.started_at.strftime("%Y-%m-%d")


def test_scoring_an_empty_lake_accounts_for_every_candidate(world: Path, tmp_path: Path) -> None:
    cvs = tmp_path / "cvs"
    cvs.mkdir()
    for path in sorted((world / "cvs").iterdir())[:3]:
        (cvs / path.name).write_text(path.read_text())
    # Same candidate id twice (alice.txt + alice.md): the second is quarantined, not merged.
    first = sorted(cvs.iterdir())[0]
    (cvs / f"{first.stem}{'.md' if first.suffix == '.txt' else '.txt'}").write_text(
        first.read_text()
    )
    lake_root = tmp_path / "lake"
    settings = Settings()
    ctx = stages.begin(stages.RunContext.create(str(lake_root), flow="ingest-candidates"))
    embedder, cache = HashingEmbedder(), EmbeddingCache(ctx.lake.index_dir)
    cv_report = stages.ingest_cvs(ctx, cvs)
    assert (cv_report.rows_in, cv_report.rows_out, cv_report.rows_quarantined) == (4, 3, 1)
    stages.commit(ctx, [cv_report, stages.embed_candidates(ctx, embedder, cache)])
    scoring = stages.begin(stages.RunContext.create(str(lake_root), flow="score"))
    scored = stages.score(scoring, settings)
    assert (scored.rows_in, scored.rows_out, scored.rows_quarantined) == (3, 0, 3)
    rejects = [ctx.lake.read("quarantine", run_id=r) for r in (ctx.run_id, scoring.run_id)]
    reasons = dict(pl.concat(rejects).select("stage", "reason").iter_rows())
    assert reasons["score"] == "no active jobs"
    assert reasons["profile"].startswith("duplicate candidate id")


def test_an_unreadable_file_is_reported_and_the_source_goes_on(world: Path, tmp_path: Path) -> None:
    sources_dir = tmp_path / "sources"
    (sources_dir / "greenhouse").mkdir(parents=True)
    good = sorted((world / "sources" / "greenhouse").iterdir())[0]
    (sources_dir / "greenhouse" / good.name).write_bytes(good.read_bytes())
    (sources_dir / "greenhouse" / "zz-broken.json").write_text('{"jobs": [ {"id": 1,')
    ctx = stages.begin(stages.RunContext.create(str(tmp_path / "lake"), flow="ingest-jobs"))
    report = stages.ingest_source(ctx, sources_dir, "greenhouse")
    assert report.rows_out > 0
    assert report.detail["failed_origins"] == 1
    health = ctx.lake.read("source_health", run_id=ctx.run_id).row(0, named=True)
    assert health["status"] == "degraded"
    assert "zz-broken.json" in health["error"]
    assert health["origins"] == 2


def test_scoring_in_parts_gives_the_same_matches_as_one_part(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    from joblens.stages.score import finish, plan, score_part

    runs = flow_runs(tmp_path).all(world)
    lake = Lake(tmp_path)
    whole = lake.current("matches").drop("run_id")
    ctx = stages.begin(stages.RunContext.create(str(tmp_path), flow="score"))
    planned = plan(ctx, per_part=4)
    assert planned["parts"] == 2 and planned["candidates"] == 6
    results = [score_part(ctx, Settings(), p, 2) for p in range(2)]
    assert [r["candidates"] for r in results] == [3, 3]
    stages.commit(ctx, [finish(ctx, planned, results)])
    parts = lake.current("matches")
    assert set(parts["run_id"]) == {ctx.run_id} != {runs["score"].run_id}
    # The same pairs in the same order; scores equal up to the seconds of freshness between
    # the two runs' clocks.
    key = ["candidate_id", "rank"]
    a, b = parts.sort(key), whole.sort(key)
    assert a.select(*key, "job_id").equals(b.select(*key, "job_id"))
    assert (a["score"] - b["score"]).abs().max() < 1e-5


def test_a_run_no_longer_running_under_its_attempt_cannot_commit(
    flow_runs: type, world: Path, tmp_path: Path
) -> None:
    flows = flow_runs(tmp_path)
    first = stages.begin(stages.RunContext.create(str(tmp_path), "again", flow="score"))
    # The same run id begun again (a retry elsewhere): the first attempt lost it.
    second = stages.begin(stages.RunContext.create(str(tmp_path), "again", flow="score"))
    with pytest.raises(LakeError, match="begun again elsewhere"):
        stages.commit(first, [])
    stages.commit(second, [])
    assert stages.commit(second, []) == []  # committing twice changes nothing
    assert Lake(tmp_path).run("again")["status"] == "completed"  # type: ignore[index]
    # A run marked failed (by a reaper, say) cannot come back as completed.
    ctx = stages.begin(stages.RunContext.create(str(tmp_path), flow="score"))
    lake = Lake(tmp_path)
    lake.transition(lake.run(ctx.run_id), status="failed", error="reaped")  # type: ignore[arg-type]
    with pytest.raises(LakeError, match="is failed"):
        stages.commit(ctx, [])
    assert lake.run(ctx.run_id)["status"] == "failed"  # type: ignore[index]
    # A stale view of a running row cannot fail a run that has committed since.
    late = stages.begin(stages.RunContext.create(str(tmp_path), flow="score"))
    stale = lake.run(late.run_id)
    stages.commit(late, [])
    assert not lake.transition(stale, status="failed", error="too late")  # type: ignore[arg-type]
    assert lake.run(late.run_id)["status"] == "completed"  # type: ignore[index]
    del flows


def test_a_run_reads_the_lake_as_of_its_begin(flow_runs: type, world: Path, tmp_path: Path) -> None:
    flows = flow_runs(tmp_path)
    flows.ingest_jobs(world / "sources")
    cvs = tmp_path / "cvs"
    cvs.mkdir()
    for path in sorted((world / "cvs").iterdir())[:2]:
        (cvs / path.name).write_text(path.read_text())
    flows.ingest_candidates(cvs)
    scoring = stages.begin(stages.RunContext.create(str(tmp_path), flow="score"))
    # More candidates commit while the score run works: it neither scores nor blames them.
    flows.ingest_candidates(world / "cvs")
    report = stages.score(scoring, Settings())
    assert (report.rows_in, report.rows_out + report.rows_quarantined) == (2, 2)
    stages.commit(scoring, [report])
    assert Lake(tmp_path).current("candidates").height == 6


def test_two_entity_writers_on_one_lake_do_not_overlap(world: Path, tmp_path: Path) -> None:
    first = stages.begin(stages.RunContext.create(str(tmp_path / "a"), flow="ingest-jobs"))
    with pytest.raises(LakeError, match="still holds the lake's jobs lock"):
        stages.begin(stages.RunContext.create(str(tmp_path / "a"), flow="ingest-jobs"))
    # Another lake, or another kind of state, is not held up.
    other = stages.begin(stages.RunContext.create(str(tmp_path / "b"), flow="ingest-jobs"))
    cvs = stages.begin(stages.RunContext.create(str(tmp_path / "a"), flow="ingest-candidates"))
    for ctx in (first, other, cvs):
        stages.fail(ctx, "test over")
    stages.fail(
        stages.begin(stages.RunContext.create(str(tmp_path / "a"), flow="ingest-jobs")), "x"
    )


def test_a_pipeline_run_id_too_long_for_its_flows_fails_first(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="suffixes"):
        stages.RunContext.create(str(tmp_path), "r" * 120, flow="pipeline")
