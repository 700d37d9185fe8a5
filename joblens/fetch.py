"""Polite HTTP for the live sources: async httpx with bounded concurrency, per-host limits and
spacing, timeouts, and retries that back off.

- Concurrency overall is sized from the machine (cores and free memory, via psutil) unless a
  setting fixes it; each host gets at most `per_host` requests in flight, started at least
  `delay_s` apart.
- A 429 or 503 is retried after the server's Retry-After (seconds or an HTTP date) when it
  gives one, else after exponential backoff with jitter; other 5xx, timeouts and dropped
  connections are retried with backoff; any other 4xx is final (retrying a 403 or a 404
  only hammers the board). A Retry-After longer than `max_retry_after_s` is final too: the
  run says how long the board asked to wait instead of sleeping through the night.
- `allowed_hosts`, when given, is the only place requests go (redirects included): a URL
  elsewhere fails without a request. A config pointed at the loopback board server lists
  only it, so a posting's link to its real board is never fetched from a test.
- Every answer and failure is counted in the `FetchStats` the caller passes in: requests,
  statuses, retries, latencies (p50/p95), so source health can say what happened.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from joblens.errors import SourceError

__all__ = [
    "redact_url",
    "Answer",
    "FetchError",
    "FetchPolicy",
    "FetchStats",
    "Fetcher",
    "auto_concurrency",
    "retry_after_seconds",
]

_RETRY_AFTER_STATUSES = frozenset({429, 503})
_MEMORY_PER_REQUEST = 32 * 2**20  # an answer in flight, parsed: generous for a board's JSON


@dataclass(frozen=True)
class FetchPolicy:
    """How politely to fetch (built from settings.fetch)."""

    concurrency: int = 0  # 0 = from cores and free memory
    per_host: int = 4
    delay_s: float = 0.0
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 120.0
    user_agent: str = "JobLens/0.1 (+https://github.com/joblens)"
    max_bytes: int = 64 * 2**20
    allowed_hosts: tuple[str, ...] = ()  # "host" or "host:port"; empty = any host

    def allows(self, url: str) -> bool:
        """Whether `url`'s host may be fetched."""
        if not self.allowed_hosts:
            return True
        parts = urlsplit(url)
        host = parts.hostname or ""
        return host in self.allowed_hosts or f"{host}:{parts.port}" in self.allowed_hosts


class _HostRefused(Exception):
    """A request (a redirect's) to a host outside allowed_hosts."""


def auto_concurrency() -> int:
    """Requests in flight for this machine: 8 per core, capped by free memory, 2 to 64."""
    import psutil

    cores = os.cpu_count() or 1
    free = psutil.virtual_memory().available
    return max(2, min(64, cores * 8, free // _MEMORY_PER_REQUEST))


# Query parameters whose values are credentials (api_key, access_token, sig, password...).
_SECRET_PARAM = re.compile(r"key|token|secret|pass|pwd|auth|sig|credential|session", re.I)


def redact_url(url: str) -> str:
    """`url` as errors, logs and the lake may show it: a user part (``user:token@``) and the
    values of credential-like query parameters become ``***``. Users put tokens in URLs; a
    URL that is stored or shown goes through here first."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.split("?", 1)[0].rsplit("@", 1)[-1]
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + (parts.hostname or "") + (f":{port}" if port else "")
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAM.search(k) for k, _ in pairs):
            query = urlencode(
                [(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*/:"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class FetchError(SourceError):
    """A URL that could not be fetched: the final status (or None) and why. The URL in it is
    redacted (`redact_url`): the error is logged and stored in source health."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        url = redact_url(url)
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Answer:
    """One successful answer."""

    url: str
    status: int
    body: bytes
    content_type: str
    seconds: float
    attempts: int


@dataclass
class FetchStats:
    """What fetching one source took (all counts over every request it made)."""

    requested: int = 0  # URLs asked for (a retry is not a new request)
    answered: int = 0  # URLs that came back 2xx
    retries: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # "200", "429", "timeout", ...
    latencies: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        """Return the q-quantile (0-1) of request latencies in seconds, None without any."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def merge(self, other: FetchStats) -> None:
        """Add `other`'s counts to these."""
        self.requested += other.requested
        self.answered += other.answered
        self.retries += other.retries
        self.statuses.update(other.statuses)
        self.latencies.extend(other.latencies)


class Fetcher:
    """An async HTTP client that fetches politely; use as `async with Fetcher(policy) as f`."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        limit = self.policy.concurrency or auto_concurrency()
        self._slots = asyncio.Semaphore(limit)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._host_lock = asyncio.Lock()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        self._client = httpx.AsyncClient(
            timeout=self.policy.timeout_s,
            follow_redirects=True,
            headers={"User-Agent": self.policy.user_agent},
            transport=self._transport,
            event_hooks={"request": [self._check_host]},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(
        self, url: str, stats: FetchStats, *, headers: Mapping[str, str] | None = None
    ) -> Answer:
        """Return the 2xx answer of `url`, retrying what is worth retrying; FetchError with
        the final status and reason otherwise."""
        if self._client is None:
            raise RuntimeError("Fetcher used outside `async with`")
        stats.requested += 1
        if not self.policy.allows(url):
            stats.statuses["refused"] += 1
            raise FetchError(url, "host not in fetch.allowed_hosts: not fetched")
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            attempt += 1
            status, wait, reason, answer = await self._attempt(url, host, stats, headers, attempt)
            if answer is not None:
                stats.answered += 1
                return answer
            if wait is None or attempt > self.policy.retries:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                raise FetchError(url, f"{reason}{tries}", status)
            stats.retries += 1
            await asyncio.sleep(wait)

    async def _attempt(
        self,
        url: str,
        host: str,
        stats: FetchStats,
        headers: Mapping[str, str] | None,
        attempt: int,
    ) -> tuple[int | None, float | None, str, Answer | None]:
        """One request: (status, seconds to wait before a retry or None if final, reason,
        the answer when it succeeded)."""
        assert self._client is not None
        async with self._slots, self._host(host):
            await self._space(host)
            started = time.perf_counter()
            try:
                response = await self._client.get(url, headers=headers)
                body = response.content
            except _HostRefused as exc:
                stats.statuses["refused"] += 1
                return None, None, f"redirected to {exc}, not in fetch.allowed_hosts", None
            except httpx.TimeoutException:
                stats.statuses["timeout"] += 1
                stats.latencies.append(time.perf_counter() - started)
                reason = f"timed out ({self.policy.timeout_s:g} s)"
                return None, self._backoff(attempt), reason, None
            except httpx.TransportError as exc:
                stats.statuses["connection"] += 1
                reason = f"connection failed ({type(exc).__name__}: {exc})"
                return None, self._backoff(attempt), reason, None
            seconds = time.perf_counter() - started
        stats.statuses[str(response.status_code)] += 1
        stats.latencies.append(seconds)
        code = response.status_code
        if 200 <= code < 300:
            if len(body) > self.policy.max_bytes:
                return code, None, f"answer larger than {self.policy.max_bytes} bytes", None
            kind = response.headers.get("content-type", "")
            return code, None, "", Answer(str(response.url), code, body, kind, seconds, attempt)
        reason = f"HTTP {code}{_page_title(body, response.headers.get('content-type', ''))}"
        if code in _RETRY_AFTER_STATUSES:
            asked = retry_after_seconds(response.headers.get("retry-after"))
            if asked is not None and asked > self.policy.max_retry_after_s:
                return code, None, f"{reason}, asked to retry after {asked:.0f} s", None
            return code, asked if asked is not None else self._backoff(attempt), reason, None
        if code >= 500:
            return code, self._backoff(attempt), reason, None
        return code, None, reason, None  # other 4xx: final

    async def _check_host(self, request: httpx.Request) -> None:
        if not self.policy.allows(str(request.url)):
            raise _HostRefused(str(request.url))

    def _host(self, host: str) -> asyncio.Semaphore:
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.policy.per_host)
        return self._hosts[host]

    async def _space(self, host: str) -> None:
        """Start requests to one host at least `delay_s` apart."""
        if self.policy.delay_s <= 0:
            return
        async with self._host_lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + self.policy.delay_s
        if start > now:
            await asyncio.sleep(start - now)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter around it (0.5x-1.5x), capped."""
        base = min(self.policy.max_backoff_s, self.policy.backoff_s * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.5)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds, also decimal ones as some API
    gateways send, or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _page_title(body: bytes, content_type: str) -> str:
    """`: "<title>"` of an HTML error page (a block page says who blocked), else ''."""
    if "html" not in content_type.lower() and body.lstrip()[:1] != b"<":
        return ""
    m = re.search(rb"<title[^>]*>(.*?)</title>", body[:20000], re.I | re.S)
    title = m.group(1).decode("utf-8", "replace").strip()[:80] if m else ""
    return f': "{" ".join(title.split())}"' if title else ""


def stats_dict(stats: FetchStats) -> dict[str, Any]:
    """The stats as plain values (for logs and the run's detail)."""
    return {
        "requested": stats.requested,
        "answered": stats.answered,
        "retries": stats.retries,
        "statuses": dict(stats.statuses),
        "p50_s": stats.percentile(0.5),
        "p95_s": stats.percentile(0.95),
    }
