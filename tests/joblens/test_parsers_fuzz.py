"""Every parser, fuzzed: any record gives a draft or a ParseError; any payload gives records or
a SourceError. Nothing else escapes to crash a file."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joblens.errors import ParseError, SourceError
from joblens.sources import PARSERS

_KEYS = [
    "id",
    "title",
    "text",
    "name",
    "content",
    "description",
    "descriptionPlain",
    "descriptionHtml",
    "location",
    "categories",
    "absolute_url",
    "hostedUrl",
    "jobUrl",
    "company",
    "company_name",
    "salaryRange",
    "compensation",
    "salary",
    "publishedAt",
    "createdAt",
    "date_posted",
    "first_published",
    "updated_at",
    "min_amount",
    "max_amount",
    "currency",
    "interval",
    "is_remote",
    "isRemote",
    "workplaceType",
    "offices",
    "metadata",
    "translations",
    "link",
    "guid",
    "pubdate",
    "job_url",
    "office",
    "additionalOffices",
    "city",
    "country",
    "candidate_required_location",
    "publication_date",
    "url",
    "lists",
    "secondaryLocations",
    # workable, smartrecruiters, remoteok, himalayas, hackernews, weworkremotely
    "shortcode",
    "telecommuting",
    "locations",
    "published_on",
    "_company",
    "releasedDate",
    "jobAd",
    "sections",
    "postingUrl",
    "ref",
    "remote",
    "hybrid",
    "fullLocation",
    "position",
    "epoch",
    "salary_min",
    "salary_max",
    "legal",
    "companyName",
    "applicationLink",
    "locationRestrictions",
    "minSalary",
    "maxSalary",
    "pubDate",
    "objectID",
    "comment_text",
    "parent_id",
    "story_id",
    "created_at_i",
    "region",
]
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)
    ),
    max_leaves=8,
)
_RECORDS = st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=10)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=150, deadline=None)
@given(record=_RECORDS)
def test_any_record_gives_a_draft_or_a_parse_error(kind: str, record: dict[str, Any]) -> None:
    try:
        draft = PARSERS[kind].parse(record)
    except ParseError:
        return
    assert draft.source == kind and draft.title.strip()


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_payload_gives_records_or_a_source_error(kind: str, data: bytes) -> None:
    try:
        records = PARSERS[kind].split(data, "fuzz")
    except SourceError:
        return
    assert isinstance(records, list)


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=100, deadline=None)
@given(records=st.lists(_RECORDS, max_size=4))
def test_normalizing_any_records_accounts_for_each_without_surprises(
    kind: str, records: list[dict[str, Any]]
) -> None:
    from joblens.normalize import postings
    from joblens.sources import RawRecord

    raw = [RawRecord(kind, "fuzz", i, r) for i, r in enumerate(records)]
    good, bad = postings(raw, run_id="r")
    assert good.height + bad.height == len(raw)
    surprises = [r for r in bad["reason"] if r.startswith("unexpected")]
    assert not surprises, surprises


_PLACE_WORDS = st.sampled_from(
    [
        "London",
        "Paris",
        "TX",
        "CA",
        "IN",
        "Remote",
        "Hybrid",
        "UK",
        "Deutschland",
        "-",
        ",",
        "/",
        " and ",
        "Berlin",
        "São Paulo",
        "(",
        ")",
        "|",
        "EC1A 1BB",
        "10001",
        "US",
        "in",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_PLACE_WORDS, max_size=8).map(" ".join)))
def test_any_place_text_gives_a_location_with_sane_fields(text: str) -> None:
    from joblens.normalize import location

    got = location.parse(text)
    assert got.country is None or (len(got.country) == 2 and got.country.isupper())
    assert got.work_mode in {None, "onsite", "hybrid", "remote"}
    assert (got.lat is None) == (got.lon is None)
    if got.lat is not None and got.lon is not None:
        assert -90 <= got.lat <= 90 and -180 <= got.lon <= 180
    if got.places:  # the first place is the posting's primary place
        assert (got.places[0].city, got.places[0].country) == (got.city, got.country)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=200))
def test_any_title_and_text_give_a_known_seniority_or_none(title: str, text: str) -> None:
    from joblens.normalize import seniority

    got = seniority.parse(title, text)
    assert got is None or seniority.level(got) >= 0
