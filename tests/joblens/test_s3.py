"""The lake on a loopback S3 (moto's server): the flows' stages, the registry, the views and
the CLI work the same as on a local directory, and nothing is written locally but the cache."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from pyarrow import fs as pafs
from typer.testing import CliRunner

from joblens import stages, synth
from joblens.cli import app
from joblens.errors import LakeError
from joblens.lake import Lake

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    synth.generate(out, jobs=80, candidates=4, seed=31)
    return out


def test_the_flows_run_on_an_s3_lake(s3: str, flow_runs: type, world: Path, tmp_path: Path) -> None:
    cwd = Path.cwd()
    os.chdir(tmp_path)  # nothing may land in a local folder named after the URI
    try:
        runs = flow_runs(s3).all(world, "s3run")
        flow_runs(s3).ingest_jobs(world / "sources")  # a second ingest: state across runs
    finally:
        os.chdir(cwd)
    assert not list(tmp_path.glob("s3*"))
    lake = Lake(s3)
    assert not lake.is_local
    jobs = lake.current("jobs")
    assert jobs.height > 0 and jobs["job_id"].is_unique().all()
    assert lake.history("jobs").height == 2 * jobs.height
    matches = lake.current("matches")
    assert set(matches["run_id"]) == {runs["score"].run_id}
    assert set(lake.runs()["status"]) == {"completed"}
    # The files are objects in the bucket, in their run directories.
    s3fs, base = pafs.FileSystem.from_uri(s3)
    keys = [i.path for i in s3fs.get_file_info(pafs.FileSelector(base, recursive=True))]
    assert any("/silver/jobs/" in k and "/run=s3run-ingest-jobs/" in k for k in keys)
    assert f"{base}/views.sql" in keys
    # Re-running a run id replaces it whole on S3 too.
    before = lake.history("postings").height
    flow_runs(s3).ingest_jobs(world / "sources", "s3run-ingest-jobs")
    assert lake.history("postings").height == before


def test_cli_queries_an_s3_lake_and_a_missing_bucket_fails_first(
    s3: str, flow_runs: type, world: Path
) -> None:
    flow_runs(s3).all(world)
    runner = CliRunner()
    out = runner.invoke(
        app, ["query", "--lake", s3, "--format", "csv", "SELECT count(*) AS n FROM matches"]
    )
    assert out.exit_code == 0, out.output
    assert int(out.output.splitlines()[1]) == Lake(s3).current("matches").height > 0
    out = runner.invoke(app, ["runs", "--lake", s3], env={"COLUMNS": "240"})
    assert out.exit_code == 0 and out.output.count("completed") == 4
    with pytest.raises(LakeError, match="bucket 'nobucket' does not exist"):
        Lake("s3://nobucket/lake")
    out = runner.invoke(app, ["run", "score", "--lake", "s3://nobucket/lake"])
    assert out.exit_code == 1 and "does not exist" in out.output


def test_a_failed_run_on_s3_leaves_no_object(s3: str, world: Path) -> None:
    ctx = stages.begin(stages.RunContext.create(s3, flow="ingest-jobs"))
    stages.ingest_source(ctx, world / "sources", "lever")
    assert ctx.lake.files("postings", run_id=ctx.run_id)
    assert ctx.lake.current("postings").height == 0  # running: invisible
    stages.fail(ctx, "interrupted")
    assert ctx.lake.files("postings", run_id=ctx.run_id) == []
    row = ctx.lake.run(ctx.run_id)
    assert row is not None and row["status"] == "failed"
    assert pl.DataFrame(ctx.lake.runs())["status"].to_list() == ["failed"]
