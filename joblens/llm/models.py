"""Validated shapes of what an analyzer (LLM or rules) returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MatchAnalysis", "Recommendation", "Verdict"]

Verdict = Literal["strong", "possible", "weak"]
Recommendation = Literal["apply", "tailor_cv", "skip"]
"""apply: as the CV stands; tailor_cv: apply after the `cv_changes`; skip: not this one."""


class MatchAnalysis(BaseModel):
    """One candidate-job match explained: a verdict and a 0-100 fit, a sentence, the reasons
    either way, a recommendation, and what to add or change in the CV to raise the score.

    Extra keys are refused so that a model answer with a misspelled field is retried or
    quarantined instead of silently losing that field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Verdict
    fit: int = Field(ge=0, le=100)
    summary: str = Field(min_length=1, max_length=2000)
    strengths: list[str] = Field(default_factory=list, max_length=20)
    gaps: list[str] = Field(default_factory=list, max_length=20)
    recommendation: Recommendation
    cv_changes: list[str] = Field(default_factory=list, max_length=20)
