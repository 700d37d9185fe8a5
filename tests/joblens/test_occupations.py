"""Titles -> ESCO occupations, and title-to-title ranking: what `joblens parse occupation`
and `joblens titles rank` users get."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from joblens.cli import app
from joblens.embed import make_embedder
from joblens.occupations import OccupationIndex, load_occupations, shared_index, title_core
from joblens.occupations.titles import rank
from tests.conftest import VECTOR_CACHE

runner = CliRunner()
TRUTH = Path(__file__).resolve().parents[1] / "data" / "parse_truth" / "occupation.jsonl"


@pytest.fixture(scope="module")
def index() -> OccupationIndex:
    return shared_index(make_embedder(), str(VECTOR_CACHE))


def _labels(index: OccupationIndex, title: str, top: int = 10) -> list[str]:
    return [m.label for m in index.match([title], top=top)[0]]


def test_the_shipped_esco_data_is_whole() -> None:
    occupations = load_occupations()
    assert len(occupations) == 3039
    assert len({o.uri for o in occupations}) == 3039
    assert all(o.uri.startswith("http://data.europa.eu/esco/occupation/") for o in occupations)
    assert all(len(o.isco) == 4 and o.isco.isdigit() for o in occupations)
    labels = {o.label: o for o in occupations}
    assert labels["software developer"].isco == "2512"  # the ILO's own example list
    assert "software engineer" in labels["software developer"].alt


@pytest.mark.parametrize(
    ("title", "core"),
    [
        ("(Senior) Financial Accountant (f/m/d) - Berlin/Brandenburg", ["financial", "accountant"]),
        ("Analyst, Licensing Finance – FP&A", ["licensing", "finance", "analyst"]),
        ("Account Executive, Public Sector", ["account", "executive"]),
        ("Senior Rust Engineer", ["software", "engineer"]),
        ("Android Engineer I - Subscriptions", ["mobile", "application", "engineer"]),
        ("Cleaner - Permanent Full Time", ["cleaner"]),
        ("Intern", ["intern"]),
        (
            "Product Designer (UX/UI)",
            ["user", "experience", "user", "interface", "product", "designer"],
        ),
    ],
)
def test_title_core_keeps_the_occupation_words(title: str, core: list[str]) -> None:
    assert title_core(title) == core


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Bartender - Bar Koukla", "bartender"),
        ("Bus Driver", "bus driver"),
        ("(Senior) Financial Accountant (f/m/d)", "accountant"),
        ("Senior Rust Engineer", "software developer"),
        ("Registered Nurse", "nurse responsible for general care"),
        ("Blockchain Engineer (Contract)", "blockchain developer"),
        ("Product Designer (UX/UI)", "user interface designer"),
        ("Postdoc Fellow", "university research assistant"),  # not postman/postwoman
    ],
)
def test_real_titles_find_their_occupation_in_the_top_ten(
    index: OccupationIndex, title: str, expected: str
) -> None:
    assert expected in _labels(index, title)


def test_matches_are_ranked_and_carry_uri_label_isco_score(index: OccupationIndex) -> None:
    found = index.match(["Data Engineer", "", "Kellner/in (m/w/d)"])
    assert len(found) == 3 and found[1] == []
    for matches in (found[0], found[2]):
        assert len(matches) == 10
        scores = [m.score for m in matches]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 1 for s in scores)
        assert all(m.uri.startswith("http://data.europa.eu/esco/") for m in matches)


def test_parse_occupation_prints_one_json_object_per_stdin_line() -> None:
    out = runner.invoke(app, ["parse", "occupation"], input="Bus Driver\n\nBeautician\n")
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["Bus Driver", "", "Beautician"]
    assert rows[0]["occupations"][0]["label"] == "bus driver"
    assert set(rows[0]["occupations"][0]) == {"uri", "label", "isco", "score"}
    assert len(rows[0]["occupations"]) == 10 and rows[1]["occupations"] == []


def test_parse_occupation_truth_beats_minilm_on_preferred_labels() -> None:
    out = runner.invoke(app, ["parse", "occupation", "--truth", str(TRUTH)])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["titles"] >= 70
    assert result["recall_at_10"] >= 0.75
    assert result["recall_at_10"] > result["baseline"]["recall_at_10"]
    assert result["mrr"] > result["baseline"]["mrr"]


def test_titles_rank_puts_the_same_job_first(index: OccupationIndex) -> None:
    corpus = ["Bus Driver", "Software Developer", "Pastry Chef", "Registered Nurse", "Cleaner"]
    queries = ["Senior Backend Engineer", "ICU Nurse", "Coach Driver (m/w/d)"]
    best = [corpus[hits[0][0]] for hits in rank(index, queries, corpus, top=3)]
    assert best == ["Software Developer", "Registered Nurse", "Bus Driver"]


def test_titles_rank_prints_trec_run_lines(tmp_path: Path) -> None:
    queries, corpus = tmp_path / "q.tsv", tmp_path / "c.tsv"
    queries.write_text("q_id\tjobtitle\nq1\tJava Developer\nq2\tWaitress\n", encoding="utf-8")
    corpus.write_text(
        "c_id\tjobtitle\nc1\tWaiter\nc2\tSoftware Engineer\nc3\tCarpenter\n", encoding="utf-8"
    )
    out = runner.invoke(
        app, ["titles", "rank", "--queries", str(queries), "--corpus", str(corpus), "--top", "2"]
    )
    assert out.exit_code == 0, out.output
    lines = [line.split() for line in out.stdout.splitlines()]
    assert [(f[0], f[1], f[3], f[5]) for f in lines] == [
        ("q1", "Q0", "1", "joblens"),
        ("q1", "Q0", "2", "joblens"),
        ("q2", "Q0", "1", "joblens"),
        ("q2", "Q0", "2", "joblens"),
    ]
    assert lines[0][2] == "c2" and lines[2][2] == "c1"
    assert float(lines[0][4]) >= float(lines[1][4])


def test_titles_rank_names_a_missing_column(tmp_path: Path) -> None:
    queries = tmp_path / "q.tsv"
    queries.write_text("id\ttitle\n1\tChef\n", encoding="utf-8")
    out = runner.invoke(
        app, ["titles", "rank", "--queries", str(queries), "--corpus", str(queries)]
    )
    assert out.exit_code == 1
    assert "q_id" in out.output and "jobtitle" in out.output


def test_held_out_real_titles_beat_minilm_at_rank_one() -> None:
    """Real titles from 12 repositories nobody tuned on (tests/data/occupation_heldout)."""
    truth = TRUTH.parents[1] / "occupation_heldout" / "occupation.jsonl"
    out = runner.invoke(app, ["parse", "occupation", "--truth", str(truth)])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["titles"] >= 70
    assert result["recall_at_10"] >= 0.8
    assert result["recall_at_1"] > result["baseline"]["recall_at_1"]


def test_titles_that_match_no_occupation_are_alike_to_nothing(index: OccupationIndex) -> None:
    best = rank(index, ["", "zzzqqq"], ["", "zzzqqq", "Nurse"], top=3)
    # Each is itself (same text), but not like the other or a nurse through ESCO profiles.
    others = [score for q, hits in enumerate(best) for c, score in hits if c != q]
    assert max(others) < 0.5


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # A label that opens with an acronym repeats it, capitalised, inside its own sentence.
        (
            "ICT project manager project manager scrum master IT project manager ICT project "
            "managers schedule, control and direct the resources to achieve the objectives of "
            "ICT projects.",
            "ICT project manager",
        ),
        # An alternative label that writes the label out again is not where the text starts.
        (
            "ICT account manager IT account manager ICT account manager IT service delivery "
            "manager ICT account managers build business relationships with ICT customers.",
            "ICT account manager",
        ),
        ("weaver loom operator Weavers operate weaving machines.", "weaver"),
        ("nanny au pair Nannies provide care services.", "nanny"),
        # A short word is not an inflection of another that shares one letter ("ICT" and
        # "install"), nor is a label's own word written again after it.
        (
            "ICT technician ICT technician IT officer ICT technicians install, maintain and "
            "operate information systems and any ICT related equipment.",
            "ICT technician",
        ),
        ("animal handler animal keeper Animal handlers work with animals.", "animal handler"),
        # Paired forms inflect part by part.
        (
            "waiter/waitress waiting staff table waiter Waiters/waitresses serve guests.",
            "waiter/waitress",
        ),
    ],
)
def test_an_esco_export_text_splits_at_its_own_description(text: str, label: str) -> None:
    from joblens.occupations.build import split_occupation

    got, alt, description = split_occupation(text)
    assert got == label
    assert description.split()[0][:3].lower() == label[:3].lower()  # "Nannies" for "nanny"
    assert f"{got} {alt} {description}".split() == text.split()  # nothing lost


def test_no_shipped_occupation_is_named_by_a_bare_acronym() -> None:
    from joblens.occupations import load_occupations

    labels = [o.label for o in load_occupations()]
    assert "ICT" not in labels and "ICT project manager" in labels
    assert "waiter/waitress" in labels and "masseur/masseuse" in labels
