"""Seniority level of a posting from its title, or else from years of experience asked.

Levels are joblens.schemas.SENIORITY_LEVELS ("intern" .. "principal"). The title wins:
"Staff" and "Lead" are lead; "Principal", "Director", "Head of", "VP" are principal; a
Roman numeral after the role ("Engineer II") is a level too. "Manager" is lead only when
nothing else says more ("Senior Account Manager" is senior, an "Account Manager" asking
3 years is mid). A plain title gets a level only when the text asks for years of
experience ("5+ years of experience"); otherwise the level is unknown (None).
"""

from __future__ import annotations

import re

from joblens.schemas import SENIORITY_LEVELS

__all__ = ["from_years", "level", "parse", "years_required"]

_TITLE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "intern",
        re.compile(
            r"\b(?:interns?|internship|co-?op|working student|werkstudent(?:in)?|trainee|"
            r"apprentice(?:ship)?|praktikant(?:in)?|praktikum|summer student)\b",
            re.I,
        ),
    ),
    (
        "principal",
        re.compile(
            r"\b(?:principal|director|head of|vp|svp|evp|vice[- ]president|distinguished|"
            r"chief|cto|cfo|ceo|coo|cio|ciso)\b",
            re.I,
        ),
    ),
    ("lead", re.compile(r"\b(?:lead|staff|supervisor|team ?lead)\b", re.I)),
    ("senior", re.compile(r"\b(?:senior|sr\.?|snr)(?=\W|$)", re.I)),
    (
        "junior",
        re.compile(
            r"\b(?:junior|jr\.?|graduate|grad|entry[- ]level|associate|new ?grad|"
            r"early[- ]career|trainee)(?=\W|$)",
            re.I,
        ),
    ),
)
# Roman numerals are case-sensitive: "I" after a role word, not the pronoun.
_ROMAN = re.compile(r"(?<=[A-Za-z)])\s+(I{1,3}|IV|V)\b(?!['’])")
_ROMAN_LEVEL = {"I": "junior", "II": "mid", "III": "senior", "IV": "senior", "V": "lead"}

_YEARS = re.compile(
    r"(?P<low>\d{1,2})(?:\.\d)?\s*(?:\+|plus)?\s*(?:(?:-|–|to)\s*(?P<high>\d{1,2})\s*\+?\s*)?"
    r"(?:years?|yrs?)['’]?\s*(?:of\s+)?(?:[\w/&,-]+\s+){0,5}?(?:experience|exp\b)",
    re.I,
)
# "Experience: 10+ years" / "Total Years of Experience: 5-7 yrs" (LinkedIn, Naukri style).
_YEARS_AFTER_LABEL = re.compile(
    r"experience\s*(?:required|needed)?\s*[:\-–]\s*(?P<low>\d{1,2})(?:\.\d)?\s*\+?\s*"
    r"(?:(?:-|–|to)\s*(?P<high>\d{1,2})\s*\+?\s*)?(?:years?|yrs?)\b",
    re.I,
)
# "Manager" is a weak sign: "Senior/Junior/II ... Manager" and years asked come first.
_MANAGER = re.compile(r"\b(?:manager|head)\b", re.I)
_MAX_YEARS = 25  # beyond this the number is company history, not a requirement


def level(name: str) -> int:
    """Return the ordinal of a seniority level (0 = intern); ValueError for an unknown name."""
    try:
        return SENIORITY_LEVELS.index(name)
    except ValueError:
        raise ValueError(f"seniority must be one of {SENIORITY_LEVELS}, got {name!r}") from None


def from_years(years: float) -> str:
    """Return the level that `years` of experience usually means (<2 junior .. 12+ principal)."""
    if years < 2:
        return "junior"
    if years < 5:
        return "mid"
    if years < 8:
        return "senior"
    if years < 12:
        return "lead"
    return "principal"


def years_required(text: str) -> float | None:
    """Return the largest minimum of years of experience the text asks for, or None."""
    if not text:
        return None
    best: float | None = None
    mentions = _year_mentions(text)
    if "xperience" in text or "XPERIENCE" in text:
        mentions += list(_YEARS_AFTER_LABEL.finditer(text))
    for m in mentions:
        low = float(m.group("low"))
        if 0 < low <= _MAX_YEARS and (best is None or low > best):
            best = low
    return best


def _year_mentions(text: str) -> list[re.Match[str]]:
    """Return the years-of-experience matches, scanning only around the word "year"/"yr":
    the full pattern starts with a digit and descriptions are full of digits."""
    found: list[re.Match[str]] = []
    lower = text.lower()
    hits = sorted(_positions(lower, "year") + _positions(lower, "yr"))
    next_free = 0
    for at in hits:
        if at < next_free:
            continue
        lo = max(next_free, at - 24)
        m = _YEARS.search(text, lo, min(len(text), at + 96))
        if m and m.end() > next_free:
            found.append(m)
            next_free = m.end()
    return found


def _positions(text: str, word: str) -> list[int]:
    out, at = [], text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + len(word))
    return out


def parse(title: str, text: str = "") -> str | None:
    """Return the seniority level named by `title`, else implied by the years of experience
    `text` asks for, else None."""
    found = _from_title(title or "")
    if found is not None:
        return found
    years = years_required(text)
    if years is not None:
        return from_years(years)
    return "lead" if _MANAGER.search(title or "") else None


def _from_title(title: str) -> str | None:
    for name, pattern in _TITLE_RULES:
        if pattern.search(title):
            return name
    roman = _ROMAN.search(title)
    if roman:
        return _ROMAN_LEVEL[roman.group(1)]
    return None
