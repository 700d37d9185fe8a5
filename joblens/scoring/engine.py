"""Score every candidate against every job in chunks: one matrix product + top-K per chunk.

`match` streams one MATCHES frame (without run_id) per chunk of candidates. Per chunk:

1. the candidate block [chunk, D] times the job block [D, J] plus the job bias gives every
   pair's ranking score (features.py), hard-filtered pairs far below zero;
2. the best `3K + 16` jobs per candidate are kept (torch.topk, or numpy argpartition);
3. explain.py recomputes those pairs' factors exactly and keeps the exact top K;
4. a certificate per candidate: the ranking score is within `Ranker.margin` of the exact
   score (salary interpolation bound + rounding bound of the precision), so no job left
   out can beat the K-th kept one when K-th exact >= lowest kept ranking score + margin.
   Candidates that fail it are re-run with every job whose ranking score reaches their
   K-th exact score - margin: a superset of their true top K.

So the result equals reference.rank's brute force, not just usually.
Memory: the job block stays resident ([J, D], bf16 on CPUs with native bf16); one chunk's
score matrix is kept under ~1/8 of available RAM, and never [all candidates x all jobs].
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
import psutil

from joblens.embed import cpu_has_bf16
from joblens.errors import ScoringError
from joblens.scoring import explain, features
from joblens.scoring.blocks import PlaceBlock, place_layout
from joblens.scoring.features import CandidateAttributes
from joblens.settings import ScoringSettings

__all__ = [
    "Ranker",
    "ScoringStats",
    "auto_chunk_size",
    "match",
    "rank_candidates",
    "shortlist_size",
]

Progress = Callable[[int, int], None]
MAX_CHUNK = 4096


@dataclass
class ScoringStats:
    """Where a `match` spent its time, filled in as its chunks are consumed."""

    matmul_seconds: float = 0.0  # the ranking products and the blocks' pair terms
    topk_seconds: float = 0.0  # shortlists (top-k) and counts of the widening pass
    rerank_seconds: float = 0.0  # exact factors of the shortlisted pairs, MATCHES frames
    pairs_scored: int = 0  # candidate-job ranking scores computed, widening passes included
    blocks: int = 0  # place blocks with at least one job
    backend: str = ""  # the ranking pass's backend and precision, "torch-bf16"
    widened: int = 0  # candidates whose shortlist could have missed a job: ranked again


def shortlist_size(top_k: int, n_jobs: int) -> int:
    """Return how many jobs per candidate the ranking pass keeps for the exact re-rank."""
    return min(n_jobs, 3 * top_k + 16)


def _weights(settings: ScoringSettings) -> tuple[float, float]:
    """Return (sum of all weights, sum of the weights of factors inside the product)."""
    inside = (
        settings.w_semantic / 2
        + settings.w_skills
        + settings.w_location
        + settings.w_seniority
        + settings.w_salary
        + settings.w_occupation
    )
    return inside + settings.w_semantic / 2 + settings.w_freshness, inside


class Ranker:
    """The job side of the ranking product, resident in the chosen backend and precision.

    Three columns are appended to the blocks: the job bias split into a high and a low part
    (so a bf16 bias is as exact as fp32) and a per-candidate shift of -W/2 that centres
    scores on zero, which halves the rounding of a low-precision output; the shift is the
    same for all of a candidate's jobs and is added back exactly.
    """

    def __init__(
        self,
        job_matrix: np.ndarray,
        bias: np.ndarray,
        *,
        settings: ScoringSettings,
        stats: ScoringStats | None = None,
        order: np.ndarray | None = None,
    ) -> None:
        """Keep the jobs' block (rows of `job_matrix`, `bias`) resident, in `order`."""
        self.block: PlaceBlock | None = None
        self.stats = stats or ScoringStats()
        self._w_location = settings.w_location
        self.n_jobs = self._width = job_matrix.shape[0]
        self.backend = "numpy" if settings.backend == "numpy" else "torch"
        total, self._inside = _weights(settings)
        self._salary = settings.w_salary
        self.precision, self._device = "fp32", "cpu"
        dtype: Any = np.float32
        if self.backend == "torch":
            import torch  # heavy; only the torch backend pays for it

            if torch.cuda.is_available():
                self._device, dtype, self.precision = "cuda", torch.float16, "fp16"
            elif cpu_has_bf16():
                dtype, self.precision = torch.bfloat16, "bf16"
            else:
                dtype = torch.float32
        self._dtype = dtype
        self.shift = self._round(np.array([total / 2], dtype=np.float32))[0]
        self._span = max(self.shift, total - self.shift)
        high = self._round(bias.astype(np.float32))
        low = self._round(bias.astype(np.float32) - high)
        extra = np.stack([high, low, np.ones(self.n_jobs, dtype=np.float32)], axis=1)
        width = job_matrix.shape[1] + 3
        pad = -width % 32  # matmul kernels like widths in multiples of 32
        extra = np.concatenate([extra, np.zeros((self.n_jobs, pad), dtype=np.float32)], axis=1)
        self._cand_extra = np.array([1.0, 1.0, -self.shift] + [0.0] * pad, dtype=np.float32)
        order = np.arange(self.n_jobs) if order is None else order
        dim = job_matrix.shape[1]
        # Jobs are rows [J, D] in `order`; products use the transposed view (no copy).
        if self.backend == "numpy":
            self._jobs = np.empty((self.n_jobs, width + pad), dtype=np.float32)
            self._jobs[:, :dim] = job_matrix[order]
            self._jobs[:, dim:] = extra[order]
        else:
            import torch

            t_order = torch.from_numpy(order)
            t_jobs = torch.empty((self.n_jobs, width + pad), dtype=dtype, device=self._device)
            t_jobs[:, :dim] = torch.from_numpy(job_matrix).to(dtype)[t_order].to(self._device)
            t_jobs[:, dim:] = torch.from_numpy(extra).to(dtype)[t_order].to(self._device)
            self._t_jobs = t_jobs

    def _round(self, values: np.ndarray) -> np.ndarray:
        """Return `values` as the ranking precision stores them (back in float32)."""
        if self.precision == "fp32":
            return values
        import torch

        return torch.from_numpy(values).to(self._dtype).float().numpy()

    @property
    def _unit(self) -> float:
        return {"bf16": 2.0**-8, "fp16": 2.0**-11, "fp32": 2.0**-24}[self.precision]

    @property
    def bytes_per_score(self) -> int:
        """Return the working memory one pair's score needs during a chunk (score + top-k)."""
        # numpy: fp32 score plus argpartition's int64 index per pair.
        return {"bf16": 4, "fp16": 4, "fp32": 8}[self.precision] + (
            8 if self.backend == "numpy" else 0
        )

    @property
    def margin(self) -> float:
        """Return the most a ranking score can differ from the exact score of its pair.

        Rounding both factors of a product costs (2u + u^2) of it; the products of the
        factor blocks add up to at most the weights inside the product; the output is rounded
        once at magnitude <= max |score - shift|; accumulation is fp32 (a small constant).
        Plus the interpolated salary block's bound.
        """
        u = self._unit
        rounding = (2 * u + u * u) * self._inside + u * self._span + 1e-5
        # The block's pair terms: each added value is rounded, then the sum (two additions).
        rounding += u * self._w_location + 2 * u * self._span
        return features.SALARY_BLOCK_ERROR * self._salary + rounding

    def for_block(self, block: PlaceBlock) -> Ranker:
        """Return this ranker restricted to a block's runs of jobs (sharing the matrix)."""
        view = copy.copy(self)
        view.block, view.n_jobs = block, len(block.jobs)
        return view

    def _augment(self, cand_matrix: np.ndarray) -> np.ndarray:
        n = cand_matrix.shape[0]
        extra = np.broadcast_to(self._cand_extra, (n, len(self._cand_extra)))
        return np.concatenate([cand_matrix, extra], axis=1)

    def _global(self, idx: np.ndarray) -> np.ndarray:
        """Return job positions of the whole jobs frame for positions in this ranker."""
        return idx if self.block is None else self.block.jobs[idx]

    def _scores(self, cand_matrix: np.ndarray, cands: CandidateAttributes | None) -> Any:
        """Return the rows' ranking scores minus the shift: [C, J] numpy or torch array."""
        started = time.perf_counter()
        block = self._augment(cand_matrix)
        nearby = self.block.nearby(cands) if self.block is not None and cands else []
        self.stats.pairs_scored += block.shape[0] * self.n_jobs
        runs = [(0, self._width)] if self.block is None else self.block.ranges
        if self.backend == "numpy":
            parts = [block @ self._jobs[a:b].T for a, b in runs]
            scores = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
            for rows, cols, value in nearby:
                scores[rows, cols] += np.float32(self._w_location * value)
            self.stats.matmul_seconds += time.perf_counter() - started
            return scores
        import torch

        t_cands = torch.from_numpy(block).to(self._device, self._dtype)
        t_parts = [t_cands @ self._t_jobs[a:b].T for a, b in runs]
        t_scores = t_parts[0] if len(t_parts) == 1 else torch.cat(t_parts, dim=1)
        for rows, cols, value in nearby:
            t_rows, t_cols = (torch.from_numpy(a).to(self._device) for a in (rows, cols))
            t_scores[t_rows, t_cols] += self._w_location * value
        if self._device == "cuda":
            torch.cuda.synchronize()
        self.stats.matmul_seconds += time.perf_counter() - started
        return t_scores

    def count_at_least(
        self,
        cand_matrix: np.ndarray,
        thresholds: np.ndarray,
        cands: CandidateAttributes | None = None,
    ) -> np.ndarray:
        """Return, per candidate row, how many jobs have a ranking score >= its threshold."""
        # Three output roundings lower: this pass and the shortlist's may round a score apart
        # (the product, then each of the two pair terms).
        slack = 3 * self._unit * self._span
        limits = (thresholds - self.shift - slack).astype(np.float32)[:, None]
        if self.backend == "numpy":
            scores = self._scores(cand_matrix, cands)
            started = time.perf_counter()
            counts = (scores >= limits).sum(axis=1)
        else:
            import torch

            with torch.inference_mode():
                t_scores = self._scores(cand_matrix, cands).float()
                started = time.perf_counter()
                t_limits = torch.from_numpy(limits).to(self._device)
                counts = (t_scores >= t_limits).sum(dim=1).cpu().numpy()
        self.stats.topk_seconds += time.perf_counter() - started
        return counts

    def shortlist(
        self, cand_matrix: np.ndarray, size: int, cands: CandidateAttributes | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ([C, size] best job positions (of the whole jobs frame), unordered; [C]
        lowest kept ranking score). `cands` are the rows' attributes, for the pair terms."""
        n = cand_matrix.shape[0]
        if size >= self.n_jobs:
            return np.tile(self._global(np.arange(self.n_jobs)), (n, 1)), np.full(n, -np.inf)
        if self.backend == "numpy":
            scores = self._scores(cand_matrix, cands)
            started = time.perf_counter()
            idx = np.argpartition(-scores, size - 1, axis=1)[:, :size]
            lowest = np.take_along_axis(scores, idx, axis=1).min(axis=1).astype(np.float64)
        else:
            import torch

            with torch.inference_mode():
                t_scores = self._scores(cand_matrix, cands)
                started = time.perf_counter()
                values, t_idx = torch.topk(t_scores, size, dim=1, sorted=False)
                lowest = values.min(dim=1).values.double().cpu().numpy()
                idx = t_idx.cpu().numpy()
        self.stats.topk_seconds += time.perf_counter() - started
        return self._global(idx), lowest + self.shift


def auto_chunk_size(n_jobs: int, *, bytes_per_score: int = 8) -> int:
    """Return candidates per chunk so one chunk's scores use under 1/8 of available RAM."""
    budget = psutil.virtual_memory().available // 8
    return int(max(1, min(MAX_CHUNK, budget // max(1, n_jobs * bytes_per_score))))


def match(
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    settings: ScoringSettings,
    now: datetime,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    stats: ScoringStats | None = None,
) -> Iterator[pl.DataFrame]:
    """Yield chunks of candidates' top-K jobs as MATCHES frames (without run_id).

    Candidates are scored block by block (blocks.py: one country and its remote jobs at a
    time), so a chunk holds candidates of one block, in the frame's order within it; every
    candidate is in one chunk, or in none when its hard filters leave it no job.
    Inputs are checked before the first chunk: no jobs, or embeddings of different widths,
    raise ScoringError right here rather than inside the iteration. `progress(done, total)`
    is called after each chunk with the number of candidates done; `stats`, when given, adds
    up where the time went.
    """
    if jobs.height == 0:
        raise ScoringError("scoring: expected at least one job, got an empty jobs frame")
    job_attrs = features.job_attributes(jobs, settings=settings, now=now)
    cand_attrs = features.candidate_attributes(candidates)
    cand_dim = cand_attrs.embedding.shape[1]
    job_dim = job_attrs.embedding.shape[1]
    if cand_dim and job_dim and cand_dim != job_dim:
        raise ScoringError(
            f"embedding width differs: jobs have {job_dim}, candidates have {cand_dim}"
        )
    vocab = features.Vocabulary.build(job_attrs, settings=settings, places=False)
    vocab.dim = vocab.dim or cand_dim
    if not job_dim and cand_dim:
        job_attrs.embedding = np.zeros((jobs.height, cand_dim), dtype=np.float32)
    if not cand_dim and vocab.dim:
        cand_attrs.embedding = np.zeros((candidates.height, vocab.dim), dtype=np.float32)
    job_matrix, bias = features.job_block_from(job_attrs, vocab, settings)
    layout = place_layout(cand_attrs, job_attrs, settings)
    stats = stats or ScoringStats()
    # Resident once, in the layout's order: each block ranks against views of it.
    ranker = Ranker(job_matrix, bias, settings=settings, stats=stats, order=layout.order)
    del job_matrix
    scorer = _BlockScorer(ranker, explain.JobIndex(job_attrs), vocab, settings, chunk_size)
    return _chunks(cand_attrs, layout.blocks, scorer, progress)


class _BlockScorer:
    """What every block's ranking shares: the jobs' factor block, index and the settings."""

    def __init__(
        self,
        ranker: Ranker,
        index: explain.JobIndex,
        vocab: features.Vocabulary,
        settings: ScoringSettings,
        chunk_size: int | None,
    ) -> None:
        self._ranker, self.index = ranker, index
        self.vocab, self.settings, self.chunk_size = vocab, settings, chunk_size
        self.stats = ranker.stats
        self.stats.backend = f"{ranker.backend}-{ranker.precision}"

    def ranker(self, block: PlaceBlock) -> Ranker:
        self.stats.blocks += 1
        return self._ranker.for_block(block)

    def size(self, ranker: Ranker) -> int:
        """Return candidates per chunk: as set, else from free memory for this block."""
        return (
            self.chunk_size
            or self.settings.chunk_size
            or auto_chunk_size(ranker.n_jobs, bytes_per_score=ranker.bytes_per_score)
        )

    def top_k(self, chunk: CandidateAttributes, ranker: Ranker) -> pl.DataFrame:
        started = time.perf_counter()
        ranked = self.stats.matmul_seconds + self.stats.topk_seconds
        block = features.candidate_block_from(chunk, self.vocab, self.settings)
        frame = _certified_top_k(chunk, block, ranker, self.index, self.settings)
        ranked = self.stats.matmul_seconds + self.stats.topk_seconds - ranked
        self.stats.rerank_seconds += time.perf_counter() - started - ranked
        return frame


def _chunks(
    cands: CandidateAttributes,
    blocks: list[PlaceBlock],
    scorer: _BlockScorer,
    progress: Progress | None,
) -> Iterator[pl.DataFrame]:
    total, done = len(cands.ids), 0
    for block in blocks:
        if not len(block.jobs):  # its hard filters leave these candidates no job
            done += len(block.candidates)
            if progress is not None:
                progress(done, total)
            continue
        ranker = scorer.ranker(block)
        size = scorer.size(ranker)
        for start in range(0, len(block.candidates), size):
            rows = block.candidates[start : start + size]
            yield scorer.top_k(cands.take(rows), ranker)
            done += len(rows)
            if progress is not None:
                progress(done, total)
        del ranker


def _certified_top_k(
    chunk: features.CandidateAttributes,
    block: np.ndarray,
    ranker: Ranker,
    index: explain.JobIndex,
    settings: ScoringSettings,
) -> pl.DataFrame:
    """Return the chunk's exact top-K, widening the shortlist for uncertain candidates.

    Pass 1 shortlists a fixed width. A candidate whose K-th exact score is not `margin`
    above its lowest shortlisted ranking score may miss a job; pass 2 shortlists exactly the
    jobs whose ranking score reaches (that K-th exact score - margin), which holds all its
    true top K (each has ranking score >= exact score - margin >= that threshold).
    """
    k, margin = settings.top_k, ranker.margin
    width = shortlist_size(k, ranker.n_jobs)
    shortlist, lowest = ranker.shortlist(block, width, chunk)
    result = explain.rerank(index, chunk, shortlist, settings=settings, top_k=k)
    # Every allowed job is in the shortlist once its lowest score is a filtered one.
    done = (
        (width >= ranker.n_jobs)
        | (lowest < features.FILTERED / 2)
        | (result.kth >= lowest + margin)
    )
    if done.all():
        return result.frame
    keep = [chunk.ids[i] for i in np.flatnonzero(done)]
    parts = [result.frame.filter(pl.col("candidate_id").is_in(keep))]
    pending = np.flatnonzero(~done)
    ranker.stats.widened += len(pending)
    counts = ranker.count_at_least(
        block[pending], result.kth[pending] - margin, chunk.take(pending)
    )
    # Rows grouped by the power of two that holds their count: few, rectangular passes.
    groups = np.minimum(2 ** np.ceil(np.log2(np.maximum(counts, k))), ranker.n_jobs)
    for group_width in np.unique(groups):
        rows = pending[groups == group_width]
        sub = chunk.take(rows)
        shortlist, _ = ranker.shortlist(block[rows], int(group_width), sub)
        parts.append(explain.rerank(index, sub, shortlist, settings=settings, top_k=k).frame)
    if len(parts) == 1:
        return parts[0]
    position = {cid: i for i, cid in enumerate(chunk.ids)}
    merged = pl.concat(parts)
    order = np.lexsort(
        (
            merged["rank"].to_numpy(),
            np.array([position[c] for c in merged["candidate_id"].to_list()]),
        )
    )
    return merged[order]


def rank_candidates(
    candidates: pl.DataFrame,
    job: pl.DataFrame,
    *,
    settings: ScoringSettings,
    now: datetime,
    top: int,
) -> pl.DataFrame:
    """Return the `top` candidates for one job (the recruiter's direction), best first.

    Every candidate is scored against the one job with the same factors and hard filters
    as `match`; a candidate the hard filters exclude does not appear. Columns are MATCHES'
    (rank is the candidate's place for this job).
    """
    if job.height != 1:
        raise ScoringError(f"rank_candidates takes one job, got {job.height}")
    one = settings.model_copy(update={"top_k": 1})
    chunks = list(match(candidates, job, settings=one, now=now)) if candidates.height else []
    if not chunks:
        return pl.DataFrame(schema={"candidate_id": pl.String, "rank": pl.Int32})
    ranked = pl.concat(chunks).sort(["score", "candidate_id"], descending=[True, False])
    return ranked.head(top).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("rank")
    )
