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
  "... position in <place>"; resolved by `joblens.normalize.location.parse`. A CV that names
  no place but asks its pay in a currency of one country ("60K CAD") is placed in that
  country, city unknown (normalize/data/currency_countries.json; never USD or EUR).
- work modes: "remote only" -> remote; "on-site only" -> onsite; "hybrid or remote" ->
  hybrid+remote; "on-site or hybrid" -> onsite+hybrid; "open to remote" ("remote work/roles",
  or "Remote" as the place in the CV's header lines) -> all three; a CV that says nothing
  -> [] (unknown: the hard filter then keeps every mode, it never hides jobs on a guess).
- seniority: from the headline, else from the years of experience.
- personal data: emails, phone numbers, street addresses and profile URLs are redacted
  (`joblens.normalize.redact`) from every text field returned: the summary (what is
  embedded and what an LLM reads), the headline and the location text.
- salary floor: the first line with a pay word ("expected salary", "looking for", "desired
  rate", ...) and an amount, annualized by `joblens.normalize.salary.parse`.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from joblens.errors import ParseError
from joblens.normalize import location, salary, seniority, skills
from joblens.normalize.redact import redact

__all__ = ["parse"]

SUMMARY_MAX_CHARS = 1500
RULES_SOURCE = "rules-v1"
"""The `profile_source` of a profile these rules read (an LLM's says llm:<model>:<version>)."""

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
_BASED_IN = re.compile(r"\b(?:based|living|lives|live|located|residing) in ([^.;\n]+)", re.I)
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


@cache
def _data(name: str) -> dict[str, Any]:
    """A data file of joblens/normalize/data, read once."""
    path = Path(__file__).parent / "normalize" / "data" / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _words() -> dict[str, list[str]]:
    return _data("cv_words.json")


def _currency_countries() -> dict[str, str]:
    countries: dict[str, str] = _data("currency_countries.json")["countries"]
    return countries


def _present_words() -> str:
    return "|".join(re.escape(w) for w in sorted(_words()["present"], key=len, reverse=True))


def _month_words() -> str:
    return "|".join(re.escape(w) for w in sorted(_words()["months"], key=len, reverse=True))


# "2019 - 2022", "2015-Atual", "Jan 2020 – heute", "October 2022 to September 2024".
# A word separator ("to", "bis", "até", "a") stands between spaces; between the years only a
# month may stand ("2019 - Dec 2022"), so "2010 - over 2000 commits" is no range.
_RANGE = re.compile(
    r"\b((?:19|20)\d{2})(?:"
    r"\s*[-–—]\s*(?:(?:" + _month_words() + r")\.?\s+)?((?:19|20)\d{2}|" + _present_words() + r")"
    r"|\s+(?:to|bis|até|a)\s+(?:(?:" + _month_words() + r")\.?\s+)?((?:19|20)\d{2})"
    r")(?![\w'])",
    re.I,
)
_MD_NOISE = re.compile(r"^\s*(?:#{1,6}\s*|[-*•]\s+)?|\*\*|__|`")
_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ'’.\-]+(?:\s+[A-Za-zÀ-ÖØ-öø-ÿ'’.\-]+){1,3}$")

_REMOTE_ONLY = re.compile(r"\b(?:remote[- ]only|only remote|fully remote|100% remote)\b", re.I)
_ONSITE_ONLY = re.compile(r"\b(?:on-?site[- ]only|only on-?site|office[- ]based only)\b", re.I)
_HYBRID_REMOTE = re.compile(r"\b(?:hybrid or remote|remote or hybrid)\b", re.I)
_ONSITE_HYBRID = re.compile(
    r"\b(?:on-?site or hybrid|hybrid or on-?site|office or hybrid|hybrid or office)\b", re.I
)
_REMOTE_WORD = re.compile(r"(?<![\w-])remote(?![\w-])", re.I)
_OPEN_REMOTE = re.compile(
    r"\b(?:open to (?:\w+ )?remote|remote (?:work|roles?|positions?|jobs?|friendly)|"
    r"willing to work remotely|happy to work remotely)\b",
    re.I,
)


# Markup around the words of CVs kept in Markdown sites (Jekyll, Hugo) and HTML.
_FRONT_MATTER = re.compile(r"\A\s*(---|\+\+\+)[ \t]*\n.*?\n\1[ \t]*(?:\n|\Z)", re.S)
# Bounded: an unclosed "{{" or "<!--" must not make the engine try every way to close it.
_COMMENT = re.compile(r"<!--.{0,5000}?-->", re.S)
_TEMPLATE = re.compile(r"\{\{(.{0,2000}?)\}\}|\{%.{0,2000}?%\}", re.S)
_ATTRIBUTE = re.compile(r"\b(\w+)=\"([^\"]*)\"")
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_SHORTCODE_EMOJI = re.compile(r"(?<!\w):[a-z0-9_+-]+:(?!\w)")
_RULE_LINE = re.compile(r"^[ \t]*(?:={3,}|-{3,}|\*{3,}|_{3,})[ \t]*$", re.M)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_INLINE_TAGS = frozenset({"a", "b", "i", "em", "strong", "span", "code", "small", "u", "sup"})
_SKIPPED_ATTRIBUTES = frozenset({"icon", "class", "id", "style", "src", "href", "type"})


def _end(m: re.Match[str]) -> str:
    """The end of a _RANGE match: a year, or a word for "still running"."""
    return m.group(2) or m.group(3)


def clean_markup(text: str) -> str:
    """The words of a CV without its site markup: front matter, comments, template tags (the
    values of their attributes kept: `{{< item header="2020-heute" badge="C# Entwickler" >}}`
    reads "2020-heute, C# Entwickler"), HTML tags, emoji codes, rules and link targets."""
    text = text.replace("\r\n", "\n").replace("\u2019", "'")  # "I’m": the apostrophe of prose
    front = _FRONT_MATTER.match(text)
    if front:
        body = text[front.end() :]
        # A site page that keeps the whole CV in its front matter (Hugo's `sections:` blocks,
        # an `[[experience]]` widget) has next to nothing below it: read the front matter.
        # So does an entry of a site's jobs collection ({position, organization, location}).
        short = len(body.split()) < 20
        kept = (
            _front_matter_text(front.group(0), front.group(1))
            if short or _JOB_FRONT.search(front.group(0))
            else ""
        )
        text = kept + "\n" + body
    text = _COMMENT.sub("", text)
    text = _TEMPLATE.sub(_template_values, text)
    text = _HTML_TAG.sub(lambda m: "" if m.group(2).lower() in _INLINE_TAGS else "\n", text)
    text = _SHORTCODE_EMOJI.sub("", text)
    text = _RULE_LINE.sub("", text)
    return _MD_LINK.sub(r"\1", text)


# Front-matter keys that say how a page is laid out, never what a CV says.
_LAYOUT_KEYS = frozenset(
    {
        "type", "block", "design", "columns", "widget", "headless", "active", "weight",
        "date_format", "icon", "icon_pack", "image", "url", "link", "id", "draft", "layout",
        "permalink", "hide", "include", "css_class", "css_style", "spacing", "background",
        "author_profile", "toc", "share", "comments", "order", "slug", "aliases", "menu",
        "company_url", "company_logo", "redirect_from", "sitemap", "classes", "lastmod",
    }
)  # fmt: skip


def _front_matter_text(block: str, fence: str) -> str:
    """The words of a front matter (YAML between '---', TOML between '+++'): its values in
    order, one per line, a job ({"title", "company", "date_start", ...}) as one line the
    profile reads as a position; "" when it does not parse."""
    inner = block.strip()[len(fence) : -len(fence)]
    try:
        if fence == "+++":
            import tomllib

            data: Any = tomllib.loads(inner)
        else:
            import yaml

            data = yaml.safe_load(inner)
    except Exception:  # a syntax error (real pages have them): read it line by line
        return _front_lines(inner)
    lines: list[str] = []
    if isinstance(data, dict):  # the page's own title and summary describe the page
        data = {k: v for k, v in data.items() if str(k).lower() not in _PAGE_KEYS}
    _front_values(data, lines)
    return "\n".join(lines)


_PAGE_KEYS = frozenset({"title", "summary", "description", "subtitle"})
_JOB_FRONT = re.compile(
    r"(?ims)^\s*(?:position|role|job_title)\s*[:=].*^\s*(?:organi[sz]ation|company|employer)\s*[:=]"
)
_FRONT_LINE = re.compile(r"""^\s*([\w-]+)\s*[=:]\s*[."']*(.*?)["']*\s*$""")


def _front_lines(inner: str) -> str:
    """The values of a front matter that does not parse: `key = "value"` and `key: value`
    lines (layout keys skipped), and the text lines between them."""
    out: list[str] = []
    for line in inner.splitlines():
        if line.strip().startswith(("#", "[")):
            out.append("")  # a comment or a table header: a break between entries
            continue
        m = _FRONT_LINE.match(line)
        if m and (m.group(1).lower() in _LAYOUT_KEYS or m.group(1).lower().startswith("date")):
            continue
        value = m.group(2) if m else line.strip()
        if value.strip('"') and value.lower() not in ("true", "false"):
            out.append(value.strip('"'))
    return "\n".join(out)


def _front_values(data: Any, lines: list[str]) -> None:
    if isinstance(data, list):
        for item in data:
            _front_values(item, lines)
        return
    if not isinstance(data, dict):
        if isinstance(data, (str, int, float)) and str(data).strip():
            lines.append(str(data).strip())
        return
    keys = {str(k).lower(): v for k, v in data.items()}
    role = keys.get("title") or keys.get("position") or keys.get("role")
    employer = keys.get("company") or keys.get("organization") or keys.get("employer")
    if isinstance(role, str) and isinstance(employer, str):
        start = str(_first_of(keys, ("date_start", "date_beg", "start", "from")) or "")[:4]
        end = str(_first_of(keys, ("date_end", "end", "to")) or "")[:4]
        span = f"{start} - {end or 'present'}" if start else ""
        lines.append(", ".join(x for x in (role, employer, span) if x))
        place = keys.get("location")
        if isinstance(place, str) and place.strip():
            lines.append(f"Location: {place.strip()}")
        keys = {k: v for k, v in keys.items() if v not in (role, employer, place)}
    for key, value in keys.items():
        if key in _LAYOUT_KEYS or key.startswith("date"):
            continue
        _front_values(value, lines)


def _first_of(keys: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((keys[n] for n in names if keys.get(n)), None)


def _template_values(match: re.Match[str]) -> str:
    inner = (match.group(1) or "").strip().strip("<>-% ")
    values = [
        v.strip()
        for k, v in _ATTRIBUTE.findall(inner)
        if k.lower() not in _SKIPPED_ATTRIBUTES and v.strip()
    ]
    return "\n" + ", ".join(values) + "\n" if values else "\n"


def parse(text: str, *, candidate_id: str) -> dict[str, object]:
    """Return the CANDIDATES fields read from one CV (no run_id, text_hash or embedding).

    Raises ParseError when the CV is empty, or has neither a headline nor any known skill
    and is not laid out as a CV either (fewer than two of a CV's sections: a civil site
    engineer's "Education Details / Skill Details / Company Details" is a CV whatever its
    trade's skills).
    """
    text = clean_markup(text)
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
    if not headline and not found_skills and _section_count(lines) < 2:
        raise ParseError(
            f"CV {candidate_id!r} has neither a headline (role sought) nor any known skill",
            field="text",
            raw=text[:200],
        )
    location_raw = _location_raw(lines) or head_location or _latest_place(lines)
    place = location.parse(location_raw) if location_raw else None
    years = _years(text)
    level = seniority.parse(headline) if headline else None
    if level is None and years is not None:
        level = seniority.from_years(years)
    pay = _salary(lines)
    country = place.country if place else None
    if country is None and pay is not None and pay.currency:
        country = _currency_countries().get(pay.currency)
    return {
        "candidate_id": candidate_id,
        "name": name,
        "headline": redact(headline) if headline else None,
        "location_raw": redact(location_raw) if location_raw else None,
        "city": place.city if place else None,
        "region": place.region if place else None,
        "country": country,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "work_modes": _work_modes(text, lines),
        "seniority": level,
        "years_experience": years,
        "skills": found_skills,
        "salary_floor_annual": pay.annual_min if pay else None,
        "salary_currency": pay.currency if pay else None,
        "summary": redact(_summary(headline, lines, found_skills)),
        "profile_source": RULES_SOURCE,
    }


def summary(text: str, headline: str | None, skill_ids: list[str]) -> str:
    """The text that is embedded for a CV: its headline, the CV's own summary sentences and
    the skills' names, redacted (what `parse` writes, for another headline or skills)."""
    return redact(_summary(headline, _lines(clean_markup(text)), skill_ids))


_CELL_GAP = re.compile(r" {4,}")
_FLAT_LINE = 160  # characters: a line this long with wide gaps is many lines run together


def _flattened(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        out.extend(_CELL_GAP.split(line) if len(line) >= _FLAT_LINE else [line])
    return out


def _lines(text: str | None) -> list[str]:
    """Non-empty lines with Markdown markers (headings, bullets, bold) taken off; in a long
    line, a run of four or more spaces ends a line too (a CV flattened by a scraper:
    "ACCOUNTANT         Summary    A detail oriented ...")."""
    if not text:
        return []
    out = []
    for raw in _flattened(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        line = _MD_NOISE.sub("", raw).strip()
        if len(line) > 2 and line[0] == line[-1] and line[0] in "*_":  # *italic* line
            line = line[1:-1].strip()
        if line:
            out.append(line)
    return out


_LABELLED_NAME = re.compile(
    r"^(?:name|full name|nome|nombre|nom|imię i nazwisko)\s*:\s*(.+)$", re.I
)
# "I am a data engineer", "I am currently the Head Chef at Breakside": the role ends
# before where ("at", "for", "in", "with") or the sentence.
_I_AM = re.compile(
    r"\bI(?:['’]?m| am| work as| serve as)"
    r"(?: (?:currently|now|presently|also|working as|employed as))*"
    r" (?:an? |the )?"
    r"([^,.;:]{3,60}?)(?=\s+(?:at|for|in|with|based|focused|who|speciali[sz]ed|passionate)\b"
    r"|[,.;:]|$)",
    re.I,
)
# "Since 2020 I've worked as a Data analyst for ...": the job now, before "I am a writer".
_WORK_AS = re.compile(
    r"\bI(?:'ve| have)? (?:been )?work(?:ed|ing)? as (?:an? |the )?"
    r"([^,.;:]{3,60}?)(?=\s+(?:at|for|in|with|since)\b|[,.;:]|$)",
    re.I,
)
# "Seeking a home health aide position", "I'm looking for Programmer internship": the role
# a job seeker's post asks for.
_SEEKING = re.compile(
    r"\b(?:seeking|looking for|searching for|in search of)\s+(?:an? |the )?"
    r"(?:(?:new|full[- ]time|part[- ]time|entry[- ]level|permanent)\s+)*"
    r"([^,.;:]{3,60}?)\s+(?:position|job|role|internship|opportunit(?:y|ies)|employment)\b",
    re.I,
)
_ROLE_BEFORE = re.compile(
    r"^(.{3,60}?)\s+(?:with|who|speciali[sz]ed|focused|passionate|experienced in)\b", re.I
)
# "September 2024: IT Analyst", "2019 - 2022: Data Engineer": a date heading a title.
_DATE_PREFIX = re.compile(r"^(?:[A-Za-zÀ-ÿ]{3,10}\.?\s+)?(?:19|20)\d{2}\b[^:]{0,30}:\s*", re.I)
_MONTH_ONLY = re.compile(r"^(?:[A-Za-zÀ-ÿ]{3,10}\.?)?$")


def _plain(line: str) -> str:
    line = re.sub(r"^\s*\d{1,2}[.)]\s+", "", line)  # "1. Summary": a numbered contents line
    return " ".join(re.sub(r"[^\w\s'-]", " ", line.lower()).replace("-", " ").split())


@cache
def _heading_names() -> dict[str, frozenset[str]]:
    """The heading lists of cv_words.json in `_plain` form, by kind, read once."""
    words = _words()

    def plain(key: str) -> frozenset[str]:
        return frozenset(w.replace("-", " ") for w in words[key])

    sections = plain("experience_headings") | plain("section_headings")
    return {
        "experience": plain("experience_headings"),
        "section": sections,
        "any": sections | plain("document_titles"),
        "single": frozenset(w for w in sections if " " not in w),
    }


def _is_heading(line: str) -> bool:
    """A line naming the document or a section ("Curriculum Vitae", "Work experience")."""
    plain = _plain(line)
    if _HEADINGS.match(line) or plain.endswith((" cv", " resume", " curriculum vitae")):
        return True
    return plain in _heading_names()["any"]


def _is_section(line: str) -> bool:
    """A section heading: a known one, or a short line without digits that holds a known
    one-word heading ("Studium und Ausbildung", "Skills & Tools")."""
    plain = _plain(line)
    names = _heading_names()
    if plain in names["section"]:
        return True
    parts = plain.split()
    return (
        1 < len(parts) <= 4
        and not re.search(r"\d", line)
        and any(w in names["single"] for w in parts)
    )


def _section_count(lines: list[str]) -> int:
    """How many different CV sections (experience, education, skills, ...) head a line of
    their own content; 0 when fewer than three lines are content."""
    heading = [_is_section(ln) for ln in lines]  # experience headings are sections too
    if len(lines) - sum(heading) < 3:
        return 0
    filled = zip(lines, heading, heading[1:], strict=False)
    return len({_plain(line) for line, head, next_head in filled if head and not next_head})


def _is_experience_heading(line: str) -> bool:
    return _plain(line) in _heading_names()["experience"]


# Contact data as `joblens.normalize.redact` leaves it, and the marks CVs put before it.
_CONTACT_MARK = re.compile(r"\[(?:email|phone|address|url|profile)\]|[📍📞📧✉☎📱]")


def _is_contact(line: str) -> bool:
    low = line.lower()
    return (
        "@" in line
        or bool(_CONTACT_MARK.search(line))
        or "http" in low
        or "www." in low
        or bool(re.search(r"\d{3}", line))
        or bool(_LABELLED_LOCATION.match(line))
    )


def _name(lines: list[str]) -> str | None:
    for line in lines[:12]:
        m = _LABELLED_NAME.match(line)
        if m:
            return m.group(1).strip()
    for line in lines[:3]:
        if _is_section(line):
            break
        if _is_heading(line) or _is_contact(line):
            continue
        if _NAME.match(line) and ":" not in line and not _all_label_words(line):
            return line.title() if line.isupper() else line
        break
    return None


def _headline(lines: list[str], name: str | None) -> tuple[str | None, str | None]:
    """The role sought and, when written on the same line, a location: a labelled line, else
    a title-like line of the header, else the newest position of the work history, else a
    role the summary names ("Senior Designer with ...", "I am a teacher ..."), else the
    newest dated title anywhere."""
    for line in lines[:12]:
        m = _LABELLED_HEADLINE.match(line)
        if m and not _is_heading(m.group(1)) and _could_be_role(m.group(1)):
            return _split_role(m.group(1))  # not "Title: Resume", a page's own title
    header: list[str] = []
    for line in lines[:10]:
        if _is_section(line):  # the header ends where the body's sections begin
            break
        if (name and line.lower() == name.lower()) or _is_heading(line) or _is_contact(line):
            continue
        if ":" in line:
            continue
        header.append(line)
    # A header line naming a role wins; a Title Cased line that names none ("Global Good
    # Fund", "C#, Python, TypeScript", "Sarajevo, BIH") only when the work history and the
    # summary name no role either.
    fallback: tuple[str | None, str | None] | None = None
    for line in header:
        role, place = _split_role(_first_sentence(line).strip("[](), "))
        if not role or _I_AM.search(line) or _is_heading(role) or not _could_be_role(role):
            continue  # a sentence about oneself is prose, not a title
        role = _before_with(role)
        if _names_role(role) and (_looks_like_title(role) or len(role.split()) <= 3):
            return role, place  # "Student" alone is a role too
        if fallback is None and _looks_like_title(role) and not _is_place(role):
            fallback = (role, place)
    # "I'm a software developer in Seattle" atop the CV says the role now; so does a role
    # the work history names; a work-history title that names none ("Digital Marketing")
    # comes after a role the summary names.
    top = _prose_role(lines[:5], first_person=True)
    if top:
        return top, None
    found = _experience_title(lines)
    if found and _names_role(found):
        return found, None
    found = _prose_role(lines) or found
    if found:
        return found, None
    return fallback or (_role_line(lines) or _latest_title(lines), None)


# Words a job title never starts with: a phrase of prose ("In his spare time").
_LEAD_WORDS = frozenset({"in", "at", "on", "for", "as", "and", "the", "a", "an", "of", "to"})


def _role_line(lines: list[str]) -> str | None:
    """A short line of its own, early in the CV, that is a job title ending in an ESCO
    occupation's head word ("Python Developer" between the education and the skills of a
    CV without a header; not "Lead Generation", "Research and Teaching")."""
    from joblens.occupations import head_words, tokens

    for line in lines[:40]:
        role = line.split(",")[0].strip()
        words = role.split()
        if not 2 <= len(words) <= 5 or re.search(r"\d|:| - | – |\t", role):
            continue  # one word ("Member", a data key) is too little to call a title
        if words[0].lower() in _LEAD_WORDS or not role[0].isalpha():
            continue  # "In his spare time", "• Act as mediator"
        if _is_heading(role) or _is_section(role) or _is_contact(line):
            continue
        stems = tokens(role)
        if stems and stems[-1] in head_words() and _could_be_role(role):
            return role
    return None


def _names_role(text: str) -> bool:
    """Whether a short text names a role: an ESCO occupation head word ("developer") or one
    of the roles of data/cv_words.json ESCO lacks ("Student")."""
    if _has_occupation_word(text):
        return True
    roles = _words()["role_words"]
    return any(w in roles for w in re.findall(r"[\w-]+", text.lower()))


_YEAR_IN = re.compile(r"\b(?:19|20)\d\d\b")


def _before_with(role: str) -> str:
    """A role without what follows "with"/"con"/" at " ("Senior Software Engineer con
    mentalidad de producto", "Solutions Architect at Databricks specializing in ...")."""
    words = role.split()
    cut = [
        i for i, w in enumerate(words) if w.lower() in _words()["with_words"] or w in ("at", "@")
    ]
    head = " ".join(words[: cut[0]]) if cut and cut[0] >= 1 else role
    return head if _names_role(head) else role


def _could_be_role(text: str) -> bool:
    """False for what is never a role: no letters, an employer's name ("Renesas Electronics
    America Inc."), a list ("C#, Python, TypeScript")."""
    if not re.search(r"[^\W\d_]{2}", text) or text.count(",") >= 2 or _YEAR_IN.search(text):
        return False  # "DESDE 2023" is a date
    if text.rstrip().endswith(".") and len(text.split()) >= 4:
        return False  # "Verified applicant references and employment details." is a sentence
    stripped = text.strip()
    if stripped[:1] in (">", '"', "“", "·", "•"):
        return False  # a quote or a list's item
    first = stripped.split()[0].lower() if stripped.split() else ""
    if first in ("i", "i'm", "we", "my", "our") or (
        first.endswith("ed")
        and first not in _words()["title_ed_words"]
        and len(stripped.split()) >= 3
    ):
        return False  # "I Turn Moving Parts Into ...", "Planned and designed the roadmap"
    if _names_schooling(text) and not _has_occupation_word(text):
        return False  # "BE PA College of Engineering", "Diploma Computer science Pune"
    words = _plain_words(text)
    organization = _words()["organization_words"]
    return not _ends_in_organization(text) and not any(
        w in organization and not _has_occupation_word(text) for w in words
    )


def _names_schooling(text: str) -> bool:
    """Whether a line names a degree or a school (cv_words.json's education_words)."""
    words = _words()["education_words"]
    return any(w.strip("()[],;:'\"") in words for w in re.split(r"[\s/|]+", text.lower()))


def _plain_words(text: str) -> list[str]:
    return [w.strip(".,()").lower() for w in text.split()]


def _ends_in_organization(text: str) -> bool:
    """ "Renesas Electronics America Inc.", "ANZ Bank New Zealand Limited": an employer."""
    words = _plain_words(text)
    return bool(words) and words[-1] in _words()["organization_words"]


def _first_sentence(line: str) -> str:
    # "Jr." and "Sr." do not end one.
    return _SENTENCE_END.split(line, maxsplit=1)[0].rstrip(".")


def _prose_role(lines: list[str], *, first_person: bool = False) -> str | None:
    """A role a summary names: "I work as ...", "I'm a ...", and (unless `first_person`)
    "Senior Designer with ..."."""
    for line in lines[:25]:
        text = line.split(":", 1)[-1].strip()
        sentences = _SENTENCE_END.split(text)[:3]  # "I'm Alex. I'm a (product) designer."
        patterns: list[tuple[re.Pattern[str], list[str]]] = [
            (_WORK_AS, sentences),
            (_I_AM, sentences),
            (_SEEKING, sentences),
        ]
        if not first_person:
            patterns.append((_ROLE_BEFORE, sentences[:1]))
        for pattern, where in patterns:
            for sentence in where:
                m = pattern.search(sentence)
                role = " ".join(re.sub(r"[()\"“”]", " ", m.group(1)).split()) if m else ""
                # "I am a PhD Candidate": a role ESCO lacks counts after "I am"; before
                # "with ..." only an occupation does ("The best of them was ... who").
                named = (
                    _names_role(role) if pattern is not _ROLE_BEFORE else _has_occupation_word(role)
                )
                if role and named and len(role.split()) <= 8:
                    return role
    return None


_SENTENCE_END = re.compile(r"(?<![JS]r)(?<=[a-z)])[.!?]\s+|[!?]\s+")


def _experience_title(lines: list[str]) -> str | None:
    """The first dated position of the work-history section (CVs list the newest first; a
    date line that names only a place takes the title from the line above), else its first
    title line."""
    section = _experience_lines(lines)
    if not section:
        return None
    for i, line in enumerate(section):
        m = _RANGE.search(line) or _DATE_PREFIX.match(line)
        if not m:
            continue
        title = _title_around(line, m)
        if (not title or _is_place(title)) and i > 0:
            title = re.split(rf"{_POSITION_SEP}|,\s*", section[i - 1])[0].strip()
        if title and not (_could_be_role(title) and _names_role(title)):
            # "Renesas Electronics America Inc., Milpitas, CA (2020 – Present)" then the
            # title on the next line, or the title on the line before the employer's.
            near = [
                section[j] for j in (i + 1, i + 2, i + 3, i + 4, i - 1) if 0 <= j < len(section)
            ]
            for other in near:
                role = _role_part(_DATE_PREFIX.sub("", other))
                if role and _could_be_role(role) and _names_role(role) and _looks_like_title(role):
                    return role
        if title and _looks_like_title(title) and not _is_heading(title) and _could_be_role(title):
            return title
        break
    for line in section[:6]:
        line = _DATE_PREFIX.sub("", line)
        role = _title_part(line)
        if role and _looks_like_title(role) and not _is_heading(role) and _could_be_role(role):
            return role
    return None


def _experience_lines(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _is_experience_heading(line):
            out = []
            for following in lines[i + 1 :]:
                if (_is_heading(following) or _is_section(following)) and not (
                    _is_experience_heading(following)
                ):
                    break
                out.append(following)
            return out
    return []


_SMALL_WORDS = frozenset({"of", "and", "in", "for", "the", "&", "to", "at", "de", "-", "/"})


def _has_occupation_word(text: str) -> bool:
    from joblens.occupations import head_words, tokens

    heads = head_words()
    return any(w in heads for w in tokens(text))


def _all_label_words(text: str) -> bool:
    from joblens.occupations import label_words, tokens

    words = label_words()
    found = tokens(text)
    return bool(found) and all(w in words for w in found)


def _looks_like_title(text: str) -> bool:
    """A job title is short and names an occupation ("front-end developer") or is Title
    Cased ("Analista de Sistemas"), unlike prose."""
    words = [w for w in text.split() if w.lower() not in _SMALL_WORDS]
    if not words or len(words) > 8:
        return False
    if _has_occupation_word(text) and len(words) <= 6:
        return True
    capitalized = sum(w[:1].isupper() or w[:1].isdigit() for w in words)
    return len(words) >= 2 and capitalized / len(words) >= 0.6


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


# What parts a position line: "Data Analyst — Acme", "Analyst at Acme", "Analyst | Acme".
_POSITION_SEP = r"\s+(?:—|–|-|at|@|\|)\s+"
# "Associate Recruiter 06/2021 - 6/2022", "Project Lead, Engineer\tNov 2023 - ...".
_DATE_AFTER = re.compile(
    r"\s+(?:\d{1,2}[/.])?(?:19|20)\d\d\b.*$"
    r"|\t+(?:\d|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s|$)).*$"
)


def _role_part(line: str) -> str:
    """The part of a position line that names a role ("Stanhope Road Elementary School —
    Teacher" -> "Teacher"); the line's title part when none does."""
    for part in re.split(_POSITION_SEP, line):
        part = _title_part(part).strip(" *_#")
        if part and _could_be_role(part) and _names_role(part):
            return part
    return _title_part(line).strip(" *_#")


def _continues_title(text: str) -> bool:
    """Whether the part after "Manager," is the rest of the title (a field: "Systems Design
    Engineering"), not the employer ("ANZ Bank New Zealand Limited"), a place or a date."""
    return (
        0 < len(text.split()) <= 5
        and not _ends_in_organization(text)
        and not _YEAR_IN.search(text)
        and not _is_place(text)
    )


def _title_part(text: str) -> str:
    """The title at the start of a position line, cut at its employer or date ("Data
    Analyst, Acme"), a comma after a rank word continuing it ("Sr. Manager, Systems Design
    Engineering", "Director, Product")."""
    parts = re.split(rf"({_POSITION_SEP}|,\s*|\s+\(| {{2,}})", text)
    title = _DATE_AFTER.sub("", parts[0])  # "Associate Recruiter 06/2021 - 6/2022"
    ranks = _words()["rank_words"]
    if len(parts) > 2 and parts[1].startswith(",") and title.split():
        last = title.split()[-1].lower().strip(".")
        following = parts[2]
        if last in ranks and _continues_title(following):
            title = f"{title}, {following}"
    return _DATE_AFTER.sub("", title).strip()


def _title_around(line: str, m: re.Match[str]) -> str:
    """The title written before a date ("Data Analyst, Acme, 2019 - 2021"), or after it when
    nothing but a month comes before ("Jan 2020-heute, C# Entwickler")."""
    head = line[: m.start()].strip(" ,(-—–:*_")
    if _MONTH_ONLY.match(head):
        head = line[m.end() :].strip(" ,)-—–:*_")
    return _title_part(head).strip(" *_")


def _is_place(text: str) -> bool:
    place = location.parse(text)
    return place.city is not None and not _has_occupation_word(text)


def _latest_title(lines: list[str]) -> str | None:
    """Title of the newest position in an experience list ("Title, Company, 2021 - present")."""
    best: tuple[int, str] | None = None
    for line in lines:
        m = _RANGE.search(line)
        if not m:
            continue
        end = 9999 if not _end(m).isdigit() else int(_end(m))
        title = _title_around(line, m)
        if not title or _I_AM.search(title) or not _could_be_role(title):
            continue
        if len(title.split()) <= 8 and (best is None or end > best[0]):
            best = (end, title)
    return best[1] if best else None


_PIN = re.compile(r"📍\s*([^|·•📞📧✉☎📱\[]+)")


def _location_raw(lines: list[str]) -> str | None:
    for line in lines[:15]:
        m = _LABELLED_LOCATION.match(line) or _PIN.search(line)  # "📍 Göteborg, Sweden | ..."
        if m:
            return m.group(1).strip().rstrip(".")
        for part in line.split(" | ")[1:]:  # "Email: [email] | Location: Cameroon - Yaoundé"
            m = _LABELLED_LOCATION.match(part.strip())
            if m:
                return m.group(1).strip().rstrip(".")
    for line in lines[:15]:
        m = _BASED_IN.search(line)
        if m:
            return m.group(1).strip()
        if re.match(r"^Greater .+ Area$", line):
            return line
    return (
        _header_place(lines)
        or _prose_place(lines[:5])
        or _contact_place(lines)
        or _first_labelled_place(lines)
    )


def _prose_place(lines: list[str]) -> str | None:
    """The place after the role atop a CV: "I'm a software developer in Seattle, Washington."""
    for line in lines:
        m = _I_AM.search(line) or _WORK_AS.search(line)
        if not m:
            continue
        after = re.match(r"\s+in\s+([^.;\n]+)", line[m.end() :])
        if after and _names_place(after.group(1)):
            return after.group(1).strip()
    return None


def _header_place(lines: list[str]) -> str | None:
    """A line of the header that is a place ("Sarajevo, BIH"; "St. Marys, Kansas, United
    States - Open to remote work"): short, naming a city, no role."""
    for line in lines[:10]:
        if _is_contact(line) or line.startswith("["):
            continue  # "[profile]", "[phone]": contact marks, not the end of the header
        if _is_section(line):
            break
        head = re.split(r"\s+[-–—|·•]\s+", line)[0].strip()
        # "City, Region/Country" only: a lone word may be a small town's name ("March").
        if "," in head and len(head.split()) <= 6 and "[" not in head and _names_place(head):
            return head
    return None


def _names_place(text: str) -> bool:
    """A place with a country ("St. Marys, Kansas, United States", a town the gazetteer may
    lack), not a list of skills ("Python, Java")."""
    if skills.extract(text):
        return False
    return location.parse(text).country is not None


def _contact_place(lines: list[str]) -> str | None:
    """The place among a contact line's parts ("Fort Lauderdale, FL [address] | [phone]"),
    wherever the CV keeps that line."""
    for line in lines:
        if not any(mark in line for mark in ("[phone]", "[email]", "[address]")):
            continue
        for part in re.split(r"\s*[|·•]\s*|\[\w+\]", line):
            part = part.strip(" ,;")
            if "," in part and len(part.split()) <= 6 and _is_place(part):
                return part
    return None


def _first_labelled_place(lines: list[str]) -> str | None:
    """The first "Location:" line anywhere: CVs written as data label each job's place."""
    schooling = False
    for line in lines:
        if ":" not in line and len(line.split()) <= 4:  # a heading: where the lines are
            schooling = bool(_SCHOOLING.search(line))
        m = _LABELLED_LOCATION.match(line)
        if m and not schooling:  # a school's place is not one's own
            value = m.group(1).strip().rstrip(".")
            if value and location.parse(value).country is not None:  # not "Remote"
                return value
    return None


_SCHOOLING = re.compile(r"(?i)educa|formation|formaç|formaci|ausbildung|studium|academic|school")


def _latest_place(lines: list[str]) -> str | None:
    """Where the newest position of the work history is, when a CV names no place of its own
    ("Fortaleza, CE — 2015-Atual" under "Analista de Sistemas, SPS")."""
    for line in _experience_lines(lines)[:12]:
        m = _RANGE.search(line)
        if not m:
            continue
        before, after = line[: m.start()].strip(" ,(—–-"), line[m.end() :].strip(" ,)—–-_")
        for side in (before, after):  # "_January 2025 – Present · Mt. Wellington, Auckland_"
            for part in re.split(r"\s+[—–|·-]\s+|\s+@\s+|^[·|]\s*", side):
                part = part.strip(" ,()*_")
                if part and "," in part and _is_place(part):
                    return part
            for part in re.split(r"\s+[—–|·-]\s+|\s+@\s+", side):
                part = part.strip(" ,()*_")
                if part and _is_place(part):
                    return part
        return None  # only the newest dated line counts
    return None


def _work_modes(text: str, lines: list[str]) -> list[str]:
    """The modes the CV accepts; [] when it does not say (unknown, filters nothing)."""
    if _REMOTE_ONLY.search(text):
        return ["remote"]
    if _ONSITE_ONLY.search(text):
        return ["onsite"]
    if _HYBRID_REMOTE.search(text):
        return ["hybrid", "remote"]
    header = "\n".join(lines[:8])
    if _OPEN_REMOTE.search(text) or _REMOTE_WORD.search(header):
        return ["onsite", "hybrid", "remote"]
    now = _current_job_mode(lines)
    if now == "remote":
        return ["onsite", "hybrid", "remote"]  # works remotely now: open to remote work
    if now == "hybrid":
        return ["onsite", "hybrid"]
    if _ONSITE_HYBRID.search(text):
        return ["onsite", "hybrid"]
    return []


def _current_job_mode(lines: list[str]) -> str | None:
    """The work mode the newest position's own lines name ("Location: Remote", "Hybrid")."""
    section = _experience_lines(lines)
    for i, line in enumerate(section[:12]):
        if _RANGE.search(line) or _DATE_PREFIX.match(line):
            for near in section[max(0, i - 1) : i + 3]:
                m = _JOB_MODE.search(near)
                if m:
                    return m.group(1).lower()
            return None
    return None


_JOB_MODE = re.compile(r"(?i)^(?:location:\s*)?\(?(remote|hybrid)\)?\s*$")


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
    section = "\n".join(_experience_lines(_lines(text)))
    spans = [
        (int(m.group(1)), int(_end(m)) if _end(m).isdigit() else date.today().year)
        for m in _RANGE.finditer(section or text)
    ]
    spans = [(a, b) for a, b in spans if a <= b]  # "2020 - 2019" is no span
    if not spans:
        return None
    covered, reach = 0, 0  # years covered by the union of the spans (overlaps once)
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            covered += end - start
            reach = end
    return float(covered)


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
