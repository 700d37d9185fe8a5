"""How well the profile step reads real CVs: `joblens profile --truth truth.jsonl`.

A truth file is JSON lines, one hand-labelled CV each: {"id", "file" (relative to the truth
file), "headlines": [accepted roles, as worded in the CV first], "city", "region", "country",
"work_mode" (remote/hybrid/onsite when the CV states one, else null)}.

Matching rules (the labels' conventions, not the profiler's):
- headline: right when, without case, accents or punctuation, it equals an accepted role, or
  holds one whole with at most three other words ("Senior Data Analyst at Acme" holds "Senior
  Data Analyst"); a company, degree or section heading never holds one;
- city and country as `joblens parse location --truth` compares them; region only where the
  country is the US or Canada;
- work mode: a CV labelled null must leave the modes unknown (an empty list filters no job
  out); a labelled mode must be among the modes read.

The baseline is what a reader with no rules takes for the headline: the first line after the
name (the JSON/YAML CV's "title"/"label" comes out there too).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from joblens.errors import ConfigError
from joblens.parse_eval import read_truth, same_field

__all__ = ["FIELDS", "headline_matches", "score"]

FIELDS = ("headline", "city", "region", "country", "work_mode")

Profile = dict[str, Any]


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.findall(r"[a-z0-9+#]+", folded)


def headline_matches(got: str | None, accepted: list[str]) -> bool:
    """Whether a headline read from a CV is one of the accepted roles (see the module doc)."""
    if not got:
        return not accepted
    have = _words(got)
    for role in accepted:
        want = _words(role)
        if not want:
            continue
        if have == want:
            return True
        extra = len(have) - len(want)
        if 0 < extra <= 3 and any(
            have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1)
        ):
            return True
    return False


def _mode_right(got: list[str] | None, want: str | None) -> bool:
    modes = list(got or [])
    return not modes if want is None else want in modes


def _right(field: str, row: dict[str, Any], profile: Profile) -> bool | None:
    """True/False for a scored field, None where the field is not scored for this row."""
    if field == "headline":
        return headline_matches(profile.get("headline"), list(row.get("headlines") or []))
    if field == "work_mode":
        return _mode_right(profile.get("work_modes"), row.get("work_mode"))
    if field == "region" and row.get("country") not in ("US", "CA"):
        return None
    return same_field(field, profile.get(field), row.get(field))


def score(
    truth_file: Path,
    read: Callable[[Path], str],
    profile: Callable[[str, str], Profile],
    first_line: Callable[[str], str | None],
) -> dict[str, Any]:
    """Each field's rate and the all-fields rate of `profile` (text, candidate id) over the
    labelled CVs, each file `read` once, with the baseline's headline rate and the misses;
    a CV the reader or the profiler refuses counts as read with nothing (its error is in
    the miss)."""
    rows = _rows(truth_file)
    right = dict.fromkeys(FIELDS, 0)
    scored = dict.fromkeys(FIELDS, 0)
    exact = baseline = 0
    misses: list[dict[str, Any]] = []
    for row in rows:
        path = truth_file.parent / str(row["file"])
        text: str | None = None
        try:
            text = read(path)
            got, error = profile(text, path.stem), None
        except Exception as exc:  # noqa: BLE001 - a refused CV is a miss with its reason
            got, error = {}, f"{type(exc).__name__}: {exc}"
        wrong = []
        for field in FIELDS:
            verdict = _right(field, row, got)
            if verdict is None:
                continue
            scored[field] += 1
            right[field] += verdict
            if not verdict:
                wrong.append(field)
        exact += not wrong
        first = first_line(text) if text is not None else None
        baseline += headline_matches(first, list(row.get("headlines") or []))
        if wrong:
            miss: dict[str, Any] = {"id": row.get("id")}
            for field in wrong:
                want = row.get("headlines" if field == "headline" else field)
                have = got.get("work_modes" if field == "work_mode" else field)
                miss[field] = {"want": want, "got": have}
            if error:
                miss["error"] = error
            misses.append(miss)
    n = len(rows)
    return {
        "kind": "cv",
        "cvs": n,
        "exact": exact,
        "exact_rate": round(exact / n, 3) if n else None,
        "fields": {f: round(right[f] / scored[f], 3) if scored[f] else None for f in FIELDS},
        "baseline": {"name": "first_line", "headline": round(baseline / n, 3) if n else None},
        "misses": misses,
    }


def _rows(path: Path) -> list[dict[str, Any]]:
    """The labelled CVs of a truth file (each needs "file" and "headlines")."""
    rows = []
    for row in read_truth(path, required="file"):
        if not isinstance(row.get("headlines"), list):
            raise ConfigError(f"{path}: CV {row.get('id')!r} has no headlines list")
        rows.append(row)
    return rows
