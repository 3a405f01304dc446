"""The service's matching queue: requests run one at a time, in turn; with a window, requests
that arrive together share one matcher call, and each gets its own answers back."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from skillmatch.errors import InputError
from skillmatch.matching import Matcher
from skillmatch.matching.queue import MatchQueue


class Recording:
    """A stand-in matcher that answers each outcome with its own text, and records its calls."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls: list[list] = []
        self.running = 0
        self.most_at_once = 0
        self.delay_s = delay_s
        self._lock = threading.Lock()

    def match_outcomes_batch(self, blocks, *, top_k=10):
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if any(outcome == "bad" for block in blocks for outcome in block):
                raise InputError("a bad outcome")
            self.calls.append(list(blocks))
            time.sleep(self.delay_s)
            return [[f"{outcome}@{top_k}" for outcome in block] for block in blocks]
        finally:
            with self._lock:
                self.running -= 1

    def match_occupations_batch(self, texts, *, top_k=10):
        self.calls.append(list(texts))
        return [[f"occupation of {text}"] for text in texts]


def test_without_a_window_each_request_runs_alone_and_in_turn() -> None:
    matcher = Recording(delay_s=0.02)
    queue = MatchQueue(lambda: matcher)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: queue.outcomes([[f"o{i}a", f"o{i}b"]]), range(8)))
    assert answers == [[[f"o{i}a@10", f"o{i}b@10"]] for i in range(8)]
    assert len(matcher.calls) == 8 and matcher.most_at_once == 1
    assert (queue.calls, queue.requests) == (8, 8)


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
    # Float noise of the order of 1e-8 comes with the thread the encoder runs on.
    return [[(m.uri, m.status, round(m.score, 6), round(m.confidence, 6)) for m in matches] for matches in ranked]


def test_the_queue_answers_as_the_matcher_does(esco_matcher: Matcher) -> None:
    blocks = [["De student installeert zonnepanelen op een schuin dak."],
              ["Je analyseert energiedata van gebouwen en rapporteert het verbruik."]]
    queue = MatchQueue(lambda: esco_matcher)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda block: queue.outcomes([block], top_k=5)[0], blocks))
    assert digest(answers) == digest(esco_matcher.match_outcomes_batch([block], top_k=5)[0] for block in blocks)
    assert digest(queue.occupations(["verpleegkundige"], top_k=3)) == digest(
        esco_matcher.match_occupations_batch(["verpleegkundige"], top_k=3))
