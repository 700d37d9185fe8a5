"""The fault bench and the repairs it asked for: a JSON file that breaks off keeps its
whole records, spreadsheet encodings are decoded, the bench's JSON and table."""

from __future__ import annotations

import errno
import json

import pytest

from joblens import faults
from joblens.errors import ConfigError, LakeError, SourceError, is_permanent
from joblens.normalize.text import decode_bytes
from joblens.sources.base import salvage_json


def test_salvage_keeps_only_whole_records_of_the_outer_list() -> None:
    tricky = 'x ] } " [ {'  # brackets and a quote inside a string are text
    doc = {"jobs": [{"id": 1, "tags": ["a", "b"]}, {"id": 2, "text": tricky}]}
    text = json.dumps(doc)
    cut = text.index('"text"')  # inside the second record
    assert salvage_json(text[:cut]) == {"jobs": [{"id": 1, "tags": ["a", "b"]}]}
    assert salvage_json(text) == doc  # a whole document stays whole
    longer = json.dumps({"jobs": [*doc["jobs"], {"id": 3, "title": "cut here"}]})
    kept = salvage_json(longer[: longer.index("cut here")])
    assert kept == doc  # the brackets and quote inside record 2's text did not fool it
    inner = text.index('"b"')  # inside the first record's own list
    assert salvage_json(text[:inner]) is None  # no record complete: nothing kept
    bare = json.dumps([{"id": 1}, {"id": 2}, {"id": 3}])
    assert salvage_json(bare[: bare.index('{"id": 3')]) == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Ingénieur".encode(), "Ingénieur"),
        ("Ingénieur – Zürich".encode("cp1252"), "Ingénieur – Zürich"),
        (b"\xef\xbb\xbfTitle", "Title"),
        ("Straße".encode("utf-16"), "Straße"),
        (bytes([0x81, 0x41]), "\x81A"),  # undefined in cp1252: Latin-1, never U+FFFD
    ],
)
def test_text_bytes_are_decoded_never_replaced(data: bytes, expected: str) -> None:
    assert decode_bytes(data) == expected


def test_binary_bytes_are_refused() -> None:
    with pytest.raises(ValueError, match="binary"):
        decode_bytes(b"PK\x03\x04\x00\x00")


def test_the_bench_reports_the_issue_keys_and_renders_its_table() -> None:
    results = faults.run_cases("settings")
    out = faults.report(results)
    assert {"cases", "passed", "rows_lost", "partial_files_seen", "secrets_found"} <= set(out)
    assert "orphan_processes" in out and out["cases"] == len(results) >= 5
    assert out["passed"] == out["cases"], [r.happened for r in results if not r.passed]
    table = faults.table_markdown(out, measured="today, this CPU")
    assert table.count("\n| settings |") == out["cases"]
    assert "joblens bench faults --table docs/RELIABILITY.md" in table


def test_a_case_that_raises_fails_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(scratch: faults.Scratch) -> faults.Check:
        raise RuntimeError("the case itself broke")

    monkeypatch.setattr(faults, "CASES", [("demo", "a broken case", broken)])
    [result] = faults.run_cases()
    assert not result.passed and "the case itself broke" in result.happened


def test_every_case_has_a_unique_name_and_there_are_at_least_30() -> None:
    names = [name for _, name, _ in faults.CASES]
    assert len(names) == len(set(names)) >= 30


def _raised(exc: BaseException, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise exc from inner
    except BaseException as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "permanent"),
    [
        (_raised(LakeError("writing"), OSError(errno.ENOSPC, "No space left on device")), True),
        (_raised(LakeError("writing"), OSError(errno.EROFS, "Read-only file system")), True),
        (_raised(LakeError("writing"), OSError(errno.EFBIG, "File too large")), True),
        (ConfigError("no such model"), True),
        (_raised(LakeError("listing"), OSError(errno.ETIMEDOUT, "timed out")), False),
        (SourceError("HTTP 503"), False),
        (RuntimeError("boom"), False),
    ],
)
def test_errors_a_retry_cannot_fix_are_permanent(exc: BaseException, permanent: bool) -> None:
    assert is_permanent(exc) is permanent


@pytest.mark.parametrize(
    "name",
    [
        "the disk fills during a write: one clear error, not retried, nothing half-written",
        "good JSON labelled text/html: the body decides, the board lands",
        "a token in a board's URL setting reaches no lake file and no error",
    ],
)
def test_fault_cases_hold(name: str) -> None:
    [result] = faults.run_cases(name)
    assert result.passed, result.happened
