"""The library's layers: the domain at the bottom, the advice modules on the domain and the taxonomy
only (so they load without the matcher and its FAISS indexes), the faces on top; the library never
reaches up into the API."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "skillmatch"
ADVICE = ["gaps", "recommend", "candidates", "coverage"]


def imports(path: Path) -> set[str]:
    """The modules a source file imports, wherever in the file (lazy imports in functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", ["skillmatch", "skillmatch.domain", *(f"skillmatch.{m}" for m in ADVICE)])
def test_advice_modules_load_without_faiss(module: str) -> None:
    check = f"import {module}, sys; assert 'faiss' not in sys.modules, sorted(m for m in sys.modules if 'faiss' in m)"
    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", ADVICE)
def test_advice_modules_import_only_the_domain_the_taxonomy_and_errors(module: str) -> None:
    own = {name for name in imports(PACKAGE / f"{module}.py") if name.split(".")[0] == "skillmatch"}
    # skillmatch itself gives __version__; gaps gives the weights the others share.
    assert own <= {"skillmatch", "skillmatch.domain", "skillmatch.taxonomy", "skillmatch.errors", "skillmatch.gaps"}


def test_the_domain_needs_nothing_above_it() -> None:
    for path in (PACKAGE / "domain").glob("*.py"):
        own = {name for name in imports(path) if name.split(".")[0] == "skillmatch"}
        assert all(name.startswith("skillmatch.domain") or name == "skillmatch.credentials.model" for name in own), path


def test_the_library_never_imports_the_api() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        assert not {name for name in imports(path) if name.split(".")[0] == "api"}, path


def test_matching_is_a_package_of_small_modules_one_per_channel() -> None:
    from skillmatch.matching import CHANNELS

    folder = PACKAGE / "matching"
    for channel in CHANNELS:
        module = sys.modules[channel.__module__]
        assert Path(module.__file__).parent == folder and Path(module.__file__).stem == channel.name
    assert {channel.name for channel in CHANNELS} == {"label", "description", "lexical", "context", "crosslingual"}
    for path in folder.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 300, path
