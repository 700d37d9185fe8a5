"""Personal data out of CV text: emails, phone numbers, street addresses and profile URLs.

`redact(text)` replaces each with a placeholder ("[email]", "[phone]", "[address]", "[url]")
so what reaches silver, gold, the embedding model and an LLM prompt says that a CV gave a
contact, never the contact itself. The raw CV stays in bronze only (and `joblens forget`
erases it). Rules, each written to miss nothing a CV header holds and to leave job facts
alone:

- email: anything@domain.tld;
- url: http(s)://..., www...., and bare profile links (linkedin.com/in/..., github.com/...);
- phone: 9 to 15 digits in one run of digits, spaces, dots, dashes and brackets, or 8+
  after a "+" or "00" country prefix; a date range ("2019 - 2022") is 8 digits and stays;
- address: a house number with a street-type word ("221B Baker Street", "Hauptstraße 5",
  "Rua Augusta, 100"), the words in data/street_words.json.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

__all__ = ["redact"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>()\[\]]+"
    r"|\b(?:[a-z0-9-]+\.)*(?:linkedin\.com|github\.com|gitlab\.com|twitter\.com|x\.com|"
    r"xing\.com|behance\.net|dribbble\.com|medium\.com|stackoverflow\.com)/[^\s<>()\[\],]+",
    re.I,
)
_PHONE = re.compile(r"(?<![\w+])(\+|00)?\(?\d[\d\s().\-/]{5,}\d(?![\w])")


@cache
def _address() -> re.Pattern[str]:
    words = json.loads((Path(__file__).parent / "data" / "street_words.json").read_text("utf-8"))
    after = "|".join(re.escape(w) for w in sorted(words["after"], key=len, reverse=True))
    suffix = "|".join(re.escape(w) for w in sorted(words["suffix"], key=len, reverse=True))
    before = "|".join(re.escape(w) for w in sorted(words["before"], key=len, reverse=True))
    # Street names are capitalised ("Baker Street"; "along the way" is no address); only
    # the street-type words are matched in any case ("Street", "street", "STR.").
    name = r"[A-ZÀ-Þ][\wÀ-ÿ'’.-]*"
    return re.compile(
        rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:{name}\s+){{1,4}}(?i:{after})\b\.?"  # 221B Baker Street
        rf"|\b(?:{name}\s+){{1,3}}(?i:{after})\.?\s+\d{{1,5}}[A-Za-z]?\b"  # Main St. 12
        rf"|\b[A-ZÀ-Þ][\wÀ-ÿ-]*(?i:{suffix})\.?\s+\d{{1,5}}[A-Za-z]?\b"  # Hauptstraße 5
        rf"|\b(?i:{before})\.?\s+(?:{name}\s*){{1,4}},?\s*\d{{1,5}}[A-Za-z]?\b"  # Rua Augusta, 100
    )


# Numbers that look like phones but are job facts: a date range "01/2019 - 12/2022", an
# amount in thousands groups "120 000 - 150 000" or "1.200.000", an ISBN.
_GROUPS = r"\d{1,3}(?:[ .]\d{3})+"
_NOT_PHONE = re.compile(rf"\d{{1,2}}/\d{{4}}|^97[89]-|^{_GROUPS}(?:\s*[-–]\s*{_GROUPS})?$")
_MONEY_NEAR = re.compile(
    r"[$€£¥₹]|\b(?:usd|eur|gbp|cad|aud|inr|clp|brl|chf|sek|pln|salary|pay|k)\b", re.I
)


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    prefixed = match.group(1) is not None
    if not ((prefixed and 8 <= digits <= 15) or 9 <= digits <= 15):
        return found
    if not prefixed and _NOT_PHONE.search(found.strip()):
        return found
    around = match.string[max(0, match.start() - 12) : match.end() + 6]
    if not prefixed and _MONEY_NEAR.search(around):
        return found
    return "[phone]"


def redact(text: str) -> str:
    """`text` with its emails, URLs, phone numbers and street addresses replaced."""
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[url]", text)
    text = _address().sub("[address]", text)
    return _PHONE.sub(_phone, text)
