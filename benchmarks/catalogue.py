"""The credential pipeline on the sample offer and wallet: import and mapping speed, incremental
re-import, export, passport building, and what the EU 2022 element check finds.

    .venv/bin/python benchmarks/catalogue.py [--database-url URL] [--copies 1]

Uses the matcher's indexes in the data directory (built if missing) and a fresh catalogue
database: a temporary SQLite file, or ``--database-url`` (PostgreSQL; its tables must be empty).
``--copies N`` imports the 38 sample credentials N times under different ids, to time a larger offer.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from skillmatch.catalogue import Catalogue  # noqa: E402
from skillmatch.config import Settings  # noqa: E402
from skillmatch.credentials import CredentialFormat, TrustList, check_elements, read_file  # noqa: E402
from skillmatch.encoder import DEFAULT_ENCODER  # noqa: E402
from skillmatch.matching import open_matcher  # noqa: E402
from skillmatch.passport import build_passport  # noqa: E402
from skillmatch.store import CatalogueStore  # noqa: E402

SAMPLES = REPO / "skillmatch" / "samples"


def offer(folder: Path, copies: int) -> list[Path]:
    """The sample catalogue, ``copies`` times, each copy's ids made distinct."""
    files = sorted((SAMPLES / "catalogue").glob("*.json"))
    if copies == 1:
        return files
    written = []
    for copy in range(copies):
        for file in files:
            document = json.loads(file.read_text(encoding="utf-8"))
            document["id"] = f"{document['id']}-copy{copy}"
            target = folder / f"{copy}-{file.name}"
            target.write_text(json.dumps(document), encoding="utf-8")
            written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    settings = Settings()
    matcher = open_matcher(settings.data_dir, DEFAULT_ENCODER, training_data=settings.training_data)
    with tempfile.TemporaryDirectory() as tmp:
        store = CatalogueStore.open(args.database_url, Path(tmp))
        catalogue = Catalogue(store, matcher)
        files = offer(Path(tmp), args.copies)
        print(f"machine: {platform.machine()}, python {platform.python_version()}, database {store.engine.url!r}")

        started = time.perf_counter()
        report = catalogue.import_paths(files)
        first = time.perf_counter() - started
        outcomes = sum(len(catalogue.achievement(r).outcomes) for r in catalogue.records())
        print(f"import + mapping: {len(report.added)} credentials ({outcomes} outcomes) in {first:.1f} s "
              f"= {len(report.added) / first:.1f} credentials/s; failed {len(report.failed)}, "
              f"warnings {len(report.warnings)}")
        started = time.perf_counter()
        again = catalogue.import_paths(files)
        print(f"re-import, nothing changed: {len(again.unchanged)} unchanged, {len(again.mapped)} mapped, "
              f"{time.perf_counter() - started:.2f} s")

        states = Counter(s.state for r in catalogue.records() for s in catalogue.skills(r.id))
        per = [sum(s.accepted for s in catalogue.skills(r.id)) for r in catalogue.records()]
        print(f"skills per credential: {dict(states)}; accepted (issuer + linked) per credential: "
              f"min {min(per)}, median {sorted(per)[len(per) // 2]}, max {max(per)}")
        missing = Counter(key for r in catalogue.records() for key in check_elements(catalogue.achievement(r)).missing)
        complete = sum(check_elements(catalogue.achievement(r)).complete for r in catalogue.records())
        print(f"EU 2022 check: {complete} of {len(per)} state every mandatory element; missing: {dict(missing)}")

        for fmt in CredentialFormat:
            started = time.perf_counter()
            written = catalogue.export(Path(tmp) / fmt.value, fmt=fmt)
            alignments = []
            for path in written[:-1]:
                document = json.loads(path.read_text(encoding="utf-8"))
                alignments.append(len(document.get("alignment", [])) if fmt is not CredentialFormat.ELM else
                                  sum(len(o.get("relatedESCOSkill", [])) for o in document.get("learningOutcome", [])))
            print(f"export {fmt.value}: {len(written) - 1} files in {time.perf_counter() - started:.2f} s, "
                  f"ESCO links per credential max {max(alignments)}")

        trust = TrustList.load(SAMPLES / "trust.json")
        badge_classes = {r.id: catalogue.achievement(r) for r in catalogue.records()}
        started = time.perf_counter()
        held = [read_file(p, trust=trust, badge_classes=badge_classes) for p in sorted((SAMPLES / "wallet").iterdir())]
        passport = build_passport(held, matcher, catalogue=store)
        print(f"passport: {len(held)} credentials ({sum(c.verification.verified for c in held)} verified), "
              f"{len(passport.proven)} proven skills, {len(passport.suggested)} suggested, "
              f"{passport.total_ects:g} ECTS, built in {time.perf_counter() - started:.2f} s (from the catalogue)")
        started = time.perf_counter()
        fresh = build_passport(held, matcher)
        print(f"passport without the catalogue (every outcome mapped on the spot): {len(fresh.proven)} proven, "
              f"{time.perf_counter() - started:.2f} s")
        store.close()


if __name__ == "__main__":
    main()
