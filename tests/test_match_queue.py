"""The service's matching queue: one call encoded while the one before is scored, no more; requests
that wait (or, with a window, arrive together) share a call, and each gets back exactly the answers
it would get alone."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from skillmatch.errors import InputError
from skillmatch.matching import Matcher
from skillmatch.matching.queue import MatchQueue
from skillmatch.outcomes import split_outcomes
from tests.conftest import SHARED

GOLD = SHARED / "benchmarks" / "learning_outcomes_dev.jsonl"


class Recording:
    """A stand-in matcher that answers each outcome with its own text, and records its calls: what
    ran at once in each half (encoding, scoring), and when."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls: list[list] = []
        self.running = {"encode": 0, "score": 0}
        self.most_at_once = {"encode": 0, "score": 0}
        self.spans: dict[str, list[tuple[float, float]]] = {"encode": [], "score": []}
        self.delay_s = delay_s
        self._lock = threading.Lock()

    def _running(self, half: str, step: int) -> None:
        with self._lock:
            self.running[half] += step
            self.most_at_once[half] = max(self.most_at_once[half], self.running[half])

    def _work(self, half: str) -> None:
        started = time.monotonic()
        time.sleep(self.delay_s)
        self.spans[half].append((started, time.monotonic()))

    def encode_outcomes(self, blocks, *, requests=None):
        self._running("encode", 1)
        try:
            if any(outcome == "bad" for block in blocks for outcome in block):
                raise InputError("a bad outcome")
            self._work("encode")
            return list(blocks)
        finally:
            self._running("encode", -1)

    def match_encoded(self, blocks, *, top_k=10):
        self._running("score", 1)
        try:
            self.calls.append(blocks)
            self._work("score")
            return [[f"{outcome}@{top_k}" for outcome in block] for block in blocks]
        finally:
            self._running("score", -1)

    def match_outcomes_batch(self, blocks, *, top_k=10, requests=None):
        return self.match_encoded(self.encode_outcomes(blocks, requests=requests), top_k=top_k)

    def match_occupations_batch(self, texts, *, top_k=10, requests=None):
        self.calls.append(list(texts))
        return [[f"occupation of {text}"] for text in texts]


def test_one_batch_per_stage_at_a_time_and_the_requests_that_wait_share_the_next() -> None:
    matcher = Recording(delay_s=0.05)
    queue = MatchQueue(lambda: matcher)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: queue.outcomes([[f"o{i}a", f"o{i}b"]]), range(8)))
    assert answers == [[[f"o{i}a@10", f"o{i}b@10"]] for i in range(8)]
    assert matcher.most_at_once == {"encode": 1, "score": 1}
    assert queue.requests == 8 and 2 <= queue.calls < 8
    assert sorted(block[0] for call in matcher.calls for block in call) == sorted(f"o{i}a" for i in range(8))


def test_a_batch_holds_at_most_max_texts_and_a_larger_request_goes_alone() -> None:
    matcher = Recording(delay_s=0.05)
    queue = MatchQueue(lambda: matcher, max_texts=7)
    with ThreadPoolExecutor(9) as pool:
        futures = [pool.submit(queue.outcomes, [[f"o{i}a", f"o{i}b", f"o{i}c"]]) for i in range(8)]
        futures.append(pool.submit(queue.outcomes, [[f"big {n}" for n in range(10)]]))
        assert [f.result()[0][0] for f in futures[:8]] == [f"o{i}a@10" for i in range(8)]
        assert len(futures[8].result()[0]) == 10
    sizes = sorted(sum(len(block) for block in call) for call in matcher.calls)
    assert sizes[-1] == 10 and all(size <= 7 for size in sizes[:-1])
    assert any(size == 6 for size in sizes)  # the requests that waited went two at a time
    with pytest.raises(ValueError, match="max_texts"):
        MatchQueue(lambda: matcher, max_texts=0)


def test_the_next_batch_is_encoded_while_this_one_is_scored() -> None:
    matcher = Recording(delay_s=0.1)
    queue = MatchQueue(lambda: matcher)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(queue.outcomes, [["first"]])
        time.sleep(0.15)  # the first is being scored now
        second = pool.submit(queue.outcomes, [["second"]])
        assert (first.result(), second.result()) == ([["first@10"]], [["second@10"]])
    (scored_start, scored_end), (encoded_start, encoded_end) = matcher.spans["score"][0], matcher.spans["encode"][1]
    assert encoded_start < scored_end and scored_start < encoded_end


def test_with_a_window_requests_that_arrive_together_share_a_call() -> None:
    matcher = Recording(delay_s=0.05)
    queue = MatchQueue(lambda: matcher, window_s=0.2)
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(queue.outcomes, [[f"o{i}"], [f"p{i}"]], top_k=3) for i in range(6)]
        futures.append(pool.submit(queue.occupations, ["nurse"]))
        answers = [f.result() for f in futures]
    assert answers[:6] == [[[f"o{i}@3"], [f"p{i}@3"]] for i in range(6)]
    assert answers[6] == [["occupation of nurse"]]
    assert queue.calls < queue.requests == 7  # outcomes of one top_k were batched, occupations apart
    assert max(len(call) for call in matcher.calls) > 2


def test_a_bad_request_fails_alone() -> None:
    matcher = Recording()
    queue = MatchQueue(lambda: matcher, window_s=0.2)
    with ThreadPoolExecutor(3) as pool:
        good = [pool.submit(queue.outcomes, [[f"fine {i}"]]) for i in range(2)]
        bad = pool.submit(queue.outcomes, [["bad"]])
        assert [f.result() for f in good] == [[["fine 0@10"]], [["fine 1@10"]]]
        with pytest.raises(InputError, match="a bad outcome"):
            bad.result()


def digest(ranked) -> list:
    """The matches as compared: scores to 1e-5, since the threads the products run on add float
    noise of the order of 1e-8 (a rounding to 6 decimals would sometimes flip on it)."""
    return [[(m.uri, m.status, m.matched, m.outcome, m.reading, m.alternatives,
              *(pytest.approx(value, abs=1e-5) for value in (m.score, m.confidence, m.agreement)))
             for m in matches] for matches in ranked]


def test_batched_requests_get_the_answers_they_get_alone(esco_matcher: Matcher) -> None:
    """Dutch and English credentials of one to several outcomes, sent together: batched, and each
    answered as the matcher answers it alone (the int8 encoder would otherwise quantize them
    together and shift their scores)."""
    credentials = [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines()[:10]]
    requests = [[split_outcomes(text)] for text in credentials] + [[["De student installeert zonnepanelen."]]]
    queue = MatchQueue(lambda: esco_matcher, window_s=0.5)
    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(lambda blocks: queue.outcomes(blocks, top_k=5), requests))
    assert queue.calls < queue.requests == len(requests)
    for blocks, answer in zip(requests, answers, strict=True):
        assert digest(answer) == digest(esco_matcher.match_outcomes_batch(blocks, top_k=5))
    texts = ["verpleegkundige", "Data engineer\nJe bouwt datapijplijnen in Python en SQL.", "bakker"]
    queue = MatchQueue(lambda: esco_matcher, window_s=0.5)
    with ThreadPoolExecutor(len(texts)) as pool:
        answers = list(pool.map(lambda text: queue.occupations([text], top_k=3), texts))
    assert queue.calls < queue.requests
    for text, answer in zip(texts, answers, strict=True):
        assert digest(answer) == digest(esco_matcher.match_occupations_batch([text], top_k=3))
