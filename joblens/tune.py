"""Learn the scoring weights on a training world: `joblens tune --world DIR --lake DIR`.

Coordinate ascent on NDCG@k (Metzler & Croft's classic for linear rankers): each round tries,
for every factor weight in turn, a few multiples of it (and a small step up from 0), keeps a
change only when NDCG@k over the world's candidates improves, and stops when a round changes
nothing or after `rounds`. Every trial re-scores the lake's current candidates against its
active jobs with the engine itself, so what is learned is what the nightly run will do. The
weights are written as a settings profile (TOML) for `--config`; evaluate them on a world of
another seed, never on the one they were learned on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from joblens.evaluate import Ground, ground_truth, metrics, ranked_lists
from joblens.lake import Lake
from joblens.scoring import engine
from joblens.scoring.features import FACTORS
from joblens.settings import ScoringSettings

__all__ = ["STEPS", "tune", "write_profile"]

STEPS = (0.0, 0.5, 1.5, 2.0)
"""Multiples of a weight tried in each round; a weight of 0 tries `_FROM_ZERO` instead."""
_FROM_ZERO = (0.05, 0.15)


def _ndcg(ground: Ground, settings: ScoringSettings, k: int, now: datetime) -> float:
    top = settings.model_copy(update={"top_k": k})
    chunks = list(engine.match(ground.candidates, ground.jobs, settings=top, now=now))
    lists = ranked_lists(pl.concat(chunks), ground.job_canonical) if chunks else {}
    ids = ground.candidates["candidate_id"].to_list()
    return float(metrics(lists, ground.grades, ids, k=k)[f"ndcg_at_{k}"])


def tune(
    world: Path,
    lake: Lake,
    settings: ScoringSettings,
    *,
    k: int = 10,
    rounds: int = 3,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, Any]:
    """Return {"before", "after", "weights", "trials"}: NDCG@k of `settings` and of the
    learned weights on this world, the weights by factor name, how many scorings it took."""
    ground = ground_truth(world, lake)
    now = datetime.now(UTC)
    current = settings
    best = before = _ndcg(ground, current, k, now)
    trials = 1
    for _ in range(rounds):
        changed = False
        for factor in FACTORS:
            name = f"w_{factor}"
            value = float(getattr(current, name))
            options = [value * m for m in STEPS] if value > 0 else list(_FROM_ZERO)
            for option in options:
                trial = current.model_copy(update={name: round(option, 4)})
                if all(getattr(trial, f"w_{f}") == 0 for f in FACTORS):
                    continue
                score = _ndcg(ground, trial, k, now)
                trials += 1
                if score > best + 1e-4:
                    best, current, changed = score, trial, True
                    if progress:
                        progress(name, best)
        if not changed:
            break
    weights = {f: float(getattr(current, f"w_{f}")) for f in FACTORS}
    return {"before": before, "after": best, "weights": weights, "trials": trials}


def write_profile(path: Path, weights: dict[str, float], note: str) -> None:
    """Write the weights as a TOML settings profile: `joblens ... --config PATH`."""
    lines = [f"# {line}" for line in note.splitlines()] + ["[scoring]"]
    lines += [f"w_{name} = {value:.4f}" for name, value in weights.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
