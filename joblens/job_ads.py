"""A recruiter's job ads (files) -> job rows the scoring engine reads: the candidates'
direction of matching, for an ad that is not (yet) on any board.

An ad is a file in any format a CV may be (`joblens.cv_documents`: .txt, .md, .pdf, .docx);
its stem is the job id. Labelled lines say what they are ("Title:", "Company:",
"Location:", "Salary:"); without a "Title:" line the first line is the title. Everything
else is normalized as a board's posting is (`joblens.normalize.posting_row`): place and work
mode, salary, seniority and skills read from the text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from joblens import cv_documents
from joblens.errors import ParseError
from joblens.normalize import posting_row
from joblens.sources.base import PostingDraft

__all__ = ["read_ad"]

_LABEL = re.compile(
    r"^\s*(?:[#*>-]+\s*)?(title|job title|position|role|company|employer|location|where|"
    r"salary|pay|compensation)\s*\**\s*:\s*\**\s*(.+?)\s*$",
    re.I | re.M,
)
_FIELD = {
    "title": "title",
    "job title": "title",
    "position": "title",
    "role": "title",
    "company": "company",
    "employer": "company",
    "location": "location",
    "where": "location",
    "salary": "salary",
    "pay": "salary",
    "compensation": "salary",
}


def read_ad(path: Path, folder: Path) -> dict[str, Any]:
    """The job row of the ad at `path` (job_id = the file's stem), without its embedding.

    Raises ParseError (a CvFileError for an unreadable file) with the reason."""
    text = cv_documents.read(path, folder)
    fields: dict[str, str] = {}
    for m in _LABEL.finditer(text):
        fields.setdefault(_FIELD[m.group(1).lower()], m.group(2))
    title = fields.get("title") or _first_line(text)
    if not title:
        raise ParseError(f"{path.name}: no title (a 'Title:' line or a first line)", field="title")
    draft = PostingDraft(
        source="ad",
        source_posting_id=path.stem,
        url=None,
        title=title,
        company=fields.get("company"),
        location_raw=fields.get("location"),
        is_remote=None,
        workplace_type=None,
        salary_text=fields.get("salary"),
        salary_min=None,
        salary_max=None,
        salary_currency=None,
        salary_interval=None,
        description_html_or_text=text,
        posted_at=None,
    )
    row = posting_row(draft, run_id="ad", origin=path.name, standalone=True)
    row["job_id"] = path.stem
    return row


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip().strip("*").strip()
        if line:
            return line
    return None
