"""Ranking metrics behave as a reader of the report expects, and evaluate() follows lake jobs
back to the world's canonical jobs (majority of postings, duplicates count once)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from joblens.errors import LakeError
from joblens.evaluate import evaluate, metrics, mrr, ndcg_at_k, recall_at_k
from joblens.lake import Lake


def test_perfect_ranking_scores_one_and_reversed_scores_less() -> None:
    grades = [3, 2, 2, 1, 0, 0]
    assert ndcg_at_k([3, 2, 2, 1], grades, k=4) == pytest.approx(1.0)
    reversed_order = ndcg_at_k([0, 1, 2, 2], grades, k=4)
    assert reversed_order is not None and 0.0 < reversed_order < 1.0
    assert recall_at_k([3, 2, 2], grades, k=3) == 1.0
    assert recall_at_k([3, 0, 2], grades, k=3) == pytest.approx(2 / 3)
    assert mrr([0, 1, 2], grades, k=3) == pytest.approx(1 / 3)
    assert mrr([0, 0, 1], grades, k=3) == 0.0


def test_ndcg_worked_examples() -> None:
    # The only graded job (grade 3) ranked second: DCG 7/log2(3) over the ideal 7/log2(2).
    assert ndcg_at_k([0, 3], [3], k=2) == pytest.approx((7 / math.log2(3)) / (7 / math.log2(2)))
    assert ndcg_at_k([0, 3], [3], k=2) == pytest.approx(0.6309, abs=1e-4)
    # Grades 2, 0, 3 ranked against the ideal 3, 2, 1 (gain 2^g - 1, discount log2(rank + 1)).
    dcg = 3 / math.log2(2) + 0 + 7 / math.log2(4)
    ideal = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k([2, 0, 3], [3, 2, 1, 0], k=3) == pytest.approx(dcg / ideal)
    # Jobs past k count for nothing, on either side.
    assert ndcg_at_k([0, 0, 3], [3], k=2) == 0.0


def test_recall_and_mrr_worked_examples() -> None:
    grades = [3, 2, 2, 1, 0]  # three relevant jobs
    assert recall_at_k([2, 1, 0, 3], grades, k=4) == pytest.approx(2 / 3)
    assert recall_at_k([0, 2], grades, k=2) == pytest.approx(1 / 2)  # out of min(k, 3) = 2
    assert mrr([1, 2, 3], grades, k=3) == pytest.approx(1 / 2)
    # Averaged over candidates: first relevant job at rank 1 for "a", rank 4 for "b".
    out = metrics(
        {"a": ["j1", "j2", "j3", "j4"], "b": ["j5", "j6", "j7", "j8"]},
        {"a": {"j1": 2}, "b": {"j8": 3, "j5": 1}},
        ["a", "b"],
        k=4,
    )
    assert out["mrr"] == pytest.approx((1 / 1 + 1 / 4) / 2)
    assert out["recall_at_4"] == 1.0


def test_recall_denominator_is_capped_at_k() -> None:
    grades = [2] * 30  # more relevant jobs than k: a full top 10 is still perfect recall
    assert recall_at_k([2] * 10, grades, k=10) == 1.0


def test_candidates_without_relevant_jobs_are_left_out() -> None:
    assert ndcg_at_k([0, 0], [], k=2) is None
    assert recall_at_k([1], [1, 1], k=2) is None  # grade 1 is not "relevant"
    assert mrr([], [], k=2) is None
    out = metrics(
        {"a": ["j1"], "b": ["j9"]}, {"a": {"j1": 3}, "b": {"j2": 1}}, ["a", "b", "c"], k=1
    )
    assert out["ndcg_at_1"] == 1.0 and out["mrr"] == 1.0
    assert out["candidates_evaluated"] == 1 and out["candidates_without_relevant"] == 2


def test_a_canonical_job_listed_twice_counts_once() -> None:
    grades = {"a": {"j1": 3, "j2": 2}}
    once = metrics({"a": ["j1", "j2"]}, grades, ["a"], k=2)
    twice = metrics({"a": ["j1", "j1"]}, grades, ["a"], k=2)
    assert once["ndcg_at_2"] == pytest.approx(1.0)
    assert twice["ndcg_at_2"] < once["ndcg_at_2"]
    assert twice["recall_at_2"] == 0.5


# -- end to end on a hand-built lake --------------------------------------------------------
def _world(root: Path) -> Path:
    truth = root / "world" / "truth"
    truth.mkdir(parents=True)
    pl.DataFrame(
        {
            "source": ["greenhouse", "lever", "ashby", "rss", "jobspy"],
            "source_posting_id": ["g1", "l1", "a1", "r1", "x1"],
            "canonical_job_id": ["J1", "J1", "J2", "J3", "J1"],
        }
    ).write_parquet(truth / "postings.parquet")
    pl.DataFrame(
        {
            "candidate_id": ["alice", "alice", "bob"],
            "canonical_job_id": ["J1", "J2", "J3"],
            "grade": [3, 2, 1],
        },
        schema_overrides={"grade": pl.Int8},
    ).write_parquet(truth / "relevance.parquet")
    return root / "world"


_NOW = datetime.now(UTC)


def _lake(root: Path, ranking: list[str], run_id: str = "20250601T000000Z-aaaaaa") -> Lake:
    lake = Lake(root / "lake")
    part = {"dt": "2025-06-01"}
    lake.write(
        "postings",
        pl.DataFrame(
            {
                "posting_id": ["p1", "p2", "p3", "p4", "p5"],
                "source": ["greenhouse", "lever", "ashby", "rss", "jobspy"],
                "source_posting_id": ["g1", "l1", "a1", "r1", "x1"],
                "run_id": [run_id] * 5,
            }
        ),
        run_id=run_id,
        partition=part,
    )
    # L1 holds two J1 postings and one J3 one: the majority says J1. L4 duplicates J1.
    lake.write(
        "jobs",
        pl.DataFrame(
            {
                "run_id": [run_id] * 4,
                "job_id": ["L1", "L2", "L3", "L4"],
                "posting_ids": [["p1", "p2", "p4"], ["p3"], ["p4"], ["p5"]],
                "first_seen": [_NOW] * 4,
                "last_seen": [_NOW] * 4,
                "embedding": [[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [1.0, 0.0]],
            },
            schema_overrides={"embedding": pl.List(pl.Float32)},
        ),
        run_id=run_id,
        partition=part,
    )
    lake.write(
        "candidates",
        pl.DataFrame(
            {
                "run_id": [run_id] * 2,
                "candidate_id": ["alice", "bob"],
                "embedding": [[1.0, 0.0], [0.0, 1.0]],
            },
            schema_overrides={"embedding": pl.List(pl.Float32)},
        ),
        run_id=run_id,
        partition=part,
    )
    lake.write(
        "matches",
        pl.DataFrame(
            {
                "run_id": [run_id] * len(ranking),
                "candidate_id": ["alice"] * len(ranking),
                "job_id": ranking,
                "rank": list(range(1, len(ranking) + 1)),
            }
        ),
        run_id=run_id,
        partition=part,
    )
    # One completed scoring run in the registry: its rows become the lake's current state.
    lake.record_run(
        {
            "run_id": run_id,
            "flow": "score",
            "status": "completed",
            "started": datetime.now(UTC),
            "finished": datetime.now(UTC),
        }
    )
    return lake


def test_evaluate_maps_lake_jobs_to_canonical_jobs(tmp_path: Path) -> None:
    world = _world(tmp_path)
    report = evaluate(world, _lake(tmp_path, ["L1", "L2", "L3"]), k=2)
    assert set(report) >= {"ndcg_at_2", "recall_at_2", "mrr", "baselines", "candidates", "jobs"}
    assert report["ndcg_at_2"] == pytest.approx(1.0)  # L1 -> J1 (grade 3), L2 -> J2 (grade 2)
    assert report["recall_at_2"] == 1.0 and report["mrr"] == 1.0
    assert report["candidates"] == 1  # bob has only a grade-1 job: left out
    assert report["candidates_without_relevant"] == 1
    assert report["jobs"] == 4
    assert set(report["baselines"]) == {"random", "semantic", "semantic_filters", "bm25_filters"}
    for baseline in report["baselines"].values():
        assert set(baseline) == {"ndcg_at_2", "recall_at_2", "mrr"}
        assert all(0.0 <= v <= 1.0 for v in baseline.values())
    low, high = report["margin_ci95"]
    assert low <= high
    assert report["best_strong_baseline"] in {"semantic_filters", "bm25_filters"}
    assert report["candidates_with_relevant"] == 1
    # The recruiter's direction: alice is J1's and J2's relevant candidate.
    recruiter = report["recruiter"]
    assert recruiter["jobs_evaluated"] >= 1
    assert set(recruiter["baselines"]) == {"semantic_filters", "bm25_filters"}
    assert 0.0 <= recruiter["ndcg_at_2"] <= 1.0


def test_strong_baselines_filter_by_mode_and_place_then_rank() -> None:
    from joblens.evaluate import _filter_mask, _margin_ci95, _strong_baselines

    jobs = pl.DataFrame(
        {
            "title": ["Nurse", "Python Developer", "Python Developer", "Chef"],
            "description": ["Ward care", "Django and Python APIs", "Python, Flask", "Kitchen"],
            "work_mode": ["onsite", "remote", "onsite", None],
            "city": ["Berlin", None, "Paris", "Berlin"],
            "country": ["DE", "DE", "FR", "DE"],
            "seniority": ["mid", "senior", "senior", None],
            "embedding": [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.6, 0.8]],
        },
        schema_overrides={"embedding": pl.List(pl.Float32)},
    )
    candidates = pl.DataFrame(
        {
            "candidate_id": ["remote-dev", "berlin-any", "no-city"],
            "work_modes": [["remote"], [], ["onsite"]],
            "city": ["Berlin", "Berlin", None],
            "country": ["DE", "DE", "FR"],
            "seniority": ["senior", None, None],
            "summary": ["Senior Python developer", "Nurse on a ward", "Python"],
            "embedding": [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]],
        },
        schema_overrides={"embedding": pl.List(pl.Float32)},
    )
    mask = _filter_mask(candidates, jobs)
    assert mask.tolist() == [
        [False, True, False, True],  # remote only: the remote job, and one of unknown mode
        [True, True, False, True],  # any mode, in Berlin: Berlin jobs and the remote one
        [False, False, True, False],  # on-site, no city: on-site jobs in its country (FR)
    ]
    tops = _strong_baselines(candidates, jobs, k=3)
    assert tops["bm25_filters"][0][0] == 1 and tops["semantic_filters"][0][0] == 1
    assert tops["bm25_filters"][1][0] == 0  # "Nurse on a ward" reads the nurse job first
    assert _margin_ci95({"a": 0.5, "b": 0.7}, {"a": 0.5, "b": 0.7}, seed=1) == [0.0, 0.0]
    low, high = _margin_ci95({"a": 0.9, "b": 0.8}, {"a": 0.1, "b": 0.2}, seed=1)
    assert 0.6 <= low <= high <= 0.8


def test_random_baseline_is_seeded_and_draws_distinct_jobs(tmp_path: Path) -> None:
    world, lake = _world(tmp_path), _lake(tmp_path, ["L3"])
    first = evaluate(world, lake, k=2, seed=5)["baselines"]["random"]
    assert evaluate(world, lake, k=2, seed=5)["baselines"]["random"] == first
    # k above the number of jobs: every job is drawn once, so both of alice's relevant
    # canonical jobs (J1 via L1 or L4, J2 via L2) are found.
    everything = evaluate(world, lake, k=10, seed=5)["baselines"]["random"]
    assert everything["recall_at_10"] == 1.0


def test_evaluate_penalises_a_duplicate_and_reads_the_latest_run(tmp_path: Path) -> None:
    world = _world(tmp_path)
    _lake(tmp_path, ["L1", "L2"], run_id="20250101T000000Z-old000")
    # The newer run ranks two entities of the same canonical job J1 first: a dedupe miss.
    lake = _lake(tmp_path, ["L1", "L4", "L2"], run_id="20250601T000000Z-new000")
    report = evaluate(world, lake, k=2)
    assert report["run_id"] == "20250601T000000Z-new000"
    assert report["recall_at_2"] == 0.5
    assert report["ndcg_at_2"] < 1.0


def test_evaluate_semantic_baseline_uses_embeddings(tmp_path: Path) -> None:
    # alice's embedding equals L1's and L4's (both J1): the semantic baseline finds J1 first.
    report = evaluate(_world(tmp_path), _lake(tmp_path, ["L3"]), k=1)
    assert report["baselines"]["semantic"]["mrr"] == 1.0
    assert report["mrr"] == 0.0  # the stored ranking put L3 (J3, grade 0 for alice) first


def test_evaluate_without_matches_or_truth_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="truth"):
        evaluate(tmp_path / "nowhere", Lake(tmp_path / "lake"))
    (tmp_path / "empty").mkdir()
    world = _world(tmp_path)
    with pytest.raises(LakeError, match="expected matches of a completed scoring run"):
        evaluate(world, Lake(tmp_path / "empty"))
    with pytest.raises(LakeError, match="no lake at"):
        evaluate(world, Lake(tmp_path / "nowhere-lake"))


def test_dedupe_quality_counts_pairs_of_postings_against_the_truth() -> None:
    import polars as pl

    from joblens.evaluate import dedupe_quality

    # Truth: A = p1 p2 p3, B = p4, C = p5. Lake: job1 = p1 p2, job2 = p3 p4, job3 = p5, and
    # p6, which the truth does not know (left out).
    links = pl.DataFrame(
        {
            "posting_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
            "job_id": ["j1", "j1", "j2", "j2", "j3", "j3"],
        }
    )
    postings = pl.DataFrame(
        {
            "posting_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
            "source": ["gh", "lever", "gh", "gh", "rss", "rss"],
            "source_posting_id": ["1", "1", "3", "4", "5", "6"],
        }
    )
    truth = pl.DataFrame(
        {
            "source": ["gh", "lever", "gh", "gh", "rss"],
            "source_posting_id": ["1", "1", "3", "4", "5"],
            "canonical_job_id": ["A", "A", "A", "B", "C"],
        }
    )
    got = dedupe_quality(links, postings, truth)
    # Predicted pairs: (p1,p2) right, (p3,p4) wrong; true pairs: (p1,p2) (p1,p3) (p2,p3).
    assert got == {
        "postings": 5,
        "jobs": 3,
        "true_jobs": 3,
        "precision": 0.5,
        "recall": 0.3333,
        "split_true_jobs": 1,
        "mixed_jobs": 1,
    }
