"""Fit the matcher's weights and confidence calibration on the development sets.

    .venv/bin/python benchmarks/tune.py [--gold-dir ../shared/benchmarks] [--limit N]

For every gold file the evidence of each candidate (label, description, lexical, prior, and for
vacancies the title) is computed once; a grid of weights is then scored on it, and one setting per
kind (skills, occupations) is chosen by the mean of each file's headline metric (RP@5 for skill
sentences, MRR for Dutch phrases and occupations). A logistic regression of "is a gold concept" on
the chosen score and its lead over the next candidate gives the calibration. Only the development
sets are used; the figures are re-measured elsewhere on unseen data.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.metrics import evaluate, load_gold  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER, EmbeddingCache, load_encoder  # noqa: E402
from skillmatch.errors import InputError  # noqa: E402
from skillmatch.matcher import Matcher, MatchSettings, Weights, _title  # noqa: E402
from skillmatch.outcomes import split_outcomes  # noqa: E402
from skillmatch.taxonomy import ConceptKind, load_taxonomy, store_path  # noqa: E402

HEADLINE = {"skills_vdab_nl_dev.jsonl": "MRR"}


@dataclass
class Item:
    """Candidates of one gold item as arrays: concept id, group (outcome or title/whole) and evidence."""

    id: str
    cids: np.ndarray
    groups: np.ndarray
    features: np.ndarray  # columns: label, description, lexical, prior, is_title


def collect(matcher: Matcher, kind: ConceptKind, items: list[dict]) -> list[Item]:
    texts = [item["text"] for item in items]
    if kind is ConceptKind.SKILL:
        parts = []
        for text in texts:
            try:
                parts.append(split_outcomes(text))
            except InputError:
                parts.append([text])
    else:
        parts = [[text] + ([_title(text)] if _title(text) else []) for text in texts]
    flat = [p for group in parts for p in group]
    evidence = matcher.components(kind, flat)
    out, start = [], 0
    for item, group in zip(items, parts, strict=True):
        rows = []
        for g, found in enumerate(evidence[start : start + len(group)]):
            is_title = float(kind is ConceptKind.OCCUPATION and g == 1)
            rows.extend((cid, g, e.label, e.description, e.lexical, e.prior, is_title) for cid, e in found.items())
        start += len(group)
        array = np.array(rows, dtype=np.float64)
        out.append(Item(item["id"], array[:, 0].astype(np.int64), array[:, 1].astype(np.int64), array[:, 2:]))
    return out


def rank(item: Item, weights: Weights, uris: list[str], top_k: int = 10) -> tuple[list[str], np.ndarray]:
    f = item.features
    score = weights.label * f[:, 0] + weights.description * f[:, 1] + weights.lexical * f[:, 2] \
        + weights.prior * f[:, 3]
    if f[:, 4].any():  # vacancy with a title: blend whole-text and title scores per concept
        whole, title = _best(item.cids[f[:, 4] == 0], score[f[:, 4] == 0]), _best(item.cids[f[:, 4] == 1],
                                                                                      score[f[:, 4] == 1])
        floor_w, floor_t = min(whole.values()), min(title.values())
        best = {c: (1 - weights.title) * whole.get(c, floor_w) + weights.title * title.get(c, floor_t)
                for c in whole.keys() | title.keys()}
    else:
        best = _best(item.cids, score)
    ordered = sorted(best.items(), key=lambda kv: -kv[1])[:top_k]
    return [uris[c] for c, _ in ordered], np.array([s for _, s in ordered])


def _best(cids: np.ndarray, scores: np.ndarray) -> dict[int, float]:
    best: dict[int, float] = {}
    for c, s in zip(cids.tolist(), scores.tolist(), strict=True):
        if s > best.get(c, -1e9):
            best[c] = s
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--no-descriptions", action="store_true", help="index labels only")
    args = parser.parse_args()
    data_dir = Settings().data_dir
    taxonomy = load_taxonomy(store_path(data_dir))
    encoder = EmbeddingCache(load_encoder(DEFAULT_ENCODER, data_dir), data_dir / "cache")
    settings = MatchSettings(descriptions=not args.no_descriptions)
    matcher = Matcher(taxonomy, encoder, settings=settings).fit(data_dir)
    files = sorted(args.gold_dir.glob("*.jsonl"))
    chosen = {}
    for kind, prefix in ((ConceptKind.SKILL, "skills_"), (ConceptKind.OCCUPATION, "occupations_")):
        uris = matcher.indexes_[kind].uris_
        data = {}
        for path in (p for p in files if p.name.startswith(prefix)):
            items = load_gold(path)[: args.limit]
            data[path.name] = (items, collect(matcher, kind, items))
            print(f"collected {path.name}: {len(items)} items", flush=True)
        grid = itertools.product((0.0, 0.1, 0.2, 0.3, 0.5, 0.8), (0.0, 0.05, 0.1, 0.2, 0.35, 0.5),
                                 (0.0, 0.02, 0.05, 0.1) if kind is ConceptKind.SKILL else (0.0,),
                                 (0.0,) if kind is ConceptKind.SKILL else (0.0, 0.3, 0.5, 0.7))
        results = []
        for description, lexical, prior, title in grid:
            weights = Weights(1.0, description, lexical, prior, title)
            per_file = {}
            for name, (items, collected) in data.items():
                ranked = {c.id: rank(c, weights, uris)[0] for c in collected}
                per_file[name] = evaluate(ranked, items)
            headline = np.mean([per_file[n][HEADLINE.get(n, "RP@5" if kind is ConceptKind.SKILL else "MRR")]
                                for n in per_file])
            results.append((headline, weights, per_file))
        results.sort(key=lambda r: -r[0])
        for headline, weights, per_file in results[:5]:
            print(f"{kind.value} {headline:.4f} {weights}")
            for name, figures in per_file.items():
                print(f"    {name}: " + " ".join(f"{k} {v:.3f}" for k, v in figures.items() if k != "n"))
        baseline = next(r for r in results if r[1] == Weights(1.0, 0.0, 0.0, 0.0, 0.0))
        print(f"{kind.value} label-only baseline {baseline[0]:.4f}")
        chosen[kind] = (results[0][1], data, uris)
    for kind, (weights, data, uris) in chosen.items():
        fit_calibration(kind, weights, data, uris)


def fit_calibration(kind: ConceptKind, weights: Weights, data: dict, uris: list[str]) -> None:
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for items, collected in data.values():
        gold = {item["id"]: set(item["gold"]) for item in items}
        for c in collected:
            ranked, scores = rank(c, weights, uris)
            for i, uri in enumerate(ranked):
                lead = scores[i] - (scores[i + 1] if i + 1 < len(scores) else scores[i])
                x.append((scores[i], lead))
                y.append(uri in gold[c.id])
    model = LogisticRegression(C=10.0).fit(np.array(x), np.array(y))
    probabilities = model.predict_proba(np.array(x))[:, 1]
    linked = probabilities >= 0.5
    precision = np.array(y)[linked].mean() if linked.any() else float("nan")
    print(f"{kind.value} calibration: bias={model.intercept_[0]:.3f} score_coef={model.coef_[0][0]:.3f} "
          f"lead_coef={model.coef_[0][1]:.3f}; linked at 0.5: {linked.mean():.1%} of top-10, "
          f"precision {precision:.3f}, "
          f"gold recalled {np.array(y)[linked].sum() / max(sum(y), 1):.1%}")
    print(replace(weights))


if __name__ == "__main__":
    main()
