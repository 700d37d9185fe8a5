"""Stage: CV files -> bronze/raw_cvs and candidate profiles in silver/candidates.

Reads: every entry of the CV folder: .txt, .md, .pdf, .docx and JSON Resume files become
candidates (`joblens.cv_documents`); anything else (a directory, a link out of the folder, an
unknown type, binary junk, a file that is not a CV) becomes a quarantine row with its reason,
never a candidate and never silently skipped.
Profiles: the rules read every CV; with an LLM configured (`profiler`), each CV the rules
accepted is also read by the model and its profile completed (joblens.llm.profiles); the
`profile_source` column says which. Answers paid for go to llm_answers.
Writes: raw_cvs, candidates (upserted by candidate id: the current state is each id's latest
version), llm_answers, quarantine (stage profile), run_stats.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from joblens import cv_documents, profiles
from joblens.errors import JobLensError, SourceError
from joblens.llm import make_budget
from joblens.llm.cache import LakeAnswers
from joblens.llm.profiles import Profiler, read_profiles
from joblens.llm.runner import Progress
from joblens.normalize.redact import redact
from joblens.normalize.text import text_hash
from joblens.settings import LLMSettings
from joblens.stages.run import RunContext, StageReport, quarantine, timed

__all__ = ["READS", "WRITES", "ingest_cvs"]

READS: tuple[str, ...] = ()
WRITES = ("raw_cvs", "candidates", "llm_answers", "quarantine", "run_stats")


def ingest_cvs(
    ctx: RunContext,
    cv_dir: Path,
    profiler: Profiler | None = None,
    llm: LLMSettings | None = None,
    progress: Progress | None = None,
) -> StageReport:
    """Land CV files in bronze and parse each into a candidate profile (rules, then the
    `profiler` model when one is given, within `llm`'s budget and concurrency)."""
    report = StageReport("ingest:cvs")
    with timed(ctx, report):
        if not cv_dir.is_dir():
            raise SourceError(f"CV directory {cv_dir} does not exist (expected a folder of CVs)")
        entries = sorted(cv_dir.iterdir())
        fetched = datetime.now(UTC)
        bad: list[dict[str, Any]] = []
        files: list[Path] = []
        texts: list[str] = []
        for path in entries:
            try:
                texts.append(cv_documents.read(path, cv_dir))
            except cv_documents.CvFileError as exc:
                bad.append(_cv_reject(path, str(exc), ""))
                continue
            except Exception as exc:  # a file no reader foresaw: its row, never the run
                bad.append(_cv_reject(path, f"unexpected {type(exc).__name__}: {exc}", ""))
                continue
            files.append(path)
        ctx.lake.write(
            "raw_cvs",
            pl.DataFrame(
                {
                    "origin": [p.name for p in files],
                    "text": texts,
                    "fetched_at": [fetched] * len(files),
                },
                schema_overrides={
                    "origin": pl.String,
                    "text": pl.String,
                    "fetched_at": pl.Datetime("us", "UTC"),
                },
            ),
            run_id=ctx.run_id,
            partition={"dt": ctx.dt},
        )
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for path, text in zip(files, texts, strict=True):
            if path.stem in seen:  # alice.txt and alice.md: one candidate id, keep the first
                bad.append(_cv_reject(path, "duplicate candidate id (same file stem)", text))
                continue
            seen.add(path.stem)
            try:
                row = profiles.parse(text, candidate_id=path.stem)
            except JobLensError as exc:
                bad.append(_cv_reject(path, str(exc), text))
                continue
            rows.append(row)
        if profiler is not None and rows:
            llm = llm or LLMSettings()
            read = read_profiles(
                {p.stem: t for p, t in zip(files, texts, strict=True)},
                {str(r["candidate_id"]): r for r in rows},
                client=profiler,
                store=LakeAnswers(ctx.lake, ctx.run_id),
                budget=make_budget(llm),
                concurrency=llm.concurrency,
                progress=progress,
            )
            rows = list(read.rows.values())
            report.detail = read.stats
        for row in rows:
            row["text_hash"] = text_hash(str(row.get("summary") or ""))
        candidates = (
            pl.DataFrame(rows, infer_schema_length=None)
            if rows
            else pl.DataFrame({"candidate_id": []}, schema={"candidate_id": pl.String})
        )
        ctx.lake.write("candidates", candidates, run_id=ctx.run_id, partition={"dt": ctx.dt})
        report.rows_in, report.rows_out = len(entries), len(rows)
        report.rows_quarantined = quarantine(ctx, "profile", pl.DataFrame(bad))
    return report


def _cv_reject(path: Path, reason: str, text: str) -> dict[str, Any]:
    # The quarantine is read by analysts: the CV's contacts stay in bronze only.
    return {"source": "cv", "record_key": path.name, "reason": reason, "raw": redact(text)[:4000]}
