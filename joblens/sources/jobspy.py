"""python-jobspy exports: CSV (the 34-column current schema, the 15-column early one, or any
subset that keeps a title), JSON lines and Parquet with the same columns.

JobSpy writes with QUOTE_NONNUMERIC and `\\` as escape character, so the file is read
back with the same escape; the description is Markdown with backslash escapes. The id is
the `id` column, or `job_url` in the early schema that has none. Pay is structured
(`interval` yearly/hourly..., `min_amount`, `max_amount`, `currency`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from joblens.errors import ParseError, SourceError
from joblens.normalize.text import decode_bytes
from joblens.sources.base import PostingDraft, optional_bool, optional_str, to_datetime

SOURCE = "jobspy"
_NEEDED = {"title"}

csv.field_size_limit(16 * 1024 * 1024)  # descriptions can be long


def split(data: bytes, origin: str) -> list[dict[str, Any]]:
    """Return one dict per row (column -> value) of a JobSpy CSV, JSON-lines or Parquet
    export; SourceError naming `origin` when it is none of them or has no title column."""
    if data[:4] == b"PAR1":
        rows = _parquet_rows(data, origin)
    elif data.lstrip()[:1] == b"{":
        rows = _json_lines(data, origin)
    else:
        rows = _csv_rows(data, origin)
    return rows


def _check_header(header: set[str], origin: str) -> None:
    if not header >= _NEEDED:
        raise SourceError(
            f"{SOURCE}: {origin} should be a JobSpy export with a title column; "
            f"got columns {sorted(header)[:12]}"
        )


def _csv_rows(data: bytes, origin: str) -> list[dict[str, Any]]:
    try:
        text = decode_bytes(data)  # UTF-8, else Windows-1252 (a spreadsheet's export)
    except ValueError as exc:
        raise SourceError(f"{SOURCE}: {origin} is not text: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), escapechar="\\")
    _check_header(set(reader.fieldnames or ()), origin)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise SourceError(f"{SOURCE}: {origin} line {reader.line_num}: {exc}") from exc
    # Cells beyond the header land under None: keep them visible rather than lose them.
    return [{str(k) if k is not None else "_extra": v for k, v in row.items()} for row in rows]


def _json_lines(data: bytes, origin: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        text = decode_bytes(data)
    except ValueError as exc:
        raise SourceError(f"{SOURCE}: {origin} is not text: {exc}") from exc
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            # One broken line is one record to quarantine, not the loss of the file.
            rows.append({"_not_an_object": line[:500], "_error": f"line {number}: {exc.msg}"})
            continue
        rows.append(item if isinstance(item, dict) else {"_not_an_object": item})
    _check_header(set().union(*(r.keys() for r in rows)) if rows else set(), origin)
    return rows


def _parquet_rows(data: bytes, origin: str) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"{SOURCE}: {origin} is not a readable Parquet file: {exc}") from exc
    _check_header(set(table.column_names), origin)
    return table.to_pylist()


def _content_id(record: dict[str, Any]) -> str | None:
    """An id for an export without id or job_url columns: the hash of what names the
    posting (title, company, place, date), so the same row gets the same id again."""
    parts = [optional_str(record.get(k)) for k in ("title", "company", "location", "date_posted")]
    if parts[0] is None:
        return None
    return (
        "content:" + hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:20]
    )


def parse(record: dict[str, Any]) -> PostingDraft:
    """Return the draft of one JobSpy row; ParseError if id/job_url or title is missing."""
    if "_error" in record:  # a JSON line that did not parse
        raise ParseError(
            f"{SOURCE}: {record['_error']}", field="line", raw=record.get("_not_an_object")
        )
    job_url = optional_str(record.get("job_url"))
    posting_id = optional_str(record.get("id")) or job_url or _content_id(record)
    if posting_id is None:
        raise ParseError(
            f"{SOURCE}: required field 'id' (or 'job_url') is missing or empty "
            f"(got id={record.get('id')!r}, job_url={record.get('job_url')!r})",
            field="id",
            raw=record.get("id"),
        )
    title = optional_str(record.get("title"))
    if title is None:
        raise ParseError(
            f"{SOURCE}: required field 'title' is missing or empty (got {record.get('title')!r})",
            field="title",
            raw=record.get("title"),
        )
    return PostingDraft(
        source=SOURCE,
        source_posting_id=posting_id,
        url=job_url or optional_str(record.get("job_url_direct")),
        title=title,
        company=optional_str(record.get("company")),
        location_raw=optional_str(record.get("location")),
        is_remote=optional_bool(record.get("is_remote")),
        workplace_type=optional_str(record.get("work_from_home_type")),
        salary_text=None,
        salary_min=optional_str(record.get("min_amount")),
        salary_max=optional_str(record.get("max_amount")),
        salary_currency=optional_str(record.get("currency")),
        salary_interval=optional_str(record.get("interval")),
        description_html_or_text=optional_str(record.get("description")) or "",
        posted_at=to_datetime(record.get("date_posted")),
        extra={
            "site": optional_str(record.get("site")),
            "job_level": optional_str(record.get("job_level")),
        },
    )
