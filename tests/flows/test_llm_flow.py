"""The LLM stage through a real (temporary) Prefect server: the key is used and found
nowhere else (logs, artifacts, flow parameters, lake files), nor is a token in a URL
setting; a Prefect Secret block can hold the key, and a refused key fails the flow once,
clearly, without retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from joblens import synth
from joblens.lake import Lake
from joblens.llm.fake import FakeLLM

pytestmark = [pytest.mark.integration, pytest.mark.server]

CANARY = "sk-joblens-canary-7f3a9c"
URL_TOKEN = "urltok-4b1d77e0"


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """The stand-in, requiring the canary key; JobLens pointed at it, hashing embedder."""
    with FakeLLM(api_key=CANARY) as fake:
        monkeypatch.setenv("JOBLENS_EMBED__DEVICE", "none")
        monkeypatch.setenv("JOBLENS_LLM__BASE_URL", fake.base_url)
        yield fake


def _prefect_text() -> str:
    """Every log line, artifact and flow-run parameter the Prefect server holds, as text."""
    import anyio
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, FlowRunFilter, LogFilter

    async def every(read_page: Any, **kw: Any) -> list[Any]:
        out: list[Any] = []
        while True:  # the server answers at most 200 a page
            page = await read_page(limit=200, offset=len(out), **kw)
            out += page
            if len(page) < 200:
                return out

    async def read() -> str:
        async with get_client() as client:
            logs = await every(client.read_logs, log_filter=LogFilter())
            arts = await every(client.read_artifacts, artifact_filter=ArtifactFilter())
            runs = await every(client.read_flow_runs, flow_run_filter=FlowRunFilter())
        parts: list[Any] = [log.message for log in logs]
        parts += [(a.key, a.description, a.data) for a in arts]
        parts += [r.parameters for r in runs]
        return json.dumps(parts, default=str)

    return anyio.run(read)


def _lake_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_the_key_is_used_and_appears_nowhere_else(
    prefect_harness: None,
    llm_env: FakeLLM,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.pipeline import pipeline

    monkeypatch.setenv("JOBLENS_LLM__API_KEY", CANARY)
    # A token in a URL setting (a board proxy that takes it in the query): loaded, not used.
    proxy = f"http://127.0.0.1:9/greenhouse?token={URL_TOKEN}"
    monkeypatch.setenv("JOBLENS_FETCH__BASE_URLS", json.dumps({"greenhouse": proxy}))
    world = tmp_path / "world"
    synth.generate(world, jobs=50, candidates=3, seed=8)
    lake_root = tmp_path / "lake"
    state = pipeline(world=str(world), lake=str(lake_root), return_state=True)
    assert state.is_completed(), state
    assert CANARY in llm_env.seen_keys  # it was used...
    analyses = Lake(lake_root).current("analyses")
    assert analyses.height > 0 and set(analyses["analyzer"]) == {"llm:gpt-4o-mini:match-v2"}
    sources = set(Lake(lake_root).current("candidates")["profile_source"])
    assert sources == {"llm:gpt-4o-mini:profile-v1"}  # the CVs were read by the model too
    text = _prefect_text()
    assert "match analysis: analyzer llm:gpt-4o-mini:match-v2 at http://127.0.0.1" in text
    assert CANARY not in text  # ...and is in no log line, artifact or parameter,
    assert CANARY.encode() not in _lake_bytes(lake_root)  # nor in any lake file
    assert URL_TOKEN not in text and URL_TOKEN.encode() not in _lake_bytes(lake_root)


def test_a_secret_block_holds_the_key_and_a_refused_key_fails_once(
    prefect_harness: None,
    llm_env: FakeLLM,
    tmp_path: Path,
    flow_runs: type,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.blocks.system import Secret

    from flows.analyze import analyze

    world = tmp_path / "world"
    synth.generate(world, jobs=40, candidates=2, seed=9)
    lake_root = tmp_path / "lake"
    runs = flow_runs(lake_root)
    runs.ingest_jobs(world / "sources", "jobs-1")
    runs.ingest_candidates(world / "cvs", "cands-1")
    runs.score("score-1")

    Secret(value=CANARY).save("joblens-llm-key", overwrite=True)
    monkeypatch.setenv("JOBLENS_LLM__API_KEY_BLOCK", "joblens-llm-key")
    done = analyze(lake=str(lake_root))
    assert done["stages"][0]["rows_out"] > 0 and llm_env.stats["unauthorized"] == 0

    monkeypatch.delenv("JOBLENS_LLM__API_KEY_BLOCK")
    monkeypatch.setenv("JOBLENS_LLM__API_KEY", "sk-wrong")
    monkeypatch.setenv("JOBLENS_LLM__MODEL", "gpt-4o")  # not cached: it must ask
    before = llm_env.stats["requests"]
    state = analyze(lake=str(lake_root), run_id="analyze-refused", return_state=True)
    assert state.is_failed()
    row = Lake(lake_root).run("analyze-refused") or {}
    assert row["status"] == "failed" and "HTTP 401" in row["error"]
    assert "sk-wrong" not in row["error"]
    # Not retried: one attempt asks each chosen match at most once; three would ask more.
    chosen = done["stages"][0]["rows_in"]
    assert 0 < llm_env.stats["requests"] - before <= chosen
    assert "sk-wrong" not in _prefect_text()


def test_a_full_disk_fails_the_ingest_once_without_retries(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ingest-source is retried for what a retry can fix; a disk that refuses the bytes
    fails the same way every time, so it is tried once and the run is marked failed."""
    import errno

    from flows.ingest_jobs import ingest_jobs
    from joblens import stages
    from joblens.errors import LakeError

    world = tmp_path / "world"
    synth.generate(world, jobs=20, candidates=1, seed=4)
    calls: list[str] = []

    def full_disk(ctx: Any, kind: str, paths: Any) -> Any:
        calls.append(kind)
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise LakeError(f"writing postings: {exc}") from exc

    monkeypatch.setattr(stages, "ingest_files", full_disk)
    lake_root = tmp_path / "lake"
    state = ingest_jobs(
        sources=str(world / "sources"), lake=str(lake_root), run_id="full", return_state=True
    )
    assert state.is_failed()
    kinds = {k for k in calls}
    assert len(calls) == len(kinds), f"retried: {calls}"  # each kind tried once
    row = Lake(lake_root).run("full") or {}
    assert row["status"] == "failed" and "No space left on device" in row["error"]
