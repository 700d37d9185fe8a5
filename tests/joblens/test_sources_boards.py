"""The six board formats added after the first eight: Workable, SmartRecruiters, Remote OK,
Himalayas, Hacker News "Who is hiring?" and We Work Remotely, over small answers shaped
as the real APIs answer (tests/data/boards/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from joblens.errors import ParseError, SourceError
from joblens.normalize import postings, text
from joblens.sources import (
    PARSERS,
    RawRecord,
    detect,
    hackernews,
    himalayas,
    remoteok,
    smartrecruiters,
    weworkremotely,
)
from joblens.sources.base import PostingDraft

BOARDS = Path(__file__).resolve().parents[1] / "data" / "boards"
NEW_KINDS = ("workable", "smartrecruiters", "remoteok", "himalayas", "hackernews", "weworkremotely")
FIXTURES = {
    "workable.json": "workable",
    "smartrecruiters.json": "smartrecruiters",
    "smartrecruiters_detail.json": "smartrecruiters",
    "remoteok.json": "remoteok",
    "himalayas.json": "himalayas",
    "hackernews.json": "hackernews",
    "weworkremotely.xml": "weworkremotely",
}


def _records(name: str) -> list[dict[str, Any]]:
    kind = FIXTURES[name]
    return PARSERS[kind].split((BOARDS / name).read_bytes(), name)


def _drafts(name: str) -> dict[str, PostingDraft]:
    kind = FIXTURES[name]
    drafts = [PARSERS[kind].parse(r) for r in _records(name)]
    return {d.source_posting_id: d for d in drafts}


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- recognition ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), sorted(FIXTURES.items()))
def test_each_board_answer_is_recognised_by_its_shape(name: str, kind: str) -> None:
    found, why = detect((BOARDS / name).read_bytes(), "saved-answer.txt")
    assert found == kind, why


@pytest.mark.parametrize(
    "feed",
    [
        b"<?xml version='1.0'?><rss version='2.0'><channel><link>https://jobs.example/</link>"
        b"<item><title>Acme: Engineer</title><link>https://jobs.example/1</link></item>"
        b"</channel></rss>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>Engineer</title></entry></feed>",
    ],
)
def test_other_rss_feeds_stay_generic_rss(feed: bytes) -> None:
    assert detect(feed)[0] == "rss"


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ('{"offset": 0, "limit": 100, "totalFound": 0, "content": []}', "smartrecruiters"),
        (
            '{"content": [{"id": "1", "name": "Engineer", "refNumber": "R1", "company',
            "smartrecruiters",
        ),
        ('{"hits": [], "nbHits": 0, "page": 0, "nbPages": 0}', "hackernews"),
        ('[{"legal": "API Terms of Service"}]', "remoteok"),
        ('[{"id": "1", "position": "Engineer", "epoch": 1785388450}]', "remoteok"),
        ('{"name": "Acme", "jobs": [{"title": "Engineer", "shortcode": "AB12"}]}', "workable"),
        (
            '{"jobs": [{"title": "E", "companyName": "A", "applicationLink": "https://x"}]}',
            "himalayas",
        ),
    ],
)
def test_small_and_cut_off_answers_are_recognised(payload: str, kind: str) -> None:
    found, why = detect(payload.encode())
    assert found == kind, why


def test_every_new_kind_is_registered_with_its_endpoint() -> None:
    from joblens.sources import EXTENSIONS, KNOWN

    for kind in NEW_KINDS:
        module = PARSERS[kind]
        assert kind == module.SOURCE and EXTENSIONS[kind] in {"json", "xml"}
        assert any(line.startswith(f"{kind} (") for line in KNOWN)
        assert module.BASE_URL.startswith("https://") and module.PATH.startswith("/")
        url = module.BASE_URL + module.PATH.format(
            board="acme", query="", location="", limit=20, offset=0
        )
        assert "{" not in url
    assert EXTENSIONS["weworkremotely"] == "xml"


# --- Workable -----------------------------------------------------------------------------


def test_workable_jobs_carry_the_account_name_and_their_fields() -> None:
    drafts = _drafts("workable.json")
    backend, designer = drafts["5EA5DDE797"], drafts["A1B2C3D4E5"]
    assert (backend.title, backend.company) == ("Senior Backend Engineer (.NET)", "Kahoot!")
    assert backend.url == "https://apply.workable.com/j/5EA5DDE797"
    # Shown locations only (Helsinki is hidden), the duplicated "Oslo, Oslo" said once.
    assert backend.location_raw == "Oslo, Norway | Stockholm, Stockholm County, Sweden"
    assert backend.country_hint == "NO"
    assert backend.is_remote is None and backend.workplace_type is None  # not telecommuting
    assert backend.posted_at == datetime(2026, 3, 27, tzinfo=UTC)
    assert "Azure" in backend.description_html_or_text
    assert "PostgreSQL" in backend.description_html_or_text  # the requirements ride along
    assert (designer.is_remote, designer.workplace_type) == (True, "remote")
    assert designer.extra["department"] == "Design"


def test_workable_refuses_what_is_not_a_widget_answer() -> None:
    with pytest.raises(SourceError, match="acme.json"):
        PARSERS["workable"].split(b"<html><body>Not found</body></html>", "acme.json")
    with pytest.raises(SourceError, match="jobs"):
        PARSERS["workable"].split(b'{"error": "account not found"}', "acme.json")


# --- SmartRecruiters ------------------------------------------------------------------------


def test_smartrecruiters_list_record_has_no_description_and_its_fields() -> None:
    drafts = _drafts("smartrecruiters.json")
    engineer, stylist = drafts["744000146422469"], drafts["743999663339278"]
    assert engineer.description_html_or_text == ""
    assert (engineer.title, engineer.company) == ("Senior Data Engineer", "Hitachi Solutions")
    assert engineer.location_raw == "Irvine, CA, United States"
    assert engineer.workplace_type == "hybrid"
    assert engineer.url == "https://jobs.smartrecruiters.com/HitachiSolutions/744000146422469"
    assert engineer.posted_at == datetime(2026, 8, 20, 9, 14, 54, 288000, tzinfo=UTC)
    assert engineer.extra["experience_level"] == "Mid-Senior Level"
    assert stylist.location_raw == "Dubai, United Arab Emirates"  # the empty region is gone
    assert stylist.country_hint == "ae"


def test_smartrecruiters_detail_answer_joins_its_job_ad_sections() -> None:
    [record] = _records("smartrecruiters_detail.json")
    draft = smartrecruiters.parse(record)
    text = draft.description_html_or_text
    assert text.index("Microsoft cloud") < text.index("Databricks") < text.index("Python")
    assert "$130,000 - $160,000" in text
    assert draft.url and draft.url.endswith("744000146422469-senior-data-engineer")


def test_smartrecruiters_detail_url_is_the_ref() -> None:
    records = _records("smartrecruiters.json")
    assert smartrecruiters.detail_url(records[0]) == (
        "https://api.smartrecruiters.com/v1/companies/HitachiSolutions/postings/744000146422469"
    )
    built = smartrecruiters.detail_url({"id": "9", "company": {"identifier": "Acme"}})
    assert built == "https://api.smartrecruiters.com/v1/companies/Acme/postings/9"
    assert smartrecruiters.detail_url({"id": "9"}) is None


def test_smartrecruiters_next_page_moves_the_offset_and_stops_at_the_end() -> None:
    url = "https://api.smartrecruiters.com/v1/companies/Acme/postings?limit=100&offset=0"
    first = {"offset": 0, "limit": 100, "totalFound": 250, "content": [{}] * 100}
    nxt = smartrecruiters.next_page(first, url, 100)
    assert nxt is not None and _query(nxt) == {"limit": "100", "offset": "100"}
    assert urlsplit(nxt).path == "/v1/companies/Acme/postings"
    last = {"offset": 200, "limit": 100, "totalFound": 250, "content": [{}] * 50}
    assert smartrecruiters.next_page(last, nxt, 50) is None
    empty = {"offset": 0, "limit": 100, "totalFound": 0, "content": []}
    assert smartrecruiters.next_page(empty, url, 0) is None
    detail = json.loads((BOARDS / "smartrecruiters_detail.json").read_text())
    assert smartrecruiters.next_page(detail, url, 1) is None


# --- Remote OK ------------------------------------------------------------------------------


def test_remoteok_legal_notice_is_not_a_posting() -> None:
    records = _records("remoteok.json")
    assert len(records) == 2
    assert all("legal" not in r for r in records)
    assert remoteok.is_legal_notice({"last_updated": 1, "legal": "API Terms of Service"})


def test_remoteok_jobs_are_remote_and_zero_pay_is_unknown() -> None:
    drafts = _drafts("remoteok.json")
    python, support = drafts["1130234"], drafts["1130199"]
    assert (python.title, python.company) == ("Senior Python Engineer", "Acme Analytics")
    assert (python.salary_min, python.salary_max, python.salary_currency) == (
        120000,
        160000,
        "USD",
    )
    assert python.salary_interval == "year"
    assert python.posted_at == datetime(2026, 7, 30, 5, 14, 10, tzinfo=UTC)
    assert python.url and "remote-jobs/remote-senior-python-engineer" in python.url
    assert python.extra["tags"] == ["python", "backend", "senior"]
    assert (support.salary_min, support.salary_max, support.salary_currency) == (None, None, None)
    assert all(d.is_remote and d.workplace_type == "remote" for d in drafts.values())
    assert support.location_raw == "United States"


def test_remoteok_refuses_an_object() -> None:
    with pytest.raises(SourceError, match="api.json"):
        PARSERS["remoteok"].split(b'{"error": "rate limited"}', "api.json")


# --- Himalayas ------------------------------------------------------------------------------


def test_himalayas_jobs_are_identified_by_their_guid() -> None:
    drafts = _drafts("himalayas.json")
    staff = drafts["https://himalayas.app/companies/initech/jobs/staff-software-engineer"]
    assert (staff.title, staff.company) == ("Staff Software Engineer", "Initech")
    assert staff.url == staff.source_posting_id
    assert staff.location_raw == "United States | Canada"
    assert (staff.salary_min, staff.salary_max, staff.salary_currency) == (120000, 160000, "USD")
    assert staff.posted_at == datetime.fromtimestamp(1784586352, tz=UTC)
    assert staff.is_remote is True and staff.workplace_type == "remote"
    assert "Kubernetes" in staff.description_html_or_text
    marketing = drafts["https://himalayas.app/companies/hone-health/jobs/marketing-manager"]
    assert marketing.location_raw is None  # no restriction: anywhere
    assert marketing.salary_min is None and marketing.salary_currency is None
    assert marketing.extra["apply_url"] == "https://jobs.ashbyhq.com/hone/123/application"


def test_himalayas_next_page_stops_at_the_total() -> None:
    url = "https://himalayas.app/jobs/api?limit=20&offset=0"
    doc = {"offset": 0, "limit": 20, "totalCount": 45, "jobs": [{}] * 20}
    nxt = himalayas.next_page(doc, url, 20)
    assert nxt == "https://himalayas.app/jobs/api?limit=20&offset=20"
    assert himalayas.next_page({**doc, "offset": 40, "jobs": [{}] * 5}, url, 5) is None
    assert himalayas.next_page({"jobs": []}, url, 0) is None
    # No total: a short page is the last.
    assert himalayas.next_page({"limit": 20, "offset": 0, "jobs": [{}] * 7}, url, 7) is None


# --- Hacker News ----------------------------------------------------------------------------


def test_hackernews_replies_are_not_postings() -> None:
    records = _records("hackernews.json")
    assert [r["objectID"] for r in records] == ["44434601", "44434650", "44435100"]
    assert hackernews.is_reply({"parent_id": 44434601, "story_id": 44434576})
    assert not hackernews.is_reply({"parent_id": "44434576", "story_id": 44434576})


def test_hackernews_first_line_gives_company_title_place_mode_and_pay() -> None:
    records = {r["objectID"]: r for r in _records("hackernews.json")}
    acme = hackernews.parse(records["44434601"])
    assert (acme.company, acme.title) == ("Acme Robotics", "Senior Backend Engineer")
    assert acme.location_raw == "Berlin, Germany"
    assert acme.workplace_type == "onsite" and acme.is_remote is None
    assert acme.salary_text == "€80k-€100k"
    assert acme.url == "https://news.ycombinator.com/item?id=44434601"
    assert acme.extra["apply_url"] == (
        "https://acme-robotics.example/careers/backend-engineer-berlin"
    )  # the href, not the shortened link text
    assert acme.posted_at == datetime(2026, 7, 1, 15, 2, 11, tzinfo=UTC)
    assert "fleet API" in acme.description_html_or_text
    # " - " separators, fields in another order.
    globex = hackernews.parse(records["44434650"])
    assert (globex.company, globex.title) == ("Globex", "Data Scientist")
    assert (globex.workplace_type, globex.is_remote) == ("remote", True)
    assert globex.location_raw == "REMOTE (US)"
    assert globex.salary_text == "$150k-$190k + equity"
    assert globex.extra["other_fields"] == ["Full-time"]


def test_hackernews_comment_without_a_title_is_a_parse_error() -> None:
    records = {r["objectID"]: r for r in _records("hackernews.json")}
    with pytest.raises(ParseError, match="no job title in the first line") as info:
        hackernews.parse(records["44435100"])
    assert info.value.field == "comment_text"
    assert "Initech | New York, NY | Hybrid" in str(info.value)


def test_hackernews_next_page_follows_pages_then_goes_below_the_oldest() -> None:
    url = (
        "https://hn.algolia.com/api/v1/search_by_date?tags=comment,story_44434576"
        "&hitsPerPage=1000&page=0"
    )
    hits = [{"objectID": str(i), "created_at_i": 1782918000 + i} for i in range(3)]
    more = {"hits": hits, "page": 0, "nbPages": 2, "hitsPerPage": 3, "nbHits": 5}
    nxt = hackernews.next_page(more, url, 0)  # a page of replies only still goes on
    assert nxt is not None and _query(nxt)["page"] == "1"
    assert _query(nxt)["tags"] == "comment,story_44434576"
    done = {"hits": hits, "page": 1, "nbPages": 2, "hitsPerPage": 3, "nbHits": 5}
    assert hackernews.next_page(done, url, 3) is None
    assert hackernews.next_page({"hits": [], "page": 0, "nbPages": 0}, url, 0) is None
    # Algolia stops paging at 1,000 hits: the next query starts below the oldest comment.
    capped = {"hits": hits, "page": 0, "nbPages": 1, "hitsPerPage": 3, "nbHits": 1200}
    below = hackernews.next_page(capped, url, 3)
    assert below is not None
    assert _query(below)["numericFilters"] == "created_at_i<1782918000"
    assert _query(below)["page"] == "0"


def test_hackernews_refuses_what_is_not_an_algolia_answer() -> None:
    with pytest.raises(SourceError, match="hn.json"):
        PARSERS["hackernews"].split(b'{"message": "Invalid"}', "hn.json")


# --- We Work Remotely ----------------------------------------------------------------------


def test_weworkremotely_titles_split_on_the_first_colon() -> None:
    drafts = _drafts("weworkremotely.xml")
    java = drafts["https://weworkremotely.com/remote-jobs/twikey-senior-java-developer"]
    assert (java.company, java.title) == ("Twikey", "Senior Java Developer")
    assert java.location_raw == "Anywhere in the World"
    assert java.posted_at == datetime(2026, 9, 25, 10, tzinfo=UTC)
    assert java.url == java.source_posting_id
    assert "payment platform" in java.description_html_or_text
    assert java.extra["employment_type"] == "Full-Time"
    sales = drafts["https://weworkremotely.com/remote-jobs/golf-carts-inbound-sales-representative"]
    assert (sales.company, sales.title) == (
        "Golf Carts Inc",
        "Inbound Sales Representative: Night Shift",
    )
    assert sales.location_raw == "California, United States"  # the flag is dropped
    assert all(d.is_remote and d.workplace_type == "remote" for d in drafts.values())
    assert weworkremotely.split_title("No colon here") == (None, "No colon here")


def test_weworkremotely_refuses_html_and_external_entities() -> None:
    with pytest.raises(SourceError, match="wwr.xml"):
        weworkremotely.split(b"<html><body>Just a moment...</body></html>", "wwr.xml")
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&x;</title></item></channel></rss>"
    )
    with pytest.raises(SourceError, match="weworkremotely: wwr.xml"):
        weworkremotely.split(xxe, "wwr.xml")


# --- every kind ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "record", "field"),
    [
        ("workable", {"title": "Engineer"}, "shortcode"),
        ("workable", {"shortcode": "AB12", "title": " "}, "title"),
        ("smartrecruiters", {"name": "Engineer"}, "id"),
        ("smartrecruiters", {"id": "1"}, "name"),
        ("remoteok", {"position": "Engineer"}, "id"),
        ("remoteok", {"id": "1", "position": None}, "position"),
        ("himalayas", {"title": "Engineer"}, "guid"),
        ("himalayas", {"guid": "https://himalayas.app/x"}, "title"),
        ("hackernews", {"comment_text": "Acme | Engineer"}, "objectID"),
        ("hackernews", {"objectID": "1", "comment_text": ""}, "comment_text"),
        ("weworkremotely", {"title": "Acme: Engineer"}, "guid"),
        ("weworkremotely", {"guid": "https://weworkremotely.com/x"}, "title"),
    ],
)
def test_missing_required_field_raises_parse_error_naming_it(
    kind: str, record: dict[str, Any], field: str
) -> None:
    with pytest.raises(ParseError) as info:
        PARSERS[kind].parse(record)
    assert info.value.field == field and field in str(info.value)


@pytest.mark.parametrize(
    ("name", "landed", "status"),
    [
        ("workable.json", 2, "present"),
        ("smartrecruiters.json", 2, "missing"),  # the list answer has no description
        ("smartrecruiters_detail.json", 1, "present"),
        ("remoteok.json", 2, "present"),
        ("himalayas.json", 2, "present"),
        ("hackernews.json", 2, "present"),  # the third top-level comment names no title
        ("weworkremotely.xml", 2, "present"),
    ],
)
def test_each_board_answer_lands_in_postings(name: str, landed: int, status: str) -> None:
    kind = FIXTURES[name]
    raw = [RawRecord(kind, name, i, r) for i, r in enumerate(_records(name))]
    good, bad = postings(raw, run_id="t")
    assert good.height == landed and good.height + bad.height == len(raw)
    assert set(good["description_status"]) == {status}
    assert good["title"].null_count() == 0 and good["company"].null_count() == 0
    assert good["url"].str.starts_with("https://").all()
    assert good["posted_at"].null_count() == 0
    if kind == "hackernews":
        assert bad["reason"].str.contains("no job title").all()
    else:
        assert bad.height == 0


def test_normalized_rows_keep_place_mode_and_pay() -> None:
    rows: dict[str, dict[str, Any]] = {}
    for name, kind in FIXTURES.items():
        raw = [RawRecord(kind, name, i, r) for i, r in enumerate(_records(name))]
        for row in postings(raw, run_id="t")[0].to_dicts():
            rows[f"{kind}:{row['source_posting_id']}"] = row
    engineer = rows["smartrecruiters:744000146422469"]  # the detail answer, with its pay
    assert (engineer["city"], engineer["country"], engineer["work_mode"]) == (
        "Irvine",
        "US",
        "hybrid",
    )
    acme = rows["hackernews:44434601"]
    assert (acme["city"], acme["country"], acme["work_mode"]) == ("Berlin", "DE", "onsite")
    assert (acme["salary_min"], acme["salary_max"], acme["salary_currency"]) == (
        80000,
        100000,
        "EUR",
    )
    python = rows["remoteok:1130234"]
    assert (python["work_mode"], python["salary_min"], python["salary_interval"]) == (
        "remote",
        120000,
        "year",
    )
    kahoot = rows["workable:5EA5DDE797"]
    assert (kahoot["country"], kahoot["salary_currency"]) == ("NO", "NOK")
    staff = rows["himalayas:https://himalayas.app/companies/initech/jobs/staff-software-engineer"]
    assert (staff["country"], staff["salary_currency"]) == ("US", "USD")


# --- real answers the parsers first met in other projects' captures ----------------------


def test_workable_jobs_api_answer_is_read_and_linked_by_shortcode() -> None:
    answer = {
        "total": 1,
        "results": [
            {
                "shortcode": "AB12CD34EF",
                "title": "Platform Engineer",
                "remote": True,
                "locations": [{"country": "Germany", "countryCode": "DE", "city": "Berlin"}],
                "published": "2026-09-04T00:00:00.000Z",
                "workplace": "remote",
            }
        ],
    }
    (record,) = PARSERS["workable"].split(json.dumps(answer).encode(), "v3.json")
    draft = PARSERS["workable"].parse(record)
    assert draft.url == "https://apply.workable.com/j/AB12CD34EF"
    assert (draft.is_remote, draft.location_raw, draft.country_hint) == (
        True,
        "Berlin, Germany",
        "DE",
    )
    assert draft.posted_at == datetime(2026, 9, 4, tzinfo=UTC)


def test_an_rss_feed_with_html_entities_is_read_item_by_item() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>'
        b"<item><title>Acme&rsquo;s Data Engineer</title><link>https://jobs.example/1</link>"
        b"<description>We&nbsp;build &amp; ship.</description></item></channel></rss>"
    )
    (record,) = PARSERS["rss"].split(feed, "feed.xml")
    assert PARSERS["rss"].parse(record).title == "Acme\u2019s Data Engineer"


def test_ashby_secondary_locations_are_places_of_the_posting() -> None:
    record = {
        "id": "a1",
        "title": "Account Executive",
        "jobUrl": "https://jobs.ashbyhq.com/acme/a1",
        "location": "New York City",
        "secondaryLocations": [{"location": "Miami"}, {"location": "New York City"}],
    }
    assert PARSERS["ashby"].parse(record).location_raw == "New York City | Miami"


def test_a_lever_part_cut_inside_a_tag_does_not_swallow_the_parts_after_it() -> None:
    record = {
        "id": "l1",
        "text": "Designer",
        "hostedUrl": "https://jobs.lever.co/acme/l1",
        "descriptionBody": "<p>About the role</p><a href",
        "additional": "<p>Pay: $120,000 - $140,000 USD</p>",
    }
    description = PARSERS["lever"].parse(record).description_html_or_text
    assert "$120,000" in text.clean(description)


def test_a_lever_plain_part_keeps_its_angle_brackets() -> None:
    record = {
        "id": "l2",
        "text": "Analyst",
        "hostedUrl": "https://jobs.lever.co/acme/l2",
        "descriptionPlain": "We are small (<10 people). Salary: $120,000 - $150,000 base.",
    }
    assert "$150,000" in PARSERS["lever"].parse(record).description_html_or_text


def test_a_title_at_a_phrase_keeps_its_title() -> None:
    row = {"site": "indeed", "job_url": "https://ex.example/2", "company": "N/A"}
    raw = RawRecord("jobspy", "jobs.csv", 0, {**row, "title": "Attorney at Law"})
    got, _ = postings([raw], run_id="r")
    assert (got.row(0, named=True)["title"], got.row(0, named=True)["company"]) == (
        "Attorney at Law",
        None,
    )


@pytest.mark.parametrize("company", ["N/A", "-", "nan", "Unknown"])
def test_a_placeholder_company_is_no_company_and_the_title_may_name_it(company: str) -> None:
    row = {"site": "indeed", "job_url": "https://ng.example/1", "company": company}
    raw = RawRecord("jobspy", "jobs.csv", 0, {**row, "title": "Data Analyst at Vennote Ltd"})
    got, quarantined = postings([raw], run_id="r")
    assert quarantined.height == 0
    assert got.row(0, named=True)["company"] == "Vennote Ltd"
    assert got.row(0, named=True)["title"] == "Data Analyst"
