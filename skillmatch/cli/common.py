"""What every command shares: the consoles, common options, error reporting, progress and the matcher."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from skillmatch.config import Settings
from skillmatch.encoder import SPECS
from skillmatch.errors import SkillmatchError
from skillmatch.matching import Matcher, open_matcher
from skillmatch.taxonomy import Taxonomy, load_taxonomy, store_path

out = Console()
# Errors and warnings are single lines that scripts grep: never wrapped.
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", show_default=False,
                 help="Where built stores live (default: $SKILLMATCH_DATA_DIR, else the user data folder)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
EncoderOption = Annotated[
    str, typer.Option("--encoder", help=f"Sentence encoder: {', '.join(SPECS)}.")
]


def data_dir_of(option: Path | None) -> Path:
    return option or Settings().data_dir


@contextmanager
def errors() -> Iterator[None]:
    """Turn skillmatch errors into one red line and exit status 1, without a traceback."""
    try:
        yield
    except SkillmatchError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


def load(data_dir: Path | None) -> Taxonomy:
    return load_taxonomy(store_path(data_dir_of(data_dir)))


def progress_bar() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


def load_matcher(data_dir: Path | None, encoder_name: str) -> Matcher:
    """The matcher on the built taxonomy, building its indexes first if they are missing or stale."""
    target = data_dir_of(data_dir)
    with progress_bar() as progress:
        task = progress.add_task("loading the encoder", total=None)

        def report(message: str, done: int, total: int) -> None:
            progress.update(task, description=message, completed=done, total=total)

        return open_matcher(target, encoder_name, training_data=Settings().training_data, progress=report,
                            encoder_progress=lambda message: progress.update(task, description=message))
