"""Source parsers over the real job-board samples, plus the unhappy paths of each format."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from joblens import sources
from joblens.errors import ParseError, SourceError
from joblens.sources import PARSERS, RawRecord, WorldFileSource, read_origin, sources_in

# Sample folder -> (source kind, file glob). The samples are laid out by provenance,
# not like a world directory, so each file is read with its kind named.
SAMPLE_KINDS = {
    "greenhouse": ("greenhouse", "*.json"),
    "lever": ("lever", "*.json"),
    "ashby": ("ashby", "*.json"),
    "jobspy": ("jobspy_csv", "*.csv"),
    "remotive": ("rss", "*.json"),
    "recruitee": ("other_ats", "*.json"),
    "personio": ("other_ats", "*.xml"),
}


def _drafts(samples_dir: Path, kind: str) -> list[sources.PostingDraft]:
    folder, pattern = SAMPLE_KINDS[kind]
    paths = sorted((samples_dir / folder).glob(pattern))
    assert paths, f"no {kind} samples"
    return [sources.parse_record(r) for p in paths for r in read_origin(kind, p)]


@pytest.mark.parametrize("kind", sorted(SAMPLE_KINDS))
def test_every_sample_record_parses_with_its_identity(samples_dir: Path, kind: str) -> None:
    drafts = _drafts(samples_dir, kind)
    for d in drafts:
        assert d.source == kind
        assert d.source_posting_id.strip() == d.source_posting_id != ""
        assert d.title.strip()
        assert d.posted_at is None or d.posted_at.tzinfo is not None
        if kind != "personio":  # the Personio feed carries no URL
            assert d.url and d.url.startswith("http")
        if kind != "jobspy":  # a few scraped rows lack an employer
            assert d.company


def test_sample_record_counts(samples_dir: Path) -> None:
    counts = {kind: len(_drafts(samples_dir, kind)) for kind in SAMPLE_KINDS}
    assert counts == {
        "greenhouse": 6,
        "lever": 6,
        "ashby": 8,
        "jobspy": 198,
        "remotive": 4,
        "recruitee": 2,
        "personio": 2,  # the duplicated <id> stays two records
    }


def test_greenhouse_fields(samples_dir: Path) -> None:
    drafts = {d.title: d for d in _drafts(samples_dir, "greenhouse")}
    d = drafts["Amazon GTM Partnership, Startups"]
    assert d.source_posting_id == "5215052008"
    assert d.company == "Anthropic"
    assert d.location_raw == "San Francisco, CA | New York City, NY | Seattle, WA"
    assert d.workplace_type == "On-Site"
    assert d.posted_at == datetime(2026, 5, 11, 21, 58, 31, tzinfo=UTC)
    assert drafts["Customer Data Scientist - Experimentation"].company == "Amplitude"


def test_lever_created_at_milliseconds_become_utc_datetime(samples_dir: Path) -> None:
    drafts = {d.source_posting_id: d for d in _drafts(samples_dir, "lever")}
    d = drafts["b4ad9572-e20f-4185-a284-99d9740d04f0"]
    assert d.posted_at == datetime.fromtimestamp(1782821535482 / 1000, tz=UTC)
    assert d.company == "spotify"
    assert d.country_hint == "GB"
    assert d.location_raw == "London | Stockholm"
    # The pay range lives in `additional`; it must reach the description.
    ny = next(x for x in drafts.values() if x.location_raw == "New York, NY")
    assert "$67,172 - $95,960" in ny.description_html_or_text


def test_ashby_structured_compensation(samples_dir: Path) -> None:
    drafts = {d.title.strip(): d for d in _drafts(samples_dir, "ashby")}
    ramp = drafts["Technical Consultant, Mid-Market"]
    assert (ramp.salary_min, ramp.salary_max, ramp.salary_currency) == (151000, 231000, "USD")
    assert ramp.salary_interval == "1 YEAR"
    assert ramp.salary_text and "$151K" in ramp.salary_text
    cad = drafts["Senior Site Reliability Engineer"]
    assert (cad.salary_min, cad.salary_max, cad.salary_currency) == (102800, 137000, "CAD")
    assert cad.workplace_type == "Hybrid"
    assert drafts["Account Executive"].salary_min is None


def test_jobspy_reads_both_schemas_and_keeps_markdown_escapes(samples_dir: Path) -> None:
    drafts = _drafts(samples_dir, "jobspy")
    current = [d for d in drafts if d.source_posting_id.startswith(("gd-", "in-", "li-"))]
    early = [d for d in drafts if d.source_posting_id.startswith("http")]
    assert len(current) == 158 and len(early) == 40
    camp = next(d for d in current if d.source_posting_id == "gd-1009707688651")
    assert camp.location_raw == "Midtown Toronto"
    assert (camp.salary_interval, camp.salary_currency) == ("hourly", "CAD")
    assert (float(camp.salary_min or 0), float(camp.salary_max or 0)) == (17.0, 19.0)
    assert "non\\-traditional" in camp.description_html_or_text  # Markdown, cleaned later
    assert camp.is_remote is False
    assert camp.posted_at == datetime(2025, 4, 13, tzinfo=UTC)


def test_remotive_and_recruitee_fields(samples_dir: Path) -> None:
    remote = {d.source_posting_id: d for d in _drafts(samples_dir, "remotive")}
    assert remote["1919265"].salary_text == "$90 - $150 /hour"
    assert remote["1919265"].is_remote is True
    offers = _drafts(samples_dir, "recruitee")
    assert {(o.salary_min, o.salary_max, o.salary_currency) for o in offers} == {
        ("60000", "75000", "EUR"),
        ("75000", "90000", "EUR"),
    }
    assert all(o.workplace_type == "hybrid" for o in offers)


def test_personio_duplicate_ids_are_two_records(samples_dir: Path) -> None:
    drafts = _drafts(samples_dir, "personio")
    assert [d.source_posting_id for d in drafts] == ["1834171", "1834171"]
    assert drafts[0].company == "Acme SE & Co. KG"
    assert drafts[0].location_raw == "Munich | Berlin"
    assert drafts[0].description_html_or_text == ""


# --- unhappy paths ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["greenhouse", "lever", "ashby", "remotive", "recruitee"])
def test_json_sources_reject_non_json_naming_the_origin(kind: str) -> None:
    with pytest.raises(SourceError, match="board-7.json"):
        PARSERS[kind].split(b"<html>oops</html>", "board-7.json")


def test_json_source_rejects_the_wrong_shape() -> None:
    with pytest.raises(SourceError, match="jobs"):
        PARSERS["greenhouse"].split(b'{"error": "not found"}', "x.json")


def test_xml_sources_reject_other_documents() -> None:
    with pytest.raises(SourceError, match="feed.xml"):
        PARSERS["rss"].split(b"<html><body/></html>", "feed.xml")
    with pytest.raises(SourceError, match="not well-formed"):
        PARSERS["personio"].split(b"<workzag-jobs><position>", "p.xml")


def test_jobspy_rejects_a_csv_without_its_columns() -> None:
    with pytest.raises(SourceError, match="other.csv"):
        PARSERS["jobspy"].split(b"a,b\n1,2\n", "other.csv")


@pytest.mark.parametrize(
    ("kind", "record", "field"),
    [
        ("greenhouse", {"title": "Engineer"}, "id"),
        ("greenhouse", {"id": 1, "title": None}, "title"),
        ("lever", {"id": "x", "text": "   "}, "text"),
        ("ashby", {"title": "Engineer"}, "id"),
        ("remotive", {"id": 5}, "title"),
        # Without id and job_url a JobSpy row gets an id from its content; a title it needs.
        ("jobspy", {"title": "", "id": "", "job_url": "", "company": "Acme"}, "id"),
        ("personio", {"id": "1"}, "name"),
        ("rss", {"title": "Engineer"}, "guid"),
    ],
)
def test_missing_required_field_raises_parse_error_naming_it(
    kind: str, record: dict[str, object], field: str
) -> None:
    with pytest.raises(ParseError) as info:
        PARSERS[kind].parse(record)
    assert info.value.field == field
    assert field in str(info.value)


def test_numbers_as_strings_and_nulls_are_tolerated() -> None:
    d = PARSERS["greenhouse"].parse(
        {"id": "123", "title": " Engineer ", "location": None, "content": None, "metadata": None}
    )
    assert (d.source_posting_id, d.title, d.location_raw) == ("123", "Engineer", None)
    assert d.description_html_or_text == ""


RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Jobs</title>
<item><title>Senior Developer - Acme Corp - Toronto, ON</title>
<link>https://jobs.example/1</link><guid>job-1</guid>
<description>&lt;p&gt;Salary: $90K - $110K&lt;/p&gt;&lt;p&gt;Build things.&lt;/p&gt;</description>
<pubDate>Mon, 14 Apr 2025 09:30:00 -0400</pubDate></item>
<item><title>Data Analyst at Globex (Remote)</title>
<link>https://jobs.example/2?utm_source=rss&amp;ref=x</link>
<description>Company: Globex Inc
Location: Vancouver, BC
Analyse data.</description></item>
</channel></rss>"""


def test_rss_reads_employer_and_place_from_title_and_description() -> None:
    first, second = (PARSERS["rss"].parse(r) for r in PARSERS["rss"].split(RSS, "feed.xml"))
    assert (first.source_posting_id, first.title, first.company) == (
        "job-1",
        "Senior Developer",
        "Acme Corp",
    )
    assert first.location_raw == "Toronto, ON"
    assert first.salary_text == "$90K - $110K"
    assert first.posted_at == datetime(2025, 4, 14, 13, 30, tzinfo=UTC)
    # No guid: the link is the id, without its campaign tags.
    assert second.source_posting_id == "https://jobs.example/2?ref=x"
    assert (second.company, second.location_raw) == ("Globex Inc", "Vancouver, BC")


# --- the file-drop source -------------------------------------------------------------------


def _world(tmp_path: Path) -> Path:
    (tmp_path / "greenhouse").mkdir()
    (tmp_path / "lever").mkdir()
    jobs = [{"id": i, "title": f"Job {i}", "content": "x"} for i in range(3)]
    (tmp_path / "greenhouse" / "b.json").write_text(json.dumps({"jobs": jobs[1:]}))
    (tmp_path / "greenhouse" / "a.json").write_text(json.dumps({"jobs": jobs[:1]}))
    (tmp_path / "greenhouse" / "notes.txt").write_text("ignored")
    (tmp_path / "lever" / "broken.json").write_text("{not json")
    return tmp_path


def test_world_file_source_yields_records_per_file_in_sorted_order(tmp_path: Path) -> None:
    root = _world(tmp_path)
    assert sources_in(root) == ["greenhouse", "lever"]
    src = WorldFileSource(root, kinds=["greenhouse"])
    records = list(src.records())
    assert [(Path(r.origin).name, r.record_index, r.payload["id"]) for r in records] == [
        ("a.json", 0, 0),
        ("b.json", 0, 1),
        ("b.json", 1, 2),
    ]
    assert all(isinstance(r, RawRecord) and r.source == "greenhouse" for r in records)
    assert records[0].key.endswith("a.json#0")


def test_an_unreadable_file_raises_source_error_naming_it(tmp_path: Path) -> None:
    root = _world(tmp_path)
    with pytest.raises(SourceError, match="broken.json"):
        list(WorldFileSource(root, kinds=["lever"]).records())
    paths = list(sources.iter_origins(root, "lever"))
    with pytest.raises(SourceError, match="broken.json"):
        read_origin("lever", paths[0])


def test_unknown_kind_is_refused_early(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown source kind"):
        WorldFileSource(tmp_path, kinds=["myspace"])


def test_rss_title_with_a_place_in_several_parts_keeps_the_company() -> None:
    """Eluta-style "Title - Company - CA - Remote": the place spans the last two parts."""
    from joblens.sources import rss

    xml = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><item>'
        b"<title>Jr. Site Operations Manager - CORVO RETAIL - CA - Remote</title>"
        b"<link>https://www.eluta.ca/spl/x-1</link><guid>x-1</guid>"
        b"<description>Run the site.</description></item></channel></rss>"
    )
    [record] = rss.split(xml, "feed.xml")
    draft = rss.parse(record)
    assert draft.title == "Jr. Site Operations Manager"
    assert draft.company == "CORVO RETAIL"
    assert draft.location_raw == "CA - Remote"


def test_rss_company_colon_title_gives_the_company() -> None:
    """We Work Remotely titles read "Company: Title"."""
    from joblens.sources import rss

    xml = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><item>'
        b"<title>Acme Data: Senior Product Manager, Replication</title>"
        b"<region>Anywhere in the World</region>"
        b"<link>https://weworkremotely.example/remote-jobs/acme-spm</link>"
        b"<description>Own the roadmap.</description></item>"
        b"<item><title>Urgent: Night Nurse</title><link>https://x.example/2</link>"
        b"<description>Care.</description></item></channel></rss>"
    )
    first, second = (rss.parse(r) for r in rss.split(xml, "feed.xml"))
    assert (first.company, first.title) == ("Acme Data", "Senior Product Manager, Replication")
    assert first.location_raw == "Anywhere in the World"
    assert (second.company, second.title) == (None, "Urgent: Night Nurse")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("12/20/2024", datetime(2024, 12, 20, tzinfo=UTC)),
        ("20/12/2024", datetime(2024, 12, 20, tzinfo=UTC)),  # 20 cannot be a month
        ("20.12.2024", datetime(2024, 12, 20, tzinfo=UTC)),  # dots: day first
        ("Dec 20, 2024", datetime(2024, 12, 20, tzinfo=UTC)),
        ("Posted: December 20th, 2024", datetime(2024, 12, 20, tzinfo=UTC)),
        ("2 days ago", datetime(2026, 11, 29, 12, tzinfo=UTC)),
        ("Posted 3 weeks ago", datetime(2026, 11, 10, 12, tzinfo=UTC)),
        ("30+ days ago", datetime(2026, 11, 1, 12, tzinfo=UTC)),
        ("yesterday", datetime(2026, 11, 30, 12, tzinfo=UTC)),
        ("13/13/2024", None),
    ],
)
def test_posted_dates_in_the_boards_formats(text: str, want: datetime | None) -> None:
    from joblens.sources import base
    from joblens.sources.base import FETCHED_AT

    token = FETCHED_AT.set(datetime(2026, 12, 1, 12, tzinfo=UTC))
    try:
        assert base.to_datetime(text) == want
    finally:
        FETCHED_AT.reset(token)
    # Without a fetch time, "ago" is unknown: null, never a guess.
    if "ago" in text:
        assert base.to_datetime(text) is None
