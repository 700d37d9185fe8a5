"""fetch.py: what a board sees of JobLens (retries, Retry-After, per-host limits, spacing)
and what the run is told (final status, reason, stats). Served by httpx's MockTransport: the
handlers below play the board."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from joblens import fetch
from joblens.fetch import Fetcher, FetchError, FetchPolicy, FetchStats, auto_concurrency

FAST = FetchPolicy(retries=3, backoff_s=0.01, max_backoff_s=0.05, per_host=4)


def _fetch(handler, url="https://board.test/jobs", policy=FAST):
    stats = FetchStats()

    async def go():
        async with Fetcher(policy, transport=httpx.MockTransport(handler)) as f:
            return await f.get(url, stats)

    return asyncio.run(go()), stats


def _failing(handler, url="https://board.test/jobs", policy=FAST):
    stats = FetchStats()

    async def go():
        async with Fetcher(policy, transport=httpx.MockTransport(handler)) as f:
            return await f.get(url, stats)

    with pytest.raises(FetchError) as info:
        asyncio.run(go())
    return info.value, stats


def test_ok_answer_counts_one_request():
    answer, stats = _fetch(lambda r: httpx.Response(200, json={"jobs": []}))
    assert answer.status == 200 and answer.body == b'{"jobs":[]}'
    assert (stats.requested, stats.answered, stats.retries) == (1, 1, 0)
    assert stats.statuses["200"] == 1 and stats.percentile(0.95) is not None


def test_429_waits_what_retry_after_says_then_succeeds():
    calls: list[float] = []

    def board(request):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "1"})
        return httpx.Response(200, text="ok")

    answer, stats = _fetch(board)
    assert answer.body == b"ok"
    assert calls[1] - calls[0] >= 0.95, "the retry came before Retry-After allowed"
    assert stats.retries == 1 and stats.statuses == {"429": 1, "200": 1}


def test_503_with_http_date_retry_after_is_honoured():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    calls: list[float] = []

    def board(request):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(503, headers={"Retry-After": when})
        return httpx.Response(200, text="ok")

    _fetch(board)
    assert calls[1] - calls[0] >= 0.9  # the date is to the second: at least ~1 s


def test_other_4xx_is_final_and_not_retried():
    calls = []

    def board(request):
        calls.append(1)
        return httpx.Response(403, text="<html><title>Access denied | board.test</title></html>")

    err, stats = _failing(board)
    assert len(calls) == 1 and stats.retries == 0
    assert err.status == 403 and "Access denied" in err.reason


def test_5xx_is_retried_with_backoff_then_gives_up_naming_the_attempts():
    calls = []

    def board(request):
        calls.append(1)
        return httpx.Response(500)

    err, stats = _failing(board)
    assert len(calls) == 4  # the first try and 3 retries
    assert stats.retries == 3 and err.status == 500 and "after 4 attempts" in str(err)


def test_a_retry_after_longer_than_allowed_fails_instead_of_sleeping():
    policy = FetchPolicy(retries=3, backoff_s=0.01, max_retry_after_s=5)
    started = time.monotonic()
    err, _ = _failing(lambda r: httpx.Response(429, headers={"Retry-After": "3600"}), policy=policy)
    assert time.monotonic() - started < 2
    assert "asked to retry after 3600 s" in str(err)


def test_timeouts_are_retried_and_reported():
    calls = []

    def board(request):
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, text="late")

    answer, stats = _fetch(board)
    assert answer.body == b"late" and stats.statuses["timeout"] == 2 and stats.retries == 2


def test_per_host_concurrency_is_bounded_across_requests():
    live = {"now": 0, "peak": 0}

    async def board(request):
        live["now"] += 1
        live["peak"] = max(live["peak"], live["now"])
        await asyncio.sleep(0.02)
        live["now"] -= 1
        return httpx.Response(200, text="ok")

    async def go():
        policy = FetchPolicy(per_host=2, concurrency=16)
        async with Fetcher(policy, transport=httpx.MockTransport(board)) as f:
            stats = FetchStats()
            await asyncio.gather(*(f.get(f"https://one.test/{i}", stats) for i in range(10)))

    asyncio.run(go())
    assert live["peak"] == 2


def test_requests_to_one_host_are_spaced_by_the_delay():
    starts: list[float] = []

    def board(request):
        starts.append(time.monotonic())
        return httpx.Response(200)

    async def go():
        policy = FetchPolicy(per_host=8, delay_s=0.1)
        async with Fetcher(policy, transport=httpx.MockTransport(board)) as f:
            stats = FetchStats()
            await asyncio.gather(*(f.get(f"https://one.test/{i}", stats) for i in range(4)))

    asyncio.run(go())
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert min(gaps) >= 0.09


def test_concurrency_is_sized_from_the_machine():
    assert 2 <= auto_concurrency() <= 64


def test_hosts_outside_allowed_hosts_are_never_requested_redirects_included():
    seen: list[str] = []

    def board(request):
        seen.append(str(request.url))
        if request.url.host == "board.test":
            return httpx.Response(302, headers={"Location": "https://elsewhere.test/job/1"})
        return httpx.Response(200, text="should not be reached")

    fenced = FetchPolicy(retries=3, backoff_s=0.01, allowed_hosts=("board.test",))
    err, stats = _failing(board, url="https://other.test/jobs", policy=fenced)
    assert "allowed_hosts" in str(err) and seen == [] and stats.statuses["refused"] == 1
    err, stats = _failing(board, url="https://board.test/jobs", policy=fenced)
    assert "redirected to https://elsewhere.test/job/1" in str(err)
    assert seen == ["https://board.test/jobs"], "the redirect target was requested"
    assert stats.retries == 0


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:tok123@boards.example/v1/jobs", "https://***@boards.example/v1/jobs"),
        ("http://tok123@127.0.0.1:8080/x?page=2", "http://***@127.0.0.1:8080/x?page=2"),
        (
            "https://api.example/jobs?api_key=tok123&page=2&access_token=tok123",
            "https://api.example/jobs?api_key=***&page=2&access_token=***",
        ),
        ("https://boards.example/jobs?content=true", "https://boards.example/jobs?content=true"),
    ],
)
def test_urls_shown_or_stored_lose_their_credentials(url: str, shown: str) -> None:
    assert fetch.redact_url(url) == shown
    assert "tok123" not in str(fetch.FetchError(url, "HTTP 403"))


def test_allowed_hosts_match_a_url_with_a_user_part() -> None:
    policy = fetch.FetchPolicy(allowed_hosts=("127.0.0.1:8080",))
    assert policy.allows("http://u:tok@127.0.0.1:8080/jobs")
    assert not policy.allows("http://u:tok@127.0.0.1:9090/jobs")
    assert fetch.FetchPolicy(allowed_hosts=("boards.example",)).allows(
        "https://a:b@boards.example/"
    )
