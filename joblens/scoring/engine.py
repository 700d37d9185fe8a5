"""Score every candidate against every job it can match, in chunks: products + top-K.

`match` groups the candidates into place blocks (blocks.py: one country, whether they take
remote work) and streams one MATCHES frame (without run_id) per chunk of a block. Per chunk:

1. the ranking score of every pair of the block: the candidates' embeddings times the
   jobs' (fp32 cosines) plus the rest of the candidate block times the job block, with the
   job bias (features.py), plus the block's same-city and nearby pair terms; hard-filtered
   pairs far below zero, jobs the place filter removes not in the block at all;
2. the best `3K + 16` jobs per candidate are kept (torch.topk, or numpy argpartition);
3. explain.py recomputes those pairs' factors exactly (reusing the fp32 cosines) and keeps
   the exact top K;
4. a certificate per candidate: the ranking score is within `Ranker.margin` of the exact
   score (salary interpolation bound + rounding bound of the precision), so no job left
   out can beat the K-th kept one when K-th exact >= lowest kept ranking score + margin.
   Candidates that fail it are re-run with every job whose ranking score reaches their
   K-th exact score - margin: a superset of their true top K.

So the result equals reference.rank's brute force, not just usually.
Memory: the job block stays resident ([J, D], sorted by place; the non-semantic columns in
bf16 on CPUs with native bf16); one chunk's scores are kept under ~1/8 of available RAM,
and never [all candidates x all jobs].
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
from joblens.scoring.blocks import Nearby, PlaceBlock, place_layout
from joblens.scoring.features import CandidateAttributes
from joblens.settings import ScoringSettings

__all__ = [
    "BlockScorer",
    "Ranker",
    "Shortlist",
    "ScoringStats",
    "auto_chunk_size",
    "block_chunks",
    "match",
    "prepare",
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


@dataclass
class Shortlist:
    """A chunk's shortlist: job positions, the lowest ranking score kept, the cosines."""

    jobs: np.ndarray  # [C, M] positions in the jobs frame, unordered
    lowest: np.ndarray  # [C] lowest kept ranking score (-inf when every job is kept)
    cosines: np.ndarray | None  # [C, M] float32 cosine of each pair (None: not computed)


class Ranker:
    """The job side of the ranking product, resident in the chosen backend and precision.

    Two products per chunk. The semantic one (unit embeddings) is fp32 whatever the
    precision: its cosines serve the exact re-rank as they are (no embedding rows gathered
    again) and add no ranking error. The rest (skills, place, seniority, salary, occupation,
    mode) is one product in the ranking precision (bf16 on CPUs with native bf16), three
    columns appended: the job bias split into a high and a low part (so a bf16 bias is as
    exact as fp32) and a per-candidate shift of -W/2 that centres it on zero, which halves
    the rounding of a low-precision output. Scores are summed in fp32.
    """

    def __init__(
        self,
        job_matrix: np.ndarray,
        bias: np.ndarray,
        *,
        settings: ScoringSettings,
        dim: int,
        stats: ScoringStats | None = None,
        order: np.ndarray | None = None,
        semantic: np.ndarray | None = None,
        reduced: bool = True,
    ) -> None:
        """Keep the jobs' block (rows of `job_matrix`, whose first `dim` columns are the
        unit embeddings, or `semantic` [J, dim] when given; `bias`) resident, in `order`;
        `reduced`: the rest's product in bf16/fp16 where the machine has it, else fp32."""
        self.block: PlaceBlock | None = None
        self.stats = stats or ScoringStats()
        self._w_location = settings.w_location
        self._half_semantic = settings.w_semantic / 2
        self.n_jobs = self._width = job_matrix.shape[0]
        self.backend = "numpy" if settings.backend == "numpy" else "torch"
        total, self._inside = _weights(settings)
        self._salary = settings.w_salary
        self.precision, self._device = "fp32", "cpu"
        dtype: Any = np.float32
        if self.backend == "torch":
            import torch  # heavy; only the torch backend pays for it

            if torch.cuda.is_available():
                self._device = "cuda"
            if not reduced:
                dtype = torch.float32
            elif self._device == "cuda":
                dtype, self.precision = torch.float16, "fp16"
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
        width = job_matrix.shape[1] - dim + 3
        pad = -width % 32  # matmul kernels like widths in multiples of 32
        extra = np.concatenate([extra, np.zeros((self.n_jobs, pad), dtype=np.float32)], axis=1)
        self._cand_extra = np.array([1.0, 1.0, -self.shift] + [0.0] * pad, dtype=np.float32)
        self._dim = dim
        order = np.arange(self.n_jobs) if order is None else order
        # Jobs are rows [J, D] in `order`; products use the transposed view (no copy).
        vectors = job_matrix[:, :dim] if semantic is None else semantic
        if self.backend == "numpy":
            self._semantic = np.ascontiguousarray(vectors[order])
            self._rest = np.empty((self.n_jobs, width + pad), dtype=np.float32)
            self._rest[:, : width - 3] = job_matrix[order, dim:]
            self._rest[:, width - 3 :] = extra[order]
        else:
            import torch

            t_order = torch.from_numpy(order)
            t_all = torch.from_numpy(job_matrix)
            t_vectors = torch.from_numpy(np.ascontiguousarray(vectors))
            self._t_semantic = t_vectors[t_order].contiguous().to(self._device)
            t_rest = torch.empty((self.n_jobs, width + pad), dtype=dtype, device=self._device)
            t_rest[:, : width - 3] = t_all[:, dim:].to(dtype)[t_order].to(self._device)
            t_rest[:, width - 3 :] = torch.from_numpy(extra).to(dtype)[t_order].to(self._device)
            self._t_rest = t_rest

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
        """Return the working memory one pair's score needs during a chunk."""
        # cosine and score (fp32) and the rest's product; numpy: argpartition's int64 index.
        if self.backend == "numpy":
            return 16
        return {"bf16": 10, "fp16": 10, "fp32": 8}[self.precision]

    @property
    def _rest_span(self) -> float:
        """The most |rest product - shift| can be: the score's span plus the semantic part."""
        return float(self._span + self._half_semantic)

    @property
    def margin(self) -> float:
        """Return the most a ranking score can differ from the exact score of its pair.

        In the rest's product, rounding both factors costs (2u + u^2) of it; its products
        add up to at most the weights inside it; its output is rounded once at magnitude <=
        `_rest_span`; the semantic part (fp32 cosines, which the exact score shares) and the
        two pair terms are each added with one rounding at magnitude <= `_span`, the pair
        terms' values rounded too; accumulation is fp32 (a small constant). Plus the
        interpolated salary block's bound.
        """
        u = self._unit
        rest_inside = self._inside - self._half_semantic
        rounding = (2 * u + u * u) * rest_inside + u * self._rest_span + 1e-5
        rounding += 3 * u * self._span + u * self._w_location
        return features.SALARY_BLOCK_ERROR * self._salary + rounding

    def for_block(self, block: PlaceBlock) -> Ranker:
        """Return this ranker restricted to a block's runs of jobs (sharing the matrix)."""
        view = copy.copy(self)
        view.block, view.n_jobs = block, len(block.jobs)
        return view

    def _augment(self, cand_matrix: np.ndarray) -> np.ndarray:
        n = cand_matrix.shape[0]
        extra = np.broadcast_to(self._cand_extra, (n, len(self._cand_extra)))
        return np.concatenate([cand_matrix[:, self._dim :], extra], axis=1)

    def _global(self, idx: np.ndarray) -> np.ndarray:
        """Return job positions of the whole jobs frame for positions in this ranker."""
        return idx if self.block is None else self.block.jobs[idx]

    def scores(
        self, cand_matrix: np.ndarray, cands: CandidateAttributes
    ) -> list[tuple[int, Any, Any]]:
        """Return, per run of the block's jobs, (the run's first position among the block's
        jobs, the rows' ranking scores minus the shift, their cosines): [C, run] numpy or
        torch arrays. `cands` are the rows' attributes (embeddings, places). Runs are scored
        apart (no copy joins them); the top-k merges them."""
        started = time.perf_counter()
        block = self._augment(cand_matrix)
        vectors = np.ascontiguousarray(cands.embedding, dtype=np.float32)
        nearby = self.block.nearby(cands) if self.block is not None else []
        self.stats.pairs_scored += block.shape[0] * self.n_jobs
        runs = [(0, self._width)] if self.block is None else self.block.ranges
        starts = np.cumsum([0] + [b - a for a, b in runs])
        out: list[tuple[int, Any, Any]] = []
        if self.backend == "numpy":
            for (a, b), first in zip(runs, starts.tolist(), strict=False):
                cos = vectors @ self._semantic[a:b].T
                scores = block @ self._rest[a:b].T
                scores += np.float32(self._half_semantic) * cos
                for rows, cols, value in _within(nearby, first, first + b - a):
                    scores[rows, cols] += np.float32(self._w_location * value)
                out.append((first, scores, cos))
            self.stats.matmul_seconds += time.perf_counter() - started
            return out
        import torch

        t_vectors = torch.from_numpy(vectors).to(self._device)
        t_cands = torch.from_numpy(block).to(self._device, self._dtype)
        for (a, b), first in zip(runs, starts.tolist(), strict=False):
            t_cos = t_vectors @ self._t_semantic[a:b].T
            # Summed in the ranking precision (the margin counts that rounding too).
            t_scores = t_cands @ self._t_rest[a:b].T
            _add_scaled(t_scores, t_cos, self._half_semantic)
            for rows, cols, value in _within(nearby, first, first + b - a):
                t_rows, t_cols = (torch.from_numpy(x).to(self._device) for x in (rows, cols))
                t_scores[t_rows, t_cols] += self._w_location * value
            out.append((first, t_scores, t_cos))
        if self._device == "cuda":
            torch.cuda.synchronize()
        self.stats.matmul_seconds += time.perf_counter() - started
        return out

    def count_at_least(
        self, cand_matrix: np.ndarray, thresholds: np.ndarray, cands: CandidateAttributes
    ) -> np.ndarray:
        """Return, per candidate row, how many jobs have a ranking score >= its threshold."""
        # Lower by what this pass and the shortlist's may round a score apart: the product's
        # output and the three additions after it, each one rounding at most.
        slack = 2 * self._unit * (self._rest_span + 3 * self._span) + 1e-5
        limits = (thresholds - self.shift - slack).astype(np.float32)[:, None]
        runs = self.scores(cand_matrix, cands)
        started = time.perf_counter()
        if self.backend == "numpy":
            counts = sum((scores >= limits).sum(axis=1) for _, scores, _ in runs)
        else:
            import torch

            with torch.inference_mode():
                t_limits = torch.from_numpy(limits).to(self._device)
                counts = sum(
                    (scores.float() >= t_limits).sum(dim=1).cpu().numpy() for _, scores, _ in runs
                )
        self.stats.topk_seconds += time.perf_counter() - started
        return np.asarray(counts)

    def shortlist(
        self, cand_matrix: np.ndarray, size: int, cands: CandidateAttributes
    ) -> Shortlist:
        """Return the rows' `size` best jobs by ranking score (`cands`: the rows' attributes,
        for the embeddings and the pair terms)."""
        n = cand_matrix.shape[0]
        if size >= self.n_jobs:
            every = np.tile(self._global(np.arange(self.n_jobs)), (n, 1))
            return Shortlist(every, np.full(n, -np.inf), None)
        if self.backend == "numpy":
            runs = self.scores(cand_matrix, cands)
            started = time.perf_counter()
            kept = [_best_numpy(first, scores, cos, size) for first, scores, cos in runs]
            values, idx, cosines = (np.concatenate(x, axis=1) for x in zip(*kept, strict=True))
            if idx.shape[1] > size:
                values, idx, cosines = _best_numpy(0, values, cosines, size, idx)
            lowest = values.min(axis=1).astype(np.float64)
        else:
            import torch

            with torch.inference_mode():
                t_runs = self.scores(cand_matrix, cands)
                started = time.perf_counter()
                t_kept = [_best_torch(first, scores, cos, size) for first, scores, cos in t_runs]
                t_values, t_idx, t_cosines = (
                    torch.cat(x, dim=1) for x in zip(*t_kept, strict=True)
                )
                if t_idx.shape[1] > size:
                    t_values, t_idx, t_cosines = _best_torch(0, t_values, t_cosines, size, t_idx)
                lowest = t_values.min(dim=1).values.double().cpu().numpy()
                idx, cosines = t_idx.cpu().numpy(), t_cosines.cpu().numpy()
        self.stats.topk_seconds += time.perf_counter() - started
        return Shortlist(self._global(idx), lowest + self.shift, cosines)


def _within(nearby: list[Nearby], lo: int, hi: int) -> list[Nearby]:
    """The pair terms whose job lies in block positions [lo, hi), as positions from lo."""
    out = []
    for rows, cols, value in nearby:
        inside = (cols >= lo) & (cols < hi)
        if inside.any():
            out.append((rows[inside], cols[inside] - lo, value))
    return out


def _best_numpy(
    first: int, scores: np.ndarray, cos: np.ndarray, size: int, idx: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (values, positions + first, cosines) of each row's `size` best (all if fewer);
    `idx` maps columns to positions when the columns are a merge of runs."""
    best = explain.row_best(scores, size)
    where = best if idx is None else np.take_along_axis(idx, best, axis=1)
    return (
        np.take_along_axis(scores, best, axis=1),
        where + first,
        np.take_along_axis(cos, best, axis=1),
    )


def _best_torch(
    first: int, scores: Any, cos: Any, size: int, idx: Any = None
) -> tuple[Any, Any, Any]:
    """`_best_numpy` for torch tensors."""
    import torch

    k = min(size, scores.shape[1])
    values, best = torch.topk(scores, k, dim=1, sorted=False)
    where = best if idx is None else torch.gather(idx, 1, best)
    return values, where + first, torch.gather(cos, 1, best)


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
    cand_attrs, blocks, scorer = prepare(candidates, jobs, settings, now, chunk_size, stats)
    return _chunks(cand_attrs, blocks, scorer, progress)


def prepare(
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    settings: ScoringSettings,
    now: datetime,
    chunk_size: int | None = None,
    stats: ScoringStats | None = None,
    *,
    reduced: bool = True,
) -> tuple[CandidateAttributes, list[PlaceBlock], BlockScorer]:
    """Check the inputs and return what a pass over them needs: the candidates' attributes,
    the place blocks (blocks.py) and the block scorer (the resident job block, its rest
    product in reduced precision when `reduced`); ScoringError on no jobs or embeddings of
    different widths."""
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
    job_matrix, bias = features.job_block_from(job_attrs, vocab, settings, with_semantic=False)
    layout = place_layout(cand_attrs, job_attrs, settings)
    stats = stats or ScoringStats()
    # Resident once, in the layout's order: each block ranks against views of it.
    ranker = Ranker(
        job_matrix,
        bias,
        settings=settings,
        dim=vocab.dim,
        stats=stats,
        order=layout.order,
        semantic=job_attrs.embedding,
        reduced=reduced,
    )
    del job_matrix
    scorer = BlockScorer(ranker, explain.JobIndex(job_attrs), vocab, settings, chunk_size)
    return cand_attrs, layout.blocks, scorer


class BlockScorer:
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
    scorer: BlockScorer,
    progress: Progress | None,
) -> Iterator[pl.DataFrame]:
    for ranker, rows in block_chunks(len(cands.ids), blocks, scorer, progress):
        yield scorer.top_k(cands.take(rows), ranker)


def block_chunks(
    total: int,
    blocks: list[PlaceBlock],
    scorer: BlockScorer,
    progress: Progress | None,
    skip: Callable[[PlaceBlock], bool] | None = None,
) -> Iterator[tuple[Ranker, np.ndarray]]:
    """Yield (the block's ranker, candidate positions) for each chunk of each block's
    candidates; a block without jobs (its hard filters leave these candidates none), or one
    `skip` says to pass over, counts as done at once. `progress(done, total)` follows each
    chunk's work (called when the next one is asked for)."""
    done = 0
    for block in blocks:
        if not len(block.jobs) or (skip is not None and skip(block)):
            done += len(block.candidates)
            if progress is not None:
                progress(done, total)
            continue
        ranker = scorer.ranker(block)
        size = scorer.size(ranker)
        for start in range(0, len(block.candidates), size):
            rows = np.asarray(block.candidates[start : start + size])
            yield ranker, rows
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
    first = ranker.shortlist(block, width, chunk)
    result = explain.rerank(
        index, chunk, first.jobs, settings=settings, top_k=k, cosines=first.cosines
    )
    lowest = first.lowest
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
        wide = ranker.shortlist(block[rows], int(group_width), sub)
        parts.append(
            explain.rerank(
                index, sub, wide.jobs, settings=settings, top_k=k, cosines=wide.cosines
            ).frame
        )
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


_ADD_ROWS = 32


def _add_scaled(scores: Any, cosines: Any, alpha: float) -> None:
    """scores += alpha * cosines, in place, a few rows at a time: one call over a bf16
    block makes a full-size float32 temporary and copies it back (the same sums)."""
    if scores.device.type != "cpu" or scores.dtype == cosines.dtype:
        scores.add_(cosines, alpha=alpha)
        return
    for row in range(0, scores.shape[0], _ADD_ROWS):
        scores[row : row + _ADD_ROWS].add_(cosines[row : row + _ADD_ROWS], alpha=alpha)
