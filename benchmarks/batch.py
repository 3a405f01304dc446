"""Batch mapping beyond one process: one process against Ray with actors, a sizing table from the
measured per-actor throughput, and candidate ranking over an index sharded across actors.

    .venv/bin/python benchmarks/batch.py [--outcomes 20000] [--workers 2] [--passports 1000000] [--json out.json]
    .venv/bin/python benchmarks/batch.py --quick     # the small run CI makes (tests/batch/test_batch_benchmark.py)

Outcomes: distinct real texts (the microcredential outcome blocks and skill phrases of the
development sets in ../shared/benchmarks, then ESCO skill descriptions), written as JSONL. Each is
mapped by ``run_local`` (one matcher in this process: both cores, the encoder in a second thread)
and by ``run_on_ray`` on a local cluster of ``--workers`` CPUs (one matcher per actor, one CPU
each); the shard files of both must be equal. Times include loading the matchers, as a job's do;
the overhead is the Ray run's extra wall time over the single process's; an actor's memory is its
peak RSS (of the actors that mapped a shard). Vacancies: the single process's throughput on the
job-ad, title and MELO development texts.

The sizing table assumes the measured per-actor rates hold on every actor of a cluster of 2-core
machines with two actors each (the matcher is CPU-bound; each actor holds its own indexes), and a
passport re-mapped as ``--outcomes-per-passport`` outcomes (its credentials' learning outcomes).

Ranking: ``--passports`` synthetic passports (``benchmarks/candidates.py``), one index against the
same index as 4 shards held by actors (half a CPU each): the top 20 of each query role must be
equal; query p50 of both.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.candidates import query_roles, synthetic  # noqa: E402
from skillmatch.batch.cluster import ray_cluster  # noqa: E402
from skillmatch.batch.job import BatchJob, ShardMapper, run_local, run_on_ray  # noqa: E402
from skillmatch.batch.mapping import MatcherSpec  # noqa: E402
from skillmatch.batch.ranking import ShardedCandidateIndex  # noqa: E402
from skillmatch.batch.shards import SHARD_LINES  # noqa: E402
from skillmatch.candidates import CandidateIndex  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.taxonomy import load_taxonomy, store_path  # noqa: E402

GOLD = REPO.parent / "shared" / "benchmarks"
OUTCOME_SETS = ["learning_outcomes_dev.jsonl", "skills_house_val.jsonl", "skills_tech_val.jsonl",
                "skills_skillskape_dev.jsonl", "skills_vdab_nl_dev.jsonl"]
VACANCY_SETS = ["occupations_jobads_dev.jsonl", "occupations_melo_nl_dev.jsonl", "occupations_titles_en_dev.jsonl"]
SIZING = {"outcomes": 1_000_000, "vacancies": 10_000_000, "passports": 1_000_000}


def texts(taxonomy, names: list[str], n: int, *, descriptions: bool) -> list[str]:
    """``n`` distinct real texts from the gold sets, then ESCO skill descriptions, then the
    sentences of ESCO occupation descriptions (what a job asks for, outcome-sized)."""
    found: dict[str, None] = {}
    for name in names:
        with (GOLD / name).open(encoding="utf-8") as handle:
            found.update((json.loads(line)["text"].strip(), None) for line in handle if line.strip())
    if descriptions:
        found.update((c.description.get("en", "").strip(), None) for c in taxonomy.skills)
        found.update((sentence.strip(), None) for c in taxonomy.occupations
                     for sentence in re.split(r"(?<=[.!?])\s+", c.description.get("en", "")))
    found.pop("", None)
    if len(found) < n:
        raise SystemExit(f"only {len(found)} distinct texts for {n}")
    return list(found)[:n]


def write_jsonl(path: Path, rows: list[str]) -> Path:
    path.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(rows)),
                    encoding="utf-8")
    return path


def shard_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.jsonl")))


#: A score's float noise: onnxruntime's reductions run on as many threads as a process has cores
#: (two here, one in a one-CPU actor), which moves a vector in its seventh decimal and so, now
#: and then, a rounded score in its last decimal or the order of two near-tied skills.
NOISE = 1e-3


def compare(local: str, ray: str) -> dict:
    """How the Ray run's records compare with the single process's, line by line: identical; the
    same skills with the same statuses and scores within :data:`NOISE` (``noise``); or not
    (``differing``)."""
    counts = {"lines": 0, "identical": 0, "noise": 0, "differing": 0}
    for mine, theirs in zip(local.splitlines(), ray.splitlines(), strict=True):
        counts["lines"] += 1
        if mine == theirs:
            counts["identical"] += 1
            continue
        a, b = json.loads(mine), json.loads(theirs)
        kind = "skills" if "skills" in a else "occupations"
        found = {m["uri"]: m for m in b[kind]}
        close = a["id"] == b["id"] and len(a[kind]) == len(found) and all(
            m["uri"] in found and m.get("status") == found[m["uri"]].get("status")
            and all(abs(m[f] - found[m["uri"]][f]) <= NOISE for f in ("score", "confidence") if f in m)
            for m in a[kind])
        counts["noise" if close else "differing"] += 1
    return counts


def measure_mapping(outcomes: list[str], vacancies: list[str], workers: int, shard_lines: int, work: Path) -> dict:
    spec = MatcherSpec(Settings().data_dir)
    source = write_jsonl(work / "outcomes.jsonl", outcomes)
    started = time.perf_counter()
    matcher = spec.open()
    loaded = time.perf_counter() - started
    run_local(BatchJob("skills", [source], work / "local", spec, shard_lines=shard_lines), matcher=matcher)
    local = time.perf_counter() - started
    vacancy_source = write_jsonl(work / "vacancies.jsonl", vacancies)
    started = time.perf_counter()
    run_local(BatchJob("occupations", [vacancy_source], work / "vacancies", spec), matcher=matcher)
    vacancy_rate = len(vacancies) / (time.perf_counter() - started)
    del matcher
    peaks = work / "peaks"
    peaks.mkdir()

    class Measured(ShardMapper):
        """The actor's peak RSS written after each shard (the records stay as they are)."""

        def __call__(self, batch: dict) -> dict:
            mapped = super().__call__(batch)
            kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            (peaks / f"{os.getpid()}").write_text(str(kib))
            return mapped

    started = time.perf_counter()
    run_on_ray(BatchJob("skills", [source], work / "ray", spec, shard_lines=shard_lines), workers=workers,
               mapper=Measured)
    on_ray = time.perf_counter() - started
    agreement = compare(shard_text(work / "local"), shard_text(work / "ray"))
    if agreement["differing"]:
        raise SystemExit(f"the Ray run's records differ from the single process's: {agreement}")
    n = len(outcomes)
    per_actor = n / (on_ray - loaded) / workers  # an actor loads its matcher as the single process does
    return {"outcomes": n, "workers": workers, "matcher_load_s": round(loaded, 1),
            "single_s": round(local, 1), "single_items_per_s": round(n / local, 1),
            "ray_s": round(on_ray, 1), "ray_items_per_s": round(n / on_ray, 1),
            "overhead_pct": round(100 * (on_ray / local - 1), 1),
            "per_actor_items_per_s": round(per_actor, 1),
            "actor_peak_rss_mb": sorted(round(int(p.read_text()) / 1024) for p in peaks.iterdir()),
            "vacancies": len(vacancies), "single_vacancies_per_s": round(vacancy_rate, 1), "records": agreement}


def sizing(mapping: dict, outcomes_per_passport: int) -> list[dict]:
    """Actor-hours, machine-hours (2 actors a machine) and actors to finish in 8 hours, per workload."""
    outcome_rate = mapping["per_actor_items_per_s"]
    # Vacancies scale from the single process as outcomes do (the same matcher, the same split).
    vacancy_rate = mapping["single_vacancies_per_s"] * outcome_rate / mapping["single_items_per_s"]
    rows = []
    for name, items, rate in (("1 M outcomes", SIZING["outcomes"], outcome_rate),
                              ("10 M vacancies", SIZING["vacancies"], vacancy_rate),
                              ("re-map 1 M passports", SIZING["passports"] * outcomes_per_passport, outcome_rate)):
        actor_hours = items / rate / 3600
        rows.append({"workload": name, "items": items, "actor_items_per_s": round(rate, 1),
                     "actor_hours": round(actor_hours, 1), "machine_hours": round(actor_hours / 2, 1),
                     "actors_for_8_hours": max(1, round(actor_hours / 8 + 0.5))})
    return rows


def measure_ranking(taxonomy, passports: int, shards: int, queries: int) -> dict:
    data = synthetic(taxonomy, passports)
    single = CandidateIndex().fit(data.passports(), taxonomy)
    size = -(-passports // shards)
    roles = [role for _i, role in query_roles(taxonomy, data, queries)]
    one, sharded_times, equal = [], [], 0
    with ShardedCandidateIndex(num_cpus=0.5).fit([single.rows(i, i + size)
                                                  for i in range(0, passports, size)]) as sharded:
        sharded.rank(roles[0], top=20)
        for role in roles:
            started = time.perf_counter()
            expected = single.rank(role, top=20)
            one.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = sharded.rank(role, top=20)
            sharded_times.append(time.perf_counter() - started)
            equal += found == expected
    return {"passports": passports, "shards": shards, "queries": len(roles), "same_top20": equal,
            "single_p50_ms": round(1000 * statistics.median(one), 1),
            "sharded_p50_ms": round(1000 * statistics.median(sharded_times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outcomes", type=int, default=20_000)
    parser.add_argument("--vacancies", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--passports", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--outcomes-per-passport", type=int, default=20)
    parser.add_argument("--shard-lines", type=int, default=SHARD_LINES, help="lines per shard (a multiple of 32)")
    parser.add_argument("--quick", action="store_true",
                        help="128 outcomes and vacancies in shards of 64, 20,000 passports")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.quick:
        args.outcomes, args.vacancies, args.passports, args.queries, args.shard_lines = 128, 128, 20_000, 10, 64
    taxonomy = load_taxonomy(store_path(Settings().data_dir))
    outcomes = texts(taxonomy, OUTCOME_SETS, args.outcomes, descriptions=True)
    vacancies = texts(taxonomy, VACANCY_SETS, args.vacancies, descriptions=False)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    with tempfile.TemporaryDirectory() as work, ray_cluster(None, workers=args.workers):
        mapping = measure_mapping(outcomes, vacancies, args.workers, args.shard_lines, Path(work))
        ranking = measure_ranking(taxonomy, args.passports, 4, args.queries)
    result = {"mapping": mapping, "sizing": sizing(mapping, args.outcomes_per_passport), "ranking": ranking}
    print(f"mapping {mapping['outcomes']:,} outcomes: one process {mapping['single_items_per_s']}/s "
          f"({mapping['single_s']} s, matcher load {mapping['matcher_load_s']} s); Ray, {args.workers} actors "
          f"{mapping['ray_items_per_s']}/s ({mapping['ray_s']} s, overhead {mapping['overhead_pct']}%); "
          f"{mapping['per_actor_items_per_s']}/s per actor; actor peak RSS {mapping['actor_peak_rss_mb']} MB")
    print(f"{'workload':<22}{'items':>13}{'per actor/s':>13}{'actor-h':>10}{'machine-h':>11}{'actors, 8 h':>13}")
    for row in result["sizing"]:
        print(f"{row['workload']:<22}{row['items']:>13,}{row['actor_items_per_s']:>13}{row['actor_hours']:>10}"
              f"{row['machine_hours']:>11}{row['actors_for_8_hours']:>13}")
    print(f"ranking {ranking['passports']:,} passports in {ranking['shards']} shards: same top 20 for "
          f"{ranking['same_top20']} of {ranking['queries']} roles; query p50 {ranking['sharded_p50_ms']} ms "
          f"sharded, {ranking['single_p50_ms']} ms one index")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
