"""A batch job: map every line of JSONL or Parquet files to ESCO skills or occupations, into shards.

>>> job = BatchJob("skills", input_files(["outcomes/"]), Path("out/"), MatcherSpec(data_dir))  # doctest: +SKIP
>>> run_local(job)                      # one matcher in this process             # doctest: +SKIP
>>> with ray_cluster(None, workers=2):  # or an existing cluster's address        # doctest: +SKIP
...     run_on_ray(job, workers=2)      # one matcher per actor, loaded once

Both give the same shard files (``shards``); each holds the records ``skillmatch map-skills``
writes for its lines. A rerun maps only the shards whose file is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from skillmatch.batch.lines import read_lines
from skillmatch.batch.mapping import Kind, MatcherSpec, map_lines
from skillmatch.batch.shards import SHARD_LINES, Shard, ShardFolder, plan_shards
from skillmatch.errors import InputError
from skillmatch.matching import Matcher

#: ``progress(lines done, lines to do)``.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchJob:
    """What to map (``kind``, the input files), where to, and with which matcher."""

    kind: Kind
    inputs: Sequence[Path]
    output: Path
    matcher: MatcherSpec
    top_k: int = 10
    shard_lines: int = SHARD_LINES

    def folder(self) -> ShardFolder:
        """The output folder, checked to hold only shards mapped as this job maps them."""
        return ShardFolder(self.output, {"kind": self.kind, "top_k": self.top_k, "encoder": self.matcher.encoder,
                                         "shard_lines": self.shard_lines}).open()

    def pending(self, folder: ShardFolder) -> tuple[list[Shard], int]:
        """The shards still to map, and how many are written already."""
        shards = [shard for source in self.inputs for shard in plan_shards(source, read_lines(source),
                                                                           self.shard_lines)]
        todo = [shard for shard in shards if not folder.done(shard)]
        return todo, len(shards) - len(todo)


@dataclass
class BatchReport:
    """What a run did: shards written now and before, lines mapped, and the lines that had errors."""

    written: int = 0
    skipped: int = 0
    lines: int = 0
    errors: list[tuple[str, int, str]] = field(default_factory=list)  # (input file, line, why)

    def add(self, result: ShardResult) -> None:
        self.written += 1
        self.lines += len(result.records)
        self.errors.extend((result.source, number, why) for number, why in result.errors)


@dataclass(frozen=True)
class ShardResult:
    """A shard mapped: its records in line order and the lines that could not be mapped."""

    name: str
    source: str
    records: list[dict]
    errors: list[tuple[int, str]]


def map_shard(matcher: Matcher, job: BatchJob, shard: Shard) -> ShardResult:
    mapped = map_lines(matcher, job.kind, shard.lines, top_k=job.top_k)
    return ShardResult(shard.name, str(shard.source), [m.record for m in mapped],
                       [(m.line.number, m.error) for m in mapped if m.error is not None])


def run_local(job: BatchJob, *, matcher: Matcher | None = None, progress: Progress | None = None) -> BatchReport:
    """The job in this process, with ``matcher`` (default: the job's, opened when there is work)."""
    folder = job.folder()
    todo, skipped = job.pending(folder)
    report = BatchReport(skipped=skipped)
    if not todo:
        return report
    matcher = matcher or job.matcher.open()
    total = sum(len(shard.lines) for shard in todo)
    for shard in todo:
        result = map_shard(matcher, job, shard)
        folder.write(result.name, result.records)
        report.add(result)
        if progress:
            progress(report.lines, total)
    return report


class ShardMapper:
    """A Ray Data actor: one matcher, loaded once, maps each shard it is given."""

    def __init__(self, job: BatchJob) -> None:
        self.job = job
        self.matcher = job.matcher.open()

    def __call__(self, batch: dict) -> dict:
        results = [map_shard(self.matcher, self.job, Shard.from_json(text)) for text in batch["shard"]]
        return {"result": [json.dumps(asdict(result), ensure_ascii=False) for result in results]}


def run_on_ray(job: BatchJob, *, workers: int = 2, mapper: type[ShardMapper] = ShardMapper,
               progress: Progress | None = None) -> BatchReport:
    """The job on the connected Ray cluster (see ``cluster.ray_cluster``): shards go through Ray
    Data to a pool of ``workers`` ``mapper`` actors, one CPU each. Ray restarts an actor that dies
    and gives its shard to a live one; this process writes each shard as it comes back."""
    if workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    import ray.data

    # This process shows the job's progress (lines mapped); Ray Data's own bars would repeat it.
    ray.data.DataContext.get_current().enable_progress_bars = False
    folder = job.folder()
    todo, skipped = job.pending(folder)
    report = BatchReport(skipped=skipped)
    if not todo:
        return report
    total = sum(len(shard.lines) for shard in todo)
    shards = ray.data.from_items([{"shard": shard.to_json()} for shard in todo], override_num_blocks=len(todo))
    mapped = shards.map_batches(mapper, fn_constructor_kwargs={"job": job}, batch_size=1, num_cpus=1,
                                compute=ray.data.ActorPoolStrategy(size=workers))
    for row in mapped.iter_rows():
        data = json.loads(row["result"])
        result = ShardResult(data["name"], data["source"], data["records"], [tuple(e) for e in data["errors"]])
        folder.write(result.name, result.records)
        report.add(result)
        if progress:
            progress(report.lines, total)
    return report
