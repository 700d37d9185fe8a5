"""python-jobspy CSV exports: the 34-column current schema and the 15-column early one.

JobSpy writes with QUOTE_NONNUMERIC and `\\` as escape character, so the file is read
back with the same escape; the description is Markdown with backslash escapes. The id is
the `id` column, or `job_url` in the early schema that has none. Pay is structured
(`interval` yearly/hourly..., `min_amount`, `max_amount`, `currency`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from joblens.errors import ParseError, SourceError
from joblens.sources.base import PostingDraft, optional_bool, optional_str, to_datetime

SOURCE = "jobspy"
_NEEDED = {"title", "job_url"}

csv.field_size_limit(16 * 1024 * 1024)  # descriptions can be long


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return one dict per CSV row (header -> cell text); SourceError naming `origin` when
    the payload is not a JobSpy CSV (no title/job_url header, undecodable, ragged)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{SOURCE}: {origin} is not UTF-8 text: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), escapechar="\\")
    header = set(reader.fieldnames or ())
    if not header >= _NEEDED:
        raise SourceError(
            f"{SOURCE}: {origin} should be a JobSpy CSV with columns {sorted(_NEEDED)}; "
            f"got header {sorted(header)[:12]}"
        )
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise SourceError(f"{SOURCE}: {origin} line {reader.line_num}: {exc}") from exc
    # Cells beyond the header land under None: keep them visible rather than lose them.
    return [{str(k) if k is not None else "_extra": v for k, v in row.items()} for row in rows]


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one JobSpy row; ParseError if id/job_url or title is missing."""
    job_url = optional_str(record.get("job_url"))
    posting_id = optional_str(record.get("id")) or job_url
    if posting_id is None:
        raise ParseError(
            f"{SOURCE}: required field 'id' (or 'job_url') is missing or empty "
            f"(got id={record.get('id')!r}, job_url={record.get('job_url')!r})",
            field="id",
            raw=record.get("id"),
        )
    title = optional_str(record.get("title"))
    if title is None:
        raise ParseError(
            f"{SOURCE}: required field 'title' is missing or empty (got {record.get('title')!r})",
            field="title",
            raw=record.get("title"),
        )
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=job_url or optional_str(record.get("job_url_direct")),
        title=title,
        company=optional_str(record.get("company")),
        location_raw=optional_str(record.get("location")),
        is_remote=optional_bool(record.get("is_remote")),
        workplace_type=optional_str(record.get("work_from_home_type")),
        salary_text=None,
        salary_min=optional_str(record.get("min_amount")),
        salary_max=optional_str(record.get("max_amount")),
        salary_currency=optional_str(record.get("currency")),
        salary_interval=optional_str(record.get("interval")),
        description_html_or_text=optional_str(record.get("description")) or "",
        posted_at=to_datetime(record.get("date_posted")),
        extra={
            "site": optional_str(record.get("site")),
            "job_level": optional_str(record.get("job_level")),
        },
    )
