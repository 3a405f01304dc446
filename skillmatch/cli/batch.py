"""``skillmatch batch``: map files of texts in resumable shards, here or on a Ray cluster."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from skillmatch.batch.lines import input_files
from skillmatch.batch.mapping import Kind, MatcherSpec
from skillmatch.cli.common import DataDir, EncoderOption, data_dir_of, err, errors, progress_bar
from skillmatch.config import Settings
from skillmatch.encoder import DEFAULT_ENCODER

batch_app = typer.Typer(help="Map files of texts in resumable shards, in this process or on a Ray cluster.",
                        no_args_is_help=True)


class Engine(StrEnum):
    LOCAL = "local"
    RAY = "ray"


Inputs = Annotated[list[Path], typer.Option("--input", "-i", help="JSONL or Parquet file, folder or glob; repeatable.")]
Output = Annotated[Path, typer.Option("--output", "-o", help="Folder for the shards (a rerun skips those written).")]
EngineOption = Annotated[Engine, typer.Option("--engine", help="local: one matcher here; ray: one per Ray worker.")]
Address = Annotated[str | None, typer.Option("--address", show_default=False,
                                             help="An existing Ray cluster (auto, host:port, ray://host:port); "
                                                  "default: start one here.")]
Workers = Annotated[int, typer.Option("--workers", min=1, help="Ray workers, each holding one matcher (~2 GB).")]
TopK = Annotated[int, typer.Option("--top-k", min=1, max=100)]


@batch_app.command("map-skills")
def batch_map_skills(input_paths: Inputs, output: Output, engine: EngineOption = Engine.LOCAL,
                     address: Address = None, workers: Workers = 2, top_k: TopK = 10,
                     encoder: EncoderOption = DEFAULT_ENCODER, data_dir: DataDir = None) -> None:
    """Rank ESCO skills for each line, as map-skills does, into one JSONL file per shard."""
    _run("skills", input_paths, output, engine, address, workers, top_k, encoder, data_dir)


@batch_app.command("map-occupations")
def batch_map_occupations(input_paths: Inputs, output: Output, engine: EngineOption = Engine.LOCAL,
                          address: Address = None, workers: Workers = 2, top_k: TopK = 10,
                          encoder: EncoderOption = DEFAULT_ENCODER, data_dir: DataDir = None) -> None:
    """Rank ESCO occupations for each line, as map-occupations does, into one JSONL file per shard."""
    _run("occupations", input_paths, output, engine, address, workers, top_k, encoder, data_dir)


def _run(kind: Kind, input_paths: list[Path], output: Path, engine: Engine, address: str | None, workers: int,
         top_k: int, encoder: str, data_dir: Path | None) -> None:
    from skillmatch.batch.cluster import ray_cluster
    from skillmatch.batch.job import BatchJob, run_local, run_on_ray

    with errors():
        spec = MatcherSpec(data_dir_of(data_dir).resolve(), encoder, Settings().training_data)
        job = BatchJob(kind, input_files(input_paths), output, spec, top_k=top_k)
        with progress_bar() as progress:
            task = progress.add_task(f"mapping to {kind} ({engine.value})", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            if engine is Engine.RAY:
                with ray_cluster(address, workers=workers):
                    done = run_on_ray(job, workers=workers, progress=report)
            else:
                done = run_local(job, progress=report)
        for source, line, why in done.errors:
            err.print(f"[yellow]{source}, line {line}:[/] {why}", highlight=False)
        err.print(f"mapped {done.lines:,} lines into {done.written} shards in {output}"
                  + (f"; {done.skipped} shards were there already" if done.skipped else "")
                  + (f" ({len(done.errors)} lines with errors)" if done.errors else ""))
