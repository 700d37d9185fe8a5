"""Ranking quality against a synthetic world's hidden truth: NDCG@k, recall@k, MRR.

Definitions (per candidate, then averaged over candidates):

- grade: the world's relevance grade 0..3 of (candidate, canonical job); unlisted pairs are 0.
- relevant: grade >= 2 (same occupation, location compatible). Candidates with no relevant
  job are left out of every average and counted in ``candidates_without_relevant``.
- NDCG@k: DCG with gain 2^g - 1 and log2(rank + 1) discount, over the ideal DCG of the
  candidate's k best grades in the whole world (not only jobs that reached the lake: a job
  the pipeline lost is a miss).
- recall@k: relevant jobs found in the top k / min(k, relevant jobs), so a perfect ranker
  scores 1.
- MRR: 1 / rank of the first relevant job in the top k, 0 when none.

Stored matches are read from the lake's latest scoring run (the highest run_id: run ids start
with a UTC timestamp, so that is the newest). Lake job -> canonical job: the canonical id of
the majority of its postings (ties: the smallest id), via silver/postings (source,
source_posting_id) and truth/postings.parquet. A canonical job listed twice for a candidate
counts only the first time: later duplicates gain nothing, so dedupe failures cost recall and
NDCG honestly. Baselines are evaluated the same way on the same lake jobs and candidates:
``random`` (k jobs drawn at random, seeded) and ``semantic`` (cosine of the lake embeddings only).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from joblens import dedupe
from joblens.errors import LakeError
from joblens.lake import Lake
from joblens.scoring.features import embeddings

__all__ = [
    "RELEVANT_GRADE",
    "dedupe_quality",
    "evaluate",
    "metrics",
    "mrr",
    "ndcg_at_k",
    "recall_at_k",
]

RELEVANT_GRADE = 2


def _dcg(grades: Sequence[int], k: int) -> float:
    return sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(list(grades)[:k]) if g)


def ndcg_at_k(ranked_grades: Sequence[int], all_grades: Sequence[int], k: int = 10) -> float | None:
    """Return NDCG@k of a ranking's grades against all the candidate's grades; None when the
    candidate has no graded job (nothing to find)."""
    ideal = _dcg(sorted(all_grades, reverse=True), k)
    if ideal == 0:
        return None
    return _dcg(ranked_grades, k) / ideal


def recall_at_k(
    ranked_grades: Sequence[int], all_grades: Sequence[int], k: int = 10
) -> float | None:
    """Return the share of relevant jobs (grade >= 2) found in the top k, out of
    min(k, relevant jobs); None when the candidate has no relevant job."""
    n_relevant = sum(g >= RELEVANT_GRADE for g in all_grades)
    if n_relevant == 0:
        return None
    found = sum(g >= RELEVANT_GRADE for g in list(ranked_grades)[:k])
    return found / min(k, n_relevant)


def mrr(ranked_grades: Sequence[int], all_grades: Sequence[int], k: int = 10) -> float | None:
    """Return 1 / rank of the first relevant job (grade >= 2) in the top k, 0 if none; None
    when the candidate has no relevant job."""
    if not any(g >= RELEVANT_GRADE for g in all_grades):
        return None
    for i, g in enumerate(list(ranked_grades)[:k]):
        if g >= RELEVANT_GRADE:
            return 1.0 / (i + 1)
    return 0.0


def metrics(
    rankings: Mapping[str, Sequence[str | None]],
    grades: Mapping[str, Mapping[str, int]],
    candidates: Sequence[str],
    *,
    k: int,
) -> dict[str, Any]:
    """Return averaged NDCG@k, recall@k, MRR of canonical-job `rankings` per candidate.

    A canonical id seen again further down one candidate's list gains grade 0 there; a None
    (a lake job the truth does not know) is grade 0.
    """
    sums = {"ndcg": 0.0, "recall": 0.0, "mrr": 0.0}
    evaluated = skipped = 0
    for cid in candidates:
        truth = grades.get(cid, {})
        all_grades = list(truth.values())
        if not any(g >= RELEVANT_GRADE for g in all_grades):
            skipped += 1
            continue
        seen: set[str] = set()
        ranked = []
        for canonical in list(rankings.get(cid, ()))[:k]:
            fresh = canonical is not None and canonical not in seen
            ranked.append(truth.get(canonical, 0) if fresh and canonical else 0)
            if canonical is not None:
                seen.add(canonical)
        sums["ndcg"] += ndcg_at_k(ranked, all_grades, k) or 0.0
        sums["recall"] += recall_at_k(ranked, all_grades, k) or 0.0
        sums["mrr"] += mrr(ranked, all_grades, k) or 0.0
        evaluated += 1
    mean = {key: (value / evaluated if evaluated else 0.0) for key, value in sums.items()}
    return {
        f"ndcg_at_{k}": mean["ndcg"],
        f"recall_at_{k}": mean["recall"],
        "mrr": mean["mrr"],
        "candidates_evaluated": evaluated,
        "candidates_without_relevant": skipped,
    }


# -- reading the world and the lake ------------------------------------------------------
def _truth(world: Path, name: str) -> pl.DataFrame:
    path = world / "truth" / f"{name}.parquet"
    if not path.exists():
        raise LakeError(f"evaluate: expected the world's truth file {path}, it is missing")
    return pl.read_parquet(path)


def _current_matches(lake: Lake) -> tuple[pl.DataFrame, str]:
    matches = lake.current("matches")
    if matches.is_empty():
        raise LakeError(
            f"evaluate: expected matches of a completed scoring run in {lake.location}, found none"
        )
    return matches, str(matches["run_id"][0])


def _canonical_of_jobs(
    jobs: pl.DataFrame, postings: pl.DataFrame, truth: pl.DataFrame
) -> dict[str, str | None]:
    """Return lake job_id -> canonical job id (majority of its postings), None if unknown."""
    posting_truth = (
        postings.select("posting_id", "source", "source_posting_id")
        .unique("posting_id")
        .join(
            truth.select("source", "source_posting_id", "canonical_job_id"),
            on=["source", "source_posting_id"],
        )
    )
    canonical_of_posting = dict(
        zip(
            posting_truth["posting_id"].to_list(),
            posting_truth["canonical_job_id"].to_list(),
            strict=True,
        )
    )
    out: dict[str, str | None] = {}
    for job_id, posting_ids in zip(
        jobs["job_id"].to_list(), jobs["posting_ids"].to_list(), strict=True
    ):
        votes = Counter(
            canonical_of_posting[p] for p in posting_ids or () if p in canonical_of_posting
        )
        out[job_id] = min(votes, key=lambda c: (-votes[c], c)) if votes else None
    return out


def _pairs(counts: pl.Series) -> int:
    """Pairs among groups of these sizes: sum of n(n-1)/2."""
    return int((counts * (counts - 1) // 2).sum())


def dedupe_quality(
    links: pl.DataFrame, postings: pl.DataFrame, truth: pl.DataFrame
) -> dict[str, Any]:
    """Entity resolution against the world's canonical ids, over pairs of postings.

    `links` maps posting_id -> job_id (the lake's job_postings), `postings` gives each
    posting's (source, source_posting_id), `truth` each one's canonical_job_id. A pair of
    postings is predicted when they share a job_id and true when they share a canonical
    id: precision = true predicted pairs / predicted pairs, recall = true predicted pairs /
    true pairs (1.0 when there are none). Postings the truth does not know are left out.
    Also: how many jobs the lake made of them and how many true jobs they are, the true
    jobs split over several lake jobs and the lake jobs that mix several true jobs.
    """
    known = (
        links.select("posting_id", "job_id")
        .unique("posting_id")
        .join(
            postings.select("posting_id", "source", "source_posting_id").unique("posting_id"),
            on="posting_id",
        )
        .join(
            truth.select("source", "source_posting_id", "canonical_job_id").unique(
                ["source", "source_posting_id"]
            ),
            on=["source", "source_posting_id"],
        )
    )
    predicted = _pairs(known.group_by("job_id").len()["len"])
    true = _pairs(known.group_by("canonical_job_id").len()["len"])
    hit = _pairs(known.group_by("job_id", "canonical_job_id").len()["len"])
    per_true = known.group_by("canonical_job_id").agg(pl.col("job_id").n_unique())
    per_job = known.group_by("job_id").agg(pl.col("canonical_job_id").n_unique())
    return {
        "postings": known.height,
        "jobs": known["job_id"].n_unique(),
        "true_jobs": known["canonical_job_id"].n_unique(),
        "precision": round(hit / predicted, 4) if predicted else 1.0,
        "recall": round(hit / true, 4) if true else 1.0,
        "split_true_jobs": per_true.filter(pl.col("job_id") > 1).height,
        "mixed_jobs": per_job.filter(pl.col("canonical_job_id") > 1).height,
    }


def _semantic_top_k(candidates: pl.DataFrame, jobs: pl.DataFrame, k: int) -> list[list[int]]:
    cand_vecs = embeddings(candidates, what="candidates")
    job_vecs = embeddings(jobs, what="jobs")
    if cand_vecs.shape[1] != job_vecs.shape[1] or cand_vecs.shape[1] == 0:
        return [[] for _ in range(candidates.height)]
    k = min(k, jobs.height)
    out: list[list[int]] = []
    for start in range(0, len(cand_vecs), 1024):
        scores = cand_vecs[start : start + 1024] @ job_vecs.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        out.extend(np.take_along_axis(top, order, axis=1).tolist())
    return out


def _random_top_k(candidates: int, jobs: int, k: int, seed: int) -> list[np.ndarray]:
    """Return per candidate min(k, jobs) distinct job positions drawn at random (seeded)."""
    rng = np.random.default_rng(seed)
    # A draw of k, not a permutation of every job: O(k) per candidate on a 100k-job lake.
    return [rng.choice(jobs, size=min(k, jobs), replace=False) for _ in range(candidates)]


def evaluate(world: Path, lake: Lake, *, k: int = 10, seed: int = 0) -> dict[str, Any]:
    """Return the JSON-able quality report of the lake's latest matches against `world`.

    Shape: {"ndcg_at_<k>", "recall_at_<k>", "mrr", "baselines": {"random": {...},
    "semantic": {...}}, "candidates", "jobs", "candidates_without_relevant", "run_id", "k",
    "dedupe": {...}} (dedupe_quality over the lake's current postings).
    Raises LakeError when the truth files or the lake's matches are missing.
    """
    world = Path(world)
    truth_postings, relevance = _truth(world, "postings"), _truth(world, "relevance")
    # The state the scoring run saw: current candidates and active jobs.
    matches, run_id = _current_matches(lake)
    jobs = lake.current("jobs").filter(pl.col("active"))
    candidates = lake.current("candidates")
    postings = lake.current("postings")
    job_canonical = _canonical_of_jobs(jobs, postings, truth_postings)

    grades: dict[str, dict[str, int]] = {}
    for cid, jid, grade in relevance.select(
        pl.col("candidate_id").cast(pl.String), pl.col("canonical_job_id").cast(pl.String), "grade"
    ).iter_rows():
        grades.setdefault(cid, {})[jid] = int(grade)

    cand_ids = list(
        dict.fromkeys(candidates["candidate_id"].to_list() + matches["candidate_id"].to_list())
    )
    stored: dict[str, list[str | None]] = {}
    for cid, job_id in (
        matches.sort("candidate_id", "rank").select("candidate_id", "job_id").iter_rows()
    ):
        stored.setdefault(cid, []).append(job_canonical.get(job_id))
    report = metrics(stored, grades, cand_ids, k=k)

    job_ids = jobs["job_id"].to_list()
    random_top = _random_top_k(len(cand_ids), len(job_ids), k, seed)
    random_lists = {
        cid: [job_canonical.get(job_ids[i]) for i in top]
        for cid, top in zip(cand_ids, random_top, strict=True)
    }
    semantic_lists = {
        cid: [job_canonical.get(job_ids[i]) for i in top]
        for cid, top in zip(
            candidates["candidate_id"].to_list(), _semantic_top_k(candidates, jobs, k), strict=True
        )
    }
    baselines = {}
    for name, lists in (("random", random_lists), ("semantic", semantic_lists)):
        m = metrics(lists, grades, cand_ids, k=k)
        baselines[name] = {key: m[key] for key in (f"ndcg_at_{k}", f"recall_at_{k}", "mrr")}
    return {
        f"ndcg_at_{k}": report[f"ndcg_at_{k}"],
        f"recall_at_{k}": report[f"recall_at_{k}"],
        "mrr": report["mrr"],
        "baselines": baselines,
        "candidates": report["candidates_evaluated"],
        "candidates_without_relevant": report["candidates_without_relevant"],
        "jobs": len(job_ids),
        "run_id": run_id,
        "k": k,
        "dedupe": _dedupe_report(lake.current("job_postings"), postings, truth_postings),
    }


def _dedupe_report(
    links: pl.DataFrame, postings: pl.DataFrame, truth: pl.DataFrame
) -> dict[str, Any]:
    """dedupe_quality of the lake's entities, with the exact key alone as its baseline (the
    same postings, each keyed by title, company and place, nothing attached)."""
    report = dedupe_quality(links, postings, truth)
    resolved = postings.join(links.select("posting_id"), on="posting_id", how="semi")
    if resolved.height:
        exact = dedupe.assign(resolved, attach=False).select("posting_id", "job_id")
        report["baselines"] = {"exact_key": dedupe_quality(exact, postings, truth)}
    return report
