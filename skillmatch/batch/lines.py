"""The texts a batch job maps, read at the edge: JSONL or Parquet files, folders of them, or globs.

Each line (a JSONL line or a Parquet row) becomes a :class:`Line`: its number in its file, its
``id`` and its text, or the reason it cannot be mapped. A bad line is kept, so that the output
has one record per input line, in order, as ``skillmatch map-skills`` writes it.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from skillmatch.errors import InputError

#: The file endings a folder is searched for.
SUFFIXES = (".jsonl", ".parquet")


@dataclass(frozen=True)
class Line:
    """One input line: its 1-based number in its file, its id, and its text or why it has none."""

    number: int
    id: object
    text: str | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return {"number": self.number, "id": self.id, "text": self.text, "error": self.error}

    @classmethod
    def from_dict(cls, data: dict) -> Line:
        return cls(data["number"], data["id"], data["text"], data["error"])


def input_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files ``paths`` name: files as given, folders searched (recursively) for JSONL and
    Parquet files, glob patterns expanded; sorted within each path, each file once."""
    files: dict[Path, None] = {}
    for path in map(str, paths):
        if Path(path).is_dir():
            found = sorted(p for p in Path(path).rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif Path(path).is_file():
            found = [Path(path)]
        else:
            found = sorted(Path(p) for p in glob.glob(path, recursive=True) if Path(p).is_file())
        if not found:
            raise InputError(f"{path}: no such file, and no JSONL or Parquet file there or matching it")
        files.update(dict.fromkeys(p.resolve() for p in found))
    return list(files)


def read_lines(path: Path) -> Iterator[Line]:
    """The lines of a JSONL file (blank lines skipped) or the rows of a Parquet file."""
    return read_parquet(path) if path.suffix == ".parquet" else read_jsonl(path)


def read_jsonl(path: Path) -> Iterator[Line]:
    """Each non-blank line: ``{"id": ..., "text": ...}`` (other keys are ignored)."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        try:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    item = json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield Line(number, None, error=f"invalid JSON ({exc.msg} at column {exc.colno})")
                    continue
                yield _line(number, item)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def read_parquet(path: Path) -> Iterator[Line]:
    """Each row of a Parquet file with a ``text`` column (and an ``id`` column, if it has one)."""
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise InputError(f"reading {path} needs pyarrow: pip install 'skillmatch[distributed]'") from exc
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path} as Parquet: {exc}") from exc
    names = parquet.schema_arrow.names
    if "text" not in names:
        raise InputError(f"{path} has no 'text' column (it has: {', '.join(names)})")
    number = 0
    for batch in parquet.iter_batches(columns=[c for c in ("id", "text") if c in names]):
        for item in batch.to_pylist():
            number += 1
            yield _line(number, item)


def _line(number: int, item: object) -> Line:
    item_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return Line(number, item_id, error='expected an object with a "text" string')
    return Line(number, item_id, item["text"])
