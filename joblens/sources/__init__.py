"""Posting sources: one parser module per kind, and the file-drop source over a directory.

`PARSERS` maps each kind to its module (`split(data, origin)`, `parse(record)`).
`WorldFileSource(root)` reads `<root>/<kind>/*.<ext>` (the synthetic world's `sources/`
directory, or any file drop laid out the same way) and yields `RawRecord`s file by file
in sorted order; `kinds=[...]` streams one source at a time. Callers that want to go on
past an unreadable file use `iter_origins` + `read_origin` and catch SourceError per file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from joblens.errors import SourceError
from joblens.sources import (
    ashby,
    greenhouse,
    hackernews,
    himalayas,
    jobspy,
    lever,
    personio,
    recruitee,
    remoteok,
    remotive,
    rss,
    smartrecruiters,
    weworkremotely,
    workable,
)
from joblens.sources.base import (
    Parser,
    PartialFile,
    PostingDraft,
    PostingSource,
    RawRecord,
    TruncatedJSON,
)
from joblens.sources.detect import KNOWN, DropPlan, detect, detect_file, plan_drop

__all__ = [
    "EXTENSIONS",
    "KNOWN",
    "DropPlan",
    "PartialFile",
    "detect",
    "detect_file",
    "plan_drop",
    "PARSERS",
    "Parser",
    "PostingDraft",
    "PostingSource",
    "RawRecord",
    "WorldFileSource",
    "iter_origins",
    "parse_record",
    "read_origin",
    "sources_in",
]

PARSERS: dict[str, ModuleType] = {
    m.SOURCE: m
    for m in (
        greenhouse,
        lever,
        ashby,
        rss,
        jobspy,
        remotive,
        recruitee,
        personio,
        workable,
        smartrecruiters,
        remoteok,
        himalayas,
        hackernews,
        weworkremotely,
    )
}

EXTENSIONS: dict[str, str] = {
    "greenhouse": "json",
    "lever": "json",
    "ashby": "json",
    "remotive": "json",
    "recruitee": "json",
    "rss": "xml",
    "personio": "xml",
    "jobspy": "csv",
    "workable": "json",
    "smartrecruiters": "json",
    "remoteok": "json",
    "himalayas": "json",
    "hackernews": "json",
    "weworkremotely": "xml",
}


def parser(kind: str) -> ModuleType:
    """Return the parser module of a source kind; SourceError naming the known kinds."""
    try:
        return PARSERS[kind]
    except KeyError:
        raise SourceError(f"unknown source kind {kind!r}; known: {sorted(PARSERS)}") from None


def parse_record(raw: RawRecord) -> PostingDraft:
    """Return the draft of one raw record, parsed by its source's module (ParseError)."""
    return parser(raw.source).parse(raw.payload)  # type: ignore[no-any-return]


def iter_origins(root: Path, kind: str) -> Iterator[Path]:
    """Yield the files of one kind under `root` (`<root>/<kind>/*.<ext>`), sorted."""
    folder = Path(root) / kind
    if not folder.is_dir():
        return
    yield from sorted(p for p in folder.glob(f"*.{EXTENSIONS[kind]}") if p.is_file())


def read_origin(kind: str, path: Path) -> list[RawRecord]:
    """Return the records of one file; SourceError naming the file when it cannot be read
    or is not the format of `kind`."""
    module = parser(kind)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"{kind}: cannot read {path}: {exc}") from exc
    origin = str(path)
    try:
        payloads = module.split(data, origin)
    except TruncatedJSON as cut:  # the complete records before the break, and why no more
        payloads = module.split(json.dumps(cut.doc).encode(), origin)
        records = [RawRecord(kind, origin, i, p) for i, p in enumerate(payloads)]
        raise PartialFile(f"{cut}: {len(records)} complete records kept", records) from cut
    return [RawRecord(kind, origin, i, payload) for i, payload in enumerate(payloads)]


def sources_in(root: Path) -> list[str]:
    """Return the source kinds that have at least one file under `root`, sorted."""
    return [kind for kind in sorted(PARSERS) if next(iter_origins(root, kind), None) is not None]


class WorldFileSource:
    """A PostingSource over a file drop: `<root>/<kind>/*.<ext>` for each known kind."""

    def __init__(self, root: Path, *, kinds: Iterable[str] | None = None) -> None:
        self.root = Path(root)
        self.kinds = list(kinds) if kinds is not None else sources_in(self.root)
        for kind in self.kinds:
            parser(kind)  # fail early on an unknown kind
        self.name = "files:" + ",".join(self.kinds)

    def records(self) -> Iterator[RawRecord]:
        """Yield every record, kind by kind and file by file in sorted order; a file that
        cannot be read raises SourceError naming it."""
        for kind in self.kinds:
            for path in iter_origins(self.root, kind):
                yield from read_origin(kind, path)

    def __repr__(self) -> str:
        return f"WorldFileSource({str(self.root)!r}, kinds={self.kinds!r})"
