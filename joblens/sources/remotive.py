"""Remotive remote-jobs API (remotive.com/api/remote-jobs): {"job-count", "jobs": [...]}.

Every job is remote; `candidate_required_location` says where the worker may live
("USA", "Worldwide", "Americas, Europe, Israel"); `salary` is free text ("$150k - $230k",
"$90 - $150 /hour", "").
"""

from __future__ import annotations

from typing import Any

from joblens.sources.base import (
    PostingDraft,
    json_records,
    optional_str,
    required_str,
    to_datetime,
)

SOURCE = "remotive"
# The live endpoint, appended to the kind's base URL (settings.fetch.base_urls).
PATH = "/api/remote-jobs?search={query}&limit={limit}"


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the job objects of an answer; SourceError naming `origin` otherwise."""
    return json_records(data, origin, SOURCE, ("jobs",))


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Remotive job; ParseError if `id` or `title` is missing."""
    return PostingDraft(
        source=SOURCE,
        source_posting_id=required_str(record, "id", source=SOURCE),
        url=optional_str(record.get("url")),
        title=required_str(record, "title", source=SOURCE),
        company=optional_str(record.get("company_name")),
        location_raw=optional_str(record.get("candidate_required_location")),
        is_remote=True,
        workplace_type="remote",
        salary_text=optional_str(record.get("salary")),
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=optional_str(record.get("description")) or "",
        posted_at=to_datetime(record.get("publication_date")),
        extra={"job_type": optional_str(record.get("job_type"))},
    )
