"""A batch job's output: one JSONL file per shard of an input file, written whole or not at all.

A shard is :data:`SHARD_LINES` mappable lines of one input file (with the bad lines between
them), a whole number of the matcher's batches, so that its records are those the single-process
command writes for the same lines. Its file is named after the input file and the shard's
number and appears only when complete (a temporary file renamed), so a rerun skips every shard
whose file is there, and a shard mapped twice (a retried worker) is still written once.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from skillmatch.batch.lines import Line
from skillmatch.batch.mapping import BATCH
from skillmatch.errors import InputError

#: Mappable lines per shard: a multiple of the matcher's batch, and some seconds of one worker's time.
SHARD_LINES = 32 * BATCH
MANIFEST = "job.json"


@dataclass(frozen=True)
class Shard:
    """Consecutive lines of one input file, mapped and written as one output file."""

    source: Path
    number: int
    lines: tuple[Line, ...]

    @property
    def name(self) -> str:
        # The path's digest tells apart inputs of the same name in different folders.
        digest = hashlib.sha256(str(self.source).encode()).hexdigest()[:8]
        return f"{self.source.stem}-{digest}-{self.number:05d}.jsonl"

    def to_json(self) -> str:
        return json.dumps({"source": str(self.source), "number": self.number,
                           "lines": [line.to_dict() for line in self.lines]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Shard:
        data = json.loads(text)
        return cls(Path(data["source"]), data["number"], tuple(Line.from_dict(line) for line in data["lines"]))


def plan_shards(source: Path, lines: Iterable[Line], size: int = SHARD_LINES) -> Iterator[Shard]:
    """``lines`` of ``source`` cut into shards of ``size`` mappable lines (a multiple of the batch)."""
    if size < 1 or size % BATCH:
        raise InputError(f"a shard holds a multiple of {BATCH} lines, not {size}")
    chunk: list[Line] = []
    texts = number = 0
    for line in lines:
        if line.error is None:
            if texts == size:
                yield Shard(source, number, tuple(chunk))
                chunk, texts, number = [], 0, number + 1
            texts += 1
        chunk.append(line)
    if chunk:
        yield Shard(source, number, tuple(chunk))


class ShardFolder:
    """The output folder of one job: its manifest (what the shards were mapped with) and shards."""

    def __init__(self, folder: Path, manifest: dict) -> None:
        self.folder = Path(folder)
        self.manifest = manifest

    def open(self) -> ShardFolder:
        """Create the folder, or check that its shards were mapped as this job maps them.
        Raises InputError when another job wrote them."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / MANIFEST
        if path.exists():
            found = json.loads(path.read_text(encoding="utf-8"))
            if found != self.manifest:
                raise InputError(f"{self.folder} holds the shards of another job ({found}); this one is "
                                 f"{self.manifest}: write to another --output, or empty it")
        else:
            self._write(path, json.dumps(self.manifest, indent=2) + "\n")
        return self

    def done(self, shard: Shard) -> bool:
        return (self.folder / shard.name).exists()

    def write(self, name: str, records: Sequence[dict]) -> Path:
        return self._write(self.folder / name, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))

    def _write(self, path: Path, text: str) -> Path:
        handle, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path
