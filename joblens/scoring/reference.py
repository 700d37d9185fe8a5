"""The scoring model one pair at a time, in plain Python: the yardstick for the fast engine.

Slow on purpose (no matrices, no vocabularies): it reads the factor definitions of
`features.py`'s docstring straight off a candidate row and a job row, so a test can compare
the engine's top-K with a brute-force ranking. Use it for small worlds and explanations only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import polars as pl

from joblens.errors import ScoringError
from joblens.normalize.salary import to_usd
from joblens.schemas import SENIORITY_LEVELS, WORK_MODES
from joblens.scoring.features import (
    FACTORS,
    LOCATION_NEARBY,
    LOCATION_SAME_CITY,
    LOCATION_SAME_COUNTRY,
    NEUTRAL,
    OCCUPATION_UNKNOWN,
    SALARY_ZERO_RATIO,
    cell_of,
    cells_touch,
    city_key,
    country_key,
)
from joblens.settings import ScoringSettings

__all__ = ["allowed", "factors", "rank", "score"]

Row = Mapping[str, Any]


def _text(row: Row, name: str) -> str | None:
    """Return the field without surrounding whitespace, as the engine reads it; blank: None."""
    value = row.get(name)
    return None if value is None or not str(value).strip() else str(value).strip()


def _number(row: Row, name: str) -> float | None:
    value = row.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _accepted_modes(candidate: Row) -> set[str]:
    modes = {m for m in candidate.get("work_modes") or () if m}
    unknown = modes - set(WORK_MODES)
    if unknown:
        raise ScoringError(f"candidate {candidate.get('candidate_id')}: work modes {unknown}")
    return modes or set(WORK_MODES)


def allowed(candidate: Row, job: Row, settings: ScoringSettings | None = None) -> bool:
    """Return whether the hard filters keep the pair: the job's mode is accepted or unknown,
    and, with the place filter, the job is not in another country than the candidate (a
    remote job there only counts as elsewhere with remote_same_country_only)."""
    settings = settings or ScoringSettings.model_validate({})
    mode = _text(job, "work_mode")
    if mode is not None and mode not in _accepted_modes(candidate):
        return False
    if settings.place_filter == "none":
        return True
    job_country, cand_country = _country(job), _country(candidate)
    if job_country is None or cand_country is None or job_country == cand_country:
        return True
    return mode == "remote" and not settings.remote_same_country_only


def _semantic(candidate: Row, job: Row) -> float:
    a, b = candidate.get("embedding") or [], job.get("embedding") or []
    if not a or not b:
        return NEUTRAL
    if len(a) != len(b):
        raise ScoringError(f"embedding width differs: job {len(b)}, candidate {len(a)}")
    dot = sum(float(x) * float(y) for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(float(x) ** 2 for x in a)) * math.sqrt(sum(float(y) ** 2 for y in b))
    return NEUTRAL if norm == 0 else (1.0 + dot / norm) / 2.0


def _skills(candidate: Row, job: Row) -> float:
    wanted = {s for s in job.get("skills") or () if s}
    if not wanted:
        return NEUTRAL
    have = {s for s in candidate.get("skills") or () if s}
    return len(wanted & have) / len(wanted)


def _country(row: Row) -> str | None:
    return country_key(_text(row, "country"))


def _location(candidate: Row, job: Row, settings: ScoringSettings) -> float:
    if _text(job, "work_mode") == "remote":
        job_country, cand_country = _country(job), _country(candidate)
        if (
            settings.remote_same_country_only
            and job_country is not None
            and cand_country is not None
            and job_country != cand_country
        ):
            return 0.0
        # A CV that names no work mode leaves remote work an unknown preference: neutral.
        stated = any(m for m in candidate.get("work_modes") or ())
        return 1.0 if stated else NEUTRAL
    job_city = city_key(_text(job, "city"), _text(job, "country"))
    cand_city = city_key(_text(candidate, "city"), _text(candidate, "country"))
    if cand_city is None and _country(candidate) is None:
        return NEUTRAL
    if job_city is None and _country(job) is None:
        return 0.3  # a job of unknown place: as if elsewhere in the candidate's country
    value = 0.0
    if job_city is not None and job_city == cand_city:
        value += LOCATION_SAME_CITY
    if _country(job) is not None and _country(job) == _country(candidate):
        value += LOCATION_SAME_COUNTRY
    job_cell = cell_of(_number(job, "lat"), _number(job, "lon"))
    cand_cell = cell_of(_number(candidate, "lat"), _number(candidate, "lon"))
    if job_cell is not None and cand_cell is not None and cells_touch(job_cell, cand_cell):
        value += LOCATION_NEARBY
    return value


def _level(row: Row) -> int | None:
    value = _text(row, "seniority")
    if value is None:
        return None
    if value not in SENIORITY_LEVELS:
        raise ScoringError(f"seniority {value!r} is not one of {SENIORITY_LEVELS}")
    return SENIORITY_LEVELS.index(value)


def _seniority(candidate: Row, job: Row) -> float:
    a, b = _level(candidate), _level(job)
    if a is None or b is None:
        return NEUTRAL
    return max(0.0, 1.0 - abs(a - b) / 4.0)


def _salary(candidate: Row, job: Row) -> float:
    amount = _number(job, "salary_annual_max")
    if amount is None:
        amount = _number(job, "salary_annual_min")
    floor = _number(candidate, "salary_floor_annual")
    if amount is None or floor is None:
        return NEUTRAL
    job_usd = to_usd(amount, _text(job, "salary_currency"))
    floor_usd = to_usd(floor, _text(candidate, "salary_currency"))
    if job_usd is None or floor_usd is None:
        return NEUTRAL
    if floor_usd <= 0:
        return 1.0
    ratio = job_usd / floor_usd
    return min(1.0, max(0.0, (ratio - SALARY_ZERO_RATIO) / (1.0 - SALARY_ZERO_RATIO)))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _freshness(job: Row, now: datetime, settings: ScoringSettings) -> float:
    seen = job.get("posted_at") or job.get("first_seen") or job.get("last_seen")
    if seen is None:
        return NEUTRAL
    age_days = max(0.0, (_utc(now) - _utc(seen)).total_seconds() / 86_400.0)
    return float(0.5 ** (age_days / settings.freshness_half_life_days))


def _occupation(candidate: Row, job: Row) -> float:
    """A quarter for each of: same ESCO occupation, same ISCO unit (4 digits), minor (3) and
    sub-major (2) group; unknown occupation on either side: OCCUPATION_UNKNOWN."""
    mine, theirs = _text(candidate, "occupation"), _text(job, "occupation")
    a, b = _text(candidate, "isco") or "", _text(job, "isco") or ""
    if mine is None or theirs is None or not _unit_group(a) or not _unit_group(b):
        return OCCUPATION_UNKNOWN
    shared = int(mine == theirs) + sum(1 for d in (4, 3, 2) if a[:d] == b[:d])
    return shared / 4


def _unit_group(code: str) -> bool:
    return len(code) == 4 and code.isdigit()


def factors(
    candidate: Row, job: Row, *, now: datetime, settings: ScoringSettings
) -> dict[str, float]:
    """Return the exact value in [0, 1] of every factor of one pair, by FACTORS name."""
    return {
        "semantic": _semantic(candidate, job),
        "skills": _skills(candidate, job),
        "location": _location(candidate, job, settings),
        "seniority": _seniority(candidate, job),
        "salary": _salary(candidate, job),
        "freshness": _freshness(job, now, settings),
        "occupation": _occupation(candidate, job),
    }


def weighted(values: Mapping[str, float], settings: ScoringSettings) -> float:
    """Return the score of factor values: the sum of weight * factor."""
    return sum(getattr(settings, f"w_{name}") * values[name] for name in FACTORS)


def score(candidate: Row, job: Row, *, now: datetime, settings: ScoringSettings) -> float:
    """Return the exact match score of one pair (ignoring the hard filter)."""
    return weighted(factors(candidate, job, now=now, settings=settings), settings)


def rank(
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    settings: ScoringSettings,
    now: datetime,
    top_k: int | None = None,
) -> pl.DataFrame:
    """Return every candidate's top-K allowed jobs by brute force, as a MATCHES frame.

    Ties are broken by the job's position in `jobs`, as the engine does; the frame has no
    run_id (the caller adds it).
    """
    k = top_k or settings.top_k
    job_rows = jobs.to_dicts()
    out: list[dict[str, Any]] = []
    for cand in candidates.to_dicts():
        scored = []
        for pos, job in enumerate(job_rows):
            if not allowed(cand, job, settings):
                continue
            values = factors(cand, job, now=now, settings=settings)
            scored.append((-weighted(values, settings), pos, values))
        scored.sort(key=lambda t: (t[0], t[1]))
        have = {s for s in cand.get("skills") or () if s}
        for rank_no, (neg, pos, values) in enumerate(scored[:k], start=1):
            job = job_rows[pos]
            wanted = list(dict.fromkeys(s for s in job.get("skills") or () if s))
            out.append(
                {
                    "candidate_id": cand["candidate_id"],
                    "job_id": job["job_id"],
                    "rank": rank_no,
                    "score": -neg,
                    **values,
                    "matched_skills": [s for s in wanted if s in have],
                    "missing_skills": [s for s in wanted if s not in have],
                }
            )
    return _matches_frame(out)


def _matches_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema: dict[str, Any] = {
        "candidate_id": pl.String,
        "job_id": pl.String,
        "rank": pl.Int32,
        "score": pl.Float32,
        **{name: pl.Float32 for name in FACTORS},
        "matched_skills": pl.List(pl.String),
        "missing_skills": pl.List(pl.String),
    }
    return pl.DataFrame(rows, schema=schema)
