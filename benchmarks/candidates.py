"""Candidate ranking at scale: index build and query time, and memory, over synthetic passports.

    .venv/bin/python benchmarks/candidates.py [--sizes 100000 1000000] [--queries 50] [--seed 7]

Synthetic passports, from a fixed seed: each person gets 1–3 random ESCO occupations and, from each,
5–40 skills of its profile (each draw an essential skill with probability 0.7, else an optional
one; drawn with replacement, repeats dropped), plus 0–3 random skills of all ESCO; every skill a
confidence uniform in [0.5, 1]. Persons are generated
as arrays and handed to ``CandidateIndex.fit`` one dictionary at a time (a generator), as a
database cursor would hand them over.

Per size: the time to build those dictionaries (apart) and to fit the index; query time p50/p95
over ``--queries`` roles of real occupations, warm (one query first), top 20 with explanations;
how often the top candidate was built from the queried occupation (a sanity check); the matrix's
bytes and the process's RSS growth over the fit (the rest of that growth is the candidate ids
and memory the allocator keeps); the peak RSS of the size's process (mostly the generator's
arrays); and a naive per-candidate Python loop over a 10,000-passport sample, with its time scaled
to the full size. Each size runs in a process of its own. On the 2-core AMD EPYC this was written
on, ``--sizes 100000`` takes about 6 s in all and 1,000,000 about 35 s (peak 3 GB).

How it scales further. The query is one sparse matrix–vector product, linear in the number of
held skills (8 bytes each: float32 credit, int32 column). Past one machine's memory or a second
per query: shard the CSR matrix by candidate across processes or machines, each ranking its shard
and returning its top k, merged by score (the shards run in parallel, so query time stays that of
one shard); keep a skill-major (CSC) copy as an inverted index by skill, so a query reads only the
posting lists of the role's few dozen skills instead of every row (worth it once most candidates
share none of a role's skills); and prune by essentials: score only the candidates in the posting
lists of the role's essential skills, or those holding at least a given share of them, before the
full score. Fitting is linear in the passports and can be done per shard, incrementally (new
passports as new rows, a withdrawn consent as a removed row).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import heapq
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from skillmatch.candidates import CandidateIndex, Role, role_from_occupation  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.taxonomy import Taxonomy, build_taxonomy, default_source, load_taxonomy  # noqa: E402

#: Chance that a skill drawn from an occupation's profile is one of its essential skills.
ESSENTIAL_SHARE = 0.7
#: Persons the naive loop is timed on.
NAIVE_SAMPLE = 10_000
#: Persons turned into dictionaries at a time by ``Synthetic.passports``.
_CHUNK = 10_000


@dataclass(frozen=True)
class Synthetic:
    """Synthetic passports as CSR-like arrays: person i holds ``columns[indptr[i]:indptr[i + 1]]``
    (indices into ``skills``) at ``confidences``; ``sources[i]`` are the occupations (indices into
    ``occupations``) the person was built from, -1 where fewer than three."""

    skills: list[str]
    occupations: list[str]
    indptr: np.ndarray
    columns: np.ndarray
    confidences: np.ndarray
    sources: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def passport(self, i: int) -> dict[str, float]:
        start, end = self.indptr[i], self.indptr[i + 1]
        return dict(zip(map(self.skills.__getitem__, self.columns[start:end].tolist()),
                        self.confidences[start:end].tolist(), strict=True))

    def passports(self, clock: list[float] | None = None) -> Iterator[tuple[str, dict[str, float]]]:
        """(id, {skill URI: confidence}) per person; the seconds spent making them are added to ``clock[0]``."""
        for first in range(0, len(self), _CHUNK):
            started = time.perf_counter()
            chunk = [(person_id(i), self.passport(i)) for i in range(first, min(first + _CHUNK, len(self)))]
            if clock is not None:
                clock[0] += time.perf_counter() - started
            yield from chunk


def person_id(i: int) -> str:
    return f"p{i:07d}"


def synthetic(taxonomy: Taxonomy, n: int, *, seed: int = 7) -> Synthetic:
    """``n`` synthetic passports built from real occupation profiles (see the module docstring)."""
    rng = np.random.default_rng(seed)
    skills = [c.uri for c in taxonomy.skills]
    column = {uri: i for i, uri in enumerate(skills)}
    occupations = [o.uri for o in taxonomy.occupations if len(taxonomy.skills_of(o.uri)) >= 5]
    # Each occupation's essential skills, then all its optional ones, in one flat array.
    essential = [[column[s.uri] for s in taxonomy.skills_of(o, "essential")] for o in occupations]
    optional = [[column[s.uri] for s in taxonomy.skills_of(o, "optional")] for o in occupations]
    flat = np.array([c for group in (essential, optional) for members in group for c in members], dtype=np.int64)
    ess_size = np.array([len(e) for e in essential])
    opt_size = np.array([len(o) for o in optional])
    ess_offset = np.concatenate([[0], np.cumsum(ess_size)[:-1]])
    opt_offset = ess_size.sum() + np.concatenate([[0], np.cumsum(opt_size)[:-1]])

    picks_per_person = rng.integers(1, 4, n)
    owner = np.repeat(np.arange(n), picks_per_person)
    picks = rng.integers(0, len(occupations), len(owner))
    sources = np.full((n, 3), -1, dtype=np.int32)
    slot = np.arange(len(owner)) - np.repeat(np.cumsum(picks_per_person) - picks_per_person, picks_per_person)
    sources[owner, slot] = picks

    draws = np.minimum(rng.integers(5, 41, len(picks)), (ess_size + opt_size)[picks])
    draw_owner = np.repeat(owner, draws)
    draw_pick = np.repeat(picks, draws)
    # Someone who works in an occupation holds most of its essential skills and some optional ones.
    essential_draw = ((rng.random(len(draw_pick)) < ESSENTIAL_SHARE) & (ess_size[draw_pick] > 0)) | (
        opt_size[draw_pick] == 0)
    size = np.where(essential_draw, ess_size[draw_pick], opt_size[draw_pick])
    start = np.where(essential_draw, ess_offset[draw_pick], opt_offset[draw_pick])
    drawn = flat[start + (rng.random(len(draw_pick)) * size).astype(np.int64)]
    extra = rng.integers(0, 4, n)
    keys = np.concatenate([draw_owner * len(skills) + drawn,
                           np.repeat(np.arange(n), extra) * len(skills) + rng.integers(0, len(skills), extra.sum())])
    # Sort and drop repeats by hand: np.unique hashes first and takes several times as long here.
    keys.sort()
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    person, columns = np.divmod(keys, len(skills))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(person, minlength=n))])
    confidences = rng.uniform(0.5, 1.0, len(columns)).astype(np.float32)
    return Synthetic(skills, occupations, indptr, columns.astype(np.int32), confidences, sources)


def query_roles(taxonomy: Taxonomy, data: Synthetic, count: int, *, seed: int = 7) -> list[tuple[int, Role]]:
    """``count`` roles of random real occupations (each with essential skills), as (occupation index, role)."""
    rng = np.random.default_rng(seed + 1)
    roles = []
    for i in rng.permutation(len(data.occupations)).tolist():
        if taxonomy.skills_of(data.occupations[i], "essential"):
            roles.append((i, role_from_occupation(data.occupations[i], taxonomy)))
        if len(roles) == count:
            break
    return roles


def naive_rank(passports: list[tuple[str, dict[str, float]]], role: Role, top: int = 20) -> list[tuple[float, str]]:
    """The per-candidate loop the index replaces: one Python dictionary walk per passport."""
    total = sum(role.skills.values())
    scored = ((sum(w * held[uri] for uri, w in role.skills.items() if uri in held) / total, candidate)
              for candidate, held in passports)
    return heapq.nlargest(top, scored)


def rss_mb() -> float:
    """Resident memory now (Linux /proc), else the peak so far."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def release_freed_memory() -> None:
    """Hand freed heap back to the OS (glibc), so that RSS growth over the fit is the fit's own and
    not partly hidden in memory the generator freed."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def measure(taxonomy: Taxonomy, n: int, *, queries: int = 50, seed: int = 7, naive_queries: int = 5) -> dict:
    """Every figure of one table row for ``n`` synthetic passports."""
    started = time.perf_counter()
    data = synthetic(taxonomy, n, seed=seed)
    generate_s = time.perf_counter() - started

    release_freed_memory()
    before = rss_mb()
    clock = [0.0]
    started = time.perf_counter()
    index = CandidateIndex().fit(data.passports(clock), taxonomy)
    fit_s = time.perf_counter() - started - clock[0]
    rss_delta = rss_mb() - before
    matrix = index.matrix_
    matrix_mb = (matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes) / 2**20

    roles = query_roles(taxonomy, data, queries, seed=seed)
    index.rank(roles[0][1])
    times, hits = [], 0
    for occupation, role in roles:
        started = time.perf_counter()
        ranked = index.rank(role, top=20)
        times.append(time.perf_counter() - started)
        top_person = int(ranked[0].candidate[1:])
        hits += occupation in data.sources[top_person]

    sample = [(person_id(i), data.passport(i)) for i in range(min(n, NAIVE_SAMPLE))]
    naive = []
    for _, role in roles[:naive_queries]:
        started = time.perf_counter()
        naive_rank(sample, role)
        naive.append(time.perf_counter() - started)
    naive_s = statistics.median(naive)
    return {
        "passports": n, "held_skills": int(matrix.nnz), "generate_s": generate_s, "fit_s": fit_s,
        "dicts_s": clock[0], "query_p50_ms": 1000 * statistics.median(times),
        "query_p95_ms": 1000 * float(np.percentile(times, 95)), "queries": len(times),
        "top1_from_occupation": hits / len(times), "matrix_mb": matrix_mb, "rss_delta_mb": rss_delta,
        "naive_sample": len(sample), "naive_p50_ms": 1000 * naive_s, "naive_at_n_s": naive_s * n / len(sample),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"machine: {cpu}, {len(os.sched_getaffinity(0))} cores, python {platform.python_version()}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = Settings()
    if args.worker:
        taxonomy = load_taxonomy(build_taxonomy([default_source(settings.esco)], settings.data_dir).path)
        print(json.dumps(measure(taxonomy, args.worker, queries=args.queries, seed=args.seed)))
        return
    print(machine())
    print("| passports | held skills | generate s | fit s | query p50 ms | query p95 ms | top-1 from occupation "
          "| matrix MB | RSS growth over fit MB | peak RSS MB | naive 10k p50 ms | naive at size s (est.) | run s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        # Each size in a fresh process: the peak memory is then that size's alone.
        started = time.perf_counter()
        result = subprocess.run([sys.executable, __file__, "--worker", str(n), "--queries", str(args.queries),
                                 "--seed", str(args.seed)], check=True, capture_output=True, text=True)
        f = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"| {n:,} | {f['held_skills']:,} | {f['generate_s']:.1f} | {f['fit_s']:.1f} | {f['query_p50_ms']:.1f} "
              f"| {f['query_p95_ms']:.1f} | {f['top1_from_occupation']:.0%} | {f['matrix_mb']:.0f} "
              f"| {f['rss_delta_mb']:.0f} | {f['peak_rss_mb']:.0f} | {f['naive_p50_ms']:.0f} | {f['naive_at_n_s']:.1f} "
              f"| {time.perf_counter() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
