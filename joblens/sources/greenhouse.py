"""Greenhouse job-board API (boards-api.greenhouse.io/v1/boards/<board>/jobs?content=true).

The payload is {"jobs": [...], "meta": {"total": n}}; `content` is entity-escaped HTML
("&lt;p&gt;"), pay sits in its "pay-input" block; "Location Type" metadata says
remote/hybrid/on-site. Old boards have no `company_name`: the board token in the URL
stands in for it.
"""

from __future__ import annotations

import re
from typing import Any

from joblens.sources.base import (
    PostingDraft,
    dig,
    json_records,
    load_json,
    optional_str,
    required_str,
    to_datetime,
)

SOURCE = "greenhouse"
# The live endpoint, appended to the kind's base URL (settings.fetch.base_urls).
PATH = "/v1/boards/{board}/jobs?content=true"
_BOARD = re.compile(r"greenhouse\.io/(?:embed/job_app\?for=)?([\w-]+)")


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the job objects of a board answer (or of its single-job answer); SourceError
    naming `origin` otherwise."""
    doc = load_json(data, origin, SOURCE)
    if isinstance(doc, dict) and "jobs" not in doc and "id" in doc and "title" in doc:
        return [doc]  # /v1/boards/<board>/jobs/<id>
    return json_records(data, origin, SOURCE, ("jobs",))


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Greenhouse job; ParseError if `id` or `title` is missing."""
    posting_id = required_str(record, "id", source=SOURCE)
    title = required_str(record, "title", source=SOURCE)
    url = optional_str(record.get("absolute_url"))
    location = optional_str(dig(record, "location", "name")) or optional_str(record.get("location"))
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=url,
        title=title,
        company=optional_str(record.get("company_name")) or _board(url),
        location_raw=location or _office(record),
        is_remote=None,
        workplace_type=_metadata(record, "location type", "workplace type", "remote"),
        salary_text=None,
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=optional_str(record.get("content")) or "",
        posted_at=to_datetime(record.get("first_published") or record.get("updated_at")),
        extra={"department": optional_str(dig(record, "departments", 0, "name"))},
    )


def _board(url: str | None) -> str | None:
    m = _BOARD.search(url or "")
    return m.group(1) if m else None


def _office(record: dict[str, Any]) -> str | None:
    return optional_str(dig(record, "offices", 0, "location")) or optional_str(
        dig(record, "offices", 0, "name")
    )


def _metadata(record: dict[str, Any], *names: str) -> str | None:
    for item in record.get("metadata") or ():
        if isinstance(item, dict) and str(item.get("name", "")).strip().lower() in names:
            value = item.get("value")
            return optional_str(value[0] if isinstance(value, list) and value else value)
    return None
