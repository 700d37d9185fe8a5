"""Place blocks: the jobs a candidate can be ranked against, and its location factor there.

Of the score, only the location factor and the place filter depend on where the candidate
is. Candidates are grouped into blocks by (country, located, accepts remote work); a block's
jobs are those its candidates' hard filters can keep:

- with `place_filter = "country"` and a known country: the jobs of that country and those
  of unknown country; remote jobs of another country only without remote_same_country_only;
- without a known country (or with `place_filter = "none"`): every job;
- remote jobs only when the block accepts remote work (the mode filter removes them else).

So a candidate is scored against its country, the remote jobs open to it and the jobs of
unknown place, not against all of them; `PlaceLayout.order` keeps the jobs sorted so that
each block's jobs are one or two runs of the resident job matrix (views, never copies).

The location factor's country and remote parts stay columns of the product (a few dozen);
its same-city and nearby terms (features.py) touch only the pairs of one city or of
neighbouring grid cells, so the engine adds them to a chunk's scores as lists of pairs
(`PlaceBlock.nearby`) instead of one-hot columns thousands wide. reference.py checks the
result pair by pair.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from joblens.scoring.features import (
    LOCATION_NEARBY,
    LOCATION_SAME_CITY,
    LON_CELLS,
    REMOTE_MODE,
    CandidateAttributes,
    JobAttributes,
    placed_out,
)
from joblens.settings import ScoringSettings

__all__ = ["BlockKey", "Nearby", "PlaceBlock", "PlaceLayout", "place_layout"]

_NEIGHBOURS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]

Nearby = tuple[np.ndarray, np.ndarray, float]
"""(chunk rows, block job positions, value): pairs that gain `value` (times w_location)."""


@dataclass(frozen=True, order=True)
class BlockKey:
    """What a block's candidates share: country key (None unknown), whether they have any
    known place (a city or a country), whether they accept remote work."""

    country: str | None
    located: bool
    remote: bool

    def sort_key(self) -> tuple[str, bool, bool]:
        return (self.country or "", self.located, self.remote)


@dataclass
class PlaceBlock:
    """One block: its candidates, the jobs they can match and where those jobs lie."""

    key: BlockKey
    candidates: np.ndarray  # int64 positions in the candidates, ascending
    ranges: list[tuple[int, int]]  # runs of `PlaceLayout.order` holding the block's jobs
    jobs: np.ndarray  # int64 job positions (in the jobs frame), the runs one after another
    by_city: dict[str, np.ndarray] = field(default_factory=dict)  # city key -> block positions
    by_cell: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def nearby(self, cands: CandidateAttributes) -> list[Nearby]:
        """Return the pair terms of `cands` (rows of this block): the same-city pairs and the
        touching-cell pairs, each list without repeats (a job has one city and one cell)."""
        if not self.key.located or not (self.by_city or self.by_cell):
            return []
        out: list[Nearby] = []
        city_rows = [self.by_city.get(c) if c is not None else None for c in cands.city]
        out.append((*_pairs(city_rows), LOCATION_SAME_CITY))
        cell_rows: list[np.ndarray | None] = []
        for cell in cands.cell:
            if cell is None:
                cell_rows.append(None)
                continue
            near = [
                self.by_cell.get((cell[0] + dr, (cell[1] + dc) % LON_CELLS))
                for dr, dc in _NEIGHBOURS
            ]
            found = [a for a in near if a is not None]
            cell_rows.append(np.concatenate(found) if found else None)
        out.append((*_pairs(cell_rows), LOCATION_NEARBY))
        return [term for term in out if len(term[0])]


@dataclass
class PlaceLayout:
    """The jobs in the order the engine keeps them resident, and the candidates' blocks."""

    order: np.ndarray  # int64 job positions: jobs of one place and mode lie together
    blocks: list[PlaceBlock]


def _pairs(per_row: list[np.ndarray | None]) -> tuple[np.ndarray, np.ndarray]:
    counts = np.array([0 if a is None else len(a) for a in per_row], dtype=np.int64)
    rows = np.repeat(np.arange(len(per_row), dtype=np.int64), counts)
    found = [a for a in per_row if a is not None and len(a)]
    cols = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
    return rows, cols


def _codes(values: list[str | None], table: dict[str, int]) -> np.ndarray:
    return np.array(
        [-1 if v is None else table.setdefault(v, len(table)) for v in values], dtype=np.int64
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()
    return list(zip(starts, stops, strict=True))


_MAX_RUNS = 4
"""Past this many runs a block also takes the remote jobs its candidates refuse (the mode
filter drops them): one product over a few wide runs beats dozens of narrow ones."""


def place_layout(
    cands: CandidateAttributes, jobs: JobAttributes, settings: ScoringSettings
) -> PlaceLayout:
    """Return the job order and the candidates' blocks (ordered by key) with their runs."""
    countries: dict[str, int] = {}
    j_country = _codes(jobs.country, countries)
    remote = jobs.mode == REMOTE_MODE
    # Jobs sorted so that every block's jobs are one or two runs: by country (unknown
    # first), remote after on-site within one; with remote jobs open abroad, those first.
    if settings.place_filter == "country" and not settings.remote_same_country_only:
        order = np.lexsort((j_country, np.where(remote, 0, 1)))
    elif settings.place_filter == "country":
        order = np.lexsort((remote, j_country))
    else:
        order = np.argsort(remote, kind="stable")
    members: dict[BlockKey, list[int]] = defaultdict(list)
    for row, (country, located, accepts) in enumerate(
        zip(
            cands.country,
            cands.located.tolist(),
            cands.accepts[:, REMOTE_MODE].tolist(),
            strict=True,
        )
    ):
        members[BlockKey(country, bool(located), bool(accepts))].append(row)
    placed = ~remote & jobs.located
    out = []
    for key in sorted(members, key=BlockKey.sort_key):
        code = -1 if key.country is None else countries.setdefault(key.country, len(countries))
        allowed = ~placed_out(j_country, np.full(len(jobs.ids), code), remote, settings)
        runs = _runs((allowed & (remote <= key.remote))[order])
        if len(runs) > _MAX_RUNS:
            runs = _runs(allowed[order])
        block_jobs = np.concatenate([order[a:b] for a, b in runs] or [np.zeros(0, np.int64)])
        block = PlaceBlock(key, np.array(members[key], dtype=np.int64), runs, block_jobs)
        if key.located:
            _index_places(block, jobs, placed[block_jobs])
        out.append(block)
    return PlaceLayout(order.astype(np.int64), out)


def _index_places(block: PlaceBlock, jobs: JobAttributes, placed: np.ndarray) -> None:
    """Fill the block's city and cell lookups with its placed, non-remote jobs."""
    local = np.flatnonzero(placed)
    rows = block.jobs[local].tolist()
    cities = [jobs.city[r] for r in rows]
    cells = [jobs.cell[r] for r in rows]
    block.by_city = _grouped(cities, local)
    block.by_cell = _grouped(cells, local)


def _grouped(keys: list[Any], positions: np.ndarray) -> dict[Any, np.ndarray]:
    """Return {key: the positions holding it} for the keys that are not None."""
    table: dict[Any, int] = {}
    codes = np.array([-1 if k is None else table.setdefault(k, len(table)) for k in keys])
    if not table:
        return {}
    order = np.argsort(codes, kind="stable")
    codes, positions = codes[order], positions[order].astype(np.int64)
    first = int(np.searchsorted(codes, 0))  # the None keys sort first: left out
    codes, positions = codes[first:], positions[first:]
    starts = np.flatnonzero(np.diff(codes)) + 1
    names = list(table)
    return {
        names[int(codes[0 if i == 0 else starts[i - 1]])]: part
        for i, part in enumerate(np.split(positions, starts))
    }
