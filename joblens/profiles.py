"""CV text -> candidate profile: the CANDIDATES row a rules-based profiler can read from a CV.

`parse(text, candidate_id=...)` accepts Markdown or plain text in any of the usual layouts
(headed sections, an "Objective:" line, a skills line or list, or plain prose with no
headings at all) and returns the fields of `joblens.schemas.CANDIDATES` except run_id,
text_hash and embedding. It never guesses silently: a CV with no usable content (empty,
or neither a headline nor any skill) raises ParseError saying so.

Rules, in order of trust:
- headline: an explicit "Objective:/Headline:/Target role:" line, else the short line under
  the name, else the first sentence of the first paragraph, else the newest job title.
- location: a "Location:/Based in" line, the part after "·" on the headline line, or
  "... position in <place>"; resolved by `joblens.normalize.location.parse`.
- work modes: "remote only" -> remote; "on-site only" -> onsite; "hybrid or remote" ->
  hybrid+remote; "open to remote" (or "remote work/roles") -> all three; else on-site/hybrid.
- seniority: from the headline, else from the years of experience.
- salary floor: the first line with a pay word ("expected salary", "looking for", "desired
  rate", ...) and an amount, annualized by `joblens.normalize.salary.parse`.
"""

from __future__ import annotations

import re
from datetime import date

from joblens.errors import ParseError
from joblens.normalize import location, salary, seniority, skills

__all__ = ["parse"]

SUMMARY_MAX_CHARS = 1500

_HEADINGS = re.compile(
    r"^(?:summary|profile|about(?: me)?|professional summary|objective|experience|work "
    r"experience|professional experience|employment(?: history)?|skills|technical skills|"
    r"core competencies|key skills|competencies|education|certifications|languages|"
    r"projects|contact|interests)\s*:?$",
    re.I,
)
_LABELLED_HEADLINE = re.compile(
    r"^(?:objective|headline|target role|desired role|title|role sought|position sought)"
    r"\s*:\s*(.+)$",
    re.I,
)
_LABELLED_LOCATION = re.compile(r"^(?:location|based in|address|city)\s*:?\s+(.+)$", re.I)
_BASED_IN = re.compile(r"\bbased in ([^.;\n]+)", re.I)
_POSITION_IN = re.compile(
    r"^(.*?)\s+(?:position|role|job|opportunit(?:y|ies))(?:\s+in\s+(.+))?$", re.I
)
_PAY_LINE = re.compile(
    r"\b(?:salary|compensation|expected|expectation|desired|minimum|target (?:base|pay|salary)|"
    r"looking for|rate|pay)\b",
    re.I,
)
_YEARS = re.compile(
    r"(\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)\b(?:\s+(?:of\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:experience|working|in\b))?",
    re.I,
)
_RANGE = re.compile(
    r"\b((?:19|20)\d{2})\s*(?:-|–|—|to)\s*((?:19|20)\d{2}|present|now|current)\b", re.I
)
_MD_NOISE = re.compile(r"^\s*(?:#{1,6}\s*|[-*•]\s+)?|\*\*|__|`")
_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ'’.\-]+(?:\s+[A-Za-zÀ-ÖØ-öø-ÿ'’.\-]+){1,3}$")

_REMOTE_ONLY = re.compile(r"\b(?:remote[- ]only|only remote|fully remote|100% remote)\b", re.I)
_ONSITE_ONLY = re.compile(r"\b(?:on-?site[- ]only|only on-?site|office[- ]based only)\b", re.I)
_HYBRID_REMOTE = re.compile(r"\b(?:hybrid or remote|remote or hybrid)\b", re.I)
_OPEN_REMOTE = re.compile(
    r"\b(?:open to (?:\w+ )?remote|remote (?:work|roles?|positions?|jobs?|friendly)|"
    r"willing to work remotely|happy to work remotely)\b",
    re.I,
)


def parse(text: str, *, candidate_id: str) -> dict[str, object]:
    """Return the CANDIDATES fields read from one CV (no run_id, text_hash or embedding).

    Raises ParseError when the CV is empty or has neither a headline nor any known skill.
    """
    lines = _lines(text)
    if not lines:
        raise ParseError(
            f"CV {candidate_id!r} is empty: expected a name, a headline and skills",
            field="text",
            raw=text,
        )
    name = _name(lines)
    headline, head_location = _headline(lines, name)
    found_skills = skills.extract(text)
    if not headline and not found_skills:
        raise ParseError(
            f"CV {candidate_id!r} has neither a headline (role sought) nor any known skill",
            field="text",
            raw=text[:200],
        )
    location_raw = _location_raw(lines) or head_location
    place = location.parse(location_raw) if location_raw else None
    years = _years(text)
    level = seniority.parse(headline) if headline else None
    if level is None and years is not None:
        level = seniority.from_years(years)
    pay = _salary(lines)
    return {
        "candidate_id": candidate_id,
        "name": name,
        "headline": headline,
        "location_raw": location_raw,
        "city": place.city if place else None,
        "region": place.region if place else None,
        "country": place.country if place else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "work_modes": _work_modes(text),
        "seniority": level,
        "years_experience": years,
        "skills": found_skills,
        "salary_floor_annual": pay.annual_min if pay else None,
        "salary_currency": pay.currency if pay else None,
        "summary": _summary(headline, lines, found_skills),
    }


def _lines(text: str | None) -> list[str]:
    """Non-empty lines with Markdown markers (headings, bullets, bold) taken off."""
    if not text:
        return []
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MD_NOISE.sub("", raw).strip()
        if line:
            out.append(line)
    return out


def _name(lines: list[str]) -> str | None:
    first = lines[0]
    if _NAME.match(first) and not _HEADINGS.match(first) and ":" not in first:
        return first.title() if first.isupper() else first
    return None


def _headline(lines: list[str], name: str | None) -> tuple[str | None, str | None]:
    """The role sought and, when written on the same line, a location."""
    for line in lines[:12]:
        m = _LABELLED_HEADLINE.match(line)
        if m:
            return _split_role(m.group(1))
    start = 1 if name else 0
    for line in lines[start : start + 3]:
        if _LABELLED_LOCATION.match(line) or "@" in line or _HEADINGS.match(line):
            continue
        if re.search(r"\d{3}", line):
            continue  # a phone number or a date line
        # The first sentence; "Jr." and "Sr." do not end one.
        first_sentence = re.split(r"(?<![JS]r)(?<=[a-z)])\.\s", line, maxsplit=1)[0]
        first_sentence = first_sentence.rstrip(".")
        role, place = _split_role(first_sentence)
        if role and _looks_like_title(role):
            return role, place
        break
    return _latest_title(lines), None


_SMALL_WORDS = frozenset({"of", "and", "in", "for", "the", "&", "to", "at", "de", "-", "/"})


def _looks_like_title(text: str) -> bool:
    """A job title is short and Title Cased ("Senior Data Engineer"), unlike prose."""
    words = [w for w in text.split() if w.lower() not in _SMALL_WORDS]
    if not words or len(words) > 8:
        return False
    capitalized = sum(w[:1].isupper() or w[:1].isdigit() for w in words)
    return capitalized / len(words) >= 0.6


def _split_role(text: str) -> tuple[str | None, str | None]:
    """("Senior Data Engineer", "London, UK") from "Senior Data Engineer · London, UK",
    "... based in London, UK" or "Data Engineer position in London"."""
    text = text.strip().rstrip(".")
    for sep in (" · ", " | ", " — ", " – "):
        if sep in text:
            role, place = text.split(sep, 1)
            return role.strip() or None, place.strip() or None
    m = re.match(r"^(.*?)\s+based in\s+(.+)$", text, re.I)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    m = _POSITION_IN.match(text)
    if m:
        return m.group(1).strip() or None, (m.group(2) or "").strip() or None
    return (text or None), None


def _latest_title(lines: list[str]) -> str | None:
    """Title of the newest position in an experience list ("Title, Company, 2021 - present")."""
    best: tuple[int, str] | None = None
    for line in lines:
        m = _RANGE.search(line)
        if not m:
            continue
        end = 9999 if not m.group(2).isdigit() else int(m.group(2))
        head = line[: m.start()].strip(" ,(-—–:")
        title = re.split(r"\s+(?:—|–|-|at|@)\s+|,\s*", head)[0].strip()
        if title and len(title.split()) <= 8 and (best is None or end > best[0]):
            best = (end, title)
    return best[1] if best else None


def _location_raw(lines: list[str]) -> str | None:
    for line in lines[:15]:
        m = _LABELLED_LOCATION.match(line)
        if m:
            return m.group(1).strip().rstrip(".")
    for line in lines[:15]:
        m = _BASED_IN.search(line)
        if m:
            return m.group(1).strip()
        if re.match(r"^Greater .+ Area$", line):
            return line
    return None


def _work_modes(text: str) -> list[str]:
    if _REMOTE_ONLY.search(text):
        return ["remote"]
    if _ONSITE_ONLY.search(text):
        return ["onsite"]
    if _HYBRID_REMOTE.search(text):
        return ["hybrid", "remote"]
    if _OPEN_REMOTE.search(text):
        return ["onsite", "hybrid", "remote"]
    return ["onsite", "hybrid"]


def _years(text: str) -> float | None:
    """Years of experience: stated ("6 years of experience"), else spanned by the job dates."""
    low = text.lower()
    for m in _YEARS.finditer(text):
        window = low[m.start() : m.end() + 40]
        if "experience" in window or "working" in window or "worked" in window:
            return float(m.group(1))
    if "less than a year" in low:
        return 0.5
    if re.search(r"\bover a year\b", low):
        return 1.5
    starts, ends = [], []
    for m in _RANGE.finditer(text):
        starts.append(int(m.group(1)))
        ends.append(int(m.group(2)) if m.group(2).isdigit() else date.today().year)
    if starts:
        return float(max(0, max(ends) - min(starts)))
    return None


def _salary(lines: list[str]) -> salary.Salary | None:
    for line in lines:
        if _PAY_LINE.search(line) and re.search(r"\d", line) and not _RANGE.search(line):
            found = salary.parse(line)
            if found is not None:
                return found
    return None


def _summary(headline: str | None, lines: list[str], found: list[str]) -> str:
    """Headline + the CV's own summary sentences + skill names: the text that is embedded."""
    prose = [ln for ln in lines if len(ln.split()) >= 10 and not _RANGE.search(ln)][:2]
    parts = [headline or "", " ".join(prose)]
    if found:
        parts.append("Skills: " + ", ".join(skills.display(s) for s in found))
    text = ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip())
    return text[:SUMMARY_MAX_CHARS].rstrip()
