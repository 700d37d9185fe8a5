"""The CV side and the byte-level helpers, fuzzed: any CV text gives a profile or a
ParseError, any bytes decode or are refused as binary, any cut JSON is salvaged or not,
any pay text gives a Salary or None. Nothing else escapes to crash a run."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from joblens import profiles
from joblens.cv_documents import CvFileError, decode
from joblens.errors import ParseError
from joblens.normalize import salary
from joblens.normalize.text import decode_bytes
from joblens.schemas import CANDIDATES, SENIORITY_LEVELS, WORK_MODES
from joblens.sources.base import salvage_json

_CV_WORDS = st.sampled_from(
    [
        "Senior",
        "Data",
        "Engineer",
        "Python",
        "SQL",
        "Remote",
        "Berlin",
        "Germany",
        "Experience",
        "2019 - present",
        "Skills:",
        "Location:",
        "€70,000",
        "years",
        "Summary",
        "# Work",
        "---",
        "<b>",
        "{{ site.title }}",
        "\n",
        "  ",
        "@",
        "+47 912",
    ]
)
_SECTION_WORDS = {"experience", "skills", "summary", "education", "work", "# work"}
_CVS = st.one_of(st.text(max_size=400), st.lists(_CV_WORDS, max_size=60).map(" ".join))


@settings(max_examples=200, deadline=None)
@given(text=_CVS)
def test_any_cv_text_gives_a_profile_or_a_parse_error(text: str) -> None:
    try:
        row = profiles.parse(text, candidate_id="c")
    except ParseError:
        return
    assert set(row) <= set(CANDIDATES.names)
    assert row["seniority"] is None or row["seniority"] in SENIORITY_LEVELS
    assert set(row["work_modes"]) <= set(WORK_MODES)
    if not (row["headline"] or row["skills"]):
        # Else it must be laid out as a CV: two different sections over lines of content.
        lines = [ln.strip(" #:").lower() for ln in text.splitlines() if ln.strip(" #:")]
        assert len({ln for ln in lines if ln in _SECTION_WORDS}) >= 2, text
        assert len([ln for ln in lines if ln not in _SECTION_WORDS]) >= 3, text


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_decode_without_replacement_or_are_refused(data: bytes) -> None:
    try:
        text = decode_bytes(data)
    except ValueError:
        return
    assert "\ufffd" not in text or "\ufffd".encode() in data or b"\xff\xfe" in data[:2]
    with contextlib.suppress(CvFileError):  # or refused for its control characters
        assert decode("cv.txt", data) == text  # the CV reader decodes the same way


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(
        st.dictionaries(st.sampled_from(["id", "t", "x"]), st.text(max_size=8), max_size=3),
        max_size=5,
    ),
    cut=st.floats(min_value=0, max_value=1),
)
def test_a_cut_json_list_keeps_a_prefix_of_its_whole_records(
    records: list[dict[str, str]], cut: float
) -> None:
    text = json.dumps({"jobs": records})
    kept = salvage_json(text[: int(len(text) * cut)])
    if kept is not None:
        got = kept["jobs"] if isinstance(kept, dict) else kept
        assert got == records[: len(got)]  # whole records, in order, none invented


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_any_pay_text_gives_a_salary_or_none(text: str) -> None:
    pay = salary.parse(text)
    if pay is not None and pay.annual_min is not None and pay.annual_max is not None:
        assert 0 <= pay.annual_min <= pay.annual_max
