"""The recruiter's direction at scale (scoring/recruiter.py): every job's best candidates,
checked pair by pair against scoring/reference.py (which shares no helper with the engine)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import polars as pl
import pytest

from joblens.scoring import engine, recruiter, reference
from joblens.settings import ScoringSettings
from tests.joblens.test_scoring import NOW, _settings, random_candidates, random_jobs


def _brute_force(cands: pl.DataFrame, jobs: pl.DataFrame, s: ScoringSettings, top: int) -> dict:
    """job_id -> [(score, candidate_id)] best first, ties to the smaller candidate_id, with
    the recruiter's weights."""
    s = s.model_copy(update=s.recruiter.model_dump())
    out: dict[str, list[tuple[float, str]]] = {}
    for job in jobs.iter_rows(named=True):
        scored = [
            (reference.score(c, job, now=NOW, settings=s), c["candidate_id"])
            for c in cands.iter_rows(named=True)
            if reference.allowed(c, job, s)
        ]
        out[job["job_id"]] = sorted(scored, key=lambda t: (-t[0], t[1]))[:top]
    return out


def _assert_same(got: pl.DataFrame, want: dict[str, list[tuple[float, str]]]) -> None:
    for job_id, best in want.items():
        rows = got.filter(pl.col("job_id") == job_id)
        assert rows["rank"].to_list() == list(range(1, len(best) + 1)), job_id
        np.testing.assert_allclose(rows["score"].to_numpy(), [b[0] for b in best], atol=1e-4)
        # Candidates tied on the score may swap places; no other may differ.
        for got_id, (score, want_id) in zip(rows["candidate_id"], best, strict=True):
            if got_id != want_id:
                assert abs(rows.filter(pl.col("candidate_id") == got_id)["score"][0] - score) < 1e-4


@pytest.mark.parametrize("backend", ["torch", "numpy"])
@pytest.mark.parametrize(("seed", "extra"), [(0, {}), (1, {"w_occupation": 0.2})])
def test_each_jobs_best_candidates_equal_scoring_every_pair(
    backend: str, seed: int, extra: dict[str, Any]
) -> None:
    rng = random.Random(seed)
    jobs, cands = random_jobs(rng, 50), random_candidates(rng, 240)
    s = _settings(backend=backend, **extra)
    got = recruiter.top_candidates(cands, jobs, settings=s, now=NOW, top=6, chunk_size=29)
    _assert_same(got, _brute_force(cands, jobs, s, 6))
    # Rows come job by job in the jobs frame's order, best first.
    order = {j: i for i, j in enumerate(jobs["job_id"])}
    positions = [order[j] for j in got["job_id"]]
    assert positions == sorted(positions)


@pytest.mark.parametrize("place_filter", ["country", "none"])
def test_each_place_rule_holds_in_the_recruiters_direction(place_filter: str) -> None:
    rng = random.Random(5)
    jobs, cands = random_jobs(rng, 40), random_candidates(rng, 150)
    s = _settings(place_filter=place_filter, remote_same_country_only=place_filter == "country")
    got = recruiter.top_candidates(cands, jobs, settings=s, now=NOW, top=5)
    _assert_same(got, _brute_force(cands, jobs, s, 5))


@pytest.mark.parametrize("widen", [4, 1])
def test_jobs_whose_shortlist_could_miss_a_candidate_are_ranked_again(
    widen: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No over-fetch: the certificate alone must find the uncertain jobs; with widen 1 the
    # second pass settles nothing and every candidate is scored exactly for them.
    monkeypatch.setattr(recruiter, "kept_per_job", lambda k, n: min(k, n))
    monkeypatch.setattr(recruiter, "WIDEN", widen)
    rng = random.Random(9)
    jobs, cands = random_jobs(rng, 40), random_candidates(rng, 200)
    s = _settings()
    stats = engine.ScoringStats()
    got = recruiter.top_candidates(cands, jobs, settings=s, now=NOW, top=8, stats=stats)
    assert stats.widened > 0
    _assert_same(got, _brute_force(cands, jobs, s, 8))


def test_a_pair_has_the_same_factors_in_both_directions_and_each_sides_weights() -> None:
    rng = random.Random(3)
    jobs, cands = random_jobs(rng, 60), random_candidates(rng, 80)
    s = _settings(top_k=60)
    per_job = recruiter.top_candidates(cands, jobs, settings=s, now=NOW, top=80)
    per_cand = pl.concat(list(engine.match(cands, jobs, settings=s, now=NOW)))
    both = per_job.join(per_cand, on=["candidate_id", "job_id"], suffix="_c")
    # Every allowed pair is in both (K covers them all) with the same factors.
    assert both.height == per_job.height == per_cand.height > 0
    factors = ("semantic", "skills", "location", "seniority", "salary", "freshness", "occupation")
    for name in factors:
        np.testing.assert_allclose(both[name], both[f"{name}_c"], atol=1e-5)
    assert both["matched_skills"].to_list() == both["matched_skills_c"].to_list()
    # The score is each side's weighted sum: the recruiter weighs seniority less.
    for side, weights in (("", s.recruiter), ("_c", s)):
        want = sum(getattr(weights, f"w_{n}") * both[n].cast(pl.Float64) for n in factors)
        np.testing.assert_allclose(both[f"score{side}"], want, atol=1e-5)
    assert s.recruiter.w_seniority < s.w_seniority


def test_no_candidates_gives_no_rows_with_the_matches_columns() -> None:
    rng = random.Random(1)
    jobs, cands = random_jobs(rng, 5), random_candidates(rng, 3)
    got = recruiter.top_candidates(cands.head(0), jobs, settings=_settings(), now=NOW, top=5)
    assert got.is_empty()
    first = next(iter(engine.match(cands, jobs, settings=_settings(), now=NOW)))
    assert got.columns == first.columns
