"""Which board format a saved answer is, from its shape (not its name): a drop folder's
files and `joblens ingest --from-file` go to the right parser wherever they lie.

`detect(data, name)` returns the kind and a short reason ("greenhouse: a boards-API answer
with 3 jobs"), or None and why nothing matched. `plan_drop(root)` accounts for every file
under a folder: each is assigned a kind, or listed as unrecognised with its reason.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joblens.normalize.text import decode_bytes

__all__ = ["KNOWN", "DropPlan", "detect", "detect_file", "plan_drop"]

KNOWN = (
    "greenhouse (boards API, a single job too)",
    "lever (postings API)",
    "ashby (job-board API)",
    "remotive (API)",
    "recruitee (offers API)",
    "personio (XML feed)",
    "workable (widget API)",
    "smartrecruiters (postings API, a single posting too)",
    "remoteok (API)",
    "himalayas (jobs API)",
    "hackernews (Who is hiring? comments from the Algolia API)",
    "weworkremotely (RSS feed)",
    "rss (RSS or Atom feed)",
    "jobspy (CSV, JSON lines or Parquet with a title and JobSpy's columns)",
)
"""The formats JobLens recognises, as said in errors."""

_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")

# Keys that only one board's job objects carry; the first kind whose keys meet wins.
_JOB_KEYS: tuple[tuple[str, frozenset[str]], ...] = (
    ("greenhouse", frozenset({"absolute_url", "internal_job_id"})),
    # Before lever: a Himalayas job has "categories" too.
    ("himalayas", frozenset({"applicationLink", "companySlug", "locationRestrictions"})),
    ("lever", frozenset({"hostedUrl", "categories", "descriptionPlain", "applyUrl"})),
    ("ashby", frozenset({"jobUrl", "descriptionHtml", "isListed", "secondaryLocations"})),
    ("remotive", frozenset({"candidate_required_location", "company_logo_url"})),
    ("recruitee", frozenset({"careers_url", "careers_apply_url", "translations"})),
    ("workable", frozenset({"shortcode", "shortlink", "telecommuting"})),
)
# Keys that name a board in an answer cut off before its first job could be read whole;
# tried before _JOB_KEYS (a SmartRecruiters posting also has Lever's "applyUrl").
_TRUNCATED_MARKS: tuple[tuple[str, frozenset[str]], ...] = (
    ("smartrecruiters", frozenset({"refNumber", "releasedDate", "totalFound", "jobAd"})),
    ("hackernews", frozenset({"comment_text", "nbHits"})),
    ("remoteok", frozenset({"legal"})),
)


def _first_job(doc: Any) -> tuple[Mapping[str, Any] | None, str]:
    if isinstance(doc, list):
        return (doc[0] if doc and isinstance(doc[0], Mapping) else None), "a list"
    if isinstance(doc, Mapping):
        for key in ("jobs", "postings", "offers", "data", "jobPostings", "results"):
            items = doc.get(key)
            if isinstance(items, list):
                first = items[0] if items and isinstance(items[0], Mapping) else None
                return first, f"an object with {key!r}"
        return doc, "an object"
    return None, type(doc).__name__


def _board_api_kind(doc: Any) -> tuple[str | None, str]:
    """The answers recognised by their own frame rather than by their job objects."""
    if isinstance(doc, list):
        first = doc[0] if doc and isinstance(doc[0], Mapping) else {}
        if "legal" in first or ("position" in first and first.keys() & {"epoch", "slug"}):
            return "remoteok", "remoteok: an API answer (legal notice, then jobs)"
        return None, ""
    if not isinstance(doc, Mapping):
        return None, ""
    hits = doc.get("hits")
    if isinstance(hits, list):
        first = hits[0] if hits and isinstance(hits[0], Mapping) else {}
        if "comment_text" in first or (not hits and "nbHits" in doc):
            return "hackernews", f"hackernews: an Algolia answer with {len(hits)} comments"
    content = doc.get("content")
    if isinstance(content, list):
        first = content[0] if content and isinstance(content[0], Mapping) else {}
        if first.keys() & {"refNumber", "releasedDate"} or (not content and "totalFound" in doc):
            return "smartrecruiters", f"smartrecruiters: a list of {len(content)} postings"
    if "jobAd" in doc or ("releasedDate" in doc and "refNumber" in doc):
        return "smartrecruiters", "smartrecruiters: a single posting"
    return None, ""


def _json_kind(doc: Any) -> tuple[str | None, str]:
    kind, why = _board_api_kind(doc)
    if kind:
        return kind, why
    if isinstance(doc, Mapping) and "offers" in doc:
        return "recruitee", "recruitee: an offers answer"
    if isinstance(doc, Mapping) and "apiVersion" in doc and "jobs" in doc:
        return "ashby", "ashby: a job-board answer"
    if isinstance(doc, Mapping) and ("job-count" in doc or "0-legal-notice" in doc):
        return "remotive", "remotive: an API answer"
    first, shape = _first_job(doc)
    if first is None:
        return None, f"JSON ({shape}) without job objects to recognise"
    keys = set(first)
    for kind, marks in _JOB_KEYS:
        if keys & marks:
            return kind, f"{kind}: {shape} of job objects"
    return None, f"JSON ({shape}) whose objects have keys {sorted(keys)[:8]}"


def _csv_kind(text: str) -> tuple[str | None, str]:
    try:
        header = next(csv.reader(io.StringIO(text[:65536])), [])
    except csv.Error as exc:
        return None, f"not CSV: {exc}"
    names = {h.strip().lower() for h in header}
    if "title" in names and names & {"job_url", "site", "company", "location"}:
        return "jobspy", "jobspy: a CSV with JobSpy's columns"
    first = text.strip().splitlines()[0][:60] if text.strip() else ""
    return (
        None,
        f"text without a CSV header holding title and job_url/company (first line {first!r})",
    )


def detect(data: bytes, name: str = "") -> tuple[str | None, str]:
    """Return (kind or None, why) for one saved answer."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if not head:
        return None, "empty file"
    if data[:4] == b"PAR1":
        return _parquet_kind(data)
    lines = head.split(b"\n", 1)
    if head[:1] == b"{" and len(lines) > 1 and lines[1].strip()[:1] == b"{":
        return _json_lines_kind(lines[0])
    if head[:1] in (b"{", b"["):
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            # A cut-off answer still says what it is; its parser reports the damage.
            kind = _truncated_json_kind(head)
            what = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            if kind:
                return kind, f"{kind}: JSON that does not parse ({what})"
            return None, f"JSON that does not parse: {what}"
        return _json_kind(doc)
    if head[:1] == b"<":
        roots = [m.group(1).decode() for m in _XML_ROOT.finditer(head)]
        root = next((r for r in roots if r not in ("xml", "!DOCTYPE")), "")
        if root == "workzag-jobs":
            return "personio", "personio: a <workzag-jobs> feed"
        if root == "rss" and b"weworkremotely.com" in head:
            return "weworkremotely", "weworkremotely: an <rss> feed of weworkremotely.com"
        if root in ("rss", "feed", "RDF", "rdf"):
            return "rss", f"rss: an <{root}> feed"
        if root.lower() == "html":
            return None, "an HTML page (a block or login page?), not a feed"
        return None, f"XML with root <{root or '?'}>"
    try:
        text = decode_bytes(data)  # a CSV saved by a spreadsheet may be Windows-1252
    except ValueError:
        return None, "binary content"
    return _csv_kind(text)


def _json_lines_kind(first: bytes) -> tuple[str | None, str]:
    try:
        item = json.loads(first)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "JSON lines whose first line does not parse"
    keys = {str(k).lower() for k in item} if isinstance(item, dict) else set()
    if "title" in keys and keys & {"job_url", "site", "company", "location"}:
        return "jobspy", "jobspy: JSON lines with JobSpy's columns"
    return None, f"JSON lines whose objects have keys {sorted(keys)[:8]}"


def _parquet_kind(data: bytes) -> tuple[str | None, str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = {n.lower() for n in pq.read_schema(pa.BufferReader(data)).names}
    except (pa.ArrowInvalid, OSError) as exc:
        return None, f"a Parquet file that cannot be read: {exc}"
    if "title" in names and names & {"job_url", "site", "company", "location"}:
        return "jobspy", "jobspy: Parquet with JobSpy's columns"
    return None, f"Parquet with columns {sorted(names)[:8]}"


def _truncated_json_kind(head: bytes) -> str | None:
    text = head.decode("utf-8", errors="replace")
    for kind, marks in (*_TRUNCATED_MARKS, *_JOB_KEYS):
        if any(f'"{m}"' in text for m in marks):
            return kind
    return None


def detect_file(path: Path) -> tuple[str | None, str]:
    """`detect` for a file; (None, why) when it cannot be read."""
    try:
        return detect(Path(path).read_bytes(), Path(path).name)
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"


@dataclass
class DropPlan:
    """What a drop folder holds: files by kind, and every other file with its reason."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    unrecognised: list[tuple[Path, str]] = field(default_factory=list)
    reasons: dict[Path, str] = field(default_factory=dict)


def plan_drop(root: Path, *, kind: str | None = None) -> DropPlan:
    """Assign every file under `root` (or `root` itself when it is a file) to a kind.

    `kind` forces the kind of every file. Otherwise the shape decides; a file whose shape
    says nothing but which sits in a folder named after a kind goes to that kind's parser,
    which then reports why it cannot read it. Hidden files and symbolic links are listed
    as unrecognised (links are never followed out of the drop).
    """
    root = Path(root)
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if not p.is_dir())
    plan = DropPlan()
    from joblens.sources import PARSERS  # the kinds; imported here to avoid a cycle

    for path in paths:
        if path.is_symlink():
            plan.unrecognised.append((path, "a symbolic link (not followed)"))
            continue
        if path.name.startswith("."):
            plan.unrecognised.append((path, "a hidden file"))
            continue
        found, why = (kind, "given with --kind") if kind else detect_file(path)
        if found is None and path.parent.name in PARSERS and path.parent != root.parent:
            found, why = path.parent.name, f"{why}; read as {path.parent.name} (its folder)"
        if found is None:
            plan.unrecognised.append((path, why))
            continue
        plan.files.setdefault(found, []).append(path)
        plan.reasons[path] = why
    return plan
