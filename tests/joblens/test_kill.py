"""A run killed with SIGKILL mid-embedding or mid-write: the views do not change, the registry
says failed, the next run cleans what was left, completes, and reuses the finished work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from joblens import synth
from joblens.lake import Lake

pytestmark = pytest.mark.integration

# Runs the ingest-jobs stages in a child process that kills itself at one point.
CHILD = r"""
import os, signal, sys
from pathlib import Path

import joblens.lake
from joblens import stages
from joblens.embed import EmbeddingCache, HashingEmbedder
from joblens.settings import Settings
from joblens.sources import plan_drop

sources, lake_root, when = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
die = lambda: os.kill(os.getpid(), signal.SIGKILL)

if when == "write":  # the jobs file is written to its temp name, then the process dies
    real_replace = os.replace
    def replace(src, dst):
        if "/silver/jobs/" in str(dst):
            die()
        real_replace(src, dst)
    joblens.lake.os.replace = replace

def progress(done, total):
    if when == "embed" and 0 < done < total:  # after the first chunk reached the cache
        die()

ctx = stages.begin(stages.RunContext.create(lake_root, flow="ingest-jobs"))
print(ctx.run_id, flush=True)
for kind, paths in plan_drop(sources).files.items():  # the flow's plan: every file once
    stages.ingest_files(ctx, kind, paths)
stages.resolve_jobs(ctx, Settings())
stages.embed_jobs(ctx, HashingEmbedder(), EmbeddingCache(ctx.lake.index_dir), progress=progress)
stages.commit(ctx, [])
"""


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    small = tmp_path_factory.mktemp("small")
    synth.generate(small, jobs=60, candidates=3, seed=21)
    big = tmp_path_factory.mktemp("big")  # > 512 jobs: more than one embedding chunk
    synth.generate(big, jobs=700, candidates=2, seed=22)
    return small, big


def _view_state(lake: Lake) -> dict[str, object]:
    return {
        "jobs": sorted(lake.current("jobs")["job_id"]),
        "postings": lake.current("postings").height,
        "matches": sorted(lake.current("matches").select("candidate_id", "job_id").rows()),
    }


@pytest.mark.parametrize("when", ["embed", "write"])
def test_a_killed_run_changes_no_view_and_the_next_run_recovers(
    flow_runs: type, worlds: tuple[Path, Path], tmp_path: Path, when: str
) -> None:
    small, big = worlds
    flows = flow_runs(tmp_path)
    flows.all(small)
    lake = Lake(tmp_path)
    before = _view_state(lake)
    # An analyst holds the published database open through everything that follows.
    reader = duckdb.connect(
        str(lake.duckdb_path), read_only=True, config={"file_search_path": str(tmp_path)}
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(big / "sources"), str(tmp_path), when],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    killed = child.stdout.split()[0]
    if when == "write":
        assert list(tmp_path.rglob(".tmp-*.partial")), "the kill should leave a temp file"
    assert _view_state(lake) == before
    assert reader.sql("SELECT count(*) FROM jobs").fetchall() == [(len(before["jobs"]),)]  # type: ignore[arg-type]

    registry = {r["run_id"]: r for r in lake.runs().to_dicts()}
    assert registry[killed]["status"] == "failed"
    assert lake.files("postings", run_id=killed) == []

    again = flows.ingest_jobs(big / "sources")
    scored = flows.score()
    assert not list(tmp_path.rglob(".tmp-*.partial"))
    stats = {s["stage"]: s for s in lake.run(again.run_id)["stages"]}  # type: ignore[index]
    assert stats["embed:jobs"]["rows_out"] > 512
    if when == "embed":  # the chunk embedded before the kill came from the cache
        assert json.loads(stats["embed:jobs"]["detail"])["cache_hits"] >= 512
    after = _view_state(lake)
    assert set(before["jobs"]) < set(after["jobs"])  # type: ignore[arg-type]
    assert {r for r in lake.current("matches")["run_id"]} == {scored.run_id}
    assert reader.sql("SELECT count(*) FROM runs").fetchall()[0][0] >= 6
    reader.close()
