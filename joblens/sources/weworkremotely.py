"""We Work Remotely's RSS feeds (weworkremotely.com/remote-jobs.rss; per category
/categories/<name>.rss, e.g. remote-programming-jobs).

RSS 2.0 with the board's own item elements: <title> reads "Company: Job Title", <region>
where the worker may live ("Anywhere in the World", "USA Only"), <country> (country names,
sometimes after flag emoji, comma-separated) and <state>, <skills>, <category>, <type>
("Full-Time"), <description> (escaped HTML), <pubDate> (RFC 822), <expires_at>, <guid> and
<link> (the job page), <media:content> (the logo). The XML is read by rss.py's `split`
(the same parser and flattening: no external entities, no entity expansion bombs). Every
job is remote.
"""

from __future__ import annotations

import re
from typing import Any

from joblens.errors import SourceError
from joblens.sources import rss
from joblens.sources.base import PostingDraft, optional_str, required_str, to_datetime

SOURCE = "weworkremotely"
BASE_URL = "https://weworkremotely.com"
PATH = "/remote-jobs.rss"
_FLAGS = re.compile("[\U0001f1e6-\U0001f1ff]+")


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return one flat dict per <item> (child local name, lower case -> text); SourceError
    naming `origin` when the payload is not an RSS feed (an HTML page, broken XML)."""
    try:
        return rss.split(data, origin)
    except SourceError as exc:
        raise SourceError(f"{SOURCE}: {str(exc).removeprefix(f'{rss.SOURCE}: ')}") from exc


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one feed item; ParseError if both guid and link, or the title,
    are missing."""
    link, guid = _text(record, "link"), _text(record, "guid")
    posting_id = guid or link
    if posting_id is None:
        required_str(record, "guid", source=SOURCE)  # raises, naming the field
    assert posting_id is not None
    company, title = split_title(required_str(record, "title", source=SOURCE))
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=link or (guid if guid and guid.startswith(("https://", "http://")) else None),
        title=title,
        company=company,
        location_raw=_location(record),
        is_remote=True,
        workplace_type="remote",
        salary_text=None,
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=_text(record, "description") or "",
        posted_at=to_datetime(_text(record, "pubdate")),
        extra={
            "region": _text(record, "region"),
            "category": _text(record, "category"),
            "employment_type": _text(record, "type"),
            "skills": _text(record, "skills"),
            "expires_at": to_datetime(_text(record, "expires_at")),
        },
    )


def split_title(raw: str) -> tuple[str | None, str]:
    """Return (company, title) of "Company: Job Title", split on the first ": "; a title
    without it, or with nothing on one side, is all title (company None)."""
    company, sep, title = raw.partition(": ")
    if sep and company.strip() and title.strip():
        return company.strip(), title.strip()
    return None, raw.strip()


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, list):  # a repeated element: its first non-empty value
        value = next((v for v in value if optional_str(v)), None)
    return optional_str(value)


def _location(record: dict[str, Any]) -> str | None:
    """The countries (flags dropped), with the state before a single country; else the
    region."""
    country = _text(record, "country")
    country = " ".join(_FLAGS.sub(" ", country).split()) if country else None
    if country:
        state = _text(record, "state")
        return f"{state}, {country}" if state and "," not in country else country
    return _text(record, "region")
