"""The loopback board server: each kind at its real path, faults, and JobSpy's Indeed and
LinkedIn scrapers run against it (never the internet)."""

from __future__ import annotations

import csv
import importlib
import json
import math
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from joblens import synth
from joblens.board_server import BoardServer, _fault_arg, parse_fault
from tests.boards import STORY, write_other_kinds


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("board-world")
    synth.generate(out, jobs=120, candidates=1, seed=11)
    write_other_kinds(out / "sources")
    return out


@pytest.fixture
def server(world: Path) -> Iterator[BoardServer]:
    with BoardServer(world) as s:
        yield s


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def _module(kind: str) -> ModuleType:
    try:
        return importlib.import_module(f"joblens.sources.{kind}")
    except ImportError:
        pytest.skip(f"no parser module for {kind}")


_REAL_PATHS = {
    "greenhouse": "/v1/boards/{board}/jobs?content=true",
    "lever": "/v0/postings/{board}?mode=json",
    "ashby": "/posting-api/job-board/{board}?includeCompensation=true",
    "recruitee": "/api/offers/",
    "personio": "/xml",
    "workable": "/api/v1/widget/accounts/{board}?details=true",
    "remotive": "/api/remote-jobs",
    "remoteok": "/api",
}
_TYPES = {"personio": "application/xml", "rss": "application/rss+xml", "weworkremotely": "rss"}


def _records(kind: str, data: bytes) -> int:
    return len(_module(kind).split(data, f"{kind}-test"))


def test_every_board_at_its_real_path_parses_like_its_file(
    server: BoardServer, world: Path, client: httpx.Client
) -> None:
    bases = server.base_urls()
    checked: set[str] = set()
    for spec in server.sources():
        kind = spec["kind"]
        if kind not in _REAL_PATHS and kind not in ("rss", "weworkremotely"):
            continue
        board = spec.get("board", "")
        if "url" in spec:
            url = spec["url"]
            stem = url.rsplit("/", 1)[1].rsplit(".", 1)[0]
            files = [world / "sources" / kind / f"{stem}.xml"]
        else:
            url = bases[kind].format(board=board) + _REAL_PATHS[kind].format(board=board)
            files = sorted((world / "sources" / kind).glob(f"{board or '*'}.*"))
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert _TYPES.get(kind, "application/json") in answer.headers["content-type"]
        want = sum(_records(kind, f.read_bytes()) for f in files)
        assert want > 0
        assert _records(kind, answer.content) == want, url
        checked.add(kind)
    assert checked == {*_REAL_PATHS, "rss", "weworkremotely"}


def test_greenhouse_single_job_and_content_flag(
    server: BoardServer, world: Path, client: httpx.Client
) -> None:
    path = sorted((world / "sources" / "greenhouse").glob("*.json"))[0]
    jobs = json.loads(path.read_bytes())["jobs"]
    base = f"{server.base_urls()['greenhouse']}/v1/boards/{path.stem}/jobs"
    one = client.get(f"{base}/{jobs[-1]['id']}")
    assert one.status_code == 200
    assert one.json() == jobs[-1]
    assert client.get(f"{base}/1").status_code == 404
    plain = client.get(base).json()["jobs"]
    assert len(plain) == len(jobs) and all("content" not in j for j in plain)


def test_unknown_boards_and_paths_are_404_json(server: BoardServer, client: httpx.Client) -> None:
    b = server.base_urls()
    for url in (
        f"{b['greenhouse']}/v1/boards/nope/jobs?content=true",
        f"{b['lever']}/v0/postings/nope?mode=json",
        f"{b['ashby']}/posting-api/job-board/nope",
        b["recruitee"].format(board="nope") + "/api/offers/",
        f"{b['smartrecruiters']}/v1/companies/nope/postings",
        f"{b['hackernews']}/api/v1/search_by_date?tags=comment,story_1",
        f"{server.url}/no/such/thing",
        f"{server.url}/rss/nope.xml",
    ):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert answer.json()["error"]


def test_smartrecruiters_pages_and_detail(server: BoardServer, client: httpx.Client) -> None:
    sr = _module("smartrecruiters")
    base = f"{server.base_urls()['smartrecruiters']}/v1/companies/hitachi/postings"
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = client.get(f"{base}?limit=2&offset={offset}").json()
        assert page["totalFound"] == 3 and page["limit"] == 2 and page["offset"] == offset
        seen += sr.split(json.dumps(page).encode(), "sr")
        offset += len(page["content"])
        if not page["content"] or offset >= page["totalFound"]:
            break
    assert [p["id"] for p in seen] == [f"74400014642246{i}" for i in range(3)]
    assert all("jobAd" not in p for p in seen)
    assert seen[0]["ref"] == f"{base}/{seen[0]['id']}"
    detail = client.get(seen[0]["ref"])
    assert detail.status_code == 200
    assert "jobAd" in detail.json() and len(sr.split(detail.content, "d")) == 1
    assert client.get(f"{base}/0").status_code == 404


def test_himalayas_and_hackernews_page(server: BoardServer, client: httpx.Client) -> None:
    b = server.base_urls()
    first = client.get(f"{b['himalayas']}/jobs/api?limit=2&offset=0").json()
    second = client.get(f"{b['himalayas']}/jobs/api?limit=2&offset=2").json()
    assert first["totalCount"] == 3 and len(first["jobs"]) == 2 and len(second["jobs"]) == 1
    assert client.get(f"{b['himalayas']}/jobs/api?limit=50").json()["limit"] == 20

    hn = _module("hackernews")
    url = f"{b['hackernews']}/api/v1/search_by_date?tags=comment,story_{STORY}&hitsPerPage=2"
    pages = [client.get(f"{url}&page={p}").json() for p in range(3)]
    assert [len(p["hits"]) for p in pages] == [2, 2, 1]
    assert pages[0]["nbHits"] == 5 and pages[0]["nbPages"] == 3
    times = [h["created_at_i"] for p in pages for h in p["hits"]]
    assert times == sorted(times, reverse=True)  # newest first, as search_by_date
    postings = sum(len(hn.split(json.dumps(p).encode(), "hn")) for p in pages)
    assert postings == 4  # the reply is not a posting
    older = client.get(f"{url}&numericFilters=created_at_i<{times[1]}").json()
    assert all(h["created_at_i"] < times[1] for h in older["hits"])
    assert older["nbHits"] == 3


def test_weworkremotely_real_paths(server: BoardServer, world: Path, client: httpx.Client) -> None:
    wwr = _module("weworkremotely")
    base = server.base_urls()["weworkremotely"]
    extra = world / "sources" / "weworkremotely" / "remote-design-jobs.xml"
    extra.write_bytes(
        (world / "sources" / "weworkremotely" / "remote-programming-jobs.xml").read_bytes()
    )
    try:
        every = client.get(f"{base}{getattr(wwr, 'PATH', '/remote-jobs.rss')}")
        assert every.status_code == 200 and "rss" in every.headers["content-type"]
        assert len(wwr.split(every.content, "wwr")) == 4  # both feeds' items in one
        one = client.get(f"{base}/categories/remote-design-jobs.rss")
        assert len(wwr.split(one.content, "wwr")) == 2
    finally:
        extra.unlink()


def test_remotive_search_and_limit(server: BoardServer, client: httpx.Client) -> None:
    base = server.base_urls()["remotive"]
    found = client.get(f"{base}/api/remote-jobs?search=python").json()
    assert sorted(j["id"] for j in found["jobs"]) == [1, 3]
    assert len(client.get(f"{base}/api/remote-jobs?limit=1").json()["jobs"]) == 1


# -- faults ------------------------------------------------------------------------------------


def _gh_url(server: BoardServer, world: Path) -> tuple[str, bytes]:
    path = sorted((world / "sources" / "greenhouse").glob("*.json"))[0]
    url = f"{server.base_urls()['greenhouse']}/v1/boards/{path.stem}/jobs?content=true"
    return url, path.read_bytes()


@pytest.mark.parametrize(
    ("spec", "status", "retry_after", "html"),
    [
        ("429", 429, "1", False),
        ("429:7", 429, "7", False),
        ("503", 503, "1", False),
        ("500", 500, None, False),
        ("404", 404, None, False),
        ("403", 403, None, True),
        ("captcha", 200, None, True),
        ("html", 200, None, True),
    ],
)
def test_status_faults(
    server: BoardServer,
    world: Path,
    client: httpx.Client,
    spec: str,
    status: int,
    retry_after: str | None,
    html: bool,
) -> None:
    url, _ = _gh_url(server, world)
    server.fault("/greenhouse/*", spec)
    answer = client.get(url)
    assert answer.status_code == status
    assert answer.headers.get("retry-after") == retry_after
    assert ("text/html" in answer.headers["content-type"]) == html
    if spec == "403":
        assert "Access denied" in answer.text
    if spec == "captcha":
        assert "captcha" in answer.text.lower() and "robot" in answer.text.lower()
    assert server.requests[-1] == ("GET", url.removeprefix(server.url), status)
    server.clear_faults()
    assert client.get(url).status_code == 200


def test_truncate_slow_and_reset(server: BoardServer, world: Path, client: httpx.Client) -> None:
    url, whole = _gh_url(server, world)
    server.fault("*content=true", "truncate", times=1)
    cut = client.get(url)
    assert cut.status_code == 200 and cut.content == whole[: len(whole) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)

    server.fault("/greenhouse/*", "slow:0.3", times=1)
    started = time.perf_counter()
    slow = client.get(url)
    assert time.perf_counter() - started >= 0.3
    assert slow.status_code == 200 and slow.content == whole

    server.fault("/greenhouse/*", "reset", times=1)
    with pytest.raises(httpx.TransportError):
        client.get(url)
    assert server.requests[-1].status == 0
    assert client.get(url).content == whole


def test_times_then_recovers_and_requests_count(
    server: BoardServer, world: Path, client: httpx.Client
) -> None:
    url, _ = _gh_url(server, world)
    server.fault("/lever/*", "500")  # does not match: the greenhouse board answers
    server.fault("/greenhouse/v1/boards/*", "503", times=2)
    assert [client.get(url).status_code for _ in range(4)] == [503, 503, 200, 200]
    assert [h.status for h in server.requests.matching("/greenhouse/*")] == [503, 503, 200, 200]
    assert len(server.requests.matching("/greenhouse/*", status=503)) == 2


def test_fault_specs_are_checked() -> None:
    for bad in ("418", "slow:x", "429:abc", "truncate:2", "reset:1", ""):
        with pytest.raises(ValueError, match="unknown fault spec"):
            parse_fault(bad)
    assert parse_fault("slow:1.5")[3] == 1.5
    assert _fault_arg("/greenhouse/*=429:3#2") == ("/greenhouse/*", "429:3", 2)
    assert _fault_arg("*?mode=json=reset") == ("*?mode=json", "reset", None)
    with pytest.raises(ValueError):
        _fault_arg("no-equals")


def test_fault_times_must_be_positive(server: BoardServer) -> None:
    with pytest.raises(ValueError):
        server.fault("*", "500", times=0)


# -- config ------------------------------------------------------------------------------------


def test_config_toml_lists_every_board(server: BoardServer, world: Path, tmp_path: Path) -> None:
    doc = tomllib.loads(server.config_toml())
    assert doc["fetch"]["base_urls"] == server.base_urls()
    assert doc["fetch"]["base_urls"]["greenhouse"] == f"{server.url}/greenhouse"
    assert doc["fetch"]["base_urls"]["recruitee"] == f"{server.url}/recruitee/{{board}}"
    specs = doc["sources"]
    assert specs == server.sources()
    for kind in ("greenhouse", "lever", "ashby", "recruitee", "personio", "workable"):
        files = {p.stem for p in (world / "sources" / kind).iterdir()}
        assert {s["board"] for s in specs if s["kind"] == kind} == files
    for kind in ("rss", "weworkremotely"):
        files = {p.stem for p in (world / "sources" / kind).iterdir()}
        urls = [s["url"] for s in specs if s["kind"] == kind]
        assert {u.rsplit("/", 1)[1].rsplit(".", 1)[0] for u in urls} == files
    assert all(
        "/weworkremotely/categories/" in s["url"] for s in specs if "weworkremotely" in s["kind"]
    )
    for kind in ("remotive", "remoteok", "himalayas"):
        assert [s for s in specs if s["kind"] == kind] == [{"kind": kind}]
    emulated = {
        p.stem
        for p in (world / "sources" / "jobspy").iterdir()
        if p.stem.split("_")[0] in ("indeed", "linkedin")
    }
    assert {s["name"].removeprefix("jobspy:") for s in specs if s["kind"] == "jobspy"} == emulated

    from joblens import settings

    path = tmp_path / "joblens.toml"
    path.write_text(server.config_toml(), encoding="utf-8")
    loaded = settings.load(path)
    assert loaded.fetch.base_url("indeed") == f"{server.url}/indeed/graphql"
    assert len(loaded.sources) == len(specs)


# -- JobSpy ------------------------------------------------------------------------------------


def _jobspy_csv(world: Path, site: str) -> tuple[Path, list[dict[str, str]]]:
    best: tuple[Path, list[dict[str, str]]] | None = None
    for path in sorted((world / "sources" / "jobspy").glob(f"{site}_*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, escapechar="\\"))
        if best is None or len(rows) > len(best[1]):
            best = (path, rows)
    assert best is not None and len(best[1]) >= 3
    return best


def _spec(server: BoardServer, path: Path) -> dict[str, Any]:
    return next(s for s in server.sources() if s.get("name") == f"jobspy:{path.stem}")


def _plain(text: Any) -> str:
    return " ".join(str(text).replace("\\", "").split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_jobspy_indeed_scrapes_the_world(
    server: BoardServer, world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobspy = pytest.importorskip("jobspy")
    from jobspy.indeed import Indeed

    monkeypatch.setattr(Indeed, "api_url", server.base_urls()["indeed"])
    monkeypatch.setattr(jobspy.indeed, "jobs_per_page", 2)  # several pages, with cursors
    path, rows = _jobspy_csv(world, "indeed")
    spec = _spec(server, path)
    frame = jobspy.scrape_jobs(
        site_name=["indeed"],
        country_indeed=spec["country"],
        results_wanted=spec["results_wanted"],
        verbose=0,
    )
    assert frame.attrs["errors"] == {}
    got = {r["id"]: r for r in frame.to_dict("records")}
    assert set(got) == {r["id"] for r in rows}
    for row in rows:
        job = got[row["id"]]
        assert job["title"] == row["title"] and job["company"] == row["company"]
        assert job["job_url"] == row["job_url"]
        assert job["job_url_direct"] == (row["job_url_direct"] or None)
        assert job["date_posted"].isoformat() == row["date_posted"]
        if row["location"]:
            assert job["location"].split(",")[0] == row["location"].split(",")[0]
        if row["min_amount"]:
            assert job["min_amount"] == float(row["min_amount"])
            assert job["max_amount"] == float(row["max_amount"])
            assert job["currency"] == row["currency"] and job["interval"] == row["interval"]
        else:
            assert _blank(job["min_amount"])
        assert job["is_remote"] == (row["is_remote"] == "True")
        first = row["description"].split("\n")[0]
        assert _plain(job["description"]).startswith(_plain(first))
    posts = server.requests.matching("/indeed/graphql")
    assert len(posts) == math.ceil(len(rows) / 2) and all(h.method == "POST" for h in posts)


def test_country_names_are_ones_jobspy_accepts() -> None:
    pytest.importorskip("jobspy")
    from jobspy.model import Country

    from joblens import board_server

    for code, name in board_server._COUNTRIES.items():
        if code not in board_server._NOT_INDEED_COUNTRIES:
            Country(name)  # ValueError for a name JobSpy does not know


def test_jobspy_indeed_blocked(server: BoardServer, monkeypatch: pytest.MonkeyPatch) -> None:
    jobspy = pytest.importorskip("jobspy")
    from jobspy.indeed import Indeed

    monkeypatch.setattr(Indeed, "api_url", server.base_urls()["indeed"])
    server.fault("/indeed/*", "429")
    frame = jobspy.scrape_jobs(site_name=["indeed"], results_wanted=5, verbose=0)
    assert frame.empty and "429" in frame.attrs["errors"]["indeed"]


def test_jobspy_linkedin_scrapes_the_world(
    server: BoardServer, world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobspy = pytest.importorskip("jobspy")
    from jobspy.linkedin import LinkedIn

    monkeypatch.setattr(LinkedIn, "base_url", server.base_urls()["linkedin"])
    monkeypatch.setattr(LinkedIn, "delay", (0, 0))  # JobSpy sleeps 3-7 s between pages
    monkeypatch.setattr(jobspy.linkedin, "jobs_per_page", 2)
    server.linkedin_page_size = 2
    path, rows = _jobspy_csv(world, "linkedin")
    spec = _spec(server, path)
    frame = jobspy.scrape_jobs(
        site_name=["linkedin"],
        location=spec["location"],
        country_indeed=spec["country"],
        results_wanted=spec["results_wanted"],
        fetch_description=True,
        verbose=0,
    )
    assert frame.attrs["errors"] == {}
    got = {r["id"]: r for r in frame.to_dict("records")}
    assert set(got) == {r["id"] for r in rows}
    for row in rows:
        job = got[row["id"]]
        assert job["title"] == row["title"] and job["company"] == row["company"]
        assert job["date_posted"].isoformat() == row["date_posted"]
        if row["location"]:
            assert job["location"].split(",")[0] == row["location"].split(",")[0]
        assert job["job_level"] == row["job_level"]
        first = row["description"].split("\n")[0]
        assert _plain(job["description"]).startswith(_plain(first))
    searches = server.requests.matching("/linkedin/jobs-guest/*")
    assert len(searches) >= math.ceil(len(rows) / 2)
    assert len(server.requests.matching("/jobs/view/*", status=200)) == len(rows)


def test_serve_fixtures_prints_a_config_that_points_at_it(world: Path, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "joblens.cli", "serve-fixtures", "--world", str(world)]
    proc = subprocess.Popen(
        [*cmd, "--port", "0", "--fault", "/lever/*=403"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None and proc.stdout is not None
        for _ in range(200):  # the server says on stderr when it serves
            line = proc.stderr.readline()
            if "Ctrl-C" in line or not line:
                break
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    config = tomllib.loads(out)  # stdout is a valid joblens.toml as it stands
    urls = config["fetch"]["base_urls"]
    assert config["fetch"]["allowed_hosts"] == [urls["greenhouse"].split("/")[2]]
    assert {s["kind"] for s in config["sources"]} >= {"greenhouse", "lever", "jobspy"}
    assert "# " in out and "fault: /lever/*=403" in out
