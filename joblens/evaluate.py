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
``random`` (k jobs drawn at random, seeded) and ``semantic`` (cosine of the lake embeddings only),
and the strong baselines a reviewer would try, both behind the same simple filter (a job's
known work mode is one the candidate accepts, and the job is remote or in the candidate's city,
or in its country when the CV names no city): ``semantic_filters`` (cosine) and
``bm25_filters`` (BM25 of the CV summary over the jobs' title and description, minus 0.1 per
seniority level apart). ``margin_ci95`` is the paired bootstrap 95% interval (2,000
resamples of the candidates, seeded) of JobLens's NDCG@k minus the better strong baseline's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from joblens import dedupe
from joblens.bm25 import Bm25
from joblens.errors import LakeError
from joblens.lake import Lake
from joblens.scoring import recruiter
from joblens.scoring.features import embeddings
from joblens.settings import ScoringSettings

__all__ = [
    "RELEVANT_GRADE",
    "Ground",
    "ground_truth",
    "ranked_lists",
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
    per_candidate: dict[str, float] = {}
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
        per_candidate[cid] = ndcg_at_k(ranked, all_grades, k) or 0.0
        sums["ndcg"] += per_candidate[cid]
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
        "ndcg_per_candidate": per_candidate,
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


_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")


def _filter_mask(
    candidates: pl.DataFrame, jobs: pl.DataFrame, *, remote_same_country: bool = False
) -> np.ndarray:
    """(candidates x jobs) True where the strong baselines' simple filter keeps the pair: the
    mode accepted, and the job remote (with `remote_same_country`, as the scorer's setting:
    a remote job of a known other country is out) or near the candidate."""

    def low(frame: pl.DataFrame, name: str) -> list[str | None]:
        values = frame[name].to_list() if name in frame.columns else [None] * frame.height
        return [
            str(v).strip().lower() if v is not None and str(v).strip() else None for v in values
        ]

    j_mode, j_city, j_country = low(jobs, "work_mode"), low(jobs, "city"), low(jobs, "country")
    c_city, c_country = low(candidates, "city"), low(candidates, "country")
    modes = candidates["work_modes"].to_list() if "work_modes" in candidates.columns else []
    remote = np.array([m == "remote" for m in j_mode])
    mask = np.zeros((candidates.height, jobs.height), dtype=bool)
    for c in range(candidates.height):
        accepted = {str(m) for m in (modes[c] if c < len(modes) else None) or ()}
        mode_ok = np.array([m is None or not accepted or m in accepted for m in j_mode])
        if c_city[c] is not None:
            near = np.array(
                [
                    a == c_city[c] and (b == c_country[c] or b is None)
                    for a, b in zip(j_city, j_country, strict=True)
                ]
            )
        elif c_country[c] is not None:
            near = np.array([b == c_country[c] for b in j_country])
        else:
            near = np.ones(jobs.height, dtype=bool)
        reach = remote
        if remote_same_country and c_country[c] is not None:
            reach = remote & np.array([b is None or b == c_country[c] for b in j_country])
        mask[c] = mode_ok & (reach | near)
    return mask


def _levels(frame: pl.DataFrame) -> np.ndarray:
    from joblens.normalize.seniority import level

    values = frame["seniority"].to_list() if "seniority" in frame.columns else []
    return np.array([level(v) if v else np.nan for v in values], dtype=np.float32)


def _bm25(queries: Sequence[str], docs_text: Sequence[str]) -> np.ndarray:
    """(queries x docs) BM25 of each query's words over the documents, per query on [0, 1]."""
    return Bm25([_WORD.findall(d.lower()) for d in docs_text]).scores(
        [_WORD.findall(q.lower()) for q in queries]
    )


def _texts(frame: pl.DataFrame, *columns: str) -> list[str]:
    parts = [frame[c].fill_null("").cast(pl.String).to_list() for c in columns]
    return [" ".join(p) for p in zip(*parts, strict=True)]


def _baseline_scores(
    candidates: pl.DataFrame,
    jobs: pl.DataFrame,
    *,
    jobs_ask: bool = False,
    remote_same_country: bool = False,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(filter mask, {baseline: scores}), each (candidates x jobs). BM25 takes the CV summary
    as its query over the jobs' texts, or with `jobs_ask` each job's text over the CVs."""
    mask = _filter_mask(candidates, jobs, remote_same_country=remote_same_country)
    cand_vecs = embeddings(candidates, what="candidates")
    job_vecs = embeddings(jobs, what="jobs")
    semantic = (
        cand_vecs @ job_vecs.T
        if cand_vecs.shape[1] == job_vecs.shape[1] and cand_vecs.shape[1]
        else np.zeros(mask.shape, dtype=np.float32)
    )
    cvs, ads = _texts(candidates, "summary"), _texts(jobs, "title", "description")
    bm25 = _bm25(ads, cvs).T if jobs_ask else _bm25(cvs, ads)
    apart = np.abs(_levels(candidates)[:, None] - _levels(jobs)[None, :])
    bm25 = bm25 - 0.1 * np.nan_to_num(apart, nan=0.0)
    return mask, {"semantic_filters": semantic, "bm25_filters": bm25}


def _top_k_kept(scores: np.ndarray, mask: np.ndarray, k: int) -> list[list[int]]:
    """Per row, the positions of its k best columns among those the mask keeps."""
    kept = np.where(mask, scores, -np.inf)
    out = []
    for row, ok in zip(kept, mask, strict=True):
        out.append(np.argsort(-row, kind="stable")[: min(k, int(ok.sum()))].tolist())
    return out


def _strong_baselines(
    candidates: pl.DataFrame, jobs: pl.DataFrame, k: int, *, remote_same_country: bool = False
) -> dict[str, list[list[int]]]:
    """Top-k job positions per candidate of semantic_filters and bm25_filters."""
    mask, scores = _baseline_scores(candidates, jobs, remote_same_country=remote_same_country)
    return {name: _top_k_kept(s, mask, k) for name, s in scores.items()}


_STRONG = ("semantic_filters", "bm25_filters")


def _against_baselines(
    ours: Mapping[str, Sequence[str | None]],
    others: Mapping[str, Mapping[str, Sequence[str | None]]],
    grades: Mapping[str, Mapping[str, int]],
    keys: Sequence[str],
    *,
    k: int,
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(JobLens's `metrics`, the report beside the baselines: the three figures, each
    baseline's, the better strong baseline and the bootstrap interval of the margin)."""
    cols = (f"ndcg_at_{k}", f"recall_at_{k}", "mrr")
    mine = metrics(ours, grades, keys, k=k)
    theirs = {name: metrics(lists, grades, keys, k=k) for name, lists in others.items()}
    best = max(_STRONG, key=lambda b: theirs[b][f"ndcg_at_{k}"])
    report = {
        **{c: mine[c] for c in cols},
        "baselines": {name: {c: m[c] for c in cols} for name, m in theirs.items()},
        "best_strong_baseline": best,
        "margin_ci95": _margin_ci95(
            mine["ndcg_per_candidate"], theirs[best]["ndcg_per_candidate"], seed
        ),
    }
    return mine, report


def ranked_lists(
    matches: pl.DataFrame, job_canonical: Mapping[str, str | None]
) -> dict[str, list[str | None]]:
    """Each candidate's matched jobs, best first, as canonical job ids (None: unknown)."""
    lists: dict[str, list[str | None]] = {}
    for cid, job_id in (
        matches.sort("candidate_id", "rank").select("candidate_id", "job_id").iter_rows()
    ):
        lists.setdefault(cid, []).append(job_canonical.get(job_id))
    return lists


def _margin_ci95(
    ours: dict[str, float], theirs: dict[str, float], seed: int, draws: int = 2000
) -> list[float]:
    """Paired bootstrap 95% interval of mean(ours - theirs) over the candidates both scored."""
    ids = sorted(set(ours) & set(theirs))
    if not ids:
        return [0.0, 0.0]
    diff = np.array([ours[i] - theirs[i] for i in ids], dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(draws, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def _random_top_k(candidates: int, jobs: int, k: int, seed: int) -> list[np.ndarray]:
    """Return per candidate min(k, jobs) distinct job positions drawn at random (seeded)."""
    rng = np.random.default_rng(seed)
    # A draw of k, not a permutation of every job: O(k) per candidate on a 100k-job lake.
    return [rng.choice(jobs, size=min(k, jobs), replace=False) for _ in range(candidates)]


@dataclass
class Ground:
    """What a scoring run saw (active jobs, current candidates) and the world's truth on it."""

    jobs: pl.DataFrame
    candidates: pl.DataFrame
    postings: pl.DataFrame
    job_canonical: dict[str, str | None]  # lake job_id -> canonical job id
    grades: dict[str, dict[str, int]]  # candidate -> canonical job -> grade


def ground_truth(world: Path, lake: Lake) -> Ground:
    """The lake's current candidates and active jobs with the world's grades of them."""
    truth_postings, relevance = _truth(Path(world), "postings"), _truth(Path(world), "relevance")
    jobs = lake.current("jobs").filter(pl.col("active"))
    postings = lake.current("postings")
    grades: dict[str, dict[str, int]] = {}
    for cid, jid, grade in relevance.select(
        pl.col("candidate_id").cast(pl.String), pl.col("canonical_job_id").cast(pl.String), "grade"
    ).iter_rows():
        grades.setdefault(cid, {})[jid] = int(grade)
    return Ground(
        jobs=jobs,
        candidates=lake.current("candidates"),
        postings=postings,
        job_canonical=_canonical_of_jobs(jobs, postings, truth_postings),
        grades=grades,
    )


RECRUITER_JOBS = 200
"""Jobs sampled (seeded) for the recruiter's direction: each ranks every current candidate."""


def _by_job(grades: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for cid, graded in grades.items():
        for jid, grade in graded.items():
            out.setdefault(jid, {})[cid] = grade
    return out


def recruiter_direction(
    ground: Ground, settings: ScoringSettings, *, k: int = 10, seed: int = 0
) -> dict[str, Any]:
    """Candidates for a job: NDCG@k, recall@k, MRR of JobLens's ranking of the current
    candidates for up to RECRUITER_JOBS sampled active jobs that have a relevant candidate,
    beside the strong baselines turned around (BM25 of the job's text over the CVs)."""
    candidates, jobs = ground.candidates, ground.jobs
    present = set(candidates["candidate_id"].to_list())
    by_job = _by_job(ground.grades)
    job_ids = jobs["job_id"].to_list()
    eligible = [
        i
        for i, job_id in enumerate(job_ids)
        if any(
            g >= RELEVANT_GRADE and c in present
            for c, g in by_job.get(ground.job_canonical.get(job_id) or "", {}).items()
        )
    ]
    if not eligible or candidates.is_empty():
        return {"jobs_evaluated": 0}
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(eligible, size=min(RECRUITER_JOBS, len(eligible)), replace=False))
    sample = jobs[pick]
    keys = sample["job_id"].to_list()
    grades = {j: by_job[ground.job_canonical[j] or ""] for j in keys}
    now = datetime.now(UTC)
    ours: dict[str, list[str | None]] = {}
    for i, job_id in enumerate(keys):
        ranked = recruiter.rank_candidates(
            candidates, sample[i : i + 1], settings=settings, now=now, top=k
        )
        ours[job_id] = ranked["candidate_id"].to_list() if ranked.height else []
    mask, scores = _baseline_scores(
        candidates, sample, jobs_ask=True, remote_same_country=settings.remote_same_country_only
    )
    cand_ids = candidates["candidate_id"].to_list()
    others: dict[str, dict[str, list[str | None]]] = {}
    for name, matrix in scores.items():
        tops = _top_k_kept(matrix.T, mask.T, k)
        others[name] = {j: [cand_ids[c] for c in top] for j, top in zip(keys, tops, strict=True)}
    mine, report = _against_baselines(ours, others, grades, keys, k=k, seed=seed)
    return {
        **report,
        "jobs_evaluated": mine["candidates_evaluated"],
    }


def evaluate(
    world: Path,
    lake: Lake,
    *,
    k: int = 10,
    seed: int = 0,
    settings: ScoringSettings | None = None,
) -> dict[str, Any]:
    """Return the JSON-able quality report of the lake's latest matches against `world`.

    Shape: {"ndcg_at_<k>", "recall_at_<k>", "mrr", "baselines": {"random": {...},
    "semantic": {...}}, "candidates", "jobs", "candidates_without_relevant", "run_id", "k",
    "dedupe": {...}} (dedupe_quality over the lake's current postings).
    Raises LakeError when the truth files or the lake's matches are missing.
    """
    world = Path(world)
    truth_postings = _truth(world, "postings")
    matches, run_id = _current_matches(lake)
    ground = ground_truth(world, lake)
    jobs, candidates, grades = ground.jobs, ground.candidates, ground.grades
    job_canonical, postings = ground.job_canonical, ground.postings

    cand_ids = list(
        dict.fromkeys(candidates["candidate_id"].to_list() + matches["candidate_id"].to_list())
    )
    job_ids = jobs["job_id"].to_list()

    def canonical(
        rows: Sequence[str], tops: Iterable[Iterable[int]]
    ) -> dict[str, list[str | None]]:
        return {
            cid: [job_canonical.get(job_ids[i]) for i in top]
            for cid, top in zip(rows, tops, strict=True)
        }

    present = candidates["candidate_id"].to_list()
    others = {
        "random": canonical(cand_ids, _random_top_k(len(cand_ids), len(job_ids), k, seed)),
        "semantic": canonical(present, _semantic_top_k(candidates, jobs, k)),
    }
    scoring = settings or ScoringSettings.model_validate({})
    strong = _strong_baselines(
        candidates, jobs, k, remote_same_country=scoring.remote_same_country_only
    )
    others.update({name: canonical(present, tops) for name, tops in strong.items()})
    mine, report = _against_baselines(
        ranked_lists(matches, job_canonical), others, grades, cand_ids, k=k, seed=seed
    )
    return {
        **report,
        "candidates_with_relevant": mine["candidates_evaluated"],
        "recruiter": recruiter_direction(ground, scoring, k=k, seed=seed),
        "candidates": mine["candidates_evaluated"],
        "candidates_without_relevant": mine["candidates_without_relevant"],
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
