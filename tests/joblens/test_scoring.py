"""The scoring engine gives the same top-K as a brute-force reference, and the factors mean
what the design says (same city beats elsewhere, a refused work mode is never ranked, ...)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from joblens.errors import ScoringError
from joblens.schemas import CANDIDATES, JOBS, MATCHES, SENIORITY_LEVELS, WORK_MODES
from joblens.scoring import engine, explain, features, recruiter, reference
from joblens.scoring.features import LOCATION_SAME_CITY, LOCATION_SAME_COUNTRY
from joblens.settings import ScoringSettings

NOW = datetime(2025, 6, 1, tzinfo=UTC)
DIM = 24
# (city, country, lat, lon): Mississauga is next to Toronto (~25 km), Ottawa is far away.
PLACES = [
    ("Toronto", "CA", 43.65, -79.38),
    ("Mississauga", "CA", 43.59, -79.64),
    ("Ottawa", "CA", 45.42, -75.70),
    ("Berlin", "DE", 52.52, 13.40),
    ("Potsdam", "DE", 52.39, 13.06),
    ("Austin", "US", 30.27, -97.74),
]
SKILLS = [f"skill-{i}" for i in range(30)]
# (ESCO-like occupation, ISCO unit group): siblings in a unit, cousins in a minor group...
OCCUPATIONS = [
    ("occ/software-developer", "2512"),
    ("occ/web-developer", "2513"),
    ("occ/ict-developer", "2512"),
    ("occ/data-analyst", "2511"),
    ("occ/nurse", "2221"),
    ("occ/midwife", "2222"),
    ("occ/chef", "3434"),
]


def _occupation(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.15:
        return {"occupation": None, "isco": None}
    uri, isco = rng.choice(OCCUPATIONS)
    return {"occupation": uri, "isco": isco}


def _settings(**kw: Any) -> ScoringSettings:
    return ScoringSettings.model_validate(kw)


def _vector(rng: random.Random) -> list[float]:
    v = np.array([rng.gauss(0, 1) for _ in range(DIM)])
    return (v / np.linalg.norm(v)).astype(np.float32).tolist()


def _place(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.1:
        return {"city": None, "country": None, "lat": None, "lon": None}
    city, country, lat, lon = rng.choice(PLACES)
    if roll < 0.2:
        return {"city": None, "country": country, "lat": None, "lon": None}
    if roll < 0.3:
        return {"city": city, "country": country, "lat": None, "lon": None}
    return {"city": city, "country": country, "lat": lat, "lon": lon}


def _maybe(rng: random.Random, value: Any, p_null: float = 0.15) -> Any:
    return None if rng.random() < p_null else value


def random_jobs(rng: random.Random, n: int) -> pl.DataFrame:
    rows = []
    for i in range(n):
        salary = rng.choice([None, rng.uniform(40_000, 200_000)])
        first = NOW - timedelta(days=rng.uniform(-2, 120))
        rows.append(
            {
                "job_id": f"j{i:04d}",
                **_place(rng),
                "work_mode": _maybe(rng, rng.choice(WORK_MODES)),
                "salary_currency": rng.choice(["USD", "CAD", "EUR", None, "XXX"]),
                "salary_annual_min": None if salary is None else salary * 0.8,
                "salary_annual_max": salary if rng.random() < 0.8 else None,
                "seniority": _maybe(rng, rng.choice(SENIORITY_LEVELS)),
                **_occupation(rng),
                "skills": rng.sample(SKILLS, rng.randint(0, 6)),
                "first_seen": _maybe(rng, first, 0.1),
                "last_seen": NOW - timedelta(days=rng.uniform(0, 3)),
                "embedding": _maybe(rng, _vector(rng), 0.05),
            }
        )
    return _frame(rows, JOBS)


def random_candidates(rng: random.Random, n: int) -> pl.DataFrame:
    rows = []
    for i in range(n):
        rows.append(
            {
                "candidate_id": f"c{i:03d}",
                **_place(rng),
                "work_modes": rng.sample(WORK_MODES, rng.randint(0, 3)),
                "seniority": _maybe(rng, rng.choice(SENIORITY_LEVELS)),
                **_occupation(rng),
                "skills": rng.sample(SKILLS, rng.randint(0, 10)),
                "salary_floor_annual": _maybe(rng, rng.uniform(50_000, 180_000), 0.2),
                "salary_currency": rng.choice(["USD", "CAD", "EUR"]),
                "embedding": _maybe(rng, _vector(rng), 0.05),
            }
        )
    return _frame(rows, CANDIDATES)


def _frame(rows: list[dict[str, Any]], schema: Any) -> pl.DataFrame:
    polars_schema = pl.from_arrow(schema.empty_table()).schema  # type: ignore[union-attr]
    return pl.DataFrame(rows, schema={k: polars_schema[k] for k in rows[0]})


def _run(cands: pl.DataFrame, jobs: pl.DataFrame, settings: ScoringSettings, **kw: Any):
    return pl.concat(list(engine.match(cands, jobs, settings=settings, now=NOW, **kw)))


def assert_same_top_k(got: pl.DataFrame, want: pl.DataFrame, k: int) -> None:
    """Same scores rank by rank; the same job set except where exact ties make it ambiguous."""
    for cid in want["candidate_id"].unique().to_list():
        g = got.filter(pl.col("candidate_id") == cid).sort("rank")
        w = want.filter(pl.col("candidate_id") == cid).sort("rank")
        assert g.height == w.height, cid
        np.testing.assert_allclose(g["score"].to_numpy(), w["score"].to_numpy(), atol=1e-3)
        g_ids, w_ids = set(g["job_id"]), set(w["job_id"])
        if g_ids != w_ids:
            # Only jobs tied with the K-th score may differ.
            kth = w["score"][-1]
            differ = g.filter(pl.col("job_id").is_in(list(g_ids ^ w_ids)))
            assert (differ["score"] - kth).abs().max() < 1e-3, cid
    assert set(got["candidate_id"]) <= set(want["candidate_id"]) | set()


@pytest.mark.parametrize("backend", ["torch", "numpy"])
@pytest.mark.parametrize(("seed", "w_occupation"), [(0, 0.0), (1, 0.0), (2, 0.0), (3, 0.2)])
def test_engine_top_k_equals_brute_force_reference(
    backend: str, seed: int, w_occupation: float
) -> None:
    rng = random.Random(seed)
    jobs, cands = random_jobs(rng, 400), random_candidates(rng, 30)
    s = _settings(top_k=10, backend=backend, w_occupation=w_occupation)
    got = _run(cands, jobs, s, chunk_size=7)
    want = reference.rank(cands, jobs, settings=s, now=NOW)
    assert_same_top_k(got, want, 10)


def test_engine_top_k_equals_reference_with_remote_same_country_only() -> None:
    rng = random.Random(7)
    jobs, cands = random_jobs(rng, 300), random_candidates(rng, 20)
    s = _settings(top_k=8, remote_same_country_only=True, w_location=0.6)
    assert_same_top_k(_run(cands, jobs, s), reference.rank(cands, jobs, settings=s, now=NOW), 8)


@pytest.mark.parametrize("place_filter", ["country", "none"])
@pytest.mark.parametrize("remote_rule", [True, False])
def test_engine_top_k_equals_reference_under_each_place_rule(
    place_filter: str, remote_rule: bool
) -> None:
    rng = random.Random(17)
    jobs, cands = random_jobs(rng, 300), random_candidates(rng, 25)
    s = _settings(top_k=12, place_filter=place_filter, remote_same_country_only=remote_rule)
    got = _run(cands, jobs, s, chunk_size=5)
    assert_same_top_k(got, reference.rank(cands, jobs, settings=s, now=NOW), 12)


def test_a_job_in_another_country_is_never_ranked_and_remote_ones_only_where_open() -> None:
    rng = random.Random(21)
    jobs = random_jobs(rng, 200)
    cand = random_candidates(rng, 1).with_columns(
        pl.lit("Berlin").alias("city"),
        pl.lit("DE").alias("country"),
        pl.lit(52.52).alias("lat"),
        pl.lit(13.40).alias("lon"),
        pl.lit([], pl.List(pl.String)).alias("work_modes"),
    )
    got = _run(cand, jobs, _settings(top_k=200)).join(
        jobs.select("job_id", "country", "work_mode"), on="job_id"
    )
    # Germany's jobs, any mode; jobs of unknown country; never another country's job, remote
    # ones included (remote_same_country_only is on by default).
    assert set(got["country"].to_list()) <= {"DE", None}
    want = jobs.filter(pl.col("country").is_null() | (pl.col("country") == "DE"))
    assert got.height == want.height
    # Without the filter, jobs abroad rank too, with a location factor of 0 when not remote.
    loose = _run(cand, jobs, _settings(top_k=200, place_filter="none")).join(
        jobs.select("job_id", "country", "work_mode"), on="job_id"
    )
    assert loose.height == jobs.height
    abroad = loose.filter(pl.col("country").is_in(["CA", "US"]))
    assert abroad.height and (abroad["location"] == 0).all()


def _salary_trap(seed: int) -> tuple[pl.DataFrame, pl.DataFrame, ScoringSettings]:
    """Jobs paying just around each candidate's floor, where the interpolated salary block
    is least exact, told apart only by freshness: the ranking pass misorders them."""
    rng = random.Random(seed)
    jobs = random_jobs(rng, 300).with_columns(
        pl.Series("salary_annual_max", [rng.uniform(95_000, 110_000) for _ in range(300)]),
        pl.lit("USD").alias("salary_currency"),
        pl.Series("first_seen", [NOW - timedelta(days=rng.uniform(0, 60)) for _ in range(300)]),
    )
    cands = random_candidates(rng, 6).with_columns(
        pl.Series("salary_floor_annual", [97_000.0, 99_500.0, 100_000.0, 101_300.0, 103_000.0, 1]),
        pl.lit("USD").alias("salary_currency"),
        pl.lit([], pl.List(pl.String)).alias("work_modes"),
    )
    s = _settings(top_k=5, w_salary=1.0, w_semantic=0, w_skills=0, w_location=0, w_seniority=0)
    return jobs, cands, s.model_copy(update={"w_freshness": 0.02})


@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_approximate_ranking_never_loses_a_true_top_k_pair(backend: str) -> None:
    jobs, cands, s = _salary_trap(3)
    s = s.model_copy(update={"backend": backend})
    assert_same_top_k(_run(cands, jobs, s), reference.rank(cands, jobs, settings=s, now=NOW), 5)


@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_uncertain_candidates_get_a_wider_shortlist(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With no over-fetch at all the certificate alone must still find the exact top K.
    monkeypatch.setattr(engine, "shortlist_size", lambda k, n: min(k, n))
    jobs, cands, s = _salary_trap(4)
    s = s.model_copy(update={"backend": backend})
    assert_same_top_k(_run(cands, jobs, s), reference.rank(cands, jobs, settings=s, now=NOW), 5)
    rng = random.Random(8)
    jobs, cands = random_jobs(rng, 300), random_candidates(rng, 20)
    s = _settings(top_k=6, backend=backend)
    chunks = list(engine.match(cands, jobs, settings=s, now=NOW, chunk_size=8))
    want = reference.rank(cands, jobs, settings=s, now=NOW)
    assert_same_top_k(pl.concat(chunks), want, 6)
    # Widened rows merge back in place: each chunk lists its candidates in the frame's order.
    position = {c: i for i, c in enumerate(cands["candidate_id"].to_list())}
    for chunk in chunks:
        order = [position[c] for c in chunk["candidate_id"].unique(maintain_order=True)]
        assert order == sorted(order)
    assert set(pl.concat(chunks)["candidate_id"]) == set(want["candidate_id"])


def test_explain_factors_equal_reference_factors_on_every_pair() -> None:
    rng = random.Random(11)
    jobs, cands = random_jobs(rng, 120), random_candidates(rng, 25)
    for remote_rule, place_filter in itertools.product((False, True), ("country", "none")):
        s = _settings(remote_same_country_only=remote_rule, place_filter=place_filter)
        index = explain.JobIndex(features.job_attributes(jobs, settings=s, now=NOW))
        attrs = features.candidate_attributes(cands)
        ci = np.repeat(np.arange(cands.height), jobs.height)
        ji = np.tile(np.arange(jobs.height), cands.height)
        values, allowed = explain.exact_factors(index, attrs, ci, ji, settings=s)
        # The rows-of-one-candidate path (the re-rank's) gives the same values.
        rows, _ = explain.exact_factors(index, attrs, ci, ji, settings=s, width=jobs.height)
        np.testing.assert_allclose(rows["semantic"], values["semantic"], atol=1e-6)
        job_rows, cand_rows = jobs.to_dicts(), cands.to_dicts()
        for p in range(0, len(ci), 7):
            c, j = cand_rows[ci[p]], job_rows[ji[p]]
            want = reference.factors(c, j, now=NOW, settings=s)
            got = {name: float(values[name][p]) for name in features.FACTORS}
            assert got == pytest.approx(want, abs=1e-6), (c["candidate_id"], j["job_id"])
            assert bool(allowed[p]) == reference.allowed(c, j, s)


def test_matches_conform_to_the_lake_schema_without_run_id() -> None:
    rng = random.Random(5)
    out = _run(random_candidates(rng, 4), random_jobs(rng, 50), _settings(top_k=3))
    want = pl.from_arrow(MATCHES.empty_table()).drop("run_id")  # type: ignore[union-attr]
    assert out.schema == want.schema
    assert (
        out.group_by("candidate_id").agg(pl.col("rank").sort())["rank"].to_list() == [[1, 2, 3]] * 4
    )
    ordered = out.sort("candidate_id", "rank")
    for _, group in ordered.group_by("candidate_id"):
        assert group["score"].is_sorted(descending=True)


def test_refused_work_modes_are_never_ranked_and_unknown_modes_are() -> None:
    rng = random.Random(9)
    jobs = random_jobs(rng, 60)
    cands = random_candidates(rng, 3).with_columns(
        pl.Series("work_modes", [["remote"], ["onsite", "hybrid"], []])
    )
    out = _run(cands, jobs, _settings(top_k=60, place_filter="none")).join(
        jobs.select("job_id", "work_mode"), on="job_id"
    )
    modes = {cid: set(g["work_mode"].to_list()) for (cid,), g in out.group_by("candidate_id")}
    assert modes["c000"] <= {"remote", None}
    assert modes["c001"] <= {"onsite", "hybrid", None}
    # No accepted modes listed means any mode: every job is ranked.
    assert out.filter(pl.col("candidate_id") == "c002").height == 60
    n_allowed = jobs.filter(pl.col("work_mode").is_null() | (pl.col("work_mode") == "remote"))
    assert out.filter(pl.col("candidate_id") == "c000").height == n_allowed.height


def test_chunks_stream_with_progress() -> None:
    rng = random.Random(4)
    calls: list[tuple[int, int]] = []
    cands = random_candidates(rng, 23)
    chunks = list(
        engine.match(
            cands,
            random_jobs(rng, 40),
            settings=_settings(top_k=2, place_filter="none"),
            now=NOW,
            chunk_size=10,
            progress=lambda done, total: calls.append((done, total)),
        )
    )
    # Every candidate in exactly one chunk of at most chunk_size candidates.
    per_chunk = [c["candidate_id"].unique().to_list() for c in chunks]
    assert all(len(ids) <= 10 for ids in per_chunk)
    flat = [cid for ids in per_chunk for cid in ids]
    assert sorted(flat) == sorted(cands["candidate_id"].to_list())
    # Progress only grows and ends with every candidate done.
    assert [t for _, t in calls] == [23] * len(calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1] == (23, 23)


def test_inconsistent_inputs_raise_before_iterating() -> None:
    rng = random.Random(1)
    jobs, cands = random_jobs(rng, 10), random_candidates(rng, 3)
    with pytest.raises(ScoringError, match="empty jobs"):
        engine.match(cands, jobs.clear(), settings=_settings(), now=NOW)
    wide = cands.with_columns(pl.lit([0.1] * (DIM + 1), pl.List(pl.Float32)).alias("embedding"))
    with pytest.raises(ScoringError, match="width differs"):
        engine.match(wide, jobs, settings=_settings(), now=NOW)
    bad = jobs.with_columns(pl.lit("part-time").alias("work_mode"))
    with pytest.raises(ScoringError, match="part-time"):
        engine.match(cands, bad, settings=_settings(), now=NOW)


def test_factor_names_are_the_matches_columns_and_the_weights() -> None:
    from joblens import report

    assert [name for name in MATCHES.names if name in features.FACTORS] == list(features.FACTORS)
    weights = _settings()
    assert all(isinstance(getattr(weights, f"w_{name}"), float) for name in features.FACTORS)
    assert report.FACTORS is features.FACTORS


def test_auto_chunk_size_is_bounded() -> None:
    assert 1 <= engine.auto_chunk_size(100_000) <= engine.MAX_CHUNK
    assert engine.auto_chunk_size(10**15) == 1


# -- what each factor means ----------------------------------------------------------------
def _cand(**kw: Any) -> dict[str, Any]:
    base = dict.fromkeys(CANDIDATES.names)
    return base | {"candidate_id": "c", "work_modes": [], "skills": []} | kw


def _job(**kw: Any) -> dict[str, Any]:
    return dict.fromkeys(JOBS.names) | {"job_id": "j", "skills": []} | kw


def _f(cand: dict[str, Any], job: dict[str, Any], **kw: Any) -> dict[str, float]:
    return reference.factors(cand, job, now=NOW, settings=_settings(**kw))


def test_location_prefers_same_city_then_nearby_then_same_country() -> None:
    toronto = {"city": "Toronto", "country": "CA", "lat": 43.65, "lon": -79.38}
    cand = _cand(**toronto, work_modes=["onsite", "hybrid", "remote"])
    same = _f(cand, _job(**toronto, work_mode="onsite"))["location"]
    nearby = _f(cand, _job(city="Mississauga", country="CA", lat=43.59, lon=-79.64))["location"]
    country = _f(cand, _job(city="Ottawa", country="CA", lat=45.42, lon=-75.70))["location"]
    abroad = _f(cand, _job(city="Berlin", country="DE", lat=52.5, lon=13.4))["location"]
    assert same == 1.0 and abroad == 0.0
    assert same > nearby > country > abroad
    assert _f(cand, _job(city="toronto ", country="ca"))["location"] >= country  # spelling
    # By default a remote job open to another country does not reach a Toronto candidate...
    assert _f(cand, _job(work_mode="remote", country="DE"))["location"] == 0.0
    assert _f(cand, _job(work_mode="remote", country="CA"))["location"] == 1.0
    assert _f(cand, _job(work_mode="remote"))["location"] == 1.0  # open to anywhere
    # ... and with remote_same_country_only off, a remote job reaches everyone.
    assert (
        _f(cand, _job(work_mode="remote", country="DE"), remote_same_country_only=False)["location"]
        == 1.0
    )
    # A CV that names no work mode: remote jobs still rank, at the neutral 0.5 of an unknown
    # preference, below the jobs of the candidate's own city.
    silent = _cand(**toronto)
    assert _f(silent, _job(work_mode="remote", country="CA"))["location"] == 0.5
    assert _f(silent, _job(**toronto, work_mode="onsite"))["location"] == 1.0
    assert _f(silent, _job(work_mode="remote", country="DE"))["location"] == 0.0
    # A job whose place is unknown counts as elsewhere in the country: below a nearby town.
    assert _f(cand, _job(work_mode="onsite"))["location"] == country == 0.3
    assert _f(_cand(), _job(**toronto))["location"] == 0.5  # candidate location unknown


@pytest.mark.parametrize("remote_rule", [False, True])
def test_engine_and_reference_read_country_spellings_alike(remote_rule: bool) -> None:
    # " ca" and "CA" are one country on both paths: same city + same country, and remote
    # jobs in the candidate's own country pass remote_same_country_only.
    cands = _frame(
        [_cand(city=" Toronto", country=" ca", work_modes=["onsite", "remote"])], CANDIDATES
    )
    jobs = _frame(
        [
            _job(job_id="onsite", city="Toronto", country="CA", work_mode="onsite"),
            _job(job_id="remote", country="CA ", work_mode="remote"),
        ],
        JOBS,
    )
    s = _settings(top_k=2, remote_same_country_only=remote_rule)
    got = _run(cands, jobs, s)
    engine_loc = dict(zip(got["job_id"], got["location"], strict=True))
    want = LOCATION_SAME_CITY + LOCATION_SAME_COUNTRY
    assert engine_loc == pytest.approx({"onsite": want, "remote": 1.0})
    cand, rows = cands.to_dicts()[0], {j["job_id"]: j for j in jobs.to_dicts()}
    ref_loc = {
        jid: _f(cand, row, remote_same_country_only=remote_rule)["location"]
        for jid, row in rows.items()
    }
    assert ref_loc == pytest.approx(engine_loc)


def test_salary_is_full_at_the_floor_and_zero_at_sixty_percent() -> None:
    cand = _cand(salary_floor_annual=100_000.0, salary_currency="USD")

    def salary(amount: float | None, currency: str | None = "USD") -> float:
        return _f(cand, _job(salary_annual_max=amount, salary_currency=currency))["salary"]

    assert salary(120_000) == 1.0 and salary(100_000) == 1.0
    assert salary(80_000) == pytest.approx(0.5)
    assert salary(60_000) == 0.0 and salary(30_000) == 0.0
    assert salary(None) == 0.5 and salary(90_000, "XXX") == 0.5  # unknown is neutral
    assert salary(100_000, "EUR") == 1.0  # converted: 1 EUR > 1 USD
    assert _f(_cand(), _job(salary_annual_max=1.0, salary_currency="USD"))["salary"] == 0.5


def test_seniority_skills_and_freshness() -> None:
    cand = _cand(seniority="senior", skills=["python", "sql"])
    assert _f(cand, _job(seniority="senior"))["seniority"] == 1.0
    assert _f(cand, _job(seniority="mid"))["seniority"] == 0.75
    assert _f(cand, _job(seniority="intern"))["seniority"] == 0.25
    assert _f(cand, _job())["seniority"] == 0.5
    assert _f(cand, _job(skills=["python", "go"]))["skills"] == 0.5
    assert _f(cand, _job(skills=[]))["skills"] == 0.5
    assert _f(cand, _job(skills=["python", "sql", "python"]))["skills"] == 1.0
    assert _f(cand, _job(first_seen=NOW))["freshness"] == 1.0
    month_ago = _f(cand, _job(first_seen=NOW - timedelta(days=30)))["freshness"]
    assert month_ago == pytest.approx(0.5)
    assert _f(cand, _job())["freshness"] == 0.5


def test_explanations_list_matched_and_missing_skills_in_job_order() -> None:
    jobs = pl.DataFrame(
        {"job_id": ["j1"], "skills": [["sql", "python", "go"]]},
        schema={"job_id": pl.String, "skills": pl.List(pl.String)},
    )
    cands = pl.DataFrame(
        {"candidate_id": ["c1"], "skills": [["python", "sql", "rust"]]},
        schema={"candidate_id": pl.String, "skills": pl.List(pl.String)},
    )
    row = _run(cands, jobs, _settings()).row(0, named=True)
    assert row["matched_skills"] == ["sql", "python"]
    assert row["missing_skills"] == ["go"]
    assert row["skills"] == pytest.approx(2 / 3)


@hsettings(max_examples=40, deadline=None)
@given(
    floor=st.floats(1_000, 2_000_000),
    salary=st.floats(1_000, 2_000_000),
    level_c=st.sampled_from([None, *SENIORITY_LEVELS]),
    level_j=st.sampled_from([None, *SENIORITY_LEVELS]),
)
def test_ranking_block_matches_exact_score_within_salary_tolerance(
    floor: float, salary: float, level_c: str | None, level_j: str | None
) -> None:
    # The ranking product is exact except for salary interpolation (<= 0.031 per unit weight).
    s = _settings()
    jobs = pl.DataFrame(
        [_job(salary_annual_max=salary, salary_currency="USD", seniority=level_j)],
        schema={k: v for k, v in pl.from_arrow(JOBS.empty_table()).schema.items()},  # type: ignore[union-attr]
    )
    cands = pl.DataFrame(
        [_cand(salary_floor_annual=floor, salary_currency="USD", seniority=level_c)],
        schema={k: v for k, v in pl.from_arrow(CANDIDATES.empty_table()).schema.items()},  # type: ignore[union-attr]
    )
    vocab = features.Vocabulary.build(jobs, cands, settings=s)
    mat, bias = features.job_block(jobs, vocab, s, NOW)
    approx = float((features.candidate_block(cands, vocab, s) @ mat[0])[0] + bias[0])
    exact = reference.score(cands.row(0, named=True), jobs.row(0, named=True), now=NOW, settings=s)
    assert approx == pytest.approx(exact, abs=0.031 * s.w_salary + 1e-5)


@pytest.mark.parametrize("seed", [3, 4])
def test_candidates_for_a_job_equal_the_reference_scored_pair_by_pair(seed: int) -> None:
    rng = random.Random(seed)
    jobs, cands = random_jobs(rng, 5), random_candidates(rng, 60)
    s = _settings(top_k=10)
    job = jobs.head(1)
    got = recruiter.rank_candidates(cands, job, settings=s, now=NOW, top=15)
    job_row = job.row(0, named=True)
    weights = s.model_copy(update=s.recruiter.model_dump())  # the recruiter's weights
    want = sorted(
        (
            (reference.score(c, job_row, now=NOW, settings=weights), c["candidate_id"])
            for c in cands.iter_rows(named=True)
            if reference.allowed(c, job_row)
        ),
        key=lambda t: (-t[0], t[1]),
    )[:15]
    assert got["rank"].to_list() == list(range(1, len(want) + 1))
    np.testing.assert_allclose(got["score"].to_numpy(), [w[0] for w in want], atol=1e-3)
    assert set(got["job_id"]) == {job_row["job_id"]}


def test_occupation_fit_counts_shared_occupation_and_isco_groups() -> None:
    jobs = random_jobs(random.Random(7), 7).with_columns(
        pl.Series("occupation", [o for o, _ in OCCUPATIONS[:6]] + [None]),
        pl.Series("isco", [i for _, i in OCCUPATIONS[:6]] + [None]),
    )
    cand = random_candidates(random.Random(8), 1).with_columns(
        pl.lit("occ/software-developer").alias("occupation"),
        pl.lit("2512").alias("isco"),
        pl.lit([], dtype=pl.List(pl.String)).alias("work_modes"),
    )
    settings = _settings(
        w_semantic=0,
        w_skills=0,
        w_location=0,
        w_seniority=0,
        w_salary=0,
        w_freshness=0,
        w_occupation=1.0,
        top_k=7,
        place_filter="none",
    )
    got = _run(cand, jobs, settings)
    fit = dict(zip(got["job_id"].to_list(), got["occupation"].to_list(), strict=True))
    ids = jobs["job_id"].to_list()
    # Same occupation; web developer (2513, same minor 251); ICT developer (same unit 2512);
    # data analyst (2511); nurse and midwife (another major group); unknown: what a shared
    # sub-major group scores, no more.
    assert [fit[i] for i in ids] == [1.0, 0.5, 0.75, 0.5, 0.0, 0.0, 0.25]
    scores = dict(zip(got["job_id"].to_list(), got["score"].to_list(), strict=True))
    assert scores[ids[0]] == pytest.approx(1.0, abs=1e-4)


def test_an_occupation_without_a_unit_group_is_unknown_on_every_path() -> None:
    jobs = random_jobs(random.Random(3), 3).with_columns(
        pl.Series("occupation", ["occ/a", "occ/a", "occ/b"]),
        pl.Series("isco", ["2512", "251", None]),
    )
    cand = random_candidates(random.Random(4), 1).with_columns(
        pl.lit("occ/a").alias("occupation"),
        pl.lit("2512").alias("isco"),
        pl.lit([], dtype=pl.List(pl.String)).alias("work_modes"),
    )
    settings = _settings(w_occupation=0.3, top_k=3, place_filter="none")
    got = _run(cand, jobs, settings).sort("job_id")
    assert got["occupation"].to_list() == [1.0, 0.25, 0.25]
    want = reference.rank(cand, jobs, settings=settings, now=NOW).sort("job_id")
    np.testing.assert_allclose(got["score"].to_numpy(), want["score"].to_numpy(), atol=1e-3)
