"""A catalogue re-mapped on Ray: the stale credentials' outcomes matched by actors, each holding
one matcher, and each credential's new links written here, one transaction per credential.

Only the inferred links are replaced: issuer links and the institution's reviews stay as they
are. A credential written carries the matcher's fingerprint, so a run that is stopped half-way
(killed, or a worker's error) resumes where it stopped: the next run maps only what is still
stale.

>>> with ray_cluster(None, workers=2):                                       # doctest: +SKIP
...     remap_on_ray(CatalogueStore.open(url, data_dir), MatcherSpec(data_dir), workers=2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from skillmatch.batch.cluster import import_ray
from skillmatch.batch.mapping import MatcherSpec
from skillmatch.catalogue import REMAP_GROUP, inferred_links
from skillmatch.domain import SkillLink
from skillmatch.errors import SkillmatchError
from skillmatch.store import CatalogueStore, CredentialRecord

Progress = Callable[[str, int, int], None]


class CredentialMapper:
    """A Ray actor: one matcher, loaded once, maps groups of credentials."""

    def __init__(self, spec: MatcherSpec) -> None:
        self.matcher = spec.open()

    def fingerprint(self) -> str:
        return self.matcher.fingerprint_

    def links(self, records: Sequence[CredentialRecord]) -> list[tuple[str, list[SkillLink]]]:
        return list(zip((r.id for r in records), inferred_links(self.matcher, records), strict=True))


def remap_on_ray(store: CatalogueStore, spec: MatcherSpec, *, workers: int = 2, force: bool = False,
                 progress: Progress | None = None, mapper: type[CredentialMapper] = CredentialMapper) -> list[str]:
    """Re-map the stale credentials of ``store`` (every one with ``force``) on the connected Ray
    cluster with ``workers`` ``mapper`` actors, one CPU each; the ids mapped, in the order written.

    Ray restarts an actor whose process dies and runs its group again. Raises SkillmatchError
    when a group fails otherwise; what was written before stays written."""
    ray = import_ray()
    from ray.util import ActorPool

    remote = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(mapper)
    actors = [remote.remote(spec) for _ in range(workers)]
    try:
        fingerprint = ray.get(actors[0].fingerprint.remote())
        ids = store.stale(fingerprint, every=force)
        pool, done = ActorPool(actors), []
        for mapped in _in_flight(pool, store, ids, 2 * workers):
            for credential_id, links in mapped:
                store.replace_inferred(credential_id, links, fingerprint)
                done.append(credential_id)
            if progress:
                progress("mapping learning outcomes", len(done), len(ids))
        return done
    except ray.exceptions.RayTaskError as exc:
        raise SkillmatchError(f"re-mapping stopped: {exc.cause!r}; run it again to map the rest") from exc
    finally:
        for actor in actors:
            ray.kill(actor)


def _in_flight(pool, store: CatalogueStore, ids: Sequence[str], limit: int) -> Iterator[list]:
    """Each group's result as it comes, with at most ``limit`` groups read and sent at a time, so
    that a catalogue of millions of credentials is never read into memory at once."""
    groups = (ids[start : start + REMAP_GROUP] for start in range(0, len(ids), REMAP_GROUP))
    sent = 0
    for group in groups:
        pool.submit(lambda actor, records: actor.links.remote(records), store.credentials(group))
        sent += 1
        if sent >= limit:
            yield pool.get_next_unordered()
            sent -= 1
    while pool.has_next():
        yield pool.get_next_unordered()
