"""The ``skillmatch`` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillmatch.batch.lines import read_jsonl
from skillmatch.batch.mapping import Kind, map_lines
from skillmatch.cli import advice, serve
from skillmatch.cli.batch import batch_app
from skillmatch.cli.common import (
    DataDir,
    EncoderOption,
    JsonFlag,
    data_dir_of,
    err,
    errors,
    load,
    load_matcher,
    out,
    progress_bar,
)
from skillmatch.cli.credentials import (
    catalogue_app,
    import_with_progress,
    make_passport,
    open_store,
    passport_app,
    print_import,
    print_passport,
)
from skillmatch.config import Settings
from skillmatch.encoder import DEFAULT_ENCODER
from skillmatch.errors import SkillmatchError
from skillmatch.matching import Match
from skillmatch.taxonomy import (
    ConceptKind,
    SearchHit,
    build_taxonomy,
    default_source,
    load_taxonomy,
    store_path,
)
from skillmatch.taxonomy.store import load_concept

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

app = typer.Typer(help="Link (micro)credentials to the ESCO skills taxonomy.", no_args_is_help=True)
taxonomy_app = typer.Typer(help="Build, inspect, search and export the ESCO taxonomy.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(passport_app, name="passport")
app.add_typer(batch_app, name="batch")
for command in (advice.gap, advice.fit, advice.recommend, advice.candidates, advice.coverage):
    app.command(command.__name__)(command)
app.command("serve")(serve.serve)

__all__ = ["app"]


@app.command("demo")
def demo(data_dir: DataDir = None) -> None:
    """The main job end to end on the embedded defaults: build (or reuse) the taxonomy store from
    $SKILLMATCH_ESCO or ../shared/esco and the matcher's indexes, map the sample catalogue of
    microcredentials into the catalogue database, and build the sample learner's skills passport."""
    with errors():
        settings = Settings()
        target = data_dir or settings.data_dir
        with err.status("building the taxonomy store (skipped when up to date)") as status:
            report = build_taxonomy([default_source(settings.esco)], target,
                                    progress=lambda message: status.update(message))
        err.print(f"taxonomy store: {report.path} ({'built' if report.rebuilt else 'up to date'})")
        _print_info(load_taxonomy(report.path).summary(), as_json=False)
        err.print("loading the matcher (the first run encodes every ESCO label once; later runs reuse it)")
        matcher = load_matcher(target, DEFAULT_ENCODER)
        _print_matches(f"skills for a sample outcome block:\n{SAMPLE_OUTCOMES}", matcher.match_skills(SAMPLE_OUTCOMES))
        _print_matches(f"occupations for the job title {SAMPLE_TITLE!r}",
                       matcher.match_occupations(SAMPLE_TITLE, top_k=5))

        from skillmatch.catalogue import Catalogue
        from skillmatch.credentials import check_elements

        store = open_store(None, target)
        catalogue = Catalogue(store, matcher)
        imported = import_with_progress(catalogue, [SAMPLES / "catalogue"])
        out.print(f"\n[bold]sample catalogue[/] ({SAMPLES / 'catalogue'}) into {store.engine.url}:")
        print_import(imported, as_json=False)
        gaps = []
        for record in catalogue.records():
            check = check_elements(catalogue.achievement(record))
            if check.missing:
                gaps.append((record.title, [check[key].label for key in check.missing]))
        table = Table("credential", "missing", title="EU 2022 mandatory elements the offer does not state")
        for title, missing in gaps:
            table.add_row(title, ", ".join(missing))
        out.print(table)

        wallet = sorted((SAMPLES / "wallet").iterdir())
        # The sample learner's e-mail address and DID (skillmatch/samples/README.md): their
        # credentials are bound to them, which the passport checks.
        passport, _rejected = make_passport(wallet, SAMPLES / "trust.json", store, matcher,
                                            holder=["daan.verhoeven@example.com", "did:example:d4an5v3rh03v3n7f3a"])
        out.print(f"\n[bold]sample passport[/] from {len(wallet)} held credentials ({SAMPLES / 'wallet'}):")
        print_passport(passport)

        from skillmatch.catalogue import offered_credentials
        from skillmatch.domain import profile_from_passport
        from skillmatch.gaps import occupation_gap
        from skillmatch.recommend import pathway, recommend
        from skillmatch.service import learner_constraints

        profile = profile_from_passport(passport)
        out.print(f"\n[bold]gap to the sample learner's target occupation[/] ({SAMPLE_TARGET}):")
        advice.print_gap(occupation_gap(profile, SAMPLE_TARGET, matcher.taxonomy))
        constraints = learner_constraints(passport, max_ects=30)
        offer = offered_credentials(catalogue)
        out.print("\n[bold]next credentials from the sample catalogue[/] (budget 30 ECTS):")
        advice.print_plan(recommend(profile, SAMPLE_TARGET, offer, matcher.taxonomy, constraints=constraints),
                          pathway(profile, SAMPLE_TARGET, offer, matcher.taxonomy, constraints=constraints))


SAMPLE_OUTCOMES = """De student kan:
- een eenvoudige webapplicatie ontwerpen en bouwen in Python
- data uit een relationele database opvragen met SQL
- samenwerken in een Scrum-team"""
SAMPLE_TITLE = "Verpleegkundige interne geneeskunde"
#: ESCO "energy analyst": where the sample learner, an electrician, wants to go.
SAMPLE_TARGET = "http://data.europa.eu/esco/occupation/cbde1a3a-406d-4d17-b30b-03981925035d"


def _print_matches(title: str, matches: list[Match]) -> None:
    table = Table("ESCO concept", "confidence", "status", "matched label", "outcome", title=title,
                  title_justify="left")
    for match in matches:
        table.add_row(match.label, f"{match.confidence:.2f}", match.status, f"{match.matched} ({match.matched_lang})",
                      match.outcome or "")
    out.print(table)


@taxonomy_app.command("build")
def taxonomy_build(
    source: Annotated[
        list[Path] | None,
        typer.Option("--source", "-s", help="ESCO zip, folder or RDF file; repeat to merge languages. "
                     "Default: $SKILLMATCH_ESCO, else ../shared/esco."),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Languages to keep, e.g. en,nl (default: all found).")
    ] = None,
    release: Annotated[
        str | None, typer.Option("--release", help="Base release, e.g. v1.1.1 (default: newest complete).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the sources are unchanged.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Read ESCO and build the taxonomy store (skipped when already up to date)."""
    with errors():
        settings = Settings()
        paths = source or [default_source(settings.esco)]
        languages = [part for part in lang.split(",")] if lang else None
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("selecting ESCO files", total=None)
            report = build_taxonomy(
                paths, data_dir or settings.data_dir, release=release, languages=languages, force=force,
                progress=lambda message: progress.update(task, description=message),
            )
        verb = "built" if report.rebuilt else "up to date, not rebuilt:"
        err.print(f"taxonomy store {verb} {report.path}")
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
        _print_info(load_taxonomy(report.path).summary(), as_json=False)


@taxonomy_app.command("info")
def taxonomy_info(json_output: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Summarise the built taxonomy: release, languages, counts, warnings."""
    with errors():
        _print_info(load(data_dir).summary(), as_json=json_output)


def _print_info(summary: dict, *, as_json: bool) -> None:
    if as_json:
        out.print_json(data=summary)
        return
    table = Table(title=f"ESCO {summary['release']} ({', '.join(summary['languages'])})", show_header=False)
    relations = summary["occupation_skill_relations"]
    rows = [
        ("skills", f"{summary['skills']:,}"),
        ("occupations", f"{summary['occupations']:,}"),
        ("occupation-skill relations",
         f"{relations['total']:,} ({relations['essential']:,} essential, {relations['optional']:,} optional)"),
        ("skill groups", f"{summary['skill_groups']:,}"),
        ("ISCO groups", f"{summary['isco_groups']:,}"),
        ("skill-skill relations", f"{summary['skill_skill_relations']:,}"),
        ("collections", ", ".join(f"{k} {v:,}" for k, v in summary["collections"].items())),
    ]
    for lang, counts in summary["labels_per_language"].items():
        rows.append((f"labels in {lang}", f"{counts['skill']:,} skills, {counts['occupation']:,} occupations"))
    for key, value in rows:
        table.add_row(key, value)
    out.print(table)
    out.print("This service uses the ESCO classification of the European Commission.", style="dim")


@taxonomy_app.command("show")
def taxonomy_show(
    uri: Annotated[str, typer.Argument(help="ESCO concept URI.")],
    lang: Annotated[str, typer.Option("--lang", help="Language to show labels in.")] = "en",
    json_output: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Show one concept: labels in every language, hierarchy, and for occupations their skills."""
    with errors():
        path = store_path(data_dir_of(data_dir))
        concept = load_concept(path, uri)
        if concept is None:
            raise SkillmatchError(f"unknown ESCO concept: {uri!r} is not in the taxonomy at {path}")
        tax = load_taxonomy(path) if concept.kind in (ConceptKind.OCCUPATION, ConceptKind.SKILL) else None
        view: dict[str, object] = {
            "uri": concept.uri,
            "kind": concept.kind.value,
            "preferred": concept.preferred,
            "alternative": concept.alternative,
            "hidden": concept.hidden,
            "description": concept.description,
            "code": concept.code,
            "broader": list(concept.broader),
        }
        if concept.skill_type or concept.reuse_level:
            view |= {"skill_type": concept.skill_type, "reuse_level": concept.reuse_level}
        if tax is not None:
            view["pillars"] = [p.label(lang) for p in tax.pillars(uri)]
            view["collections"] = tax.collections_of(uri)
            if concept.kind is ConceptKind.OCCUPATION:
                view["isco_group"] = concept.isco_group
                for relation in ("essential", "optional"):
                    view[f"{relation}_skills"] = sorted(s.label(lang) for s in tax.skills_of(uri, relation))
            else:
                view["occupations"] = len(tax.occupations_for(uri))
        if json_output:
            out.print_json(data=view)
            return
        out.print(f"[bold]{concept.label(lang)}[/]  ({concept.kind.value}) {concept.uri}")
        for key, value in view.items():
            if key in ("uri", "kind") or not value:
                continue
            if isinstance(value, dict):
                value = "; ".join(f"[{k}] " + (v if isinstance(v, str) else " | ".join(v)) for k, v in value.items())
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            out.print(f"[cyan]{key}[/]: {value}", highlight=False)


@taxonomy_app.command("search")
def taxonomy_search(
    text: Annotated[str, typer.Argument(help="Words of a label, in any ESCO language.")],
    lang: Annotated[str | None, typer.Option("--lang", help="Only labels in this language.")] = None,
    kind: Annotated[list[ConceptKind] | None, typer.Option("--kind", help="Only these kinds.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 20,
    json_output: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Find concepts by label (exact, prefix, or all words), in any language."""
    with errors():
        hits = load(data_dir).search(text, lang=lang, kinds=kind, limit=limit)
        if json_output:
            out.print_json(data=[_hit(h) for h in hits])
            return
        table = Table("label", "matched", "lang", "kind", "uri")
        for hit in hits:
            table.add_row(hit.label, hit.matched, hit.lang, hit.kind.value, hit.uri)
        out.print(table)


def _hit(hit: SearchHit) -> dict[str, object]:
    return {"uri": hit.uri, "kind": hit.kind.value, "label": hit.label, "lang": hit.lang,
            "matched": hit.matched, "score": round(hit.score, 3)}


@taxonomy_app.command("export")
def taxonomy_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="turtle or json-ld.")] = "turtle",
    collection: Annotated[str | None, typer.Option("--collection", help="Only this collection, e.g. green.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Export the taxonomy, or one collection, as SKOS (Turtle or JSON-LD)."""
    with errors():
        if fmt not in ("turtle", "json-ld"):
            raise SkillmatchError(f"--format must be turtle or json-ld, not {fmt!r}")
        tax = load(data_dir)
        if collection is not None:
            if collection not in tax.collections:
                raise SkillmatchError(
                    f"no collection {collection!r}; the taxonomy has: {', '.join(sorted(tax.collections))}"
                )
            tax = tax.subset(tax.collections[collection])
        from skillmatch.taxonomy.rdf import export_rdf  # rdflib: only this command needs it

        with err.status(f"writing {len(tax):,} concepts as {fmt}"):
            export_rdf(tax, output, fmt=fmt)
        err.print(f"wrote {len(tax):,} concepts to {output}")



def _map(kind: Kind, input_path: Path, output: Path, top_k: int, data_dir: Path | None, encoder_name: str) -> None:
    lines = list(read_jsonl(input_path))
    matcher = load_matcher(data_dir, encoder_name)
    with progress_bar() as progress:
        task = progress.add_task(f"mapping to {kind}", total=None)
        mapped = map_lines(matcher, kind, lines, top_k=top_k,
                           progress=lambda done, total: progress.update(task, completed=done, total=total))
    tmp = output.with_name(f".{output.name}.tmp")
    with tmp.open("w", encoding="utf-8") as out_file:
        for item in mapped:
            if item.error is not None:
                err.print(f"[yellow]{input_path}, line {item.line.number}:[/] {item.error}", highlight=False)
            out_file.write(json.dumps(item.record, ensure_ascii=False) + "\n")
    tmp.replace(output)
    errors = sum(item.error is not None for item in mapped)
    err.print(f"mapped {len(mapped) - errors} of {len(mapped)} lines to {output}"
              + (f" ({errors} with errors)" if errors else ""))


InputOption = Annotated[Path, typer.Option("--input", "-i", help='JSONL, one {"id", "text"} per line.')]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="JSONL, the ranking for each input line.")]
TopK = Annotated[int, typer.Option("--top-k", min=1, max=100)]


@app.command("map-skills")
def map_skills(input_path: InputOption, output: OutputOption, top_k: TopK = 10,
               encoder: EncoderOption = DEFAULT_ENCODER, data_dir: DataDir = None) -> None:
    """Rank ESCO skills for each text (a learning outcome or a whole outcome block)."""
    with errors():
        _map("skills", input_path, output, top_k, data_dir, encoder)


@app.command("map-occupations")
def map_occupations(input_path: InputOption, output: OutputOption, top_k: TopK = 10,
                    encoder: EncoderOption = DEFAULT_ENCODER, data_dir: DataDir = None) -> None:
    """Rank ESCO occupations for each text (a job title or a whole vacancy)."""
    with errors():
        _map("occupations", input_path, output, top_k, data_dir, encoder)
