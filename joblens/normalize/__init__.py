"""The parse+normalize stage: raw source records -> typed silver postings + quarantine rows.

`postings(records, run_id=...)` parses each record with its source's parser, cleans the
text, resolves salary (structured fields, else the pay text, else the description),
location, seniority and skills, and returns two frames: rows of `schemas.POSTINGS` and
rows of `schemas.QUARANTINE` (stage "normalize"). Every record leaves as exactly one of
the two: `len(records) == postings.height + quarantine.height`.

Quarantine is for records that are not postings: the parser's ParseError message (missing
id/title...), "empty title", "neither a company nor a URL", "duplicate source id" (the first
record of a (source, id) pair in the batch is kept, whatever becomes of it), or "unexpected
<ErrorType>: ..." for a payload no parser foresaw. A posting without a description is a
posting: it lands with description_status "missing". Each row names its origin and record
index, so it traces back to its bytes in bronze.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from joblens import schemas
from joblens import sources as source_parsers
from joblens.errors import ParseError
from joblens.normalize import location, salary, seniority, skills, text
from joblens.sources.base import FETCHED_AT

__all__ = ["DESCRIPTION_MAX_CHARS", "RAW_CHARS", "posting_id", "posting_row", "postings"]

RAW_CHARS = 4000
"""Quarantine rows keep this much of the record's JSON: enough to see what was wrong."""
DESCRIPTION_MAX_CHARS = 100_000
"""Where a posting's description is cut (about 15,000 words; real ones run under 20,000
characters); `description_chars` keeps the length it had."""

_STAGE = "normalize"


def posting_id(source: str, source_posting_id: str) -> str:
    """Return the stable id of a source posting: sha256(source US native id)[:24]."""
    return hashlib.sha256(f"{source}\x1f{source_posting_id}".encode()).hexdigest()[:24]


def postings(
    records: Sequence[source_parsers.RawRecord],
    *,
    run_id: str,
    fetched_at: datetime | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (postings conforming to schemas.POSTINGS, quarantine rows conforming to
    schemas.QUARANTINE) for one batch of raw records; counts always reconcile.

    `fetched_at` is when the records were fetched: "posted 2 days ago" counts back from it.
    """
    token = FETCHED_AT.set(fetched_at)
    try:
        return _postings(records, run_id)
    finally:
        FETCHED_AT.reset(token)


def _postings(
    records: Sequence[source_parsers.RawRecord], run_id: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for raw in records:
        try:
            draft = source_parsers.parse_record(raw)
            if not (draft.description_html_or_text or "").strip():
                # Filled by the live fetch from the posting's page or the lake (sources.live).
                draft.description_html_or_text = str(raw.payload.get("_description") or "")
            key = (draft.source, draft.source_posting_id)
            if key in seen:
                reason = f"duplicate source id {draft.source_posting_id!r} in this batch"
                rejected.append(_quarantine_row(raw, reason, run_id))
                continue
            seen.add(key)
            rows.append(_normalize(draft, run_id, raw.origin, raw.record_index))
        except ParseError as exc:
            rejected.append(_quarantine_row(raw, str(exc), run_id))
        except Exception as exc:
            # A payload no parser foresaw, whatever the error type: quarantine the record
            # and keep the batch going, so one odd payload never costs the whole run.
            reason = f"unexpected {type(exc).__name__}: {exc}"
            rejected.append(_quarantine_row(raw, reason, run_id))
    return _frame(rows, schemas.POSTINGS), _frame(rejected, schemas.QUARANTINE)


def posting_row(
    draft: source_parsers.PostingDraft, *, run_id: str, origin: str, standalone: bool = False
) -> dict[str, Any]:
    """One POSTINGS row from a draft outside a batch; `standalone` (a recruiter's own ad)
    needs neither a company nor a URL."""
    return _normalize(draft, run_id, origin, 0, standalone=standalone)


def _normalize(
    draft: source_parsers.PostingDraft,
    run_id: str,
    origin: str,
    record_index: int,
    *,
    standalone: bool = False,
) -> dict[str, Any]:
    """Return one POSTINGS row from a draft; ParseError for an empty title, or for a posting
    with neither a company nor a URL. A posting without a description is kept: its
    description_status says "missing"."""
    title = _one_line(draft.title) or ""
    if not title:
        raise ParseError(f"{draft.source}: empty title after cleaning", field="title")
    description = text.clean(draft.description_html_or_text or "")
    # A description past the cap is cut there (and its length kept): no real posting needs
    # more, and every stage after this reads, stores and embeds it.
    description_chars = len(description)
    description = description[:DESCRIPTION_MAX_CHARS]
    url = optional_url(draft.url)
    company = _one_line(draft.company)
    if company is None:
        # "Data Analyst at Vennote Technologies" with no company field: the title says it.
        at = _TITLE_AT_COMPANY.match(title)
        if at and at.group("company").casefold() not in _not_companies():
            title, company = at.group("title"), at.group("company")
    if company is None and url is None and not standalone:
        # A title alone names no opening: there is nothing to apply to or dedupe on.
        raise ParseError(f"{draft.source}: neither a company nor a URL", field="company")
    place = location.parse(
        draft.location_raw, workplace_type=draft.workplace_type, country_hint=draft.country_hint
    )
    if place.work_mode is None:
        # The title's and the description's own words beat a bare is_remote flag (False
        # also on hybrids).
        mode = (
            location.work_mode_in_title(title)
            or location.work_mode_in_text(description)
            or _mode_of_flag(draft, place)
        )
        place = dataclasses.replace(place, work_mode=mode)
    pay = _salary(draft, description, place.country)
    body = f"{title}\n{description}"
    return {
        "run_id": run_id,
        "posting_id": posting_id(draft.source, draft.source_posting_id),
        "source": draft.source,
        "origin": origin,
        "record_index": record_index,
        "source_posting_id": draft.source_posting_id,
        "url": url,
        "title": title,
        "company": company,
        "location_raw": draft.location_raw,
        "city": place.city,
        "region": place.region,
        "country": place.country,
        "lat": place.lat,
        "lon": place.lon,
        "work_mode": place.work_mode,
        "places": [dataclasses.asdict(p) for p in place.places],
        "salary_raw": pay.raw if pay else draft.salary_text,
        "salary_min": pay.min if pay else None,
        "salary_max": pay.max if pay else None,
        "salary_currency": pay.currency if pay else None,
        "salary_interval": pay.interval if pay else None,
        "salary_interval_assumed": pay.assumed_interval if pay else None,
        "salary_annual_min": pay.annual_min if pay else None,
        "salary_annual_max": pay.annual_max if pay else None,
        **_usd(pay),
        "seniority": seniority.parse(title, description),
        "skills": skills.extract(body),
        "description": description or None,
        "description_status": "present" if description else "missing",
        "description_chars": description_chars,
        "posted_at": draft.posted_at,
        "text_hash": text.text_hash(body),
    }


def _usd(pay: salary.Salary | None) -> dict[str, Any]:
    """The annual pay in approximate USD, with the date of the rate table used."""
    if pay is None or pay.currency is None:
        return {
            "salary_annual_min_usd": None,
            "salary_annual_max_usd": None,
            "usd_rates_as_of": None,
        }
    low = salary.to_usd(pay.annual_min, pay.currency) if pay.annual_min is not None else None
    high = salary.to_usd(pay.annual_max, pay.currency) if pay.annual_max is not None else None
    known = low is not None or high is not None
    return {
        "salary_annual_min_usd": low,
        "salary_annual_max_usd": high,
        "usd_rates_as_of": salary.USD_RATES_AS_OF if known else None,
    }


def _mode_of_flag(draft: source_parsers.PostingDraft, place: location.Location) -> str | None:
    if draft.is_remote is None:
        return None
    return "remote" if draft.is_remote else ("onsite" if place.city else None)


_COUNTRY_CURRENCY = {"US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "SG": "SGD"}


def _salary(
    draft: source_parsers.PostingDraft, description: str, country: str | None
) -> salary.Salary | None:
    """Return the posting's pay: structured fields, else the pay text, else the description."""
    # A bare "$" means the local dollar where the job is (Canada: CAD).
    local = _COUNTRY_CURRENCY.get(country or "")
    if draft.salary_min is not None or draft.salary_max is not None:
        # Lever's salaryDescription is often a paragraph about pay with no amount in it.
        text = draft.salary_text
        raw = text if text and any(ch.isdigit() for ch in text) else _range_text(draft)
        found = salary.from_range(
            draft.salary_min,
            draft.salary_max,
            draft.salary_currency or local,
            draft.salary_interval,
            raw=raw,
        )
        if found is not None:
            return found
    if draft.salary_text:
        found = salary.parse(draft.salary_text, default_currency=local)
        if found is not None:
            return found
    return salary.search(description, default_currency=local)


def _range_text(draft: source_parsers.PostingDraft) -> str:
    parts = [draft.salary_min, draft.salary_max, draft.salary_currency, draft.salary_interval]
    return " ".join(str(p) for p in parts if p is not None)


def optional_url(value: str | None) -> str | None:
    """Return an http(s) URL stripped, or None for anything else (no javascript: links)."""
    if value is None:
        return None
    url = value.strip()
    return url if url.lower().startswith(("http://", "https://")) else None


def _one_line(value: str | None) -> str | None:
    """The field on one line, or None when empty or a placeholder ("N/A", "-", "nan")."""
    if value is None:
        return None
    cleaned = text.clean(value).replace("\n", " ").strip()
    return None if not cleaned or cleaned.casefold() in _placeholders() else cleaned


@functools.cache
def _placeholders() -> frozenset[str]:
    return frozenset(_placeholder_file()["values"])


@functools.cache
def _not_companies() -> frozenset[str]:
    return frozenset(_placeholder_file()["not_companies"])


@functools.cache
def _placeholder_file() -> dict[str, Any]:
    path = Path(__file__).with_name("data") / "placeholders.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


_TITLE_AT_COMPANY = re.compile(
    r"^(?P<title>\S.{2,}?)\s+at\s+(?P<company>[A-Z0-9][^|,;()]{1,60}?)\s*$"
)


def _quarantine_row(raw: source_parsers.RawRecord, reason: str, run_id: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "stage": _STAGE,
        "source": raw.source,
        "record_key": raw.key,
        "reason": reason,
        "raw": json.dumps(raw.payload, default=str, ensure_ascii=False)[:RAW_CHARS],
    }


def _frame(rows: list[dict[str, Any]], schema: pa.Schema) -> pl.DataFrame:
    # Column lists -> arrays: several times faster than Table.from_pylist on 100k rows.
    arrays = [pa.array([row[f.name] for row in rows], type=f.type) for f in schema]
    return pl.from_arrow(pa.Table.from_arrays(arrays, schema=schema))  # type: ignore[return-value]
