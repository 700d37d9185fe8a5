"""CV files -> text: the document formats people send (.txt, .md, .pdf, .docx, JSON Resume).

`read(path, folder)` returns the CV's text, or raises `CvFileError` with the reason the file
cannot be a CV: it is not a regular file, a link leading out of the CV folder, too large, of
a type no reader knows, binary junk, a PDF without a text layer, an unreadable document.
Nothing here guesses: a file is either read whole or refused with its reason (the stage
turns the reason into a quarantine row).

Text files are decoded by their byte-order mark (UTF-8, UTF-16), else as UTF-8, else as
Windows-1252 (the superset of Latin-1 that Word and Windows editors write); bytes that are
neither text nor a known document are refused, never decoded into "replacement" soup.

A JSON Resume (https://jsonresume.org/schema) becomes the plain-text CV it describes (name,
label as headline, location, summary, positions with their dates, skills), so one rules
profiler reads every format.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from joblens.errors import ParseError
from joblens.normalize.text import decode_bytes

__all__ = ["MAX_BYTES", "SUFFIXES", "CvFileError", "read"]

MAX_BYTES = 10_000_000  # a CV is a few pages; anything larger is not one
MAX_UNPACKED_BYTES = 50_000_000  # what a .docx may unpack to
SUFFIXES = (".txt", ".text", ".md", ".markdown", ".pdf", ".docx", ".json", ".yaml", ".yml")
_TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
# Share of characters that may be neither printable nor whitespace in a text file.
_MAX_CONTROL_SHARE = 0.01


class CvFileError(ParseError):
    """The file cannot be read as a CV; the message is the quarantine reason."""


def read(path: Path, folder: Path) -> str:
    """Return the text of the CV at `path`, a member of `folder`; raise CvFileError if none."""
    _check_member(path, folder)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CvFileError(
            f"{path.name}: unsupported file type {suffix or '(no extension)'!r}; "
            f"documents are read from {', '.join(SUFFIXES)}",
            field="file",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CvFileError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise CvFileError(f"{path.name}: the file is empty", field="file")
    if suffix == ".pdf":
        return _pdf_text(path.name, data)
    if suffix == ".docx":
        return _docx_text(path.name, data)
    text = decode(path.name, data)
    if suffix == ".json":
        return _data_file_text(path.name, text, "JSON")
    if suffix in (".yaml", ".yml"):
        return _data_file_text(path.name, text, "YAML")
    return text


def _check_member(path: Path, folder: Path) -> None:
    """Refuse directories, devices, links out of the folder and oversized files."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # a loop, or a link to nothing
            raise CvFileError(f"{path.name}: a broken or looping link ({exc})") from exc
        if not target.is_relative_to(folder.resolve()):
            raise CvFileError(
                f"{path.name}: a link to {target}, outside the CV folder; not read",
                field="file",
            )
    if path.is_dir():
        raise CvFileError(f"{path.name}: a directory, not a CV file", field="file")
    if not path.is_file():
        raise CvFileError(f"{path.name}: not a regular file (a device, socket or broken link)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise CvFileError(
            f"{path.name}: {size:,} bytes, over the {MAX_BYTES:,}-byte limit for a CV",
            field="file",
        )


def decode(name: str, data: bytes) -> str:
    """Decode text bytes by BOM, else UTF-8, else Windows-1252; refuse binary content."""
    try:
        text = decode_bytes(data)
    except UnicodeDecodeError as exc:
        raise CvFileError(
            f"{name}: its byte-order mark promises an encoding the bytes break ({exc})"
        ) from exc
    except ValueError as exc:
        raise CvFileError(f"{name}: {exc}, not a text CV", field="file") from exc
    control = sum(
        1 for ch in text if unicodedata.category(ch) in {"Cc", "Co", "Cn"} and ch not in "\n\r\t\f"
    )
    if control > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise CvFileError(
            f"{name}: {control} control characters in {len(text)}: binary, not a text CV",
            field="file",
        )
    return text


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise CvFileError(f"{name}: an encrypted PDF; not read", field="file")
        pages = [page.extract_text() or "" for page in reader.pages]
    except CvFileError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken or hostile files
        raise CvFileError(f"{name}: not a readable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise CvFileError(
            f"{name}: the PDF has no text layer (a scanned image?); OCR it first", field="file"
        )
    return text


def _docx_text(name: str, data: bytes) -> str:
    import zipfile

    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise CvFileError(
                f"{name}: unpacks to {unpacked:,} bytes, over the {MAX_UNPACKED_BYTES:,}-byte "
                "limit for a CV (a zip bomb?)",
                field="file",
            )
        document = docx.Document(io.BytesIO(data))
    except CvFileError:
        raise
    except Exception as exc:  # a broken zip, broken XML, a missing part
        raise CvFileError(
            f"{name}: not a readable .docx document ({type(exc).__name__}: {exc})", field="file"
        ) from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            lines.append(" | ".join(dict.fromkeys(cells)))  # merged cells repeat their text
    text = "\n".join(lines)
    if not text.strip():
        raise CvFileError(f"{name}: the document holds no text", field="file")
    return text


def _data_file_text(name: str, text: str, kind: str) -> str:
    """The CV text of a JSON or YAML file; CvFileError when it does not parse."""
    import yaml

    try:
        doc = json.loads(text) if kind == "JSON" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CvFileError(f"{name}: not valid {kind} ({exc})", field="file") from exc
    return _data_cv_text(name, doc, kind)


def _data_cv_text(name: str, doc: Any, kind: str) -> str:
    """The text of a CV written as data: JSON Resume, a shape as_json_resume recasts, else
    any nesting that names a person (every key and value, in order, as labelled lines)."""
    if isinstance(doc, dict) and isinstance(doc.get("basics"), dict):
        return json_resume_text(doc)
    recast = as_json_resume(doc) if isinstance(doc, dict) else None
    if recast is not None:
        return json_resume_text(recast)
    if _names_person(doc):
        return "\n".join(_data_lines(doc)).strip() + "\n"
    raise CvFileError(
        f"{name}: {kind} that is no CV: neither a JSON Resume 'basics' object nor a name or "
        "title with work history or skills",
        field="file",
    )


def _names_person(doc: Any, depth: int = 0) -> bool:
    """Whether data holds, within three levels, a person's name beside a role, a summary or
    a history, or a job (a title beside its employer or place)."""
    if depth > 3:
        return False
    if isinstance(doc, dict):
        keys = {str(k).lower() for k in doc}
        if keys & set(_NAME_KEYS) and keys & _CV_PARTS:
            return True  # rendercv's {"cv": {"name", "location", "sections": {...}}} too
        if keys & set(_TITLE_KEYS) and keys & {"company", "employer", "organization", "location"}:
            return True  # a job of a history kept without the person's name
        return any(_names_person(v, depth + 1) for v in doc.values())
    if isinstance(doc, list):
        return any(_names_person(v, depth + 1) for v in doc[:20])
    return False


def _data_lines(value: Any, key: str = "", depth: int = 0) -> list[str]:
    """CV data as the lines the rules profiler reads: "Name: ...", "Headline: ...",
    "Location: ...", a heading per nested key, a position per dated job."""
    lines: list[str] = [] if not key else ["", _humanized(key)]
    if isinstance(value, dict):
        keys = {str(k).lower(): v for k, v in value.items()}
        first = keys.get("firstname") or keys.get("first_name")
        last = keys.get("lastname") or keys.get("last_name")
        if isinstance(first, str) and isinstance(last, str):
            lines.append(f"Name: {first} {last}")
        if depth and isinstance(_first(keys, _TITLE_KEYS), str) and _is_dated(keys):
            # A job: "Research Associate, CCRC, 2021 - present", as JSON Resume's reads.
            lines.append(_json_position(_as_position(value)))
            value = {
                k: v for k, v in value.items() if not _scalar(v) or _label(str(k)) == "Location"
            }
        for k, v in value.items():
            if _scalar(v):
                if str(v).strip() and str(k).lower() not in _SPLIT_NAME_KEYS:
                    label = _label(str(k))
                    if label == "Headline" and depth > 1:
                        label = _humanized(str(k))  # a job's or a section's title, not one's own
                    lines.append(f"{label}: {v}")
            else:
                lines += _data_lines(v, str(k), depth + 1)
    elif isinstance(value, list):
        if all(_scalar(v) for v in value):
            lines.append(", ".join(str(v) for v in value))
        else:
            for item in value:
                lines += _data_lines(item, "", depth + 1)
    elif _scalar(value):
        lines.append(str(value))
    return lines


_SPLIT_NAME_KEYS = ("firstname", "first_name", "lastname", "last_name")


def _scalar(value: Any) -> bool:
    # YAML reads "2022-03-01" as a date.
    return isinstance(value, str | int | float | date) and not isinstance(value, bool)


def _is_dated(keys: dict[str, Any]) -> bool:
    dated = (*_START_KEYS, "duration")
    return any(k in keys for k in dated) or any(k in keys for k in ("company", "employer"))


def _label(key: str) -> str:
    low = key.lower()
    if low in _NAME_KEYS:
        return "Name"
    if low in _TITLE_KEYS:
        return "Headline"
    if low in ("location", "city", "address", "where"):
        return "Location"
    return _humanized(key)


def _humanized(key: str) -> str:
    """ "experienceList" -> "Experience List", "work_history" -> "Work History"."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", key).replace("_", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words)


_WORK_KEYS = ("work", "experience", "experiences", "employment", "jobs", "positions")
_PERSON_KEYS = (
    "info",
    "personal",
    "personal_info",
    "profile",
    "contact",
    "header",
    "about",
    "base",
    "cv",
)
_TITLE_KEYS = ("label", "title", "headline", "position", "role", "job_title")
_SUMMARY_KEYS = ("summary", "about", "objective", "profile_summary", "bio")
_NAME_KEYS = ("name", "fullname", "full_name", "firstname", "first_name")
# Keys of a job's start (or its whole span: "dates", "years", "period").
_START_KEYS = ("startdate", "start", "start_date", "from", "dates", "date", "years", "period")
# Keys beside a name that make data a CV (a package.json's name has "dependencies").
_CV_PARTS = frozenset(
    {
        *_TITLE_KEYS,
        *_WORK_KEYS,
        "bio",
        "summary",
        "sections",
        "skills",
        "education",
        "experiencelist",
        "educationlist",
    }
)


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((obj[k] for k in keys if obj.get(k)), None)


def as_json_resume(doc: dict[str, Any]) -> dict[str, Any] | None:
    """A CV written as JSON in another shape than JSON Resume ({"name", "title", "experience":
    [{"role", "company", "dates"}], "skills": {...}}, or the person under "info"), recast as
    JSON Resume; None when it holds no name or title, or neither work history nor skills (a
    config file, a data dump: not a CV)."""
    keys = {k.lower(): v for k, v in doc.items()}
    person: dict[str, Any] = next(
        (keys[k] for k in _PERSON_KEYS if isinstance(keys.get(k), dict)), {}
    )
    merged = {**{k.lower(): v for k, v in person.items()}, **keys}
    name, title = merged.get("name"), _first(merged, _TITLE_KEYS)
    listed: list[Any] = next((keys[k] for k in _WORK_KEYS if isinstance(keys.get(k), list)), [])
    work = [w for w in listed if isinstance(w, dict)]
    skills = keys.get("skills")
    if not (isinstance(name, str) or isinstance(title, str)) or not (work or skills):
        return None
    location = merged.get("location")
    summary = _first(merged, _SUMMARY_KEYS)
    return {
        "basics": {
            "name": name if isinstance(name, str) else None,
            "label": title if isinstance(title, str) else None,
            "location": location if isinstance(location, (str, dict)) else None,
            "summary": summary if isinstance(summary, str) else None,
        },
        "work": [_as_position(w) for w in work],
        "skills": _as_skills(skills),
    }


def _as_position(job: dict[str, Any]) -> dict[str, Any]:
    keys = {k.lower(): v for k, v in job.items()}
    dates = str(_first(keys, (*_START_KEYS, "time")) or "")
    years = [m.group(0) for m in _YEAR.finditer(dates)]
    end = str(_first(keys, ("enddate", "end", "end_date", "to")) or "")
    notes = _first(keys, ("highlights", "bullets", "responsibilities", "achievements"))
    return {
        "position": _first(keys, ("position", "title", "role", "job_title")),
        "name": _first(keys, ("name", "company", "organization", "employer")),
        "startDate": years[0] if years else "",
        "endDate": end or (years[-1] if len(years) > 1 else ""),
        "highlights": [str(n) for n in notes] if isinstance(notes, list) else [],
        "summary": _first(keys, ("summary", "description")),
    }


def _as_skills(skills: object) -> list[Any]:
    """Skills as JSON Resume lists them: strings, {"name", "keywords"}, or a dict of lists."""
    if isinstance(skills, dict):
        return [{"keywords": v if isinstance(v, list) else [v]} for v in skills.values()]
    out: list[Any] = []
    for item in skills if isinstance(skills, list) else []:
        if isinstance(item, dict) and not item.get("keywords"):
            words = _first({k.lower(): v for k, v in item.items()}, ("items", "skills", "list"))
            item = {"name": item.get("name"), "keywords": words if isinstance(words, list) else []}
        out.append(item)
    return out


def json_resume_text(doc: dict[str, Any]) -> str:
    """The plain-text CV a JSON Resume describes, laid out as the rules profiler reads."""
    basics: dict[str, Any] = doc.get("basics") or {}
    lines: list[str] = []
    if basics.get("name"):
        lines.append(str(basics["name"]))
    if basics.get("label"):
        lines.append(f"Headline: {basics['label']}")
    place = _json_place(basics.get("location"))
    if place:
        lines.append(f"Location: {place}")
    if basics.get("summary"):
        lines += ["", "Summary", str(basics["summary"])]
    work = [w for w in doc.get("work") or [] if isinstance(w, dict)]
    if work:
        lines += ["", "Experience"]
        for job in work:
            lines.append(_json_position(job))
            if isinstance(job.get("location"), str) and job["location"].strip():
                lines.append(f"Location: {job['location']}")  # "Remote" says how, too
            lines += [str(h) for h in job.get("highlights") or [] if h]
            if job.get("summary"):
                lines.append(str(job["summary"]))
    skill_words = _json_skills(doc.get("skills"))
    if skill_words:
        lines += ["", "Skills", ", ".join(skill_words)]
    return "\n".join(lines) + "\n"


def _json_place(location: object) -> str:
    if isinstance(location, str):
        return location
    if not isinstance(location, dict):
        return ""
    parts = [location.get(k) for k in ("city", "region", "countryCode")]
    return ", ".join(str(p) for p in parts if p)


_YEAR = re.compile(r"(19|20)\d{2}")


def _json_position(job: dict[str, Any]) -> str:
    title = job.get("position") or job.get("title") or ""
    company = job.get("name") or job.get("company") or ""
    start = _YEAR.search(str(job.get("startDate") or ""))
    end = _YEAR.search(str(job.get("endDate") or ""))
    span = ""
    if start:
        span = f"{start.group(0)} - {end.group(0) if end else 'present'}"
    return ", ".join(str(p) for p in (title, company, span) if p)


def _json_skills(skills: object) -> list[str]:
    out: list[str] = []
    for item in skills if isinstance(skills, list) else []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out += [str(item["name"])] if item.get("name") else []
            out += [str(k) for k in item.get("keywords") or [] if k]
    return list(dict.fromkeys(out))
