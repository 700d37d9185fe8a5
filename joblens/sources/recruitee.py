"""Recruitee careers-site API (<company>.recruitee.com/api/offers): {"offers": [...]}.

Pay is structured with numbers as strings ({"min": "60000", "max": "75000", "period":
"year", "currency": "EUR"}); text may sit at the top level or under `translations.<lang>`;
`remote` / `hybrid` / `on_site` flags give the work mode.
"""

from __future__ import annotations

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

SOURCE = "recruitee"
# The live endpoint, appended to the kind's base URL (settings.fetch.base_urls).
PATH = "/api/offers/"


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the offer objects of an answer; SourceError naming `origin` otherwise."""
    return json_records(data, origin, SOURCE, ("offers",))


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one Recruitee offer; ParseError if `id` or `title` is missing."""
    posting_id = required_str(record, "id", source=SOURCE)
    lang = _language(record)
    title = optional_str(record.get("title")) or required_str(
        record, "translations", lang, "title", source=SOURCE
    )
    salary: dict[str, Any] = record["salary"] if isinstance(record.get("salary"), dict) else {}
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=optional_str(record.get("careers_url"))
        or optional_str(record.get("careers_apply_url")),
        title=title,
        company=optional_str(record.get("company_name")),
        location_raw=optional_str(record.get("location")) or _place(record),
        is_remote=optional_bool(record.get("remote")),
        workplace_type=_workplace(record),
        salary_text=None,
        salary_min=salary.get("min"),
        salary_max=salary.get("max"),
        salary_currency=optional_str(salary.get("currency")),
        salary_interval=optional_str(salary.get("period")),
        description_html_or_text=_description(record, lang),
        posted_at=to_datetime(record.get("published_at") or record.get("created_at")),
        country_hint=optional_str(record.get("country_code"))
        or optional_str(record.get("country")),
        extra={"department": optional_str(record.get("department"))},
    )


def _language(record: dict[str, Any]) -> str:
    translations = record.get("translations")
    if isinstance(translations, dict) and translations:
        return "en" if "en" in translations else str(next(iter(translations)))
    return "en"


def _description(record: dict[str, Any], lang: str) -> str:
    parts = []
    for key in ("description", "requirements"):
        text = optional_str(record.get(key)) or optional_str(dig(record, "translations", lang, key))
        if text:
            parts.append(text)
    return "\n".join(parts)


def _place(record: dict[str, Any]) -> str | None:
    parts = [optional_str(record.get(k)) for k in ("city", "state_name", "country")]
    return ", ".join(p for p in parts if p) or None


def _workplace(record: dict[str, Any]) -> str | None:
    if optional_bool(record.get("remote")):
        return "remote"
    if optional_bool(record.get("hybrid")):
        return "hybrid"
    if optional_bool(record.get("on_site")):
        return "onsite"
    return None
