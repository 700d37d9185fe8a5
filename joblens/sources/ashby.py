"""Ashby job-board API (api.ashbyhq.com/posting-api/job-board/<org>?includeCompensation=true).

The payload is {"apiVersion": "1", "jobs": [...]}. Pay is structured in
`compensation.summaryComponents` (the "Salary" component: minValue, maxValue, currencyCode,
interval "1 YEAR") with a human summary ("$151K – $231K • Offers Equity"). The API has
no company name: the organization slug in `jobUrl` stands in for it.
"""

from __future__ import annotations

import re
from typing import Any

from joblens.sources.base import (
    PostingDraft,
    dig,
    json_records,
    optional_bool,
    optional_str,
    required_str,
    to_datetime,
)

SOURCE = "ashby"
# The live endpoint, appended to the kind's base URL (settings.fetch.base_urls).
PATH = "/posting-api/job-board/{board}?includeCompensation=true"
_ORG = re.compile(r"ashbyhq\.com/([^/?#]+)")


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the job objects of a job-board answer; SourceError naming `origin` otherwise."""
    return json_records(data, origin, SOURCE, ("jobs", "jobPostings", "results"))


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Ashby job; ParseError if `id` or `title` is missing."""
    posting_id = required_str(record, "id", source=SOURCE)
    title = required_str(record, "title", source=SOURCE)
    url = optional_str(record.get("jobUrl")) or optional_str(record.get("applyUrl"))
    component = _salary_component(record)
    summary = optional_str(dig(record, "compensation", "compensationTierSummary")) or optional_str(
        dig(record, "compensation", "scrapeableCompensationSalarySummary")
    )
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=url,
        title=title,
        company=optional_str(record.get("organizationName")) or _org(url),
        location_raw=_location(record),
        is_remote=optional_bool(record.get("isRemote")),
        workplace_type=optional_str(record.get("workplaceType")),
        salary_text=summary,
        salary_min=component.get("minValue"),
        salary_max=component.get("maxValue"),
        salary_currency=optional_str(component.get("currencyCode")),
        salary_interval=optional_str(component.get("interval")),
        description_html_or_text=optional_str(record.get("descriptionHtml"))
        or optional_str(record.get("descriptionPlain"))
        or "",
        posted_at=to_datetime(record.get("publishedAt") or record.get("updatedAt")),
        country_hint=optional_str(dig(record, "address", "postalAddress", "addressCountry")),
        extra={"department": optional_str(record.get("department"))},
    )


def _salary_component(record: dict[str, Any]) -> dict[str, Any]:
    components = dig(record, "compensation", "summaryComponents") or []
    for item in components:
        if (
            isinstance(item, dict)
            and item.get("compensationType") == "Salary"
            and (item.get("minValue") is not None or item.get("maxValue") is not None)
        ):
            return item
    return {}


def _org(url: str | None) -> str | None:
    m = _ORG.search(url or "")
    return m.group(1) if m else None


def _location(record: dict[str, Any]) -> str | None:
    """The job's place and its secondaryLocations, each once ("New York | Remote (US)")."""
    primary = optional_str(record.get("location")) or _address(record)
    others = [
        optional_str(x.get("location")) if isinstance(x, dict) else optional_str(x)
        for x in record.get("secondaryLocations") or ()
    ]
    places = list(dict.fromkeys(p for p in [primary, *others] if p))
    return " | ".join(places) or None


def _address(record: dict[str, Any]) -> str | None:
    address = dig(record, "address", "postalAddress") or {}
    keys = ("addressLocality", "addressRegion", "addressCountry")
    parts = [optional_str(address.get(k)) for k in keys]
    return ", ".join(p for p in parts if p) or None
