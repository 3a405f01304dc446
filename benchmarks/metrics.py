"""Ranking metrics for the gold sets in ../shared/benchmarks (see its README.md for the definitions).

Every function takes a ranked list of URIs (best first) and the gold URIs of one item. A URI that
appears twice in a ranking counts once, so an engine cannot score by repeating a hit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

METRICS = ("RP@5", "RP@10", "MRR", "acc@1", "R@10")
#: For learning outcomes with gold *groups* (any URI of a group is a correct link).
OUTCOME_METRICS = ("group R@5", "top1", "with link", "link precision", "link group R")


def _hits(ranked: Sequence[str], gold: Iterable[str], k: int) -> tuple[int, int]:
    """(distinct gold URIs in the top k, number of distinct gold URIs)."""
    gold_set = set(gold)
    if not gold_set:
        raise ValueError("an item needs at least one gold URI")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return len(gold_set.intersection(ranked[:k])), len(gold_set)


def rp_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """R-precision at k: gold URIs in the top k / min(k, number of gold URIs)."""
    hits, n_gold = _hits(ranked, gold, k)
    return hits / min(k, n_gold)


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """Gold URIs in the top k / number of gold URIs."""
    hits, n_gold = _hits(ranked, gold, k)
    return hits / n_gold


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str]) -> float:
    """1 / rank of the first gold URI in the whole ranking, 0 if none is there."""
    gold_set = set(gold)
    if not gold_set:
        raise ValueError("an item needs at least one gold URI")
    for rank, uri in enumerate(ranked, start=1):
        if uri in gold_set:
            return 1 / rank
    return 0.0


def evaluate(ranked_by_id: dict[str, list[str]], items: list[dict]) -> dict[str, float]:
    """Mean metrics over ``items``; an item missing from ``ranked_by_id`` scores 0 on every metric."""
    if not items:
        raise ValueError("no items to evaluate")
    totals = dict.fromkeys(METRICS, 0.0)
    for item in items:
        ranked, gold = ranked_by_id.get(item["id"], []), item["gold"]
        totals["RP@5"] += rp_at_k(ranked, gold, 5)
        totals["RP@10"] += rp_at_k(ranked, gold, 10)
        totals["MRR"] += reciprocal_rank(ranked, gold)
        totals["acc@1"] += rp_at_k(ranked, gold, 1)  # RP@1 is 1 exactly when the top URI is gold
        totals["R@10"] += recall_at_k(ranked, gold, 10)
    result = {name: total / len(items) for name, total in totals.items()}
    result["n"] = len(items)
    return result


def evaluate_outcomes(found_by_id: dict[str, list[tuple[str, bool]]], items: list[dict]) -> dict[str, float | None]:
    """The learning-outcome metrics over ``items`` (each with ``gold_groups``); ``found_by_id``
    holds each outcome's matches, best first, as (URI, linked). Group R@5 and link group R count
    groups (micro), top1 and with link count outcomes; link precision counts linked matches and is
    None where nothing was linked. An outcome missing from ``found_by_id`` found nothing."""
    if not items:
        raise ValueError("no items to evaluate")
    groups = at_five = groups_linked = top1 = with_link = linked = linked_right = 0
    for item in items:
        found = found_by_id.get(item["id"], [])
        gold_groups = [set(group) for group in item["gold_groups"]]
        if not gold_groups or not all(gold_groups):
            raise ValueError(f"item {item['id']!r} needs non-empty gold groups")
        correct = set().union(*gold_groups)
        first_five = {uri for uri, _ in found[:5]}
        links = list(dict.fromkeys(uri for uri, is_linked in found if is_linked))
        groups += len(gold_groups)
        at_five += sum(bool(group & first_five) for group in gold_groups)
        groups_linked += sum(bool(group.intersection(links)) for group in gold_groups)
        top1 += bool(found) and found[0][0] in correct
        with_link += bool(links)
        linked += len(links)
        linked_right += sum(uri in correct for uri in links)
    return {"group R@5": at_five / groups, "top1": top1 / len(items), "with link": with_link / len(items),
            "link precision": linked_right / linked if linked else None, "link group R": groups_linked / groups,
            "n": len(items)}


def bootstrap(found_by_id: dict[str, list[tuple[str, bool]]], items: list[dict], metric: str, *,
              rounds: int = 1000, seed: int = 0) -> tuple[float, float] | None:
    """The 2.5th and 97.5th percentiles of an outcome ``metric`` over ``rounds`` resamples of the
    items (with replacement): how far the figure of a set this small could move on another draw of
    outcomes. None where the metric has no value on any resample."""
    import numpy as np

    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        picks = rng.integers(0, len(items), len(items)).tolist()
        sample = [dict(items[i], id=str(n)) for n, i in enumerate(picks)]
        value = evaluate_outcomes({str(n): found_by_id.get(items[i]["id"], []) for n, i in enumerate(picks)},
                                  sample)[metric]
        if value is not None:
            values.append(value)
    return (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))) if values else None


def load_gold(path: Path | str) -> list[dict]:
    """The items of one gold JSONL file, checked for the fields the metrics need."""
    items = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            item = json.loads(line)
            if not isinstance(item.get("id"), str) or not isinstance(item.get("text"), str) or not item.get("gold"):
                raise ValueError(f"{path}:{line_no}: needs a string id, a string text and a non-empty gold list")
            items.append(item)
    return items


def headline(file_name: str) -> str:
    """The metric a gold file is judged on: RP@5 for skill sentences, MRR for Dutch skill phrases
    (one gold skill each) and for occupations."""
    if file_name.startswith("skills_") and "vdab" not in file_name:
        return "RP@5"
    return "MRR"
