"""The only module that touches the lake: paths, atomic partition writes, reads, DuckDB views.

Layout (see schemas.TABLES): ``<root>/<layer>/<table>/<k>=<v>/.../<run_id>.parquet``; gold/matches
is written in parts: ``gold/matches/dt=<d>/run=<run_id>/part-00000.parquet``.

Writes go to a hidden temp file in the target directory and are renamed into place, so a
reader never sees a partial file and a killed run leaves only ``.tmp-*.partial`` files that
no reader picks up.
Writing the same run id again replaces that run's file in the partition: no duplicate rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from joblens.errors import LakeError
from joblens.schemas import TABLES, Table, conform, table

__all__ = ["Lake", "connect_index"]

_TMP_PREFIX = ".tmp-"


def _file_name(tbl: Table, run_id: str, part: str | int | None) -> str:
    if "run" in tbl.partitions:
        if isinstance(part, str):
            return f"part-{part}.parquet"
        return f"part-{part or 0:05d}.parquet"
    if part is None:
        return f"{run_id}.parquet"
    return f"{run_id}-{part}.parquet"


def connect_index(index_dir: str | os.PathLike[str]) -> Any:
    """Return a LanceDB connection to `index_dir` (created if missing): the lake's _index/.

    Job vectors (dedupe.JobIndex) and the embedding cache (embed.EmbeddingCache) open their
    tables through this, so the lake stays the one place that decides where bytes live.
    """
    import lancedb  # imported here: reading Parquet should not pay for LanceDB

    path = Path(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    return lancedb.connect(str(path))


class Lake:
    """A hive-partitioned Parquet lake rooted at a local directory."""

    def __init__(self, root: str | os.PathLike[str], *, compression: str = "zstd") -> None:
        text = os.fspath(root)
        if "://" in text and not text.startswith("file://"):
            # Remote URIs are a planned deployment mode; refuse clearly rather than half-work.
            raise LakeError(f"lake root {text!r}: only local paths are supported so far")
        self.root = Path(text.removeprefix("file://")).resolve()
        self.compression = compression

    # -- paths -------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        """Return the directory of table `name`."""
        return self.root / table(name).path

    @property
    def duckdb_path(self) -> Path:
        return self.root / "joblens.duckdb"

    @property
    def index_dir(self) -> Path:
        """Directory of the LanceDB tables (job vectors, embedding cache)."""
        d = self.root / "_index"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def _partition_dir(self, tbl: Table, values: dict[str, str]) -> Path:
        missing = [p for p in tbl.partitions if p != "run" and p not in values]
        if missing:
            raise LakeError(
                f"table {tbl.name!r} is partitioned by {tbl.partitions}; missing {missing}"
            )
        d = self.root / tbl.path
        for key in tbl.partitions:
            value = values[key]
            if not value or "/" in value or value.startswith("."):
                raise LakeError(f"bad partition value {key}={value!r} for table {tbl.name!r}")
            d = d / f"{key}={value}"
        return d

    # -- writes ------------------------------------------------------------------------
    def write(
        self,
        name: str,
        data: pa.Table | pl.DataFrame,
        *,
        run_id: str,
        partition: dict[str, str],
        part: str | int | None = None,
    ) -> Path:
        """Write `data` as one file of run `run_id` in `partition`; return its path.

        The data is conformed to the table's schema (missing columns become nulls, extra
        ones are dropped) and every row's run_id is set to `run_id`. The file is
        ``<run_id>.parquet``, or ``<run_id>-<part>.parquet`` when a run writes several files
        into one partition (one per source, say); tables partitioned by run get
        ``part-<part>.parquet``. An existing file of that name is replaced atomically, so
        re-running a run id never duplicates rows.
        """
        tbl = table(name)
        values = dict(partition)
        if "run" in tbl.partitions:
            values["run"] = run_id
        arrow = data.to_arrow() if isinstance(data, pl.DataFrame) else data
        if "run_id" in tbl.schema.names:
            # A run's file holds only that run's rows: stamp them, whatever the caller passed.
            if "run_id" in arrow.column_names:
                arrow = arrow.drop_columns(["run_id"])
            arrow = arrow.append_column("run_id", pa.array([run_id] * arrow.num_rows, pa.string()))
        arrow = conform(arrow, tbl.schema)
        target_dir = self._partition_dir(tbl, values)
        target = target_dir / _file_name(tbl, run_id, part)
        target_dir.mkdir(parents=True, exist_ok=True)
        # The temp name does not end in .parquet, so no reader's glob ever picks it up.
        tmp = target_dir / f"{_TMP_PREFIX}{uuid.uuid4().hex}.parquet.partial"
        try:
            pq.write_table(arrow, tmp, compression=self.compression)
            os.replace(tmp, target)
        except Exception as exc:
            tmp.unlink(missing_ok=True)
            raise LakeError(f"writing {name} to {target}: {exc}") from exc
        return target

    def clear_run(self, name: str, *, run_id: str, partition: dict[str, str]) -> int:
        """Remove every file run `run_id` wrote into `partition` of `name`; return how many."""
        tbl = table(name)
        values = dict(partition, run=run_id) if "run" in tbl.partitions else dict(partition)
        target_dir = self._partition_dir(tbl, values)
        if not target_dir.exists():
            return 0
        if "run" in tbl.partitions:
            n = len(list(target_dir.glob("*.parquet")))
            shutil.rmtree(target_dir)
            return n
        victims = [target_dir / f"{run_id}.parquet", *target_dir.glob(f"{run_id}-*.parquet")]
        removed = 0
        for path in victims:
            if path.exists():
                path.unlink()
                removed += 1
        return removed

    # -- reads -------------------------------------------------------------------------
    def files(self, name: str) -> list[Path]:
        """Return the visible Parquet files of table `name` (temp files excluded)."""
        base = self.path(name)
        if not base.exists():
            return []
        return sorted(base.rglob("*.parquet"))

    def scan(self, name: str) -> pl.LazyFrame:
        """Return a lazy frame over every file of `name`, with hive partition columns."""
        files = self.files(name)
        if not files:
            empty = pl.DataFrame(table(name).schema.empty_table())
            return empty.with_columns(
                pl.lit(None, pl.String).alias(p) for p in table(name).partitions
            ).lazy()
        return pl.scan_parquet(
            [str(f) for f in files], hive_partitioning=True, hive_schema=self._hive_schema(name)
        )

    def read(self, name: str, *, run_id: str | None = None) -> pl.DataFrame:
        """Return table `name` (optionally only run `run_id`) as a Polars frame."""
        lf = self.scan(name)
        if run_id is not None:
            lf = lf.filter(pl.col("run_id") == run_id)
        return lf.collect()

    def _hive_schema(self, name: str) -> dict[str, Any]:
        return {p: pl.String for p in table(name).partitions}

    # -- DuckDB ------------------------------------------------------------------------
    def refresh_views(self, names: Iterable[str] | None = None) -> Path:
        """(Re)create one DuckDB view per table that has files; return the database path."""
        self.root.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.duckdb_path))
        try:
            for name in names or TABLES:
                tbl = table(name)
                if not self.files(name):
                    continue
                glob = str(self.root / tbl.path / "**" / "*.parquet")
                con.execute(
                    f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet("
                    f"'{glob}', hive_partitioning = true, union_by_name = true)"
                )
        finally:
            con.close()
        return self.duckdb_path

    def query(self, sql: str) -> pl.DataFrame:
        """Run `sql` against the lake's DuckDB views (read-only) and return a Polars frame."""
        con = duckdb.connect(str(self.duckdb_path), read_only=True)
        try:
            result = pl.from_arrow(con.sql(sql).to_arrow_table())
            assert isinstance(result, pl.DataFrame)
            return result
        finally:
            con.close()
