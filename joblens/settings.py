"""One settings object for JobLens: JOBLENS_ env vars, nested sections, optional joblens.toml.

Nested sections use a double underscore: JOBLENS_EMBED__DEVICE=cpu, JOBLENS_SCORING__TOP_K=50.
A `joblens.toml` in the working directory (or the file named by JOBLENS_CONFIG) is read
first; environment variables override it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class LakeSettings(BaseModel):
    root: str = Field("data_lake", description="Lake root (a local path for now)")


class PrefilterSettings(BaseModel):
    reject_terms: list[str] = Field(
        default_factory=list, description="Postings whose title contains any of these are dropped"
    )
    min_description_chars: int = Field(40, ge=0)


class EmbedSettings(BaseModel):
    model: str = Field("all-MiniLM-L6-v2", description="sentence-transformers model name or path")
    device: Literal["auto", "cuda", "mps", "cpu", "none"] = "auto"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    batch_size: int = Field(0, ge=0, description="0 = pick from free memory")
    max_chars: int = Field(2000, ge=64, description="Text is cut here before tokenizing")


class ScoringSettings(BaseModel):
    top_k: int = Field(20, ge=1)
    chunk_size: int = Field(0, ge=0, description="Candidates per chunk; 0 = from free memory")
    backend: Literal["auto", "torch", "numpy"] = "auto"
    w_semantic: float = Field(0.35, ge=0)
    w_skills: float = Field(0.25, ge=0)
    w_location: float = Field(0.20, ge=0)
    w_seniority: float = Field(0.10, ge=0)
    w_salary: float = Field(0.05, ge=0)
    w_freshness: float = Field(0.05, ge=0)
    freshness_half_life_days: float = Field(30.0, gt=0)
    remote_same_country_only: bool = False


class LLMSettings(BaseModel):
    # base_url / api_key / model are read by the OpenAI-compatible client of the LLM stage;
    # until it lands, the analyze task warns when they are set and runs the rules analyzer.
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint; None = rules")
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    concurrency: int = Field(10, ge=1)
    top_n: int = Field(3, ge=1, description="Best matches per candidate to analyze")


class Settings(BaseSettings):
    """Everything configurable in JobLens, read once and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="JOBLENS_",
        env_nested_delimiter="__",
        extra="ignore",
        toml_file="joblens.toml",
    )

    lake: LakeSettings = LakeSettings()
    prefilter: PrefilterSettings = PrefilterSettings()
    embed: EmbedSettings = EmbedSettings()
    scoring: ScoringSettings = ScoringSettings()
    llm: LLMSettings = LLMSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("JOBLENS_CONFIG", "joblens.toml"))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=toml_path)
        return (init_settings, env_settings, toml, file_secret_settings)


def load(**overrides: Any) -> Settings:
    """Return the settings from joblens.toml and JOBLENS_ env vars, with `overrides` on top."""
    return Settings(**overrides)
