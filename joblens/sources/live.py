"""Live sources: fetch the `[[sources]]` of joblens.toml from the boards' APIs (or JobSpy).

Each source kind's parser module says where its API lives (`PATH`, after the kind's base URL
in settings.fetch.base_urls, so tests point it at loopback) and, where the API pages, how to
find the next page (`next_page`). The answers go through the same `split` as a saved file,
so a live answer and its replay give the same records; a record's origin is the URL it came
from.

`fetch_all` fetches every source concurrently on one `Fetcher` (so per-host limits hold
across sources): one source blocked (403, a CAPTCHA page, a timeout) is an error of that
source only. Postings that arrive without a description get it once: from the lake when an
earlier run has it, else from the posting's page (or the board's detail API), within a
per-source budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

from joblens.errors import ConfigError, SourceError
from joblens.fetch import Answer, Fetcher, FetchError, FetchPolicy, FetchStats, redact_url
from joblens.settings import FetchSettings, SourceSpec
from joblens.sources import parser
from joblens.sources.base import RawRecord, load_json

__all__ = ["LiveResult", "fetch_all", "first_url", "policy"]

_DEFAULT_LIMIT = 100
_JOBSPY_LOCK = threading.Lock()  # JobSpy's loopback URLs are class attributes: one at a time
_HTML = re.compile(rb"^\s*(?:<!doctype html|<html)", re.I)
_XML_KINDS = frozenset({"rss", "personio", "weworkremotely"})
# The JobSpy sites whose rows come without a description and whose job page gives it:
# LinkedIn's guest search (JobSpy reads each job page only with fetch_description, every
# run; JobLens fetches a page once and keeps its description in the lake). The other
# scrapers return descriptions from their APIs, and their job pages are bot-walled.
_JOBSPY_PAGES = frozenset({"linkedin"})


@dataclass
class LiveResult:
    """What fetching one source gave: its records, what went wrong, and what it took."""

    spec: SourceSpec
    records: list[RawRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stats: FetchStats = field(default_factory=FetchStats)
    seconds: float = 0.0
    descriptions: dict[str, int] = field(default_factory=dict)  # fetched/from_lake/failed/...

    @property
    def status(self) -> str:
        """failed (nothing came), degraded (something went wrong), or ok."""
        if self.errors and not self.records:
            return "failed"
        return "degraded" if self.errors else "ok"


def policy(settings: FetchSettings) -> FetchPolicy:
    """The fetch policy the settings describe."""
    return FetchPolicy(
        concurrency=settings.concurrency,
        per_host=settings.per_host,
        delay_s=settings.delay_s,
        timeout_s=settings.timeout_s,
        retries=settings.retries,
        backoff_s=settings.backoff_s,
        max_retry_after_s=settings.max_retry_after_s,
        user_agent=settings.user_agent,
        allowed_hosts=tuple(settings.allowed_hosts),
    )


def first_url(spec: SourceSpec, settings: FetchSettings) -> str:
    """The URL of a source's first answer; ConfigError when the spec lacks what it needs."""
    module = parser(spec.kind)
    if spec.url:
        return spec.url
    path = getattr(module, "PATH", None)
    if path is None:
        raise ConfigError(f"source {spec.label}: a {spec.kind} source needs url = <feed URL>")
    if "{board}" in path + settings.base_url(spec.kind) and not spec.board:
        raise ConfigError(f"source {spec.label}: a {spec.kind} source needs board = <name>")
    values = {
        "board": quote(spec.board or "", safe=""),
        "query": quote(spec.query or "", safe=""),
        "location": quote(spec.location or "", safe=""),
        "limit": min(spec.results_wanted or _DEFAULT_LIMIT, _DEFAULT_LIMIT),
        "offset": 0,
        "page": 0,
    }
    base = settings.base_url(spec.kind).format(**values).rstrip("/")
    return base + path.format(**values)


async def fetch_all(
    specs: list[SourceSpec],
    settings: FetchSettings,
    *,
    known_descriptions: Callable[[str, list[str]], dict[str, str]] | None = None,
    on_done: Callable[[LiveResult], None] | None = None,
) -> list[LiveResult]:
    """Fetch every source concurrently; return one result per spec, in order.

    `known_descriptions(kind, ids)` returns the descriptions the lake already holds for
    those source posting ids (they are not fetched again). `on_done` is called as each
    source finishes (progress).
    """
    async with Fetcher(policy(settings)) as fetcher:

        async def one(spec: SourceSpec) -> LiveResult:
            result = await _fetch_source(spec, fetcher, settings, known_descriptions)
            if on_done is not None:
                on_done(result)
            return result

        return list(await asyncio.gather(*(one(s) for s in specs)))


async def _fetch_source(
    spec: SourceSpec,
    fetcher: Fetcher,
    settings: FetchSettings,
    known: Callable[[str, list[str]], dict[str, str]] | None,
) -> LiveResult:
    result = LiveResult(spec)
    started = time.perf_counter()
    try:
        if spec.kind == "jobspy":
            await asyncio.to_thread(_scrape_jobspy, spec, settings, result)
        else:
            await _fetch_pages(spec, fetcher, settings, result)
        await _fill_descriptions(spec, fetcher, settings, known, result)
    except (SourceError, ConfigError) as exc:
        result.errors.append(str(exc))
    result.seconds = time.perf_counter() - started
    return result


async def _fetch_pages(
    spec: SourceSpec, fetcher: Fetcher, settings: FetchSettings, result: LiveResult
) -> None:
    """Follow the source's pages until it has no next page or results_wanted is reached."""
    module = parser(spec.kind)
    url: str | None = first_url(spec, settings)
    seen: set[str] = set()
    while url is not None and url not in seen:
        seen.add(url)
        try:
            answer = await fetcher.get(url, result.stats)
        except FetchError as exc:
            result.errors.append(f"{spec.label}: {exc}")
            return
        try:
            _refuse_block_page(spec, answer)
            payloads = module.split(answer.body, redact_url(answer.url))
        except SourceError as exc:
            result.errors.append(f"{spec.label}: {exc}")
            return
        result.records.extend(
            RawRecord(spec.kind, redact_url(answer.url), i, p) for i, p in enumerate(payloads)
        )
        if spec.results_wanted is not None and len(result.records) >= spec.results_wanted:
            del result.records[spec.results_wanted :]
            return
        url = _next_page(module, answer, len(payloads))


def _next_page(module: ModuleType, answer: Answer, records: int) -> str | None:
    # `records` may be 0 on a page that is not the last (an HN page of only replies): each
    # kind's next_page decides from its answer when the pages end.
    follow = getattr(module, "next_page", None)
    if follow is None:
        return None
    doc = load_json(answer.body, redact_url(answer.url), module.SOURCE)
    nxt = follow(doc, answer.url, records)
    return str(nxt) if nxt else None


def _refuse_block_page(spec: SourceSpec, answer: Answer) -> None:
    """An HTML page where the board answers JSON or XML is a block or CAPTCHA page.

    The body decides, not the Content-Type: misconfigured servers label good JSON text/html,
    and a block page labelled application/json is still a block page."""
    if not _HTML.match(answer.body[:200]):
        return
    m = re.search(rb"<title[^>]*>(.*?)</title>", answer.body[:20000], re.I | re.S)
    title = " ".join(m.group(1).decode("utf-8", "replace").split())[:80] if m else "untitled"
    raise SourceError(
        f"{redact_url(answer.url)} answered an HTML page ({title!r}) instead of a "
        f"{spec.kind} answer: blocked, a CAPTCHA, or a wrong base URL"
    )


# -- descriptions ------------------------------------------------------------------------


async def _fill_descriptions(
    spec: SourceSpec,
    fetcher: Fetcher,
    settings: FetchSettings,
    known: Callable[[str, list[str]], dict[str, str]] | None,
    result: LiveResult,
) -> None:
    """Give each record without a description one: the lake's, else its page's."""
    module = parser(spec.kind)
    missing = [(r, d) for r in result.records if (d := _needs_description(module, r))]
    counts = result.descriptions
    counts["missing"] = len(missing)
    if not missing:
        return
    have = known(spec.kind, [pid for _, (pid, _) in missing]) if known else {}
    todo: list[tuple[RawRecord, str]] = []
    for record, (pid, url) in missing:
        if pid in have:
            record.payload["_description"] = have[pid]
            counts["from_lake"] = counts.get("from_lake", 0) + 1
        elif not fetcher.policy.allows(url):
            counts["off_hosts"] = counts.get("off_hosts", 0) + 1  # fetch.allowed_hosts
        elif len(todo) < settings.descriptions_per_source:
            todo.append((record, url))
        else:
            counts["deferred"] = counts.get("deferred", 0) + 1
    outcomes = await asyncio.gather(*(_describe(module, fetcher, r, u, result) for r, u in todo))
    counts["fetched"] = sum(outcomes)
    counts["failed"] = len(outcomes) - counts["fetched"]


def _needs_description(module: ModuleType, record: RawRecord) -> tuple[str, str] | None:
    """(source posting id, URL to fetch) of a record that has no description, else None."""
    if record.source == "jobspy" and record.payload.get("site") not in _JOBSPY_PAGES:
        return None
    try:
        draft = module.parse(record.payload)
    except Exception:  # a record that does not parse is quarantined later, with its reason
        return None
    if (draft.description_html_or_text or "").strip():
        return None
    detail = getattr(module, "detail_url", None)
    url = detail(record.payload) if detail is not None else draft.url
    return (draft.source_posting_id, url) if url else None


async def _describe(
    module: ModuleType, fetcher: Fetcher, record: RawRecord, url: str, result: LiveResult
) -> bool:
    """Fetch one description into the record; False (counted) when it cannot be had."""
    try:
        answer = await fetcher.get(url, result.stats)
    except FetchError:
        return False
    if getattr(module, "detail_url", None) is not None:
        try:
            detail = module.split(answer.body, redact_url(answer.url))
        except SourceError:
            return False
        if not detail:
            return False
        record.payload.update(detail[0])
        return True
    text = page_description(answer.body)
    if text:
        record.payload["_description"] = text
    return bool(text)


_LD_JSON = re.compile(rb"<script[^>]*application/ld\+json[^>]*>(.*?)</script>", re.I | re.S)
_DROP = re.compile(r"<(script|style|noscript|nav|header|footer)\b.*?</\1>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def page_description(body: bytes) -> str | None:
    """The job description on a posting's page: its schema.org JobPosting description when
    the page embeds one (most boards do), else the page's visible text; None when empty."""
    for block in _LD_JSON.findall(body[:2_000_000]):
        with contextlib.suppress(ValueError):
            doc = json.loads(block.decode("utf-8", "replace"))
            for item in doc if isinstance(doc, list) else [doc]:
                if isinstance(item, dict) and item.get("@type") == "JobPosting":
                    text = item.get("description")
                    if isinstance(text, str) and text.strip():
                        return html.unescape(text)
    page = body[:2_000_000].decode("utf-8", "replace")
    m = re.search(r"<body\b.*?>(.*)</body>", page, re.I | re.S)
    visible = _TAG.sub(" ", _DROP.sub(" ", m.group(1) if m else page))
    text = " ".join(html.unescape(visible).split())
    return text[:50_000] or None


# -- JobSpy -------------------------------------------------------------------------------


def _scrape_jobspy(spec: SourceSpec, settings: FetchSettings, result: LiveResult) -> None:
    """Run python-jobspy's `scrape_jobs` for the source's sites; its rows become records.

    JobSpy logs what went wrong per site (and keeps it in the frame's attrs) instead of
    raising: those messages become the source's errors.
    """
    from jobspy import scrape_jobs
    from jobspy.indeed import Indeed
    from jobspy.linkedin import LinkedIn

    origin = (
        "jobspy://"
        + ",".join(spec.sites)
        + "?"
        + urlencode({k: v for k, v in _jobspy_query(spec) if v})
    )
    with (
        _JOBSPY_LOCK,
        _patched(Indeed, "api_url", settings.base_url("indeed")),
        _patched(LinkedIn, "base_url", settings.base_url("linkedin")),
        _captured("jobspy") as logged,
    ):
        try:
            frame = scrape_jobs(
                site_name=spec.sites,
                search_term=spec.query,
                location=spec.location,
                results_wanted=spec.results_wanted or 20,
                hours_old=spec.hours_old,
                country_indeed=spec.country or "usa",
                description_format="markdown",
                verbose=1,
            )
        except ValueError as exc:  # an invalid argument (site, country)
            raise ConfigError(f"source {spec.label}: {exc}") from exc
    result.stats.requested += len(spec.sites)
    errors = dict(frame.attrs.get("errors") or {})
    result.stats.answered += len(spec.sites) - len(errors)
    result.errors += [f"{spec.label}: {site}: {why}" for site, why in errors.items()]
    if not errors and frame.empty and logged:
        result.errors += [f"{spec.label}: {line}" for line in logged[:3]]
    rows = frame.to_dict("records")
    result.records = [RawRecord("jobspy", origin, i, _plain(row)) for i, row in enumerate(rows)]


def _jobspy_query(spec: SourceSpec) -> list[tuple[str, str | None]]:
    """What names a JobSpy source's answer in its origin: two sources that differ only in
    country or label must not share an origin (source health counts rows by origin)."""
    hours = str(spec.hours_old) if spec.hours_old else None
    return [
        ("q", spec.query),
        ("l", spec.location),
        ("country", spec.country),
        ("hours", hours),
        ("name", spec.name),
    ]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A JobSpy row as JSON-safe values: NaN is None, dates are ISO text."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        out[str(key)] = value
    return out


@contextlib.contextmanager
def _patched(owner: type, name: str, value: str) -> Iterator[None]:
    old = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, old)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage()[:300])


@contextlib.contextmanager
def _captured(name: str) -> Iterator[list[str]]:
    handler = _Lines()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
