"""Shared fixtures: a clean environment, the real-samples directory, one Prefect harness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples" / "postings"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's JOBLENS_* settings, proxies or API keys."""
    for key in list(os.environ):
        if key.startswith("JOBLENS_") or key.lower() in {"http_proxy", "https_proxy", "all_proxy"}:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def samples_dir() -> Path:
    """The real job-board samples in ../shared; the test is skipped where they are absent."""
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples/postings is not present on this machine")
    return SAMPLES


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
