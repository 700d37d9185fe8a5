"""The lake: run directories, schema checks on write, the registry, and the analysts' views."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from joblens.errors import LakeError, SchemaError
from joblens.lake import Lake
from joblens.schemas import TABLES

DT = {"dt": "2026-11-23"}


def _stats(rows: int, stage: str = "s") -> pl.DataFrame:
    return pl.DataFrame(
        {"stage": [f"{stage}{i}" for i in range(rows)], "rows_in": list(range(rows))}
    )


def _commit(lake: Lake, run_id: str, flow: str = "score", status: str = "completed") -> None:
    now = datetime.now(UTC)
    lake.record_run(
        {"run_id": run_id, "flow": flow, "status": status, "started": now, "finished": now}
    )


def test_write_lands_in_the_run_directory_zstd_with_the_exact_schema(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    path = lake.write("run_stats", _stats(3), run_id="r1", partition=DT)
    assert path == str(tmp_path / "gold/run_stats/dt=2026-11-23/run=r1/data.parquet")
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_schema(path).equals(TABLES["run_stats"].schema)
    frame = lake.read("run_stats", run_id="r1")
    assert frame["run_id"].to_list() == ["r1"] * 3  # stamped by the lake
    assert frame["seconds"].null_count() == 3  # an optional column left out is null


def test_writes_fail_on_unknown_or_missing_required_columns(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with pytest.raises(SchemaError, match=r"unknown columns \['stge'\]"):
        lake.write("run_stats", pl.DataFrame({"stge": ["x"]}), run_id="r1", partition=DT)
    with pytest.raises(SchemaError, match="required column 'job_id' is missing"):
        lake.write("jobs", pl.DataFrame({"title": ["x"]}), run_id="r1", partition=DT)
    with pytest.raises(SchemaError, match="'candidate_id' has 1 null"):
        lake.write(
            "candidates", pl.DataFrame({"candidate_id": [None, "a"]}), run_id="r1", partition=DT
        )
    assert lake.files("run_stats") == [] and lake.files("jobs") == []


def test_parts_are_written_one_file_each_behind_the_producer(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    frames = [_stats(2, "a"), _stats(3, "b")]
    seen = list(lake.write_parts("run_stats", iter(frames), run_id="r1", partition=DT, prefix="p7"))
    assert [f.height for f in seen] == [2, 3]
    names = sorted(Path(f).name for f in lake.files("run_stats"))
    assert names == ["p7-00000.parquet", "p7-00001.parquet"]
    assert lake.read("run_stats", run_id="r1").height == 5
    # A frame the schema refuses stops the stream with the lake's error, at the next frame
    # or at the end; what was written before it stays a whole file.
    bad = [_stats(1), pl.DataFrame({"stge": ["x"]}), _stats(1)]
    with pytest.raises(SchemaError, match="unknown columns"):
        list(lake.write_parts("run_stats", iter(bad), run_id="r2", partition=DT))
    assert [Path(f).name for f in lake.files("run_stats") if "run=r2" in f] == [
        "part-00000.parquet"
    ]


def test_clear_run_removes_a_run_whole_and_only_that_run(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.write("run_stats", _stats(1), run_id="r1", partition=DT, part="greenhouse")
    lake.write("run_stats", _stats(2), run_id="r1", partition={"dt": "2026-11-24"}, part="lever")
    lake.write(
        "quarantine",
        pl.DataFrame({"reason": ["x"]}),
        run_id="r1",
        partition={"stage": "normalize", **DT},
    )
    lake.write("run_stats", _stats(5), run_id="r10", partition=DT)
    assert lake.read("run_stats", run_id="r1").height == 3
    assert lake.clear_run("r1") == 3
    assert lake.read("run_stats", run_id="r1").height == 0
    assert lake.read("quarantine").height == 0
    assert lake.read("run_stats").height == 5  # r10 is not r1's part


def test_partial_temp_files_are_invisible_to_readers(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    path = Path(lake.write("run_stats", _stats(2), run_id="r1", partition=DT))
    _commit(lake, "r1")
    # What a killed writer leaves behind: a half-written temp file next to the real one.
    (path.parent / ".tmp-dead.parquet.partial").write_bytes(b"PAR1 junk")
    assert lake.read("run_stats").height == 2
    assert lake.query("SELECT count(*) AS n FROM run_stats")["n"][0] == 2


def test_views_show_completed_runs_only_and_the_current_state(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    seen = datetime(2026, 9, 1, tzinfo=UTC)  # older than 30 days
    for run_id, title in (("r1", "old title"), ("r2", "new title"), ("r3", "running title")):
        jobs = pl.DataFrame(
            {
                "job_id": ["j1", "j2"],
                "title": [title, "other"],
                "first_seen": [seen] * 2,
                "last_seen": [seen] * 2,
            }
        )
        lake.write("jobs", jobs, run_id=run_id, partition=DT)
        lake.write(
            "matches",
            pl.DataFrame({"candidate_id": ["c"], "job_id": ["j1"], "rank": [1]}),
            run_id=run_id,
            partition=DT,
        )
    _commit(lake, "r1")
    _commit(lake, "r2")
    _commit(lake, "r3", status="running")
    jobs = lake.current("jobs").sort("job_id")
    assert jobs["title"].to_list() == ["new title", "other"]  # latest completed version per id
    assert set(jobs["run_id"]) == {"r2"}
    assert lake.history("jobs").height == 4  # r1 and r2, never the running r3
    assert set(lake.current("matches")["run_id"]) == {"r2"}
    assert set(lake.query("SELECT status FROM runs")["status"]) == {"completed", "running"}
    # `active`: seen within lake.active_days of now.
    assert not jobs["active"].any()
    assert Lake(tmp_path, active_days=100_000).current("jobs")["active"].all()


def test_published_views_survive_a_reader_and_a_copied_lake(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    lake.write("run_stats", _stats(2), run_id="r1", partition=DT)
    _commit(lake, "r1")
    db = lake.publish_views()
    reader = duckdb.connect(str(db), read_only=True, config={"file_search_path": str(lake.root)})
    assert reader.sql("SELECT count(*) FROM run_stats").fetchall() == [(2,)]
    # An analyst keeps the file open while the next run commits and republishes.
    lake.write("run_stats", _stats(3), run_id="r2", partition=DT)
    _commit(lake, "r2", flow="ingest-jobs")
    lake.publish_views()
    reader.close()
    # Paths in the views are relative: a copy of the lake reads its own files.
    copy = tmp_path / "copy"
    shutil.copytree(lake.root, copy)
    shutil.rmtree(lake.root)
    con = duckdb.connect(
        str(copy / "joblens.duckdb"), read_only=True, config={"file_search_path": str(copy)}
    )
    assert con.sql("SELECT count(*) FROM run_stats").fetchall() == [(5,)]
    docs = con.sql("SELECT comment FROM duckdb_views() WHERE view_name = 'jobs'").fetchall()[0]
    assert docs is not None and "active" in docs[0]
    con.close()


def test_every_view_exists_and_is_typed_on_an_empty_lake(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    for name in TABLES:
        frame = lake.query(f"SELECT * FROM {name}")
        assert frame.height == 0
        assert set(TABLES[name].schema.names) <= set(frame.columns), name


def test_a_run_whose_process_died_is_marked_failed_and_its_files_removed(tmp_path: Path) -> None:
    from joblens.lake import host_id

    lake = Lake(tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lake.write("run_stats", _stats(2), run_id="killed", partition=DT)
    lake.record_run(
        {
            "run_id": "killed",
            "flow": "ingest-jobs",
            "status": "running",
            "started": datetime.now(UTC),
            "host": host_id(),
            "pid": int(dead.stdout),
        }
    )
    runs = lake.runs()
    row = runs.row(0, named=True)
    assert (row["run_id"], row["status"]) == ("killed", "failed")
    assert "ended before the run finished" in row["error"]
    assert lake.files("run_stats") == []


def test_paths_stay_inside_the_lake_and_remote_roots_fail_clearly(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with pytest.raises(LakeError, match="missing"):
        lake.write("run_stats", _stats(1), run_id="r1", partition={})
    with pytest.raises(LakeError, match="bad partition value"):
        lake.write("run_stats", _stats(1), run_id="r1", partition={"dt": "../x"})
    with pytest.raises(LakeError, match="bad run id"):
        lake.write("run_stats", _stats(1), run_id="../../x", partition=DT)
    with pytest.raises(LakeError, match="bad file part"):
        lake.write("run_stats", _stats(1), run_id="r1", partition=DT, part="../x")
    with pytest.raises(LakeError, match="cannot open it"):
        Lake("nosuchscheme://bucket/lake")
    with pytest.raises(KeyError, match="known"):
        lake.read("nope")
    assert list(tmp_path.iterdir()) == []


def test_bad_sql_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(LakeError) as err:
        Lake(tmp_path).query("SELEC nope")
    assert "\n" not in str(err.value) and "syntax" in str(err.value).lower()


def test_a_lake_read_as_of_a_moment_answers_alike_while_others_commit(tmp_path: Path) -> None:
    # A run reads the lake as of its start; asking again (the vector pass re-resolves its
    # postings) must not see a run that committed meanwhile, while an analyst's lake does.
    writer = Lake(tmp_path)
    writer.write("run_stats", _stats(2), run_id="r1", partition=DT)
    _commit(writer, "r1")
    pinned = Lake(tmp_path, as_of=datetime.now(UTC))
    sql = "SELECT stage FROM run_stats ORDER BY stage"
    first = pinned.query(sql)
    first.insert_column(0, pl.Series("mine", [1, 2]))  # a caller's change stays its own
    writer.write("run_stats", _stats(3, stage="t"), run_id="r2", partition=DT)
    _commit(writer, "r2")
    assert pinned.query(sql).to_dicts() == [{"stage": "s0"}, {"stage": "s1"}]
    assert pinned.query("SELECT count(*) AS n FROM run_stats_history").item() == 2
    assert Lake(tmp_path).query("SELECT count(*) AS n FROM run_stats_history").item() == 5
