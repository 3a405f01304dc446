"""Matching requests of a service, in one queue, run a batch at a time by a two-stage pipeline.

A service answers many requests at once, but matching is CPU work: requests that each run the
encoder on their own threads only take the cores from one another, and from the reads (stored
passports, gaps) that need a moment of the interpreter between them. Here they wait their turn
in one queue: one thread reads and encodes a batch of outcome requests while a second scores
and decides the batch before it, so both cores work (the encoder leaves the interpreter free)
and no more than two things run at once per process.

The requests that wait while a batch is encoded go together into the next batch (with
``window_s`` > 0, it also waits that long for more), which shares the scoring of their texts
against the indexes. Each request's texts are still encoded in an encoder call of their own, as
they would be alone (the int8 encoder quantizes a call's batch as a whole): batching changes no
answer.

>>> queue = MatchQueue(lambda: matcher)                  # doctest: +SKIP
>>> queue.outcomes([["Je installeert zonnepanelen."]])  # doctest: +SKIP
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from skillmatch.matching.decision import Match
    from skillmatch.matching.matcher import Matcher
    from skillmatch.matching.outcome_scores import EncodedOutcomes

Kind = Literal["outcomes", "occupations", "call"]
T = TypeVar("T")
#: What each encoder call and product of a queue's matcher runs on (``open_matcher``): the two
#: stages take a core each, and one thread per call took 30-40% less CPU per request than two.
STAGE_THREADS = 1


@dataclass
class _Job:
    kind: Kind
    top_k: int
    #: Outcome blocks (``outcomes``) or texts (``occupations``).
    items: Sequence
    done: Future = field(default_factory=Future)
    #: What a ``call`` does with the matcher.
    work: Callable[[Matcher], Any] | None = None

    @property
    def texts(self) -> int:
        """How many texts the matcher reads for it: outcomes, or job titles and vacancies."""
        return sum(len(block) for block in self.items) if self.kind == "outcomes" else len(self.items)


class MatchQueue:
    """Requests to the matcher ``matcher()`` gives, run in arrival order by two daemon threads;
    those of one kind and ``top_k`` that are waiting (or arrive within ``window_s``) run as one
    call of at most ``max_texts`` texts (or one request alone).

    Batches stay small so that several are under way at once: with 32 clients in one batch, each
    stage waited for the other 35-40% of the time, while larger batches share little more (a
    request's texts are encoded apart anyway, and its rows make a product of their own size)."""

    def __init__(self, matcher: Callable[[], Matcher], *, window_s: float = 0.0, max_texts: int = 16) -> None:
        if window_s < 0 or max_texts < 1:
            raise ValueError("window_s must be >= 0 and max_texts >= 1")
        self.matcher, self.window_s, self.max_texts = matcher, window_s, max_texts
        self._jobs: deque[_Job] = deque()
        self._arrived = threading.Condition()
        # One encoded batch waits for the scoring at most: meanwhile new requests gather in
        # ``_jobs`` and make the next batch larger.
        self._encoded: queue.Queue[tuple[list[_Job], EncodedOutcomes | Exception | None]] = queue.Queue(maxsize=1)
        self._started = False
        #: How many matcher calls ran, and for how many requests: what batching shared.
        self.calls = self.requests = 0

    def outcomes(self, blocks: Sequence[Sequence[str]], *, top_k: int = 10) -> list[list[Match]]:
        """:meth:`Matcher.match_outcomes_batch` of ``blocks``, in turn."""
        return self._submit(_Job("outcomes", top_k, blocks))

    def occupations(self, texts: Sequence[str], *, top_k: int = 10) -> list[list[Match]]:
        """:meth:`Matcher.match_occupations_batch` of ``texts``, in turn."""
        return self._submit(_Job("occupations", top_k, texts))

    def call(self, work: Callable[[Matcher], T]) -> T:
        """``work(matcher)``, in turn with the matching calls and never batched with them: any
        other use of the matcher (a passport's every-outcome mapping, a vacancy's skills)."""
        return self._submit(_Job("call", 0, (), work=work))

    def _submit(self, job: _Job) -> Any:
        with self._arrived:
            if not self._started:
                for stage, name in ((self._encode_stage, "matching-encoder"), (self._score_stage, "matching")):
                    threading.Thread(target=stage, name=name, daemon=True).start()
                self._started = True
            self._jobs.append(job)
            self._arrived.notify()
        return job.done.result()

    def _encode_stage(self) -> None:
        """Batch after batch: outcome requests read and encoded (or the error that gave), handed
        to the scoring stage; other requests go there as they are."""
        while True:
            batch = self._next_batch()
            encoded: EncodedOutcomes | Exception | None = None
            if batch[0].kind == "outcomes":
                items, requests = _flat(batch)
                try:
                    encoded = self.matcher().encode_outcomes(items, requests=requests)
                except Exception as exc:  # noqa: BLE001 - the scoring stage finds whose it is
                    encoded = exc
            self._encoded.put((batch, encoded))

    def _score_stage(self) -> None:
        while True:
            batch, encoded = self._encoded.get()
            self.calls += 1
            self.requests += len(batch)
            first = batch[0]
            if first.work is not None:
                self._call(first)
                continue
            try:
                if isinstance(encoded, Exception):
                    raise encoded
                results = (self.matcher().match_encoded(encoded, top_k=first.top_k) if encoded is not None else
                           self._match(first.kind, first.top_k, *_flat(batch)))
            except Exception as exc:  # noqa: BLE001 - handed to the request that caused it
                if len(batch) == 1:
                    first.done.set_exception(exc)
                    continue
                # Each again on its own: one request's bad input must not fail the others.
                for job in batch:
                    try:
                        job.done.set_result(self._match(job.kind, job.top_k, job.items))
                    except Exception as own:  # noqa: BLE001 - handed to the request that caused it
                        job.done.set_exception(own)
                continue
            start = 0
            for job in batch:
                job.done.set_result(results[start:start + len(job.items)])
                start += len(job.items)

    def _next_batch(self) -> list[_Job]:
        with self._arrived:
            while not self._jobs:
                self._arrived.wait()
            first = self._jobs.popleft()
            batch, size = [first], first.texts
            deadline = time.monotonic() + self.window_s
            while first.work is None and size < self.max_texts:
                fitting = next((j for j in self._jobs if (j.kind, j.top_k) == (first.kind, first.top_k)
                                and size + j.texts <= self.max_texts), None)
                if fitting is not None:
                    self._jobs.remove(fitting)
                    batch.append(fitting)
                    size += fitting.texts
                    continue
                left = deadline - time.monotonic()
                if left <= 0 or self.window_s == 0:
                    break
                self._arrived.wait(left)
            return batch

    def _call(self, job: _Job) -> None:
        try:
            job.done.set_result(job.work(self.matcher()))
        except Exception as exc:  # noqa: BLE001 - handed to the caller
            job.done.set_exception(exc)

    def _match(self, kind: Kind, top_k: int, items: Sequence,
               requests: Sequence[int] | None = None) -> list[list[Match]]:
        matcher = self.matcher()
        if kind == "outcomes":
            return matcher.match_outcomes_batch(items, top_k=top_k, requests=requests)
        return matcher.match_occupations_batch(items, top_k=top_k, requests=requests)


def _flat(batch: Sequence[_Job]) -> tuple[list, list[int]]:
    """A batch's items in one list, and per item the request (its place in the batch) it came with."""
    return ([item for job in batch for item in job.items],
            [n for n, job in enumerate(batch) for _item in job.items])
