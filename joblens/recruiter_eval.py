"""The recruiter's direction against hand labels: `joblens rank candidates --truth F`.

Each job ad ranks every current candidate of the lake. The truth is a job family per id
(a tab-separated file with a header: `id` or `cv_id` or `job_id`, then `family`; CVs by
file stem, job ads by file stem), so a candidate is relevant to an ad when both have the
same family. Per ad: average precision over the whole ranking (a relevant candidate the
hard filters drop counts as never retrieved) and precision at 10; over the ads: their mean
(MAP, P@10).

Families say nothing about place, so the ranking under evaluation ignores it
(`place_filter = "none"`, location weight 0); the work-mode filter stays. Beside it, the
baselines a reviewer would try on the same texts: `semantic` (cosine of the ad's embedding
and the candidate's, the lake's own vectors) and `tfidf` (cosine of TF-IDF vectors, sublinear
term frequency and smoothed idf, of the ad's text and the candidate's text: the CV files'
full text when their folder is given, else the profile summary the lake keeps).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from joblens.errors import ConfigError
from joblens.scoring import recruiter
from joblens.scoring.features import embeddings
from joblens.settings import ScoringSettings

__all__ = ["average_precision", "evaluate", "read_families", "tfidf_cosines", "truth_settings"]

_ID_COLUMNS = ("id", "cv_id", "job_id", "candidate_id")
_WORD = re.compile(r"[^\W_]+(?:[+#]+|(?:[.'][^\W_]+)*)")


def read_families(path: Path) -> dict[str, str]:
    """Id -> family from a tab-separated file with a header; ConfigError naming what is wrong."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the truth file ({exc})") from exc
    header = list(rows[0]) if rows else []
    id_col = next((c for c in _ID_COLUMNS if c in header), None)
    if id_col is None or "family" not in header:
        raise ConfigError(
            f"{path}: expected a tab-separated header with an id column "
            f"({', '.join(_ID_COLUMNS)}) and 'family'; got {header or 'no rows'}"
        )
    out: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        key, family = (row.get(id_col) or "").strip(), (row.get("family") or "").strip()
        if not key or not family:
            raise ConfigError(f"{path}:{line}: an id and a family are both needed")
        out[key] = family
    return out


def average_precision(ranked: Sequence[str], relevant: set[str]) -> float:
    """AP of one ranking: the mean over the relevant ids of the precision at each one's rank;
    a relevant id missing from the ranking adds precision 0."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for rank, key in enumerate(ranked, start=1):
        if key in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


def _precision_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    top = list(ranked[:k])
    return sum(key in relevant for key in top) / k if top else 0.0


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def tfidf_cosines(queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """(queries x docs) cosine of TF-IDF vectors: tf 1 + log(count), idf log((1 + n) / (1 +
    df)) + 1 over the docs, both sides L2-normalized; words unseen in the docs weigh 0."""
    vocab: dict[str, int] = {}
    doc_counts = [Counter(_tokens(d)) for d in docs]
    for counts in doc_counts:
        for word in counts:
            vocab.setdefault(word, len(vocab))
    df = np.zeros(len(vocab))
    for counts in doc_counts:
        df[[vocab[w] for w in counts]] += 1
    idf = np.log((1 + len(docs)) / (1 + df)) + 1

    def matrix(counted: list[Counter[str]]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for r, counts in enumerate(counted):
            for word, n in counts.items():
                if word in vocab:
                    rows.append(r)
                    cols.append(vocab[word])
                    vals.append((1 + math.log(n)) * idf[vocab[word]])
        out = sparse.csr_matrix((vals, (rows, cols)), shape=(len(counted), len(vocab)))
        norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ out)

    q = matrix([Counter(_tokens(t)) for t in queries])
    return np.asarray((q @ matrix(doc_counts).T).todense())


def truth_settings(settings: ScoringSettings) -> ScoringSettings:
    """The settings a family truth is judged with: place neither filters nor scores."""
    recruiter = settings.recruiter.model_copy(update={"w_location": 0.0})
    return settings.model_copy(
        update={"place_filter": "none", "w_location": 0.0, "recruiter": recruiter}
    )


def _per_ad(ranked: list[list[str]], relevant: list[set[str]]) -> list[tuple[float, float]]:
    """(AP, P@10) of each ad's ranking."""
    return [
        (average_precision(r, rel), _precision_at(r, rel))
        for r, rel in zip(ranked, relevant, strict=True)
    ]


def _summary(per_ad: list[tuple[float, float]]) -> dict[str, float]:
    aps, p10 = zip(*per_ad, strict=True)
    return {"map": round(float(np.mean(aps)), 4), "p_at_10": round(float(np.mean(p10)), 4)}


def evaluate(
    candidates: pl.DataFrame,
    ads: pl.DataFrame,
    ad_texts: dict[str, str],
    families: dict[str, str],
    *,
    settings: ScoringSettings,
    now: datetime,
    cv_texts: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return (one row per ad, the summary) of the ranking against `families`.

    `ads` are job rows with embeddings (one per ad, `job_id` = the ad's id), `ad_texts` their
    texts by id; an ad or a candidate without a family is left out, and counted. A CV of
    `cv_texts` (the CV files) with a family that never became a candidate (quarantined,
    say) is relevant all the same: every ranker misses it, and it is counted. Raises
    ConfigError when no ad or no candidate has one."""
    pool = candidates.filter(pl.col("candidate_id").is_in(list(families)))
    ads_in = ads.height
    ads = ads.filter(pl.col("job_id").is_in(list(families)))
    if pool.is_empty() or ads.is_empty():
        raise ConfigError(
            f"the truth names {pool.height} of the lake's candidates and {ads.height} of the "
            "ads: both must have families"
        )
    ids = pool["candidate_id"].to_list()
    by_family: dict[str, set[str]] = {}
    for cid in ids:
        by_family.setdefault(families[cid], set()).add(cid)
    lost = sorted(set(cv_texts or {}).intersection(families).difference(ids))
    for cid in lost:
        by_family.setdefault(families[cid], set()).add(cid)
    job_ids = ads["job_id"].to_list()
    relevant = [by_family.get(families[j], set()) for j in job_ids]
    scoring = truth_settings(settings)
    ours: list[list[str]] = []
    for i in range(ads.height):
        ranked = recruiter.rank_candidates(
            pool, ads[i : i + 1], settings=scoring, now=now, top=pool.height
        )
        ours.append(ranked["candidate_id"].to_list())
    semantic = embeddings(ads, what="ads") @ embeddings(pool, what="candidates").T
    docs = [
        (cv_texts or {}).get(cid) or str(s or "")
        for cid, s in zip(ids, pool["summary"].to_list(), strict=True)
    ]
    tfidf = tfidf_cosines([ad_texts.get(j, "") for j in job_ids], docs)

    def order(scores: np.ndarray) -> list[list[str]]:
        return [[ids[k] for k in np.argsort(-row, kind="stable")] for row in scores]

    mine = _per_ad(ours, relevant)
    rows = [
        {
            "job": job,
            "family": families[job],
            "relevant": len(rel),
            "ap": round(ap, 4),
            "p_at_10": round(p10, 4),
        }
        for job, rel, (ap, p10) in zip(job_ids, relevant, mine, strict=True)
    ]
    summary = {
        "jobs": len(job_ids),
        "candidates": len(ids),
        "candidates_without_family": candidates.height - pool.height,
        "cvs_not_candidates": len(lost),
        "ads_without_family": ads_in - len(job_ids),
        **_summary(mine),
        "baselines": {
            "semantic": _summary(_per_ad(order(semantic), relevant)),
            "tfidf": _summary(_per_ad(order(tfidf), relevant)),
        },
        "baseline_text": "cv files" if cv_texts else "profile summaries",
    }
    return rows, summary
