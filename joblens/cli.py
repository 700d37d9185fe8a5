"""The `joblens` command. Flows (and so Prefect) are imported lazily, inside the commands
that run them, so `joblens synth`, `eval`, `query` and `bench` start fast."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from joblens import report as report_mod
from joblens import settings as joblens_settings
from joblens.errors import JobLensError
from joblens.lake import Lake, check_name
from joblens.scoring.features import FACTORS

if TYPE_CHECKING:
    from datetime import datetime

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Under load the temporary Prefect server misses its default start-up timeout.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# LanceDB's Rust log says "No existing dataset ... it will be created" as a WARN on the first
# write of every new lake: expected, not something to warn a user about.
os.environ.setdefault("LANCEDB_LOG", "error")

app = typer.Typer(help="JobLens: match people to jobs at scale.", no_args_is_help=True)
run_app = typer.Typer(
    help="Run a flow (Prefect's temporary API, or the server at PREFECT_API_URL).",
    no_args_is_help=True,
)
bench_app = typer.Typer(help="Benchmarks; each prints one JSON object as its last line.")
titles_app = typer.Typer(help="Job titles: which name the same job.", no_args_is_help=True)
rank_app = typer.Typer(help="Rank what is in the lake for new input.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(bench_app, name="bench")
app.add_typer(titles_app, name="titles")
app.add_typer(rank_app, name="rank")

# Rich assumes 80 columns when stdout is not a terminal (CI logs, `| tee`): give the run
# summary's tables room instead of folding every cell.
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

WorldOpt = Annotated[Path, typer.Option("--world", help="World directory (sources/ and cvs/)")]
# A string, not a Path: Path("s3://b/x") would collapse to the local folder "s3:/b/x".
LakeOpt = Annotated[
    str | None, typer.Option("--lake", help="Lake root (default: settings lake.root)")
]
RunIdOpt = Annotated[str | None, typer.Option("--run-id", help="Re-run (replace) this run id")]
ConfigOpt = Annotated[
    str | None, typer.Option("--config", help="TOML settings file (default: ./joblens.toml)")
]


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(1)


def _settings(config: str | None = None) -> joblens_settings.Settings:
    try:
        return joblens_settings.load(config)
    except JobLensError as exc:
        _fail(str(exc))


def _lake(lake: str | None, config: str | None = None) -> Lake:
    """Return the lake, checked before any work: a bad root is one clear line, exit 1."""
    settings = _settings(config)
    try:
        return Lake(lake or settings.lake.root, active_days=settings.lake.active_days)
    except JobLensError as exc:
        _fail(str(exc))


def _emit_json(obj: dict[str, Any]) -> None:
    """Print `obj` as the last line of stdout, compact, for scripts to parse."""
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


def _run_flow(flow: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
    """Run a flow; a failure ends the command with its one-line reason (the run's registry
    row says failed), not a traceback."""
    if params.get("run_id") is not None:
        try:
            check_name(params["run_id"], "run id")
        except JobLensError as exc:
            _fail(str(exc))
    from joblens.orphans import guarded

    try:
        with guarded():  # its temporary Prefect server stops with it, however it ends
            return flow(**params)
    except JobLensError as exc:
        _fail(str(exc))


@app.command()
def synth(
    jobs: Annotated[int, typer.Option(help="Canonical jobs to generate")] = 2000,
    candidates: Annotated[int, typer.Option(help="Candidates (CV files) to generate")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world")] = 7,
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("world"),
) -> None:
    """Generate a synthetic world: source files, CVs and hidden ground truth."""
    from joblens import synth as synth_mod

    summary = synth_mod.generate(out, jobs=jobs, candidates=candidates, seed=seed)
    console.print(f"[green]world written to {out}[/green]")
    _emit_json(_jsonable(summary))


def _jsonable(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict, is_dataclass

    data = asdict(obj) if is_dataclass(obj) and not isinstance(obj, type) else dict(obj)
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in data.items()}


@run_app.command("pipeline")
def run_pipeline(
    world: WorldOpt,
    lake: LakeOpt = None,
    run_id: RunIdOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Run the four flows over a world's files and print the run summary."""
    summary = _run_pipeline(world, _lake(lake, config), run_id, config)
    print_summary(summary)


def _run_pipeline(
    world: Path, lake: Lake, run_id: str | None, config: str | None
) -> dict[str, Any]:
    missing = [d for d in ("sources", "cvs") if not (world / d).is_dir()]
    if missing:
        raise typer.BadParameter(
            f"{world} lacks {' and '.join(m + '/' for m in missing)}: a world holds sources/ "
            "(board files by kind) and cvs/",
            param_hint="--world",
        )
    from flows.pipeline import pipeline

    return _run_flow(pipeline, world=str(world), lake=lake.location, run_id=run_id, config=config)


FromOpt = Annotated[Path, typer.Option("--from", help="Folder to read", exists=True)]


def _print_flow_result(result: dict[str, Any]) -> None:
    cols = ["stage", "rows_in", "rows_out", "rows_quarantined", "seconds"]
    console.print(
        _table(f"{result['flow']} run {result['run_id']}: completed", result["stages"], cols)
    )


def _run_on_lake(
    flow: Callable[..., dict[str, Any]],
    lake: str | None,
    run_id: str | None,
    config: str | None,
    **params: Any,
) -> None:
    """Run one flow on the (checked) lake and print its stages."""
    root = _lake(lake, config).location
    _print_flow_result(_run_flow(flow, lake=root, run_id=run_id, config=config, **params))


@run_app.command("ingest-jobs")
def run_ingest_jobs(
    folder: FromOpt,
    lake: LakeOpt = None,
    run_id: RunIdOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Ingest a drop folder of board files (<folder>/<kind>/*) into the lake's jobs."""
    from flows.ingest_jobs import ingest_jobs

    _run_on_lake(ingest_jobs, lake, run_id, config, sources=str(folder))


@run_app.command("ingest-candidates")
def run_ingest_candidates(
    folder: FromOpt,
    lake: LakeOpt = None,
    run_id: RunIdOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Ingest a folder of CV files into the lake's candidates (upserted by file stem)."""
    from flows.ingest_candidates import ingest_candidates

    _run_on_lake(ingest_candidates, lake, run_id, config, cvs=str(folder))


@run_app.command("score")
def run_score(lake: LakeOpt = None, run_id: RunIdOpt = None, config: ConfigOpt = None) -> None:
    """Score every current candidate against every active job in the lake."""
    from flows.score import score

    _run_on_lake(score, lake, run_id, config)


@run_app.command("analyze")
def run_analyze(lake: LakeOpt = None, run_id: RunIdOpt = None, config: ConfigOpt = None) -> None:
    """Analyze the best matches of the latest completed scoring run."""
    from flows.analyze import analyze

    _run_on_lake(analyze, lake, run_id, config)


@run_app.command("rebuild-jobs")
def run_rebuild_jobs(
    lake: LakeOpt = None, run_id: RunIdOpt = None, config: ConfigOpt = None
) -> None:
    """Re-resolve every current posting into jobs (`joblens dedupe --rebuild` says what moved)."""
    from flows.rebuild_jobs import rebuild_jobs

    _run_on_lake(rebuild_jobs, lake, run_id, config)


@app.command()
def ingest(
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="A saved board answer to replay")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Its format; default: recognised by shape")
    ] = None,
    lake: LakeOpt = None,
    run_id: RunIdOpt = None,
    config: ConfigOpt = None,
) -> None:
    r"""Fetch the \[\[sources]] of the config live, or replay one saved board answer
    (--from-file), into the lake: an ingest-jobs run. Exits 1 when every source failed."""
    from joblens import sources

    root = _lake(lake, config).location
    params: dict[str, Any] = {}
    if from_file is not None:
        if not from_file.is_file():
            _fail(f"{from_file} is not a file")
        if kind is not None:
            if kind not in sources.PARSERS:
                _fail(f"unknown --kind {kind!r}; known: {', '.join(sorted(sources.PARSERS))}")
            console.print(f"{from_file}: read as {kind} (given with --kind)")
        else:
            kind, why = sources.detect_file(from_file)
            if kind is None:
                _fail(f"{from_file}: {why}; JobLens knows: {'; '.join(sources.KNOWN)}")
            console.print(f"{from_file}: read as {kind} ({why})")
        params = {"sources": str(from_file), "kind": kind}
    else:
        if kind is not None:
            _fail("--kind goes with --from-file (live sources name their kind in the config)")
        specs = joblens_settings.load(config).sources
        if not specs:
            _fail(
                "no live sources: list them as [[sources]] in joblens.toml (or --config FILE), "
                "or replay a saved answer with --from-file FILE"
            )
        console.print(f"fetching {len(specs)} sources: {', '.join(s.label for s in specs)}")
    from flows.ingest_jobs import ingest_jobs

    result = _run_flow(ingest_jobs, lake=root, run_id=run_id, config=config, **params)
    _print_flow_result(result)
    summary = report_mod.summarize(Lake(root), result["run_id"])
    cols = ["source", "origins", "fetched", "parsed", "quarantined", "status", "error"]
    if from_file is None:
        cols[2:2] = ["requested", "retries", "p95_s"]
    console.print(_table("Sources", summary["sources"], cols))
    if summary["quarantine"]:
        console.print(
            _table("Quarantined rows (why)", summary["quarantine"], ["stage", "reason", "rows"])
        )
    statuses = [row["status"] for row in summary["sources"]]
    if statuses and all(status == "failed" for status in statuses):
        _fail("every source failed: nothing was fetched (see the error column)")


@app.command()
def runs(
    lake: LakeOpt = None,
    limit: Annotated[int, typer.Option(help="Newest runs to show")] = 20,
    mark_failed: Annotated[
        str | None,
        typer.Option(
            "--mark-failed",
            help="Mark this running run failed and remove its rows: for a run whose process "
            "died on another machine (one on this machine is noticed by itself)",
        ),
    ] = None,
) -> None:
    """List the run registry, newest first: flow, status, times, rows per stage."""
    lk = _lake(lake)
    if mark_failed is not None:
        try:
            row = lk.run(check_name(mark_failed, "run id"))
        except JobLensError as exc:
            _fail(str(exc))
        if row is None or row["status"] != "running":
            status = "not in the registry" if row is None else row["status"]
            _fail(f"run {mark_failed} is {status}: only a running run can be marked failed")
        lk.transition(row, status="failed", error="marked failed by hand (joblens runs)")
        console.print(f"run {mark_failed}: failed; its rows are removed")
    frame = lk.runs().head(limit)
    rows = []
    for r in frame.iter_rows(named=True):
        stages = r["stages"] or []
        took = (r["finished"] - r["started"]).total_seconds() if r["finished"] else None
        rows.append(
            {
                "run_id": r["run_id"],
                "flow": r["flow"],
                "status": r["status"],
                "started": f"{r['started']:%Y-%m-%d %H:%M:%S}",
                "seconds": round(took, 1) if took is not None else None,
                "rows out": sum(int(s["rows_out"] or 0) for s in stages),
                "error": r["error"],
            }
        )
    cols = ["run_id", "flow", "status", "started", "seconds", "rows out", "error"]
    console.print(_table("Runs", rows, cols))


@app.command()
def demo(
    jobs: Annotated[int, typer.Option(help="Canonical jobs in the demo world")] = 2000,
    candidates: Annotated[int, typer.Option(help="Candidates in the demo world")] = 50,
    seed: Annotated[int, typer.Option(help="World seed")] = 7,
    lake: LakeOpt = None,
) -> None:
    """Generate a small world into the lake's landing zone, run the pipeline, show results."""
    from joblens import evaluate
    from joblens import synth as synth_mod

    lk = _lake(lake)
    world = lk.landing_dir / f"demo-{jobs}x{candidates}-seed{seed}"
    t0 = time.perf_counter()
    console.rule("[bold]JobLens demo")
    console.print(
        f"Generating a synthetic world ({jobs:,} jobs, {candidates} candidates) in {world}"
    )
    synth_mod.generate(world, jobs=jobs, candidates=candidates, seed=seed)
    console.print(f"World ready in {time.perf_counter() - t0:.1f} s; running the pipeline flow")
    summary = _run_pipeline(world, lk, None, None)
    print_summary(summary)
    metrics = evaluate.evaluate(world, lk)
    _print_eval(metrics)
    console.print(f"\n[bold]Demo finished in {time.perf_counter() - t0:.0f} s.[/bold]")


@app.command("eval")
def eval_cmd(
    world: WorldOpt,
    lake: LakeOpt = None,
    k: Annotated[int, typer.Option(help="Cut-off of the ranking metrics")] = 10,
    config: ConfigOpt = None,
) -> None:
    """Score the stored matches against the world's ground truth, next to random, semantic
    and the strong baselines; and the recruiter's direction (candidates for sampled jobs,
    ranked with the settings' weights)."""
    from joblens import evaluate

    settings = _settings(config)
    try:
        metrics = evaluate.evaluate(world, _lake(lake, config), k=k, settings=settings.scoring)
    except JobLensError as exc:
        _fail(str(exc))
    _print_eval(metrics)
    _emit_json(metrics)


PARSE_KINDS = ("salary", "location", "seniority", "occupation")


@app.command("parse")
def parse_cmd(
    kind: Annotated[str, typer.Argument(help="salary, location, seniority or occupation")],
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="Score against hand-labelled strings (JSON lines) instead of reading stdin",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Parse one text per line of stdin; print one JSON object per line (unknown parts null).

    salary: {"text","min","max","currency","interval","annual_min","annual_max"} (an interval
    the text does not state is null, and so are the annual amounts; "assumed_interval" then
    says what the lake's annual figures assume);
    location: {"text","city","region","country","lat","lon","work_mode","places"} (places:
    every place a multi-location string names, the first being city/region/country);
    seniority: {"text","level","label"};
    occupation (a job title, posting title or CV headline): {"text","occupations": [{"uri",
    "label","isco","score"}, ... the 10 best ESCO occupations, best first]}; isco is the
    ISCO-08 unit group (inferred, see joblens/occupations/build.py).
    With --truth (salary, location): the exact-match rate over the labelled strings, each
    field's rate and the misses, as one JSON object; (occupation): recall@1, recall@10 and
    MRR over titles labelled with ESCO URIs, beside MiniLM against the preferred labels.
    """
    if kind not in PARSE_KINDS:
        _fail(f"parse what? {kind!r}; one of {', '.join(PARSE_KINDS)}")
    if kind == "occupation":
        _parse_occupations(truth)
        return
    if truth is not None:
        from joblens import parse_eval

        if kind not in parse_eval.FIELDS:
            _fail(f"--truth scores salary or location, not {kind}")
        try:
            rows = parse_eval.read_truth(truth)
        except JobLensError as exc:
            _fail(str(exc))
        result = parse_eval.accuracy(kind, rows, lambda text: _parsed(kind, text))
        for miss in result["misses"]:
            console.print(f"[yellow]miss[/yellow] {escape(json.dumps(miss, ensure_ascii=False))}")
        _emit_json({k: v for k, v in result.items() if k != "misses"})
        return
    for line in sys.stdin:
        sys.stdout.write(json.dumps(_parsed(kind, line.rstrip("\r\n")), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _occupation_index() -> Any:
    from joblens.embed import make_embedder
    from joblens.occupations import shared_index

    settings = _settings()
    try:
        return shared_index(make_embedder(settings.embed), settings.embed.cache_dir)
    except JobLensError as exc:
        _fail(str(exc))


def _parse_occupations(truth: Path | None) -> None:
    """`joblens parse occupation`: stdin titles in batches, or the scores over a truth file."""
    index = _occupation_index()
    if truth is not None:
        from joblens import parse_eval
        from joblens.occupations import load_occupations

        try:
            rows = parse_eval.read_truth(truth)
        except JobLensError as exc:
            _fail(str(exc))

        def ranked(titles: list[str]) -> list[list[str]]:
            return [[m.uri for m in found] for found in index.match(titles)]

        def baseline(titles: list[str]) -> list[list[str]]:
            # MiniLM on the raw title against each occupation's preferred label.
            occupations = load_occupations()
            labels = index.embedder.encode([o.label for o in occupations])
            sims = index.embedder.encode(titles) @ labels.T
            return [[occupations[i].uri for i in row.argsort()[::-1][:10]] for row in sims]

        result = parse_eval.occupation_recall(rows, ranked, baseline)
        for miss in result["misses"]:
            console.print(f"[yellow]miss[/yellow] {escape(json.dumps(miss, ensure_ascii=False))}")
        _emit_json({k: v for k, v in result.items() if k != "misses"})
        return
    batch: list[str] = []

    def flush() -> None:
        for text, found in zip(batch, index.match(batch), strict=True):
            row = {"text": text, "occupations": [m.to_dict() for m in found]}
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        batch.clear()

    for line in sys.stdin:
        batch.append(line.rstrip("\r\n"))
        if len(batch) == 256:
            flush()
    flush()


def _title_file(path: Path, id_column: str) -> list[tuple[str, str]]:
    """(id, title) rows of a tab-separated file with a header naming id_column and jobtitle."""
    import csv

    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = reader.fieldnames or []
            if id_column not in header or "jobtitle" not in header:
                _fail(
                    f"{path}: expected a tab-separated header with {id_column!r} and 'jobtitle',"
                    f" got {header}"
                )
            rows = [(str(r[id_column]), str(r["jobtitle"] or "")) for r in reader]
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: {exc}")
    return rows


@titles_app.command("rank")
def titles_rank(
    queries: Annotated[
        Path, typer.Option("--queries", exists=True, dir_okay=False, help="TSV: q_id, jobtitle")
    ],
    corpus: Annotated[
        Path, typer.Option("--corpus", exists=True, dir_okay=False, help="TSV: c_id, jobtitle")
    ],
    top: Annotated[int, typer.Option("--top", min=1, help="Corpus titles per query")] = 100,
) -> None:
    """Rank the corpus titles for each query title; print TREC run lines, best first:
    `q_id Q0 c_id rank score joblens`."""
    from joblens.occupations.titles import rank

    query_rows = _title_file(queries, "q_id")
    corpus_rows = _title_file(corpus, "c_id")
    if not corpus_rows:
        _fail(f"{corpus}: no titles to rank")
    index = _occupation_index()
    ranked = rank(index, [t for _, t in query_rows], [t for _, t in corpus_rows], top=top)
    out = sys.stdout
    for (q_id, _), hits in zip(query_rows, ranked, strict=True):
        for position, (c, score) in enumerate(hits, 1):
            out.write(f"{q_id} Q0 {corpus_rows[c][0]} {position} {score:.6f} joblens\n")
    out.flush()


def _parsed(kind: str, text: str) -> dict[str, Any]:
    """What `joblens parse <kind>` prints for one text."""
    from joblens.normalize import location, salary, seniority

    out: dict[str, Any] = {"text": text}
    if kind == "salary":
        pay = salary.parse(text)
        for key in ("min", "max", "currency", "interval", "annual_min", "annual_max"):
            out[key] = getattr(pay, key) if pay else None
        if pay is not None and pay.interval is None and pay.assumed_interval is not None:
            # Never guessed: the annual figures lake rows carry assume an interval; say which.
            out["annual_min"] = out["annual_max"] = None
            out["assumed_interval"] = pay.assumed_interval
    elif kind == "location":
        place = location.parse(text or None)
        for key in ("city", "region", "country", "lat", "lon", "work_mode"):
            out[key] = getattr(place, key)
        out["places"] = [dataclasses.asdict(p) for p in place.places]
    else:
        label = seniority.parse(text) if text.strip() else None
        out["level"] = seniority.level(label) if label else None
        out["label"] = label
    return out


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL over the lake's views (matches, jobs, ...)")],
    lake: LakeOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help="table, csv or json (one object per line)")
    ] = "table",
) -> None:
    """Run SQL against the lake's DuckDB views (in memory: never a lock) and print the result."""
    if fmt not in ("table", "csv", "json"):
        _fail(f"--format must be table, csv or json, got {fmt!r}")
    try:
        frame = _lake(lake).query(sql)
    except JobLensError as exc:
        _fail(str(exc))
    if fmt == "csv":
        sys.stdout.write(frame.write_csv())
    elif fmt == "json":
        for row in frame.iter_rows(named=True):
            sys.stdout.write(json.dumps(row, default=str) + "\n")
    else:
        with pl.Config(tbl_rows=50, tbl_cols=20, fmt_str_lengths=60, tbl_width_chars=200):
            console.print(frame)


@app.command()
def report(
    run: Annotated[str, typer.Option("--run", help="Run id, or 'latest'")] = "latest",
    lake: LakeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write the HTML report of a run (funnel, scores, factors, sources, salaries) under
    gold/reports/ and print where it is."""
    from joblens import report_page

    settings = _settings(config)
    lk = _lake(lake, config)
    try:
        run_id = report_page.latest_run(lk) if run == "latest" else check_name(run, "run id")
        row = lk.run(run_id)
        if row is None:
            _fail(f"run {run_id!r} is not in the registry of {lk.location} (see: joblens runs)")
        if row["status"] != "completed":
            _fail(f"run {run_id} is {row['status']}: only a completed run has a report")
        where = report_page.write(lk, run_id, scoring=settings.scoring)
    except JobLensError as exc:
        _fail(str(exc))
    console.print(f"report of run {run_id}: {where}")


TopOpt = Annotated[int, typer.Option("--top", help="Rows to show")]
_JOB_COLUMNS = "job_id, title, company, city, country, work_mode"


@app.command()
def matches(
    candidate: Annotated[str, typer.Option("--candidate", help="Candidate id")],
    lake: LakeOpt = None,
    top: TopOpt = 10,
) -> None:
    """Print a candidate's ranked jobs of the latest scoring run, factor by factor."""
    lk = _lake(lake)
    try:
        rows = lk.query(
            f"SELECT m.*, j.* EXCLUDE (job_id) FROM matches m LEFT JOIN "
            f"(SELECT {_JOB_COLUMNS} FROM jobs) j USING (job_id) "
            "WHERE m.candidate_id = ? ORDER BY m.rank LIMIT ?",
            [candidate, top],
        )
    except JobLensError as exc:
        _fail(str(exc))
    if rows.is_empty():
        known = lk.query("SELECT count(*) AS n FROM candidates WHERE candidate_id = ?", [candidate])
        why = "has no matches in the latest scoring run" if known["n"][0] else "is not in the lake"
        _fail(f"candidate {candidate!r} {why}")
    run = rows["run_id"][0]
    _print_ranked(f"Jobs for candidate {candidate} (scoring run {run})", rows, who="job")


@app.command()
def profile(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="CV files, or folders of CVs, to read (without --truth)"),
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="Score against hand-labelled CVs (truth.jsonl: id, file, headlines, city, "
            "region, country, work_mode)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Show how JobLens reads CVs: one JSON object per CV (headline, place, work modes,
    seniority, years, skills, salary floor), as `run ingest-candidates` would land it.

    With --truth: each field's rate over the labelled CVs (headline, city, region, country,
    work_mode), the all-fields rate, the first-line baseline's headline rate and the misses,
    as one JSON object.
    """
    from joblens import cv_documents, profile_eval, profiles

    def profile_of(text: str, candidate_id: str) -> dict[str, Any]:
        return profiles.parse(text, candidate_id=candidate_id)

    def read(path: Path) -> str:
        return cv_documents.read(path, path.parent)

    def first_line(text: str) -> str | None:
        lines = [line.strip() for line in profiles.clean_markup(text).splitlines() if line.strip()]
        return lines[1] if len(lines) > 1 else None

    if truth is not None:
        try:
            result = profile_eval.score(truth, read, profile_of, first_line)
        except JobLensError as exc:
            _fail(str(exc))
        for miss in result["misses"]:
            console.print(f"[yellow]miss[/yellow] {escape(json.dumps(miss, ensure_ascii=False))}")
        _emit_json({k: v for k, v in result.items() if k != "misses"})
        return
    files = [f for p in paths or [] for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
    if not files:
        _fail("profile what? give CV files or folders, or --truth truth.jsonl")
    for path in files:
        try:
            row = profile_of(read(path), path.stem)
        except JobLensError as exc:
            row = {"candidate_id": path.stem, "error": str(exc)}
        shown = {k: row[k] for k in (*_PROFILE_FIELDS, "error") if k in row}
        sys.stdout.write(json.dumps(shown, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# What `joblens profile` shows of a candidate row (the summary and embedding aside).
_PROFILE_FIELDS = (
    "candidate_id",
    "name",
    "headline",
    "location_raw",
    "city",
    "region",
    "country",
    "work_modes",
    "seniority",
    "years_experience",
    "skills",
    "salary_floor_annual",
    "salary_currency",
)


@app.command()
def candidates(
    job: Annotated[str, typer.Option("--job", help="Job id")],
    lake: LakeOpt = None,
    top: TopOpt = 10,
    config: ConfigOpt = None,
) -> None:
    """Print the best current candidates for one job: every candidate scored against it now,
    with the recruiter's weights (the score run's lists are the job_matches view)."""
    from datetime import UTC, datetime

    from joblens.scoring import recruiter

    settings = _settings(config)
    lk = _lake(lake, config)
    try:
        one = lk.query("SELECT * EXCLUDE (active) FROM jobs WHERE job_id = ?", [job])
        if one.is_empty():
            _fail(f"job {job!r} is not in the lake (list them: joblens query 'FROM jobs')")
        ranked = recruiter.rank_candidates(
            lk.current("candidates"), one, settings=settings.scoring, now=datetime.now(UTC), top=top
        )
    except JobLensError as exc:
        _fail(str(exc))
    info = one.row(0, named=True)
    if ranked.is_empty():
        _fail(f"no current candidate passes the hard filters of job {job!r}")
    who = lk.query(
        "SELECT candidate_id, headline, city, country FROM candidates "
        "WHERE candidate_id IN (SELECT unnest(?::VARCHAR[]))",
        [ranked["candidate_id"].to_list()],
    )
    rows = ranked.join(who, on="candidate_id", how="left")
    title = f"Candidates for {info['title']} @ {info['company']} ({job})"
    _print_ranked(title, rows, who="candidate")


@app.command()
def tune(
    world: WorldOpt,
    lake: LakeOpt = None,
    out: Annotated[
        Path, typer.Option("--out", help="Settings profile to write (TOML, for --config)")
    ] = Path("tuned.toml"),
    k: Annotated[int, typer.Option(help="Cut-off of the NDCG that is maximised")] = 10,
    config: ConfigOpt = None,
) -> None:
    """Learn the scoring weights on a training world whose pipeline ran into the lake
    (coordinate ascent on NDCG@k), write them as a settings profile, and print NDCG before
    and after on this world; JSON last line. Judge them on a world of another seed:
    `joblens run score --config tuned.toml`, then `joblens eval`."""
    from joblens.tune import tune as learn
    from joblens.tune import write_profile

    settings = _settings(config)
    lk = _lake(lake, config)
    t0 = time.perf_counter()
    try:
        result = learn(
            world,
            lk,
            settings.scoring,
            k=k,
            progress=lambda name, ndcg: err_console.print(f"{name} -> NDCG@{k} {ndcg:.4f}"),
        )
    except JobLensError as exc:
        _fail(str(exc))
    note = (
        f"Scoring weights learned by `joblens tune --world {world}` (NDCG@{k} on that world "
        f"{result['before']:.4f} -> {result['after']:.4f}); judge them on another world."
    )
    write_profile(out, result["weights"], note)
    console.print(
        f"NDCG@{k} on {world}: {result['before']:.4f} -> {result['after']:.4f} "
        f"({result['trials']} scorings, {time.perf_counter() - t0:.1f} s); weights in {out}"
    )
    _emit_json({**result, "k": k, "profile": str(out)})


@app.command()
def forget(
    candidate: Annotated[str, typer.Option("--candidate", help="Candidate id (the CV's stem)")],
    lake: LakeOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Erase a candidate from the whole lake, history included: raw CV, profile, matches
    (both directions), analyses, quarantine rows, cached embeddings, report pages naming
    them. Prints what it removed; JSON last line."""
    from joblens.forget import forget_candidate

    settings = _settings(config)
    lk = _lake(lake, config)
    try:
        removed = forget_candidate(lk, candidate, [settings.embed.model])
    except JobLensError as exc:
        _fail(str(exc))
    rows = [{"where": where, "removed": n} for where, n in removed.items()]
    console.print(_table(f"Erased candidate {candidate}", rows, ["where", "removed"]))
    console.print(
        "Not reachable from here: the CV file in the folder it was read from, and Prefect's "
        "records of past flow runs."
    )
    _emit_json({"candidate_id": candidate, "removed": removed})


@app.command("dedupe")
def dedupe_cmd(
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Re-resolve every current posting (after a model, threshold or rule change) "
            "and report what moved",
        ),
    ] = False,
    lake: LakeOpt = None,
    run_id: RunIdOpt = None,
    config: ConfigOpt = None,
) -> None:
    """How the lake's postings resolve into jobs: jobs, postings and why postings share a
    job (job_postings.match_reason). With --rebuild, a rebuild-jobs run resolves everything
    again and says which postings moved and which jobs merged. JSON last line."""
    lk = _lake(lake, config)
    if not rebuild:
        _dedupe_state(lk)
        return
    from flows.rebuild_jobs import rebuild_jobs

    result = _run_flow(rebuild_jobs, lake=lk.location, run_id=run_id, config=config)
    moved = next(s["detail"] for s in result["stages"] if s["stage"] == "rebuild:jobs")
    detail = {"run_id": result["run_id"], **moved}
    rows = [
        {"what": k.replace("_", " "), "count": v}
        for k, v in detail.items()
        if isinstance(v, int) and k != "run_id"
    ]
    console.print(_table(f"Rebuild {detail['run_id']}", rows, ["what", "count"]))
    if detail["examples"]:
        console.print(
            _table(
                "Postings that moved (first 5)",
                detail["examples"],
                ["posting_id", "before", "after", "match_reason"],
            )
        )
    _emit_json(detail)


def _dedupe_state(lk: Lake) -> None:
    why = lk.query(
        "SELECT regexp_replace(match_reason, '[;:(].*$', '') AS reason, count(*) AS postings "
        "FROM job_postings GROUP BY ALL ORDER BY postings DESC"
    )
    totals = lk.query(
        "SELECT (SELECT count(*) FROM jobs WHERE merged_into IS NULL) AS jobs, "
        "(SELECT count(*) FROM jobs WHERE active) AS active_jobs, "
        "(SELECT count(*) FROM job_postings) AS postings, "
        "(SELECT count(*) FROM job_aliases WHERE canonical_key <> dedupe_key) AS aliases"
    ).row(0, named=True)
    console.print(_table("Why postings share a job", why.to_dicts(), ["reason", "postings"]))
    _emit_json({**totals, "reasons": why.to_dicts()})


_MATCH_FIELDS = (*FACTORS, "matched_skills", "missing_skills")


@rank_app.command("candidates")
def rank_candidates_cmd(
    jobs: Annotated[
        Path,
        typer.Option(
            "--jobs", exists=True, file_okay=False, help="Folder of job ads; stem = job id"
        ),
    ],
    lake: LakeOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Candidates per job")] = 10,
    config: ConfigOpt = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            exists=True,
            dir_okay=False,
            help="TSV of id<TAB>family (CV and ad stems): print MAP and P@10 instead",
        ),
    ] = None,
    cvs: Annotated[
        Path | None,
        typer.Option(
            "--cvs",
            exists=True,
            file_okay=False,
            help="With --truth: the CV folder, whose full texts the TF-IDF baseline reads",
        ),
    ] = None,
) -> None:
    """Rank the lake's current candidates for each job ad of a folder (.txt, .md, .pdf,
    .docx); print one JSON object per line, best first per job: {"job", "candidate_id",
    "rank", "score", and the factors: semantic, skills, location, seniority, salary,
    freshness, occupation, matched_skills, missing_skills}. An ad that cannot be read is named on
    stderr and the others go on.

    With --truth (job families of CVs and ads): every candidate is ranked for each ad, place
    aside (families say nothing of it), and the lines are {"job", "family", "relevant", "ap",
    "p_at_10"}, then one summary {"jobs", "candidates", "map", "p_at_10", "baselines":
    {"semantic", "tfidf"}}."""
    from datetime import UTC, datetime

    from joblens.embed import make_embedder
    from joblens.errors import ParseError
    from joblens.job_ads import read_ad
    from joblens.occupations import shared_index
    from joblens.scoring import recruiter
    from joblens.stages.embed import JOB_TEXT

    settings = _settings(config)
    lk = _lake(lake, config)
    ads: list[dict[str, Any]] = []
    for path in sorted(jobs.iterdir()):
        try:
            ads.append(read_ad(path, jobs))
        except ParseError as exc:
            err_console.print(f"[yellow]skipped[/yellow] {escape(str(exc))}")
    if not ads:
        _fail(f"{jobs}: no job ad could be read")
    try:
        pool = lk.current("candidates")
    except JobLensError as exc:
        _fail(str(exc))
    if pool.is_empty():
        _fail("the lake has no candidates: run `joblens run ingest-candidates --from CV_DIR`")
    try:
        frame = pl.DataFrame(ads, infer_schema_length=None)
        texts = frame.select(JOB_TEXT.alias("text"))["text"].to_list()
        embedder = make_embedder(settings.embed)
        vectors = embedder.encode(texts)
        found = shared_index(embedder, settings.embed.cache_dir).assign(frame["title"].to_list())
        frame = frame.with_columns(
            pl.Series("embedding", vectors.tolist(), dtype=pl.List(pl.Float32)),
            pl.Series("occupation", [u for u, _ in found], dtype=pl.String),
            pl.Series("isco", [i for _, i in found], dtype=pl.String),
        )
        now = datetime.now(UTC)
        if truth is not None:
            _rank_against_truth(pool, frame, texts, truth, cvs, settings.scoring, now)
            return
        for i in range(frame.height):
            t0 = time.perf_counter()
            ranked = recruiter.rank_candidates(
                pool, frame[i : i + 1], settings=settings.scoring, now=now, top=top
            )
            job_id = frame["job_id"][i]
            for r in ranked.iter_rows(named=True):
                row = {"job": job_id, "candidate_id": r["candidate_id"], "rank": r["rank"]}
                row["score"] = r["score"]
                row.update({f: r.get(f) for f in _MATCH_FIELDS})
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            err_console.print(
                f"{job_id}: {pool.height} candidates ranked in {time.perf_counter() - t0:.3f} s"
            )
    except JobLensError as exc:
        _fail(str(exc))
    sys.stdout.flush()


def _rank_against_truth(
    pool: pl.DataFrame,
    ads: pl.DataFrame,
    texts: list[str],
    truth: Path,
    cvs: Path | None,
    scoring: joblens_settings.ScoringSettings,
    now: datetime,
) -> None:
    """`rank candidates --truth`: MAP and P@10 of the ranking and its baselines."""
    from joblens import cv_documents, recruiter_eval

    families = recruiter_eval.read_families(truth)
    cv_texts: dict[str, str] | None = None
    if cvs is not None:
        cv_texts = {}
        for path in sorted(cvs.iterdir()):
            try:
                cv_texts[path.stem] = cv_documents.read(path, cvs)
            except JobLensError as exc:
                err_console.print(f"[yellow]baseline skips[/yellow] {escape(str(exc))}")
    ad_texts = dict(zip(ads["job_id"].to_list(), texts, strict=True))
    rows, summary = recruiter_eval.evaluate(
        pool, ads, ad_texts, families, settings=scoring, now=now, cv_texts=cv_texts
    )
    for row in rows:
        sys.stdout.write(json.dumps(row) + "\n")
    base = summary["baselines"]
    err_console.print(
        f"{summary['jobs']} ads x {summary['candidates']} candidates: MAP {summary['map']} "
        f"(semantic {base['semantic']['map']}, TF-IDF {base['tfidf']['map']})"
    )
    _emit_json(summary)


def _print_ranked(title: str, rows: pl.DataFrame, *, who: str) -> None:
    t = Table(title=title, title_justify="left")
    t.add_column("rank")
    t.add_column("score")
    t.add_column(f"{who} id", no_wrap=True)  # ids are what people copy: never folded
    for col in (who, "where", *_FACTOR_HEADERS.values(), "missing skills"):
        t.add_column(col, overflow="fold")
    for r in rows.iter_rows(named=True):
        if who == "job":
            ident, name = r["job_id"], f"{r.get('title') or '?'} @ {r.get('company') or '?'}"
            place = [r.get("city"), r.get("country"), r.get("work_mode")]
        else:
            ident, name = r["candidate_id"], r.get("headline") or ""
            place = [r.get("city"), r.get("country")]
        t.add_row(
            str(r["rank"]),
            _cell(r["score"]),
            ident,
            name,
            ", ".join(x for x in place if x),
            *(_cell(r.get(f)) for f in _FACTOR_HEADERS),
            _cell(r.get("missing_skills") or []),
        )
    console.print(t)


@bench_app.command("ingest")
def bench_ingest(
    postings: Annotated[int, typer.Option(help="About this many board postings")] = 100_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world")] = 5,
    world: Annotated[
        Path | None, typer.Option(help="Serve this world instead of generating one")
    ] = None,
) -> None:
    """Live ingest end to end (fetch over loopback HTTP, parse, normalize, write) on a synthetic world served in the boards' formats."""  # noqa: E501 (one line: typer keeps breaks)
    from joblens import bench

    _emit_json(bench.bench_ingest(postings=postings, seed=seed, world=world))


@bench_app.command("dedupe")
def bench_dedupe(
    postings: Annotated[int, typer.Option(help="Silver postings to resolve")] = 100_000,
    dup_rate: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="Share that repeat an opening already drawn")
    ] = 0.1,
    threshold: Annotated[
        float,
        typer.Option(help="The baseline's cosine threshold (0.97: its best on seed 5's world)"),
    ] = 0.97,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world")] = 5,
) -> None:
    """Entity resolution on a synthetic world's postings with known canonical ids, against
    FAISS kNN on the same postings; then 1,000 postings resolved against the lake."""
    from joblens import bench

    _emit_json(
        bench.bench_dedupe(postings=postings, dup_rate=dup_rate, threshold=threshold, seed=seed)
    )


@bench_app.command("embed")
def bench_embed(
    texts: Annotated[int, typer.Option(min=16, help="Posting texts (150-400 words)")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the world the texts come from")] = 11,
) -> None:
    """The embedder JobLens picks on this machine against sentence-transformers' fp32 encode on the same texts: speed, agreement, GFLOP/s against the CPU's ceiling, a cached re-run."""  # noqa: E501 (one line: typer keeps breaks)
    from joblens import bench

    _emit_json(bench.bench_embed(texts=texts, seed=seed))


@bench_app.command("score")
def bench_score(
    jobs: Annotated[int, typer.Option(min=1, help="Jobs")] = 20000,
    users: Annotated[int, typer.Option("--users", "--candidates", min=1, help="Candidates")] = 2000,
    k: Annotated[int, typer.Option("--k", "--top-k", min=1, help="Matches kept per user")] = 100,
    recall_users: Annotated[
        int, typer.Option(min=1, help="Users whose kept jobs are checked against exact fp32")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the drawn jobs and users")] = 0,
    candidates_per_job: Annotated[
        int,
        typer.Option(
            min=0, help="Also time each job's best N candidates (gold/job_matches); 0 = skip"
        ),
    ] = 20,
) -> None:
    """Nightly scoring on jobs and users drawn like a job market's (thousands of cities in 40
    countries, a third remote): engine.match end to end with gold/matches written as
    Parquet, against FAISS IndexFlatIP top K over the embeddings alone; recall of the kept
    set against an exact fp32 composite top K; then the recruiter's direction
    (job_matches_seconds). JSON last line."""
    from joblens import bench_score as bench

    print(
        f"scoring {users:,} users x {jobs:,} jobs, top {k} (drawing them first)",
        file=sys.stderr,
        flush=True,
    )
    _emit_json(
        bench.bench_score(
            jobs=jobs,
            users=users,
            k=k,
            recall_users=recall_users,
            seed=seed,
            candidates_per_job=candidates_per_job,
        )
    )


@bench_app.command("pipeline")
def bench_pipeline(
    jobs: Annotated[int, typer.Option(min=1, help="Jobs of the synthetic world")] = 10000,
    candidates: Annotated[int, typer.Option(min=1, help="Candidates (CVs) of the world")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the world")] = 7,
) -> None:
    """The whole pipeline (ingest, normalize, prefilter, dedupe, embed, score, analyze) on a
    synthetic world, cold on a fresh lake and then warm (the same postings again), against
    the embedder alone on the same texts. JSON last line."""
    from joblens import bench_pipeline as bench

    print(
        f"pipeline on a world of {jobs:,} jobs and {candidates:,} CVs: cold, then warm",
        file=sys.stderr,
        flush=True,
    )
    _emit_json(bench.bench_pipeline(jobs=jobs, candidates=candidates, seed=seed))


@bench_app.command("llm")
def bench_llm(
    items: Annotated[int, typer.Option(min=1, help="Matches to analyze")] = 500,
    latency_ms: Annotated[float, typer.Option(min=0, help="The stand-in's answer time")] = 200.0,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests at the model at once")] = 10,
    error_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of requests answered 500")
    ] = 0.05,
    invalid_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of answers that are cut-off JSON")
    ] = 0.02,
    rate_limit_rps: Annotated[
        float, typer.Option(min=0.0, help="Requests a second before 429s (0: no limit)")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of the items and the faults")] = 0,
) -> None:
    """The LLM match analysis against the loopback stand-in (`joblens fake-llm`), with the
    lake's answer cache; then the same items again, which must cost no calls."""
    from joblens import bench

    _emit_json(
        bench.bench_llm(
            items=items,
            latency_ms=latency_ms,
            concurrency=concurrency,
            error_rate=error_rate,
            invalid_rate=invalid_rate,
            rate_limit_rps=rate_limit_rps,
            seed=seed,
        )
    )


def _cpu_model() -> str | None:
    """The CPU's model name as lscpu shows it (Linux), or None."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


@bench_app.command("faults")
def bench_faults(
    only: Annotated[
        str | None, typer.Option(help="Only the cases (or groups) matching this glob")
    ] = None,
    table: Annotated[
        Path | None, typer.Option(help="Write the Markdown table here (docs/RELIABILITY.md)")
    ] = None,
) -> None:
    """Every fault and bad-input case (settings, the lake, kills, source files, CVs, the
    LLM, privacy) on real stages and a real lake: one line per case, the JSON last."""
    import platform
    from datetime import date

    from joblens import faults

    def show(result: faults.CaseResult) -> None:
        mark = "[green]passed[/]" if result.passed else "[red]FAILED[/]"
        err_console.print(f"{mark} {result.group}: {result.name} ({result.seconds} s)")
        if not result.passed:
            err_console.print(f"    {result.happened}", markup=False)

    out = faults.report(faults.run_cases(only, show))
    if table is not None:
        measured = f"{date.today().isoformat()}, {_cpu_model() or platform.machine()}"
        table.parent.mkdir(parents=True, exist_ok=True)
        table.write_text(faults.table_markdown(out, measured=measured), encoding="utf-8")
    _emit_json(out)


@app.command("fake-llm")
def fake_llm(
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port)")] = 8766,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    latency_ms: Annotated[float, typer.Option(min=0, help="Time to answer")] = 200.0,
    error_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of requests answered 500")
    ] = 0.0,
    rate_limit_rps: Annotated[
        float, typer.Option(min=0.0, help="Requests a second before 429s (0: no limit)")
    ] = 0.0,
    invalid_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of answers that are cut-off JSON")
    ] = 0.02,
    api_key: Annotated[
        str | None, typer.Option(help="Answer 401 to any other bearer token")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the 500s")] = 0,
) -> None:
    """A TEST DOUBLE, not a model: serves an OpenAI-compatible chat-completions endpoint on
    loopback whose answers are made from the request's MATCH block and validate as match
    analyses, with 429s, 500s and invalid JSON on demand, until Ctrl-C."""
    from joblens.llm.fake import FakeLLM

    try:
        fake = FakeLLM(
            host=host,
            port=port,
            latency_ms=latency_ms,
            error_rate=error_rate,
            invalid_rate=invalid_rate,
            rate_limit_rps=rate_limit_rps,
            api_key=api_key,
            seed=seed,
        )
    except (ValueError, OSError) as exc:
        _fail(str(exc))
    console.print(f"fake LLM (a test double) at {fake.base_url}; point JobLens at it with:")
    console.print(f"  export JOBLENS_LLM__BASE_URL={fake.base_url}")
    console.print(f"  export JOBLENS_LLM__API_KEY={api_key or 'any'}")
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped")


@app.command("serve-fixtures")
def serve_fixtures(
    world: WorldOpt,
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port)")] = 8765,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="GLOB=SPEC, or GLOB=SPEC#N for the next N matching requests only: requests "
            "whose path matches GLOB misbehave; SPEC is 429, 429:N (Retry-After N), 503, "
            "503:N, 500, 404, 403, captcha, slow:S, truncate, html or reset",
        ),
    ] = None,
) -> None:
    """Serve a world's board files over loopback HTTP in the boards' real formats (and
    JobSpy's Indeed and LinkedIn) until Ctrl-C; prints the config TOML to point
    `joblens ingest --config` here."""
    from joblens import board_server

    try:
        board_server.serve(world, host, port, fault or [])
    except (ValueError, OSError) as exc:
        _fail(str(exc))


# -- printing -------------------------------------------------------------------------------


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*(_cell(r.get(c)) for c in columns))
    return t


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, list):
        return ", ".join(map(str, v[:6])) + (" ..." if len(v) > 6 else "")
    return "" if v is None else str(v)


def print_summary(summary: dict[str, Any]) -> None:
    """Print a run summary: rows, quarantine, stage seconds, example matches, how to query."""
    console.rule(f"[bold]Run {summary['run_id']}")
    console.print(
        _table("Runs (each flow commits on its own)", summary["runs"], ["run_id", "flow", "status"])
    )
    rows = [{"table": t, "rows": f"{n:,}"} for t, n in summary["rows"].items()]
    console.print(_table("Rows written by these runs", rows, ["table", "rows"]))
    if summary["sources"]:
        cols = ["source", "origins", "fetched", "parsed", "quarantined", "status", "error"]
        console.print(_table("Sources", summary["sources"], cols))
    if summary["quarantine"]:
        console.print(
            _table("Quarantined rows (why)", summary["quarantine"], ["stage", "reason", "rows"])
        )
    else:
        console.print("Quarantined rows: none")
    cols = ["stage", "rows_in", "rows_out", "rows_quarantined", "seconds"]
    title = "Seconds per stage (the ingest:<source> stages run side by side)"
    console.print(_table(title, summary["stages"], cols))
    _print_examples(summary["examples"])
    lake = summary["lake"]
    if summary.get("report"):
        console.print(f"\nReport: {summary['report']}")
    console.print(
        "\nExplore the lake with DuckDB (views show the current state; *_history every run):\n"
        f"  .venv/bin/joblens runs --lake {lake}\n"
        f"  .venv/bin/joblens query --lake {lake} "
        '"SELECT stage, reason, count(*) AS n FROM quarantine GROUP BY ALL ORDER BY n DESC"\n'
        f'  .venv/bin/joblens query --lake {lake} "SELECT m.candidate_id, m.rank, m.score, '
        'j.title, j.company FROM matches m JOIN jobs j USING (job_id) WHERE m.rank = 1 LIMIT 10"\n'
        + (
            f"  or from Python: duckdb.connect('{summary['duckdb']}', read_only=True, "
            f"config={{'file_search_path': '{lake}'}})"
            if summary["duckdb"]
            else ""
        )
    )


_FACTOR_HEADERS = {
    "semantic": "sem",
    "skills": "skills",
    "location": "loc",
    "seniority": "senior",
    "salary": "salary",
    "freshness": "fresh",
    "occupation": "occup",
}


def _print_examples(examples: list[dict[str, Any]]) -> None:
    t = Table(title="Top 3 matches of two candidates, factor by factor", title_justify="left")
    for col in ("candidate", "rank", "score", "job", "where", *_FACTOR_HEADERS.values()):
        t.add_column(col, overflow="fold")
    for e in examples:
        where = ", ".join(x for x in (e.get("city"), e.get("country"), e.get("work_mode")) if x)
        t.add_row(
            e["candidate_id"],
            str(e["rank"]),
            _cell(e["score"]),
            f"{e.get('title') or '?'} @ {e.get('company') or '?'}",
            where,
            *(_cell(e.get(f)) for f in _FACTOR_HEADERS),
        )
    console.print(t)


def _print_margin(m: dict[str, Any], k: str, over: str) -> None:
    low, high = m["margin_ci95"]
    verdict = "ahead" if low > 0 else ("behind" if high < 0 else "not separable")
    console.print(
        f"JobLens - {m['best_strong_baseline']} NDCG@{k}: 95% interval [{low:+.4f}, "
        f"{high:+.4f}] (paired bootstrap over {over}): {verdict}"
    )


def _print_eval(m: dict[str, Any]) -> None:
    k = next((key.split("_")[-1] for key in m if key.startswith("ndcg_at_")), "10")
    rows = [{"ranker": "joblens", **{x: m[x] for x in (f"ndcg_at_{k}", f"recall_at_{k}", "mrr")}}]
    rows += [{"ranker": name, **vals} for name, vals in m["baselines"].items()]
    console.print(
        _table(
            f"Match quality vs ground truth: {m['candidates']} candidates with relevant jobs "
            f"(+{m.get('candidates_without_relevant', 0)} without), {m['jobs']} jobs",
            rows,
            ["ranker", f"ndcg_at_{k}", f"recall_at_{k}", "mrr"],
        )
    )
    if "margin_ci95" in m:
        _print_margin(m, k, "candidates")
    r = m.get("recruiter") or {}
    if r.get("jobs_evaluated"):
        rows = [
            {"ranker": "joblens", **{x: r[x] for x in (f"ndcg_at_{k}", f"recall_at_{k}", "mrr")}}
        ]
        rows += [{"ranker": name, **vals} for name, vals in r["baselines"].items()]
        console.print(
            _table(
                f"Candidates for a job (the recruiter's direction): {r['jobs_evaluated']} jobs",
                rows,
                ["ranker", f"ndcg_at_{k}", f"recall_at_{k}", "mrr"],
            )
        )
        _print_margin(r, k, "jobs")
    d = m.get("dedupe")
    if d:
        rows = [{"resolver": "joblens", **d}]
        rows += [{"resolver": name, **vals} for name, vals in d.get("baselines", {}).items()]
        console.print(
            _table(
                f"Entity resolution vs ground truth: {d['postings']} postings of "
                f"{d['true_jobs']} true jobs (precision and recall over pairs of postings)",
                rows,
                ["resolver", "jobs", "precision", "recall", "split_true_jobs", "mixed_jobs"],
            )
        )


if __name__ == "__main__":
    app()
