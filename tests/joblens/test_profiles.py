"""CV text -> candidate profile, across layouts, against the synthetic world's hidden truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from joblens import profiles, synth
from joblens.errors import ParseError
from joblens.normalize import salary

PLAIN_CV = """Jane Whitfield
jane.whitfield@mail.com | +44 7700 900123
Senior Accountant based in Manchester, UK

Chartered accountant with 7 years of experience in audit and financial reporting.
Comfortable with Excel, SAP and IFRS; I led the month-end close for a retail group.
I would consider hybrid or remote work.
Salary expectation: £58,000 per year
"""

HEADED_MD = """# Tomás Rivera

**Data Engineer** · Toronto, ON

## Summary
I build reliable pipelines. I have 3 years of experience with Spark and Airflow.
Remote only.

## Experience
### Data Engineer — Northwind (2023–present)
- Built ETL pipelines on Snowflake

## Technical skills
Python, SQL, dbt, Go, Kafka
"""


def test_plain_cv_without_headings() -> None:
    row = profiles.parse(PLAIN_CV, candidate_id="c1")
    assert row["candidate_id"] == "c1" and row["name"] == "Jane Whitfield"
    assert row["headline"] == "Senior Accountant"
    assert (row["city"], row["country"]) == ("Manchester", "GB")
    assert row["seniority"] == "senior" and row["years_experience"] == 7.0
    assert {"excel", "sap", "ifrs", "month-end-close", "financial-reporting"} <= set(row["skills"])
    assert row["work_modes"] == ["hybrid", "remote"]
    assert (row["salary_floor_annual"], row["salary_currency"]) == (58000.0, "GBP")
    assert "Senior Accountant" in row["summary"] and len(row["summary"]) < 1500


def test_markdown_cv_with_sections() -> None:
    row = profiles.parse(HEADED_MD, candidate_id="c2")
    assert row["name"] == "Tomás Rivera" and row["headline"] == "Data Engineer"
    assert (row["city"], row["region"]) == ("Toronto", "ON")
    assert row["seniority"] == "mid"  # from 3 years: the title names no level
    assert {"python", "sql", "dbt", "go", "kafka", "spark", "airflow", "snowflake"} <= set(
        row["skills"]
    )
    assert row["work_modes"] == ["remote"]
    assert row["salary_floor_annual"] is None


def test_defaults_when_the_cv_says_nothing() -> None:
    row = profiles.parse("Sam Lee\nQA Engineer\nSkills: Selenium, Cypress", candidate_id="c3")
    # Unknown, not a guess: an empty list filters no job out (the scorer keeps every mode).
    assert row["work_modes"] == []
    assert row["city"] is None and row["location_raw"] is None
    assert row["years_experience"] is None and row["seniority"] is None


@pytest.mark.parametrize("text", ["", "   \n\n  ", "Hello there\nNice weather today, isn't it."])
def test_unusable_cv_raises_parse_error(text: str) -> None:
    with pytest.raises(ParseError, match="c4"):
        profiles.parse(text, candidate_id="c4")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    synth.generate(out, jobs=50, candidates=150, seed=11)
    return out


def test_synthetic_cvs_parse_to_their_hidden_profile(world: Path) -> None:
    truth = {
        r["candidate_id"]: r
        for r in pq.read_table(world / "truth" / "candidates.parquet").to_pylist()
    }
    n = skills_ok = modes_ok = floor_ok = city_ok = level_ok = headline_ok = unseen = 0
    for path in sorted((world / "cvs").iterdir()):
        hidden = truth[path.stem]
        row = profiles.parse(path.read_text(encoding="utf-8"), candidate_id=path.stem)
        n += 1
        # The role, never the person's name (CVs that open with it in capitals included).
        headline_ok += bool(row["headline"]) and row["headline"] != row["name"]
        # A skill the CV words off the taxonomy ("caring for patients") is the candidate's
        # but not readable by the rules: the profile holds exactly the others.
        readable = set(hidden["skills"]) - set(hidden["skills_unseen"])
        skills_ok += set(row["skills"]) == readable
        unseen += bool(hidden["skills_unseen"])
        # A CV that does not say reads as unknown ([]): it filters nothing out, never wrongly.
        modes_ok += sorted(row["work_modes"]) == sorted(hidden["work_modes"]) or (
            row["work_modes"] == [] and "remote" not in hidden["work_modes"]
        )
        city_ok += row["city"] == hidden["city"]
        # "Manager" titles read as lead by the seniority rules; leave them out here.
        level_ok += row["seniority"] == hidden["seniority"] or "Manager" in str(row["headline"])
        floor = row["salary_floor_annual"]
        if floor is None or hidden["salary_floor_usd"] is None:
            floor_ok += floor is None and hidden["salary_floor_usd"] is None
        else:
            usd = salary.to_usd(float(floor), str(row["salary_currency"]))
            floor_ok += usd is not None and abs(usd - hidden["salary_floor_usd"]) < 1
    assert skills_ok == n and modes_ok == n and floor_ok == n and headline_ok == n
    assert unseen > 0  # the world does word some skills the taxonomy does not list
    assert city_ok / n > 0.85  # ~8% of CVs give no location at all
    assert level_ok / n > 0.95


@pytest.mark.parametrize(
    ("line", "modes"),
    [
        ("Location: Remote", ["onsite", "hybrid", "remote"]),
        ("Lisbon, Portugal (Remote)", ["onsite", "hybrid", "remote"]),
        ("I prefer working on-site or hybrid.", ["onsite", "hybrid"]),
        ("Remote only.", ["remote"]),
        ("Location: Leeds", []),
    ],
)
def test_work_modes_come_from_what_the_cv_says(line: str, modes: list[str]) -> None:
    text = f"Ana Costa\nData Analyst\n{line}\nSkills: SQL, Python"
    assert profiles.parse(text, candidate_id="c4")["work_modes"] == modes


SITE_CV = """---
title: "Über mich"
layout: "about"
---
## Lebenslauf

### :briefcase: Berufliche Erfahrungen
{{< timelineItem icon="code" header="Jan 2020-heute" badge="C# Entwickler" >}}
<ul><li>Pflege und Entwicklung von .NET Applikationen</li></ul>
{{< /timelineItem >}}
{{< timelineItem icon="code" header="Mai 2017 - Dez 2019" badge="SPS Entwickler" >}}
{{< /timelineItem >}}

### :books: Studium und Ausbildung
{{< timelineItem header="Sep 2010 - Jul 2014" badge="Bachelor Studium" >}}
{{< timelineItem header="Sep 1998 - Jun 2003" badge="Hauptschule" >}}
"""


def test_a_site_markdown_cv_reads_its_newest_role_and_work_years_only() -> None:
    row = profiles.parse(SITE_CV, candidate_id="c9")
    assert row["headline"] == "C# Entwickler"  # not "Über mich", not the front matter
    assert row["name"] is None  # the CV gives none: no heading is taken for one
    # The years the work history covers (2017-2019, 2020-today); school (1998-2014) does not.
    assert row["years_experience"] == float(date.today().year - 2020 + 2019 - 2017)
    assert "dotnet" in row["skills"]


def test_a_cv_without_a_place_of_its_own_is_placed_at_its_newest_job() -> None:
    text = (
        "## Experiência Profissional\n\n### Analista de Sistemas, SPS\n\n"
        "Fortaleza, CE — 2015-Atual\n\nSistemas de proteção social.\n\n"
        "### Desenvolvedor, ACME\n\nRecife, PE — 2010-2015\n\nSkills: Java, PostgreSQL\n"
    )
    row = profiles.parse(text, candidate_id="c10")
    assert row["headline"] == "Analista de Sistemas"
    assert (row["city"], row["country"]) == ("Fortaleza", "BR")  # the newest job's, not Recife


@pytest.mark.parametrize(
    ("pay_line", "country"),
    [
        ("Expected salary: 60K CAD", "CA"),
        ("Salary expectation: £45,000 per year", "GB"),
        ("Expected salary: 18 LPA", "IN"),
        ("Expected salary: USD 120,000", None),  # paid in USD the world over: no country
        ("Expected salary: €50,000", None),  # twenty countries pay in euros
    ],
)
def test_a_cv_without_a_place_is_placed_in_the_country_of_its_currency(
    pay_line: str, country: str | None
) -> None:
    text = f"# Ana Silva\n**Data Analyst**\n\nSQL, Tableau, Python.\n{pay_line}\n"
    row = profiles.parse(text, candidate_id="c11")
    assert (row["city"], row["country"], row["location_raw"]) == (None, country, None)


def test_a_named_place_wins_over_the_currency() -> None:
    text = "# Ana Silva\n**Data Analyst** · Lisbon, Portugal\n\nSQL.\nExpected salary: 60K CAD\n"
    row = profiles.parse(text, candidate_id="c12")
    assert (row["city"], row["country"]) == ("Lisbon", "PT")


@pytest.mark.parametrize(
    ("bio", "headline"),
    [
        (
            "I am currently the Head Chef at Breakside Brewery in Portland, Oregon. I started "
            "my culinary career at age 14.",
            "Head Chef",
        ),
        ("I am a data engineer with 5 years of Spark and SQL.", "data engineer"),
        ("I'm the lead designer for Acme. I use Figma every day.", "lead designer"),
    ],
)
def test_a_bio_in_prose_names_the_role_without_where_it_is_held(bio: str, headline: str) -> None:
    assert profiles.parse(bio, candidate_id="bio")["headline"] == headline


def test_a_cv_header_of_marks_and_headings_is_not_taken_for_the_role() -> None:
    text = (
        "# Arnab Dey\n📍 Göteborg, Sweden | 📞 [phone] | 📧 [email]\n\n## Personal Profile\n\n"
        "Cloud engineer with 8 years of AWS, Terraform and Kubernetes.\n\n## Contents\n"
        "1. Summary\n2. Skills\n"
    )
    row = profiles.parse(text, candidate_id="pin")
    assert row["headline"] == "Cloud engineer"
    assert (row["city"], row["country"]) == ("Gothenburg", "SE")  # the gazetteer's name


@pytest.mark.parametrize(
    ("text", "headline"),
    [
        # The employer heads the job and the title follows on its own line.
        (
            "# Employment\n## Renesas Electronics America Inc., Milpitas, CA (January 2020 –"
            " Present)\n### Sr. Manager, Systems Design Engineering\n* Led a team of 8\n",
            "Sr. Manager, Systems Design Engineering",  # a comma after a rank continues it
        ),
        # A header list of languages is no role; the work history names one.
        (
            "Based in Auckland, New Zealand.\n\n* C#, Python, TypeScript\n\n# Experience\n\n"
            "* **Insights Manager**, ANZ Bank (2018 - Present)\n",
            "Insights Manager",
        ),
        ("Amila Bahor\nStudent\nSarajevo, BIH\n\nSkills\nJava, C++\n", "Student"),
        ("I’m a Senior Product Designer focused on clear products.\n", "Senior Product Designer"),
    ],
)
def test_the_headline_is_a_role_never_an_employer_a_list_or_a_place(
    text: str, headline: str
) -> None:
    assert profiles.parse(text, candidate_id="x")["headline"] == headline


@pytest.mark.parametrize(
    ("text", "headline"),
    [
        (
            "About me\n\nI'm Alex. I'm a (product) designer. I believe in research.\n",
            "product designer",
        ),
        ("Welcome! I am a PhD Candidate in Economics at Buffalo.\n", "PhD Candidate"),
        (
            "Experience\n\n* **Insights Manager**, ANZ Bank New Zealand Limited (2018 - Present)\n",
            "Insights Manager",  # the comma starts the employer, not the rest of the title
        ),
        (
            "Experience\n\nAssociate Recruiter/HR Generalist 06/2021 - 6/2022\n"
            "- Verified applicant references and employment details.\n",
            "Associate Recruiter/HR Generalist",  # a bullet sentence is never the title
        ),
        (
            "Jane Roe\nSenior Software Engineer con mentalidad de producto\n",
            "Senior Software Engineer",
        ),
        (
            "Experience\nProject Lead, Engineer & Product Strategy\tNov 2024 — Jun 2025\n",
            "Project Lead, Engineer & Product Strategy",  # the date after a tab is cut
        ),
        (
            "Experience\nSep 2024 – Present\t\tAssociate Professor, Faculty of Medicine\n",
            "Associate Professor",  # the title after a tab, a date before it
        ),
    ],
)
def test_roles_in_prose_and_titles_cut_where_they_end(text: str, headline: str) -> None:
    assert profiles.parse(text, candidate_id="x")["headline"] == headline


@pytest.mark.parametrize(
    ("text", "city", "country"),
    [
        ("Amila Bahor\nStudent\nSarajevo, BIH\n[email]\n", "Sarajevo", "BA"),
        (
            "Ana Moy\nLead Designer\n[profile]\n"
            "St. Marys, Kansas, United States - Open to remote\n",
            "St. Marys",
            "US",
        ),
        (
            "Jo Doe\nHR Generalist\n\nSkills\nSourcing\n\n"
            "Fort Lauderdale, FL [address] | [phone] | [email]\n",
            "Fort Lauderdale",
            "US",
        ),
        ("Jo Doe\nI'm a nurse living in Ōtepoti, Dunedin.\n", "Dunedin", "NZ"),
        ("Jo Doe\nData Analyst\nPython, Java\n", None, None),  # skills, not Java the island
    ],
)
def test_the_place_of_a_cv_header_or_contact_line(
    text: str, city: str | None, country: str | None
) -> None:
    row = profiles.parse(text, candidate_id="x")
    assert (row["city"], row["country"]) == (city, country)


def test_a_teacher_whose_school_heads_the_job_reads_as_a_teacher_in_auckland() -> None:
    text = (
        "Personal Statement\nDedicated educator with a decade of teaching.\n\n"
        "Professional Experience\nStanhope Road Elementary School — Teacher\n"
        "January 2025 – Present · Mt. Wellington, Auckland\n"
        "Demonstrated measurable student achievement with Year 4 students\n"
    )
    row = profiles.parse(text, candidate_id="x")
    assert (row["headline"], row["city"], row["country"]) == ("Teacher", "Auckland", "NZ")


def test_a_jobs_collection_entry_keeps_its_front_matter() -> None:
    text = (
        "---\nposition: Project Engineer\norganization: Macro Construction\n"
        "location: Chilliwack, BC\ndate_beg: 2021-03\ncategory: work\n---\n\n"
        + "- Performed drafting, field inspection and project estimation duties on sites.\n"
        * 3
    )
    row = profiles.parse(text, candidate_id="x")
    assert (row["headline"], row["city"], row["region"]) == ("Project Engineer", "Chilliwack", "BC")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Title: Resume\n\nExperience\nData Analyst, Acme, 2020 - present\n", "Data Analyst"),
        (
            "Experience\nDigital Marketing - Oceanbeat - May 2023 — August 2023\n"
            "Planned and designed marketing roadmap and strategies\n\n"
            "Summary\nSenior digital marketing professional with 10 years of experience.\n",
            "Senior digital marketing professional",  # an achievement is never the title
        ),
        (
            "I'm a software developer in Seattle, Washington. I taught before.\n",
            "software developer",
        ),
    ],
)
def test_page_titles_and_achievements_are_not_headlines(text: str, want: str) -> None:
    assert profiles.parse(text, candidate_id="x")["headline"] == want


def test_the_place_after_the_role_atop_the_cv_and_in_a_contact_line() -> None:
    row = profiles.parse(
        "I'm a software developer in Seattle, Washington. I taught before.\n", candidate_id="x"
    )
    assert (row["city"], row["region"]) == ("Seattle", "WA")
    row = profiles.parse(
        "Ada Obi\nData Analyst\nEmail: [email] | Phone: [phone] | Location: Cameroon - Yaoundé\n",
        candidate_id="y",
    )
    assert (row["city"], row["country"]) == ("Yaoundé", "CM")


def test_working_remotely_now_is_a_stated_openness_to_remote_work() -> None:
    text = (
        "Experience\nPrincipal Software Engineer, Modus Create, 2021 - present\n"
        "Location: Remote\nBuilt services.\n"
    )
    assert "remote" in profiles.parse(text, candidate_id="x")["work_modes"]
    quiet = "Experience\nPrincipal Software Engineer, Modus Create, 2021 - present\n"
    assert profiles.parse(quiet, candidate_id="y")["work_modes"] == []
