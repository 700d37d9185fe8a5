"""Workable's public job widget (apply.workable.com/api/v1/widget/accounts/<board>?details=true).

The answer is one account: {"name": employer, "description": ..., "jobs": [...]}. A job
carries its `shortcode` (the id in every Workable URL), `title`, `url`/`shortlink`/
`application_url`, `published_on` and `created_at` ("2026-03-27"), a flat `city`/`state`/
`country` and a `locations` list ({"country", "countryCode", "city", "region", "hidden"}),
`telecommuting` (true: remote; false says nothing about on-site or hybrid), and with
`details=true` its HTML `description` (some accounts add `requirements` and `benefits`).
The employer is only named at the top, so `split` copies it into each job as "_company".

The newer jobs API (apply.workable.com/api/v3/accounts/<board>/jobs) answers {"total",
"results": [...]}: the same `shortcode`, `title`, `locations` and `workplace`, with `remote`
for telecommuting, `published` for the date, and neither the employer nor a URL; its jobs
get the short link every Workable job has (apply.workable.com/j/<shortcode>).
"""

from __future__ import annotations

from typing import Any

from joblens.errors import SourceError
from joblens.sources.base import (
    PostingDraft,
    load_json,
    optional_bool,
    optional_str,
    required_str,
    to_datetime,
)

SOURCE = "workable"
BASE_URL = "https://apply.workable.com"
PATH = "/api/v1/widget/accounts/{board}?details=true"

_DESCRIPTION_PARTS = (
    ("description", None),
    ("requirements", "Requirements"),
    ("benefits", "Benefits"),
)


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the jobs of an account answer, each with the account name under "_company";
    SourceError naming `origin` for any other payload."""
    doc = load_json(data, origin, SOURCE)
    jobs = next(
        (
            doc[k]
            for k in ("jobs", "results")
            if isinstance(doc, dict) and isinstance(doc.get(k), list)
        ),
        None,
    )
    if jobs is None:
        got = f"keys {sorted(doc)[:10]}" if isinstance(doc, dict) else type(doc).__name__
        raise SourceError(
            f"{SOURCE}: {origin} should be a widget answer with 'jobs' or a jobs answer with "
            f"'results'; got {got}"
        )
    company = optional_str(doc.get("name"))
    return [
        {**job, "_company": company} if isinstance(job, dict) else {"_not_an_object": job}
        for job in jobs
    ]


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Workable job; ParseError if `shortcode` or `title` is missing."""
    shortcode = required_str(record, "shortcode", source=SOURCE)
    title = required_str(record, "title", source=SOURCE)
    remote = optional_bool(record.get("telecommuting")) or optional_bool(record.get("remote"))
    workplace = optional_str(record.get("workplace")) or optional_str(record.get("workplace_type"))
    return PostingDraft(
        source=SOURCE,
        source_posting_id=shortcode,
        url=_url(record) or f"{BASE_URL}/j/{shortcode}",
        title=title,
        company=optional_str(record.get("_company")),
        location_raw=_location(record),
        is_remote=True if remote else None,
        workplace_type=workplace or ("remote" if remote else None),
        salary_text=None,
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=_description(record),
        posted_at=to_datetime(
            record.get("published_on") or record.get("created_at") or record.get("published")
        ),
        country_hint=_country(record),
        extra={
            key: optional_str(record.get(key))
            for key in ("department", "employment_type", "experience", "function", "industry")
        },
    )


def _url(record: dict[str, Any]) -> str | None:
    for key in ("url", "shortlink", "application_url"):
        url = optional_str(record.get(key))
        if url:
            return url
    return None


def _shown_locations(record: dict[str, Any]) -> list[dict[str, Any]]:
    listed = record.get("locations")
    if not isinstance(listed, list):
        return []
    return [p for p in listed if isinstance(p, dict) and optional_bool(p.get("hidden")) is not True]


def _place(*parts: Any) -> str | None:
    names = [optional_str(p) for p in parts]
    return ", ".join(dict.fromkeys(n for n in names if n)) or None


def _location(record: dict[str, Any]) -> str | None:
    """Every shown location "City, Region, Country", joined by " | "; else the flat fields."""
    places = [
        _place(p.get("city"), p.get("region"), p.get("country")) for p in _shown_locations(record)
    ]
    joined = " | ".join(dict.fromkeys(p for p in places if p))
    return joined or _place(record.get("city"), record.get("state"), record.get("country"))


def _country(record: dict[str, Any]) -> str | None:
    first = next(iter(_shown_locations(record)), {})
    return optional_str(first.get("countryCode")) or optional_str(record.get("country"))


def _description(record: dict[str, Any]) -> str:
    parts: list[str] = []
    for key, heading in _DESCRIPTION_PARTS:
        body = optional_str(record.get(key))
        if body:
            parts.append(f"<h3>{heading}</h3>{body}" if heading else body)
    return "\n".join(parts)
