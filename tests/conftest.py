"""Shared fixtures: a clean environment, the real-samples directory, one Prefect harness."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "postings"
# Vectors of the ESCO labels, embedded once per checkout (about 35 s) and reused by every
# test and every later `make test`; kept in the checkout, not in the user's home.
VECTOR_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "vectors"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's JOBLENS_* settings, proxies or API keys."""
    for key in list(os.environ):
        if key.startswith("JOBLENS_") or key.lower() in {"http_proxy", "https_proxy", "all_proxy"}:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("JOBLENS_EMBED__CACHE_DIR", str(VECTOR_CACHE))


@pytest.fixture
def samples_dir() -> Path:
    """The real job-board samples in ../shared; the test is skipped where they are absent."""
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples/postings is not present on this machine")
    return SAMPLES


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A loopback S3 (moto's server) on a free port, with a bucket "lake"; yields its URL.

    The AWS_* variables it needs are set by the `s3` fixture, per test."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = Path(sys.executable).parent / "moto_server"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.1)
        from pyarrow import fs

        env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        os.environ.update(env)
        fs.S3FileSystem(
            endpoint_override=f"127.0.0.1:{port}",
            scheme="http",
            region="us-east-1",
            allow_bucket_creation=True,
        ).create_dir("lake")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """An s3:// lake root on the loopback S3, unique to the test; AWS_* point at it."""
    import uuid

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the remote lake's index
    return f"s3://lake/{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium for headless screenshots, installed with apt-get when missing (as
    root); the test is skipped only where it cannot be installed."""
    import shutil
    import subprocess

    path = shutil.which("chromium")
    if path is None and shutil.which("apt-get") and os.geteuid() == 0:
        quiet = {"capture_output": True, "timeout": 900, "check": False}
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "chromium"]
        if subprocess.run(install, env=env, **quiet).returncode != 0:  # type: ignore[call-overload]
            subprocess.run(["apt-get", "update", "-q"], env=env, **quiet)  # type: ignore[call-overload]
            subprocess.run(install, env=env, **quiet)  # type: ignore[call-overload]
        path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed and apt-get (as root) could not install it")
    return path


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


class FlowRuns:
    """The four flows' stages as plain functions over one lake, without Prefect (hashing
    embedder): each call is one committed run, like the flow of the same name."""

    def __init__(self, lake_root: Path | str) -> None:
        from joblens.embed import HashingEmbedder
        from joblens.settings import Settings

        self.lake_root = lake_root
        self.settings = Settings()
        self.embedder = HashingEmbedder()

    def occupations(self) -> Any:
        """The ESCO occupation index on the same (hashing) embedder, as the flows build it."""
        from joblens.occupations import shared_index

        return shared_index(self.embedder, str(VECTOR_CACHE))

    def _run(self, flow: str, run_id: str | None, work: Callable[[Any], list[Any]]) -> Any:
        from joblens import stages

        ctx = stages.begin(stages.RunContext.create(str(self.lake_root), run_id, flow=flow))
        stages.commit(ctx, work(ctx))
        return ctx

    def ingest_jobs(self, sources: Path, run_id: str | None = None) -> Any:
        from joblens import stages
        from joblens.embed import EmbeddingCache
        from joblens.sources import plan_drop

        def work(ctx: Any) -> list[Any]:
            plan = plan_drop(sources)  # what the flow does: every file, by its shape
            reports = [stages.report_unrecognised(ctx, plan.unrecognised)]
            reports += [stages.ingest_files(ctx, k, paths) for k, paths in plan.files.items()]
            reports.append(stages.resolve_jobs(ctx, self.settings))
            cache = EmbeddingCache(ctx.lake.index_dir)
            occupations = self.occupations()

            def embed() -> Any:
                return stages.embed_jobs(ctx, self.embedder, cache, occupations=occupations)

            reports.append(embed())
            return [*reports, stages.resolve_near_duplicates(ctx, self.settings, embed)]

        return self._run("ingest-jobs", run_id, work)

    def ingest_candidates(self, cvs: Path, run_id: str | None = None, profiler: Any = None) -> Any:
        """The ingest-candidates flow's stages; `profiler`: an LLM client reading the CVs."""
        from joblens import stages
        from joblens.embed import EmbeddingCache

        def work(ctx: Any) -> list[Any]:
            cache = EmbeddingCache(ctx.lake.index_dir)
            report = stages.ingest_cvs(ctx, cvs, profiler, self.settings.llm)
            occupations = self.occupations()
            embedded = stages.embed_candidates(ctx, self.embedder, cache, occupations=occupations)
            return [report, embedded]

        return self._run("ingest-candidates", run_id, work)

    def score(self, run_id: str | None = None) -> Any:
        from joblens import stages

        return self._run("score", run_id, lambda ctx: [stages.score(ctx, self.settings)])

    def analyze(self, run_id: str | None = None, client: Any = None) -> Any:
        """The analyze flow's stage, with `client` (the rules analyzer by default)."""
        from joblens import stages
        from joblens.llm.client import RulesAnalyzer

        client = client or RulesAnalyzer()
        return self._run(
            "analyze", run_id, lambda ctx: [stages.analyze(ctx, self.settings, client)]
        )

    def all(self, world: Path, prefix: str | None = None) -> dict[str, Any]:
        """Run the four flows over `world`; return their contexts by flow name."""
        from joblens import stages

        prefix = prefix or stages.new_run_id()
        return {
            "ingest-jobs": self.ingest_jobs(world / "sources", f"{prefix}-ingest-jobs"),
            "ingest-candidates": self.ingest_candidates(
                world / "cvs", f"{prefix}-ingest-candidates"
            ),
            "score": self.score(f"{prefix}-score"),
            "analyze": self.analyze(f"{prefix}-analyze"),
        }


StageRunner = Callable[..., Any]


def _run_stages(world: Path, lake_root: Path, run_id: str | None = None) -> Any:
    """Run the four flows' stages over `world` into `lake_root`; return the scoring run."""
    return FlowRuns(lake_root).all(world, run_id)["score"]


@pytest.fixture
def run_stages() -> StageRunner:
    """The pipeline's flows in order, as plain functions: `run_stages(world, lake)`."""
    return _run_stages


@pytest.fixture
def flow_runs() -> type[FlowRuns]:
    """`FlowRuns(lake_root)`: the four flows' stages without Prefect, one committed run each."""
    return FlowRuns
