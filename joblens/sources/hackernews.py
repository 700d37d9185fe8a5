"""Hacker News "Ask HN: Who is hiring?" threads, through the Algolia HN search API.

`search_by_date?tags=comment,story_<story id>&hitsPerPage=1000&page=N` answers
{"hits": [...], "nbHits", "page", "nbPages", "hitsPerPage"}; a hit is one comment:
`objectID`, `author`, `comment_text` (HTML, "/" escaped as "&#x2F;", long links shortened
in their text but whole in their href), `created_at` (ISO) and `created_at_i` (epoch
seconds), `story_id`, `parent_id`, `story_title`, `story_url`. Only top-level comments
(parent_id == story_id) are postings: `split` drops the replies, so they are neither
records nor quarantined.

By the thread's convention the first line of a posting reads
"Company | Title | Location | REMOTE/ONSITE | salary | url", in any order after the company
and sometimes with " - " between the fields. The company is the first field; the title
the first field with a role word (data/hackernews_words.json); the work mode comes from
REMOTE/ONSITE/HYBRID words; the pay from a field with a money figure; the place from a
field left over (one that names a known place first). The posting URL is the comment's
page on news.ycombinator.com; a link in the first line is kept as extra["apply_url"].
Algolia serves at most 1,000 hits per query: `next_page` then goes on below the oldest
comment seen (numericFilters=created_at_i<...).
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from joblens.errors import ParseError, SourceError
from joblens.normalize import location as location_norm
from joblens.normalize import salary as salary_norm
from joblens.normalize import text as text_norm
from joblens.sources.base import PostingDraft, load_json, optional_str, required_str, to_datetime
from joblens.sources.paging import as_int, with_query

SOURCE = "hackernews"
BASE_URL = "https://hn.algolia.com"
PATH = "/api/v1/search_by_date?tags=comment,story_{board}&hitsPerPage=1000&page=0"
ITEM_URL = "https://news.ycombinator.com/item?id={id}"

_LINK = re.compile(r"<a\s[^>]*?href\s*=\s*\"([^\"]*)\"[^>]*>.*?</a>", re.I | re.S)
_PIPES = re.compile(r"\s*\|\s*")
_DASHES = re.compile(r"\s+[-–—•·]\s+")
# "https://...", "www.acme.com", "acme.io/jobs" (not "Node.js": only these domain endings).
_URL = re.compile(
    r"^(?:https?://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)*\.(?:com|io|co|ai|org|net|dev|app|tech|"
    r"jobs|careers|so|sh|xyz|us|uk|de|fr|ca|eu|me|gg|ly|nl|se|ch|at|au|in|bio|health)(?:/\S*)?$",
    re.I,
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_LONGEST_FIELD = 100  # a longer "field" is prose, not a header field


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return the top-level comments of an Algolia answer (replies are dropped here: they
    are not postings); SourceError naming `origin` when the payload has no "hits"."""
    doc = load_json(data, origin, SOURCE)
    if not isinstance(doc, dict) or not isinstance(doc.get("hits"), list):
        got = f"keys {sorted(doc)[:10]}" if isinstance(doc, dict) else type(doc).__name__
        raise SourceError(f"{SOURCE}: {origin} should be an Algolia answer with 'hits'; got {got}")
    return [
        hit if isinstance(hit, dict) else {"_not_an_object": hit}
        for hit in doc["hits"]
        if not is_reply(hit)
    ]


def is_reply(hit: Any) -> bool:
    """Return True for a comment that answers another comment (parent is not the story)."""
    if not isinstance(hit, dict):
        return False
    parent, story = optional_str(hit.get("parent_id")), optional_str(hit.get("story_id"))
    return parent is not None and story is not None and parent != story


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one top-level comment; ParseError if `objectID` or
    `comment_text` is missing, or when its first line names no job title."""
    posting_id = required_str(record, "objectID", source=SOURCE)
    body = required_str(record, "comment_text", source=SOURCE)
    line = first_line(body)
    fields = _fields(line)
    header = _Header.read(fields)
    if header.title is None or len(fields[0]) > _LONGEST_FIELD:
        why = "no field names a role" if header.title is None else "it is prose, not fields"
        raise ParseError(
            f"{SOURCE}: no job title in the first line ({why}): {line[:120]!r}",
            field="comment_text",
            raw=line[:200],
        )
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=ITEM_URL.format(id=posting_id),
        title=header.title,
        company=fields[0],
        location_raw=header.place,
        is_remote=True if header.mode == "remote" else None,
        workplace_type=header.mode,
        salary_text=header.pay,
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=body,
        posted_at=to_datetime(record.get("created_at_i")) or to_datetime(record.get("created_at")),
        extra={
            "apply_url": header.link,
            "author": optional_str(record.get("author")),
            "story_id": optional_str(record.get("story_id")),
            "story_title": optional_str(record.get("story_title")),
            "other_fields": header.rest,
        },
    )


def next_page(doc: Any, url: str, records: int) -> str | None:
    """Return the URL of the next page, or None when the thread is read. `records` is not
    used: `split` drops replies, so the page's own hit count says whether it was full.
    Past Algolia's 1,000 hits the next query starts again at page 0 below the oldest
    comment read so far."""
    if not isinstance(doc, dict) or not isinstance(doc.get("hits"), list) or not doc["hits"]:
        return None
    page = as_int(doc.get("page")) or 0
    pages = as_int(doc.get("nbPages"))
    if pages is not None and page + 1 < pages:
        return with_query(url, page=page + 1)
    per_page = as_int(doc.get("hitsPerPage")) or len(doc["hits"])
    total = as_int(doc.get("nbHits"))
    if total is None or total <= (page + 1) * per_page:
        return None
    times = [as_int(h.get("created_at_i")) for h in doc["hits"] if isinstance(h, dict)]
    oldest = min((t for t in times if t is not None), default=None)
    if oldest is None:
        return None
    return with_query(url, page=0, numericFilters=f"created_at_i<{oldest}")


def first_line(comment_html: str) -> str:
    """Return the first line of a comment as plain text, links written as their href."""
    linked = _LINK.sub(lambda m: html.unescape(m.group(1)), comment_html)
    text = text_norm.clean(linked)
    return text.split("\n", 1)[0].strip()


def _fields(line: str) -> list[str]:
    parts = _PIPES.split(line) if "|" in line else _DASHES.split(line)
    return [p.strip() for p in parts if p.strip()]


class _Header:
    """The fields of a first line, sorted: title, place, work mode, pay, link, the rest."""

    def __init__(self) -> None:
        self.title: str | None = None
        self.place: str | None = None
        self.mode: str | None = None
        self.pay: str | None = None
        self.link: str | None = None
        self.rest: list[str] = []

    @classmethod
    def read(cls, fields: list[str]) -> _Header:
        """Sort the fields after the first (the company)."""
        header = cls()
        leftovers: list[str] = []
        mode_fields: list[str] = []
        for field in fields[1:]:
            if len(field) > _LONGEST_FIELD:
                header.rest.append(field)
            elif _URL.match(field) or _EMAIL.search(field):
                header.link = header.link or field
            elif header.title is None and _is_role(field):
                header.title = field
            elif header.pay is None and _is_pay(field):
                header.pay = field
            elif (mode := location_norm.work_mode_in_title(field)) is not None:
                header.mode = header.mode or mode
                mode_fields.append(field)
            else:
                leftovers.append(field)
        header.place = _place(leftovers, mode_fields)
        header.rest += [f for f in leftovers if f != header.place]
        return header


def _place(leftovers: list[str], mode_fields: list[str]) -> str | None:
    """The first leftover naming a known place; else the first that is not about the
    contract or the company; else a mode field that names a place ("REMOTE (US)")."""
    for field in leftovers:
        if _is_known_place(field):
            return field
    for field in leftovers:
        # "Qase | Developer Advocate | Technical Customer Support Specialist | REMOTE": a
        # second role is no place.
        if not _not_a_place().search(field) and not _is_role(field):
            return field
    return next((f for f in mode_fields if _is_known_place(f)), None)


def _is_known_place(text: str) -> bool:
    found = location_norm.parse(text)
    return bool(found.city or found.country)


def _is_pay(field: str) -> bool:
    return any(ch.isdigit() for ch in field) and salary_norm.parse(field) is not None


def _is_role(field: str) -> bool:
    return _role_words().search(field) is not None


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    path = Path(__file__).with_name("data") / "hackernews_words.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _alternation(words: list[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


@lru_cache(maxsize=1)
def _role_words() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{_alternation(_words()['role_words'])})s?(?![\w-])", re.I)


@lru_cache(maxsize=1)
def _not_a_place() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{_alternation(_words()['not_a_place'])})(?![\w-])", re.I)
