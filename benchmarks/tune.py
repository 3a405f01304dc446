"""Fit the matcher's weights and confidence calibration on the development sets, cross-fitted.

    .venv/bin/python benchmarks/tune.py [--gold-dir ../shared/benchmarks] [--limit N] [--seeds 3] [--json OUT]
                                        [--save models/matching-settings.json]

The matcher fits its query adapters on every development item, so evidence computed with those
adapters is in-sample, and weights tuned on it would favour what the adapter memorised. Here
every gold file is cut into two halves (fixed seed), and each half's evidence (label,
description, lexical, prior, occupation context, USE's labels for Dutch texts, and for vacancies
the title) is computed once with an adapter fitted on ESCO's own pairs and the other halves of
every file of its kind: every item is scored as unseen text is. All of that is done once per
adapter seed (``--seeds``): on the small files the adapter's seed alone moves the figures by
several hundredths. A grid of weights is then scored on that evidence, one setting per kind
(skills, occupations) is chosen by the mean of each file's headline metric (RP@5 for skill
sentences, MRR for Dutch phrases and occupations) over the seeds, and a logistic regression of
"is a gold concept" on the chosen score and its lead over the next candidate (on every seed's
evidence) gives the calibration. ``--save`` writes the chosen weights and calibrations as the
matcher's tuned-settings artefact, with the fingerprint of the files tuned on, the encoder and
taxonomy, the date and the figures reached (``models/matching-settings.json`` is what ships).
Only the development sets are used; the figures are re-measured elsewhere on unseen data.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import itertools
import json
import sys
import time
from dataclasses import asdict, astuple, dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.metrics import evaluate, headline, load_gold  # noqa: E402
from skillmatch.adapter import LabelledText  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.errors import InputError  # noqa: E402
from skillmatch.matching import (  # noqa: E402
    Calibration,
    Evidence,
    Matcher,
    TunedSettings,
    Weights,
    blend_title,
    open_matcher,
    vacancy_title,
)
from skillmatch.matching.settings import KindSettings, Provenance  # noqa: E402
from skillmatch.outcomes import split_outcomes  # noqa: E402
from skillmatch.taxonomy import ConceptKind  # noqa: E402


def _grid(**values: tuple[float, ...]) -> list[dict[str, float]]:
    return [dict(zip(values, point, strict=True)) for point in itertools.product(*values.values())]


#: The weights tried per kind, by channel (and the vacancy title's share); the label weight is 1.
GRIDS = {
    ConceptKind.SKILL: _grid(description=(0.0, 0.1, 0.2, 0.3, 0.5), lexical=(0.0, 0.05, 0.1, 0.2, 0.3),
                             context=(0.0, 0.2, 0.4, 0.6), crosslingual=(0.0, 0.05, 0.1, 0.15)),
    ConceptKind.OCCUPATION: _grid(description=(0.0, 0.1, 0.2, 0.3, 0.5), lexical=(0.0, 0.05, 0.1, 0.2),
                                  title=(0.2, 0.3, 0.4, 0.5)),
}


@dataclass
class Collected:
    """One gold file's evidence: per item, the rows of its outcomes (or its whole text and title)."""

    ids: list[str]
    channels: Evidence
    groups: list[tuple[int, int]]  # per item: start row and number of rows
    titles: dict[int, int]  # item -> row of its title's evidence (occupations)
    title_channels: Evidence | None


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
            title_channels = matcher.evidence(kind, [t for _i, t in titled])
    flat = [p for group in parts for p in group]
    groups, start = [], 0
    for group in parts:
        groups.append((start, len(group)))
        start += len(group)
    # The grid tries weights that the matcher's settings may leave at 0.
    channels = matcher.evidence(kind, flat, every_channel=True)
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


def halves(items: list[dict], seed: int = 0) -> tuple[list[dict], list[dict]]:
    first = set(np.random.default_rng(seed).permutation(len(items))[: len(items) // 2].tolist())
    return [it for i, it in enumerate(items) if i in first], [it for i, it in enumerate(items) if i not in first]


def labelled(items: list[dict]) -> list[LabelledText]:
    return [LabelledText(item["text"], tuple(item["gold"])) for item in items]


HalvesEvidence = dict[str, list[tuple[list[dict], Collected]]]


def cross_fitted(matcher: Matcher, kind: ConceptKind, files: dict[str, list[dict]], *,
                 seed: int | None = None, steps: int | None = None) -> HalvesEvidence:
    """Per file, its two halves, each with its evidence computed by an adapter fitted on ESCO's
    pairs and the other halves of every file in ``files`` (with the adapter's own seed and steps,
    or ``seed`` and ``steps``). Leaves the matcher without an adapter for ``kind``."""
    split = {name: halves(items) for name, items in files.items()}
    evidence: HalvesEvidence = {name: [] for name in files}
    for held_out in (0, 1):
        train = [text for name in files for text in labelled(split[name][1 - held_out])]
        matcher.adapters_[kind] = matcher.fit_adapter(kind, train, seed=seed, steps=steps)
        for name in files:
            part = split[name][held_out]
            evidence[name].append((part, collect(matcher, kind, part)))
    matcher.adapters_.pop(kind, None)
    return evidence


def rank_halves(parts: list[tuple[list[dict], Collected]], weights: Weights, uris: list[str],
                top_k: int = 10) -> dict[str, tuple[list[str], np.ndarray]]:
    ranked: dict[str, tuple[list[str], np.ndarray]] = {}
    for _items, collected in parts:
        ranked.update(rank(collected, weights, uris, top_k=top_k))
    return ranked


def grid_search(settings: list[Weights], evidences: list[HalvesEvidence], files: dict[str, list[dict]],
                uris: list[str]) -> list[tuple[float, Weights, dict[str, float]]]:
    """Each of ``settings`` with its mean headline and per-file headline, best first. A file's
    figure is its mean over ``evidences`` (one per adapter seed)."""
    results = []
    for weights in settings:
        per_file = {name: float(np.mean([
            evaluate({item_id: found[0] for item_id, found in rank_halves(evidence[name], weights, uris).items()},
                     files[name])[headline(name)] for evidence in evidences])) for name in files}
        results.append((float(np.mean(list(per_file.values()))), weights, per_file))
    return sorted(results, key=lambda result: -result[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold-dir", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--limit", type=int, help="first N items of each file (a quick run)")
    parser.add_argument("--seeds", type=int, default=3,
                        help="adapter seeds to cross-fit with; each file's figure is their mean (default 3)")
    parser.add_argument("--adapter-steps", type=int,
                        help="gradient steps of each adapter fit (default: the shipped settings'; fewer make "
                             "a quick run)")
    parser.add_argument("--json", type=Path, help="also write the chosen settings and their figures here")
    parser.add_argument("--save", type=Path, help="write the chosen settings as the matcher's tuned-settings "
                                                  "artefact here (models/matching-settings.json ships)")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings()
    matcher = open_matcher(settings.data_dir, DEFAULT_ENCODER, training_data=settings.training_data)
    report: dict[str, dict[str, object]] = {}
    chosen_settings: dict[ConceptKind, KindSettings] = {}
    tuned_on: list[Path] = []
    for kind, prefix in ((ConceptKind.SKILL, "skills_"), (ConceptKind.OCCUPATION, "occupations_")):
        paths = sorted(args.gold_dir.glob(f"{prefix}*.jsonl"))
        files = {path.stem: load_gold(path)[: args.limit] for path in paths}
        if not files:
            continue
        tuned_on += paths
        uris = matcher.indexes_[kind].uris_
        # A small file's figure moves by several hundredths with the adapter's seed alone (HOUSE,
        # 61 items: RP@5 0.59-0.66), more than most weight changes: the grid is scored per seed.
        evidences = [cross_fitted(matcher, kind, files, seed=seed, steps=args.adapter_steps)
                     for seed in range(args.seeds)]
        current = matcher.weights(kind)
        label_only = Weights.of(label=1.0, title=current.title)
        # The shipped and the label-only settings are scored even where the grid lacks them.
        grid = [Weights.of(label=1.0, **point) for point in GRIDS[kind]] + [current, label_only]
        results = grid_search(list(dict.fromkeys(grid)), evidences, files, uris)
        shown = results[:5] + [r for r in results if r[1] in (current, label_only) and r not in results[:5]]
        for mean, weights, per_file in shown:
            mark = " (current)" if weights == current else " (label only)" if weights == label_only else ""
            print(f"{kind.value} {mean:.4f} {weights.to_dict()}{mark}: "
                  + " ".join(f"{name} {value:.3f}" for name, value in per_file.items()), flush=True)
        mean, chosen, per_file = results[0]
        gold = {f"{seed}:{item['id']}": set(item["gold"]) for seed in range(args.seeds)
                for items in files.values() for item in items}
        calibration = calibrate(kind, {f"{seed}:{item_id}": found for seed, evidence in enumerate(evidences)
                                       for parts in evidence.values()
                                       for item_id, found in rank_halves(parts, chosen, uris, top_k=11).items()}, gold)
        chosen_settings[kind] = KindSettings(chosen, calibration)
        report[kind.value] = {"weights": chosen.to_dict(), "mean": mean, "files": per_file, "seeds": args.seeds,
                              "current_mean": next(r[0] for r in results if r[1] == current),
                              "label_only_mean": next(r[0] for r in results if r[1] == label_only),
                              "calibration": asdict(calibration)}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if args.save:
        save(matcher, chosen_settings, report, tuned_on, args)
    print(f"({time.perf_counter() - started:.0f} s)")


def save(matcher: Matcher, chosen: dict[ConceptKind, KindSettings], report: dict[str, dict[str, object]],
         tuned_on: list[Path], args: argparse.Namespace) -> None:
    """Write the tuned-settings artefact: a kind this run did not tune keeps the shipped settings."""
    shipped = matcher.settings.tuned
    command = " ".join(["benchmarks/tune.py", *sys.argv[1:]])
    provenance = Provenance(
        date=datetime.date.today().isoformat(), command=command, encoder=matcher.encoder.name,
        encoder_fingerprint=matcher.encoder.fingerprint, taxonomy_release=matcher.taxonomy.meta.release,
        taxonomy_fingerprint=matcher.taxonomy.meta.fingerprint,
        data_fingerprint=data_fingerprint(tuned_on, limit=args.limit, seeds=args.seeds, steps=args.adapter_steps),
        figures={kind: {name: round(value, 4) for name, value in entry["files"].items()}  # type: ignore[union-attr]
                 for kind, entry in report.items()})
    # Three decimals, as the fit is printed: more would only carry the noise of the fit.
    chosen = {kind: replace(settings, calibration=Calibration(*(round(value, 3) for value in
                                                                 astuple(settings.calibration))))
              for kind, settings in chosen.items()}
    tuned = TunedSettings(chosen.get(ConceptKind.SKILL, shipped.skills),
                          chosen.get(ConceptKind.OCCUPATION, shipped.occupations), shipped.threshold, provenance)
    tuned.save(args.save)
    print(f"tuned settings written to {args.save}")


def data_fingerprint(paths: list[Path], *, limit: int | None, seeds: int, steps: int | None = None) -> str:
    """What a tuning run saw: the development files (names and bytes), the items taken from each
    and the adapter seeds (and its steps, where not the shipped settings')."""
    data = hashlib.sha256((f"limit={limit}|seeds={seeds}" + (f"|steps={steps}" if steps is not None else "")).encode())
    for path in paths:
        data.update(path.name.encode() + b"\0" + path.read_bytes())
    return data.hexdigest()[:16]


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
