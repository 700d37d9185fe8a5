"""CVs as people send them: every file of the CV folder becomes a candidate or a quarantine
row with its reason; nothing is skipped, nothing foreign becomes a candidate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

from joblens import cv_documents, profiles, stages
from joblens.cv_documents import CvFileError

CV = """Marta Nowak
Senior Data Analyst
Location: Kraków, Poland
Open to remote work.

Experience
Data Analyst, Allegro, 2018 - present

Skills: SQL, Python, Tableau, Excel
"""


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer, written out by hand (no PDF library involved)."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops += [f"({escaped}) Tj", "T*"]
    stream = "\n".join([*ops, "ET"]).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _docx(path: Path, lines: list[str]) -> None:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Languages"
    table.rows[0].cells[1].text = "Polish, English"
    document.save(str(path))


def test_text_files_are_decoded_by_their_encoding(tmp_path: Path) -> None:
    latin = tmp_path / "jose.txt"
    latin.write_bytes("José Müller\nIngénieur logiciel\nSkills: Java, SQL\n".encode("latin-1"))
    utf16 = tmp_path / "ana.md"
    utf16.write_text("Ana Ribeiro\nEnfermeira\n", encoding="utf-16")
    bom = tmp_path / "li.txt"
    bom.write_bytes(b"\xef\xbb\xbfLi Wei\nData Engineer\n")
    assert cv_documents.read(latin, tmp_path).startswith("José Müller\nIngénieur")
    assert cv_documents.read(utf16, tmp_path).startswith("Ana Ribeiro\nEnfermeira")
    assert cv_documents.read(bom, tmp_path).startswith("Li Wei")


def test_pdf_docx_and_json_resume_read_as_text(tmp_path: Path) -> None:
    (tmp_path / "marta.pdf").write_bytes(_pdf(CV.splitlines()))
    _docx(tmp_path / "marta.docx", CV.splitlines())
    resume = {
        "basics": {
            "name": "Marta Nowak",
            "label": "Senior Data Analyst",
            "location": {"city": "Kraków", "countryCode": "PL"},
            "summary": "Analyst with 7 years of experience.",
        },
        "work": [{"name": "Allegro", "position": "Data Analyst", "startDate": "2018-03-01"}],
        "skills": [{"name": "Data", "keywords": ["SQL", "Python"]}],
    }
    (tmp_path / "marta.json").write_text(json.dumps(resume), encoding="utf-8")
    pdf = cv_documents.read(tmp_path / "marta.pdf", tmp_path)
    assert "Senior Data Analyst" in pdf and "Kraków" in pdf
    word = cv_documents.read(tmp_path / "marta.docx", tmp_path)
    assert "Open to remote work." in word and "Languages | Polish, English" in word
    text = cv_documents.read(tmp_path / "marta.json", tmp_path)
    assert "Headline: Senior Data Analyst" in text and "Location: Kraków, PL" in text
    assert "Data Analyst, Allegro, 2018 - present" in text and "SQL, Python" in text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("junk.txt", bytes(range(256)) * 8, "binary"),
        ("empty.md", b"  \n", "empty"),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "unsupported file type '.png'"),
        ("scan.pdf", None, "no text layer"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not really", "not a readable .docx"),
        ("data.json", b'{"jobs": []}', "JSON Resume"),
    ],
)
def test_files_that_are_not_cvs_are_refused_with_their_reason(
    tmp_path: Path, name: str, content: bytes | None, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content if content is not None else _pdf([]))
    with pytest.raises(CvFileError, match=reason):
        cv_documents.read(path, tmp_path)


def test_directories_and_links_out_of_the_folder_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cvs"
    folder.mkdir()
    (folder / "x.txt").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    os.symlink(outside, folder / "passwd.txt")
    inside = folder / "real.txt"
    inside.write_text(CV)
    os.symlink(inside, folder / "alias.txt")
    with pytest.raises(CvFileError, match="a directory"):
        cv_documents.read(folder / "x.txt", folder)
    with pytest.raises(CvFileError, match="outside the CV folder"):
        cv_documents.read(folder / "passwd.txt", folder)
    assert cv_documents.read(folder / "alias.txt", folder) == CV  # a link inside is fine


def test_the_cv_stage_accounts_for_every_entry_of_the_folder(tmp_path: Path) -> None:
    cvs = tmp_path / "cvs"
    cvs.mkdir()
    (cvs / "marta.pdf").write_bytes(_pdf(CV.splitlines()))
    _docx(cvs / "jan.docx", CV.replace("Marta Nowak", "Jan Kowalski").splitlines())
    (cvs / "jose.TXT").write_bytes("José Müller\nJava Developer\nSkills: Java\n".encode("cp1252"))
    (cvs / "noise.bin").write_bytes(os.urandom(2048))
    (cvs / "notes.txt").write_text("Shopping list: milk, eggs, bread\n")
    (cvs / "folder.txt").mkdir()
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    os.symlink(outside, cvs / "passwd.txt")
    ctx = stages.begin(stages.RunContext.create(str(tmp_path / "lake"), flow="ingest-candidates"))
    report = stages.ingest_cvs(ctx, cvs)
    assert (report.rows_in, report.rows_out, report.rows_quarantined) == (7, 3, 4)
    candidates = ctx.lake.read("candidates", run_id=ctx.run_id)
    rows = {r["candidate_id"]: r for r in candidates.iter_rows(named=True)}
    assert set(rows) == {"marta", "jan", "jose"}
    assert rows["marta"]["headline"] == "Senior Data Analyst"
    assert rows["marta"]["city"] == "Kraków"
    assert "remote" in rows["marta"]["work_modes"]
    assert rows["jose"]["name"] == "José Müller" and rows["jose"]["skills"] == ["java"]
    reasons = dict(
        ctx.lake.read("quarantine", run_id=ctx.run_id).select("record_key", "reason").iter_rows()
    )
    assert set(reasons) == {"noise.bin", "notes.txt", "folder.txt", "passwd.txt"}
    assert "unsupported file type '.bin'" in reasons["noise.bin"]
    assert "neither a headline" in reasons["notes.txt"]
    assert "a directory" in reasons["folder.txt"]
    assert "outside the CV folder" in reasons["passwd.txt"]
    raw = ctx.lake.read("raw_cvs", run_id=ctx.run_id)
    assert not raw.filter(pl.col("text").str.contains("root:x:0")).height


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("odd.txt", b"\xff\xfeA\x00B", "byte-order mark"),
        ("bom.md", b"\xef\xbb\xbfhello \xff\xfe", "byte-order mark"),
        ("bad.docx", None, "not a readable .docx"),
    ],
)
def test_broken_encodings_and_documents_are_refused_not_raised(
    tmp_path: Path, name: str, content: bytes | None, reason: str
) -> None:
    path = tmp_path / name
    if content is None:  # a zip that is a docx in name only: its XML is broken
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("[Content_Types].xml", "<Types")
            z.writestr("word/document.xml", "<w:document")
    else:
        path.write_bytes(content)
    with pytest.raises(CvFileError, match=reason):
        cv_documents.read(path, tmp_path)


def test_a_looping_link_is_refused(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.txt", tmp_path / "a.txt")
    os.symlink(tmp_path / "a.txt", tmp_path / "b.txt")
    with pytest.raises(CvFileError, match="looping"):
        cv_documents.read(tmp_path / "a.txt", tmp_path)


def test_an_unclosed_template_tag_does_not_hang_the_profile() -> None:
    import time

    from joblens import profiles

    started = time.perf_counter()
    profiles.clean_markup("{{" + " " * 3000 + "Data Engineer")
    profiles.clean_markup("{{ a " * 20000)
    assert time.perf_counter() - started < 5.0


def test_a_cv_written_as_json_of_its_own_shape_reads_as_a_cv(tmp_path: Path) -> None:
    doc = {
        "name": "Alan Escobar",
        "title": "IT Support Specialist",
        "contact": {"location": "San Ramon, CA"},
        "summary": "Tier 1 support at a managed service provider.",
        "skills": [{"label": "Systems", "items": ["Linux", "Microsoft 365"]}],
        "experience": [{"role": "IT Technician", "company": "MSP Inc", "dates": "2023 - Present"}],
    }
    (tmp_path / "alan.json").write_text(json.dumps(doc), encoding="utf-8")
    text = cv_documents.read(tmp_path / "alan.json", tmp_path)
    assert "Headline: IT Support Specialist" in text and "Location: San Ramon, CA" in text
    assert "IT Technician, MSP Inc, 2023 - present" in text and "Linux" in text
    # A JSON file with a name but no work history and no skills is no CV.
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0"}', encoding="utf-8")
    with pytest.raises(CvFileError, match="no CV"):
        cv_documents.read(tmp_path / "package.json", tmp_path)


def test_a_site_page_that_keeps_its_cv_in_the_front_matter_is_read() -> None:
    from joblens import profiles

    yaml_page = (
        "---\ntitle: Curriculum Vitae\ntype: landing\nsections:\n  - block: markdown\n"
        "    content:\n      title: Experience\n      text: |\n"
        "        **Data Engineer**, *Northwind* · 2021 – present\n"
        "        Built pipelines in Python and SQL.\n    design:\n      columns: '1'\n---\n"
    )
    row = profiles.parse(yaml_page, candidate_id="y")
    assert row["headline"] == "Data Engineer" and {"python", "sql"} <= set(row["skills"])
    # A TOML widget with a syntax error (as a real one had) is read line by line.
    toml_page = (
        '+++\nwidget = "experience"\nweight = 40\n\n[[experience]]\n'
        '  title = "Senior Data Analyst"\n  company = ."nuts.com"\n  date_start = "2021-06-01"\n'
        '  description = """\n- Built dashboards in Tableau and Excel.\n"""\n+++\n'
    )
    row = profiles.parse(toml_page, candidate_id="t")
    assert row["headline"] == "Senior Data Analyst" and "tableau" in row["skills"]


def test_a_cv_kept_as_yaml_data_reads_as_a_cv(tmp_path: Path) -> None:
    # rendercv's layout: the person under "cv", the jobs under "sections".
    (tmp_path / "dian.yaml").write_text(
        "cv:\n"
        "  name: Dian Pratiwi\n"
        "  location: Bandung, Indonesia\n"
        "  phone: ''\n"
        "  sections:\n"
        "    experience:\n"
        "      - company: Telkom Indonesia\n"
        "        position: Data Analyst\n"
        "        start_date: 2022-03\n"
        "        end_date: present\n"
        "        highlights: [Built churn dashboards in Looker]\n"
        "design:\n  theme: classic\n",
        encoding="utf-8",
    )
    text = cv_documents.read(tmp_path / "dian.yaml", tmp_path)
    assert "Name: Dian Pratiwi" in text and "Location: Bandung, Indonesia" in text
    assert "Data Analyst, Telkom Indonesia, 2022 - present" in text
    assert "Phone:" not in text  # an empty value is no line
    row = profiles.parse(text, candidate_id="dian")
    assert (row["headline"], row["city"], row["country"]) == ("Data Analyst", "Bandung", "ID")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("package.json", '{"name": "app", "dependencies": {"react": "18"}}'),
        ("config.yaml", "name: build\nsteps:\n  - run: make test\n"),
        ("broken.yml", "name: [unclosed\n"),
    ],
)
def test_data_files_that_are_not_cvs_are_refused(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(CvFileError, match="no CV|not valid YAML"):
        cv_documents.read(tmp_path / name, tmp_path)


def test_a_name_split_in_two_keys_reads_as_one_name(tmp_path: Path) -> None:
    (tmp_path / "ana.yaml").write_text(
        "first_name: Ana\nlast_name: Sousa\nexperience:\n"
        "  - role: Staff Nurse\n    company: Hospital de Braga\n    start: 2019\n",
        encoding="utf-8",
    )
    text = cv_documents.read(tmp_path / "ana.yaml", tmp_path)
    assert "Name: Ana Sousa" in text  # first_name/last_name, like firstName/lastName
