"""Batch jobs (``skillmatch.batch``): the records of ``skillmatch map-skills``, in shards, in this
process and on a local Ray cluster (2 CPUs, loopback only), resumed, and with a worker that dies."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillmatch.batch.job import BatchJob, BatchReport, ShardMapper, run_local, run_on_ray
from skillmatch.batch.lines import input_files, read_lines
from skillmatch.batch.mapping import MatcherSpec
from skillmatch.batch.shards import plan_shards
from skillmatch.cli import app
from skillmatch.config import Settings
from skillmatch.errors import InputError
from skillmatch.matching import Matcher
from tests.conftest import SHARED

ray = pytest.importorskip("ray")
BENCHMARKS = SHARED / "benchmarks"
#: Shards of 64 mappable lines: the 200 texts make four, the last one short.
SHARD = 64


def _texts() -> list[dict]:
    """About 200 real texts: microcredential outcome blocks, then skill phrases from job ads."""
    rows = []
    for name in ("learning_outcomes_dev.jsonl", "skills_house_val.jsonl", "skills_tech_val.jsonl",
                 "skills_skillskape_dev.jsonl"):
        with (BENCHMARKS / name).open(encoding="utf-8") as handle:
            rows += [{"id": f"{name}:{i}", "text": json.loads(line)["text"]} for i, line in enumerate(handle)]
    return rows[:200]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One JSONL file of the texts, with an invalid line and an empty text among them."""
    lines = [json.dumps(row, ensure_ascii=False) for row in _texts()]
    lines[70:70] = ["{not json", json.dumps({"id": "empty", "text": "  "})]
    path = tmp_path_factory.mktemp("batch") / "outcomes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def expected(inputs: Path, esco_matcher: Matcher) -> list[dict]:
    """What ``skillmatch map-skills`` writes for the inputs."""
    output = inputs.with_name("map-skills.jsonl")
    result = CliRunner().invoke(app, ["map-skills", "--input", str(inputs), "--output", str(output)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def job(inputs: Path, output: Path) -> BatchJob:
    return BatchJob("skills", [inputs], output, MatcherSpec(Settings().data_dir), shard_lines=SHARD)


def records(output: Path) -> list[dict]:
    """The shards' records in input order (shard files sort by input file, then number)."""
    return [json.loads(line) for shard in sorted(output.glob("*.jsonl")) for line in shard.read_text().splitlines()]


def test_shards_hold_whole_batches_and_the_bad_lines_between(inputs: Path) -> None:
    shards = list(plan_shards(inputs, read_lines(inputs), SHARD))
    assert [sum(line.error is None for line in shard.lines) for shard in shards] == [64, 64, 64, 9]
    assert sum(len(shard.lines) for shard in shards) == 202
    assert len({shard.name for shard in shards}) == 4
    with pytest.raises(InputError, match="multiple of 32"):
        list(plan_shards(inputs, read_lines(inputs), 50))


def test_inputs_as_folders_globs_and_parquet(inputs: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in inputs.read_text().splitlines()[:5]]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "part-0.parquet")
    (tmp_path / "more.jsonl").write_text(inputs.read_text())
    assert input_files([tmp_path]) == [tmp_path / "more.jsonl", tmp_path / "part-0.parquet"]
    assert input_files([str(tmp_path / "*.parquet")]) == [tmp_path / "part-0.parquet"]
    assert [line.text for line in read_lines(tmp_path / "part-0.parquet")] == [row["text"] for row in rows]
    with pytest.raises(InputError, match="no such file"):
        input_files([tmp_path / "missing.jsonl"])


def test_local_run_writes_the_records_of_map_skills_and_resumes(inputs: Path, expected: list[dict],
                                                                  esco_matcher: Matcher, tmp_path: Path) -> None:
    report = run_local(job(inputs, tmp_path), matcher=esco_matcher)
    assert (report.written, report.skipped, report.lines) == (4, 0, 202)
    assert [(line, why[:12]) for _source, line, why in report.errors] == [(71, "invalid JSON"), (72, "empty text: ")]
    assert records(tmp_path) == expected

    shards = sorted(tmp_path.glob("*.jsonl"))
    shards[2].unlink()
    before = {shard: shard.stat().st_mtime_ns for shard in shards if shard.exists()}
    again = run_local(job(inputs, tmp_path), matcher=esco_matcher)
    assert (again.written, again.skipped) == (1, 3)
    assert {shard: shard.stat().st_mtime_ns for shard in before} == before
    assert records(tmp_path) == expected
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_folder_of_another_job_is_refused(inputs: Path, esco_matcher: Matcher, tmp_path: Path) -> None:
    run_local(job(inputs, tmp_path), matcher=esco_matcher)
    other = BatchJob("skills", [inputs], tmp_path, MatcherSpec(Settings().data_dir), top_k=3, shard_lines=SHARD)
    with pytest.raises(InputError, match="shards of another job"):
        run_local(other, matcher=esco_matcher)


def test_ray_run_writes_the_records_of_map_skills(inputs: Path, expected: list[dict], ray_local: None,
                                                  tmp_path: Path) -> None:
    report = run_on_ray(job(inputs, tmp_path), workers=2)
    assert (report.written, report.lines, len(report.errors)) == (4, 202, 2)
    assert records(tmp_path) == expected


class DiesOnce(ShardMapper):
    """A worker whose process exits in the middle of its first shard, once in the whole job."""

    def __call__(self, batch: dict) -> dict:
        marker = self.job.output / "died"
        if not marker.exists():
            marker.touch()
            os._exit(1)
        return super().__call__(batch)


def test_a_worker_that_dies_mid_job_loses_and_repeats_nothing(inputs: Path, expected: list[dict], ray_local: None,
                                                              tmp_path: Path) -> None:
    output = tmp_path / "out"
    report: BatchReport = run_on_ray(job(inputs, output), workers=2, mapper=DiesOnce)
    assert (output / "died").exists()
    assert report.written == 4
    assert records(output) == expected


def test_batch_command_maps_then_skips_what_is_written(inputs: Path, expected: list[dict], tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(inputs.read_text().splitlines(keepends=True)[:64]))
    args = ["batch", "map-skills", "--input", str(source), "--output", str(tmp_path / "out")]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "mapped 64 lines into 1 shards" in first.output.replace("\n", "")
    assert records(tmp_path / "out") == expected[:64]  # whole batches: the same neighbours
    again = CliRunner().invoke(app, args)
    assert "1 shards were there already" in again.output.replace("\n", "")
