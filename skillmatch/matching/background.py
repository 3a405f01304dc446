"""A matcher loaded in a background thread, so that a service answers what needs only the
taxonomy or stored results (taxonomy look-ups, stored passports, gaps to an occupation) while the
indexes, adapters and encoder are still loading, which takes seconds (minutes when they must be
built first).

>>> background = BackgroundMatcher.start(data_dir, "e5-small")   # doctest: +SKIP
>>> background.taxonomy.get(uri)                                  # waits for the taxonomy only
>>> background.matcher.match_skills(text)                         # waits for the matcher
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from skillmatch.errors import MatcherUnavailableError

if TYPE_CHECKING:
    from skillmatch.matching.matcher import Matcher
    from skillmatch.matching.remote import MatcherAddress
    from skillmatch.taxonomy import Taxonomy


class BackgroundMatcher:
    """The taxonomy, then the matcher, as loaded by ``load_taxonomy`` and ``load_matcher`` on a
    daemon thread; reading either waits until it is there, and raises the
    :class:`~skillmatch.errors.MatcherUnavailableError` that says why when loading failed."""

    def __init__(self, load_taxonomy: Callable[[], Taxonomy], load_matcher: Callable[[Taxonomy], Matcher]) -> None:
        self._load_taxonomy, self._load_matcher = load_taxonomy, load_matcher
        self._taxonomy: Taxonomy | None = None
        self._matcher: Matcher | None = None
        self._failure: Exception | None = None
        self._taxonomy_ready = threading.Event()
        self._matcher_ready = threading.Event()

    @classmethod
    def start(cls, data_dir: Path, encoder: str, *, training_data: Path | None = None,
              threads: int | None = None) -> BackgroundMatcher:
        """Start loading the matcher of ``data_dir`` (see :func:`open_matcher`)."""
        # Imported on the loading thread's behalf, not the service's: the matching stack's import
        # is a good part of what a start would otherwise wait for.
        from skillmatch.matching.matcher import long_lived_loading, open_matcher
        from skillmatch.taxonomy import load_taxonomy, store_path

        def taxonomy() -> Taxonomy:
            with long_lived_loading():
                return load_taxonomy(store_path(data_dir))

        loading = cls(taxonomy, lambda loaded: open_matcher(data_dir, encoder, training_data=training_data,
                                                            taxonomy=loaded, threads=threads))
        threading.Thread(target=loading.load, name="matcher loading", daemon=True).start()
        return loading

    @classmethod
    def remote(cls, data_dir: Path, address: MatcherAddress) -> BackgroundMatcher:
        """The taxonomy of ``data_dir`` loaded here, and the matcher of the matching process at
        ``address`` (see :mod:`skillmatch.matching.remote`) once that has loaded it."""
        from skillmatch.matching.matcher import long_lived_loading
        from skillmatch.matching.remote import RemoteMatcher
        from skillmatch.taxonomy import load_taxonomy, store_path

        def taxonomy() -> Taxonomy:
            with long_lived_loading():
                return load_taxonomy(store_path(data_dir))

        loading = cls(taxonomy, lambda loaded: RemoteMatcher.connect(address, loaded))  # type: ignore[arg-type,return-value]
        threading.Thread(target=loading.load, name="matcher connecting", daemon=True).start()
        return loading

    @classmethod
    def ready(cls, matcher: Matcher) -> BackgroundMatcher:
        """One that holds ``matcher`` already."""
        loading = cls(lambda: matcher.taxonomy, lambda _taxonomy: matcher)
        loading.load()
        return loading

    def load(self) -> None:
        """Load both, in this thread."""
        try:
            self._taxonomy = self._load_taxonomy()
            self._taxonomy_ready.set()
            self._matcher = self._load_matcher(self._taxonomy)
        except Exception as exc:  # noqa: BLE001 - kept for whoever waits on it, with the reason
            self._failure = exc
        finally:
            self._taxonomy_ready.set()
            self._matcher_ready.set()

    @property
    def state(self) -> str:
        """``loading``, ``ready`` or ``failed``, without waiting."""
        if self._failure is not None:
            return "failed"
        return "ready" if self._matcher is not None else "loading"

    @property
    def loaded(self) -> Matcher | None:
        """The matcher if it is loaded, without waiting."""
        return self._matcher

    @property
    def taxonomy(self) -> Taxonomy:
        self._taxonomy_ready.wait()
        if self._taxonomy is None:
            raise self._failed()
        return self._taxonomy

    @property
    def matcher(self) -> Matcher:
        self._matcher_ready.wait()
        if self._matcher is None:
            raise self._failed()
        return self._matcher

    def _failed(self) -> MatcherUnavailableError:
        return MatcherUnavailableError(f"the matcher could not be loaded: {self._failure.__class__.__name__}: "
                                  f"{self._failure}")
