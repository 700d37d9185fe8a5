"""Pay ranges from structured fields or free text, with annualized amounts.

`parse` reads a short pay string ("$151K – $231K", "€60,000-75,000 per year", "$55/hr");
`search` finds a pay range inside a whole description, accepting only amounts with a pay
word ("salary", "compensation", "base", "OTE", "stipend", ...) shortly before them;
`from_range` takes the structured fields of an API. All three return None when there is
no believable pay; with `strict=True` they raise ParseError saying why instead (an
annualized amount below 500 or above 5,000,000 USD-equivalent is not believable).
Amounts with no interval written are hourly below 300, monthly up to 20,000, else yearly.
Pay per session, lesson, credit hour or project is an interval of its own: its annual
amounts are unknown (None), never guessed. "Unpaid" is zero.

Real postings write pay in many ways; before scanning, text is normalized: Markdown escapes
(`\\$70,000 \\- \\$90,000`), "--" and "and up to" between two amounts, space-grouped
thousands (`35 000 Kč`), European decimals (`€ 3.250,-`, `2750,00`), Indian lakh and LPA.
The interval words of several languages live in data/pay_intervals.json.

`to_usd` uses a small dated table of approximate rates (data/usd_rates.json): good enough
to compare ranges across currencies and to reject absurd values, never for money that is paid.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from joblens.errors import ParseError
from joblens.normalize.text import repair_mojibake

__all__ = [
    "INTERVALS",
    "PER_UNIT",
    "USD_RATES",
    "USD_RATES_AS_OF",
    "Salary",
    "annualize",
    "from_range",
    "normalize_interval",
    "parse",
    "search",
    "to_usd",
]

INTERVALS: tuple[str, ...] = (
    "hour",
    "day",
    "week",
    "month",
    "year",
    "session",
    "lesson",
    "credit_hour",
    "project",
)
_PER_YEAR = {"hour": 2080.0, "day": 260.0, "week": 52.0, "month": 12.0, "year": 1.0}
PER_UNIT: frozenset[str] = frozenset(INTERVALS) - frozenset(_PER_YEAR)
"""Intervals that are pay per piece of work, not per time: never annualized."""


@lru_cache(maxsize=8)
def _data(name: str) -> dict[str, Any]:
    """One of this package's data files (data/<name>), read once."""
    path = Path(__file__).with_name("data") / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _interval_words() -> dict[str, Any]:
    return _data("pay_intervals.json")


def _rate_table() -> dict[str, Any]:
    return _data("usd_rates.json")


USD_RATES: dict[str, float] = {k: float(v) for k, v in _rate_table()["rates"].items()}
"""Approximate USD per unit of each currency (data/usd_rates.json); comparison only."""
USD_RATES_AS_OF: str = str(_rate_table()["as_of"])
"""The date of the rate table: stored beside every USD amount."""

# A learnership stipend of R1,484 a month is about 1,000 USD a year: real pay, kept.
_MIN_ANNUAL_USD = 500.0
# With both a currency and an interval written, an intern's stipend of ₹1,001 a month
# (about 140 USD a year) is pay too: no stray number comes with both.
_MIN_ANNUAL_USD_STATED = 100.0
_MAX_ANNUAL_USD = 5_000_000.0
_MAX_ANNUAL_UNKNOWN = 20_000_000_000.0
# An amount written without an interval is hourly below 300, monthly up to 20,000 ("€4.500
# brutto": European postings often quote a month's gross pay), else yearly.
_HOURLY_BELOW = 300.0
_MONTHLY_UP_TO = 20_000.0


@dataclass(frozen=True)
class Salary:
    """A pay range in its own currency and interval, plus its annualized bounds.

    Either bound may be open ("up to £40,000" has no minimum). `interval` is the one the
    text or field states, None when it states none; the annual amounts then assume
    `assumed_interval` (from the amount's size), so ranges still compare.
    """

    min: float | None
    max: float | None
    currency: str | None
    interval: str | None
    annual_min: float | None  # None for pay per session, lesson, credit hour or project
    annual_max: float | None
    raw: str | None = None
    assumed_interval: str | None = None


def annualize(amount: float, interval: str) -> float:
    """Return `amount` per `interval` as a yearly amount (2080 h, 260 days, 52 weeks);
    ValueError for a per-unit interval (a session, a lesson: no yearly amount exists)."""
    try:
        return float(amount) * _PER_YEAR[interval]
    except KeyError:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}") from None


def to_usd(amount: float, currency: str | None) -> float | None:
    """Return `amount` in approximate US dollars, or None for an unknown currency."""
    if currency is None:
        return None
    rate = USD_RATES.get(currency.upper())
    return None if rate is None else float(amount) * rate


def normalize_interval(value: Any) -> str | None:
    """Return one of INTERVALS for an interval spelling ("1 YEAR", "hourly", "per-hour-wage",
    "yr", "p.a.", "månad", "per session"), or None when it names none."""
    if value is None:
        return None
    word = str(value).strip().lower()
    if not word:
        return None
    exact = _INTERVAL_SHORT.get(word.replace(" ", "")) or _word_interval().get(word)
    if exact:
        return exact
    for key, interval in _INTERVAL_WORDS:
        if key in word:
            return interval
    return None


@lru_cache(maxsize=1)
def _word_interval() -> dict[str, str]:
    data = _interval_words()
    out = {w: iv for iv, words in data["adverbs"].items() for w in words}
    out.update({w: iv for iv, words in data["intervals"].items() for w in words})
    return out


_INTERVAL_SHORT = {
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "pa": "year",
    "p.a.": "year",
    "p.a": "year",
    "yr": "year",
    "mo": "month",
    "wk": "week",
    "d": "day",
}
_INTERVAL_WORDS: tuple[tuple[str, str], ...] = (
    ("credit", "credit_hour"),
    ("session", "session"),
    ("lesson", "lesson"),
    ("project", "project"),
    ("hour", "hour"),
    ("annum", "year"),
    ("annual", "year"),
    ("year", "year"),
    ("month", "month"),
    ("week", "week"),
    ("daily", "day"),
    ("day", "day"),
)


def from_range(
    min_value: Any,
    max_value: Any,
    currency: Any,
    interval: Any,
    *,
    raw: str | None = None,
    strict: bool = False,
) -> Salary | None:
    """Return the Salary of structured fields (numbers or numeric strings; either bound may
    be missing), or None when there is no believable amount (ParseError if `strict`)."""
    low, high = _number(min_value), _number(max_value)
    if low is None and high is None:
        _reject("no amount in the salary fields", raw, strict)
        return None
    cur = _currency_code(currency)
    return _build(low, high, cur, normalize_interval(interval), raw, strict)


def parse(
    text: str | None, *, default_currency: str | None = None, strict: bool = False
) -> Salary | None:
    """Return the first pay range in a short pay string, or None when it holds none
    (ParseError saying why if `strict`). Amounts need a currency mark, a pay word or
    an interval nearby: "401k", years and head counts are not pay."""
    if not text or not text.strip():
        _reject("empty salary text", text, strict)
        return None
    if _UNPAID.search(text):
        return Salary(0.0, 0.0, None, None, 0.0, 0.0, text.strip())
    if default_currency is None:
        default_currency = _currency_hint(text)
    found = _candidates(text, default_currency, need_pay_word=False)
    for low, high, currency, interval, _ in found:
        # The first believable amount: "EL 1 - $110,092 - $118,412" starts with a grade.
        result = _build(low, high, currency, interval, text.strip(), False)
        if result is not None:
            return result
    if found and strict:
        low, high, currency, interval, _ = found[0]
        return _build(low, high, currency, interval, text.strip(), strict)
    _reject("no pay amount in the text", text, strict)
    return None


def search(text: str | None, *, default_currency: str | None = None) -> Salary | None:
    """Return the first believable pay range in a long text (a description), or None.

    Only amounts preceded by a pay word within a few words count, so "$4.6M in exploits"
    or "4,700 customers" are never read as pay."""
    if not text:
        return None
    for low, high, currency, interval, snippet in _candidates(
        text, default_currency, need_pay_word=True
    ):
        result = _build(low, high, currency, interval, snippet, False)
        if result is not None:
            return result
    return None


# --- free-text scanning ---------------------------------------------------------------

_CURRENCY_CODES = "|".join(sorted(USD_RATES, key=len, reverse=True))
# Local marks before the amount: Rp (rupiah), RM (ringgit), Rs. (rupee), KSh, S/ (sol).
_PREFIX = (
    rf"(?:US\$|(?:{_CURRENCY_CODES})\s?\$|CA\$|C\$|AU\$|A\$|NZ\$|S\$|SG\$|HK\$|R\$|\$|€|£|¥|₹|₱|฿|₩|₺|₪|"
    r"₦|₫|₴|₽|Rp\.?|RM|Rs\.?|KSh|Ksh|S/\.?|NT\$|"
    # The rand before grouped thousands, or a 4-7 digit amount a range or interval follows.
    r"(?-i:R)(?=\s?\d{1,3}[ ,.\u00a0]\d{3}|\d{4,7}(?:\.\d{2})?\s*(?:[-–/]|to\b|per\b|$))|"
    rf"(?:{_CURRENCY_CODES}))\s?"
)
_NUM = r"\d{1,3}(?:[,.\u00a0\u202f]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d+)?"
# "45.000 € - 55.000 €": continental Europe writes the symbol after the number.
_SUFFIX = (
    rf"(?:(?:{_CURRENCY_CODES}|euros?|dollars?|pounds?|kr|Kč|Kc|zł|zl|Ft|lei|VNĐ|зл)(?![\w])\.?"
    r"|€|£|US\$|CA\$|AU\$|R\$|\$|₹|₫|₦|₴|₽|元|円|원|đ(?![^\W\d_])|(?-i:DH|Dhs?)(?![^\W\d_])"
    r"|руб\.?|(?-i:р\.))"
)


def _amount(i: int) -> str:
    return (
        rf"(?P<p{i}>{_PREFIX})?(?P<n{i}>{_NUM})"
        rf"(?:\s?(?P<m{i}>[kK](?![^\W\d_])|[mM](?![^\W\d_])|[mM]illion(?:s|es)?|[mM]io\.?(?!\w)|"
        r"mln(?!\w)|mil(?!\w)|tis\.|tisíc|tys\.|[Tt]sd\.?(?!\w)|万|萬|千|triệu|tr(?![^\W\d_])))?"
        # "$150k+": open at the top; "$305+ a day" too, but "$150k + bonus" is not.
        rf"(?![\d%])(?:\s?(?P<s{i}>{_SUFFIX}))?(?P<plus{i}>\+(?!\s)|\+(?=\s+(?:a|an|per)\s))?"
    )


def _alternation(words: list[str]) -> str:
    # Longest first, so "credit hour" wins over "credit" and "hour" over "h".
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s?") for w in sorted(words, key=len, reverse=True)
    )


def _interval_after() -> str:
    data = _interval_words()
    per = _alternation([w for w in data["per"] if w != "/"])
    words = _alternation([w for ws in data["intervals"].values() for w in ws])
    adverbs = _alternation([w for ws in data["adverbs"].values() for w in ws])
    # "14,5 euro brutto/h", "4000 netto/ mc.": a gross/net word may precede the interval.
    gross = _alternation(data.get("gross_net", []))
    bare = _alternation(data["bare"])
    # "$19.00/hrNights": scraped cards glue the next label on; a capital word starts it.
    # "a year8 hour shift": a digit glued after the word ends it too.
    end = r"(?:(?![^\W\d_])|(?-i:(?=[A-Z][a-z])))"
    return (
        rf"(?:(?:\s*[/(]?\s*(?:{gross})\.?(?![\w]))?"
        rf"(?:\s*(?:/|(?:{per})\.?(?=\s))\s*(?:the\s+)?(?P<iv>{words}){end}"
        rf"|\s*[,/(]?\s*(?P<iv2>{adverbs}){end}"
        # "£5,000 year": an interval noun straight after the amount (a currency is needed).
        rf"|\s?(?P<iv3>{bare})(?![\w-])))?"
    )


def _interval_later() -> re.Pattern[str]:
    """An interval a few words after the amount in a short pay string ("30k-120k fixed pay
    per month"); never across a sentence or another number."""
    data = _interval_words()
    per = _alternation([w for w in data["per"] if w != "/"])
    words = _alternation([w for ws in data["intervals"].values() for w in ws])
    adverbs = _alternation([w for ws in data["adverbs"].values() for w in ws if len(w) >= 6])
    # "25K-35K (US) Annually": an adverb a few words later counts too.
    return re.compile(
        rf"^[^\d.;:\n]{{0,30}}?(?:(?:/|\b(?:{per})\s)\s*(?P<iv>{words})|\b(?P<adv>{adverbs}))(?![\w])",
        re.I,
    )


_INTERVAL_AFTER = _interval_after()
_INTERVAL_LATER = _interval_later()
_RANGE = re.compile(
    # The lookahead makes the many positions that cannot start an amount fail fast.
    # Not inside a Latin word or a number; CJK text writes amounts against its words (月薪60,000元).
    r"(?=[$€£¥₹₱฿₩₺₪₦₫₴₽\d]|[A-Za-z]{1,3}\s?\$|[A-Za-z]{1,3}\.?\s?\d|S/)(?<![0-9A-Za-zÀ-ɏ.,])"
    + _amount(1)
    # "to", "and", and the words for it in the boards' languages ("de 2.001 a 3.000",
    # "entre R$ 1.518,00 e R$ 2.882,13", "zwischen 50.000 und 60.000").
    + r"(?:,?\s*(?P<join>-|–|—|‒|~|～|〜|至|到|"
    + r"to|and|bis|a|à|au|až|do|até|e|y|und|et|och|tot|до)\s*"
    + _amount(2)
    + r")?"
    + _INTERVAL_AFTER,
    re.I,
)
# Cheap on purpose (it scans whole descriptions): any 3-capital word, filtered after.
_SYMBOL = re.compile(r"[$€£¥₹₱฿₩₺₪₦₫₴₽元円원]")
_EURO = re.compile(r"\b[Ee]uros?\b")
_PAY_WORDS = re.compile(
    r"\b(?:salary|salaries|compensation|pay|paid|base|range|ote|wage|wages|rate|rates|stipend|"
    r"earn|earnings|remuneration|gehalt|package|income|bonus|hourly|annual|annually|yearly|"
    r"salário|salario|salarios|salários|sueldo|remuneração|remuneración|bolsa|salaire|"
    r"rémunération|lön|lønn|løn|palkka|wynagrodzenie|mzda|plat|оклад|зарплата|"
    r"\w*gehalt|\w*lohn)\b",
    re.I,
)


def _interval_before() -> re.Pattern[str]:
    """An interval word shortly before the amount ("monthly pay of", "wynagrodzenie
    miesięczne od"): the adverbs of data/pay_intervals.json that are plain words."""
    data = _interval_words()
    words = [
        w
        for ws in data["adverbs"].values()
        for w in ws
        if w.replace(" ", "").isalpha() and len(w) >= 5
    ]
    return re.compile(rf"\b({_alternation(words)})\b[^.\n]{{0,60}}$", re.I)


_INTERVAL_BEFORE = _interval_before()
_DURATION_AFTER = re.compile(
    rf"\s*(?:{_alternation(_interval_words()['durations'])})(?![^\W\d_])", re.I
)


def _bound_before(before: str) -> bool:
    """Whether a spelled-out bound ("up to", "starting at", "mindestens") ends `before`;
    short ones ("do", "ab", "da", "until") are too often words of other meanings."""
    return bool(_long_bound().search(before[-30:]))


@lru_cache(maxsize=1)
def _long_bound() -> re.Pattern[str]:
    data = _data("pay_bounds.json")
    words = [w for key in ("up_to", "from") for w in data[key] if len(w) >= 4 and w != "until"]
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?:^|[^\w])(?:{alternation})\s*:?\s*$", re.I)


_YEAR = re.compile(r"(?:19|20)\d\d")  # "2025" alone, or "from 2025", is a year


def _written_amount(number: str) -> bool:
    """Whether a number reads as money on its own: grouped, with cents, or 100 and more."""
    return bool(re.search(r"[.,\u00a0\u202f ]\d", number)) or (_number(number) or 0) >= 100


_GROSS_NET_AFTER = re.compile(
    rf"\s*(?:{_alternation(_interval_words()['gross_net'])})(?![^\W\d_])", re.I
)


@lru_cache(maxsize=1)
def _compound_words() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """One word that joins an interval and pay ("Bruttojahresgehalt", "Stundenlohn",
    "maandsalaris", "månadslön"): data/pay_intervals.json's compounds."""
    data = _interval_words()["compounds"]
    by_stem = {stem: iv for iv, stems in data["interval_stems"].items() for stem in stems}
    stems = _alternation(list(by_stem))
    pay = _alternation(data["pay_stems"])
    pattern = rf"(?<![^\W\d_])[^\W\d_]*?({stems})[^\W\d_]{{0,8}}?(?:{pay})[^\W\d_]*[^.\n]{{0,60}}$"
    return re.compile(pay, re.I), re.compile(pattern, re.I), by_stem


def _interval_said_before(before: str) -> str | None:
    """The interval a word shortly before an amount names: "monthly pay of", or one word
    that joins interval and pay ("Bruttomonatsgehalt ab EUR 3.000")."""
    found = _INTERVAL_BEFORE.search(before)
    if found:
        return normalize_interval(found.group(1))
    near = before[-24:]
    for interval, words in _interval_words()["before"].items():
        if any(w in near for w in words):  # "月薪60,000元", "時給1,200円"
            return str(interval)
    pay, pattern, by_stem = _compound_words()
    if not pay.search(before):  # the cheap test first: most text has no such word
        return None
    compound = pattern.search(before)
    return by_stem.get(compound.group(1).lower()) if compound else None


# Money that is not the job's pay: bonuses, budgets, perks, company figures.
_NOT_PAY_BEFORE = re.compile(
    r"\b(?:bonus(?:es)?|budget|allowance|reimburse\w*|additional|plus up to|funding|credits?|"
    r"referral|sign[- ]on|signing|relocation|premium|raised|valuation|revenue|per diem|"
    r"spend|worth|exploits?)\W+(?:\w+\W+){0,3}$",
    re.I,
)
_NOT_PAY_AFTER = re.compile(
    # "150,000 + bonus", "€100,000 plus bonuses": pay with extras on top is still the pay.
    r"^(?!\W*(?:\+|plus\b|&|and\b))\W{0,3}(?:(?:in|of)\s+)?(?:\w+[\s-]+)?(?:bonus(?:es)?|budget|allowance|funding|revenue|"
    r"raised|valuation|customers|users|employees|in (?:annual )?sales|arr)\b",
    re.I,
)
_NOT_PAY = re.compile(r"\b401\s?\(?k\)?|\b403\s?\(?b\)?", re.I)
_UNPAID = re.compile(r"^\W*(?:unpaid|no pay|volunteer(?:ing)?|pro bono)\b", re.I)
_CONTEXT_CHARS = 80

_Found = tuple[float | None, float | None, str | None, str | None, str]  # low, high, cur, iv, text


def _candidates(text: str, default_currency: str | None, *, need_pay_word: bool) -> list[_Found]:
    """Return (low, high, currency, interval, matched text) per plausible pay match; for a
    short pay string (not `need_pay_word`), money labelled as pay first, and money that
    is a bonus or a budget not at all."""
    scrubbed = _prepare(text)
    if "401" in scrubbed or "403" in scrubbed:
        scrubbed = _NOT_PAY.sub(lambda m: " " * len(m.group()), scrubbed)
    out: list[_Found] = []
    labelled: list[_Found] = []
    matches = _near_money(scrubbed) if need_pay_word else _scan(scrubbed)
    for m in matches:
        found = _read_match(m, scrubbed, default_currency, need_pay_word=need_pay_word)
        if found is None:
            continue
        if need_pay_word:
            out.append(found)
            continue
        before = scrubbed[max(0, m.start() - _CONTEXT_CHARS) : m.start()]
        after = scrubbed[m.end() : m.end() + 40]
        if _NOT_PAY_AFTER.search(after) or _not_pay_before(before):
            continue  # "$2,000 referral bonus": money, not the pay
        (labelled if _PAY_WORDS.search(before) else out).append(found)
    # "Coef : 477 soit un brut mensuel de 2 184.66€": money with its currency written
    # before a bare number (a stable sort keeps the text order otherwise).
    return [*_marked_first(labelled), *_marked_first(out)]


def _marked_first(found: list[_Found]) -> list[_Found]:
    return sorted(found, key=lambda f: f[2] is None)


def _scan(text: str) -> Iterator[re.Match[str]]:
    """Yield the amount matches of a short pay string, left to right. A bare small number
    joined by a dash to a currency amount is a grade or step, not the range's minimum
    ("EL 1 - $110,092 - $118,412"): the range is read again from the currency amount."""
    pos = 0
    while pos < len(text):
        m = _RANGE.search(text, pos)
        if m is None:
            return
        if _label_not_minimum(m):
            again = _RANGE.search(text, m.start("p2"))
            if again is not None:
                m = again
        yield m
        pos = m.end()


def _label_not_minimum(m: re.Match[str]) -> bool:
    if not m.group("p2") or any(m.group(g) for g in ("p1", "s1", "m1", "m2")):
        return False
    low, high = _number(m.group("n1")), _number(m.group("n2"))
    return low is not None and high is not None and low * 100 < high


def _not_pay_before(before: str) -> bool:
    """Whether the words before an amount say it is not the pay ("referral bonus of"),
    unless a pay word stands nearer to it ("bonus; salary $100,000")."""
    not_pay = _NOT_PAY_BEFORE.search(before)
    if not_pay is None:
        return False
    pay_words = [m for m in _PAY_WORDS.finditer(before) if m.group().lower() != "bonus"]
    return not (pay_words and pay_words[-1].start() > not_pay.start())


def _prepare(text: str) -> str:
    """Return pay text in the one form the amount pattern reads (see the module doc)."""
    text = repair_mojibake(text)
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    if "**" in text:
        text = text.replace("**", "")  # Markdown bold around labels and amounts
    text = text.replace("--", "-")
    if _CJK.search(text):
        text = _CJK_W.sub("万", text)  # "15-45W": W is 万 (wan, ten thousand)
    if "-" in text:
        # "18,000/- upto 25,000/-" (no paise) and "EUR 65,000.-" (no cents) end an amount.
        text = _NO_CENTS_MARK.sub(lambda m: " - " if m.group(1) else "", text)
    if "," in text:
        text = _INDIAN_GROUPS.sub(lambda m: m.group().replace(",", ""), text)
    if re.search(r"(?i)lakh|lacs?\b|lacks?\b|lpa\b|l\.p\.a", text):
        text = _LAKH.sub(_lakh_amounts, text)  # before the interval of both ends is folded
    text = _INTERVAL_INSIDE.sub(_drop_repeated_interval, text)
    text = _UP_TO.sub(" - ", text)
    text = _SPACED_THOUSANDS.sub(lambda m: re.sub(r"[ \u00a0\u202f]", "", m.group()), text)
    text = _EURO_DECIMALS.sub(_euro_decimal, text)
    text = _COMMA_CENTS.sub(r"\1", text)
    if "," in text:
        text = _COMMA_DECIMAL.sub(r"\1.\2", text)
    return text


# "$110,092 p.a. – $118,412 p.a.": an interval written on both ends splits the range.
_INTERVAL_INSIDE = re.compile(
    r"(?<=\d)\s*(p\.a\.|per annum|per year|a year|/yr|/year|/hr|/hour|per hour|/month|per month)\s*"
    r"(?=(?:[-–—]|to\b)\s*\S{0,3}\d)",
    re.I,
)


def _drop_repeated_interval(m: re.Match[str]) -> str:
    """Drop the first of two identical interval words around a range's dash."""
    rest = m.string[m.end() :]
    return " " if m.group(1).lower() in rest.lower() else m.group(0)


# "18,000/-25,000/-": the mark then the range's dash, glued.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_CJK_W = re.compile(r"(?<=\d)[Ww](?![A-Za-z])")
_NO_CENTS_MARK = re.compile(r"(?<=\d)(?:\s?/-|\.-(?!\d))(?=(\d)?)")
_MD_ESCAPE = re.compile(r"\\([$\-–*_.,()\[\]~+#])")
# "$80,000 and up to $120,000": a range whose maximum follows "up to".
_UP_TO = re.compile(r"(?<=[\dkK])\s+(?:and\s+)?up\s*to\s+(?=[$€£¥₹\d]|[A-Z]{3}\b)", re.I)
# "35 000 Kč", "1 801.80 €": a decimal part after space-grouped thousands stays.
_SPACED_THOUSANDS = re.compile(
    r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?=[.,]\d{1,2}(?!\d)|(?![\d]|[.,]\d))"
)
# "₹ 1,25,000", "12,00,000": Indian grouping (two-digit groups before the last three).
_INDIAN_GROUPS = re.compile(r"(?<![\d.,])\d{1,2}(?:,\d{2})+,\d{3}(?![\d,])")
# "3.250,-" and "3.237,10": dots group thousands, the comma starts the cents.
_EURO_DECIMALS = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+),(-|–|\d{1,2})(?!\d)")


def _euro_decimal(m: re.Match[str]) -> str:
    whole = m.group(1).replace(".", "")
    cents = m.group(2)
    return whole if not cents.isdigit() or int(cents) == 0 else f"{whole}.{cents}"


# "2750,00" and "2750,-": cents or a dash after a comma say nothing about the amount.
_COMMA_CENTS = re.compile(r"(?<![\d.,])(\d+),(?:-|–|00)(?![\d])")
# "14,5 euro", "18,06 euro": a comma before one or two digits is a decimal comma (a
# thousands comma always has three digits after it).
_COMMA_DECIMAL = re.compile(r"(?<![\d.,])(\d+),(\d{1,2})(?![\d]|[.,]\d)")
_LAKH = re.compile(
    r"(?i)(?:₹\s?|inr\s?|rs\.?\s?)?(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(?:₹\s?|inr\s?)?"
    r"(\d+(?:\.\d+)?)\s*)?(lakhs?|lacs?|lacks?|lpa|l\.p\.a\.?)(?![a-z])"
)


def _lakh_amounts(m: re.Match[str]) -> str:
    """ "8-12 lakh" -> "₹800000 - ₹1200000"; LPA (lakh per annum) says the interval too."""
    low = float(m.group(1)) * 100_000
    high = float(m.group(2)) * 100_000 if m.group(2) else None
    amounts = f"₹{low:.0f}" + (f" - ₹{high:.0f}" if high is not None else "")
    return amounts + (" per year" if m.group(3).lower().startswith(("lpa", "l.p")) else "")


def _near_money(text: str) -> Iterator[re.Match[str]]:
    """Yield amount matches around each currency mark only: a long description is mostly
    words, and running the amount pattern at every position of it is the slow part."""
    next_free = 0
    for start, end in _money_marks(text):
        if start < next_free:
            continue
        lo = max(next_free, start - 24)
        hi = min(len(text), end + 96)
        for m in _RANGE.finditer(text, lo, hi):
            if m.end() > start:
                yield m
                next_free = m.end()
                break


def _money_marks(text: str) -> list[tuple[int, int]]:
    """Return the spans of currency symbols, ISO codes and "euro(s)", in text order.

    Plain substring scans: one regex with all of them as alternatives is several times
    slower, because the engine can no longer skip ahead to a first character."""
    marks = [m.span() for m in _SYMBOL.finditer(text)]
    for code in USD_RATES:
        at = text.find(code)
        while at >= 0:
            end = at + 3
            if not text[at - 1 : at].isalpha() and not text[end : end + 1].isalpha():
                marks.append((at, end))
            at = text.find(code, end)
    if "uro" in text:
        marks += [m.span() for m in _EURO.finditer(text)]
    return sorted(marks)


def _read_match(
    m: re.Match[str], text: str, default_currency: str | None, *, need_pay_word: bool
) -> _Found | None:
    before = text[max(0, m.start() - _CONTEXT_CHARS) : m.start()]
    marks = [m.group(g) for g in ("p1", "s1", "p2", "s2")]
    has_currency = any(marks)
    if not has_currency and _DURATION_AFTER.match(text, m.end("n1")):
        return None  # "30 horas por semana", "40 hours per week": time, not money
    interval = normalize_interval(m.group("iv") or m.group("iv2"))
    if interval is None and m.group("iv3") and has_currency:
        interval = normalize_interval(m.group("iv3"))
    if interval is None:
        interval = _interval_said_before(before)
    if interval is None and not need_pay_word:
        later = _INTERVAL_LATER.search(text[m.end() : m.end() + 60])
        interval = normalize_interval(later.group("iv") or later.group("adv")) if later else None
    has_pay_word = bool(_PAY_WORDS.search(before))
    if need_pay_word and (
        not has_pay_word
        or _NOT_PAY_BEFORE.search(before)
        or _NOT_PAY_AFTER.search(text[m.end() : m.end() + 40])
    ):
        return None
    has_k = bool(m.group("m1") or m.group("m2"))
    # In a pay string (not a description), "70k - 90k" is pay even without a currency, and
    # so is an amount that is the whole string ("60,000" in a salary column) or one said to
    # be gross or net ("ok 6200 brutto").
    range_or_k = has_k or bool(m.group("n2"))
    if not need_pay_word:
        range_or_k = (
            range_or_k
            or (m.group(0).strip() == text.strip() and not _YEAR.fullmatch(m.group("n1")))
            or bool(_GROSS_NET_AFTER.match(text, m.end()))
            # "Salário: 3.800,00", "Up to 85,000": a written amount after a pay or bound word.
            or (
                (has_pay_word or _bound_before(before))
                and _written_amount(m.group("n1"))
                and not _YEAR.fullmatch(m.group("n1"))
            )
        )
    if not (has_currency or interval or (range_or_k and (has_pay_word or not need_pay_word))):
        return None
    low = _scaled(m.group("n1"), m.group("m1"))
    high = _scaled(m.group("n2"), m.group("m2")) if m.group("n2") else low
    if low is None or high is None:
        return None
    # "120-150k": the multiplier written once applies to both ends.
    if m.group("m2") and not m.group("m1") and low < 1000 <= high:
        low = _scaled(m.group("n1"), m.group("m2")) or low
    # "60 - 200 000 Kč", "80 - 100.000 Kč": the thousands written once, on the top end.
    one_written = m.group("n2") and not (m.group("m1") or m.group("m2"))
    if one_written and low < 1000 <= high and 1 <= high / (low * 1000) <= 10:
        low *= 1000
    bounds: tuple[float | None, float | None] = (low, high)
    # "€35.000 e 14 mensilità", "$80,000 y 15 días": a word-joined smaller number is a count
    # after the pay, not the top of a range.
    worded = bool(m.group("join")) and m.group("join").isalpha()
    if not m.group("n2") or (worded and high < low):
        first_end = max(m.end(g) for g in ("n1", "m1", "s1", "plus1") if m.group(g))
        end = first_end if m.group("n2") else m.end()
        bounds = _open_bounds(low, before, text[end : end + 20], bool(m.group("plus1")))
    currency = _currency_of(marks, default_currency)
    return (bounds[0], bounds[1], currency, interval, m.group(0).strip())


@lru_cache(maxsize=1)
def _bound_words() -> tuple[
    re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]
]:
    data = _data("pay_bounds.json")

    def words(key: str) -> str:
        return "|".join(re.escape(w) for w in sorted(data[key], key=len, reverse=True))

    up_to = re.compile(rf"(?:^|[^\w])(?:{words('up_to')})\s*:?\s*$", re.I)
    max_after = re.compile(rf"^\s*\(?\s*(?:{words('max_after')})(?!\w)", re.I)
    from_ = re.compile(rf"(?:^|[^\w])(?:{words('from')})\s*:?\s*$", re.I)
    after = re.compile(rf"^\s*\(?\s*(?:{words('open_after')})(?!\w)", re.I)
    floor = re.compile(rf"(?<!\w)(?:{words('floor')})(?!\w)[^.;!?\n]*$", re.I)
    return up_to, from_, after, floor, max_after


def _open_bounds(
    amount: float, before: str, after: str, plus: bool
) -> tuple[float | None, float | None]:
    """One amount is one end of an open range when the words say so: "up to £40,000" is a
    maximum, "from £11.44 per hour" and "$150k+" a minimum; otherwise it is both ends."""
    up_to, from_, open_after, floor, max_after = _bound_words()
    tail = before[-30:]
    if up_to.search(tail) or max_after.match(after):
        return None, amount
    if plus or from_.search(tail) or open_after.search(after) or floor.search(before):
        return amount, None
    return amount, amount


def _scaled(number: str | None, mult: str | None) -> float | None:
    value = _number(number)
    if value is None:
        return None
    if mult:
        word = mult.lower().rstrip(".")
        # k, mil (pt/es), tis., tys., Tsd., 千 are thousands; 万 ten thousands; triệu, "m",
        # "million(es)", "Mio", "mln" millions.
        value *= _MULTIPLIERS.get(word, 1_000_000.0)
    return value


_MULTIPLIERS = {
    **dict.fromkeys(("k", "mil", "tis", "tisíc", "tys", "tsd", "千"), 1000.0),
    **dict.fromkeys(("万", "萬"), 10_000.0),
}


_NORDIC_KRONA = frozenset({"SEK", "NOK", "DKK", "ISK"})


def _currency_of(marks: list[str | None], default: str | None) -> str | None:
    # A currency code written anywhere beats a bare symbol ("$190,000 - $240,000 CAD").
    codes = [m.strip().upper() for m in marks if m and re.fullmatch(r"\s*[A-Za-z]{3}\s*", m)]
    if codes and codes[0] in USD_RATES:
        return codes[0]
    for mark in marks:
        if mark and mark.strip().rstrip(".").upper() == "KR":
            # Krona or krone: which one only the country says; unknown stays unknown.
            code = _currency_code(default)
            return code if code in _NORDIC_KRONA else None
        if mark:
            code = _currency_code(mark)
            if code == "USD" and mark.strip() == "$" and default in _DOLLAR_CODES:
                return default
            if code == "CNY" and default == "TWD":
                return default  # 元 written in traditional characters: Taiwan's dollar
            if code:
                return code
    return _currency_code(default)


_DOLLAR_CODES = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD"})
_SYMBOLS = {
    "US$": "USD",
    "$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "AU$": "AUD",
    "A$": "AUD",
    "NZ$": "NZD",
    "S$": "SGD",
    "SG$": "SGD",
    "HK$": "HKD",
    "R$": "BRL",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₱": "PHP",
    "฿": "THB",
    "₩": "KRW",
    "₺": "TRY",
    "₪": "ILS",
    "EURO": "EUR",
    "EUROS": "EUR",
    "DOLLAR": "USD",
    "DOLLARS": "USD",
    "POUND": "GBP",
    "POUNDS": "GBP",
    "KČ": "CZK",
    "KC": "CZK",
    "ZŁ": "PLN",
    "ZL": "PLN",
    "ЗЛ": "PLN",
    "元": "CNY",
    "円": "JPY",
    "VNĐ": "VND",
    "Đ": "VND",
    "NT$": "TWD",
    "원": "KRW",
    "DH": "MAD",
    "DHS": "MAD",
    "FT": "HUF",
    "LEI": "RON",
    "RP": "IDR",
    "RM": "MYR",
    "RS": "INR",
    "KSH": "KES",
    "S/": "PEN",
    "₦": "NGN",
    "₫": "VND",
    "₴": "UAH",
    "₽": "RUB",
    "РУБ": "RUB",
    "Р": "RUB",
    "R": "ZAR",
}


@lru_cache(maxsize=1)
def _hint_patterns() -> tuple[tuple[re.Pattern[str], str, bool], ...]:
    data = _data("salary_currency_hints.json")
    out = []
    for kind, dollar_only in (("dollar", True), ("country", False)):
        for code, words in data[kind].items():
            alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            # "$80,000+ SUPER": a hint that starts with a sign needs no word boundary before it.
            out.append((re.compile(rf"(?:(?<!\w)|(?=\W))(?:{alt})(?!\w)", re.I), code, dollar_only))
    return tuple(out)


@lru_cache(maxsize=1)
def _yuan_words() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(words of Taiwan's dollar, of unmarked Chinese pay, of Japanese pay): hints file."""
    yuan = _data("salary_currency_hints.json")["yuan"]
    return tuple(yuan["TWD"]), tuple(yuan["words"]), tuple(yuan["JPY"])


def _currency_hint(text: str) -> str | None:
    """Return the currency that the words of a short pay string imply (data file
    salary_currency_hints.json): "superannuation" makes a bare "$" Australian, "for the
    Netherlands" makes unmarked amounts euros. None when nothing implies one."""
    taiwan, yuan, japan = _yuan_words()
    if _CJK.search(text):
        text = _CJK_W.sub("万", text)  # "20-30W" is 万 too
        if _KANA.search(text) or any(w in text for w in japan):
            return "JPY"  # "年収500万～800万", "月給25万〜30万": yen
        if any(w in text for w in yuan):
            return "TWD" if any(w in text for w in taiwan) else "CNY"
    for pattern, code, dollar_only in _hint_patterns():
        if pattern.search(text):
            if dollar_only and "$" not in text:
                continue
            if not dollar_only and _SYMBOL.search(text):
                continue  # a written currency mark wins over a country name
            return code
    return None


def _currency_code(value: Any) -> str | None:
    if value is None:
        return None
    mark = re.sub(r"\s+", "", str(value)).upper().rstrip(".")
    if not mark:
        return None
    if mark in _SYMBOLS:
        return _SYMBOLS[mark]
    if mark.endswith("$") and mark[:-1] in USD_RATES:  # "USD$", "CAD$"
        return mark[:-1]
    if re.fullmatch(r"[A-Z]{3}", mark):
        return mark
    return None


def _number(value: Any) -> float | None:
    """Return a float from a number or a numeric string ("60000", "60,000", "60.000")."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            out = float(value)
        except OverflowError:  # an int too large for a float: no believable pay either
            return None
        return out if math.isfinite(out) else None
    s = re.sub(r"[\s\u00a0\u202f$€£]", "", str(value))
    if not s:
        return None
    # A separator followed by exactly three digits (and nothing else) groups thousands.
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", s):
        s = re.sub(r"[,.]", "", s)
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d+", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", s):
        s = s.replace(".", "").replace(",", ".")
    try:
        out = float(s)
    except ValueError:
        return None
    return out if math.isfinite(out) else None


def _build(
    low: float | None,
    high: float | None,
    currency: str | None,
    interval: str | None,
    raw: str | None,
    strict: bool,
) -> Salary | None:
    amounts = [a for a in (low, high) if a is not None]
    if not amounts:
        _reject("no amount", raw, strict)
        return None
    if min(amounts) < 0:
        _reject(f"negative amount {low}..{high}", raw, strict)
        return None
    if low is not None and high is not None and low > high:
        low, high = high, low
    top = max(amounts)
    if interval in PER_UNIT:
        # Pay per session or project: the amount stands, a yearly figure does not exist.
        if top <= 0 or (to_usd(top, currency) or top) > _MAX_ANNUAL_USD:
            _reject(f"{top:,.0f} {currency or ''} per {interval} is not believable", raw, strict)
            return None
        return Salary(low, high, currency, interval, None, None, raw)
    basis = interval or _implied_interval(top, currency)
    annual_min = annualize(low, basis) if low is not None else None
    annual_max = annualize(high, basis) if high is not None else None
    annual = [a for a in (annual_min, annual_max) if a is not None]
    usd = [to_usd(a, currency) or a for a in annual]
    # Without a currency the amount may be dong or rupiah ("30M - 50M/tháng"): only a
    # figure past any currency's pay is refused.
    ceiling = _MAX_ANNUAL_USD if currency else _MAX_ANNUAL_UNKNOWN
    floor = _MIN_ANNUAL_USD_STATED if currency and interval else _MIN_ANNUAL_USD
    if min(usd) < floor or max(usd) > ceiling:
        _reject(
            f"annualized pay {min(annual):,.0f}..{max(annual):,.0f} {currency or ''} is "
            f"outside the believable {floor:,.0f}..{_MAX_ANNUAL_USD:,.0f} USD a year",
            raw,
            strict,
        )
        return None
    assumed = None if interval else basis
    return Salary(low, high, currency, interval, annual_min, annual_max, raw, assumed)


def _implied_interval(high: float, currency: str | None = None) -> str:
    """Return the interval ("hour", "month" or "year") of a pay range written without one,
    from its top in approximate USD ("INR 30k-120k" is monthly pay, "$120k" yearly)."""
    usd = to_usd(high, currency) if currency else None
    size = high if usd is None else usd
    if size < _HOURLY_BELOW:
        # "Rs 20,000", "KSh 30,000", "Rp 4.000.000": thousands of a currency worth little are
        # a month's pay where a month's pay is believable; "1,200 円" stays an hour's.
        monthly = usd is not None and high >= 1000 and size * 12 >= _MIN_ANNUAL_USD
        return "month" if monthly else "hour"
    return "month" if size <= _MONTHLY_UP_TO else "year"


def _reject(reason: str, raw: Any, strict: bool) -> None:
    """Raise ParseError with `reason` when `strict`; otherwise the caller returns None."""
    if strict:
        raise ParseError(f"salary: {reason}; got {raw!r}", field="salary", raw=raw)
