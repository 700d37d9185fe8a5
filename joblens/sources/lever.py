"""Lever postings API (api.lever.co/v0/postings/<company>?mode=json): a bare JSON array.

The description is split over `description` (or `opening` + `descriptionBody`), `lists`
(titled <li> blocks) and `additional`, where US pay ranges usually are; `createdAt` is
epoch milliseconds; `salaryRange` is structured when the company fills it in.
"""

from __future__ import annotations

import re
from typing import Any

from joblens.sources.base import (
    PostingDraft,
    dig,
    json_records,
    optional_str,
    required_str,
    to_datetime,
)

SOURCE = "lever"
# The live endpoint, appended to the kind's base URL (settings.fetch.base_urls).
PATH = "/v0/postings/{board}?mode=json"
_COMPANY = re.compile(r"lever\.co/([\w.-]+)/")


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the posting objects of an answer; SourceError naming `origin` otherwise."""
    return json_records(data, origin, SOURCE, ("postings", "data"))


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Lever posting; ParseError if `id` or `text` is missing."""
    posting_id = required_str(record, "id", source=SOURCE)
    title = required_str(record, "text", source=SOURCE)
    url = optional_str(record.get("hostedUrl")) or optional_str(record.get("applyUrl"))
    salary: dict[str, Any] = (
        record["salaryRange"] if isinstance(record.get("salaryRange"), dict) else {}
    )
    workplace = optional_str(record.get("workplaceType"))
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=url,
        title=title,
        company=_company(url),
        location_raw=_location(record),
        is_remote=True if workplace == "remote" else None,
        workplace_type=None if workplace in (None, "unspecified") else workplace,
        salary_text=optional_str(record.get("salaryDescriptionPlain"))
        or optional_str(record.get("salaryDescription")),
        salary_min=salary.get("min"),
        salary_max=salary.get("max"),
        salary_currency=optional_str(salary.get("currency")),
        salary_interval=optional_str(salary.get("interval")),
        description_html_or_text=_description(record),
        posted_at=to_datetime(record.get("createdAt")),
        country_hint=optional_str(record.get("country")),
        extra={"commitment": optional_str(dig(record, "categories", "commitment"))},
    )


def _company(url: str | None) -> str | None:
    m = _COMPANY.search(url or "")
    return m.group(1) if m else None


def _location(record: dict[str, Any]) -> str | None:
    primary = optional_str(dig(record, "categories", "location"))
    others = [optional_str(x) for x in dig(record, "categories", "allLocations") or ()]
    places = list(dict.fromkeys(p for p in [primary, *others] if p))
    return " | ".join(places) or None


def _description(record: dict[str, Any]) -> str:
    parts: list[str] = []
    body = optional_str(record.get("description"))
    if body is None:
        body = " ".join(
            p for p in (optional_str(record.get(k)) for k in ("opening", "descriptionBody")) if p
        )
    parts.append(body or optional_str(record.get("descriptionPlain")) or "")
    for block in record.get("lists") or ():
        if isinstance(block, dict):
            heading = optional_str(block.get("text")) or ""
            content = optional_str(block.get("content")) or ""
            parts.append(f"<h3>{heading}</h3><ul>{content}</ul>")
    parts.append(
        optional_str(record.get("additional")) or optional_str(record.get("additionalPlain")) or ""
    )
    # A part cut inside a tag ("...<a href") would swallow every part after it once joined.
    return "\n".join(_UNCLOSED_TAG.sub("", p) if _TAG.search(p) else p for p in parts if p)


_UNCLOSED_TAG = re.compile(r"<[^<>]*$")
_TAG = re.compile(r"<[A-Za-z/][^<>]*>")  # HTML parts only: plain text may hold "(<10 people)"
