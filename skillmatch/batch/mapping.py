"""Lines mapped to ESCO with one matcher, into the records ``skillmatch map-skills`` writes.

Lines are matched in batches of :data:`BATCH` in input order, because the int8 encoder's vectors
depend a little on what it encodes beside them: the same batches give the same records, in one
process or spread over a cluster (a shard of a batch job holds whole batches).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from skillmatch.batch.lines import Line
from skillmatch.encoder import DEFAULT_ENCODER
from skillmatch.errors import InputError
from skillmatch.matching import Matcher, open_matcher
from skillmatch.outcomes import check_text, split_outcomes

Kind = Literal["skills", "occupations"]
#: Lines matched at once.
BATCH = 32


@dataclass(frozen=True)
class Mapped:
    """A line and its output record; ``error`` is why it could not be mapped (None when it was)."""

    line: Line
    record: dict
    error: str | None


def map_lines(matcher: Matcher, kind: Kind, lines: Sequence[Line], *, top_k: int = 10,
              progress: Callable[[int, int], None] | None = None) -> list[Mapped]:
    """Each line's record: ``{"id", kind: [match, ...]}``, best first, or ``{"id", "error", kind: []}``.
    ``progress(done, total)`` is told after each batch."""
    errors = {line.number: line.error for line in lines if line.error is not None}
    batches = plan_batches([line for line in lines if line.error is None], kind, errors)
    if kind == "skills":
        # The next batch is encoded while this one is scored: the same matches, both cores busy.
        ranked_batches = matcher.match_skills_stream(([line.text for line in batch] for batch in batches),
                                                     top_k=top_k)
    else:
        ranked_batches = (matcher.match_occupations_batch([line.text for line in batch], top_k=top_k)
                          for batch in batches)
    found: dict[int, list[dict]] = {}
    total, done = sum(len(batch) for batch in batches), 0
    for batch, ranked in zip(batches, ranked_batches, strict=True):
        found.update((line.number, [m.to_dict() for m in matches]) for line, matches in zip(batch, ranked, strict=True))
        done += len(batch)
        if progress:
            progress(done, total)
    mapped = []
    for line in lines:
        if line.number in errors:
            mapped.append(Mapped(line, {"id": line.id, "error": errors[line.number], kind: []}, errors[line.number]))
        else:
            mapped.append(Mapped(line, {"id": line.id, kind: found[line.number]}, None))
    return mapped


def plan_batches(lines: Sequence[Line], kind: Kind, errors: dict[int, str]) -> list[list[Line]]:
    """The lines in batches of :data:`BATCH`, and those that cannot be matched into ``errors``. The
    other lines of a batch that held one are matched one by one, as map-skills always has."""
    check = split_outcomes if kind == "skills" else check_text
    batches = []
    for start in range(0, len(lines), BATCH):
        batch, bad = lines[start : start + BATCH], set()
        for line in batch:
            try:
                check(line.text)
            except InputError as exc:
                errors[line.number] = str(exc)
                bad.add(line.number)
        batches.extend([list(batch)] if not bad else [[line] for line in batch if line.number not in bad])
    return batches


@dataclass(frozen=True)
class MatcherSpec:
    """The matcher a worker opens: a plain value, sent to each worker, which loads it there."""

    data_dir: Path
    encoder: str = DEFAULT_ENCODER
    training_data: Path | None = None

    def open(self) -> Matcher:
        return open_matcher(self.data_dir, self.encoder, training_data=self.training_data)
