"""Page links of the paged board APIs (SmartRecruiters, Himalayas, Hacker News/Algolia).

A paged module's `next_page(doc, url, records)` builds the next URL from the one it just
read: same scheme, host and path, one query parameter moved on (offset or page). These
helpers read and set that parameter and read the counters the answers carry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["as_int", "query_int", "with_query"]


def as_int(value: Any) -> int | None:
    """Return a whole number from an int or digit text (a counter in an answer), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def query_int(url: str, name: str) -> int | None:
    """Return the whole-number query parameter `name` of `url`, or None when absent."""
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == name:
            return as_int(value)
    return None


def with_query(url: str, **params: str | int) -> str:
    """Return `url` with the given query parameters set (replaced in place, else added);
    the other parameters keep their order and values."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    pending = {k: str(v) for k, v in params.items()}
    out = [(k, pending.pop(k) if k in pending else v) for k, v in query]
    out.extend(pending.items())
    return urlunsplit(parts._replace(query=urlencode(out, safe=",")))
