"""Validated shapes of what an analyzer (LLM or rules) returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MatchAnalysis", "Verdict"]

Verdict = Literal["strong", "possible", "weak"]


class MatchAnalysis(BaseModel):
    """One candidate-job match explained: a verdict, a sentence, and the reasons either way.

    Extra keys are refused so that a model answer with a misspelled field is retried or
    quarantined instead of silently losing that field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Verdict
    summary: str = Field(min_length=1, max_length=2000)
    strengths: list[str] = Field(default_factory=list, max_length=20)
    gaps: list[str] = Field(default_factory=list, max_length=20)
