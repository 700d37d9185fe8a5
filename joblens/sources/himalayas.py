"""Himalayas remote-jobs API (himalayas.app/jobs/api?limit=20&offset=N).

The answer is {"updatedAt", "offset", "limit", "totalCount", "jobs": [...]}, 20 jobs a
page at most. A job has no numeric id: its `guid` is the URL of its Himalayas page.
It carries `title`, `excerpt`, `companyName`/`companySlug`, `employmentType`,
`minSalary`/`maxSalary` with `currency` (sometimes absent) and at times `salaryPeriod`,
`seniority`/`categories`/`parentCategories` (lists), `locationRestrictions` (country or
region names the worker must live in; empty: anywhere), `timezoneRestrictions` (UTC
offsets), `description` (HTML), `pubDate` and `expiryDate` (epoch seconds) and
`applicationLink`. Every job is remote.
"""

from __future__ import annotations

import math
from typing import Any

from joblens.errors import ParseError
from joblens.sources.base import (
    PostingDraft,
    json_records,
    optional_str,
    required_str,
    to_datetime,
)
from joblens.sources.paging import as_int, query_int, with_query

SOURCE = "himalayas"
BASE_URL = "https://himalayas.app"
PATH = "/jobs/api?limit=20&offset=0"


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the job objects of an answer; SourceError naming `origin` otherwise."""
    return json_records(data, origin, SOURCE, ("jobs",))


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Himalayas job; ParseError if `guid` (and `applicationLink`)
    or `title` is missing."""
    guid = optional_str(record.get("guid"))
    apply = optional_str(record.get("applicationLink"))
    posting_id = guid or apply
    if posting_id is None:
        raise ParseError(
            f"{SOURCE}: required field 'guid' is missing or empty (got {record.get('guid')!r})",
            field="guid",
            raw=record.get("guid"),
        )
    title = required_str(record, "title", source=SOURCE)
    low, high = _pay(record.get("minSalary")), _pay(record.get("maxSalary"))
    stated = low is not None or high is not None
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=guid if guid and guid.startswith(("https://", "http://")) else apply,
        title=title,
        company=optional_str(record.get("companyName")),
        location_raw=" | ".join(_texts(record.get("locationRestrictions"))) or None,
        is_remote=True,
        workplace_type="remote",
        salary_text=None,
        salary_min=low,
        salary_max=high,
        salary_currency=optional_str(record.get("currency")) if stated else None,
        salary_interval=optional_str(record.get("salaryPeriod")) if stated else None,
        description_html_or_text=optional_str(record.get("description"))
        or optional_str(record.get("excerpt"))
        or "",
        posted_at=to_datetime(record.get("pubDate")),
        extra={
            "apply_url": apply,
            "company_slug": optional_str(record.get("companySlug")),
            "employment_type": optional_str(record.get("employmentType")),
            "seniority": _texts(record.get("seniority")),
            "categories": _texts(record.get("categories")),
            "timezones": _texts(record.get("timezoneRestrictions")),
            "expires_at": to_datetime(record.get("expiryDate")),
        },
    )


def next_page(doc: Any, url: str, records: int) -> str | None:
    """Return the URL of the next page (offset moved on by `records`), or None when this
    page was the last or empty."""
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), list) or records <= 0:
        return None
    offset = as_int(doc.get("offset"))
    if offset is None:
        offset = query_int(url, "offset") or 0
    following = offset + records
    total = as_int(doc.get("totalCount"))
    if total is not None and following >= total:
        return None
    limit = as_int(doc.get("limit")) or query_int(url, "limit")
    if total is None and limit is not None and records < limit:
        return None  # a short page without a total: the last one
    return with_query(url, offset=following)


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [t for t in (optional_str(v) for v in value) if t]


def _pay(value: Any) -> float | None:
    """Return a stated pay bound; null, 0 and non-numbers are "not stated" (None)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value > 0 else None
    text = optional_str(value)
    try:
        number = float(text.replace(",", "")) if text else 0.0
    except ValueError:
        return None
    return number if math.isfinite(number) and number > 0 else None
