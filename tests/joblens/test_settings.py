from __future__ import annotations

from pathlib import Path

import pytest

from joblens import settings
from joblens.errors import ConfigError


def test_env_overrides_nested_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBLENS_EMBED__DEVICE", "cpu")
    monkeypatch.setenv("JOBLENS_SCORING__TOP_K", "7")
    monkeypatch.setenv("JOBLENS_LLM__API_KEY", "sk-secret")
    s = settings.load()
    assert s.embed.device == "cpu"
    assert s.scoring.top_k == 7
    assert "sk-secret" not in repr(s)  # secrets never print
    assert s.llm.api_key is not None and s.llm.api_key.get_secret_value() == "sk-secret"


def test_toml_file_is_read_and_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "joblens.toml"
    cfg.write_text('[lake]\nroot = "/srv/lake"\n[scoring]\ntop_k = 5\nw_skills = 0.4\n')
    monkeypatch.setenv("JOBLENS_CONFIG", str(cfg))
    monkeypatch.setenv("JOBLENS_SCORING__TOP_K", "9")
    s = settings.load()
    assert s.lake.root == "/srv/lake"
    assert s.scoring.w_skills == 0.4
    assert s.scoring.top_k == 9


def test_invalid_values_fail_with_the_field_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBLENS_SCORING__TOP_K", "0")
    with pytest.raises(ConfigError, match="scoring.top_k"):
        settings.load()


def test_misspelt_keys_are_errors_naming_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBLENS_SCORING__W_SKILS", "0.5")
    with pytest.raises(ConfigError, match="w_skils"):
        settings.load()
    monkeypatch.delenv("JOBLENS_SCORING__W_SKILS")
    monkeypatch.setenv("JOBLENS_SCORNG__TOP_K", "5")
    with pytest.raises(ConfigError, match="JOBLENS_SCORNG__TOP_K"):
        settings.load()
    monkeypatch.delenv("JOBLENS_SCORNG__TOP_K")
    cfg = tmp_path / "joblens.toml"
    cfg.write_text("[scoring]\nw_skils = 0.4\n")
    with pytest.raises(ConfigError, match="w_skils"):
        settings.load(cfg)


def test_a_named_config_file_that_is_missing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        settings.load(tmp_path / "nope.toml")
    monkeypatch.setenv("JOBLENS_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        settings.load()


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_a_weight_must_be_a_finite_number(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("JOBLENS_SCORING__W_SKILLS", value)
    with pytest.raises(ConfigError, match="scoring.w_skills"):
        settings.load()


def test_weights_cannot_all_be_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settings.ScoringSettings.model_fields:
        if name.startswith("w_"):
            monkeypatch.setenv(f"JOBLENS_SCORING__{name.upper()}", "0")
    with pytest.raises(ConfigError, match="every weight"):
        settings.load()
    monkeypatch.setenv("JOBLENS_SCORING__W_SKILLS", "1")
    assert settings.load().scoring.w_skills == 1.0


def test_a_device_the_machine_lacks_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setenv("JOBLENS_EMBED__DEVICE", "mps")
    if sys.platform != "darwin":
        with pytest.raises(ConfigError, match="not a Mac"):
            settings.load()
    monkeypatch.setenv("JOBLENS_EMBED__DEVICE", "cuda")
    if not Path("/dev/nvidiactl").exists():
        with pytest.raises(ConfigError, match="no NVIDIA GPU"):
            settings.load()
    else:
        assert settings.load().embed.device == "cuda"
