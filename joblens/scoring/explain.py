"""Exact per-factor breakdown for the pairs the ranking pass kept, vectorized over pairs.

The ranking pass (`engine.py`) over-fetches candidates' best jobs with a slightly
approximate product; this module recomputes each kept pair's factors exactly (the
definitions in `features.py`, the same as `reference.py`), re-ranks on the exact score, and
writes the top-K as a MATCHES frame with matched and missing skills.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from joblens.schemas import MATCHES
from joblens.scoring.features import (
    FACTORS,
    LOCATION_NEARBY,
    LOCATION_SAME_CITY,
    LOCATION_SAME_COUNTRY,
    LOCATION_UNPLACED,
    LON_CELLS,
    NEUTRAL,
    OCCUPATION_SHARE,
    OCCUPATION_UNKNOWN,
    REMOTE_MODE,
    SALARY_ZERO_RATIO,
    CandidateAttributes,
    JobAttributes,
    placed_out,
)
from joblens.settings import ScoringSettings

__all__ = [
    "JobIndex",
    "Reranked",
    "exact_factors",
    "explain",
    "rerank",
    "row_best",
    "weighted",
]

_SEMANTIC_BATCH = 16_384  # pairs per gathered embedding batch: ~25 MB at dim 384
_SEMANTIC_ROWS = 32  # candidates per gathered batch of the rectangular path: ~15 MB
_WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))


class JobIndex:
    """The jobs' attributes as integer-coded arrays, built once and shared by every chunk."""

    def __init__(self, jobs: JobAttributes) -> None:
        self.jobs = jobs
        self.job_ids = pa.array(jobs.ids, pa.string())
        self.places: dict[str, int] = {}
        self.city = self.lookup(jobs.city)
        self.country = self.lookup(jobs.country)
        self.cell_row, self.cell_col = _cells(jobs.cell)
        self.located = jobs.located
        self.skills, self.skill_codes = jobs.skill_codes()
        self.skill_dictionary = pa.array(list(self.skills), pa.string())
        counts = np.array([len(row) for row in jobs.skills], dtype=np.int64)
        self.skill_offsets = np.concatenate([[0], np.cumsum(counts)])
        self.occupation_keys: dict[str, int] = {}
        self.occupation = self.occupation_codes(jobs.occupation, len(jobs.ids))

    def occupation_codes(self, keys: list[list[str]], n: int) -> np.ndarray:
        """Return [n, 4] int codes of each row's occupation and ISCO groups (-1 unknown);
        equal code = equal key, and a key no job has gets a fresh code."""
        out = np.full((n, 4), -1, dtype=np.int64)
        for row, row_keys in enumerate(keys or [[] for _ in range(n)]):
            for level, key in enumerate(row_keys[:4]):
                out[row, level] = self.occupation_keys.setdefault(key, len(self.occupation_keys))
        return out

    def lookup(self, places: list[str | None]) -> np.ndarray:
        """Return an int code per city key or country (-1 for None); equal code = equal place.

        A place no job has gets a fresh code, so it equals nothing on the job side.
        """
        return np.array(
            [-1 if v is None else self.places.setdefault(v, len(self.places)) for v in places],
            dtype=np.int64,
        )


def _cells(cells: list[tuple[int, int] | None]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.array([-10 if c is None else c[0] for c in cells], dtype=np.int64)
    cols = np.array([-10 if c is None else c[1] for c in cells], dtype=np.int64)
    return rows, cols


def _semantic(
    cand: np.ndarray, job: np.ndarray, ci: np.ndarray, ji: np.ndarray, width: int | None
) -> np.ndarray:
    """Return (1 + cosine) / 2 per pair; with `width`, the pairs are each candidate's
    `width` jobs in turn (ci = 0,0,..,1,1,..), gathered by rows of candidates on every core."""
    out = np.full(len(ci), NEUTRAL)
    if cand.shape[1] == 0 or job.shape[1] == 0:
        return out
    # float32 products of unit vectors: error ~1e-6, far inside the engine's margin.
    if width:
        jobs, owner = ji.reshape(-1, width), ci[::width]
        cos = np.empty(jobs.shape, dtype=np.float32)

        def rows(lo: int, hi: int) -> None:
            for start in range(lo, hi, _SEMANTIC_ROWS):
                part = slice(start, min(start + _SEMANTIC_ROWS, hi))
                cos[part] = np.matmul(job[jobs[part]], cand[owner[part], :, None])[..., 0]

        bounds = np.linspace(0, len(jobs), _WORKERS + 1).astype(int)
        with ThreadPoolExecutor(_WORKERS) as pool:  # numpy drops the GIL in both steps
            list(pool.map(rows, bounds[:-1], bounds[1:]))
        return (1.0 + cos.reshape(-1).astype(np.float64)) / 2.0
    for start in range(0, len(ci), _SEMANTIC_BATCH):
        part = slice(start, start + _SEMANTIC_BATCH)
        cos = np.einsum("pd,pd->p", cand[ci[part]], job[ji[part]], dtype=np.float32)
        out[part] = (1.0 + cos.astype(np.float64)) / 2.0
    # A zero (missing) embedding has cosine 0: already (1 + 0) / 2.
    return out


def _skill_hits(
    index: JobIndex, cand_skills: list[list[str]], ci: np.ndarray, ji: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (pair of each job-skill entry, that skill's position, whether the cand has it)."""
    starts, stops = index.skill_offsets[ji], index.skill_offsets[ji + 1]
    counts = stops - starts
    pair = np.repeat(np.arange(len(ji)), counts)
    # Position of each entry inside the flat job-skill arrays.
    pos = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    have = np.zeros((len(cand_skills), max(len(index.skills), 1)), dtype=bool)
    for row, skills in enumerate(cand_skills):
        codes = [index.skills[s] for s in skills if s in index.skills]
        have[row, codes] = True
    hit = have[np.repeat(ci, counts), index.skill_codes[pos]]  # ci[pair], without a gather
    return pair, pos, hit


def exact_factors(
    index: JobIndex,
    cands: CandidateAttributes,
    ci: np.ndarray,
    ji: np.ndarray,
    *,
    settings: ScoringSettings,
    width: int | None = None,
    cosines: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Return ({factor: values per pair}, allowed per pair) for pairs (cands[ci], jobs[ji]);
    `width` says the pairs are rows of one candidate's `width` jobs each (faster);
    `cosines`, the pairs' embedding cosines when the caller has them (float32)."""
    jobs = index.jobs
    if cosines is not None and cands.embedding.shape[1] and jobs.embedding.shape[1]:
        semantic = (1.0 + cosines.reshape(-1).astype(np.float64)) / 2.0
    else:
        semantic = _semantic(cands.embedding, jobs.embedding, ci, ji, width)
    out: dict[str, np.ndarray] = {"semantic": semantic}
    pair, _, hit = _skill_hits(index, cands.skills, ci, ji)
    n_skills = np.diff(index.skill_offsets)[ji]
    matched = np.bincount(pair, weights=hit, minlength=len(ji))
    out["skills"] = np.where(n_skills > 0, matched / np.maximum(n_skills, 1), NEUTRAL)
    out["location"] = _location(index, cands, ci, ji, settings)
    lc, lj = cands.level[ci].astype(np.int64), jobs.level[ji].astype(np.int64)
    out["seniority"] = np.where(
        (lc >= 0) & (lj >= 0), np.clip(1.0 - np.abs(lc - lj) / 4.0, 0.0, None), NEUTRAL
    )
    job_usd, floor = jobs.salary_usd[ji], cands.floor_usd[ci]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.clip((job_usd / floor - SALARY_ZERO_RATIO) / (1 - SALARY_ZERO_RATIO), 0, 1)
    salary = np.where(floor <= 0, 1.0, ratio)
    out["salary"] = np.where(np.isnan(job_usd) | np.isnan(floor), NEUTRAL, salary)
    out["freshness"] = jobs.freshness[ji].astype(np.float64)
    out["occupation"] = _occupation(index, cands, ci, ji)
    mode = jobs.mode[ji].astype(np.int64)
    allowed = (mode < 0) | cands.accepts[ci, np.maximum(mode, 0)]
    if settings.place_filter != "none":
        c_country = index.lookup(cands.country)[ci]
        allowed &= ~placed_out(index.country[ji], c_country, mode == REMOTE_MODE, settings)
    return out, allowed


def _occupation(
    index: JobIndex, cands: CandidateAttributes, ci: np.ndarray, ji: np.ndarray
) -> np.ndarray:
    """The occupation factor per pair: the share of codes both hold where both are known,
    else OCCUPATION_UNKNOWN; the code rows are compared only for those pairs."""
    cand_codes = index.occupation_codes(cands.occupation, len(cands.ids))
    known = (cand_codes[ci, 0] >= 0) & (index.occupation[ji, 0] >= 0)
    out = np.full(len(ji), OCCUPATION_UNKNOWN, dtype=np.float64)
    if known.any():
        kc, kj = ci[known], ji[known]
        job_occ = index.occupation[kj]
        shared = ((cand_codes[kc] == job_occ) & (job_occ >= 0)).sum(axis=1)
        out[known] = OCCUPATION_SHARE * shared
    return out


def _location(
    index: JobIndex,
    cands: CandidateAttributes,
    ci: np.ndarray,
    ji: np.ndarray,
    settings: ScoringSettings,
) -> np.ndarray:
    c_city, c_country = index.lookup(cands.city)[ci], index.lookup(cands.country)[ci]
    c_row, c_col = (a[ci] for a in _cells(cands.cell))
    j_city, j_country = index.city[ji], index.country[ji]
    j_row, j_col = index.cell_row[ji], index.cell_col[ji]
    value = (
        LOCATION_SAME_CITY * ((j_city >= 0) & (j_city == c_city))
        + LOCATION_SAME_COUNTRY * ((j_country >= 0) & (j_country == c_country))
    ).astype(np.float64)
    dcol = np.abs(j_col - c_col) % LON_CELLS
    near = (
        (j_row >= 0)
        & (c_row >= 0)
        & (np.abs(j_row - c_row) <= 1)
        & (np.minimum(dcol, LON_CELLS - dcol) <= 1)
    )
    value += LOCATION_NEARBY * near
    c_located = cands.located[ci]
    value = np.where(index.located[ji] & c_located, value, NEUTRAL)
    value = np.where(~index.located[ji] & c_located, LOCATION_UNPLACED, value)
    remote = index.jobs.mode[ji] == REMOTE_MODE
    remote_value = np.where(cands.stated[ci], 1.0, NEUTRAL)
    if settings.remote_same_country_only:
        differ = (j_country >= 0) & (c_country >= 0) & (j_country != c_country)
        remote_value = np.where(differ, 0.0, remote_value)
    return np.where(remote, remote_value, value)


def exact_scores(
    index: JobIndex,
    cands: CandidateAttributes,
    ci: np.ndarray,
    ji: np.ndarray,
    *,
    settings: ScoringSettings,
    width: int | None = None,
    cosines: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Return ({factor: values per pair}, exact score per pair) for pairs (cands[ci],
    jobs[ji]), -inf where the hard filters remove the pair (`width`, `cosines`: as in
    `exact_factors`)."""
    values, allowed = exact_factors(
        index, cands, ci, ji, settings=settings, width=width, cosines=cosines
    )
    return values, np.where(allowed, weighted(values, settings), -np.inf)


def weighted(values: dict[str, np.ndarray], settings: ScoringSettings) -> np.ndarray:
    """Return the score per pair: the sum of weight * factor."""
    return sum(  # type: ignore[return-value]
        getattr(settings, f"w_{name}") * values[name] for name in FACTORS
    )


def row_best(values: np.ndarray, k: int) -> np.ndarray:
    """Return the columns of each row's `k` largest values, unordered (every column when
    the rows are no wider than `k`)."""
    n, width = values.shape
    if k >= width:
        return np.tile(np.arange(width), (n, 1))
    return np.argpartition(-values, k - 1, axis=1)[:, :k]


@dataclass
class Reranked:
    """The exact top-K of a shortlist, and each candidate's K-th exact score."""

    frame: pl.DataFrame  # MATCHES without run_id
    kth: np.ndarray  # [C] exact score of the K-th kept pair; -inf with fewer than K kept


def rerank(
    index: JobIndex,
    cands: CandidateAttributes,
    shortlist: np.ndarray,
    *,
    settings: ScoringSettings,
    top_k: int,
    cosines: np.ndarray | None = None,
) -> Reranked:
    """Return the exact top-K per candidate among `shortlist` [C, M] job indices
    (`cosines` [C, M]: their embedding cosines, when the ranking pass computed them).

    Pairs the hard filter removes are dropped (a candidate may get fewer than K rows); ties
    on the exact score go to the earlier job, as in `reference.rank`.
    """
    n_cand, width = shortlist.shape
    ci = np.repeat(np.arange(n_cand), width)
    ji = shortlist.reshape(-1).astype(np.int64)
    values, flat_total = exact_scores(
        index, cands, ci, ji, settings=settings, width=width, cosines=cosines
    )
    total = flat_total.reshape(n_cand, width)
    jobs = ji.reshape(n_cand, width)
    # Each row's best K: a partition, then a sort of those by exact score (descending) and
    # job position (ties to the earlier job). Filtered pairs (-inf) fall out below.
    k = min(top_k, width)
    best = row_best(total, k)
    picked_total = np.take_along_axis(total, best, axis=1)
    picked_job = np.take_along_axis(jobs, best, axis=1)
    order = np.lexsort((picked_job, -picked_total), axis=1)
    flat = (np.arange(n_cand)[:, None] * width + np.take_along_axis(best, order, axis=1)).ravel()
    rank = np.tile(np.arange(1, k + 1), n_cand)
    keep = np.isfinite(flat_total[flat])
    flat, rank = flat[keep], rank[keep]
    ci, ji, total_kept = ci[flat], ji[flat], total.reshape(-1)[flat]
    values = {name: v[flat] for name, v in values.items()}
    kth = np.full(n_cand, -np.inf)
    at_k = rank == top_k
    kth[ci[at_k]] = total_kept[at_k]
    frame = pairs_frame(index, cands, ci, ji, rank, total_kept, values)
    return Reranked(frame, kth)


def pairs_frame(
    index: JobIndex,
    cands: CandidateAttributes,
    ci: np.ndarray,
    ji: np.ndarray,
    rank: np.ndarray,
    total: np.ndarray,
    values: dict[str, np.ndarray],
) -> pl.DataFrame:
    """Return MATCHES rows (without run_id) of pairs (cands[ci], jobs[ji]) with their rank,
    exact score, factors and matched/missing skills."""
    matched, missing = _skill_lists(index, cands, ci, ji)
    table = pa.table(
        {
            "run_id": pa.nulls(len(ci), pa.string()),
            "candidate_id": pa.array(cands.ids, pa.string()).take(pa.array(ci)),
            "job_id": index.job_ids.take(pa.array(ji)),
            "rank": pa.array(rank.astype(np.int32)),
            "score": pa.array(total.astype(np.float32)),
            **{name: pa.array(values[name].astype(np.float32)) for name in FACTORS},
            "matched_skills": matched,
            "missing_skills": missing,
        },
        schema=MATCHES,
    )
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.drop("run_id")


def explain(
    index: JobIndex,
    cands: CandidateAttributes,
    shortlist: np.ndarray,
    *,
    settings: ScoringSettings,
    top_k: int,
) -> pl.DataFrame:
    """Return the exact top-K per candidate among `shortlist` [C, M] job indices, as MATCHES."""
    return rerank(index, cands, shortlist, settings=settings, top_k=top_k).frame


def _skill_lists(
    index: JobIndex, cands: CandidateAttributes, ci: np.ndarray, ji: np.ndarray
) -> tuple[pa.ListArray, pa.ListArray]:
    """Return (matched, missing) skill-id lists per pair, in the job's skill order."""
    pair, pos, hit = _skill_hits(index, cands.skills, ci, ji)
    codes = index.skill_codes[pos].astype(np.int32)

    def lists(mask: np.ndarray) -> pa.ListArray:
        counts = np.bincount(pair[mask], minlength=len(ji))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        # Codes into the skill dictionary: no Python string per entry.
        values = pa.DictionaryArray.from_arrays(pa.array(codes[mask]), index.skill_dictionary)
        return pa.ListArray.from_arrays(pa.array(offsets), values.cast(pa.string()))

    return lists(hit), lists(~hit)
