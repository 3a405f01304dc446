"""Matching requests of a service, run one batch at a time on one thread.

A service answers many requests at once, but matching is CPU work: requests that each run the
encoder on their own threads only take the cores from one another, and from the reads (stored
passports, gaps) that need a moment of the interpreter between them. Here they wait their turn
in one queue, so one matching call runs at a time per process and reads stay quick.

The requests that wait while a call runs go together into the next call (with ``window_s`` > 0,
it also waits that long for more), which shares the scoring of their texts against the indexes.
Each request's texts are still encoded in an encoder call of their own, as they would be alone
(the int8 encoder quantizes a call's batch as a whole): batching changes no answer.

>>> queue = MatchQueue(lambda: matcher)                  # doctest: +SKIP
>>> queue.outcomes([["Je installeert zonnepanelen."]])  # doctest: +SKIP
"""

from __future__ import annotations

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

Kind = Literal["outcomes", "occupations", "call"]
T = TypeVar("T")


@dataclass
class _Job:
    kind: Kind
    top_k: int
    #: Outcome blocks (``outcomes``) or texts (``occupations``).
    items: Sequence
    done: Future = field(default_factory=Future)
    #: What a ``call`` does with the matcher.
    work: Callable[[Matcher], Any] | None = None


class MatchQueue:
    """Requests to the matcher ``matcher()`` gives, run in arrival order on one daemon thread;
    those of one kind and ``top_k`` that are waiting (or arrive within ``window_s``) run as one
    call of at most ``max_items`` items."""

    def __init__(self, matcher: Callable[[], Matcher], *, window_s: float = 0.0, max_items: int = 256) -> None:
        if window_s < 0 or max_items < 1:
            raise ValueError("window_s must be >= 0 and max_items >= 1")
        self.matcher, self.window_s, self.max_items = matcher, window_s, max_items
        self._jobs: deque[_Job] = deque()
        self._arrived = threading.Condition()
        self._thread: threading.Thread | None = None
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
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="matching", daemon=True)
                self._thread.start()
            self._jobs.append(job)
            self._arrived.notify()
        return job.done.result()

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            self.calls += 1
            self.requests += len(batch)
            if batch[0].work is not None:
                self._call(batch[0])
                continue
            try:
                results = self._match(batch[0].kind, batch[0].top_k, [item for job in batch for item in job.items],
                                      [n for n, job in enumerate(batch) for _item in job.items])
            except Exception as exc:  # noqa: BLE001 - handed to the request that caused it
                if len(batch) == 1:
                    batch[0].done.set_exception(exc)
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
            batch, size = [first], len(first.items)
            deadline = time.monotonic() + self.window_s
            while first.work is None and size < self.max_items:
                fitting = next((j for j in self._jobs if (j.kind, j.top_k) == (first.kind, first.top_k)
                                and size + len(j.items) <= self.max_items), None)
                if fitting is not None:
                    self._jobs.remove(fitting)
                    batch.append(fitting)
                    size += len(fitting.items)
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

