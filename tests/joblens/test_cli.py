"""The `joblens` command: scripts rely on the last stdout line of eval/bench/synth being JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from joblens import stages
from joblens.cli import app
from joblens.lake import Lake

runner = CliRunner()


def _last_json(output: str) -> dict[str, object]:
    return json.loads(output.strip().splitlines()[-1])


def test_synth_then_eval_prints_metrics_and_baselines(
    tmp_path: Path, run_stages: Callable[..., stages.RunContext]
) -> None:
    world, lake_root = tmp_path / "world", tmp_path / "lake"
    out = runner.invoke(
        app, ["synth", "--jobs", "150", "--candidates", "6", "--seed", "5", "--out", str(world)]
    )
    assert out.exit_code == 0, out.output
    assert _last_json(out.output)["jobs"] == 150
    # Build a lake without Prefect (the flow itself is tested in tests/flows).
    run_stages(world, lake_root)

    out = runner.invoke(app, ["eval", "--world", str(world), "--lake", str(lake_root)])
    assert out.exit_code == 0, out.output
    metrics = _last_json(out.output)
    for key in ("ndcg_at_10", "recall_at_10", "mrr"):
        value = metrics[key]
        assert isinstance(value, float) and 0.0 <= value <= 1.0
        for baseline in ("random", "semantic"):
            assert key in metrics["baselines"][baseline]  # type: ignore[index]
    assert metrics["jobs"] == Lake(lake_root).current("jobs").height
    # Entity resolution against the world's canonical ids, next to the exact key alone.
    dedupe = metrics["dedupe"]
    assert isinstance(dedupe, dict) and 0.9 <= dedupe["precision"] <= 1.0
    exact = dedupe["baselines"]["exact_key"]
    assert dedupe["recall"] >= exact["recall"] and dedupe["jobs"] <= exact["jobs"]
    assert "Entity resolution vs ground truth" in out.output

    out = runner.invoke(
        app, ["query", "--lake", str(lake_root), "SELECT count(*) AS n FROM matches"]
    )
    assert out.exit_code == 0, out.output
    assert str(Lake(lake_root).current("matches").height) in out.output
    # json: one object per line; csv: a header then rows.
    sql = "SELECT candidate_id, rank FROM matches WHERE rank <= 2 ORDER BY ALL"
    out = runner.invoke(app, ["query", "--lake", str(lake_root), "--format", "json", sql])
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert rows and set(rows[0]) == {"candidate_id", "rank"}
    out = runner.invoke(app, ["query", "--lake", str(lake_root), "--format", "csv", sql])
    assert out.output.splitlines()[0] == "candidate_id,rank"
    # A candidate's ranked jobs, and the candidates of one job (its best candidate is there).
    best = Lake(lake_root).query("SELECT candidate_id, job_id FROM matches WHERE rank = 1 LIMIT 1")
    cand, job = best["candidate_id"][0], best["job_id"][0]
    wide = {"COLUMNS": "300"}
    out = runner.invoke(app, ["matches", "--lake", str(lake_root), "--candidate", cand], env=wide)
    assert out.exit_code == 0 and job in out.output, out.output
    out = runner.invoke(app, ["matches", "--lake", str(lake_root), "--candidate", "nobody"])
    assert out.exit_code == 1 and "not in the lake" in out.output
    out = runner.invoke(app, ["candidates", "--lake", str(lake_root), "--job", job], env=wide)
    assert out.exit_code == 0 and cand in out.output, out.output
    # `runs` lists the registry: the four flows, completed.
    out = runner.invoke(app, ["runs", "--lake", str(lake_root)], env={"COLUMNS": "240"})
    assert out.exit_code == 0 and out.output.count("completed") == 4, out.output


def test_query_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    out = runner.invoke(app, ["query", "--lake", str(tmp_path), "SELEC 1"])
    assert out.exit_code == 1
    assert "error:" in out.output and "Traceback" not in out.output


def test_remote_lakes_and_bad_run_ids_fail_before_any_work(tmp_path: Path) -> None:
    out = runner.invoke(
        app, ["run", "score", "--lake", "nosuch://bucket/x"], env={"COLUMNS": "240"}
    )
    assert out.exit_code == 1 and "cannot open it" in out.output
    out = runner.invoke(
        app, ["run", "score", "--lake", str(tmp_path / "lake"), "--run-id", "../../x"]
    )
    assert out.exit_code == 1 and "bad run id" in out.output
    assert not (tmp_path / "lake").exists() and not Path("nosuch:").exists()


def test_a_misspelt_setting_stops_the_command_with_its_name(tmp_path: Path) -> None:
    out = runner.invoke(
        app, ["run", "score", "--lake", str(tmp_path)], env={"JOBLENS_SCORING__W_SKILS": "1"}
    )
    assert out.exit_code == 1 and "w_skils" in out.output


def test_bench_score_prints_one_json_object_last(tmp_path: Path) -> None:
    out = runner.invoke(app, ["bench", "score", "--users", "40", "--jobs", "300", "--k", "5"])
    assert out.exit_code == 0, out.output
    result = _last_json(out.output)
    assert (result["users"], result["jobs"], result["k"]) == (40, 300, 5)
    assert 0 < result["match_rows"] <= 40 * 5 and result["recall_vs_fp32"] == 1.0


def test_run_pipeline_rejects_a_directory_that_is_not_a_world(tmp_path: Path) -> None:
    out = runner.invoke(app, ["run", "pipeline", "--world", str(tmp_path)], env={"COLUMNS": "240"})
    assert out.exit_code != 0
    assert "lacks sources/ and cvs/" in out.output


def test_help_lists_every_command() -> None:
    out = runner.invoke(app, ["--help"], env={"COLUMNS": "240"})
    assert out.exit_code == 0
    for command in ("synth", "run", "runs", "matches", "candidates", "demo", "eval", "query"):
        assert command in out.output


def test_a_run_stuck_on_another_machine_can_be_marked_failed(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    lake = Lake(tmp_path)
    lake.record_run(
        {
            "run_id": "stuck",
            "flow": "score",
            "status": "running",
            "attempt": "a",
            "started": datetime.now(UTC),
            "host": "elsewhere",
            "pid": 1,
        }
    )
    out = runner.invoke(app, ["runs", "--lake", str(tmp_path), "--mark-failed", "stuck"])
    assert out.exit_code == 0 and "failed" in out.output
    assert lake.run("stuck")["status"] == "failed"  # type: ignore[index]
    out = runner.invoke(app, ["runs", "--lake", str(tmp_path), "--mark-failed", "stuck"])
    assert out.exit_code == 1 and "only a running run" in out.output
    out = runner.invoke(app, ["runs", "--lake", str(tmp_path), "--mark-failed", "../x"])
    assert out.exit_code == 1 and "bad run id" in out.output and "Traceback" not in out.output
    out = runner.invoke(app, ["report", "--lake", str(tmp_path), "--run", "stuck"])
    assert out.exit_code == 1 and "only a completed run has a report" in out.output


def test_parse_reads_lines_and_prints_one_json_object_each() -> None:
    text = "$70k - $90k a year\n\nnothing here\n$70k - $90k\n"
    out = runner.invoke(app, ["parse", "salary"], input=text)
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["text"] for r in rows] == ["$70k - $90k a year", "", "nothing here", "$70k - $90k"]
    assert set(rows[0]) == {
        "text",
        "min",
        "max",
        "currency",
        "interval",
        "annual_min",
        "annual_max",
    }
    assert (rows[0]["min"], rows[0]["max"], rows[0]["currency"]) == (70_000, 90_000, "USD")
    assert (rows[0]["interval"], rows[0]["annual_max"]) == ("year", 90_000)
    assert rows[2]["min"] is None  # unknown is null, never guessed
    # No interval written: interval and annual amounts are null; the assumption is named.
    assert (rows[3]["interval"], rows[3]["annual_min"], rows[3]["assumed_interval"]) == (
        None,
        None,
        "year",
    )
    out = runner.invoke(app, ["parse", "location"], input="Toronto, ON\n")
    place = json.loads(out.output)
    assert set(place) == {"text", "city", "region", "country", "lat", "lon", "work_mode", "places"}
    assert (place["city"], place["country"]) == ("Toronto", "CA")
    out = runner.invoke(app, ["parse", "seniority"], input="Senior Data Engineer\nBarista\n")
    levels = [json.loads(line) for line in out.output.splitlines()]
    assert levels[0] == {"text": "Senior Data Engineer", "level": 3, "label": "senior"}
    assert set(levels[1]) == {"text", "level", "label"}
    out = runner.invoke(app, ["parse", "weather"], input="x\n")
    assert out.exit_code == 1 and "salary, location, seniority" in out.output
