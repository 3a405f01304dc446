"""The benchmark metrics on hand-made rankings with known answers, and a small real run of the peer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.metrics import bootstrap, evaluate, evaluate_outcomes, load_gold, recall_at_k, reciprocal_rank, rp_at_k
from tests.conftest import OCC, SHARED

RANKED = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]


def test_rp_at_k_divides_by_the_smaller_of_k_and_the_gold_count() -> None:
    assert rp_at_k(RANKED, ["b", "x"], 5) == 1 / 2
    assert rp_at_k(RANKED, ["a", "c", "e", "g", "i", "k", "x"], 5) == 3 / 5
    assert rp_at_k(RANKED, ["a", "c", "e", "g", "i", "k", "x"], 10) == 5 / 7
    assert rp_at_k(RANKED, ["f"], 5) == 0.0
    assert rp_at_k(RANKED, ["f"], 10) == 1.0
    assert rp_at_k(["a"], ["a", "b", "c"], 10) == 1 / 3


def test_recall_at_k_divides_by_the_gold_count() -> None:
    assert recall_at_k(RANKED, ["a", "c", "e", "g", "i", "k", "x"], 10) == 5 / 7
    assert recall_at_k(RANKED, ["a", "l"], 10) == 1 / 2
    assert recall_at_k(RANKED, ["a"], 1) == 1.0
    assert recall_at_k(RANKED, ["a", "b", "x"], 2) == 2 / 3  # where RP@2 would be 1
    assert recall_at_k([], ["a"], 10) == 0.0


def test_reciprocal_rank_uses_the_first_gold_item_anywhere_in_the_list() -> None:
    assert reciprocal_rank(RANKED, ["a"]) == 1.0
    assert reciprocal_rank(RANKED, ["x", "d", "b"]) == 1 / 2
    assert reciprocal_rank(RANKED, ["l"]) == 1 / 12
    assert reciprocal_rank(RANKED, ["x"]) == 0.0


def test_a_repeated_hit_counts_once() -> None:
    assert rp_at_k(["a", "a", "a"], ["a", "b"], 5) == 1 / 2
    assert recall_at_k(["a", "a"], ["a", "b"], 10) == 1 / 2


def test_empty_gold_is_an_error_not_a_score() -> None:
    with pytest.raises(ValueError):
        rp_at_k(RANKED, [], 5)
    with pytest.raises(ValueError):
        reciprocal_rank(RANKED, [])


def test_evaluate_means_over_items_and_scores_missing_predictions_as_zero() -> None:
    items = [
        {"id": "1", "text": "", "gold": ["a"]},
        {"id": "2", "text": "", "gold": ["c", "x"]},
        {"id": "3", "text": "", "gold": ["a"]},  # no prediction at all
    ]
    figures = evaluate({"1": ["a", "b"], "2": ["b", "c", "d"]}, items)
    assert figures["n"] == 3
    assert figures["acc@1"] == pytest.approx(1 / 3)
    assert figures["MRR"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert figures["RP@5"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert figures["RP@10"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert figures["R@10"] == pytest.approx((1 + 1 / 2 + 0) / 3)


def test_evaluate_distinguishes_rp_at_5_from_rp_at_10() -> None:
    items = [{"id": "1", "text": "", "gold": ["g", "h", "x"]}]
    figures = evaluate({"1": RANKED}, items)
    assert (figures["RP@5"], figures["RP@10"], figures["R@10"]) == (0.0, pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert (figures["MRR"], figures["acc@1"]) == (pytest.approx(1 / 7), 0.0)


def test_load_gold_reads_items_and_rejects_an_item_without_gold(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "1", "text": "nurse", "lang": "en", "gold": [OCC + "n"]}) + "\n\n")
    assert load_gold(good) == [{"id": "1", "text": "nurse", "lang": "en", "gold": [OCC + "n"]}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "1", "text": "nurse", "gold": []}) + "\n")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        load_gold(bad)


def test_peer_ranks_real_job_titles() -> None:
    """5 dev titles through the peer. Encoding its 3,658 occupation texts the first time took
    215 s on the 2-core development machine; later runs read the cache and take a few seconds."""
    pytest.importorskip("esco_skill_extractor", reason="the peer needs the 'bench' extra")
    from benchmarks.peer import Peer

    items = load_gold(SHARED / "benchmarks" / "occupations_titles_en_dev.jsonl")[:5]
    ranked = Peer().rank_occupations([item["text"] for item in items], top_k=10)
    assert len(ranked) == 5
    for row in ranked:
        uris, scores = [uri for uri, _ in row], [score for _, score in row]
        assert len(uris) == 10 and len(set(uris)) == 10
        assert all(uri.startswith("http://data.europa.eu/esco/occupation/") for uri in uris)
        assert scores == sorted(scores, reverse=True)
    # The peer finds "Mobile Apps Programmer" -> its gold occupation first; guards against a scrambled read-out.
    assert ranked[3][0][0] == items[3]["gold"][0]


def test_headline_metric_per_file() -> None:
    from benchmarks.metrics import headline

    assert headline("skills_tech_val.jsonl") == "RP@5"
    assert headline("skills_vdab_nl_dev.jsonl") == "MRR"
    assert headline("occupations_titles_en_dev.jsonl") == "MRR"


def _outcome(item_id: str, *groups: list[str]) -> dict:
    return {"id": item_id, "text": item_id, "gold_groups": [list(g) for g in groups],
            "gold": [uri for g in groups for uri in g]}


def test_outcome_metrics_count_groups_outcomes_and_links() -> None:
    items = [_outcome("a", ["s1", "s1b"], ["s2"]), _outcome("b", ["s3"]), _outcome("c", ["s4"])]
    found = {
        # a: the first group through its sibling (rank 2), the second at rank 6; one right and one wrong link.
        "a": [("x", True), ("s1b", True), ("y", False), ("z", False), ("w", False), ("s2", False)],
        # b: right at the top, not linked; c: nothing found.
        "b": [("s3", False)],
    }
    figures = evaluate_outcomes(found, items)
    assert figures["group R@5"] == pytest.approx(2 / 4)  # s1 group and s3 of four groups
    assert figures["top1"] == pytest.approx(1 / 3)
    assert figures["with link"] == pytest.approx(1 / 3)
    assert figures["link precision"] == pytest.approx(1 / 2)
    assert figures["link group R"] == pytest.approx(1 / 4)
    assert evaluate_outcomes({}, items)["link precision"] is None  # nothing linked: no precision
    with pytest.raises(ValueError, match="gold groups"):
        evaluate_outcomes({}, [_outcome("d")])


def test_bootstrap_interval_holds_the_figure_and_narrows_with_agreement() -> None:
    items = [_outcome(str(i), [f"s{i}"]) for i in range(40)]
    half = {str(i): [(f"s{i}" if i % 2 else "x", False)] for i in range(40)}
    low, high = bootstrap(half, items, "top1")
    assert low < evaluate_outcomes(half, items)["top1"] == 0.5 < high and high - low > 0.1
    assert bootstrap({str(i): [(f"s{i}", True)] for i in range(40)}, items, "top1") == (1.0, 1.0)
    assert bootstrap(half, items, "link precision") is None


def test_the_outcome_ceiling_counts_groups_by_depth_and_after_reordering() -> None:
    from types import SimpleNamespace

    import numpy as np

    from benchmarks.outcome_ceiling import recall_by_depth, reranked

    items = [{"file": "x.jsonl", "gold": ["g", "h"], "gold_groups": [["g"], ["h"]]},
             {"file": "x.jsonl", "gold": ["k"], "gold_groups": [["k"]]}]
    matched = [[SimpleNamespace(uri=u) for u in "abcdefghij"], [SimpleNamespace(uri=u) for u in "kabcde"]]
    row = next(line for line in recall_by_depth(items, matched) if line.startswith("| x |"))
    # depth 1: only "k"; depth 5: still "k"; depth 10: "g" and "h" too
    assert row.split(" | ")[1:4] == ["0.333", "0.333", "1.000"]
    owner = np.array([0] * 10 + [1] * 6)
    in_order = -np.r_[np.arange(10), np.arange(6)].astype(float)
    assert reranked(items, matched, owner, in_order) == (1 / 3, 1 / 2)
    # putting "g" (row 6) first makes outcome 0's first match right and finds its group in the first five
    lifted = in_order.copy()
    lifted[6] = 1.0
    assert reranked(items, matched, owner, lifted) == (2 / 3, 1.0)
