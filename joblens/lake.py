"""The only module that touches the lake: paths, atomic run writes, the run registry, reads,
and the DuckDB views analysts query.

Layout (see schemas.TABLES)::

    <root>/<layer>/<table>/<k>=<v>/.../run=<run_id>/<part>.parquet
    <root>/registry/runs/run=<run_id>/run.parquet      one registry row per run
    <root>/joblens.duckdb                              the analysts' views (relative paths)

Why snapshot Parquet per run with a registry (and not Delta Lake): every run writes only
into its own ``run=<id>`` directories, so runs never rewrite each other's files, a re-run of
a run id removes those directories whole before it writes, and the commit is one atomic
rename of the run's registry file from ``running`` to ``completed``. Readers (the views,
`current`) see only rows of completed runs, so a reader never sees part of a run and a killed
run is visible in the registry only. State across runs (job entities, candidates) is
versioned by run: the current row of a key is the one of the latest completed run that
wrote it. DuckDB reads all of it with its built-in Parquet reader, offline.

Each file of a local lake is written to a hidden temp name and renamed into place: no reader
ever globs a partial file. A remote lake (``s3://bucket/prefix``, or any URI pyarrow opens) is
written through pyarrow's filesystem: an object appears whole or not at all, so the same
guarantees hold; its views are built in memory over pyarrow datasets (DuckDB needs no httpfs
extension) and its LanceDB index lives in a local cache directory.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from pyarrow import fs as pafs

from joblens.errors import LakeError
from joblens.schemas import DATA_TABLES, RUN_TABLES, TABLES, Table, conform, table

__all__ = ["Lake", "check_name", "connect_index", "host_id", "load_vectors", "save_vectors"]

_TMP_PREFIX = ".tmp-"
_SOURCE_PREFIX = "_source_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_RUNS = "runs"


def check_name(value: str, what: str) -> str:
    """Return `value` if it is safe as a run id, partition value or file part; else raise.

    Safe: 1-128 of letters, digits, ``_ . -``, starting with a letter or digit, no ``..``:
    nothing that can climb out of the lake or hide from a reader.
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value) or ".." in value:
        raise LakeError(
            f"bad {what} {value!r}: expected 1-128 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit, without '..'"
        )
    return value


_REACH_SECONDS = 20.0
"""How long opening a remote lake may take before the command stops (GCS clients retry for
minutes when there is no network)."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _probe(uri: str) -> tuple[pafs.FileSystem, str]:
    try:
        fs, path = pafs.FileSystem.from_uri(uri)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, ValueError) as exc:
        raise LakeError(f"lake root {uri!r}: cannot open it: {_first_line(exc)}") from None
    bucket = path.strip("/").split("/", 1)[0]
    try:
        info = fs.get_file_info(bucket)
    except OSError as exc:  # credentials, endpoint, network
        raise LakeError(f"lake root {uri!r}: cannot reach it: {_first_line(exc)}") from None
    if info.type == pafs.FileType.NotFound:
        raise LakeError(f"lake root {uri!r}: bucket {bucket!r} does not exist")
    return fs, path.rstrip("/")


@lru_cache(maxsize=16)
def _remote(uri: str) -> tuple[pafs.FileSystem, str]:
    """Return (filesystem, path) of a remote lake root, checked once per process and within
    _REACH_SECONDS (in a daemon thread: a client stuck in retries cannot hold the exit)."""
    box: dict[str, Any] = {}

    def probe() -> None:
        try:
            box["ok"] = _probe(uri)
        except LakeError as exc:
            box["error"] = exc

    worker = threading.Thread(target=probe, daemon=True, name="lake-probe")
    worker.start()
    worker.join(_REACH_SECONDS)
    if "error" in box:
        raise box["error"]
    if "ok" not in box:
        raise LakeError(f"lake root {uri!r}: no answer within {_REACH_SECONDS:.0f} s")
    return box["ok"]  # type: ignore[no-any-return]


def _open_root(root: str | os.PathLike[str]) -> tuple[pafs.FileSystem, str, Path | None, str]:
    """Return (filesystem, base path in it, local Path or None, location as given)."""
    text = os.fspath(root)
    if not text.strip():
        raise LakeError("lake root is empty: give a directory (--lake DIR or JOBLENS_LAKE__ROOT)")
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if scheme and scheme.group(1).lower() != "file":
        uri = text.rstrip("/")
        fs, base = _remote(uri)
        return fs, base, None, uri
    local = Path(text.removeprefix("file://")).expanduser().resolve()
    if local.exists() and not local.is_dir():
        raise LakeError(f"lake root {local} exists and is not a directory")
    return pafs.LocalFileSystem(), local.as_posix(), local, str(local)


def connect_index(index_dir: str | os.PathLike[str]) -> Any:
    """Return a LanceDB connection to `index_dir` (created if missing): the lake's _index/.

    Job vectors (dedupe.JobIndex) and the embedding cache (embed.EmbeddingCache) open their
    tables through this, so the lake stays the one place that decides where bytes live.
    """
    import lancedb  # imported here: reading Parquet should not pay for LanceDB

    path = Path(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    return lancedb.connect(str(path))


def load_vectors(path: Path) -> Any | None:
    """The array saved at `path` by save_vectors, or None when there is none (or it is torn)."""
    import numpy as np

    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None


def save_vectors(path: Path, array: Any) -> None:
    """Save a numpy array atomically (hidden temp name, then rename): a cache of vectors of
    fixed texts (the ESCO labels) that outlives runs and lakes."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_TMP_PREFIX}{uuid.uuid4().hex}.npy")
    try:
        np.save(tmp, array, allow_pickle=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _visible(info: pafs.FileInfo) -> bool:
    """A finished Parquet file: not a directory, not a hidden temp file."""
    return (
        info.type == pafs.FileType.File
        and info.base_name.endswith(".parquet")
        and not info.base_name.startswith(".")
    )


def _nullable(schema: pa.Schema) -> pa.Schema:
    # Dataset scans check nullability per file; the lake already enforced it on write.
    return pa.schema([f.with_nullable(True) for f in schema])


def host_id() -> str:
    """This process's host as the registry records it: hostname and pid namespace (two
    containers with one hostname have their own pids)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}" if namespace else socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


_MEMO_QUERIES = 32
"""How many answers a lake read as of a moment remembers (the most recent)."""


@lru_cache(maxsize=1)
def _empty_relations() -> dict[str, str]:
    """Each table as a typed, empty relation, so queries bind on a young lake (the DuckDB
    types worked out once per process, on one connection: one per table and query had cost
    every query up to 0.2 s)."""
    con = duckdb.connect()
    try:
        relations = {}
        for name in TABLES:
            schema = table(name).schema
            empty = schema.empty_table()  # noqa: F841 (read by DuckDB's replacement scan)
            types = con.sql("SELECT * FROM empty").types
            cols = ", ".join(
                f'CAST(NULL AS {t}) AS "{f.name}"' for f, t in zip(schema, types, strict=True)
            )
            relations[name] = f"SELECT {cols} WHERE false"
        return relations
    finally:
        con.close()


def _parquet_options(schema: pa.Schema, compression: str) -> dict[str, Any]:
    """How a table is written: dictionary pages for text columns only (ids, sources, skill
    names repeat; a float column's dictionary is as long as the column and costs more than it
    saves), zstd at level 1 (the same size as its default level on match rows). Measured
    2026-12-07 on 1M gold/matches rows through `Lake.write`: 0.83 s and 0.56 s against 1.11 s
    and 1.36 s with pyarrow's defaults; 3.7 MB against 5.3 MB per 100,000 rows."""

    def is_text(kind: pa.DataType) -> bool:
        return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))

    text: list[str] = []
    for field in schema:
        kind = field.type
        if is_text(kind):
            text.append(field.name)
        elif (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and is_text(kind.value_type):
            text.append(f"{field.name}.list.element")
    options: dict[str, Any] = {"compression": compression, "use_dictionary": text}
    if compression == "zstd":
        options["compression_level"] = 1
    return options


class Lake:
    """A hive-partitioned Parquet lake with a run registry, at a local directory or a URI.

    `active_days` is how long a job stays active after the last run that saw it; `as_of`
    reads the lake as it was then (completed runs that finished by then).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        compression: str = "zstd",
        active_days: int = 30,
        as_of: datetime | None = None,
    ) -> None:
        self.fs, self._base, self._local, self.location = _open_root(root)
        self.compression = compression
        self.active_days = int(active_days)
        # A run reads the lake as of its start: runs that commit meanwhile stay invisible
        # to it, so every read of one run sees the same state.
        self.as_of = as_of
        self._con: duckdb.DuckDBPyConnection | None = None
        self._memo: OrderedDict[tuple[str, str], pl.DataFrame] = OrderedDict()

    # -- paths -------------------------------------------------------------------------
    @property
    def is_local(self) -> bool:
        return self._local is not None

    @property
    def root(self) -> Path:
        """The lake's local directory; LakeError for a remote lake."""
        if self._local is None:
            raise LakeError(f"lake {self.location} is remote: it has no local directory")
        return self._local

    @property
    def uri(self) -> str:
        """The lake as a URI (file:// for a local one): what links point at."""
        return self._local.as_uri() if self._local is not None else self.location

    def _p(self, *parts: str) -> str:
        return "/".join((self._base, *parts))

    def path(self, name: str) -> str:
        """Return the location of table `name` in the lake's filesystem."""
        return self._p(table(name).path)

    @property
    def duckdb_path(self) -> Path:
        """The published DuckDB database of a local lake."""
        return self.root / "joblens.duckdb"

    @property
    def index_dir(self) -> Path:
        """Directory of the LanceDB tables (job vectors, embedding cache): the lake's _index/,
        or for a remote lake a local cache directory named after its URI."""
        if self._local is not None:
            d = self._local / "_index"
        else:
            key = hashlib.sha256(self.location.encode()).hexdigest()[:16]
            d = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "joblens" / key
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def landing_dir(self) -> Path:
        """Where file drops and generated worlds go: the lake's _landing/ when local."""
        return (self._local or Path.cwd()) / "_landing"

    def _run_dir(self, tbl: Table, run_id: str, values: dict[str, str]) -> str:
        missing = [p for p in tbl.partitions if p not in values]
        if missing:
            raise LakeError(
                f"table {tbl.name!r} is partitioned by {tbl.partitions}; missing {missing}"
            )
        parts = [tbl.path]
        for key in tbl.partitions:
            try:
                parts.append(f"{key}={check_name(values[key], f'partition value {key}')}")
            except LakeError as exc:
                raise LakeError(f"{exc} (table {tbl.name!r})") from None
        parts.append(f"run={check_name(run_id, 'run id')}")
        return self._p(*parts)

    def _listing(self, base: str) -> list[pafs.FileInfo]:
        try:
            return list(
                self.fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
            )
        except OSError as exc:
            raise LakeError(f"listing {base}: {exc}") from exc

    # -- writes ------------------------------------------------------------------------
    def write(
        self,
        name: str,
        data: pa.Table | pl.DataFrame,
        *,
        run_id: str,
        partition: dict[str, str],
        part: str | int | None = None,
    ) -> str:
        """Write `data` as one file of run `run_id` in `partition`; return its path.

        The frame is checked against the table's schema (an unknown column, or a missing or
        null required one, raises SchemaError); partition values fill their own columns and
        every row's run_id is set to `run_id`. The file is ``run=<run_id>/<part>.parquet``
        (``data`` without a part, ``part-00003`` for an int); the same name again replaces it.
        """
        tbl = table(name)
        arrow = data.to_arrow() if isinstance(data, pl.DataFrame) else data
        if "run_id" in arrow.column_names:
            arrow = arrow.drop_columns(["run_id"])
        arrow = arrow.append_column("run_id", pa.array([run_id] * arrow.num_rows, pa.string()))
        for key, value in partition.items():
            if key in tbl.schema.names and key not in arrow.column_names:
                arrow = arrow.append_column(key, pa.array([value] * arrow.num_rows, pa.string()))
        arrow = conform(arrow, tbl.schema, name=name)
        target_dir = self._run_dir(tbl, run_id, partition)
        if part is None:
            stem = "data"
        elif isinstance(part, int):
            stem = f"part-{part:05d}"
        else:
            stem = check_name(part, "file part")
        return self._write_file(arrow, target_dir, f"{stem}.parquet", name)

    def write_parts(
        self,
        name: str,
        frames: Iterable[pl.DataFrame],
        *,
        run_id: str,
        partition: dict[str, str],
        prefix: str = "part",
    ) -> Iterator[pl.DataFrame]:
        """Write each of `frames` as its own file ``<prefix>-00000``, ... of run `run_id`,
        one writer thread behind the producer (Parquet encoding releases the GIL): yield
        each frame once its write is under way, the next frame computing meanwhile. A
        write's error is raised at the next frame, or at the end."""
        with ThreadPoolExecutor(1, thread_name_prefix="lake-writer") as writer:
            pending: Future[str] | None = None
            for i, frame in enumerate(frames):
                if pending is not None:
                    pending.result()
                pending = writer.submit(
                    self.write,
                    name,
                    frame,
                    run_id=run_id,
                    partition=partition,
                    part=f"{prefix}-{i:05d}",
                )
                yield frame
            if pending is not None:
                pending.result()

    def _write_file(self, arrow: pa.Table, directory: str, file_name: str, name: str) -> str:
        target = f"{directory}/{file_name}"
        options = _parquet_options(arrow.schema, self.compression)
        try:
            if self._local is None:
                # An object store shows an object whole once its upload completes: no rename.
                pq.write_table(arrow, target, filesystem=self.fs, **options)
                return target
            Path(directory).mkdir(parents=True, exist_ok=True)
            # The temp name does not end in .parquet, so no reader's glob ever picks it up.
            tmp = f"{directory}/{_TMP_PREFIX}{uuid.uuid4().hex}.parquet.partial"
            try:
                pq.write_table(arrow, tmp, **options)
                os.replace(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise LakeError(f"writing {name} to {target}: {exc}") from exc
        return target

    def write_text(self, relative: str, text: str) -> str:
        """Write a text file (a report page) at `relative` under the lake; return where.

        Each path part is checked like a run id, so nothing lands outside the lake; the
        file appears whole (temp file + rename locally, one object remotely).
        """
        parts = [check_name(p, "path part") for p in relative.split("/")]
        directory, name = self._p(*parts[:-1]), parts[-1]
        target = f"{directory}/{name}"
        try:
            if self._local is None:
                with self.fs.open_output_stream(target) as out:
                    out.write(text.encode())
                return f"{self.location}/{relative}"
            Path(directory).mkdir(parents=True, exist_ok=True)
            tmp = Path(directory) / f"{_TMP_PREFIX}{uuid.uuid4().hex}.partial"
            try:
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise LakeError(f"writing {target}: {exc}") from exc
        return target

    def _run_dirs(self, run_id: str, names: Iterable[str] = DATA_TABLES) -> list[str]:
        return self._dirs_of_runs({check_name(run_id, "run id")}, names)

    def _dirs_of_runs(self, run_ids: set[str], names: Iterable[str] = DATA_TABLES) -> list[str]:
        """The run directories of `run_ids` in tables `names`: one listing per table."""
        wanted = {f"run={r}" for r in run_ids}
        return [
            info.path
            for name in names
            for info in self._listing(self.path(name))
            if info.type == pafs.FileType.Directory and info.base_name in wanted
        ]

    def run_partitions(self, run_id: str) -> list[str]:
        """Return the directories run `run_id` wrote, relative to the lake root, sorted."""
        cut = len(self._base) + 1
        return sorted(d[cut:] for d in self._run_dirs(run_id))

    def clear_run(self, run_id: str) -> int:
        """Remove every data file run `run_id` wrote, in every table; return how many.

        A re-run of a run id starts here, so it replaces the first attempt whole: a source
        that is gone from the second attempt leaves nothing behind.
        """
        return self._remove_dirs(self._run_dirs(run_id, RUN_TABLES))

    def _remove_dirs(self, dirs: list[str]) -> int:
        removed = 0
        for d in dirs:
            removed += sum(1 for i in self._listing(d) if i.path.endswith(".parquet"))
            try:
                self.fs.delete_dir(d)
            except FileNotFoundError:  # another reaper got there first
                continue
        return removed

    # -- the run registry --------------------------------------------------------------
    def record_run(self, row: dict[str, Any]) -> None:
        """Write (replace) the registry row of run ``row['run_id']``: one atomic rename.

        This is the commit point of a run: readers see a run's rows once its row says
        ``completed``, and never before.
        """
        frame = pa.Table.from_pylist([row])
        arrow = conform(frame, table(_RUNS).schema, name=_RUNS)
        self._write_file(
            arrow, self._run_dir(table(_RUNS), row["run_id"], {}), "run.parquet", _RUNS
        )

    def _registry(self) -> pl.DataFrame:
        files = self.files(_RUNS)
        if not files:
            return pl.DataFrame(table(_RUNS).schema.empty_table())
        # One scan of every registry file (threads in Arrow), not one read per run.
        scanned = pads.dataset(
            files, schema=_nullable(table(_RUNS).schema), filesystem=self.fs, format="parquet"
        ).to_table()
        result = pl.from_arrow(scanned)
        assert isinstance(result, pl.DataFrame)
        return result

    def runs(self) -> pl.DataFrame:
        """Return the run registry, newest first, after marking dead local runs failed.

        A run whose process (on this host, in this pid namespace) is gone while its row
        still says ``running`` was killed: its row becomes ``failed`` and its data files are
        removed (no reader ever saw them).
        """
        frame = self._registry()
        host = host_id()
        dead = frame.filter(
            (pl.col("status") == "running")
            & (pl.col("host") == host)
            & pl.col("pid").is_not_null()
            & (pl.col("pid") != os.getpid())
        )
        reaped = 0
        for row in dead.iter_rows(named=True):
            if _pid_alive(int(row["pid"])):
                continue
            error = f"process {row['pid']} on {host} ended before the run finished (killed?)"
            reaped += self.transition(row, status="failed", error=error)
        if reaped:
            frame = self._registry()
        return frame.sort(["started", "run_id"], descending=True)

    def transition(self, seen: dict[str, Any], *, status: str, **changes: Any) -> bool:
        """Move run ``seen['run_id']`` to `status` if its row is still the one in `seen`
        (same status and attempt); a failed run's files are removed. Return whether it moved.

        The registry row is re-read just before the write, so a run that committed (or
        was re-run) since `seen` was read is left alone.
        """
        now = self.run(seen["run_id"])
        if now is None or now["status"] != seen["status"] or now["attempt"] != seen["attempt"]:
            return False
        self.record_run({**now, **changes, "status": status, "finished": datetime.now(UTC)})
        if status == "failed":
            self.clear_run(now["run_id"])
        return True

    def run(self, run_id: str) -> dict[str, Any] | None:
        """Return the registry row of `run_id`, or None."""
        run_dir = self._run_dir(table(_RUNS), run_id, {})
        files = [i.path for i in self._listing(run_dir) if _visible(i)]
        rows = self._read_files(_RUNS, files).to_dicts()
        return rows[0] if rows else None

    def remove_failed_runs(self, registry: pl.DataFrame | None = None) -> int:
        """Remove the data files of every failed run (their registry rows stay); return files.

        `registry` is `runs()` when the caller has just read it. Only runs that still have
        files are looked at again, each right before its files go, so a failed run id that
        someone is re-running now keeps its new files.
        """
        registry = self.runs() if registry is None else registry
        failed = set(registry.filter(pl.col("status") == "failed")["run_id"].to_list())
        dirs = self._dirs_of_runs(failed, RUN_TABLES) if failed else []
        left = {d.rsplit("run=", 1)[-1] for d in dirs}
        still = {r for r in left if (self.run(r) or {}).get("status") == "failed"}
        return self._remove_dirs([d for d in dirs if d.rsplit("run=", 1)[-1] in still])

    @contextmanager
    def lock(self, name: str, *, holder: str) -> Iterator[None]:
        """Hold the lake's lock `name` (a file lock under _locks/) for the block; waits for
        another holder. A remote lake has no lock: its writers must not overlap."""
        if self._local is None:
            yield
            return
        import fcntl

        path = self._local / "_locks" / f"{check_name(name, 'lock name')}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                handle.truncate()
                handle.write(f"{holder} pid {os.getpid()} on {host_id()}\n")
                handle.flush()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- reads -------------------------------------------------------------------------
    def files(self, name: str, *, run_id: str | None = None) -> list[str]:
        """Return the visible Parquet files of `name` (of one run if given; temps excluded)."""
        dirs = self._run_dirs(run_id, [name]) if run_id is not None else [self.path(name)]
        return sorted(i.path for d in dirs for i in self._listing(d) if _visible(i))

    def row_count(self, name: str, *, run_id: str) -> int:
        """Return how many rows run `run_id` wrote into `name` (from Parquet footers)."""
        total = 0
        for f in self.files(name, run_id=run_id):
            with self.fs.open_input_file(f) as handle:
                total += pq.ParquetFile(handle).metadata.num_rows
        return total

    def _read_files(self, name: str, files: list[str]) -> pl.DataFrame:
        schema = table(name).schema
        if not files:
            return pl.DataFrame(schema.empty_table())
        frames = [pq.read_table(f, filesystem=self.fs) for f in files]
        tables = [
            conform(t.select([c for c in t.column_names if c in schema.names]), schema, name=name)
            for t in frames
        ]
        result = pl.from_arrow(pa.concat_tables(tables))
        assert isinstance(result, pl.DataFrame)
        return result

    def lookup(self, name: str, column: str, values: Sequence[str]) -> pl.DataFrame:
        """Return the rows of `name`, of every run whatever its status, whose `column` is
        one of `values` (a durable table's lookups: answers paid for by a failed run count).
        The filter is pushed into the Parquet scan, so only matching row groups are read."""
        schema = table(name).schema
        files = self.files(name)
        if not files or not values:
            return pl.DataFrame(schema.empty_table())
        try:
            dataset = pads.dataset(files, schema=schema, filesystem=self.fs, format="parquet")
            arrow = dataset.to_table(filter=pc.field(column).isin(pa.array(list(values))))
        except (OSError, pa.ArrowInvalid) as exc:
            raise LakeError(f"looking up {name}.{column}: {exc}") from exc
        result = pl.from_arrow(conform(arrow, schema, name=name))
        assert isinstance(result, pl.DataFrame)
        return result

    def erase(self, name: str, where: pl.Expr) -> int:
        """Remove the rows of `name` matching `where` from every file of every run (a right
        to erasure: history included); return how many. Each file is rewritten whole under
        a temp name and renamed into place, so a reader sees it before or after, never torn.
        """
        removed = 0
        for path in self.files(name):
            try:
                arrow = pq.read_table(path, filesystem=self.fs)
            except (OSError, pa.ArrowInvalid) as exc:
                raise LakeError(f"erasing from {name}: cannot read {path}: {exc}") from exc
            frame = pl.from_arrow(arrow)
            assert isinstance(frame, pl.DataFrame)
            hit = frame.select(where.fill_null(False).alias("hit"))["hit"]
            if not hit.any():
                continue
            removed += int(hit.sum())
            kept = arrow.filter(pa.array((~hit).to_list(), pa.bool_()))
            directory, file_name = path.rsplit("/", 1)
            self._write_file(kept, directory, file_name, name)
        return removed

    def read(self, name: str, *, run_id: str | None = None) -> pl.DataFrame:
        """Return the rows of `name` as written, of one run (any status) or of every run.

        A stage reads its own run's uncommitted rows this way; analysts and other runs
        read `current` / `history`, which show completed runs only.
        """
        return self._read_files(name, self.files(name, run_id=run_id))

    def current(self, name: str) -> pl.DataFrame:
        """Return the current state of `name`: exactly what the analysts' view shows, in a
        stable order (by key for entity tables) so callers can rely on row positions."""
        tbl = table(name)
        keys = tbl.current.key if tbl.current.rule == "latest" else ()
        order = f" ORDER BY {', '.join(keys)}" if keys else ""
        return self.query(f"SELECT * FROM {tbl.name}{order}")

    def history(self, name: str) -> pl.DataFrame:
        """Return every completed run's rows of `name`."""
        return self.query(f"SELECT * FROM {table(name).name}_history")

    # -- DuckDB ------------------------------------------------------------------------
    def view_sql(
        self, *, style: str = "relative", listing: dict[str, list[str]] | None = None
    ) -> list[str]:
        """Return the statements that create every view.

        `style` says how a table's files are read: ``relative`` (read_parquet over paths
        relative to a local lake root), ``absolute`` (full URIs, for readers with DuckDB's
        httpfs), or ``registered`` (Arrow datasets that `connect` registers first).
        `listing` is each table's files when the caller has listed them already.
        """
        listing = listing if listing is not None else {n: self.files(n) for n in TABLES}
        as_of = f" AND finished <= {self._as_of_sql()}" if self.as_of else ""
        statements = [
            f"CREATE OR REPLACE VIEW runs AS {self._source(_RUNS, style, listing[_RUNS])}",
            "CREATE OR REPLACE VIEW completed_runs AS SELECT run_id, flow, parent_run_id, "
            "started, finished, row_number() OVER (ORDER BY finished, run_id) AS seq "
            f"FROM runs WHERE status = 'completed'{as_of}",
            f"COMMENT ON VIEW runs IS '{table(_RUNS).doc}'",
        ]
        for name in DATA_TABLES:
            tbl = table(name)
            statements.append(
                f"CREATE OR REPLACE VIEW {name}_history AS SELECT * FROM "
                f"({self._source(name, style, listing[name])}) "
                "WHERE run_id IN (SELECT run_id FROM completed_runs)"
            )
            statements.append(f"CREATE OR REPLACE VIEW {name} AS {self._current_sql(tbl)}")
            doc = tbl.doc.replace("'", "''")
            statements.append(f"COMMENT ON VIEW {name} IS '{doc}'")
        return statements

    def _source(self, name: str, style: str, files: list[str]) -> str:
        tbl = table(name)
        if not files:
            return _empty_relations()[name]
        if style == "registered":
            return f'SELECT * FROM "{_SOURCE_PREFIX}{name}"'
        where = tbl.path if style == "relative" else f"{self.location}/{tbl.path}"
        where = where.replace("'", "''")
        return (
            f"SELECT * FROM read_parquet('{where}/**/*.parquet', "
            "union_by_name = true, hive_partitioning = false)"
        )

    def _as_of_sql(self) -> str:
        return f"TIMESTAMPTZ '{self.as_of.isoformat()}'" if self.as_of else "now()"

    def _current_sql(self, tbl: Table) -> str:
        history, rule = f"{tbl.name}_history", tbl.current
        if rule.rule == "latest":
            keys = ", ".join(f"h.{k}" for k in rule.key)
            sql = (
                f"SELECT h.* FROM {history} h JOIN completed_runs c USING (run_id) "
                f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY c.seq DESC) = 1"
            )
            if "last_seen" in tbl.schema.names and tbl.name == "jobs":
                sql = (
                    f"SELECT *, last_seen >= {self._as_of_sql()} - INTERVAL {self.active_days} DAY "
                    "AND merged_into IS NULL AS active "
                    f"FROM ({sql})"
                )
            return sql
        if rule.rule == "flow":
            return (
                f"SELECT * FROM {history} WHERE run_id = (SELECT run_id FROM completed_runs "
                f"WHERE flow = '{rule.flow}' ORDER BY seq DESC LIMIT 1)"
            )
        if rule.rule == "per_flow":
            return (
                f"SELECT * FROM {history} WHERE run_id IN "
                "(SELECT arg_max(run_id, seq) FROM completed_runs GROUP BY flow)"
            )
        return f"SELECT * FROM {history}"

    def connect(self, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
        """Return a new DuckDB connection with every view.

        In memory, a local lake's views read absolute paths; the published database file
        reads paths relative to the lake (resolved through file_search_path). A remote
        lake's views read Arrow datasets over pyarrow's filesystem, registered here.
        """
        if self._local is not None:
            if not self._local.is_dir():
                raise LakeError(
                    f"no lake at {self._local}: run a flow into it first, or give --lake"
                )
            if database == ":memory:":
                con, style = duckdb.connect(database), "absolute"
            else:
                search: dict[str, str | bool | int | float | list[str]] = {
                    "file_search_path": str(self._local)
                }
                con, style = duckdb.connect(database, config=search), "relative"
        listing = {name: self.files(name) for name in TABLES}  # one listing per table
        if self._local is None:
            con, style = duckdb.connect(database), "registered"
            for name, files in listing.items():
                if files:
                    dataset = pads.dataset(
                        files,
                        schema=_nullable(table(name).schema),
                        filesystem=self.fs,
                        format="parquet",
                    )
                    con.register(f"{_SOURCE_PREFIX}{name}", dataset)
        try:
            # Parquet footers read once per connection, not once per query.
            con.execute("SET parquet_metadata_cache = true")
            for statement in self.view_sql(style=style, listing=listing):
                con.execute(statement)
        except Exception:
            con.close()
            raise
        return con

    def close(self) -> None:
        """Close the lake's cached DuckDB connection (queries open a new one when needed)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def publish_views(self) -> str:
        """Publish the views for analysts; return where.

        A local lake gets joblens.duckdb, written as a new file renamed into place: a reader
        holding the old file keeps reading it and never blocks a run. Its paths are relative
        to the lake, so a copied lake still opens: connect with
        ``config={"file_search_path": "<lake>"}`` or from inside the lake directory. A remote
        lake gets views.sql (the same views over full URIs, for DuckDB with httpfs);
        `joblens query` needs neither.
        """
        if self._local is None:
            return self.write_text("views.sql", ";\n".join(self.view_sql(style="absolute")) + ";\n")
        for stale in self._local.glob(f"{_TMP_PREFIX}*.duckdb.partial*"):
            # What a publisher killed mid-write left; a live one finishes in seconds.
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink(missing_ok=True)
        tmp = self._local / f"{_TMP_PREFIX}{uuid.uuid4().hex}.duckdb.partial"
        try:
            con = self.connect(str(tmp))
            try:
                # DuckDB writes the file at its checkpoint; on close it swallows a refused
                # write (a full disk) and would leave a file without views: checkpoint here,
                # where the error is raised.
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(tmp, self.duckdb_path)
        except (OSError, duckdb.Error) as exc:
            raise LakeError(f"publishing DuckDB views to {self.duckdb_path}: {exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
        return str(self.duckdb_path)

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Run `sql` (with `?` `params`) over the views and return a frame.

        The views live in an in-memory database: a query never locks any file. (DuckDB's
        COPY TO and ATTACH still write where they are told: this is a reader, not a sandbox.)
        """
        memo_key = self._memo_key(sql, params)
        if memo_key is not None and memo_key in self._memo:
            self._memo.move_to_end(memo_key)
            return self._memo[memo_key].clone()  # a caller's in-place change stays its own
        if self._con is None or self.as_of is None:
            # A lake read as of a moment keeps one connection (its state cannot change); an
            # analyst's lake sees every commit, so each query builds the views anew.
            self.close()
            self._con = self.connect()
        try:
            relation = self._con.sql(sql, params=params)
            result = (
                pl.DataFrame() if relation is None else pl.from_arrow(relation.to_arrow_table())
            )
        except duckdb.Error as exc:
            raise LakeError(str(exc).strip().splitlines()[0]) from exc
        finally:
            if self.as_of is None:
                self.close()
        assert isinstance(result, pl.DataFrame)
        # DuckDB names the zone of its session ("Etc/UTC"); the lake's frames say "UTC".
        zoned = [
            c
            for c, t in result.schema.items()
            if isinstance(t, pl.Datetime) and t.time_zone not in (None, "UTC")
        ]
        result = result.with_columns(pl.col(zoned).dt.convert_time_zone("UTC")) if zoned else result
        if memo_key is not None:
            self._memo[memo_key] = result.clone()
            while len(self._memo) > _MEMO_QUERIES:
                self._memo.popitem(last=False)
        return result

    def _memo_key(self, sql: str, params: list[Any] | None) -> tuple[str, str] | None:
        """The key a query's answer is remembered by, or None where it must run: only a lake
        read as of a moment remembers (its state cannot change, so the same SELECT gives the
        same rows; a run that asks again after merging duplicates pays nothing twice)."""
        first = sql.split(None, 1)[0].upper() if sql.strip() else ""
        if self.as_of is None or first not in ("SELECT", "WITH"):
            return None
        return sql, repr(params)
