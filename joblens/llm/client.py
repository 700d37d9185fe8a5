"""Who analyzes a match: the `LLMClient` protocol, its request and reply, and the
rules-based analyzer.

A client first turns a (candidate, job, match) triple into a `Request` (its cache key and
the most tokens it may cost, for the budget), then answers it. `RulesAnalyzer` ("rules-v2")
reads only the computed match breakdown (the factor columns of joblens.schemas.MATCHES) and
the candidate and job rows; it states what the numbers say and invents nothing. It runs
when no LLM is configured, and its name is written in every row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from joblens.errors import LLMError
from joblens.llm.models import MatchAnalysis, Recommendation, Verdict

__all__ = ["AnswerFailed", "LLMClient", "Reply", "Request", "RulesAnalyzer", "Usage"]

_MAX_SKILLS_NAMED = 5


@dataclass(frozen=True)
class Request:
    """One question for a client, as it will be sent: a match to analyze (the default) or a
    CV to read into a profile (`schema` CandidateProfile, `match` holding only the ids).

    `key` identifies the answer in the lake's answer cache (None: not cached, for analyzers
    that cost nothing); `tokens` is the most the request may cost (prompt estimate plus the
    answer's limit), reserved against the run's budget before it is sent; `schema` is what
    the answer must validate as; `match` names the candidate_id and job_id it concerns.
    """

    candidate: Mapping[str, Any]
    job: Mapping[str, Any]
    match: Mapping[str, Any]
    key: str | None = None
    tokens: int = 0
    body: Any = None
    schema: type[BaseModel] = MatchAnalysis


@dataclass(frozen=True)
class Usage:
    """What answering one request took: HTTP calls (retries included) and tokens billed."""

    calls: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.calls + other.calls,
            self.retries + other.retries,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class Reply:
    """A validated answer (a MatchAnalysis, or what the request's schema names) and what
    it took."""

    analysis: BaseModel
    usage: Usage = Usage()


class AnswerFailed(LLMError):
    """One request got no valid answer; it becomes a quarantine row.

    `cacheable` marks an answer the model gave (invalid twice): asking again would pay for
    the same answer, so the cache remembers it. Transient failures (retries spent on 429,
    5xx, timeouts) are not cached: the next run asks again.
    """

    def __init__(self, message: str, usage: Usage, *, cacheable: bool = False) -> None:
        super().__init__(message)
        self.usage = usage
        self.cacheable = cacheable


@runtime_checkable
class LLMClient(Protocol):
    """Explains candidate-job matches; `name` goes into the `analyzer` column."""

    @property
    def name(self) -> str: ...

    def request(
        self, candidate: Mapping[str, Any], job: Mapping[str, Any], match: Mapping[str, Any]
    ) -> Request:
        """The request for `match` (a MATCHES row) of `candidate` to `job`."""
        ...

    async def answer(self, request: Request, slot: asyncio.Semaphore) -> Reply:
        """Answer `request`, holding `slot` while talking to the model and releasing it while
        waiting out a backoff (so a retry never idles a concurrency slot). Raises
        AnswerFailed for this request alone, ConfigError when no request can succeed."""
        ...


def _skill_name(skill_id: str) -> str:
    try:
        from joblens.normalize.skills import display
    except ImportError:  # the taxonomy module is optional for the analyzer
        return skill_id
    try:
        return display(skill_id)
    except KeyError:
        return skill_id


def _skill_list(ids: Sequence[str] | None) -> str:
    names = [_skill_name(s) for s in (ids or [])]
    shown = ", ".join(names[:_MAX_SKILLS_NAMED])
    more = len(names) - _MAX_SKILLS_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def _place(row: Mapping[str, Any]) -> str:
    parts = [p for p in (row.get("city"), row.get("country")) if p]
    return ", ".join(parts) if parts else "an unknown place"


def _job_place(job: Mapping[str, Any]) -> str:
    mode = job.get("work_mode")
    if mode == "remote":
        return f"remote ({job['country']})" if job.get("country") else "remote"
    where = _place(job)
    return f"{mode} in {where}" if mode else where


def _money(value: float, currency: str | None) -> str:
    return f"{value:,.0f} {currency or ''}".strip()


def _factor(match: Mapping[str, Any], name: str) -> float | None:
    value = match.get(name)
    return None if value is None else float(value)


class RulesAnalyzer:
    """Explains a match from its factor values, without a language model.

    The verdict is "strong" when the score reaches `strong_score` and no factor is below
    `blocking` (a blocking gap caps it at "possible"), "possible" from `possible_score`,
    else "weak". Factors at or above `good` are strengths, below `poor` are gaps.
    """

    name = "rules-v2"

    def __init__(
        self,
        *,
        strong_score: float = 0.70,
        possible_score: float = 0.50,
        good: float = 0.75,
        poor: float = 0.50,
        blocking: float = 0.25,
    ) -> None:
        self.strong_score = strong_score
        self.possible_score = possible_score
        self.good = good
        self.poor = poor
        self.blocking = blocking

    def request(
        self, candidate: Mapping[str, Any], job: Mapping[str, Any], match: Mapping[str, Any]
    ) -> Request:
        """A request that is not cached and costs nothing."""
        return Request(candidate, job, match)

    async def answer(self, request: Request, slot: asyncio.Semaphore) -> Reply:
        """Return the rules' analysis of one match (see the class docstring)."""
        async with slot:
            return Reply(self.explain(request.candidate, request.job, request.match))

    def explain(
        self, candidate: Mapping[str, Any], job: Mapping[str, Any], match: Mapping[str, Any]
    ) -> MatchAnalysis:
        """The synchronous core of `analyze`."""
        strengths: list[str] = []
        gaps: list[str] = []
        self._skills(match, strengths, gaps)
        self._location(candidate, job, match, strengths, gaps)
        self._seniority(candidate, job, match, strengths, gaps)
        self._salary(candidate, job, match, strengths, gaps)
        self._semantic(match, strengths, gaps)
        self._freshness(match, gaps)
        verdict = self._verdict(match)
        changes = self._cv_changes(match)
        return MatchAnalysis(
            verdict=verdict,
            fit=round(100 * min(max(float(match.get("score") or 0.0), 0.0), 1.0)),
            summary=self._summary(verdict, job, match, strengths, gaps),
            strengths=strengths,
            gaps=gaps,
            recommendation=self._recommendation(verdict, changes),
            cv_changes=changes,
        )

    def _recommendation(self, verdict: Verdict, changes: list[str]) -> Recommendation:
        if verdict == "weak":
            return "skip"
        return "tailor_cv" if verdict == "possible" and changes else "apply"

    def _cv_changes(self, match: Mapping[str, Any]) -> list[str]:
        """What the CV could say to raise the skills factor: only the job's missing skills,
        each conditional (the rules cannot know whether the candidate has it)."""
        missing = list(match.get("missing_skills") or [])
        return [
            f"If you have {_skill_name(s)} experience, name it in your CV with where you used it"
            for s in missing[:_MAX_SKILLS_NAMED]
        ]

    # -- verdict and summary -----------------------------------------------------------------
    def _verdict(self, match: Mapping[str, Any]) -> Verdict:
        score = float(match.get("score") or 0.0)
        blocked = any(
            (v := _factor(match, f)) is not None and v < self.blocking
            for f in ("skills", "location", "seniority", "salary")
        )
        if score >= self.strong_score and not blocked:
            return "strong"
        if score >= self.possible_score:
            return "possible"
        return "weak"

    def _summary(
        self,
        verdict: Verdict,
        job: Mapping[str, Any],
        match: Mapping[str, Any],
        strengths: list[str],
        gaps: list[str],
    ) -> str:
        title = job.get("title") or "this job"
        company = job.get("company") or "an unnamed company"
        score = float(match.get("score") or 0.0)
        text = f"{verdict.capitalize()} match for {title} at {company} (score {score:.2f})"
        if strengths:
            text += f": {_lower_first(strengths[0])}"
        if gaps:
            text += f"; main gap: {_lower_first(gaps[0])}"
        return text + "."

    # -- factors ------------------------------------------------------------------------------
    def _skills(self, match: Mapping[str, Any], strengths: list[str], gaps: list[str]) -> None:
        matched = list(match.get("matched_skills") or [])
        missing = list(match.get("missing_skills") or [])
        required = len(matched) + len(missing)
        if matched:
            share = f"{len(matched)} of {required}" if required else str(len(matched))
            strengths.append(f"Has {share} required skills: {_skill_list(matched)}")
        if missing:
            gaps.append(f"Missing skills: {_skill_list(missing)}")

    def _location(
        self,
        candidate: Mapping[str, Any],
        job: Mapping[str, Any],
        match: Mapping[str, Any],
        strengths: list[str],
        gaps: list[str],
    ) -> None:
        fit = _factor(match, "location")
        if fit is None:
            return
        if fit >= self.good:
            strengths.append(f"Location fits: job is {_job_place(job)}")
        elif fit < self.poor:
            gaps.append(
                f"Location may not fit: job is {_job_place(job)}, candidate in {_place(candidate)}"
            )

    def _seniority(
        self,
        candidate: Mapping[str, Any],
        job: Mapping[str, Any],
        match: Mapping[str, Any],
        strengths: list[str],
        gaps: list[str],
    ) -> None:
        fit = _factor(match, "seniority")
        job_level, own_level = job.get("seniority"), candidate.get("seniority")
        if fit is None or not job_level or not own_level:
            return  # an unknown level on either side says nothing
        if fit >= self.good:
            strengths.append(f"Seniority matches ({job_level})")
        elif fit < self.poor:
            gaps.append(f"Seniority differs: job is {job_level}, candidate is {own_level}")

    def _salary(
        self,
        candidate: Mapping[str, Any],
        job: Mapping[str, Any],
        match: Mapping[str, Any],
        strengths: list[str],
        gaps: list[str],
    ) -> None:
        fit = _factor(match, "salary")
        top = job.get("salary_annual_max") or job.get("salary_annual_min")
        if fit is None or top is None:
            return  # no salary quoted: neutral, neither strength nor gap
        currency = job.get("salary_currency")
        floor = candidate.get("salary_floor_annual")
        if fit >= self.good:
            strengths.append(f"Salary up to {_money(top, currency)} a year meets the floor")
        elif fit < self.poor and floor is not None:
            gaps.append(
                f"Salary up to {_money(top, currency)} a year is below the floor of "
                f"{_money(floor, candidate.get('salary_currency') or currency)}"
            )

    def _semantic(self, match: Mapping[str, Any], strengths: list[str], gaps: list[str]) -> None:
        factor = _factor(match, "semantic")
        if factor is None:
            return
        # The factor is (1 + cosine) / 2; thresholds are on the cosine of sentence
        # embeddings, where ~0.6 is a close topical match and < 0.3 unrelated.
        cos = 2.0 * factor - 1.0
        if cos >= 0.6:
            strengths.append(f"Profile reads close to the job description (cosine {cos:.2f})")
        elif cos < 0.3:
            gaps.append(f"Profile reads far from the job description (cosine {cos:.2f})")

    def _freshness(self, match: Mapping[str, Any], gaps: list[str]) -> None:
        fresh = _factor(match, "freshness")
        if fresh is not None and fresh < self.blocking:
            gaps.append("The posting is old and may be filled")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
