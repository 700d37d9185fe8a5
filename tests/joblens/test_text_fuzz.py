"""The text-level helpers every posting and CV passes through, fuzzed: format detection,
HTML cleaning, skill extraction, personal-data redaction, URL redaction and the dedupe key.
Each takes anything and answers within its contract; none raises on odd input."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from joblens import dedupe
from joblens.fetch import redact_url
from joblens.normalize import skills
from joblens.normalize.redact import redact
from joblens.normalize.text import clean
from joblens.sources import PARSERS
from joblens.sources.detect import detect

_TAGS = st.sampled_from(
    ["<p>", "</p>", "<br/>", "<li>", "<script>alert(1)</script>", "&amp;", "&lt;b&gt;", "<b "]
)
_HTML = st.lists(st.text(max_size=12) | _TAGS, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300) | _HTML.map(str.encode))
def test_any_bytes_are_recognised_as_a_known_kind_or_refused_with_a_reason(data: bytes) -> None:
    kind, why = detect(data, "answer.bin")
    assert kind is None or kind in PARSERS
    assert isinstance(why, str) and why.strip()


@settings(max_examples=300, deadline=None)
@given(raw=_HTML)
def test_cleaning_any_html_gives_tidy_text_without_scripts(raw: str) -> None:
    text = clean(raw)
    assert "<script" not in text.lower() and "alert(1)" not in text
    assert "\r" not in text and "\n\n\n" not in text
    assert text == text.strip()


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=120) | _HTML)
def test_skills_found_in_any_text_are_sorted_unique_known_ids(text: str) -> None:
    found = skills.extract(text)
    assert found == sorted(set(found))
    for skill_id in found:
        assert skills.display(skill_id)


_LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.", min_size=1, max_size=10)


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=40),
    local=_LOCAL.filter(lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s),
    after=st.text(max_size=40),
)
def test_an_email_anywhere_in_any_text_is_redacted(before: str, local: str, after: str) -> None:
    email = f"{local}@mail-host.example"
    assert email not in redact(f"{before} {email} {after}")


_SECRET = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=12, max_size=24)


@settings(max_examples=200, deadline=None)
@given(
    secret=_SECRET,
    user=st.booleans(),
    param=st.sampled_from(["api_key", "token", "access_token", "sig", "X-Auth", "password"]),
    path=st.text(alphabet="abc/-_", max_size=12),
)
def test_a_credential_in_any_url_never_survives_redaction(
    secret: str, user: bool, param: str, path: str
) -> None:
    userinfo = f"me:{secret}@" if user else ""
    url = f"https://{userinfo}boards.example:8443/{path}?page=2&{param}={secret}"
    shown = redact_url(url)
    assert secret not in shown
    assert "boards.example" in shown and "page=2" in shown


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_PHRASE = st.lists(_WORD, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(title=_PHRASE, company=_PHRASE, city=st.none() | _PHRASE, remote=st.booleans())
def test_the_dedupe_key_ignores_case_and_spacing(
    title: str, company: str, city: str | None, remote: bool
) -> None:
    mode = "remote" if remote else None
    key = dedupe.dedupe_key(title, company, city, "DE", mode)
    shouted = dedupe.dedupe_key(
        f"  {title.upper()} ",
        re.sub(" ", "  ", company.title()),
        city.upper() if city else None,
        "DE",
        mode,
    )
    assert key == shouted
    assert key.count("|") == 2 and dedupe.job_id(key) == dedupe.job_id(shouted)
