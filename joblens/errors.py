"""The JobLens exception tree.

    JobLensError            base of everything JobLens raises on purpose
    +-- ConfigError         a setting is missing or invalid
    +-- SourceError         a source could not be read (file missing, HTTP failure, bad payload)
    +-- ParseError          one record could not be parsed; carries the field and raw value
    +-- LakeError           reading or writing the lake failed
    |   +-- SchemaError     a frame does not fit its table's schema (unknown/missing column)
    +-- EmbedError          the embedding model could not be loaded or run
    +-- ScoringError        inputs to scoring are inconsistent (dimensions, empty sides)
    +-- LLMError            the LLM stage failed after its retries

Each message says what was expected, what came, and where.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "EmbedError",
    "JobLensError",
    "LLMError",
    "LakeError",
    "ParseError",
    "SchemaError",
    "ScoringError",
    "SourceError",
]


class JobLensError(Exception):
    """Base class of every error JobLens raises on purpose."""


class ConfigError(JobLensError):
    """A setting is missing or invalid."""


class SourceError(JobLensError):
    """A source could not be read."""


class ParseError(JobLensError):
    """One record could not be parsed; becomes a quarantine row with this message as reason."""

    def __init__(self, message: str, *, field: str | None = None, raw: object = None) -> None:
        super().__init__(message)
        self.field = field
        self.raw = raw


class LakeError(JobLensError):
    """Reading or writing the lake failed."""


class SchemaError(LakeError):
    """A frame written to the lake does not fit its table's schema."""


class EmbedError(JobLensError):
    """The embedding model could not be loaded or run."""


class ScoringError(JobLensError):
    """Inputs to scoring are inconsistent."""


class LLMError(JobLensError):
    """The LLM stage failed after its retries."""
