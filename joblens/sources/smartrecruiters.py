"""SmartRecruiters Posting API (api.smartrecruiters.com/v1/companies/<board>/postings).

The list answer is {"offset", "limit", "totalFound", "content": [...]}, at most 100
postings a page. A posting has its `id`, `name` (the title), `uuid`, `refNumber`,
`company` {"identifier", "name"}, `releasedDate` (ISO), `location` {"city", "region",
"country" (lower-case ISO code), "remote", "hybrid", "fullLocation"}, `department`/
`function`/`industry`/`typeOfEmployment`/`experienceLevel` ({"id", "label"}) and `ref`,
the URL of its detail answer. The list has NO description: the detail answer
(/postings/<id>) is the same object plus `jobAd.sections` (companyDescription,
jobDescription, qualifications, additionalInformation; each {"title", "text" (HTML)}),
`postingUrl` and `applyUrl`. `split` reads both; a list record parses with an empty
description, which `detail_url` lets a fetcher fill in.
"""

from __future__ import annotations

from typing import Any

from joblens.errors import SourceError
from joblens.sources.base import (
    PostingDraft,
    dig,
    json_records,
    load_json,
    optional_bool,
    optional_str,
    required_str,
    to_datetime,
)
from joblens.sources.paging import as_int, query_int, with_query

SOURCE = "smartrecruiters"
BASE_URL = "https://api.smartrecruiters.com"
PATH = "/v1/companies/{board}/postings?limit=100&offset=0"
_PUBLIC = "https://jobs.smartrecruiters.com"
_SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the postings of a list answer, or the one posting of a detail answer;
    SourceError naming `origin` otherwise."""
    doc = load_json(data, origin, SOURCE)
    if isinstance(doc, dict) and "content" not in doc and _is_detail(doc):
        return [doc]  # /v1/companies/<board>/postings/<id>
    if isinstance(doc, list):
        raise SourceError(f"{SOURCE}: {origin} should be an object with 'content', got a list")
    return json_records(data, origin, SOURCE, ("content",))


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one posting; ParseError if `id` or `name` is missing."""
    posting_id = required_str(record, "id", source=SOURCE)
    title = required_str(record, "name", source=SOURCE)
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=_url(record, posting_id),
        title=title,
        company=optional_str(dig(record, "company", "name"))
        or optional_str(dig(record, "company", "identifier")),
        location_raw=_location(record),
        is_remote=optional_bool(dig(record, "location", "remote")),
        workplace_type=_workplace(record),
        salary_text=None,
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=_description(record),
        posted_at=to_datetime(record.get("releasedDate")),
        country_hint=optional_str(dig(record, "location", "country")),
        extra={
            "ref_number": optional_str(record.get("refNumber")),
            "department": _label(record, "department"),
            "function": _label(record, "function"),
            "industry": _label(record, "industry"),
            "employment_type": _label(record, "typeOfEmployment"),
            "experience_level": _label(record, "experienceLevel"),
        },
    )


def detail_url(record: dict[str, Any]) -> str | None:
    """Return the detail-API URL of a posting (its "ref"; else built from the company
    identifier and id), where its description is; None when neither is known."""
    ref = optional_str(record.get("ref"))
    if ref and ref.startswith(("https://", "http://")):
        return ref
    company = optional_str(dig(record, "company", "identifier"))
    posting_id = optional_str(record.get("id"))
    if company and posting_id:
        return f"{BASE_URL}/v1/companies/{company}/postings/{posting_id}"
    return None


def next_page(doc: Any, url: str, records: int) -> str | None:
    """Return the URL of the next list page (offset moved on by `records`), or None when
    this page was the last (or empty, or a detail answer)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("content"), list) or records <= 0:
        return None
    offset = as_int(doc.get("offset"))
    if offset is None:
        offset = query_int(url, "offset") or 0
    following = offset + records
    total = as_int(doc.get("totalFound"))
    if total is not None and following >= total:
        return None
    return with_query(url, offset=following)


def _is_detail(doc: dict[str, Any]) -> bool:
    return "jobAd" in doc or ("id" in doc and "name" in doc and "releasedDate" in doc)


def _url(record: dict[str, Any], posting_id: str) -> str | None:
    url = optional_str(record.get("postingUrl"))
    if url:
        return url
    company = optional_str(dig(record, "company", "identifier"))
    if company:
        return f"{_PUBLIC}/{company}/{posting_id}"
    return optional_str(record.get("applyUrl"))


def _location(record: dict[str, Any]) -> str | None:
    place = record.get("location")
    if not isinstance(place, dict):
        return None
    full = optional_str(place.get("fullLocation"))
    # "Dubai, , United Arab Emirates": the empty region leaves a gap.
    parts = full.split(",") if full else [place.get(k) for k in ("city", "region", "country")]
    names = [optional_str(p) for p in parts]
    return ", ".join(n for n in names if n) or None


def _workplace(record: dict[str, Any]) -> str | None:
    stated = optional_str(record.get("locationType")) or optional_str(
        dig(record, "location", "locationType")
    )
    if stated:
        return stated
    remote = optional_bool(dig(record, "location", "remote"))
    hybrid = optional_bool(dig(record, "location", "hybrid"))
    if remote:
        return "remote"
    if hybrid:
        return "hybrid"
    # Both flags present and false: the posting is on-site. One flag alone says nothing.
    return "onsite" if remote is False and hybrid is False else None


def _label(record: dict[str, Any], key: str) -> str | None:
    return optional_str(dig(record, key, "label")) or optional_str(dig(record, key, "id"))


def _description(record: dict[str, Any]) -> str:
    sections = dig(record, "jobAd", "sections")
    if not isinstance(sections, dict):
        return ""
    names = [*_SECTIONS, *(k for k in sections if k not in _SECTIONS)]
    parts: list[str] = []
    for name in names:
        section = sections.get(name)
        if not isinstance(section, dict):
            continue
        body = optional_str(section.get("text"))
        if body:
            heading = optional_str(section.get("title"))
            parts.append((f"<h3>{heading}</h3>" if heading else "") + body)
    return "\n".join(parts)
