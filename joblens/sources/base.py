"""What every source kind shares: the raw record, the parsed draft, the two protocols.

A source module (greenhouse.py, lever.py, ...) is a `Parser`: `split` turns one payload
(a file or an HTTP answer) into its records and raises SourceError naming the origin when
the payload is not the expected format; `parse` turns one record into a `PostingDraft`
and raises ParseError naming the field when a required field (id, title) is missing.
A `PostingSource` yields `RawRecord`s; which parser reads them is `RawRecord.source`.

The field readers here (`required_str`, `optional_str`, `to_datetime`, ...) are tolerant
on purpose: real payloads carry nulls, numbers as strings and stray whitespace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from joblens.errors import ParseError, SourceError

__all__ = [
    "FETCHED_AT",
    "Parser",
    "PostingDraft",
    "PostingSource",
    "RawRecord",
    "dig",
    "json_records",
    "load_json",
    "optional_bool",
    "optional_str",
    "required_str",
    "to_datetime",
]


@dataclass(frozen=True)
class RawRecord:
    """One record as fetched: its source kind, where it came from and its position there."""

    source: str
    origin: str
    record_index: int
    payload: dict[str, Any]

    @property
    def key(self) -> str:
        """Return "<origin>#<record_index>", the record's name in quarantine rows."""
        return f"{self.origin}#{self.record_index}"


@dataclass
class PostingDraft:
    """One posting as a source states it, before normalization (text still raw)."""

    source: str
    source_posting_id: str
    url: str | None
    title: str
    company: str | None
    location_raw: str | None
    is_remote: bool | None
    workplace_type: str | None
    salary_text: str | None
    salary_min: float | str | None
    salary_max: float | str | None
    salary_currency: str | None
    salary_interval: str | None
    description_html_or_text: str
    posted_at: datetime | None
    country_hint: str | None = None  # a structured country (code or name) next to the place
    extra: dict[str, Any] = field(default_factory=dict)  # source facts without a column


class PostingSource(Protocol):
    """Anything that yields raw posting records (a file drop, an API, a scraper)."""

    name: str

    def records(self) -> Iterator[RawRecord]:
        """Yield every record of this source, in a stable order."""
        ...


class Parser(Protocol):
    """The two functions each source module provides."""

    SOURCE: str

    def split(self, data: bytes, origin: str) -> list[dict[str, Any]]:
        """Return the records inside one payload; SourceError naming `origin` if malformed."""
        ...

    def parse(self, record: dict[str, Any]) -> PostingDraft:
        """Return the draft of one record; ParseError naming the field if it is unusable."""
        ...


def dig(record: Mapping[str, Any] | None, *path: str | int) -> Any:
    """Return record[path[0]][path[1]]..., or None where any step is missing or null."""
    value: Any = record
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
        if value is None:
            return None
    return value


def optional_str(value: Any) -> str | None:
    """Return `value` as stripped text, or None for null/empty; numbers become text."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def required_str(record: Mapping[str, Any], *path: str | int, source: str) -> str:
    """Return the text at `path`; ParseError naming the field when it is missing or empty."""
    text = optional_str(dig(record, *path))
    if text is None:
        name = ".".join(str(p) for p in path)
        got = dig(record, *path)
        raise ParseError(
            f"{source}: required field {name!r} is missing or empty (got {got!r})",
            field=name,
            raw=got,
        )
    return text


def optional_bool(value: Any) -> bool | None:
    """Return a bool from true/false, "True"/"false", "yes"/"no", 1/0; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    text = optional_str(value)
    if text is None:
        return None
    word = text.lower()
    if word in {"true", "yes", "y", "1", "t"}:
        return True
    if word in {"false", "no", "n", "0", "f"}:
        return False
    return None


_EPOCH_MS = 10**11  # numbers above this are milliseconds (year 1973 in seconds)
_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.I)


def to_datetime(value: Any) -> datetime | None:
    """Return a tz-aware UTC datetime from ISO text, RFC 822 text, a date, or epoch
    seconds/milliseconds; naive times are taken as UTC; None when it cannot be read."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        out = value
    elif isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _EPOCH_MS else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        text = str(value).strip()
        if not text:
            return None
        if text.isdigit():
            return to_datetime(int(text))
        parsed = _parse_text_time(text)
        if parsed is None:
            return None
        out = parsed
    if out.tzinfo is None:
        out = out.replace(tzinfo=UTC)
    return out.astimezone(UTC)


def _parse_text_time(text: str) -> datetime | None:
    iso = _UTC_SUFFIX.sub("+00:00", text) if not text.endswith("Z") else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    return _numeric_date(text) or _named_month_date(text) or _relative_date(text)


_NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4})$")


def _numeric_date(text: str) -> datetime | None:
    """ "12/20/2024" (US: month first, unless the first number cannot be a month) and
    "20.12.2024" (dots: day first)."""
    m = _NUMERIC_DATE.match(text.strip())
    if m is None:
        return None
    a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
    day_first = m.group(2) == "." or a > 12
    day, month = (a, b) if day_first else (b, a)
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


_NAMED_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y")


def _named_month_date(text: str) -> datetime | None:
    """ "Dec 20, 2024", "20 December 2024"."""
    cleaned = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", re.sub(r"^(?i:posted)\s*:?\s*", "", text))
    for fmt in _NAMED_FORMATS:
        try:
            return datetime.strptime(cleaned.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


FETCHED_AT: ContextVar[datetime | None] = ContextVar("joblens_fetched_at", default=None)
"""When the records being parsed were fetched: what "2 days ago" counts back from. Set by
whoever parses a batch (`normalize.postings`); unset, relative dates are unknown (None)."""

_RELATIVE = re.compile(
    r"^(?:posted\s+|active\s+)?(?:(?P<n>\d+)\+?\s*(?P<unit>minute|min|hour|hr|day|week|month)s?"
    r"\s+ago|(?P<word>today|just posted|just now|yesterday))\.?$",
    re.I,
)
_UNIT = {
    "minute": 1 / 1440,
    "min": 1 / 1440,
    "hour": 1 / 24,
    "hr": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "month": 30.0,
}


def _relative_date(text: str) -> datetime | None:
    """ "2 days ago", "Posted 3 weeks ago", "30+ days ago", "today", "yesterday", counted
    back from FETCHED_AT; None without it."""
    now = FETCHED_AT.get()
    m = _RELATIVE.match(text.strip())
    if now is None or m is None:
        return None
    if m.group("word"):
        days = 1.0 if m.group("word").lower() == "yesterday" else 0.0
    else:
        days = int(m.group("n")) * _UNIT[m.group("unit").lower()]
    return now - timedelta(days=days)


class PartialFile(SourceError):
    """A file that breaks off: `records` are its RawRecords complete before the break (what
    followed is lost with the break); the message says where it broke."""

    def __init__(self, message: str, records: list[Any]) -> None:
        super().__init__(message)
        self.records = records


class TruncatedJSON(SourceError):
    """A JSON payload cut short; `doc` is what `salvage_json` kept of it."""

    def __init__(self, message: str, doc: Any) -> None:
        super().__init__(message)
        self.doc = doc


def salvage_json(text: str) -> Any | None:
    """The document a truncated JSON text was, up to its last complete element of its
    outermost list (a record): that prefix, closed. None when no element is complete.

    One pass over the text, tracking strings and open brackets; an element that ends inside
    a list at depth d marks a cut at depth d, and the shallowest list's last cut wins, so a
    record is never kept half-read.
    """
    stack: list[str] = []
    cuts: dict[int, tuple[int, str]] = {}
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
            if stack and stack[-1] == "[":
                closing = "".join("]" if b == "[" else "}" for b in reversed(stack))
                cuts[len(stack)] = (index + 1, closing)
    if not cuts:
        return None
    end, closing = cuts[min(cuts)]
    try:
        return json.loads(text[:end] + closing)
    except json.JSONDecodeError:
        return None


def load_json(data: bytes, origin: str, source: str) -> Any:
    """Return the decoded JSON of a payload; SourceError naming `origin` when it is not JSON
    (TruncatedJSON, with what could be kept, when it is JSON cut short)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{source}: {origin} is not valid JSON: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        kept = salvage_json(text[: exc.pos])  # what stands complete before the break
        if kept is None:
            raise SourceError(f"{source}: {origin} is not valid JSON: {exc}") from exc
        where = f"{exc.msg}, char {exc.pos:,} of {len(text):,}"
        raise TruncatedJSON(f"{source}: {origin} breaks off ({where})", kept) from exc


def json_records(
    data: bytes, origin: str, source: str, keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Return the record objects of a JSON payload: a bare array, or an object holding the
    array under one of `keys`; SourceError naming `origin` for any other shape."""
    doc = load_json(data, origin, source)
    items: Any = doc
    if isinstance(doc, dict):
        items = next((doc[k] for k in keys if isinstance(doc.get(k), list)), None)
        if items is None:
            raise SourceError(
                f"{source}: {origin} should hold a list under one of {list(keys)}; "
                f"got an object with keys {sorted(doc)[:10]}"
            )
    if not isinstance(items, list):
        raise SourceError(
            f"{source}: {origin} should be a JSON list or object, got {type(doc).__name__}"
        )
    # A stray non-object stays a record so that it is quarantined (and counted), not lost.
    return [item if isinstance(item, dict) else {"_not_an_object": item} for item in items]
