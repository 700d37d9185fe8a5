from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from joblens.errors import LakeError
from joblens.lake import Lake
from joblens.schemas import TABLES


def _stats(run_id: str, rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "run_id": [run_id] * rows,
            "stage": [f"s{i}" for i in range(rows)],
            "rows_in": list(range(rows)),
        }
    )


def test_write_is_hive_partitioned_zstd_and_conformed(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    path = lake.write("run_stats", _stats("r1", 3), run_id="r1", partition={"dt": "2026-11-23"})
    assert path == tmp_path / "gold/run_stats/dt=2026-11-23/r1.parquet"
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    # Missing columns exist as nulls with the catalog's types.
    assert pq.read_schema(path).equals(TABLES["run_stats"].schema)
    frame = lake.read("run_stats")
    assert frame.height == 3
    assert frame["dt"].to_list() == ["2026-11-23"] * 3
    assert frame["seconds"].null_count() == 3


def test_rerunning_a_run_id_replaces_instead_of_duplicating(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    part = {"dt": "2026-11-23"}
    lake.write("run_stats", _stats("r1", 3), run_id="r1", partition=part)
    lake.write("run_stats", _stats("r1", 2), run_id="r1", partition=part)
    lake.write("run_stats", _stats("r2", 4), run_id="r2", partition=part)
    assert lake.read("run_stats", run_id="r1").height == 2
    assert lake.read("run_stats").height == 6


def test_parts_of_one_run_coexist_and_clear_together(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    part = {"dt": "2026-11-23"}
    lake.write("run_stats", _stats("r1", 1), run_id="r1", partition=part, part="greenhouse")
    lake.write("run_stats", _stats("r1", 2), run_id="r1", partition=part, part="lever")
    lake.write("run_stats", _stats("r10", 5), run_id="r10", partition=part)
    assert lake.read("run_stats", run_id="r1").height == 3
    assert lake.clear_run("run_stats", run_id="r1", partition=part) == 2
    assert lake.read("run_stats").height == 5  # r10 is not r1's part


def test_partial_temp_files_are_invisible_to_readers(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    part = {"dt": "2026-11-23"}
    lake.write("run_stats", _stats("r1", 2), run_id="r1", partition=part)
    # What a killed writer leaves behind: a half-written temp file next to the real one.
    (tmp_path / "gold/run_stats/dt=2026-11-23/.tmp-dead.parquet.partial").write_bytes(b"PAR1 junk")
    assert lake.read("run_stats").height == 2
    lake.refresh_views()
    assert lake.query("SELECT count(*) AS n FROM run_stats")["n"][0] == 2


def test_matches_are_written_in_parts_under_their_run(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    frame = pl.DataFrame({"candidate_id": ["c1"], "job_id": ["j1"], "rank": [1], "score": [0.5]})
    p0 = lake.write("matches", frame, run_id="r1", partition={"dt": "2026-11-23"}, part=0)
    p1 = lake.write("matches", frame, run_id="r1", partition={"dt": "2026-11-23"}, part=1)
    assert p0.parent == tmp_path / "gold/matches/dt=2026-11-23/run=r1"
    assert {p0.name, p1.name} == {"part-00000.parquet", "part-00001.parquet"}
    assert lake.read("matches")["run"].to_list() == ["r1", "r1"]


def test_duckdb_views_cover_every_written_table(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("run_stats", _stats("r1", 2), run_id="r1", partition={"dt": "2026-11-23"})
    lake.write(
        "quarantine",
        pl.DataFrame({"run_id": ["r1"], "reason": ["empty title"]}),
        run_id="r1",
        partition={"stage": "normalize", "dt": "2026-11-23"},
    )
    db = lake.refresh_views()
    con = duckdb.connect(str(db), read_only=True)
    views = {
        r[0]
        for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    assert {"run_stats", "quarantine"} <= views
    assert con.execute("SELECT stage, reason FROM quarantine").fetchall() == [
        ("normalize", "empty title")
    ]
    con.close()


def test_bad_partitions_and_remote_roots_fail_clearly(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with pytest.raises(LakeError, match="missing"):
        lake.write("run_stats", _stats("r1", 1), run_id="r1", partition={})
    with pytest.raises(LakeError, match="bad partition value"):
        lake.write("run_stats", _stats("r1", 1), run_id="r1", partition={"dt": "../x"})
    with pytest.raises(LakeError, match="only local paths"):
        Lake("s3://bucket/lake")
    with pytest.raises(KeyError, match="known"):
        lake.read("nope")


def test_reading_an_empty_table_gives_its_schema(tmp_path: Path) -> None:
    frame = Lake(tmp_path).read("matches")
    assert frame.height == 0
    assert "candidate_id" in frame.columns
