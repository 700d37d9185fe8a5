"""The recruiter's direction at scale: every job's best candidates (gold/job_matches).

The same resident job block, place blocks and ranking products as `engine.match`, read
down the columns instead of along the rows, so it costs what the candidates' pass costs.
Per chunk of a place block's candidates, each job's `M` best candidates by ranking score
(M = kept_per_job(K, candidates)) are merged into a running [jobs, M] table; a job
open to several blocks (remote, unknown place) merges all of them. Then the kept pairs are
scored exactly (explain.exact_factors) and each job keeps its exact top K, ties to the
smaller candidate_id. `rank_candidates` is the same for one new ad.

A certificate per job, as in the candidate direction: a ranking score is within
`Ranker.margin` of its pair's exact score, so when a job's K-th exact score is at least its
lowest kept ranking score + margin, no candidate left out can beat it. The jobs that fail it
get a second pass keeping WIDEN x M, and any still uncertain are scored exactly against
every candidate, exact by construction. So the result equals scoring every pair, not just
usually.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from joblens.errors import ScoringError
from joblens.schemas import MATCHES
from joblens.scoring import explain, features
from joblens.scoring.blocks import PlaceBlock
from joblens.scoring.engine import BlockScorer, ScoringStats, block_chunks, prepare
from joblens.scoring.features import CandidateAttributes
from joblens.settings import ScoringSettings

__all__ = ["kept_per_job", "rank_candidates", "top_candidates"]

_EXACT_PAIRS = 2_000_000  # pairs scored exactly per step: bounds the re-rank's memory
WIDEN = 4  # the second pass keeps this many times the first's candidates per job


def kept_per_job(top: int, n_candidates: int) -> int:
    """Candidates per job the first ranking pass keeps for the exact re-score: `top` + 16.
    The pass ranks in fp32, so a ranking score is within the salary block's interpolation
    error of the exact one and little over-fetch is needed (at design scale, no job was
    uncertain; the candidate side's 3K + 16 cost 22 s against 15 s)."""
    return min(n_candidates, top + 16)


class _Kept:
    """The best `m` candidates so far, by ranking score, of each of some jobs: [jobs, m]
    values and candidate positions; `column[j]` is job j's row (-1: not followed)."""

    def __init__(self, m: int, jobs: np.ndarray, n_jobs: int) -> None:
        self.jobs = jobs
        self.column = np.full(n_jobs, -1, dtype=np.int64)
        self.column[jobs] = np.arange(len(jobs))
        self.values = np.full((len(jobs), m), -np.inf, dtype=np.float32)
        self.who = np.full((len(jobs), m), -1, dtype=np.int64)

    def merge(self, cols: np.ndarray, values: np.ndarray, who: np.ndarray) -> None:
        """Fold [len(cols), k] candidates (ranking scores, candidate positions) into the
        rows `cols`."""
        m = self.values.shape[1]
        both_v = np.concatenate([self.values[cols], values], axis=1)
        both_w = np.concatenate([self.who[cols], who], axis=1)
        best = explain.row_best(both_v, m)
        self.values[cols] = np.take_along_axis(both_v, best, axis=1)
        self.who[cols] = np.take_along_axis(both_w, best, axis=1)


def _column_best(scores: Any, columns: np.ndarray | None, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ([k, n] values, [k, n] rows) of the k = min(m, rows) best of each of the
    `columns` (all when None) of a run's [rows, run] scores."""
    if isinstance(scores, np.ndarray):
        part = scores if columns is None else scores[:, columns]
        rows = explain.row_best(part.T, m).T  # each column's best, as row_best gives a row's
        return np.take_along_axis(part, rows, axis=0).astype(np.float32), rows
    import torch

    t_part = scores if columns is None else scores[:, torch.from_numpy(columns)]
    t_k = min(m, t_part.shape[0])
    t_values, t_rows = torch.topk(t_part.float(), t_k, dim=0, sorted=False)
    return t_values.cpu().numpy(), t_rows.cpu().numpy()


def _inference(backend: str) -> AbstractContextManager[object]:
    """torch.inference_mode for the torch backend, else nothing."""
    if backend != "torch":
        return nullcontext()
    import torch

    return torch.inference_mode()


def _rank_pass(
    cands: CandidateAttributes,
    blocks: list[PlaceBlock],
    scorer: BlockScorer,
    kept: _Kept,
    progress: Callable[[int, int], None] | None,
) -> float:
    """Fill `kept` from every block's ranking scores (blocks with none of its jobs passed
    over); return the ranker's margin."""
    m = kept.values.shape[1]
    margin = 0.0

    def unfollowed(block: PlaceBlock) -> bool:
        return not (kept.column[block.jobs] >= 0).any()

    for ranker, rows in block_chunks(len(cands.ids), blocks, scorer, progress, unfollowed):
        assert ranker.block is not None
        block_jobs, margin = ranker.block.jobs, ranker.margin
        chunk = cands.take(rows)
        matrix = features.candidate_block_from(chunk, scorer.vocab, scorer.settings)
        with _inference(ranker.backend):
            runs = ranker.scores(matrix, chunk)
            started = time.perf_counter()
            for first, scores, _ in runs:
                run_jobs = block_jobs[first : first + scores.shape[1]]
                inside = np.flatnonzero(kept.column[run_jobs] >= 0)
                if not len(inside):
                    continue
                every = len(inside) == len(run_jobs)
                values, best = _column_best(scores, None if every else inside, m)
                cols = kept.column[run_jobs[inside]]
                kept.merge(cols, (values + ranker.shift).T, rows[best].T)
            scorer.stats.topk_seconds += time.perf_counter() - started
    return margin


def _best_per_job(
    ci: np.ndarray, ji: np.ndarray, total: np.ndarray, id_order: np.ndarray, k: int
) -> np.ndarray:
    """Return the pair positions of each job's exact top k allowed pairs, ordered by job,
    then score (descending), then candidate_id."""
    order = np.lexsort((id_order[ci], -total, ji))
    order = order[np.isfinite(total[order])]
    return order[_place_in_group(ji[order]) < k]


def _place_in_group(keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal consecutive keys."""
    if not len(keys):
        return keys
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return np.arange(len(keys)) - np.repeat(starts, np.diff(np.r_[starts, len(keys)]))


class _Settler:
    """Exact scores of kept pairs, job by job: each job's exact top K, or the job handed
    back as uncertain."""

    def __init__(
        self, scorer: BlockScorer, cands: CandidateAttributes, top: int, margin: float
    ) -> None:
        self.scorer, self.cands, self.top, self.margin = scorer, cands, top, margin
        # Ties go to the smaller candidate_id: each id's place in sorted order.
        self.id_order = np.empty(len(cands.ids), dtype=np.int64)
        order = np.argsort(np.asarray(cands.ids, dtype=str), kind="stable")
        self.id_order[order] = np.arange(len(order))
        self.frames: list[pl.DataFrame] = []

    def settle(self, kept: _Kept) -> np.ndarray:
        """Add the certain jobs' top K to `frames`; return the uncertain jobs."""
        m = kept.values.shape[1]
        per_step = max(1, _EXACT_PAIRS // m)
        uncertain = []
        for lo in range(0, len(kept.jobs), per_step):
            part = slice(lo, lo + per_step)
            who, jobs = kept.who[part], kept.jobs[part]
            present = who >= 0
            ci = who[present]
            ji = np.repeat(jobs, present.sum(axis=1))
            values, total = self._exact(ci, ji)
            pick = _best_per_job(ci, ji, total, self.id_order, self.top)
            # The K-th exact score per job (-inf with fewer than K allowed pairs).
            kth = np.full(len(jobs), -np.inf)
            at_k = pick[_place_in_group(ji[pick]) == self.top - 1]
            kth[kept.column[ji[at_k]] - lo] = total[at_k]
            lowest = kept.values[part].min(axis=1)
            # Certain: every scored candidate kept, or only filtered ones left out, or the
            # K-th exact score beats anything left out (its ranking score + margin).
            sure = (
                ~present.all(axis=1)
                | (lowest < features.FILTERED / 2)
                | (kth >= lowest + self.margin)
            )
            uncertain.append(jobs[~sure])
            keep = pick[np.isin(ji[pick], jobs[sure])]
            self.frames.append(self._frame(ci, ji, total, values, keep))
        return np.concatenate(uncertain) if uncertain else np.array([], dtype=np.int64)

    def every_candidate(self, jobs: np.ndarray) -> None:
        """Add the top K of `jobs` scored exactly against every candidate."""
        n = len(self.cands.ids)
        per_step = max(1, _EXACT_PAIRS // max(1, n))
        for lo in range(0, len(jobs), per_step):
            cols = jobs[lo : lo + per_step]
            ci, ji = np.tile(np.arange(n), len(cols)), np.repeat(cols, n)
            values, total = self._exact(ci, ji)
            pick = _best_per_job(ci, ji, total, self.id_order, self.top)
            self.frames.append(self._frame(ci, ji, total, values, pick))

    def _exact(self, ci: np.ndarray, ji: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(factors, exact score, -inf where filtered) of pairs (ci, ji)."""
        scorer = self.scorer
        return explain.exact_scores(scorer.index, self.cands, ci, ji, settings=scorer.settings)

    def _frame(
        self,
        ci: np.ndarray,
        ji: np.ndarray,
        total: np.ndarray,
        values: dict[str, np.ndarray],
        pick: np.ndarray,
    ) -> pl.DataFrame:
        """MATCHES rows of the picked pairs (job by job, best first), ranked 1.. per job."""
        rank = _place_in_group(ji[pick]) + 1
        picked = {name: v[pick] for name, v in values.items()}
        return explain.pairs_frame(
            self.scorer.index, self.cands, ci[pick], ji[pick], rank, total[pick], picked
        )


def top_candidates(
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    settings: ScoringSettings,
    now: datetime,
    top: int,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    stats: ScoringStats | None = None,
) -> pl.DataFrame:
    """Return every job's exact top `top` candidates as MATCHES rows (without run_id),
    ordered by job position then rank, weighed with the recruiter's weights
    (`settings.recruiter`); a job no candidate may see has no row.

    Two ranking passes at most: the first keeps M = kept_per_job(top, candidates) per
    job; the jobs it leaves uncertain get a second pass keeping WIDEN x M; any still
    uncertain are scored exactly against every candidate."""
    if candidates.is_empty():
        empty = pl.from_arrow(MATCHES.empty_table())
        assert isinstance(empty, pl.DataFrame)
        return empty.drop("run_id")
    stats = stats or ScoringStats()
    settings = settings.for_recruiter()
    # fp32 ranking: a job's candidates crowd closer than a candidate's jobs (many people of
    # one city and trade), so bf16's rounding margin left 15% of the jobs uncertain at
    # design scale and a second pass cost more than fp32's slower product (34 s -> 23 s).
    cands, blocks, scorer = prepare(
        candidates, jobs, settings, now, chunk_size, stats, reduced=False
    )
    n_jobs, n_cands = jobs.height, len(cands.ids)
    m = kept_per_job(top, n_cands)
    kept = _Kept(m, np.arange(n_jobs), n_jobs)
    margin = _rank_pass(cands, blocks, scorer, kept, progress)
    started = time.perf_counter()
    settler = _Settler(scorer, cands, top, margin)
    uncertain = settler.settle(kept)
    stats.rerank_seconds += time.perf_counter() - started
    if len(uncertain) and m < n_cands:
        stats.widened += len(uncertain)
        kept = _Kept(min(n_cands, WIDEN * m), np.sort(uncertain), n_jobs)
        _rank_pass(cands, blocks, scorer, kept, None)
        started = time.perf_counter()
        uncertain = settler.settle(kept)
        stats.rerank_seconds += time.perf_counter() - started
    started = time.perf_counter()
    settler.every_candidate(uncertain)
    stats.rerank_seconds += time.perf_counter() - started
    out = pl.concat(settler.frames)
    position = {j: i for i, j in enumerate(jobs["job_id"].to_list())}
    return (
        out.with_columns(
            pl.col("job_id").replace_strict(position, return_dtype=pl.Int64).alias("_pos")
        )
        .sort(["_pos", "rank"])
        .drop("_pos")
    )


def rank_candidates(
    candidates: pl.DataFrame,
    job: pl.DataFrame,
    *,
    settings: ScoringSettings,
    now: datetime,
    top: int,
) -> pl.DataFrame:
    """Return the `top` candidates for one job (a new ad, `rank candidates`), best first:
    `top_candidates` of that one job. A candidate the hard filters exclude does not appear;
    columns are MATCHES' without run_id (rank is the candidate's place for this job)."""
    if job.height != 1:
        raise ScoringError(f"rank_candidates takes one job, got {job.height}")
    return top_candidates(candidates, job, settings=settings, now=now, top=top)
