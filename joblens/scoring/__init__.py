"""Scoring: every candidate against every job as chunked matrix products, then top-K.

- `features`: the factor blocks whose product is the ranking score (and the exact model).
- `engine.match`: streams MATCHES frames, one per chunk of candidates.
- `explain`: exact per-factor breakdown and re-rank of the pairs the ranking pass kept.
- `reference`: the same model one pair at a time in plain Python, to check the engine.
"""

from __future__ import annotations

from joblens.scoring.engine import match

__all__ = ["match"]
