"""The package's public face: every exported name resolves to the object its module defines, and
is enough for the main job without loading the matcher."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import skillmatch
from skillmatch.config import Settings
from skillmatch.taxonomy import build_taxonomy
from tests.conftest import ESCO, REPO, require_esco


def test_every_public_name_resolves_to_its_own_object() -> None:
    assert skillmatch.__all__ == sorted(set(skillmatch.__all__))
    for name in skillmatch.__all__:
        home = importlib.import_module(skillmatch._EXPORTS[name])
        assert getattr(skillmatch, name) is getattr(home, name), name
    with pytest.raises(AttributeError, match="no attribute 'recommend_everything'"):
        skillmatch.recommend_everything  # noqa: B018


def test_no_public_name_is_shadowed_by_a_submodule() -> None:
    # Importing a submodule binds its name in the package, which would replace an export of that name.
    submodules = {info.name for info in pkgutil.iter_modules(skillmatch.__path__)}
    assert not submodules & set(skillmatch.__all__)


def test_the_public_face_is_enough_for_the_main_job() -> None:
    """From ``import skillmatch`` alone: a profile, the gap to an occupation and the errors."""
    require_esco()
    build_taxonomy([ESCO], Settings().data_dir)
    result = subprocess.run([sys.executable, "-c", """
import skillmatch, sys
taxonomy = skillmatch.load_taxonomy(skillmatch.store_path(skillmatch.Settings().data_dir))
nurse = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"
care = [s.uri for s in taxonomy.skills_of(nurse, "essential")][:3]
gap = skillmatch.occupation_gap(skillmatch.profile_from_skills(dict.fromkeys(care, 1.0), taxonomy), nurse, taxonomy)
assert len(gap.held) == 3 and gap.missing, gap
try:
    skillmatch.occupation_gap({}, care[0], taxonomy)
except skillmatch.InputError as exc:
    assert "not an occupation" in str(exc)
else:
    raise AssertionError("a skill was taken for an occupation")
assert "faiss" not in sys.modules
"""], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
