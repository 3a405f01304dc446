"""How far the learning-outcome ranking can go with what the project may use.

    python benchmarks/outcome_ceiling.py [--depth 30]

Two measurements over the development outcomes and the project's own (the files of
``outcome_decision.py``), per file, since the development set is written the way the unseen
outcomes are:

1. **Recall by depth**: the share of gold groups with a URI among the matcher's first k skills,
   k = 1 ... 200. Whatever reorders the candidates the matcher finds (a reranker, another decision)
   can lift group R@5 at most to the recall at the depth it reorders.
2. **A learned reranker**, cross-fitted (five folds by outcome) and fitted on the project's own
   outcomes alone, then applied to the development set: a logistic regression over each of an
   outcome's first ``--depth`` candidates, on the matcher's score, its gap to the first and its
   rank, evidence the matcher does not weigh (how many occupations hold the skill as essential and
   as optional, knowledge or skill, its best MiniLM cosine with the outcome's English readings)
   and the agreement of the outcome's readings. Each feature set is reported, to show what each
   kind of evidence adds.

The MiniLM index of skill labels is built into the data directory on first use (some minutes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.outcome_decision import FOLDS, outcome_files, read_items  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.matching import Matcher, open_matcher  # noqa: E402
from skillmatch.taxonomy import ConceptKind  # noqa: E402

DEPTHS = (1, 5, 10, 20, 50, 100, 200)
FEATURES = ("score", "gap to first", "log rank", "essential for", "optional for", "knowledge", "MiniLM cosine",
            "agreement", "Dutch")
FEATURE_SETS = {
    "matcher only (score, gap, rank)": (0, 1, 2),
    "+ occupations holding the skill": (0, 1, 2, 3, 4),
    "+ knowledge or skill": (0, 1, 2, 3, 4, 5),
    "+ MiniLM cosine": (0, 1, 2, 3, 4, 5, 6),
    "+ agreement, language (all)": tuple(range(len(FEATURES))),
}
DEVELOPMENT = "learning_outcomes_dev.jsonl"


def recall_by_depth(items: list[dict], matched: list[list]) -> list[str]:
    lines = ["| outcomes | " + " | ".join(f"R@{k}" for k in DEPTHS) + " |", "|---|" + "---|" * len(DEPTHS)]
    for file in sorted({item["file"] for item in items}):
        cells = []
        for k in DEPTHS:
            groups = hits = 0
            for item, matches in zip(items, matched, strict=True):
                if item["file"] == file:
                    first = {match.uri for match in matches[:k]}
                    groups += len(item["gold_groups"])
                    hits += sum(bool(first & set(group)) for group in item["gold_groups"])
            cells.append(f"{hits / groups:.3f}")
        lines.append(f"| {file.removesuffix('.jsonl')} | " + " | ".join(cells) + " |")
    return lines


def candidate_features(matcher: Matcher, items: list[dict], matched: list[list]) -> tuple[np.ndarray, np.ndarray]:
    """One row of FEATURES per (outcome, candidate), and the outcome each row belongs to."""
    taxonomy = matcher.taxonomy
    essential: dict[str, int] = {}
    optional: dict[str, int] = {}
    for occupation in taxonomy.occupations:
        for skill in taxonomy.skills_of(occupation.uri, "essential"):
            essential[skill.uri] = essential.get(skill.uri, 0) + 1
        for skill in taxonomy.skills_of(occupation.uri, "optional"):
            optional[skill.uri] = optional.get(skill.uri, 0) + 1
    minilm = matcher.artefacts_.second_index("minilm").load()
    ids = {uri: i for i, uri in enumerate(matcher.indexes_[ConceptKind.SKILL].uris_)}
    readings = matcher.read_outcomes([item["text"] for item in items])
    rows, owner = [], []
    for n, (item, matches, reading) in enumerate(zip(items, matched, readings, strict=True)):
        if not matches:
            continue
        dutch = reading.lang == "nl"
        english = [matcher.glossary_.gloss(text) if dutch else text
                   for text in (item["text"], *(p.verb_first if dutch else p.text for p in reading.phrases))]
        similarities = minilm.similarities(minilm.encoder.encode(english, role="query"))
        pairs = np.array([[row, ids[m.uri]] for row in range(len(english)) for m in matches])
        cosine = minilm.pair_scores(similarities, pairs).reshape(len(english), len(matches)).max(axis=0)
        for rank, match in enumerate(matches):
            rows.append((match.score, matches[0].score - match.score, np.log1p(rank),
                         np.log1p(essential.get(match.uri, 0)), np.log1p(optional.get(match.uri, 0)),
                         float(taxonomy.get(match.uri).skill_type.startswith("knowledge")), cosine[rank],
                         match.agreement, float(dutch)))
            owner.append(n)
    return np.array(rows), np.array(owner)


def reranked(items: list[dict], matched: list[list], owner: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Group R@5 and top1 over ``items`` with each outcome's candidates ordered by ``values``."""
    groups = hits = first = 0
    for n, (item, matches) in enumerate(zip(items, matched, strict=True)):
        groups += len(item["gold_groups"])
        rows = np.flatnonzero(owner == n)
        if not len(rows):
            continue
        order = np.argsort(-values[rows], kind="stable")
        top = {matches[i].uri for i in order[:5]}
        hits += sum(bool(top & set(group)) for group in item["gold_groups"])
        first += matches[order[0]].uri in set(item["gold"])
    return hits / groups, first / len(items)


def on_subset(items: list[dict], matched: list[list], owner: np.ndarray, values: np.ndarray,
              subset: np.ndarray) -> str:
    """``reranked`` over the outcomes of ``subset`` (a mask over ``items``)."""
    chosen = np.flatnonzero(subset)
    keep = np.isin(owner, chosen)
    position = {n: i for i, n in enumerate(chosen.tolist())}
    r5, top1 = reranked([items[n] for n in chosen], [matched[n] for n in chosen],
                        np.array([position[n] for n in owner[keep].tolist()]), values[keep])
    return f"{r5:.3f} / {top1:.3f}"


def fitted_scores(x: np.ndarray, y: np.ndarray, train: np.ndarray, apply: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x[train].mean(axis=0), x[train].std(axis=0) + 1e-9
    model = LogisticRegression(C=0.1, max_iter=2000).fit((x[train] - mean) / scale, y[train])
    return model.decision_function((x[apply] - mean) / scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=30, help="candidates per outcome the reranker reorders")
    args = parser.parse_args(argv)
    settings = Settings()
    matcher = open_matcher(settings.data_dir, DEFAULT_ENCODER, training_data=settings.training_data)
    items = read_items(outcome_files())
    matched = matcher.match_outcomes_batch([[item["text"]] for item in items], top_k=max(DEPTHS))
    print(f"{len(items)} outcomes; group recall of the matcher's ranking by depth:\n")
    print("\n".join(recall_by_depth(items, matched)))

    matched = [matches[: args.depth] for matches in matched]
    x, owner = candidate_features(matcher, items, matched)
    y = np.array([matched[n][rank].uri in set(items[n]["gold"])
                  for n, rank in zip(owner, np.concatenate([np.arange(len(m)) for m in matched if m]), strict=True)])
    development = np.array([item["file"] == DEVELOPMENT for item in items])
    fold = np.random.default_rng(0).permutation(len(items)) % FOLDS
    subsets = {"all": np.ones(len(items), dtype=bool), "nl": np.array([i["lang"] == "nl" for i in items]),
               "development": development, "own": ~development}
    print(f"\nReranking each outcome's first {args.depth} candidates (group R@5 / top1):\n")
    print("| features | " + " | ".join(f"{name}, cross-fitted" for name in subsets)
          + " | development, fitted on own only |")
    print("|---|" + "---|" * (len(subsets) + 1))
    baseline = -np.concatenate([np.arange(len(m)) for m in matched if m]).astype(float)
    for name, columns in {"none (the matcher's order)": (), **FEATURE_SETS}.items():
        if columns:
            cross = np.zeros(len(y))
            for k in range(FOLDS):
                held = fold[owner] == k
                cross[held] = fitted_scores(x[:, columns], y, ~held, held)
            own_only = fitted_scores(x[:, columns], y, ~development[owner], np.ones(len(y), dtype=bool))
        else:
            cross = own_only = baseline
        cells = [on_subset(items, matched, owner, cross, subset) for subset in subsets.values()]
        cells.append(on_subset(items, matched, owner, own_only, development))
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
