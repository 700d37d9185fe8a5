"""Live ingest end to end over the loopback board server: every kind fetched, landed and
accounted for in source health; a blocked, rate-limited or truncated source fails or
recovers alone; descriptions that arrive missing are fetched once, then read from the lake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from joblens import stages, synth
from joblens.board_server import BoardServer
from joblens.lake import Lake
from joblens.settings import FetchSettings, SourceSpec
from tests.boards import write_other_kinds

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("live-world")
    synth.generate(out, jobs=60, candidates=1, seed=23)
    write_other_kinds(out / "sources")
    return out


@pytest.fixture
def server(world: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BoardServer]:
    jobspy = pytest.importorskip("jobspy")
    from jobspy.linkedin import LinkedIn

    monkeypatch.setattr(LinkedIn, "delay", (0, 0))  # JobSpy sleeps 3-7 s between pages
    monkeypatch.setattr(jobspy.linkedin, "jobs_per_page", 5)
    monkeypatch.setattr(jobspy.indeed, "jobs_per_page", 5)
    with BoardServer(world) as s:
        s.linkedin_page_size = 5
        yield s


def _settings(server: BoardServer, **kw: Any) -> FetchSettings:
    return FetchSettings(
        base_urls=server.base_urls(),
        allowed_hosts=[server.netloc],  # posting links name the real boards: never fetched
        backoff_s=0.05,
        timeout_s=5,
        **kw,
    )


def _ingest(
    lake_root: Path, specs: list[SourceSpec], settings: FetchSettings, run_id: str
) -> stages.RunContext:
    ctx = stages.begin(stages.RunContext.create(str(lake_root), run_id, flow="ingest-jobs"))
    stages.commit(ctx, stages.ingest_live(ctx, specs, settings))
    return ctx


def _health(lake_root: Path, run_id: str) -> dict[str, dict[str, Any]]:
    rows = Lake(lake_root).query(
        "SELECT * FROM source_health WHERE run_id = ? AND kind != 'unrecognised'", [run_id]
    )
    return {r["source"]: r for r in rows.iter_rows(named=True)}


def _specs(server: BoardServer, *kinds: str) -> list[SourceSpec]:
    return [SourceSpec(**s) for s in server.sources() if not kinds or s["kind"] in set(kinds)]


def test_every_board_fetched_live_lands_in_silver_and_is_accounted_for(
    server: BoardServer, tmp_path: Path
) -> None:
    specs = _specs(server)
    kinds = {s.kind for s in specs}
    assert {"greenhouse", "lever", "ashby", "jobspy", "rss", "remotive", "hackernews"} <= kinds
    _ingest(tmp_path, specs, _settings(server), "live-1")

    health = _health(tmp_path, "live-1")
    assert set(health) == {s.label for s in specs}
    for label, row in health.items():
        assert row["status"] in {"ok", "degraded"}, (label, row["error"])
        assert row["fetched"] == row["parsed"] + row["quarantined"], label
        assert row["fetched"] > 0, label
        assert row["requested"] >= 1
        if row["kind"] != "jobspy":  # JobSpy makes its own requests: no latencies of ours
            assert row["p95_s"] is not None and json.loads(row["http_statuses"])["200"] >= 1
        assert "connection" not in (row["http_statuses"] or "")  # nothing left loopback
    # Postings without a description that link to their real board are not fetched (the
    # server is the only allowed host); they land with description_status missing.
    described = [json.loads(r["descriptions"] or "{}") for r in health.values()]
    assert sum(d.get("off_hosts", 0) for d in described) > 0
    postings = Lake(tmp_path).query(
        "SELECT source, origin, record_index FROM postings WHERE run_id = 'live-1'"
    )
    assert postings.height == sum(r["parsed"] for r in health.values())
    # Every silver row traces back to the answer it came from: a URL on the server, or
    # the JobSpy query that produced it.
    origins = postings["origin"].to_list()
    assert all(o.startswith((server.url, "jobspy://")) for o in origins)
    assert postings.select(["origin", "record_index"]).is_unique().all()
    # The JobSpy sources went through JobSpy's own scrapers, at the server's Indeed GraphQL
    # and LinkedIn guest search.
    assert server.requests.matching("/indeed/graphql")
    assert server.requests.matching("/linkedin/jobs-guest/*")


def test_linkedin_descriptions_are_fetched_once_then_read_from_the_lake(
    server: BoardServer, tmp_path: Path
) -> None:
    specs = [s for s in _specs(server, "jobspy") if s.sites == ["linkedin"]]
    assert specs, "the world has a LinkedIn JobSpy file"
    _ingest(tmp_path, specs, _settings(server), "desc-1")
    pages = len(server.requests.matching("/jobs/view/*", status=200))
    first = _health(tmp_path, "desc-1")
    fetched = sum(json.loads(r["descriptions"])["fetched"] for r in first.values())
    parsed = sum(r["parsed"] for r in first.values())
    assert fetched == pages == parsed > 0
    silver = Lake(tmp_path).query(
        "SELECT description_status, description FROM postings WHERE run_id = 'desc-1'"
    )
    assert (silver["description_status"] == "present").all()
    assert silver["description"].str.len_chars().min() > 40  # type: ignore[operator]

    _ingest(tmp_path, specs, _settings(server), "desc-2")
    assert len(server.requests.matching("/jobs/view/*", status=200)) == pages  # none again
    second = _health(tmp_path, "desc-2")
    assert sum(json.loads(r["descriptions"])["from_lake"] for r in second.values()) == parsed
    again = Lake(tmp_path).query("SELECT description_status FROM postings WHERE run_id = 'desc-2'")
    assert again.height == parsed and (again["description_status"] == "present").all()


def test_a_blocked_source_fails_alone_and_says_why(server: BoardServer, tmp_path: Path) -> None:
    specs = _specs(server, "greenhouse", "lever", "remotive")
    blocked = next(s for s in specs if s.kind == "greenhouse")
    captcha = next(s for s in specs if s.kind == "lever")
    server.fault(f"/greenhouse/v1/boards/{blocked.board}/*", "403")
    server.fault(f"/lever/v0/postings/{captcha.board}*", "captcha")
    _ingest(tmp_path, specs, _settings(server), "blocked")

    health = _health(tmp_path, "blocked")
    assert health[blocked.label]["status"] == "failed"
    assert "403" in health[blocked.label]["error"]
    assert health[blocked.label]["retries"] == 0  # a 403 is final: not retried
    assert health[captcha.label]["status"] == "failed"
    assert "HTML page" in health[captcha.label]["error"]
    others = [r for label, r in health.items() if label not in {blocked.label, captcha.label}]
    assert others and all(r["status"] != "failed" and r["parsed"] > 0 for r in others), [
        (r["source"], r["status"], r["parsed"], r["error"], r["quarantine_reasons"]) for r in others
    ]
    lake = Lake(tmp_path)
    assert lake.run("blocked")["status"] == "completed"  # type: ignore[index]
    landed = set(lake.query("SELECT DISTINCT source FROM postings")["source"].to_list())
    assert {"remotive", "greenhouse"} <= landed


def test_429_waits_its_retry_after_then_lands(server: BoardServer, tmp_path: Path) -> None:
    [spec] = _specs(server, "remotive")
    server.fault("/remotive/*", "429:1", times=2)
    _ingest(tmp_path, [spec], _settings(server), "limited")
    row = _health(tmp_path, "limited")[spec.label]
    assert row["status"] != "failed" and row["parsed"] > 0
    assert row["retries"] == 2
    assert json.loads(row["http_statuses"])["429"] == 2
    assert row["seconds"] >= 2.0  # waited Retry-After: 1 twice, not the 0.05 s backoff


def test_a_truncated_answer_fails_its_source_with_a_reason(
    server: BoardServer, tmp_path: Path
) -> None:
    specs = _specs(server, "ashby", "remotive")
    server.fault("/ashby/*", "truncate")
    _ingest(tmp_path, specs, _settings(server), "truncated")
    health = _health(tmp_path, "truncated")
    ashby = [r for r in health.values() if r["kind"] == "ashby"]
    assert ashby and all(r["status"] == "failed" and r["error"] for r in ashby)
    assert all(r["fetched"] == 0 for r in ashby)
    assert health["remotive"]["status"] != "failed" and health["remotive"]["parsed"] > 0


def test_cli_ingest_exits_1_when_every_source_failed(
    server: BoardServer, tmp_path: Path, prefect_harness: None
) -> None:
    from typer.testing import CliRunner

    from joblens.cli import app

    specs = [s for s in server.sources() if s["kind"] in {"greenhouse", "remotive"}]
    config = tmp_path / "joblens.toml"
    lines = ["[fetch]", "backoff_s = 0.05", f'allowed_hosts = ["{server.netloc}"]']
    lines += ["[fetch.base_urls]"]
    lines += [f'{k} = "{v}"' for k, v in server.base_urls().items()]
    for spec in specs:
        lines += ["[[sources]]", *(f"{k} = {json.dumps(v)}" for k, v in spec.items())]
    config.write_text("\n".join(lines) + "\n")
    env = {"JOBLENS_EMBED__DEVICE": "none", "COLUMNS": "250"}
    lake = str(tmp_path / "lake")

    ok = CliRunner().invoke(app, ["ingest", "--config", str(config), "--lake", lake], env=env)
    assert ok.exit_code == 0, ok.output
    assert "fetching 2 sources" in ok.output or f"fetching {len(specs)} sources" in ok.output

    server.fault("/*", "503")
    down = CliRunner().invoke(app, ["ingest", "--config", str(config), "--lake", lake], env=env)
    assert down.exit_code == 1, down.output
    assert "every source failed" in down.output
    statuses = Lake(lake).query("SELECT status FROM source_health ORDER BY ALL")
    assert statuses.filter(pl.col("status") == "failed").height == len(specs)
