"""Job titles -> ranked ESCO occupations, and title-to-title similarity built on them.

ESCO (European Skills, Competences, Qualifications and Occupations) v1.1, (c) European Union,
https://esco.ec.europa.eu, CC BY 4.0: 3,039 occupations with their preferred and alternative
labels and descriptions, and the ISCO-08 groups, shipped in data/ (see build.py for how they
were made from the ESCO export, and why each occupation's ISCO unit group is inferred).

A title is matched by five signals, fused by weights set on hand-labelled real vacancy titles
(`FUSION`):
- bm25: BM25 of the title's words over each occupation's labels (preferred label twice);
- phrase: the title's core (levels, gender markers, "- Berlin" tails dropped) is the preferred
  label (1.0) or a run of words inside the labels (0.6): ESCO's alternative labels are
  glued together in the export, so a label boundary is unknown and a run is what can be said;
- cos_label / cos_labels / cos_alt: MiniLM cosine of the title to the preferred label, to all
  labels as one text, and to the nearest single alternative label (`alt_labels`).
Scores are on one scale, best first. `assign` gives a title its one best occupation (or none
under MIN_SCORE): what the scoring's occupation factor compares, with its ISCO groups.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy import sparse

from joblens.bm25 import Bm25
from joblens.embed import Embedder

__all__ = [
    "FUSION",
    "MIN_SCORE",
    "core_texts",
    "Occupation",
    "OccupationIndex",
    "OccupationMatch",
    "head_words",
    "label_words",
    "load_occupations",
    "shared_index",
    "title_core",
    "tokens",
]

DATA = Path(__file__).parent / "data"
log = logging.getLogger(__name__)
# Weights of the fused score; set on the development titles (tests/data/parse_truth/).
FUSION = {"bm25": 0.1, "phrase": 0.1, "cos_label": 0.25, "cos_labels": 0.1, "cos_alt": 0.25}
MIN_SCORE = 0.5
"""A title whose best occupation scores less names none ("Anthropic Fellows Program" 0.38,
"Canada Summer Student Job" 0.25); 95% of the dev titles matched right at rank 1 score more."""
Encode = Callable[[Sequence[str]], np.ndarray]
_MAX_NGRAM = 6


@dataclass(frozen=True)
class Occupation:
    uri: str
    label: str
    alt: str  # the alternative labels as one text (their boundaries are not in the export)
    description: str
    isco: str  # ISCO-08 unit group (4 digits), inferred: see build.py


@dataclass(frozen=True)
class OccupationMatch:
    uri: str
    label: str
    isco: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"uri": self.uri, "label": self.label, "isco": self.isco, "score": self.score}


@cache
def load_occupations() -> tuple[Occupation, ...]:
    with gzip.open(DATA / "esco_occupations.json.gz", "rt", encoding="utf-8") as f:
        items = json.load(f)
    return tuple(
        Occupation(i["uri"], i["label"], i["alt"], i["description"], i["isco"]) for i in items
    )


@cache
def _title_words() -> tuple[re.Pattern[str], frozenset[str], re.Pattern[str], dict[str, str]]:
    spec = json.loads((DATA / "title_words.json").read_text(encoding="utf-8"))
    phrases = sorted(spec["drop_phrases"], key=len, reverse=True)
    pattern = re.compile(r"(?<![\w/])(?:" + "|".join(map(re.escape, phrases)) + r")(?![\w/])")
    rewrite: dict[str, str] = spec["rewrite"]
    keys = sorted(rewrite, key=len, reverse=True)
    tech = re.compile(r"(?<![\w+#.])(?:" + "|".join(map(re.escape, keys)) + r")(?![\w+#])")
    return pattern, frozenset(spec["drop_words"]), tech, rewrite


_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# " - Berlin", " | Remote", ": Enterprise Project Manager" tails; "/" inside words is kept.
_TAIL = re.compile(r"\s+[-–—|]\s+|:\s+")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-case word stems of `text` ("Nurses" -> "nurse", "C++" kept)."""
    return [_stem(w) for w in _WORD.findall(text.lower())]


def title_core(title: str) -> list[str]:
    """The occupation words of a title: brackets, tails, levels and markers dropped.

    "(Senior) Financial Accountant (f/m/d) - Berlin" -> ["financial", "accountant"];
    "Analyst, Licensing Finance" -> ["licensing", "finance", "analyst"].
    """
    phrases, drop, tech, rewrite = _title_words()
    text = _BRACKETS.sub(" ", title.lower())
    head = _TAIL.split(text, maxsplit=1)[0]
    head = phrases.sub(" ", head)
    head = tech.sub(lambda m: f" {rewrite[m.group(0)]} ", head)
    if "," in head:  # "Analyst, Licensing Finance": the noun phrase is written inverted
        first, _, rest = head.partition(",")
        head = f"{rest} {first}" if len(tokens(first)) == 1 else first
    # "Product Designer (UX/UI)": a field named in brackets says which designer it is.
    fields = [
        rewrite[m.group(0)] for b in _BRACKETS.findall(title.lower()) for m in tech.finditer(b)
    ]
    head = " ".join([*fields, head]) if fields else head
    words = [w for w in tokens(head) if w not in drop]
    words = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
    if not words:  # the title was nothing but noise words ("Intern"): keep what it said
        words = [w for w in tokens(phrases.sub(" ", text)) if w] or tokens(title)
    return words


def core_texts(cores: Sequence[list[str]], titles: Sequence[str]) -> list[str]:
    """What is embedded for each title: its core words, or the title when it has none."""
    return [" ".join(c) or t for c, t in zip(cores, titles, strict=True)]


class OccupationIndex:
    """The ESCO occupations, searchable by title; built once per process (`shared`)."""

    def __init__(
        self,
        embedder: Embedder | None,
        *,
        cache_dir: Path | None = None,
        occupations: Sequence[Occupation] | None = None,
    ) -> None:
        self.occupations = tuple(occupations or load_occupations())
        self.embedder = embedder
        # The preferred label counts twice: it is the name, the alternatives are variants.
        self._bm25 = Bm25([tokens(o.label) * 2 + tokens(o.alt) for o in self.occupations])
        self._label_grams, self._alt_grams = self._ngrams()
        self._vectors = self._label_vectors(cache_dir) if embedder is not None else None

    # -- build ---------------------------------------------------------------------------
    def _ngrams(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        label: dict[str, int] = {}
        alt: dict[str, list[int]] = {}
        for i, o in enumerate(self.occupations):
            label.setdefault(" ".join(tokens(o.label)), i)
            words = tokens(o.label) + ["|"] + tokens(o.alt)
            seen: set[str] = set()
            for n in range(1, _MAX_NGRAM + 1):
                for s in range(len(words) - n + 1):
                    gram = words[s : s + n]
                    if "|" in gram:
                        continue
                    key = " ".join(gram)
                    if key not in seen:
                        seen.add(key)
                        alt.setdefault(key, []).append(i)
        return label, alt

    def _label_vectors(self, cache_dir: Path | None) -> np.ndarray:
        """Vectors of: each preferred label, each "label; alternatives" text, then every
        alternative label (`alt_labels`), grouped by occupation (`self._alt_owner`)."""
        from joblens.lake import load_vectors, save_vectors

        assert self.embedder is not None
        alts = [alt_labels(o, _heads(self.occupations)) for o in self.occupations]
        self._alt_owner = np.repeat(np.arange(len(alts)), [len(a) for a in alts])
        texts = (
            [o.label for o in self.occupations]
            + [f"{o.label}; {o.alt}"[:400] for o in self.occupations]
            + [label for group in alts for label in group]
        )
        key = hashlib.sha256(
            (self.embedder.model_id + "\n" + "\n".join(texts)).encode()
        ).hexdigest()[:16]
        path = cache_dir / f"esco-labels-{key}.npy" if cache_dir else None
        cached = load_vectors(path) if path else None
        if cached is not None and cached.shape[0] == len(texts):
            return np.asarray(cached, dtype=np.float32)
        log.info(
            "embedding the %d ESCO occupation labels once (about half a minute on a CPU); "
            "kept in %s",
            len(texts),
            path or "memory",
        )
        vectors = np.asarray(self.embedder.encode(texts), dtype=np.float32)
        if path:
            save_vectors(path, vectors)
        return vectors

    # -- search --------------------------------------------------------------------------
    def signals(
        self,
        titles: Sequence[str],
        encode: Encode | None = None,
        cores: Sequence[list[str]] | None = None,
    ) -> dict[str, np.ndarray]:
        """Each signal as a (titles x occupations) array in [0, 1]; `encode` embeds the titles
        (default: the index's embedder; a stage passes one that reads its embedding cache),
        `cores` are the titles' `title_core` when the caller has them."""
        n, m = len(titles), len(self.occupations)
        cores = cores if cores is not None else [title_core(t) for t in titles]
        phrase = np.zeros((n, m), dtype=np.float32)
        for q, core in enumerate(cores):
            self._phrase(core, phrase[q])
        out = {"bm25": self._bm25.scores(cores), "phrase": phrase}
        if self._vectors is not None and self.embedder is not None:
            q_vec = np.asarray(
                (encode or self.embedder.encode)(core_texts(cores, titles)), dtype=np.float32
            )
            sims = q_vec @ self._vectors.T
            out["cos_label"] = np.clip(sims[:, :m], 0.0, 1.0)
            out["cos_labels"] = np.clip(sims[:, m : 2 * m], 0.0, 1.0)
            best_alt = np.zeros((n, m), dtype=np.float32)
            starts = np.flatnonzero(np.r_[True, np.diff(self._alt_owner) != 0])
            reduced = np.maximum.reduceat(sims[:, 2 * m :], starts, axis=1)
            best_alt[:, self._alt_owner[starts]] = reduced
            out["cos_alt"] = np.maximum(np.clip(best_alt, 0.0, 1.0), out["cos_label"])
        return out

    def _phrase(self, core: list[str], row: np.ndarray) -> None:
        if not core:
            return
        key = " ".join(core)
        for i in self._alt_grams.get(key, ()):
            row[i] = 0.6
        exact = self._label_grams.get(key)
        if exact is not None:
            row[exact] = 1.0

    def scores(
        self,
        titles: Sequence[str],
        weights: dict[str, float] | None = None,
        encode: Encode | None = None,
        cores: Sequence[list[str]] | None = None,
    ) -> np.ndarray:
        """Fused (titles x occupations) scores: the weighted mean of the signals present."""
        weights = weights or FUSION
        signals = self.signals(titles, encode, cores)
        total = sum(weights[k] for k in signals)
        fused = sum(weights[k] * v for k, v in signals.items())
        return np.asarray(fused, dtype=np.float32) / max(total, 1e-9)

    def match(
        self, titles: Sequence[str], top: int = 10, encode: Encode | None = None
    ) -> list[list[OccupationMatch]]:
        """The `top` best occupations of each title, best first (none for an empty title)."""
        out: list[list[OccupationMatch]] = []
        for start in range(0, len(titles), 512):
            chunk = titles[start : start + 512]
            cores = [title_core(t) for t in chunk]
            scores = self.scores(chunk, encode=encode, cores=cores)
            for q, core in enumerate(cores):
                if not core:
                    out.append([])
                    continue
                best = np.argsort(-scores[q], kind="stable")[:top]
                out.append(
                    [
                        OccupationMatch(
                            self.occupations[i].uri,
                            self.occupations[i].label,
                            self.occupations[i].isco,
                            round(float(scores[q, i]), 4),
                        )
                        for i in best
                        if scores[q, i] > 0
                    ]
                )
        return out

    def profiles(self, titles: Sequence[str], top: int = 10) -> sparse.csr_matrix:
        """Each title as a unit vector over occupations: its `top` matches, softmax-weighted,
        spread to the ISCO unit group (0.5) and minor group (0.25) of each."""
        scores = self.scores(titles)
        n, m = scores.shape
        groups = _group_columns(tuple(o.isco for o in self.occupations))
        rows, cols, vals = [], [], []
        for q in range(n):
            best = np.argsort(-scores[q])[:top]
            if scores[q, best[0]] < MIN_SCORE:
                continue  # no occupation fits ("zzzqqq"): an empty profile, alike to nothing
            w = np.exp((scores[q, best] - scores[q, best[0]]) / 0.05)
            w /= w.sum()
            for i, wi in zip(best, w, strict=True):
                for col, share in (
                    (int(i), 1.0),
                    (m + groups[0][i], 0.5),
                    (m + groups[1][i], 0.25),
                ):
                    rows.append(q)
                    cols.append(col)
                    vals.append(float(wi) * share)
        width = m + groups[2]
        matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n, width), dtype=np.float32)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms) @ matrix

    def assign(
        self, titles: Sequence[str | None], encode: Encode | None = None
    ) -> list[tuple[str | None, str | None]]:
        """(ESCO URI, ISCO unit group) of each title's best occupation, (None, None) for a
        missing title or a best score under `MIN_SCORE`; each distinct title matched once."""
        distinct = list(dict.fromkeys(t.strip() for t in titles if t and t.strip()))
        best = dict(zip(distinct, self.match(distinct, top=1, encode=encode), strict=True))
        out: list[tuple[str | None, str | None]] = []
        for title in titles:
            found = best.get(title.strip()) if title else None
            if found and found[0].score >= MIN_SCORE:
                out.append((found[0].uri, found[0].isco))
            else:
                out.append((None, None))
        return out


_JOINERS = frozenset({"of", "and", "in", "for", "&", "to", "at", "on", "with", "de", "-", "/"})


@cache
def _heads(occupations: tuple[Occupation, ...]) -> frozenset[str]:
    """Words that end two or more preferred labels ("developer", "nurse"): where a label can
    end (a word ending one label only, "vegetables", is too rare to cut on)."""
    last = Counter(o.label.lower().split()[-1] for o in occupations if o.label.split())
    return frozenset(w for w, n in last.items() if n >= 2)


def alt_labels(occupation: Occupation, heads: frozenset[str]) -> list[str]:
    """The alternative labels, cut from their glued text after each word that ends some
    preferred label, unless a joiner follows ("head of ...", "... and ...")."""
    words = occupation.alt.split()
    labels, current = [], []
    for i, word in enumerate(words):
        current.append(word)
        following = words[i + 1].lower() if i + 1 < len(words) else ""
        if word.lower() in heads and following not in _JOINERS:
            labels.append(" ".join(current))
            current = []
    if current:
        labels.append(" ".join(current))
    return list(dict.fromkeys(labels)) or [occupation.label]


@cache
def _group_columns(iscos: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, int]:
    """Column offsets of each occupation's ISCO unit group and minor group (after the
    occupations' own columns), and how many such columns there are."""
    ids: dict[str, int] = {}
    unit = np.array([ids.setdefault(f"u{c}", len(ids)) for c in iscos])
    minor = np.array([ids.setdefault(f"m{c[:3]}", len(ids)) for c in iscos])
    return unit, minor, len(ids)


_SHARED: dict[tuple[str, str], OccupationIndex] = {}


def shared_index(embedder: Embedder | None, cache_dir: str | None) -> OccupationIndex:
    """One index per (model, cache) in a process: building it reads 29,000 label vectors."""
    key = (embedder.model_id if embedder else "", cache_dir or "")
    if key not in _SHARED:
        folder = Path(cache_dir).expanduser() if cache_dir else None
        _SHARED[key] = OccupationIndex(embedder, cache_dir=folder)
    return _SHARED[key]


@cache
def head_words() -> frozenset[str]:
    """Stems of the words that end an ESCO preferred label ("developer", "nurse", "chef"):
    a short line holding one reads as a job title."""
    return frozenset(tokens(o.label)[-1] for o in load_occupations() if tokens(o.label))


@cache
def label_words() -> frozenset[str]:
    """Every word stem of ESCO's occupation labels: a line made of nothing else is a title
    ("Senior Data Analyst"), one with other words may be a name ("Leila Smith")."""
    words: set[str] = set()
    for o in load_occupations():
        words.update(tokens(o.label))
        words.update(tokens(o.alt))
    return frozenset(words)
