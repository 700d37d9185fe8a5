"""Personio XML job feed (<company>.jobs.personio.de/xml): <workzag-jobs><position>...

Each <position> becomes one record; a feed may repeat an <id> (two records then, the
normalize stage decides about duplicates). The description is the <jobDescriptions>
list of <jobDescription><name/><value/></jobDescription>, often empty. The feed has no
posting URL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from joblens.errors import SourceError
from joblens.sources.base import PostingDraft, optional_str, required_str, to_datetime

SOURCE = "personio"
# The live endpoint, appended to the kind's base URL (settings.fetch.base_urls).
PATH = "/xml"


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return one dict per <position>; SourceError naming `origin` for other XML."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SourceError(f"{SOURCE}: {origin} is not well-formed XML: {exc}") from exc
    if root.tag != "workzag-jobs":
        raise SourceError(f"{SOURCE}: {origin} should be a <workzag-jobs> feed, got <{root.tag}>")
    return [_position(el) for el in root.iter("position")]


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one position; ParseError if `id` or `name` is missing."""
    office = optional_str(record.get("office"))
    listed = record.get("additionalOffices")
    # A list from the XML feed; anything else (a stray scalar) is one office, not a crash.
    others = [optional_str(o) for o in (listed if isinstance(listed, list) else [listed])]
    places = list(dict.fromkeys(p for p in [office, *others] if p))
    return PostingDraft(
        source=SOURCE,
        source_posting_id=required_str(record, "id", source=SOURCE),
        url=optional_str(record.get("url")),
        title=required_str(record, "name", source=SOURCE),
        company=optional_str(record.get("subcompany")),
        location_raw=" | ".join(places) or None,
        is_remote=None,
        workplace_type=None,
        salary_text=None,
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=_description(record),
        posted_at=to_datetime(record.get("createdAt")),
        extra={
            "seniority": optional_str(record.get("seniority")),
            "years_of_experience": optional_str(record.get("yearsOfExperience")),
        },
    )


def _position(el: ET.Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in el:
        if child.tag == "additionalOffices":
            out[child.tag] = [(o.text or "").strip() for o in child]
        elif child.tag == "jobDescriptions":
            out[child.tag] = [
                {
                    "name": (d.findtext("name") or "").strip(),
                    "value": (d.findtext("value") or "").strip(),
                }
                for d in child
            ]
        else:
            out[child.tag] = (child.text or "").strip()
    return out


def _description(record: dict[str, Any]) -> str:
    parts = []
    for item in record.get("jobDescriptions") or ():
        if isinstance(item, dict) and optional_str(item.get("value")):
            name = optional_str(item.get("name"))
            parts.append((f"<h3>{name}</h3>" if name else "") + str(item["value"]))
    return "\n".join(parts)
