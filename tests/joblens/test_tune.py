"""`joblens tune`: weights learned on a training world's truth, written as a profile."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from joblens import synth
from joblens.cli import app
from joblens.settings import load

runner = CliRunner()


def test_tune_never_does_worse_and_writes_a_loadable_profile(
    tmp_path: Path, flow_runs: type
) -> None:
    world, lake = tmp_path / "world", tmp_path / "lake"
    synth.generate(world, jobs=300, candidates=30, seed=17)
    flow_runs(lake).all(world)
    profile = tmp_path / "tuned.toml"
    out = runner.invoke(
        app, ["tune", "--world", str(world), "--lake", str(lake), "--out", str(profile)]
    )
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert 0.0 <= result["before"] <= result["after"] <= 1.0
    assert result["trials"] > 1 and result["profile"] == str(profile)
    scoring = load(str(profile)).scoring
    for factor, weight in result["weights"].items():
        assert getattr(scoring, f"w_{factor}") == round(weight, 4)
    assert any(weight > 0 for weight in result["weights"].values())


def test_tune_without_a_scored_world_says_what_is_missing(tmp_path: Path) -> None:
    out = runner.invoke(app, ["tune", "--world", str(tmp_path), "--lake", str(tmp_path / "l")])
    assert out.exit_code == 1
    assert "truth" in out.output or "no lake" in out.output
