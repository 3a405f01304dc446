"""Fit the matcher's weights and confidence calibration on the development sets.

    .venv/bin/python benchmarks/tune.py [--gold-dir ../shared/benchmarks] [--limit N]

For every gold file the evidence for every concept (label, description, lexical, prior, and for
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

from benchmarks.metrics import evaluate, headline, load_gold  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER, EmbeddingCache, load_encoder  # noqa: E402
from skillmatch.errors import InputError  # noqa: E402
from skillmatch.matcher import (  # noqa: E402
    Calibration,
    Channels,
    Matcher,
    MatchSettings,
    Weights,
    blend_title,
    vacancy_title,
)
from skillmatch.outcomes import split_outcomes  # noqa: E402
from skillmatch.taxonomy import ConceptKind, load_taxonomy, store_path  # noqa: E402


@dataclass
class Collected:
    """One gold file's evidence: per item, the rows of its outcomes (or its whole text and title)."""

    ids: list[str]
    channels: Channels
    groups: list[tuple[int, int]]  # per item: start row and number of rows
    titles: dict[int, int]  # item -> row of its title's evidence (occupations)
    title_channels: Channels | None


def collect(matcher: Matcher, kind: ConceptKind, items: list[dict]) -> Collected:
    texts = [item["text"] for item in items]
    titles: dict[int, int] = {}
    title_channels = None
    if kind is ConceptKind.SKILL:
        parts = []
        for text in texts:
            try:
                parts.append(split_outcomes(text))
            except InputError:
                parts.append([text])
    else:
        parts = [[text] for text in texts]
        titled = [(i, vacancy_title(text)) for i, text in enumerate(texts) if vacancy_title(text)]
        titles = {i: row for row, (i, _t) in enumerate(titled)}
        if titled:
            title_channels = matcher.channels(kind, [t for _i, t in titled])
    flat = [p for group in parts for p in group]
    groups, start = [], 0
    for group in parts:
        groups.append((start, len(group)))
        start += len(group)
    channels = matcher.channels(kind, flat)
    if kind is ConceptKind.SKILL:  # the grid tries prior weights that the matcher's settings leave at 0
        channels = replace(channels, prior=matcher.skill_prior())
    return Collected([item["id"] for item in items], channels, groups, titles, title_channels)


def rank(collected: Collected, weights: Weights, uris: list[str], top_k: int = 10) -> dict[str, tuple[list[str],
                                                                                                   np.ndarray]]:
    """Each item's top concepts and scores, exactly as the matcher combines them."""
    scores = collected.channels.combine(weights)
    title_scores = collected.title_channels.combine(weights) if collected.title_channels is not None else None
    out = {}
    for i, (start, length) in enumerate(collected.groups):
        row = scores[start : start + length].max(axis=0)
        if title_scores is not None and weights.title and i in collected.titles:
            row = blend_title(row, title_scores[collected.titles[i]], weights)
        top = np.argpartition(-row, top_k)[:top_k]
        top = top[np.argsort(-row[top])]
        out[collected.ids[i]] = ([uris[c] for c in top], row[top])
    return out


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
                ranked = {item_id: found[0] for item_id, found in rank(collected, weights, uris).items()}
                per_file[name] = evaluate(ranked, items)
            mean = np.mean([per_file[n][headline(n)] for n in per_file])
            results.append((mean, weights, per_file))
        results.sort(key=lambda r: -r[0])
        for mean, weights, per_file in results[:5]:
            print(f"{kind.value} {mean:.4f} {weights}")
            for name, figures in per_file.items():
                print(f"    {name}: " + " ".join(f"{k} {v:.3f}" for k, v in figures.items() if k != "n"))
        baseline = next(r for r in results if r[1] == Weights(1.0, 0.0, 0.0, 0.0, 0.0))
        print(f"{kind.value} label-only baseline {baseline[0]:.4f}")
        chosen[kind] = (results[0][1], data, uris)
    for kind, (weights, data, uris) in chosen.items():
        fit_calibration(kind, weights, data, uris)


def fit_calibration(kind: ConceptKind, weights: Weights, data: dict, uris: list[str]) -> None:
    ranked, gold = {}, {}
    for items, collected in data.values():
        gold.update({item["id"]: set(item["gold"]) for item in items})
        ranked.update(rank(collected, weights, uris, top_k=11))
    calibrate(kind, ranked, gold)
    print(weights)


def calibrate(kind: ConceptKind, ranked: dict[str, tuple[list[str], np.ndarray]],
              gold: dict[str, set[str]]) -> Calibration:
    """Logistic regression of "is a gold concept" on (score, lead over the next) over each item's
    top 10 (``ranked`` holds each item's top 11 with scores); prints the fit and how it links."""
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for item_id, (uris, scores) in ranked.items():
        for i, uri in enumerate(uris[:10]):
            x.append((scores[i], scores[i] - scores[i + 1]))
            y.append(uri in gold[item_id])
    model = LogisticRegression(C=10.0).fit(np.array(x), np.array(y))
    probabilities = model.predict_proba(np.array(x))[:, 1]
    linked = probabilities >= 0.5
    precision = np.array(y)[linked].mean() if linked.any() else float("nan")
    print(f"{kind.value} calibration: bias={model.intercept_[0]:.3f} score_coef={model.coef_[0][0]:.3f} "
          f"lead_coef={model.coef_[0][1]:.3f}; linked at 0.5: {linked.mean():.1%} of top-10, "
          f"precision {precision:.3f}, "
          f"gold recalled {np.array(y)[linked].sum() / max(sum(y), 1):.1%}")
    return Calibration(float(model.intercept_[0]), float(model.coef_[0][0]), float(model.coef_[0][1]))


if __name__ == "__main__":
    main()
