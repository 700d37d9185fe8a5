"""RSS 2.0 job feeds (Eluta-like): <item> with <title>, <link>, <guid>, <description>, <pubDate>.

Feeds rarely have fields for employer and place. They come from, in order: namespaced or
custom child elements (<company>, <job:location>, <dc:creator>...), labelled lines in the
description ("Company: Acme", "Location: Toronto, ON", "Salary: $90K"), and the title
pattern "Title - Company - City, ST" (or "Title at Company (City)").
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from joblens.errors import SourceError
from joblens.normalize import location as location_norm
from joblens.normalize import text as text_norm
from joblens.sources.base import PostingDraft, optional_str, required_str, to_datetime

SOURCE = "rss"

_COMPANY_KEYS = ("company", "employer", "hiringorganization", "company_name", "creator", "author")
_LOCATION_KEYS = ("location", "joblocation", "city", "region", "job_location")
_SALARY_KEYS = ("salary", "compensation", "pay")
_LABEL = re.compile(
    r"^\s*(?P<label>company|employer|organization|location|city|salary|compensation|pay|"
    r"job type)\s*:\s*(?P<value>.+?)\s*$",
    re.I | re.M,
)
_AT_PATTERN = re.compile(r"^(?P<title>.+?)\s+at\s+(?P<company>.+?)(?:\s*\((?P<place>[^)]+)\))?$")
# We Work Remotely: "Confluent: Senior Product Manager" (employer first, then a colon).
_COMPANY_COLON = re.compile(r"^(?P<company>[^:]{2,60}?)\s*:\s+(?P<title>\S.*)$")
_NOT_COMPANY = frozenset({"urgent", "hiring", "now hiring", "new", "remote", "job", "wanted"})


_HTML_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})


def _numeric_entity(m: re.Match[bytes]) -> bytes:
    name = m.group(1)
    code = html.entities.name2codepoint.get(name.decode("ascii"))
    if name in _XML_ENTITIES or code is None:
        return m.group(0)
    return b"&#%d;" % code


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return one flat dict per <item> (child local name -> text; repeated names -> lists);
    SourceError naming `origin` when the payload is not an RSS/Atom feed."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        try:  # "&rsquo;" and other HTML entities XML does not define: read as characters
            root = ET.fromstring(_HTML_ENTITY.sub(_numeric_entity, data))
        except ET.ParseError:
            raise SourceError(f"{SOURCE}: {origin} is not well-formed XML: {exc}") from exc
    tag = _local(root.tag)
    if tag not in {"rss", "rdf", "RDF", "channel", "feed"}:
        raise SourceError(f"{SOURCE}: {origin} should be an RSS feed (<rss>), got <{tag}>")
    items = [el for el in root.iter() if _local(el.tag) in {"item", "entry"}]
    return [_flatten(item) for item in items]


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one feed item; ParseError if both guid and link, or the title,
    are missing."""
    link = _first(record, "link")
    guid = _first(record, "guid", "id")
    if guid is None and link is None:
        required_str(record, "guid", source=SOURCE)  # raises, naming the field
    posting_id = guid or _without_tracking(link)
    assert posting_id is not None
    raw_title = required_str(record, "title", source=SOURCE)
    description = _first(record, "description", "encoded", "summary", "content") or ""
    labels = _labels(description)
    title, title_company, title_place = _split_title(raw_title)
    company = _first(record, *_COMPANY_KEYS) or labels.get("company") or title_company
    location = _first(record, *_LOCATION_KEYS) or labels.get("location") or title_place
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=link or (guid if guid and guid.startswith("http") else None),
        title=title,
        company=company,
        location_raw=location,
        is_remote=None,
        workplace_type=None,
        salary_text=_first(record, *_SALARY_KEYS) or labels.get("salary"),
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=description,
        posted_at=to_datetime(_first(record, "pubdate", "published", "updated", "date")),
    )


def _without_tracking(link: str | None) -> str | None:
    """Return `link` without utm_* query parameters: the same posting is linked from
    feeds with different campaign tags, and the link is its id when there is no guid."""
    if not link or "utm_" not in link:
        return link
    parts = urlsplit(link)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag.split(":")[-1]


def _flatten(item: ET.Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in item:
        name = _local(child.tag).lower()
        value = "".join(child.itertext()).strip() or child.get("href") or ""
        if name in out:
            prev = out[name]
            out[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[name] = value
    return out


def _first(record: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, list):
            value = next((v for v in value if optional_str(v)), None)
        text = optional_str(value)
        if text:
            return text
    return None


def _labels(description: str) -> dict[str, str]:
    if ":" not in description:
        return {}
    found: dict[str, str] = {}
    for m in _LABEL.finditer(text_norm.clean(description)):
        label = m.group("label").lower()
        key = {"employer": "company", "organization": "company", "city": "location"}.get(
            label, label
        )
        key = "salary" if key in {"compensation", "pay"} else key
        found.setdefault(key, m.group("value"))
    return found


def _split_title(raw: str) -> tuple[str, str | None, str | None]:
    """Return (title, company, place) from "Title - Company - City, ST" style titles."""
    parts = [p.strip() for p in re.split(r"\s+[-–—|]\s+", raw) if p.strip()]
    if len(parts) >= 3:
        # The place may span several parts: "Title - Acme - CA - Remote".
        place: list[str] = []
        while len(parts) > 2 and _is_place(parts[-1]):
            place.insert(0, parts.pop())
        if place:
            return " - ".join(parts[:-1]), parts[-1], " - ".join(place)
        return " - ".join(parts[:-1]), parts[-1], None  # "Engineer - Payments - Acme"
    if len(parts) == 2:
        if _is_place(parts[1]):
            return parts[0], None, parts[1]
        return parts[0], parts[1], None
    m = _AT_PATTERN.match(raw)
    if m:
        return m.group("title"), m.group("company"), m.group("place")
    m = _COMPANY_COLON.match(raw)
    if (
        m
        and m.group("company").lower() not in _NOT_COMPANY
        and len(m.group("company").split()) <= 6
    ):
        return m.group("title"), m.group("company"), None
    return raw, None, None


def _is_place(text: str) -> bool:
    found = location_norm.parse(text)
    return bool(found.city or found.country or found.work_mode is not None)
