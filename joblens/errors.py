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

import errno

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
    "is_permanent",
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


# The disk refusing: full, over quota, over the file-size limit, read-only, not allowed.
_REFUSALS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOTDIR,
        errno.EISDIR,
    }
)


def is_permanent(exc: BaseException | None) -> bool:
    """Whether trying `exc`'s work again in a few seconds would fail the same way.

    A setting (ConfigError) or a schema mismatch fails identically every time, and so does a
    disk that refuses the bytes: a full disk or quota is not freed by a 30 s retry delay, and
    retrying would only write (and clean up) the same partial file again. Everything else
    (a dropped connection to a shared mount, a timeout) is worth a retry.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConfigError | SchemaError):
            return True
        if isinstance(seen, OSError) and seen.errno in _REFUSALS:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
