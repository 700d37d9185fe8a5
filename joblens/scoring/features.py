"""Factor blocks for the ranking pass: job and candidate matrices whose product is the score.

The scoring model (DESIGN.md "Scoring model") is a weighted sum of factors in [0, 1]. Every
factor here is written as a dot product of a candidate row and a job row, so a chunk of
candidates is scored against every job by ONE matrix product plus a job-only bias:

    score[c, j] = candidate_block[c] . job_block[j] + bias[j]

Column blocks, in order (the candidate side carries the weights):

    semantic   embedding dims     cand w_sem/2 * e_c         job e_j          (+ w_sem/2 in bias)
    skills     job skill vocab    cand w_skill * multi-hot    job multi-hot / |job skills|
    city       job city keys      cand w_loc * 0.2 one-hot    job one-hot (non-remote jobs)
    country    job countries      cand w_loc * 0.3 one-hot    job one-hot (non-remote jobs)
    cell       job grid cells     cand w_loc * 0.5 on 3x3     job one-hot (non-remote jobs)
    somewhere  2 columns          cand w_loc * 0.5 on both    job 1 on the first when its
               (placed, unplaced) when its place is unknown, place is known, on the second
                                  else w_loc * 0.3 on the     when not (non-remote jobs)
                                  second
    remote     1 (or 1 per country + 1 with remote_same_country_only)
    seniority  6 levels + unknown cand w_sen * kernel row     job one-hot
    salary     log knots + unknown cand w_sal * kernel at knots  job hat weights (2 knots)
    occupation job occupations, ISCO  cand w_occ/4 one-hot of its  job one-hot of its
               unit/minor/sub-major   occupation and 3 groups;    occupation and groups,
               groups + "known"       unknown: w_occ/2 on known   + known (unknown: bias)
    mode       onsite/hybrid/remote  cand FILTERED where not accepted   job one-hot

Everything is exact (up to float rounding) except the salary block, which interpolates the
salary kernel linearly between knots 5% apart: exact away from the two kinks of the kernel
and off by at most 0.031 * w_salary next to them. The engine therefore over-fetches and
re-ranks on the exact factors (`explain.py`).

The exact factor definitions, shared with `reference.py` and `explain.py`:

- semantic: (1 + cosine) / 2; a missing embedding counts as cosine 0 (neutral 0.5).
- skills: share of the job's distinct skills the candidate has; a job without skills: 0.5.
- location: remote job -> 1 for a candidate who says it accepts remote work (the mode filter
  already removed those who refuse it), 0.5 for one whose CV names no work mode (an unknown
  preference, like every unknown here: the job still ranks, below the jobs known to be in
  the candidate's city); with remote_same_country_only, 0 when both countries are known and
  differ.
  Otherwise the job's location is "known" when it has a city or a country, the candidate's
  likewise: the candidate's unknown -> 0.5; the job's unknown (the candidate's known) -> 0.3,
  as if elsewhere in the candidate's country: a job whose place nobody wrote is rarely in
  the candidate's city, and ranks below the jobs known to be near (measured on a seed-9001
  world, hashing embedder: NDCG@10 0.8018 with 0.5, 0.8051 with 0.3); else 0.2 * same
  city (country + city name) + 0.3 * same country + 0.5 * nearby (both have lat/lon and
  their 0.5-degree grid cells touch, ~50 km: a coarse stand-in for distance that stays a
  dot product). Names compare stripped and
  case-folded (" ca" is "CA"); blank is unknown. Same city with coordinates scores 1, a
  town within commuting distance 0.8 (a commute is most of what a place is worth to an
  on-site job), elsewhere in the country 0.3, abroad 0. A city the location parser finds
  always has the gazetteer's coordinates. Measured on a synthetic world (seed 9001, hashing
  embedder): NDCG@10 0.7959 with 0.5/0.3/0.2, 0.8018 with 0.2/0.3/0.5.
- seniority: 1 - |level distance| / 4, clipped at 0; unknown on either side -> 0.5.
- salary: r = job annual max in USD (the min when the max is missing) / candidate floor in
  USD; 1 when r >= 1, falling linearly to 0 at r = 0.6; a floor <= 0 -> 1; unknown on either
  side (no amount, unknown currency) -> 0.5.
- occupation: the ESCO occupations of the job's title and the candidate's headline
  (`joblens.occupations`): 1 the same occupation, 0.75 the same ISCO-08 unit group, 0.5 the
  same minor group, 0.25 the same sub-major group, 0 otherwise; unknown on either side (no
  occupation, or one without a 4-digit ISCO unit group) 0.25 (OCCUPATION_UNKNOWN).
- freshness: 0.5 ** (age_days / half_life), age from posted_at (the board's date; else the
  first_seen of the lake, else last_seen) to `now`,
  clipped at 0; no timestamp -> 0.5.
- hard filter: a job whose known work_mode is not among the candidate's accepted work_modes
  is never ranked; an unknown mode on either side is allowed (no accepted modes = any).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
import polars as pl

from joblens.errors import ScoringError
from joblens.normalize.salary import to_usd
from joblens.schemas import SENIORITY_LEVELS, WORK_MODES
from joblens.settings import ScoringSettings

__all__ = [
    "CELL_DEGREES",
    "FACTORS",
    "FILTERED",
    "LOCATION_NEARBY",
    "LOCATION_SAME_CITY",
    "LOCATION_SAME_COUNTRY",
    "LOCATION_UNPLACED",
    "LON_CELLS",
    "NEUTRAL",
    "OCCUPATION_SHARE",
    "OCCUPATION_UNKNOWN",
    "REMOTE_MODE",
    "SALARY_BLOCK_ERROR",
    "SALARY_ZERO_RATIO",
    "CandidateAttributes",
    "JobAttributes",
    "Vocabulary",
    "candidate_attributes",
    "candidate_block",
    "cell_of",
    "cells_touch",
    "city_key",
    "country_key",
    "embedding_width",
    "embeddings",
    "first_seen_codes",
    "job_attributes",
    "job_block",
    "occupation_keys",
    "placed_out",
    "salary_kernel",
]

FACTORS: tuple[str, ...] = (
    "semantic",
    "skills",
    "location",
    "seniority",
    "salary",
    "freshness",
    "occupation",
)
"""The factor names, in the order of the MATCHES columns and of the settings' weights."""
NEUTRAL = 0.5
LOCATION_SAME_CITY = 0.2
LOCATION_SAME_COUNTRY = 0.3
LOCATION_NEARBY = 0.5
LOCATION_UNPLACED = 0.3
"""The location factor of a non-remote job of unknown place for a candidate of known place."""
CELL_DEGREES = 0.5
SALARY_ZERO_RATIO = 0.6
SALARY_BLOCK_ERROR = 0.031
"""Most the interpolated salary block can be off from the exact salary factor (per unit weight)."""
FILTERED = -1.0e4
"""Added to a pair the hard filter removes: far below any real score (all are in [0, sum w])."""

_LAT_CELLS = int(180 / CELL_DEGREES)
LON_CELLS = int(360 / CELL_DEGREES)
"""Grid cells around the globe: cell columns wrap around modulo this."""
# Salary knots: 1k .. 10M USD a year, 5% apart; salaries outside are clamped to the ends.
_SALARY_KNOTS = np.exp(np.arange(math.log(1e3), math.log(1e7) + 0.05, math.log(1.05)))
_LEVEL = {name: i for i, name in enumerate(SENIORITY_LEVELS)}
_MODE = {name: i for i, name in enumerate(WORK_MODES)}
REMOTE_MODE = _MODE["remote"]
"""The code of "remote" in `JobAttributes.mode` (its index in WORK_MODES)."""


# -- small shared definitions -------------------------------------------------------------
@lru_cache(maxsize=1 << 16)
def country_key(country: str | None) -> str | None:
    """Return the key two places must share to be "the same country" (" ca" = "CA"), or None."""
    if country is None or not country.strip():
        return None
    return country.strip().casefold()


@lru_cache(maxsize=1 << 16)
def city_key(city: str | None, country: str | None) -> str | None:
    """Return the key two places must share to be "the same city", or None without a city."""
    if city is None or not city.strip():
        return None
    return f"{country_key(country) or ''}|{city.strip().casefold()}"


@lru_cache(maxsize=1 << 16)
def cell_of(lat: float | None, lon: float | None) -> tuple[int, int] | None:
    """Return the (row, column) of the 0.5-degree grid cell holding a point, None if unknown."""
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return None
    row = min(max(int(math.floor((lat + 90.0) / CELL_DEGREES)), 0), _LAT_CELLS - 1)
    col = int(math.floor((lon + 180.0) / CELL_DEGREES)) % LON_CELLS
    return row, col


def cells_touch(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Return whether two grid cells are equal or neighbours (longitude wraps around)."""
    dcol = abs(a[1] - b[1]) % LON_CELLS
    return abs(a[0] - b[0]) <= 1 and min(dcol, LON_CELLS - dcol) <= 1


def placed_out(
    job_country: np.ndarray, cand_country: np.ndarray, remote: np.ndarray, settings: ScoringSettings
) -> np.ndarray:
    """Return where the place filter removes a pair: country codes (-1 unknown) known on
    both sides and different, for a job that is not remote (or for any job with
    remote_same_country_only); all False without the filter. The engine's blocks and the
    exact re-rank both read it here; reference.py states it on its own."""
    if settings.place_filter == "none":
        return np.zeros(np.broadcast(job_country, cand_country).shape, dtype=bool)
    elsewhere = (job_country >= 0) & (cand_country >= 0) & (job_country != cand_country)
    return elsewhere & (~remote | settings.remote_same_country_only)


def salary_kernel(job_usd: np.ndarray, floor_usd: float) -> np.ndarray:
    """Return the salary factor of job salaries `job_usd` against one candidate floor."""
    if floor_usd <= 0:
        return np.ones_like(job_usd, dtype=np.float64)
    ratio = job_usd / floor_usd
    return np.clip((ratio - SALARY_ZERO_RATIO) / (1.0 - SALARY_ZERO_RATIO), 0.0, 1.0)


def occupation_keys(uri: str | None, isco: str | None) -> list[str]:
    """The four keys a pair shares to score occupation fit: the occupation and its ISCO
    unit, minor and sub-major groups. An occupation without a 4-digit ISCO unit group is
    unknown ([]): its fit could not be told from a lesser one."""
    if uri is None or isco is None or len(isco) != 4 or not isco.isdigit():
        return []
    return [f"o:{uri}", f"g4:{isco}", f"g3:{isco[:3]}", f"g2:{isco[:2]}"]


OCCUPATION_SHARE = 0.25
"""Each shared key (occupation, unit, minor, sub-major group) adds this to the factor."""

OCCUPATION_UNKNOWN = 0.25
"""The occupation factor when either side's occupation is unknown: what a shared sub-major
group scores, not the 0.5 of the other factors. Two people or jobs picked at random rarely
share more (ISCO has 43 sub-major groups), and at 0.5 a CV whose headline named no
occupation outranked, for an ad, the CVs of the ad's own family in a neighbouring minor
group (measured on three hand-labelled real sets, tests/data/recruiter_real*)."""


def _level(value: str | None, where: str) -> int:
    if value is None:
        return -1
    try:
        return _LEVEL[value]
    except KeyError:
        raise ScoringError(
            f"{where}: seniority {value!r} is not one of {SENIORITY_LEVELS} or null"
        ) from None


def _mode(value: str | None, where: str) -> int:
    if value is None:
        return -1
    try:
        return _MODE[value]
    except KeyError:
        raise ScoringError(f"{where}: work mode {value!r} is not one of {WORK_MODES}") from None


def first_seen_codes(rows: list[list[str]]) -> tuple[dict[str, int], np.ndarray]:
    """Return ({value: code} in first-seen order, the code of every value of every row,
    rows one after another)."""
    flat = pl.Series([v for row in rows for v in row], dtype=pl.String)
    table = {v: i for i, v in enumerate(flat.unique(maintain_order=True).to_list())}
    if not table:
        return table, np.zeros(0, dtype=np.int64)
    codes = flat.replace_strict(table, return_dtype=pl.Int64).to_numpy()
    return table, codes


# -- column extraction --------------------------------------------------------------------
def _strings(frame: pl.DataFrame, name: str) -> list[str | None]:
    """Return the column's values stripped of surrounding whitespace; blank -> None."""
    if name not in frame.columns:
        return [None] * frame.height
    column = frame[name]
    if column.dtype == pl.Object:  # Python values: only str() knows them
        return [None if v is None or not str(v).strip() else str(v).strip() for v in column]
    stripped = column.cast(pl.String).str.strip_chars()
    return stripped.set(stripped == "", None).to_list()  # type: ignore[arg-type]


def _floats(frame: pl.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64)


def _string_lists(frame: pl.DataFrame, name: str) -> list[list[str]]:
    if name not in frame.columns:
        return [[] for _ in range(frame.height)]
    # Repeats dropped, the first-seen order kept for the explanations; blanks dropped.
    kept = frame[name].list.eval(
        pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
    )
    return [v or [] for v in kept.list.unique(maintain_order=True).to_list()]


def _ids(frame: pl.DataFrame, name: str, what: str) -> list[str]:
    if name not in frame.columns:
        raise ScoringError(f"{what} frame: expected a {name!r} column, got {frame.columns}")
    ids = frame[name].cast(pl.String).to_list()
    if any(v is None for v in ids):
        raise ScoringError(f"{what} frame: {name!r} has null values")
    return ids


def _vectors(frame: pl.DataFrame) -> pl.Series:
    col = frame["embedding"]
    return col.cast(pl.List(pl.Float32)) if isinstance(col.dtype, pl.Array) else col


def embedding_width(frame: pl.DataFrame, *, what: str) -> int:
    """Return the width of the frame's embeddings (0 when it has none); mixed widths raise."""
    if "embedding" not in frame.columns or frame.height == 0:
        return 0
    lengths = _vectors(frame).list.len().fill_null(0)
    widths = sorted(set(lengths.filter(lengths > 0).to_list()))
    if len(widths) > 1:
        raise ScoringError(f"{what} embeddings: expected one width, got widths {widths}")
    return int(widths[0]) if widths else 0


def embeddings(frame: pl.DataFrame, *, what: str) -> np.ndarray:
    """Return the frame's `embedding` column as an L2-normalized float32 [n, dim] matrix.

    Missing (null or empty) embeddings become zero rows, which score cosine 0 with
    everything; a frame without any embedding gives dim 0. Mixed widths raise ScoringError.
    """
    n = frame.height
    if "embedding" not in frame.columns:
        return np.zeros((n, 0), dtype=np.float32)
    col = _vectors(frame)
    lengths = col.list.len().fill_null(0).to_numpy()
    dim = embedding_width(frame, what=what)
    present = lengths > 0
    if dim and present.all():
        # Every row has its vector (the usual case): one matrix, no second copy.
        out = np.array(col.explode().cast(pl.Float32).to_numpy().reshape(n, dim))
        if not np.isfinite(out).all():
            out = np.nan_to_num(out)
    else:
        out = np.zeros((n, dim), dtype=np.float32)
        if dim and present.any():
            flat = col.filter(pl.Series(present)).explode().cast(pl.Float32).to_numpy()
            out[present] = np.nan_to_num(flat.reshape(-1, dim))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


# -- attributes: one typed array per factor input ----------------------------------------
@dataclass
class JobAttributes:
    """The jobs' factor inputs as arrays (row i = job i of the frame)."""

    ids: list[str]
    embedding: np.ndarray  # [J, dim] float32, normalized
    skills: list[list[str]]
    city: list[str | None]  # city_key
    country: list[str | None]
    cell: list[tuple[int, int] | None]
    mode: np.ndarray  # int8, -1 unknown
    level: np.ndarray  # int8, -1 unknown
    salary_usd: np.ndarray  # float64, nan unknown
    freshness: np.ndarray  # float64 in [0, 1]
    occupation: list[list[str]] = field(default_factory=list)  # occupation_keys; [] unknown
    _skill_codes: tuple[dict[str, int], np.ndarray] | None = field(default=None, repr=False)

    @property
    def located(self) -> np.ndarray:
        """Return which jobs have a known location (a city or a country)."""
        return np.array(
            [c is not None or k is not None for c, k in zip(self.city, self.country, strict=True)]
        )

    def skill_codes(self) -> tuple[dict[str, int], np.ndarray]:
        """Return `first_seen_codes` of the jobs' skills, computed once."""
        if self._skill_codes is None:
            self._skill_codes = first_seen_codes(self.skills)
        return self._skill_codes


@dataclass
class CandidateAttributes:
    """The candidates' factor inputs as arrays (row i = candidate i of the frame)."""

    ids: list[str]
    embedding: np.ndarray
    skills: list[list[str]]
    city: list[str | None]
    country: list[str | None]
    cell: list[tuple[int, int] | None]
    accepts: np.ndarray  # bool [C, 3], by WORK_MODES; all True when none are given
    level: np.ndarray
    floor_usd: np.ndarray
    stated: np.ndarray  # bool [C]: the CV names its work modes (else an unknown preference)
    occupation: list[list[str]] = field(default_factory=list)  # occupation_keys; [] unknown

    def take(self, rows: np.ndarray) -> CandidateAttributes:
        """Return the attributes of candidates `rows` (integer positions), in that order."""
        pick = rows.tolist()
        return CandidateAttributes(
            ids=[self.ids[i] for i in pick],
            embedding=self.embedding[rows],
            skills=[self.skills[i] for i in pick],
            city=[self.city[i] for i in pick],
            country=[self.country[i] for i in pick],
            cell=[self.cell[i] for i in pick],
            accepts=self.accepts[rows],
            level=self.level[rows],
            floor_usd=self.floor_usd[rows],
            stated=self.stated[rows],
            occupation=[self.occupation[i] for i in pick] if self.occupation else [],
        )

    @property
    def located(self) -> np.ndarray:
        """Return which candidates have a known location (a city or a country)."""
        return np.array(
            [c is not None or k is not None for c, k in zip(self.city, self.country, strict=True)]
        )


def _usd(amounts: np.ndarray, currencies: list[str | None]) -> np.ndarray:
    out = np.full(len(amounts), np.nan)
    for i, (amount, currency) in enumerate(zip(amounts.tolist(), currencies, strict=True)):
        if not math.isnan(amount):
            usd = to_usd(amount, currency)
            out[i] = np.nan if usd is None else usd
    return out


def _freshness(frame: pl.DataFrame, now: datetime, half_life_days: float) -> np.ndarray:
    """Return 0.5 ** (age / half-life) per job, age from posted_at (else first/last_seen)."""
    stamps = [
        pl.col(c).dt.epoch("us")
        for c in ("posted_at", "first_seen", "last_seen")
        if c in frame.columns
    ]
    if not stamps:
        return np.full(frame.height, NEUTRAL)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # naive times are UTC throughout the lake
    now_us = now.timestamp() * 1e6
    seen = frame.select(pl.coalesce(stamps).cast(pl.Float64).fill_null(np.nan)).to_series()
    age_days = (now_us - seen.to_numpy()) / 86_400e6
    out = 0.5 ** (np.clip(age_days, 0.0, None) / half_life_days)
    return np.where(np.isnan(age_days), NEUTRAL, out)


def job_attributes(
    jobs: pl.DataFrame, *, settings: ScoringSettings, now: datetime
) -> JobAttributes:
    """Return the jobs' factor inputs; raises ScoringError on unknown modes or levels."""
    ids = _ids(jobs, "job_id", "jobs")
    city, country, cell = _places(jobs)
    salary = _floats(jobs, "salary_annual_max")
    salary = np.where(np.isnan(salary), _floats(jobs, "salary_annual_min"), salary)
    return JobAttributes(
        ids=ids,
        embedding=embeddings(jobs, what="jobs"),
        skills=_string_lists(jobs, "skills"),
        city=city,
        country=country,
        cell=cell,
        mode=np.array(
            [_mode(m, f"job {i}") for i, m in zip(ids, _strings(jobs, "work_mode"), strict=True)],
            dtype=np.int8,
        ),
        level=np.array(
            [_level(s, f"job {i}") for i, s in zip(ids, _strings(jobs, "seniority"), strict=True)],
            dtype=np.int8,
        ),
        salary_usd=_usd(salary, _strings(jobs, "salary_currency")),
        freshness=_freshness(jobs, now, settings.freshness_half_life_days),
        occupation=_occupations(jobs),
    )


def _occupations(frame: pl.DataFrame) -> list[list[str]]:
    # Few distinct (occupation, ISCO) pairs: each one's keys made once and shared (read-only).
    known: dict[tuple[str | None, str | None], list[str]] = {}
    return [
        known[pair] if pair in known else known.setdefault(pair, occupation_keys(*pair))
        for pair in zip(_strings(frame, "occupation"), _strings(frame, "isco"), strict=True)
    ]


def _places(
    frame: pl.DataFrame,
) -> tuple[list[str | None], list[str | None], list[tuple[int, int] | None]]:
    """Return the (city key, country key, grid cell) of each row: jobs and candidates alike."""
    cities, countries = _strings(frame, "city"), _strings(frame, "country")
    lat, lon = _floats(frame, "lat"), _floats(frame, "lon")
    return (
        [city_key(c, k) for c, k in zip(cities, countries, strict=True)],
        [country_key(k) for k in countries],
        [cell_of(a, b) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)],
    )


def candidate_attributes(candidates: pl.DataFrame) -> CandidateAttributes:
    """Return the candidates' factor inputs; raises ScoringError on unknown modes or levels."""
    ids = _ids(candidates, "candidate_id", "candidates")
    city, country, cell = _places(candidates)
    accepts = np.ones((len(ids), len(WORK_MODES)), dtype=bool)
    stated = np.zeros(len(ids), dtype=bool)
    for row, (cid, modes) in enumerate(
        zip(ids, _string_lists(candidates, "work_modes"), strict=True)
    ):
        if modes:
            accepts[row] = False
            stated[row] = True
            for m in modes:
                accepts[row, _mode(m, f"candidate {cid}")] = True
    levels = _strings(candidates, "seniority")
    return CandidateAttributes(
        ids=ids,
        embedding=embeddings(candidates, what="candidates"),
        skills=_string_lists(candidates, "skills"),
        city=city,
        country=country,
        cell=cell,
        accepts=accepts,
        level=np.array(
            [_level(s, f"candidate {i}") for i, s in zip(ids, levels, strict=True)], dtype=np.int8
        ),
        floor_usd=_usd(
            _floats(candidates, "salary_floor_annual"), _strings(candidates, "salary_currency")
        ),
        stated=stated,
        occupation=_occupations(candidates),
    )


# -- vocabulary and layout -----------------------------------------------------------------
@dataclass
class Vocabulary:
    """Column indices of every one-hot block, built from the jobs (what a candidate can match).

    Candidate-only values (a skill or city no job has) add nothing to any dot product, so
    they get no column; that keeps the product as narrow as the jobs allow.
    """

    dim: int  # embedding width
    skills: dict[str, int] = field(default_factory=dict)
    cities: dict[str, int] = field(default_factory=dict)
    countries: dict[str, int] = field(default_factory=dict)
    cells: dict[tuple[int, int], int] = field(default_factory=dict)
    occupations: dict[str, int] = field(default_factory=dict)  # occupation_keys of the jobs
    remote_by_country: bool = False
    places: bool = True
    """Whether the city and grid-cell columns are in the product (thousands wide at scale).
    The engine leaves them out and adds those two terms as pairs per place block."""
    salary_knots: np.ndarray = field(default_factory=lambda: _SALARY_KNOTS[:2])
    """The salary knots spanning the jobs' known salaries (the only ones a hat can touch)."""

    @classmethod
    def build(
        cls,
        jobs: pl.DataFrame | JobAttributes,
        candidates: pl.DataFrame | CandidateAttributes | None = None,
        *,
        settings: ScoringSettings | None = None,
        places: bool = True,
    ) -> Vocabulary:
        """Return the vocabulary of `jobs` (checked against `candidates`' embedding width);
        without `places`, the city and cell columns are left out."""
        settings = settings or ScoringSettings.model_validate({})
        if isinstance(jobs, pl.DataFrame):
            jobs = job_attributes(jobs, settings=settings, now=datetime.now(UTC))
        if isinstance(candidates, pl.DataFrame):
            candidates = candidate_attributes(candidates)
        dim = jobs.embedding.shape[1]
        if candidates is not None:
            cdim = candidates.embedding.shape[1]
            if dim and cdim and dim != cdim:
                raise ScoringError(
                    f"embedding width differs: jobs have {dim}, candidates have {cdim}"
                )
            dim = dim or cdim
        vocab = cls(dim=dim, remote_by_country=settings.remote_same_country_only, places=places)
        vocab.skills = dict(jobs.skill_codes()[0])
        known = jobs.salary_usd[~np.isnan(jobs.salary_usd)]
        if len(known):
            lo = int(np.searchsorted(_SALARY_KNOTS, known.min(), side="right")) - 1
            hi = int(np.searchsorted(_SALARY_KNOTS, known.max(), side="left")) + 1
            lo = min(max(lo, 0), len(_SALARY_KNOTS) - 2)
            vocab.salary_knots = _SALARY_KNOTS[lo : max(hi, lo + 2)]
        for keys in jobs.occupation if settings.w_occupation > 0 else ():
            # Weighted 0, the block would only widen the product: its columns are left out.
            for key in keys:
                vocab.occupations.setdefault(key, len(vocab.occupations))
        for city, country, cell in zip(jobs.city, jobs.country, jobs.cell, strict=True):
            if city is not None and places:
                vocab.cities.setdefault(city, len(vocab.cities))
            if country is not None:
                vocab.countries.setdefault(country, len(vocab.countries))
            if cell is not None and places:
                vocab.cells.setdefault(cell, len(vocab.cells))
        return vocab

    def layout(self) -> dict[str, slice]:
        """Return each block's column slice in the concatenated matrix."""
        widths = {
            "semantic": self.dim,
            "skills": len(self.skills),
            "city": len(self.cities),
            "country": len(self.countries),
            "cell": len(self.cells),
            "somewhere": 2,  # placed, unplaced (non-remote jobs)
            "remote": len(self.countries) + 1 if self.remote_by_country else 1,
            "seniority": len(SENIORITY_LEVELS) + 1,
            "salary": len(self.salary_knots) + 1,
            "occupation": len(self.occupations) + 1,  # + "the job's occupation is known"
            "mode": len(WORK_MODES),
        }
        out, start = {}, 0
        for name, width in widths.items():
            out[name] = slice(start, start + width)
            start += width
        return out

    @property
    def width(self) -> int:
        """Return the number of columns of both blocks."""
        return self.layout()["mode"].stop


# -- blocks --------------------------------------------------------------------------------
def _salary_hats(usd: np.ndarray, knots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (low knot index, weight on the low knot, weight on the next) per salary."""
    clamped = np.clip(usd, knots[0], knots[-1])
    lo = np.clip(np.searchsorted(knots, clamped, side="right") - 1, 0, len(knots) - 2)
    t = (clamped - knots[lo]) / (knots[lo + 1] - knots[lo])
    return lo, 1.0 - t, t


def job_block_from(
    jobs: JobAttributes,
    vocab: Vocabulary,
    settings: ScoringSettings,
    *,
    with_semantic: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (matrix [J, D] float32, bias [J] float32) for already extracted job attributes;
    without `with_semantic` the embedding columns stay zero (a caller that reads
    `jobs.embedding` itself saves copying 100,000 x 384 floats)."""
    lay = vocab.layout()
    n = len(jobs.ids)
    mat = np.zeros((n, vocab.width), dtype=np.float32)
    bias = np.full(n, settings.w_semantic * 0.5, dtype=np.float64)
    bias += settings.w_freshness * jobs.freshness
    if jobs.embedding.shape[1] and with_semantic:
        mat[:, lay["semantic"]] = jobs.embedding
    rows = np.arange(n)
    counts = np.array([len(skills) for skills in jobs.skills], dtype=np.int64)
    own, codes = jobs.skill_codes()  # the jobs' own codes, mapped to the vocabulary's
    to_vocab = np.array([vocab.skills[s] for s in own], dtype=np.int64)
    skill_cols = to_vocab[codes] if len(codes) else codes
    skill_rows = np.repeat(rows, counts)
    mat[skill_rows, lay["skills"].start + skill_cols] = (1.0 / np.maximum(counts, 1))[skill_rows]
    bias += np.where(counts == 0, settings.w_skills * NEUTRAL, 0.0)
    remote = jobs.mode == REMOTE_MODE
    placed = ~remote & jobs.located
    country = np.array([-1 if c is None else vocab.countries[c] for c in jobs.country])
    if vocab.remote_by_country:
        remote_col = np.where(country >= 0, country, len(vocab.countries))
    else:
        remote_col = np.zeros(n, dtype=np.int64)
    mat[rows[remote], lay["remote"].start + remote_col[remote]] = 1.0
    mat[rows[placed], lay["somewhere"].start] = 1.0
    mat[rows[~remote & ~jobs.located], lay["somewhere"].start + 1] = 1.0
    has = placed & (country >= 0)
    mat[rows[has], lay["country"].start + country[has]] = 1.0
    if vocab.places:
        city = np.array([-1 if c is None else vocab.cities[c] for c in jobs.city])
        cell = np.array([-1 if c is None else vocab.cells[c] for c in jobs.cell])
        has = placed & (city >= 0)
        mat[rows[has], lay["city"].start + city[has]] = 1.0
        has = placed & (cell >= 0)
        mat[rows[has], lay["cell"].start + cell[has]] = 1.0
    level = jobs.level.astype(np.int64)
    level_col = np.where(level >= 0, level, len(SENIORITY_LEVELS))
    mat[rows, lay["seniority"].start + level_col] = 1.0
    known = ~np.isnan(jobs.salary_usd)
    lo, w_lo, w_hi = _salary_hats(np.where(known, jobs.salary_usd, 1.0), vocab.salary_knots)
    sal = lay["salary"].start
    mat[rows[known], sal + lo[known]] = w_lo[known]
    mat[rows[known], sal + lo[known] + 1] += w_hi[known]
    mat[rows[~known], lay["salary"].stop - 1] = 1.0
    occ = lay["occupation"]
    for row, keys in enumerate(jobs.occupation or [[] for _ in range(n)]):
        if keys:
            cols = [occ.start + vocab.occupations[k] for k in keys if k in vocab.occupations]
            mat[row, cols] = 1.0
            mat[row, occ.stop - 1] = 1.0
        else:
            bias[row] += settings.w_occupation * OCCUPATION_UNKNOWN
    mode = jobs.mode.astype(np.int64)
    mat[rows[mode >= 0], lay["mode"].start + mode[mode >= 0]] = 1.0
    return mat, bias.astype(np.float32)


def job_block(
    jobs: pl.DataFrame, vocab: Vocabulary, settings: ScoringSettings, now: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """Return the job side of the ranking product: (matrix [J, D] float32, bias [J])."""
    return job_block_from(job_attributes(jobs, settings=settings, now=now), vocab, settings)


def _seniority_rows(levels: np.ndarray) -> np.ndarray:
    n_levels = len(SENIORITY_LEVELS)
    grid = np.arange(n_levels)
    rows = np.full((len(levels), n_levels + 1), NEUTRAL)
    known = levels >= 0
    dist = np.abs(levels[known, None].astype(np.float64) - grid[None, :])
    rows[known, :n_levels] = np.clip(1.0 - dist / 4.0, 0.0, None)
    return rows


def _salary_rows(floor_usd: np.ndarray, knots: np.ndarray) -> np.ndarray:
    rows = np.full((len(floor_usd), len(knots) + 1), NEUTRAL)
    for i, floor in enumerate(floor_usd.tolist()):
        if not math.isnan(floor):
            rows[i, :-1] = salary_kernel(knots, floor)
    return rows


def candidate_block_from(
    cands: CandidateAttributes, vocab: Vocabulary, settings: ScoringSettings
) -> np.ndarray:
    """Return the candidate side [C, D] float32 for already extracted attributes."""
    lay = vocab.layout()
    n = len(cands.ids)
    mat = np.zeros((n, vocab.width), dtype=np.float32)
    if cands.embedding.shape[1]:
        if cands.embedding.shape[1] != vocab.dim:
            raise ScoringError(
                f"embedding width differs: jobs have {vocab.dim}, "
                f"candidates have {cands.embedding.shape[1]}"
            )
        mat[:, lay["semantic"]] = cands.embedding * (settings.w_semantic * 0.5)
    w_loc = settings.w_location
    located, stated = cands.located, cands.stated
    neighbours = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
    for row in range(n):
        cols = [
            lay["skills"].start + vocab.skills[s] for s in cands.skills[row] if s in vocab.skills
        ]
        mat[row, cols] = settings.w_skills
        if cands.accepts[row, REMOTE_MODE]:
            remote = lay["remote"]
            country = cands.country[row]
            w_remote = w_loc if stated[row] else w_loc * NEUTRAL
            if not vocab.remote_by_country or country is None:
                mat[row, remote] = w_remote
            else:
                mat[row, remote.stop - 1] = w_remote  # remote jobs of unknown country
                if country in vocab.countries:
                    mat[row, remote.start + vocab.countries[country]] = w_remote
        if not located[row]:
            mat[row, lay["somewhere"]] = w_loc * NEUTRAL
            continue
        mat[row, lay["somewhere"].start + 1] = w_loc * LOCATION_UNPLACED
        city, country, cell = cands.city[row], cands.country[row], cands.cell[row]
        if city in vocab.cities:
            mat[row, lay["city"].start + vocab.cities[city]] = w_loc * LOCATION_SAME_CITY  # type: ignore[index]
        if country in vocab.countries:
            mat[row, lay["country"].start + vocab.countries[country]] = (  # type: ignore[index]
                w_loc * LOCATION_SAME_COUNTRY
            )
        if cell is not None:
            for dr, dc in neighbours:
                near = (cell[0] + dr, (cell[1] + dc) % LON_CELLS)
                if near in vocab.cells:
                    mat[row, lay["cell"].start + vocab.cells[near]] = w_loc * LOCATION_NEARBY
    mat[:, lay["seniority"]] = settings.w_seniority * _seniority_rows(cands.level)
    mat[:, lay["salary"]] = settings.w_salary * _salary_rows(cands.floor_usd, vocab.salary_knots)
    occ = lay["occupation"]
    for row, keys in enumerate(cands.occupation or [[] for _ in range(n)]):
        if not keys:
            mat[row, occ.stop - 1] = settings.w_occupation * OCCUPATION_UNKNOWN
            continue
        cols = [occ.start + vocab.occupations[k] for k in keys if k in vocab.occupations]
        mat[row, cols] = settings.w_occupation * OCCUPATION_SHARE
    mat[:, lay["mode"]] = np.where(cands.accepts, 0.0, FILTERED)
    return mat


def candidate_block(
    candidates: pl.DataFrame, vocab: Vocabulary, settings: ScoringSettings
) -> np.ndarray:
    """Return the candidate side of the ranking product: matrix [C, D] float32."""
    return candidate_block_from(candidate_attributes(candidates), vocab, settings)


def skill_names(vocab: Vocabulary) -> Sequence[str]:
    """Return the job skill vocabulary in column order."""
    return list(vocab.skills)
