"""``skillmatch catalogue`` (an institution's offer) and ``skillmatch passport`` (a learner's badges)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from skillmatch.cli.batch import Address, Engine, EngineOption, Workers
from skillmatch.cli.common import (
    DataDir,
    EncoderOption,
    JsonFlag,
    data_dir_of,
    err,
    errors,
    load_matcher,
    out,
    progress_bar,
)
from skillmatch.config import Settings
from skillmatch.encoder import DEFAULT_ENCODER
from skillmatch.errors import InputError

# The catalogue, credential and database modules load lazily, inside the commands: importing them
# costs 0.4 s that ``map-skills`` (cold start target 5 s) would otherwise pay too.
if TYPE_CHECKING:
    from skillmatch.catalogue import Catalogue, ImportReport
    from skillmatch.domain import Evidence, Passport
    from skillmatch.matching import Matcher
    from skillmatch.store import CatalogueStore

class ExportFormat(StrEnum):
    """The formats ``catalogue export`` writes (``skillmatch.credentials.CredentialFormat``'s values)."""

    OB2 = "ob2"
    OB3 = "ob3"
    ELM = "elm"


catalogue_app = typer.Typer(help="An institution's offer: import, map to ESCO, review, export.", no_args_is_help=True)
passport_app = typer.Typer(help="A learner's skills passport from the credentials they hold.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", show_default=False,
                 help="Catalogue database (default: $SKILLMATCH_DATABASE_URL, else SQLite in the data folder)."),
]
TrustOption = Annotated[
    Path | None,
    typer.Option("--trust", show_default=False, help="Trust list of issuer keys (default: $SKILLMATCH_TRUST_LIST)."),
]


def open_store(database_url: str | None, data_dir: Path | None) -> CatalogueStore:
    from skillmatch.store import CatalogueStore

    return CatalogueStore.open(database_url or Settings().database_url, data_dir_of(data_dir))


def open_catalogue(database_url: str | None, data_dir: Path | None, encoder: str) -> Catalogue:
    from skillmatch.catalogue import Catalogue

    return Catalogue(open_store(database_url, data_dir), load_matcher(data_dir, encoder))


@catalogue_app.command("import")
def catalogue_import(
    paths: Annotated[list[Path], typer.Argument(help="JSON credential files, folders of them, or CSV tables.")],
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    json_output: JsonFlag = False,
) -> None:
    """Import credentials into the catalogue and map the new or changed ones to ESCO skills."""
    with errors():
        report = import_with_progress(open_catalogue(database_url, data_dir, encoder), paths)
        print_import(report, as_json=json_output)
        if report.failed and not (report.added or report.updated or report.unchanged):
            raise typer.Exit(1)


def import_with_progress(catalogue: Catalogue, paths: list[Path]) -> ImportReport:
    with progress_bar() as bar:
        task = bar.add_task("importing", total=None)
        return catalogue.import_paths(
            paths, progress=lambda message, done, total: bar.update(task, description=message, completed=done,
                                                                     total=total))


def print_import(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        out.print_json(data={"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                             "mapped": report.mapped, "failed": [{"file": f, "problem": p} for f, p in report.failed],
                             "warnings": [{"id": i, "problem": p} for i, p in report.warnings]})
        return
    out.print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
              f"mapped {len(report.mapped)}, failed {len(report.failed)}")
    for file, problem in report.failed:
        err.print(f"[red]failed:[/] {problem}" if file in problem else f"[red]failed:[/] {file}: {problem}",
                  highlight=False)
    for identifier, problem in report.warnings:
        err.print(f"[yellow]warning:[/] {identifier}: {problem}", highlight=False)


@catalogue_app.command("list")
def catalogue_list(database_url: DatabaseUrl = None, data_dir: DataDir = None, json_output: JsonFlag = False) -> None:
    """The credentials in the catalogue with their level, load and skills."""
    from skillmatch.domain import credential_skills, tally

    with errors():
        records = open_store(database_url, data_dir).credentials()
        rows = []
        for r in records:
            accepted, suggested = tally(credential_skills(r))
            rows.append({"id": r.id, "title": r.title, "issuer": r.issuer_name, "eqf_level": r.eqf_level,
                         "ects": r.ects, "skills": accepted, "suggested": suggested,
                         "mapped": r.mapped_with is not None})
        if json_output:
            out.print_json(data={"data": rows, "count": len(rows)})
            return
        table = Table("title", "issuer", "EQF", "ECTS", "skills", "suggested", "id", title=f"{len(rows)} credentials")
        for row in rows:
            table.add_row(row["title"], row["issuer"] or "", str(row["eqf_level"] or ""), str(row["ects"] or ""),
                          str(row["skills"]), str(row["suggested"]), row["id"])
        out.print(table)


@catalogue_app.command("show")
def catalogue_show(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (its URL).")],
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """One credential: its ESCO skills with their evidence and review, and the EU 2022 element check."""
    from skillmatch.catalogue import read_document
    from skillmatch.credentials import check_elements
    from skillmatch.domain import credential_skills

    with errors():
        record = open_store(database_url, data_dir).get(credential_id)
        skills = credential_skills(record)
        check = check_elements(read_document(record.document, source=record.id))
        if json_output:
            out.print_json(data={
                "id": record.id, "title": record.title,
                "skills": [{"uri": s.link.skill_uri, "label": s.link.label, "state": s.state,
                            "confidence": s.confidence, "outcome": s.evidence.outcome,
                            "matched": s.evidence.matched} for s in skills],
                "eu_elements": [{"key": e.key, "label": e.label, "mandatory": e.mandatory,
                                 "status": e.status.value} for e in check]})
            return
        table = Table("skill", "state", "confidence", "matched", "outcome", title=record.title)
        for s in skills:
            table.add_row(s.link.label, s.state, "" if s.confidence is None else f"{s.confidence:.2f}",
                          s.evidence.matched or "", s.evidence.outcome or "")
        out.print(table)
        missing = [check[key].label for key in check.missing]
        out.print("EU 2022 mandatory elements missing: " + (", ".join(missing) if missing else "none"))


@catalogue_app.command("review")
def catalogue_review(
    credential_id: Annotated[str, typer.Argument(help="The credential's id.")],
    skill_uri: Annotated[str, typer.Argument(help="The ESCO skill URI.")],
    confirm: Annotated[bool, typer.Option("--confirm/--reject", help="Confirm or reject the skill.")],
    reviewer: Annotated[str | None, typer.Option(help="Who decided.")] = None,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Confirm or reject a skill of a credential (one 'catalogue show' lists); the decision wins over
    every later re-mapping."""
    from skillmatch.catalogue import review_skill
    from skillmatch.cli.common import load

    with errors():
        concept = load(data_dir).get(skill_uri)
        review = review_skill(open_store(database_url, data_dir), credential_id, concept.uri,
                              "confirmed" if confirm else "rejected", reviewer=reviewer, note=note)
        out.print(f"{review.decision}: {concept.label('en')} for {credential_id}")


@catalogue_app.command("remap")
def catalogue_remap(
    force: Annotated[bool, typer.Option("--force", help="Map every credential, not only stale ones.")] = False,
    engine: EngineOption = Engine.LOCAL,
    address: Address = None,
    workers: Workers = 2,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
) -> None:
    """Map again what a new taxonomy, model or setting made stale (reviews are kept). With
    ``--engine ray`` Ray workers map and each credential is written as it comes back; a run that
    stops resumes where it stopped."""
    with errors():
        if engine is Engine.RAY:
            from skillmatch.batch.cluster import ray_cluster
            from skillmatch.batch.mapping import MatcherSpec
            from skillmatch.batch.remap import remap_on_ray

            spec = MatcherSpec(data_dir_of(data_dir).resolve(), encoder, Settings().training_data)
            store = open_store(database_url, data_dir)
            with ray_cluster(address, workers=workers), progress_bar() as progress:
                task = progress.add_task("re-mapping on Ray", total=None)
                mapped = remap_on_ray(store, spec, workers=workers, force=force,
                                      progress=lambda message, done, total: progress.update(
                                          task, description=message, completed=done, total=total))
        else:
            mapped = open_catalogue(database_url, data_dir, encoder).remap(force=force)
        out.print(f"mapped {len(mapped)} credentials")


@catalogue_app.command("export")
def catalogue_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the enriched credentials to.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="ob2 (edubadges), ob3 or elm.")] = ExportFormat.OB2,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
) -> None:
    """Write every credential with its ESCO skills as alignments, and catalogue.json with the reviews."""
    from skillmatch.credentials import CredentialFormat

    with errors():
        written = open_catalogue(database_url, data_dir, encoder).export(output, fmt=CredentialFormat(fmt.value))
        out.print(f"wrote {len(written) - 1} credentials and {written[-1]}")


@passport_app.command("build")
def passport_build(
    files: Annotated[list[Path], typer.Argument(help="Held credentials, files or folders: OB 2.0 assertions "
                                                     "(Blockcerts v2 too) with the badge classes and issuer profiles "
                                                     "they name by URL, OB 3.0 credentials and endorsements (JSON or "
                                                     "VC-JWT), CLR 2.0 learner records, European Digital "
                                                     "Credentials (unsigned, sealed or uploadable).")],
    jsonld: Annotated[bool, typer.Option("--jsonld", help="Print JSON-LD.")] = False,
    trust: TrustOption = None,
    holder: Annotated[list[str] | None, typer.Option(
        "--holder", help="An e-mail address or DID of the learner (repeatable): only credentials issued to one "
                         "of them prove skills; without it the files are taken to be the learner's own.")] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
    encoder: EncoderOption = DEFAULT_ENCODER,
    json_output: JsonFlag = False,
) -> None:
    """The skills passport of the credentials' holder: every proven ESCO skill with its evidence."""
    with errors():
        passport, rejected = make_passport(files, trust, open_store(database_url, data_dir),
                                           load_matcher(data_dir, encoder), holder=holder)
        if json_output or jsonld:
            data = passport.to_jsonld() if jsonld else passport.to_dict()
            if not jsonld:
                data["rejected"] = [{"file": f, "problem": p} for f, p in rejected]
            out.print(json.dumps(data, indent=2, ensure_ascii=False), highlight=False, soft_wrap=True)
        else:
            print_passport(passport)
        if not passport.credentials:
            raise typer.Exit(1)


def make_passport(files: list[Path], trust_file: Path | None, store: CatalogueStore, matcher: Matcher, *,
                  holder: list[str] | None = None) -> tuple[Passport, list[tuple[str, str]]]:
    """The passport of the held credential files (see :func:`skillmatch.service.wallet_passport`),
    verified against the trust list, and the files rejected with the reason (both said on stderr)."""
    from skillmatch.catalogue import CREDENTIAL_SUFFIXES
    from skillmatch.credentials import TrustList
    from skillmatch.service import wallet_passport

    # A folder stands for the credential files in it (a folder of badge classes, say).
    files = [found for file in files for found in (
        sorted(f for f in file.rglob("*") if f.is_file() and f.suffix.lower() in CREDENTIAL_SUFFIXES)
        if file.is_dir() else [file])]
    if not files:
        raise InputError("no credentials given")
    trust_path = trust_file or Settings().trust_list
    wallet = wallet_passport([(str(file), file) for file in files], matcher, store=store,
                             trust=TrustList.load(trust_path) if trust_path else None, holder=holder)
    rejected = [(str(files[position]), problem) for position, problem in wallet.rejected]
    for file, problem in rejected:
        err.print(f"[red]rejected:[/] {file}: {problem}", highlight=False)
    for warning in wallet.passport.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    return wallet.passport, rejected


def print_passport(passport: Passport) -> None:
    from skillmatch.domain.passport import PROVING

    table = Table("credential", "issuer", "EQF", "ECTS", "issued", "verified", "skills",
                  title=f"skills passport of {passport.learner or 'an unnamed learner'}")
    for c in passport.credentials:
        method = c.verification.method or "no proof"
        table.add_row(c.title, c.issuer or "", str(c.eqf_level or ""), str(c.ects or ""),
                      c.issued_on.date().isoformat() if c.issued_on else "",
                      (f"yes ({method})" if c.verification.verified else f"no: {c.verification.reason}")
                      + ("" if c.holder.bound is not False else f"; not bound: {c.holder.reason}"),
                      str(c.skills))
    out.print(table)
    out.print(f"total: {passport.total_ects:g} ECTS, {passport.total_hours:g} study hours, "
              f"{len(passport.proven)} proven ESCO skills, {len(passport.claimed)} claimed by credentials that "
              f"could not be verified, {len(passport.suggested)} suggested")
    out.print("\n[bold]what each learning outcome proves[/] ([green]+ proven[/], [magenta]~ claimed[/]: "
              "its credential is not verified, [yellow]? suggested[/]: not proven, for the institution's review)")
    for held, proofs in passport.by_credential():
        tree = Tree(f"[bold]{escape(held.title)}[/] ({escape(held.issuer or 'unknown issuer')})")
        for proof in proofs:
            branch = tree.add(escape(proof.outcome or "the credential as a whole"))
            for skill, e in proof.proves:
                branch.add(f"[green]+ {escape(skill.label)}[/] {_evidence_note(e)}")
            for skill, e in proof.claims:
                branch.add(f"[magenta]~ {escape(skill.label)}[/] {_evidence_note(e)}")
            for skill, e in proof.suggests:
                branch.add(f"[yellow]? {escape(skill.label)}[/] {_evidence_note(e)}")
            if not proof.proves and not proof.claims and not proof.suggests:
                branch.add("[dim]no ESCO skill found[/]")
        if held.record is not None:
            tree.add(f"[dim]in the learner record {escape(held.record.name or held.record.id or '')} of "
                     f"{escape(held.record.issuer.name or held.record.issuer.id or 'an unnamed issuer')}[/]")
        for e in held.endorsements:
            checked = "verified" if e.verification.verified else f"not verified: {e.verification.reason}"
            tree.add(f"[cyan]endorsed by {escape(e.endorser.name or e.endorser.id or 'an unnamed endorser')}[/]"
                     f"{escape(f': {e.comment}' if e.comment else '')} [dim]({escape(checked)})[/]")
        out.print(tree)
    for pillar, skills in passport.by_pillar().items():
        table = Table("skill", "group", "confidence", "proven by", title=pillar)
        for skill in skills:
            table.add_row(skill.label, skill.group or "", f"{skill.confidence:.2f}",
                          "; ".join(dict.fromkeys(e.credential for e in skill.evidence if e.state in PROVING)))
        out.print(table)


def _evidence_note(e: Evidence) -> str:
    parts = [e.origin if e.origin == "issuer" else f"{e.confidence or 0:.2f}"]
    if e.reviewed:
        parts.append(e.reviewed)
    if e.reading:
        parts.append(f"read as {e.reading!r}")
    if e.alternatives:
        parts.append("or " + ", ".join(label for _uri, label in e.alternatives))
    return escape(f"({'; '.join(parts)})")
