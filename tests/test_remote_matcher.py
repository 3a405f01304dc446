"""The matching process a service's workers share (skillmatch.matching.remote): every answer is the
matcher's own, errors come back as the errors they are, and only a worker with the key gets in."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import AuthenticationError, Client

import pytest

from skillmatch.config import Settings
from skillmatch.errors import InputError, MatcherUnavailableError
from skillmatch.matching import Matcher
from skillmatch.matching.queue import MatchQueue
from skillmatch.matching.remote import MatcherAddress, RemoteMatcher, matching_process
from skillmatch.outcomes import split_outcomes
from tests.conftest import SHARED
from tests.test_match_queue import digest

GOLD = SHARED / "benchmarks" / "learning_outcomes_dev.jsonl"


@pytest.fixture(scope="module")
def remote(esco_matcher: Matcher):
    with matching_process(Settings().data_dir, "e5-small") as address:
        yield RemoteMatcher.connect(address, esco_matcher.taxonomy)


def test_the_shared_matcher_answers_as_the_matcher_in_process(remote: RemoteMatcher, esco_matcher: Matcher) -> None:
    assert remote.fingerprint_ == esco_matcher.fingerprint_
    credentials = [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines()[:6]]
    requests = [[split_outcomes(text)] for text in credentials]
    # Sent together from several threads, as a worker's requests are: batched there, answered apart.
    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(lambda blocks: remote.outcomes(blocks, top_k=5), requests))
    for blocks, answer in zip(requests, answers, strict=True):
        assert answer and digest(answer) == digest(esco_matcher.match_outcomes_batch(blocks, top_k=5))
    block = split_outcomes(credentials[0])
    assert digest(remote.match_outcomes_batch([block], every_outcome=True)) == digest(
        esco_matcher.match_outcomes_batch([block], every_outcome=True))
    assert digest([remote.match_occupations("verpleegkundige", top_k=3)]) == digest(
        [esco_matcher.match_occupations("verpleegkundige", top_k=3)])
    vacancy = "Data engineer\nJe bouwt datapijplijnen in Python en SQL."
    assert digest([remote.match_skills(vacancy, top_k=5)]) == digest([esco_matcher.match_skills(vacancy, top_k=5)])


def test_errors_come_back_as_what_they_are(remote: RemoteMatcher) -> None:
    with pytest.raises(InputError, match="empty text"):
        remote.outcomes([["   "]])
    assert remote.occupations(["bakker"], top_k=1)[0]  # the connection still answers after an error


def test_only_a_worker_with_the_key_gets_in(remote: RemoteMatcher) -> None:
    with pytest.raises(AuthenticationError):
        Client(remote.address.path, family="AF_UNIX", authkey=b"not the key")
    assert remote.occupations(["bakker"], top_k=1)[0]


def test_no_matching_process_is_a_clear_error(tmp_path, monkeypatch: pytest.MonkeyPatch, esco_matcher) -> None:
    monkeypatch.setattr("skillmatch.matching.remote.CONNECT_TIMEOUT_S", 0.2)
    with pytest.raises(MatcherUnavailableError, match="no matching process"):
        RemoteMatcher.connect(MatcherAddress(str(tmp_path / "socket"), b"k" * 32), esco_matcher.taxonomy)


def test_a_call_runs_in_turn_with_the_matching_calls() -> None:
    seen = []
    queue = MatchQueue(lambda: "the matcher")
    assert queue.call(lambda matcher: seen.append(matcher) or 42) == 42 and seen == ["the matcher"]
    with pytest.raises(ZeroDivisionError):
        queue.call(lambda matcher: 1 / 0)


def test_a_matcher_that_cannot_load_says_why_in_the_workers(esco_matcher: Matcher) -> None:
    with matching_process(Settings().data_dir, "no-such-encoder") as address:
        with pytest.raises(MatcherUnavailableError, match="could not be loaded.*no-such-encoder"):
            RemoteMatcher.connect(address, esco_matcher.taxonomy)


def test_a_matching_process_that_dies_is_started_again(esco_matcher: Matcher) -> None:
    import multiprocessing
    import os
    import signal

    others = set(multiprocessing.active_children())
    with matching_process(Settings().data_dir, "e5-small") as address:
        remote = RemoteMatcher.connect(address, esco_matcher.taxonomy)
        before = remote.occupations(["bakker"], top_k=1)
        [process] = set(multiprocessing.active_children()) - others
        os.kill(process.pid, signal.SIGKILL)
        # The request in flight fails as unavailable; the next ones wait for the new process.
        with pytest.raises(MatcherUnavailableError):
            remote.occupations(["bakker"], top_k=1)
        assert digest(remote.occupations(["bakker"], top_k=1)) == digest(before)
