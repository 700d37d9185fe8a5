"""Remote OK's public API (remoteok.com/api): one JSON array, newest jobs first.

The FIRST element is not a job but the API's legal notice ({"legal": "API Terms of
Service: ..."}, with "last_updated" in newer answers); `split` drops it. The others are
jobs: `id`, `slug`, `epoch` (seconds) and `date` (ISO), `company`, `position` (the
title), `tags`, `description` (HTML), `location` (free text where the worker may live:
"Worldwide", "United States"), `salary_min`/`salary_max` (US dollars a year; 0 means not
stated), `url` (the job page) and `apply_url`. Every job is remote.
"""

from __future__ import annotations

import math
from typing import Any

from joblens.errors import SourceError
from joblens.sources.base import PostingDraft, load_json, optional_str, required_str, to_datetime

SOURCE = "remoteok"
BASE_URL = "https://remoteok.com"
PATH = "/api"


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the job objects of an answer, without its legal notice; SourceError naming
    `origin` when the payload is not a JSON array."""
    doc = load_json(data, origin, SOURCE)
    if not isinstance(doc, list):
        got = (
            f"an object with keys {sorted(doc)[:10]}"
            if isinstance(doc, dict)
            else type(doc).__name__
        )
        raise SourceError(f"{SOURCE}: {origin} should be a JSON array of jobs; got {got}")
    return [
        item if isinstance(item, dict) else {"_not_an_object": item}
        for item in doc
        if not is_legal_notice(item)
    ]


def is_legal_notice(item: Any) -> bool:
    """Return True for the API's terms-of-use object (it names no job)."""
    return isinstance(item, dict) and "legal" in item and "position" not in item


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Remote OK job; ParseError if `id` or `position` is missing."""
    low, high = _pay(record.get("salary_min")), _pay(record.get("salary_max"))
    stated = low is not None or high is not None
    tags = record.get("tags")
    return PostingDraft(
        source=SOURCE,
        source_posting_id=required_str(record, "id", source=SOURCE),
        url=optional_str(record.get("url")) or optional_str(record.get("apply_url")),
        title=required_str(record, "position", source=SOURCE),
        company=optional_str(record.get("company")),
        location_raw=optional_str(record.get("location")),
        is_remote=True,
        workplace_type="remote",
        salary_text=None,
        salary_min=low,
        salary_max=high,
        salary_currency="USD" if stated else None,
        salary_interval="year" if stated else None,
        description_html_or_text=optional_str(record.get("description")) or "",
        posted_at=to_datetime(record.get("date")) or to_datetime(record.get("epoch")),
        extra={
            "slug": optional_str(record.get("slug")),
            "apply_url": optional_str(record.get("apply_url")),
            "tags": [t for t in map(optional_str, tags) if t] if isinstance(tags, list) else [],
        },
    )


def _pay(value: Any) -> float | None:
    """Return a stated pay bound; 0, blanks and non-numbers are "not stated" (None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = optional_str(value)
        try:
            number = float(text.replace(",", "")) if text else 0.0
        except ValueError:
            return None
    return number if math.isfinite(number) and number > 0 else None
