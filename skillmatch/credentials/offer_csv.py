"""An institution's offer as a CSV table, one credential per row, for those who keep it in a
spreadsheet rather than in edubadges. Rows become :class:`Achievement` objects (format OB 2.0,
the format the catalogue writes them back in).

Columns (a header row is required; ``id``, ``title`` and ``learning_outcomes`` must be present):
``id, title, language, description, issuer_id, issuer_name, country, eqf_level, ects, hours,
learning_outcomes, assessment_type, participation, quality_assurance, stackable, prerequisites,
esco_skills`` — ``learning_outcomes`` is one outcome block (bullets, numbering or sentences),
``esco_skills`` the issuer's ESCO skill URIs separated by spaces or semicolons.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from skillmatch.credentials._common import norm_lang, outcomes_from_block
from skillmatch.credentials.model import Achievement, Alignment, Assessment, CredentialFormat, Issuer
from skillmatch.errors import CredentialError
from skillmatch.taxonomy.model import ESCO_BASE

REQUIRED = ("id", "title", "learning_outcomes")
COLUMNS = ("id", "title", "language", "description", "issuer_id", "issuer_name", "country", "eqf_level", "ects",
           "hours", "learning_outcomes", "assessment_type", "participation", "quality_assurance", "stackable",
           "prerequisites", "esco_skills")


def read_offer_csv(path: Path) -> list[Achievement]:
    """Every row of the table as an achievement; the first bad row stops the import of the file
    (so a table is taken whole or not at all) with an error naming the line and the column."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CredentialError(f"not UTF-8 text (byte {exc.start}); save the table as UTF-8 CSV", source=source) \
            from exc
    except OSError as exc:
        raise CredentialError(f"cannot read the file: {exc.strerror}", source=source) from exc
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CredentialError(f"the header lacks the column(s) {', '.join(missing)} "
                              f"(columns: {', '.join(COLUMNS)})", source=source)
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise CredentialError(f"unknown column(s) {', '.join(unknown)} (columns: {', '.join(COLUMNS)})",
                              source=source)
    achievements = []
    for line, row in enumerate(reader, start=2):
        cells = {name.strip().lower(): (value or "").strip() for name, value in row.items() if name}
        achievements.append(_achievement(cells, f"{source}, line {line}"))
    if not achievements:
        raise CredentialError("the table has a header but no rows", source=source)
    return achievements


def _achievement(cells: dict[str, str], where: str) -> Achievement:
    for name in REQUIRED:
        if not cells.get(name):
            raise CredentialError("is empty", source=where, field=name)
    lang = norm_lang(cells.get("language") or None)
    block = cells["learning_outcomes"]
    skills = [uri for uri in re.split(r"[\s;]+", cells.get("esco_skills", "")) if uri]
    for uri in skills:
        if not uri.startswith(ESCO_BASE):
            raise CredentialError(f"{uri!r} is not an ESCO URI ({ESCO_BASE}...)", source=where, field="esco_skills")
    return Achievement(
        id=cells["id"],
        format=CredentialFormat.OB2,
        title={lang or "und": cells["title"]},
        description=cells.get("description") or None,
        issuer=Issuer(id=cells.get("issuer_id") or None, name=cells.get("issuer_name") or None,
                      country=cells.get("country") or None),
        language=lang,
        eqf_level=_number(cells, "eqf_level", where, whole=True, low=1, high=8),
        ects=_number(cells, "ects", where),
        hours=_number(cells, "hours", where),
        outcomes=outcomes_from_block(block, lang),
        outcome_text=block,
        assessment=Assessment(type=cells.get("assessment_type") or None),
        participation=cells.get("participation") or None,
        quality_assurance=cells.get("quality_assurance") or None,
        stackable=_flag(cells, "stackable", where),
        prerequisites=cells.get("prerequisites") or None,
        alignments=tuple(Alignment(uri, uri.rsplit("/", 1)[-1], "ESCO", code=uri.rsplit("/", 1)[-1]) for uri in skills),
    )


def _number(cells: dict[str, str], name: str, where: str, *, whole: bool = False, low: float = 0,
            high: float = 10_000) -> float | int | None:
    raw = cells.get(name, "")
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise CredentialError(f"{raw!r} is not a number", source=where, field=name) from None
    if not low <= value <= high or (whole and not value.is_integer()):
        kind = "a whole number" if whole else "a number"
        raise CredentialError(f"{raw!r} is not {kind} from {low:g} to {high:g}", source=where, field=name)
    return int(value) if whole else value


def _flag(cells: dict[str, str], name: str, where: str) -> bool | None:
    raw = cells.get(name, "").lower()
    if not raw:
        return None
    if raw in ("yes", "ja", "true", "1"):
        return True
    if raw in ("no", "nee", "false", "0"):
        return False
    raise CredentialError(f"{raw!r} is not yes/no", source=where, field=name)
