"""One matcher for all the worker processes of a service, in a process of its own.

With one matcher per worker, each worker held 1.7 to 2.9 GB, and its matching thread held the
worker's interpreter for the Python parts of matching while the same worker had stored passports
to answer: during a re-mapping those reads waited hundreds of milliseconds. Here the workers keep
the taxonomy and the stored passports, and send what needs the matcher to the matching process
over a local socket. That process runs the requests of every worker through one
:class:`~skillmatch.matching.queue.MatchQueue`, so waiting requests from all workers share a call
(each still encoded apart: the answers are those of the matcher in process), at a lower priority
than the workers, so that reads keep their cores while matching waits its turn.

>>> with matching_process(data_dir, "e5-small") as address:          # doctest: +SKIP
...     matcher = RemoteMatcher.connect(address, taxonomy)           # in each worker
...     matcher.outcomes([["Je installeert zonnepanelen."]])
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing import AuthenticationError, get_context
from multiprocessing.connection import Client, Connection, Listener
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skillmatch.errors import MatcherUnavailableError, SkillmatchError

if TYPE_CHECKING:
    from skillmatch.matching.background import BackgroundMatcher
    from skillmatch.matching.decision import Match
    from skillmatch.matching.queue import MatchQueue
    from skillmatch.taxonomy import Taxonomy

#: Added to the matching process's niceness: under contention the workers' reads (a millisecond
#: each) get the cores first and a matching call (tens of milliseconds to seconds) waits.
NICENESS = 5
#: The matcher's methods a worker may call, besides the batched ``outcomes`` and ``occupations``.
METHODS = frozenset({"match_outcomes_batch", "match_occupations_batch", "match_occupations", "match_skills"})
#: Seconds a worker waits for the matching process to listen before it reports it unavailable.
CONNECT_TIMEOUT_S = 60.0
#: How often the service checks that its matching process still runs.
RESTART_CHECK_S = 0.5


@dataclass(frozen=True)
class MatcherAddress:
    """Where the matching process listens (a Unix socket in a folder only its user may enter) and
    the key a worker proves itself with; handed to the workers through their environment."""

    path: str
    authkey: bytes

    def to_env(self) -> dict[str, str]:
        return {"SKILLMATCH_MATCHER_SOCKET": self.path, "SKILLMATCH_MATCHER_AUTHKEY": self.authkey.hex()}


# -- the matching process -------------------------------------------------------------------------


@contextmanager
def matching_process(data_dir: Path, encoder: str, *, training_data: Path | None = None,
                     window_s: float = 0.0) -> Iterator[MatcherAddress]:
    """A matching process loading the matcher of ``data_dir`` while the block runs, started again
    at the same address if it dies (the workers' requests meanwhile wait for it, up to
    :data:`CONNECT_TIMEOUT_S`), stopped after the block; yields its address once it listens."""
    folder = tempfile.mkdtemp(prefix="skillmatch-matcher-")  # mode 0700
    address = MatcherAddress(os.path.join(folder, "socket"), secrets.token_bytes(32))
    args = (address, Path(data_dir), encoder, training_data, window_s)
    stopping = threading.Event()
    process = _start(args)

    def watch() -> None:
        nonlocal process
        while not stopping.wait(RESTART_CHECK_S):
            if not process.is_alive():
                with suppress(OSError):
                    os.remove(address.path)  # the dead listener's socket, or the new one cannot bind
                process = _start(args)

    try:
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while not os.path.exists(address.path):
            if not process.is_alive() or time.monotonic() > deadline:
                raise MatcherUnavailableError("the matching process did not start (its log above says why)")
            time.sleep(0.05)
        threading.Thread(target=watch, name="matching process watch", daemon=True).start()
        yield address
    finally:
        stopping.set()
        process.terminate()
        process.join(timeout=10)
        with suppress(OSError):
            os.remove(address.path)
        with suppress(OSError):
            os.rmdir(folder)


def _start(args: tuple) -> BaseProcess:
    process = get_context("spawn").Process(target=serve_matcher, name="skillmatch matcher", daemon=True, args=args)
    process.start()
    return process


def serve_matcher(address: MatcherAddress, data_dir: Path, encoder: str, training_data: Path | None,
                  window_s: float) -> None:
    """The matching process: listen at ``address`` at once, load the matcher in the background,
    and answer each worker's connection on a thread of its own."""
    from skillmatch.matching.background import BackgroundMatcher
    from skillmatch.matching.queue import STAGE_THREADS, MatchQueue

    os.nice(NICENESS)
    listener = Listener(address.path, family="AF_UNIX", authkey=address.authkey)
    loading = BackgroundMatcher.start(data_dir, encoder, training_data=training_data, threads=STAGE_THREADS)
    queue = MatchQueue(lambda: loading.matcher, window_s=window_s)
    while True:
        try:
            connection = listener.accept()
        except (AuthenticationError, OSError, EOFError, ValueError):
            continue  # a peer without the key, or one that hung up during the handshake
        threading.Thread(target=_answer, args=(connection, loading, queue), name="matching connection",
                         daemon=True).start()


def _answer(connection: Connection, loading: BackgroundMatcher, queue: MatchQueue) -> None:
    with connection:
        while True:
            try:
                name, args, kwargs = connection.recv()
            except (EOFError, OSError):
                return
            try:
                reply: tuple[str, Any] = ("ok", _run(name, args, kwargs, loading, queue))
            except Exception as exc:  # noqa: BLE001 - handed to the worker that asked, to raise there
                reply = ("error", exc)
            try:
                connection.send(reply)
            except (TypeError, AttributeError, ValueError) as exc:  # an answer or error pickle cannot carry
                connection.send(("error", SkillmatchError(f"the matching process could not answer: {exc}")))


def _run(name: str, args: tuple, kwargs: dict, loading: BackgroundMatcher, queue: MatchQueue) -> Any:
    if name == "fingerprint":
        return loading.matcher.fingerprint_
    if name == "outcomes":
        return queue.outcomes(*args, **kwargs)
    if name == "occupations":
        return queue.occupations(*args, **kwargs)
    if name in METHODS:
        return queue.call(lambda matcher: getattr(matcher, name)(*args, **kwargs))
    raise SkillmatchError(f"the matching process has no method {name!r}")


# -- a worker's end -------------------------------------------------------------------------------


class RemoteMatcher:
    """The matching process's matcher as a worker uses it: the matching methods of
    :class:`~skillmatch.matching.Matcher` (and the :class:`MatchQueue` methods ``outcomes`` and
    ``occupations``), answered there, beside the worker's own taxonomy. Each thread of the worker
    has a connection of its own, so requests on different threads wait on the queue together."""

    def __init__(self, address: MatcherAddress, taxonomy: Taxonomy) -> None:
        self.address, self.taxonomy = address, taxonomy
        self._local = threading.local()
        #: Set by :meth:`connect`, which waits for the matcher to have loaded.
        self.fingerprint_ = ""

    @classmethod
    def connect(cls, address: MatcherAddress, taxonomy: Taxonomy) -> RemoteMatcher:
        """The matcher at ``address`` once it has loaded (waits for it; raises the
        MatcherUnavailableError the matching process gives when it could not load it)."""
        remote = cls(address, taxonomy)
        remote.fingerprint_ = remote._call("fingerprint")
        return remote

    def outcomes(self, blocks: Sequence[Sequence[str]], *, top_k: int = 10) -> list[list[Match]]:
        """:meth:`MatchQueue.outcomes`, batched with the waiting requests of every worker."""
        return self._call("outcomes", blocks, top_k=top_k)

    def occupations(self, texts: Sequence[str], *, top_k: int = 10) -> list[list[Match]]:
        """:meth:`MatchQueue.occupations`, batched with the waiting requests of every worker."""
        return self._call("occupations", texts, top_k=top_k)

    def match_outcomes_batch(self, blocks: Sequence[Sequence[str]], *, top_k: int = 10, every_outcome: bool = False,
                             requests: Sequence[int] | None = None) -> list[list[Match]]:
        if not every_outcome and requests is None:
            return self.outcomes(blocks, top_k=top_k)
        return self._call("match_outcomes_batch", blocks, top_k=top_k, every_outcome=every_outcome,
                          requests=requests)

    def match_occupations_batch(self, texts: Sequence[str], *, top_k: int = 10,
                                requests: Sequence[int] | None = None) -> list[list[Match]]:
        if requests is None:
            return self.occupations(texts, top_k=top_k)
        return self._call("match_occupations_batch", texts, top_k=top_k, requests=requests)

    def match_occupations(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self.occupations([text], top_k=top_k)[0]

    def match_skills(self, text: str, *, top_k: int = 10) -> list[Match]:
        return self._call("match_skills", text, top_k=top_k)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        connection = self._connection()
        try:
            connection.send((name, args, kwargs))
            status, value = connection.recv()
        except (EOFError, OSError) as exc:
            self._local.connection = None
            raise MatcherUnavailableError(f"the matching process stopped answering: {exc!r}") from exc
        if status == "error":
            raise value
        return value

    def _connection(self) -> Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            deadline = time.monotonic() + CONNECT_TIMEOUT_S
            while True:
                try:
                    connection = Client(self.address.path, family="AF_UNIX", authkey=self.address.authkey)
                    break
                # Not listening yet, or a process that died while this one connected (it is
                # being started again): try again until the deadline.
                except (OSError, EOFError) as exc:
                    if time.monotonic() > deadline:
                        raise MatcherUnavailableError(f"no matching process at {self.address.path}") from exc
                    time.sleep(0.05)
            self._local.connection = connection
        return connection
