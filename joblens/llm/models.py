"""Validated shapes of what an analyzer (LLM or rules) returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "WORK_MODES_OF",
    "CandidateProfile",
    "MatchAnalysis",
    "Recommendation",
    "RemotePreference",
    "Verdict",
]

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


RemotePreference = Literal[
    "remote_only", "remote_or_hybrid", "any", "onsite_or_hybrid", "onsite_only", "unstated"
]
WORK_MODES_OF: dict[str, list[str]] = {
    "remote_only": ["remote"],
    "remote_or_hybrid": ["hybrid", "remote"],
    "any": ["onsite", "hybrid", "remote"],
    "onsite_or_hybrid": ["onsite", "hybrid"],
    "onsite_only": ["onsite"],
    "unstated": [],  # filters no job out, as the rules' profile does
}
"""The accepted work modes (joblens.schemas.WORK_MODES) of each remote preference."""


class CandidateProfile(BaseModel):
    """A CV read by a language model into what the scorer needs. Names, contacts and ids
    are not asked for: the CV it reads is already redacted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    headline: str | None = Field(None, max_length=200)  # the role the candidate is after
    titles_wanted: list[str] = Field(default_factory=list, max_length=10)
    skills: list[str] = Field(default_factory=list, max_length=100)  # as the CV names them
    years_experience: float | None = Field(None, ge=0, le=60)
    seniority: Literal["intern", "junior", "mid", "senior", "lead", "principal"] | None = None
    locations: list[str] = Field(default_factory=list, max_length=10)  # first: where they live
    remote_preference: RemotePreference = "unstated"
    salary_floor: float | None = Field(None, gt=0)
    salary_currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    salary_period: Literal["year", "month", "day", "hour"] | None = None
