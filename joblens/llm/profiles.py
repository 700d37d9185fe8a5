"""CV profiles by a language model: the rules' profile of each CV, completed by what the
model reads from the same (redacted) CV.

Only a CV the rules accepted is sent (an empty, unreadable or non-CV file is quarantined
before any call, so no profile is ever invented for it). The model's answer is a
joblens.llm.models.CandidateProfile; what it adds is checked against the CV: a skill counts
only when the CV names it and the taxonomy knows it, a place only when the gazetteer finds
it. A CV the model could not read (retries spent, invalid twice, the budget reached) keeps
its rules profile, which says so in `profile_source`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from joblens import profiles
from joblens.llm.budget import Budget
from joblens.llm.cache import AnswerStore
from joblens.llm.client import Reply, Request
from joblens.llm.models import WORK_MODES_OF, CandidateProfile
from joblens.llm.runner import Progress, answer_all
from joblens.normalize import location, salary, skills
from joblens.normalize.redact import redact

__all__ = ["Profiler", "ProfileRun", "merge", "read_profiles"]


@runtime_checkable
class Profiler(Protocol):
    """A client that reads CVs into CandidateProfiles (the OpenAI-compatible one does)."""

    @property
    def name(self) -> str: ...

    @property
    def profiler_name(self) -> str: ...

    def profile_request(self, candidate_id: str, cv_text: str) -> Request: ...

    async def answer(self, request: Request, slot: asyncio.Semaphore) -> Reply: ...


@dataclass
class ProfileRun:
    """The profiles, by candidate id, and what reading them took."""

    rows: dict[str, dict[str, Any]]
    stats: dict[str, Any] = field(default_factory=dict)


def _named_in(cv_text: str, names: Sequence[str]) -> list[str]:
    """Taxonomy ids of the skill names that the CV itself contains."""
    lowered = cv_text.lower()
    return skills.extract(", ".join(n for n in names if n.strip().lower() in lowered))


def _pay(profile: CandidateProfile) -> salary.Salary | None:
    if profile.salary_floor is None or profile.salary_currency is None:
        return None
    period = profile.salary_period or "year"
    return salary.parse(f"{profile.salary_currency} {profile.salary_floor:.0f} per {period}")


def merge(
    row: Mapping[str, Any], profile: CandidateProfile, cv_text: str, source: str
) -> dict[str, Any]:
    """`row` (the rules' CANDIDATES fields of one CV) completed by the model's `profile`."""
    out = dict(row)
    headline = redact(profile.headline) if profile.headline else row.get("headline")
    found = list(row.get("skills") or [])
    found += [s for s in _named_in(cv_text, profile.skills) if s not in found]
    out.update(headline=headline, skills=found, profile_source=source)
    if profile.years_experience is not None:
        out["years_experience"] = profile.years_experience
    if profile.seniority is not None:
        out["seniority"] = profile.seniority
    if profile.remote_preference != "unstated":
        out["work_modes"] = WORK_MODES_OF[profile.remote_preference]
    place = location.parse(profile.locations[0]) if profile.locations else None
    if place is not None and place.country:
        out.update(
            location_raw=redact(profile.locations[0]),
            city=place.city,
            region=place.region,
            country=place.country,
            lat=place.lat,
            lon=place.lon,
        )
    pay = _pay(profile)
    if pay is not None and pay.annual_min:
        out.update(salary_floor_annual=pay.annual_min, salary_currency=pay.currency)
    out["summary"] = profiles.summary(cv_text, headline, found)
    return out


def read_profiles(
    cvs: Mapping[str, str],
    rows: Mapping[str, Mapping[str, Any]],
    *,
    client: Profiler,
    store: AnswerStore | None = None,
    budget: Budget | None = None,
    concurrency: int = 10,
    progress: Progress | None = None,
) -> ProfileRun:
    """Complete the rules' `rows` of the CVs `cvs` (both by candidate id) by the model."""
    ids = [cid for cid in rows if cid in cvs]
    texts = {cid: redact(profiles.clean_markup(cvs[cid])) for cid in ids}
    requests = [client.profile_request(cid, texts[cid]) for cid in ids]
    batch = asyncio.run(
        answer_all(
            requests,
            client=client,
            store=store,
            budget=budget,
            concurrency=concurrency,
            progress=progress,
        )
    )
    out = {cid: dict(row) for cid, row in rows.items()}
    unread: dict[str, str] = {}
    for outcome in batch.outcomes:
        cid = str(outcome.request.match["candidate_id"])
        if isinstance(outcome.answer, CandidateProfile):
            out[cid] = merge(rows[cid], outcome.answer, texts[cid], client.profiler_name)
        else:
            unread[cid] = outcome.deferred or outcome.reason or "no answer"
    stats = {
        "profiler": client.profiler_name,
        "read_by_llm": len(ids) - len(unread),
        "kept_rules": len(unread),
        "unread": unread,
        **batch.counts(),
    }
    return ProfileRun(out, stats)
