"""Parse accuracy against hand-labelled strings: `joblens parse salary|location --truth F`.

A truth file is JSON lines, one labelled string each: {"text", and the fields the parser
gives}. Salary: min, max, currency, interval. Location: city, region, country, work_mode.
A string is exactly right when every labelled field matches; the report also gives each
field's own rate and the strings that missed, so a regression names itself.

Matching rules (the labels' conventions, not the parser's): amounts within 0.5%; city names
compared without case, accents or a trailing " City" ("New York City" is "New York"). Regions
are labelled for the US and Canada only (postal codes): elsewhere the region is not scored.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from joblens.errors import ConfigError

__all__ = ["FIELDS", "accuracy", "occupation_recall", "read_truth", "same_field"]

FIELDS: dict[str, tuple[str, ...]] = {
    "salary": ("min", "max", "currency", "interval"),
    "location": ("city", "region", "country", "work_mode"),
}


def read_truth(path: Path, *, required: str = "text") -> list[dict[str, Any]]:
    """The labelled lines of a truth file; ConfigError naming the line that is not JSON or
    lacks the `required` key."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(row, dict) or required not in row:
            raise ConfigError(f"{path} line {number}: expected an object with a {required}")
        rows.append(row)
    return rows


def accuracy(
    kind: str, truth: Iterable[dict[str, Any]], parse: Callable[[str], dict[str, Any]]
) -> dict[str, Any]:
    """Exact-match and per-field rates of `parse` over labelled rows, with the misses."""
    fields = FIELDS[kind]
    rows = list(truth)
    exact = 0
    right = dict.fromkeys(fields, 0)
    misses = []
    for row in rows:
        got = parse(row["text"])
        wrong = [f for f in fields if _scored(f, row) and not same_field(f, got.get(f), row.get(f))]
        for f in fields:
            right[f] += f not in wrong
        if wrong:
            misses.append(
                {"text": row["text"], **{f: {"want": row.get(f), "got": got.get(f)} for f in wrong}}
            )
        else:
            exact += 1
    n = len(rows)
    return {
        "kind": kind,
        "strings": n,
        "exact": exact,
        "exact_rate": round(exact / n, 3) if n else None,
        "fields": {f: round(right[f] / n, 3) if n else None for f in fields},
        "misses": misses,
    }


def _scored(field: str, row: dict[str, Any]) -> bool:
    return field != "region" or row.get("country") in ("US", "CA")


def same_field(field: str, got: Any, want: Any) -> bool:
    """Whether a parsed value matches its label (amounts within 0.5%, cities folded)."""
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, int | float) and not isinstance(want, bool):
        try:
            return abs(float(got) - float(want)) <= 0.005 * max(abs(float(want)), 1.0)
        except (TypeError, ValueError):
            return False
    if field == "city":
        return _city(str(got)) == _city(str(want))
    return str(got).strip().casefold() == str(want).strip().casefold()


def _city(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    folded = " ".join(folded.replace("-", " ").replace(".", " ").split())
    folded = re.sub(r"^(?:st|ste) ", "saint ", folded)  # "St Paul" is "Saint Paul"
    return folded.removesuffix(" city") if folded != "city" else folded


def occupation_recall(
    truth: Iterable[dict[str, Any]],
    ranked: Callable[[list[str]], list[list[str]]],
    baseline: Callable[[list[str]], list[list[str]]] | None = None,
    *,
    k: int = 10,
) -> dict[str, Any]:
    """Recall@1, recall@k and MRR of ranked occupation URIs over titles labelled with one
    (`uri`, plus `also`: others a reviewer accepts); titles labelled null are counted apart.
    `baseline` (same shape) is scored on the same titles, side by side."""
    rows = [r for r in truth if r.get("uri")]
    unlabelled = sum(1 for r in truth if not r.get("uri")) if isinstance(truth, list) else 0
    titles = [str(r["text"]) for r in rows]
    accepted = [{r["uri"], *(r.get("also") or [])} for r in rows]

    def rates(lists: list[list[str]]) -> dict[str, float | None]:
        first = [
            next((i for i, u in enumerate(uris[:k]) if u in ok), None)
            for uris, ok in zip(lists, accepted, strict=True)
        ]
        n = len(first)
        if not n:
            return {"recall_at_1": None, f"recall_at_{k}": None, "mrr": None}
        return {
            "recall_at_1": round(sum(f == 0 for f in first) / n, 3),
            f"recall_at_{k}": round(sum(f is not None for f in first) / n, 3),
            "mrr": round(sum(1 / (f + 1) for f in first if f is not None) / n, 3),
        }

    got = ranked(titles)
    out: dict[str, Any] = {"kind": "occupation", "titles": len(rows), "unlabelled": unlabelled}
    out.update(rates(got))
    if baseline is not None:
        out["baseline"] = rates(baseline(titles))
    out["misses"] = [
        {"text": t, "want": sorted(ok), "got": uris[:3]}
        for t, ok, uris in zip(titles, accepted, got, strict=True)
        if not ok & set(uris[:k])
    ]
    return out
