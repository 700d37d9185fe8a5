"""seniority: level from the title, else from the years of experience the text asks for."""

from __future__ import annotations

import pytest

from joblens.normalize import seniority
from joblens.schemas import SENIORITY_LEVELS


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Software Engineering Intern", "intern"),
        ("Summer Internship - Data", "intern"),
        ("Co-op Student, IT", "intern"),
        ("Working Student Marketing", "intern"),
        ("Junior Developer", "junior"),
        ("Jr. Data Analyst", "junior"),
        ("Graduate Software Engineer", "junior"),
        ("Entry Level Accountant", "junior"),
        ("Associate Product Manager", "junior"),  # a level word beats "Manager"
        ("Senior Account Manager", "senior"),
        ("Android Engineer I - Subscriptions", "junior"),
        ("Analytics Engineer II", "mid"),
        ("Software Engineer III", "senior"),
        ("Senior Site Reliability Engineer", "senior"),
        ("Sr. Backend Engineer", "senior"),
        ("(Senior) Financial Accountant", "senior"),
        ("Staff Engineer", "lead"),
        ("Tech Lead, Payments", "lead"),
        ("Engineering Manager", "lead"),
        ("Principal Engineer", "principal"),
        ("Director, Performance Marketing", "principal"),
        ("Head of Marketing & Communications", "principal"),
        ("VP of Engineering", "principal"),
        ("Distinguished Engineer", "principal"),
    ],
)
def test_title_words_give_the_level(title: str, expected: str) -> None:
    assert seniority.parse(title) == expected


def test_plain_title_is_unknown_without_evidence() -> None:
    assert seniority.parse("Software Engineer") is None
    assert seniority.parse("Software Engineer", "We build great things.") is None
    assert seniority.parse("Internal Auditor") is None  # "intern" is a word, not a prefix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You have 3+ years of experience with Python.", "mid"),
        ("At least 3-4 years of experience in distributed systems", "mid"),
        ("5+ years of relevant professional experience in accounting", "senior"),
        ("1 year of experience", "junior"),
        ("10 years experience leading teams", "lead"),
    ],
)
def test_years_of_experience_are_the_fallback(text: str, expected: str) -> None:
    assert seniority.parse("Software Engineer", text) == expected


def test_company_age_is_not_a_requirement() -> None:
    assert seniority.parse("Engineer", "Founded 40 years ago, we have experience.") is None


def test_level_and_from_years() -> None:
    assert [seniority.level(n) for n in SENIORITY_LEVELS] == list(range(6))
    with pytest.raises(ValueError, match="seniority"):
        seniority.level("wizard")
    assert [seniority.from_years(y) for y in (0, 1.9, 2, 4.9, 5, 8, 12, 30)] == [
        "junior",
        "junior",
        "mid",
        "mid",
        "senior",
        "lead",
        "principal",
        "principal",
    ]


def test_manager_is_lead_only_without_other_evidence() -> None:
    assert seniority.parse("Account Manager") == "lead"
    assert seniority.parse("Account Manager", "You bring 3+ years of experience.") == "mid"


def test_years_written_after_an_experience_label_count() -> None:
    assert seniority.years_required("Total Years of Experience: 10+ years") == 10.0
    assert seniority.years_required("Experience : 3-5 yrs") == 3.0
    assert seniority.parse("React Architect", "Experience: 10+ years\nNotice: 30 days") == "lead"
