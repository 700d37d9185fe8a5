"""The pipeline's stages, one module per stage, each naming the tables it reads and writes.

    postings.ingest_source     source files -> raw_postings, postings
    postings.ingest_live       live sources (fetch.py) -> raw_postings, postings
    jobs.resolve_jobs          postings -> jobs, job_postings (merged into the lake's state)
    embed.embed_jobs           jobs -> their embeddings, the LanceDB job index
    jobs.resolve_near_duplicates  the vector pass: new jobs near another -> job_aliases, jobs
    rebuild.rebuild_jobs       every current posting resolved again (joblens dedupe --rebuild)
    candidates.ingest_cvs      CV files -> raw_cvs, candidates
    embed.embed_candidates     candidates -> their embeddings
    score.score                current candidates x active jobs -> matches
    analyze.analyze            latest matches -> analyses

A stage runs inside a run (`run.begin` ... `run.commit`), returns a `StageReport` (small,
JSON-able) and moves data only through the lake. Every row a stage takes in leaves it as an
output row or a quarantine row: `rows_in == rows_out + rows_quarantined` unless the stage says
otherwise (dedupe merges postings into fewer jobs and reports both counts).
"""

from __future__ import annotations

from joblens.stages.analyze import analyze
from joblens.stages.candidates import ingest_cvs
from joblens.stages.embed import JOB_TEXT, embed_candidates, embed_jobs
from joblens.stages.jobs import resolve_jobs, resolve_near_duplicates
from joblens.stages.postings import ingest_files, ingest_live, ingest_source, report_unrecognised
from joblens.stages.rebuild import rebuild_jobs
from joblens.stages.run import (
    FLOWS,
    RunContext,
    StageReport,
    begin,
    commit,
    fail,
    fail_orchestrated,
    new_run_id,
)
from joblens.stages.score import score

__all__ = [
    "FLOWS",
    "JOB_TEXT",
    "RunContext",
    "StageReport",
    "analyze",
    "begin",
    "commit",
    "embed_candidates",
    "embed_jobs",
    "fail",
    "fail_orchestrated",
    "ingest_cvs",
    "ingest_files",
    "rebuild_jobs",
    "resolve_near_duplicates",
    "ingest_live",
    "ingest_source",
    "new_run_id",
    "report_unrecognised",
    "resolve_jobs",
    "score",
]
